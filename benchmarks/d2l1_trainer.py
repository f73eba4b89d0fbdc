"""Part C: d2l-en 1.0's LeNet through ``d2lite.d2l1.Trainer`` against the
real ``d2l==1.0.3``.

The same program (section 7.6 of d2l.ai: ``d2l.FashionMNIST(batch_size=128)``,
``LeNet(lr=0.1)`` initialized by ``apply_init`` with ``init_cnn``,
``d2l.Trainer(max_epochs, num_gpus=1).fit(model, data)``) runs twice, each
in a fresh Python process: once after ``from d2l import torch as d2l`` (the
real d2l 1.0.3, installed by this script with ``pip install --no-deps`` into
a temporary directory, with scipy, which its ``torch.py`` imports; its
pinned numpy is not installed) and once after ``from d2lite import d2l1 as
d2l``. The real d2l reads ``../data/FashionMNIST/raw/``, prepared from the
files d2lite finds; d2lite finds them itself.

The clock wraps ``trainer.fit``: every epoch's training and validation
(d2l's validation runs inside ``fit``), the boards' plotting, the data
loaders' start-up. Building the data module and the one-off imports that
a first ``fit`` would trigger (``IPython``, ``matplotlib.pyplot``,
``pandas``, ``torch._dynamo`` through a first optimizer) come before the
clock, the same in both processes, and are printed apart. One run each;
the ratio is d2l's seconds over d2lite's (target >= 2). The exit code is
0 either way: this is a report.

Run from the repository root::

    flock /tmp/d2lite-cpu.lock .venv/bin/python benchmarks/d2l1_trainer.py
    .venv/bin/python benchmarks/d2l1_trainer.py --epochs 1 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_throughput import load_average, make_torchvision_root  # noqa: E402

REQUIREMENTS = ("d2l==1.0.3", "scipy")
TARGET = 2.0

# argv: which ("d2l" or "d2lite"), epochs, threads (0: torch's default).
RUNNER = r"""
import json, sys, time
import torch

which, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if threads > 0:
    torch.set_num_threads(threads)
tic = time.perf_counter()
if which == "d2l":
    from d2l import torch as d2l
else:
    from d2lite import d2l1 as d2l
import IPython, matplotlib.pyplot, pandas, torch._dynamo  # noqa: E401,F401
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
import_seconds = time.perf_counter() - tic
torch.manual_seed(0)
tic = time.perf_counter()
data = d2l.FashionMNIST(batch_size=128)
model = d2l.LeNet(lr=0.1)
model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
trainer = d2l.Trainer(max_epochs=epochs, num_gpus=1)
setup_seconds = time.perf_counter() - tic
tic = time.perf_counter()
trainer.fit(model, data)
seconds = time.perf_counter() - tic
last = {k: float(v[-1].y) for k, v in model.board.data.items()}
print("RESULT " + json.dumps({
    "seconds": seconds, "setup_seconds": setup_seconds,
    "import_seconds": import_seconds, "last": last,
    "batches": trainer.train_batch_idx, "val_batches": trainer.val_batch_idx,
    "device": str(next(model.parameters()).device)}))
"""


def install(target: Path) -> str | None:
    """pip-install d2l 1.0.3 and scipy without dependencies; None or why not."""
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    cmd += ["--disable-pip-version-check", "--target", str(target)]
    try:
        done = subprocess.run(
            [*cmd, *REQUIREMENTS], capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if done.returncode != 0:
        return (done.stderr or done.stdout).strip().splitlines()[-1]
    return None


def run(
    which: str, pythonpath: Path, cwd: Path, epochs: int, threads: int
) -> dict[str, Any]:
    """One LeNet fit in a fresh process; its RESULT line as a dict."""
    repo = Path(__file__).resolve().parents[1]
    path = os.pathsep.join([str(pythonpath), str(repo)])
    env = {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-c", RUNNER, which, str(epochs), str(threads)]
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=7200
    )
    results = [
        ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")
    ]
    if done.returncode != 0 or not results:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(
            f"the {which} run failed (exit {done.returncode}):\n"
            + "\n".join(tail)
        )
    return json.loads(results[-1][len("RESULT ") :])


def describe(name: str, r: dict[str, Any]) -> str:
    last = ", ".join(f"{k} {v:.3f}" for k, v in r["last"].items())
    return (
        f"  {name:<28} fit {r['seconds']:8.2f} s   (before the clock: "
        f"imports {r['import_seconds']:.2f} s, data and model "
        f"{r['setup_seconds']:.2f} s); {r['batches']} + {r['val_batches']} "
        f"batches on {r['device']}; last points: {last}"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=2, help="max_epochs (2)")
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads in both processes (default: torch's)",
    )
    p.add_argument(
        "--d2l-target",
        type=Path,
        default=None,
        help="directory holding (or to receive) d2l 1.0.3 and scipy",
    )
    args = p.parse_args(argv)
    if args.epochs < 1 or args.threads < 0:
        p.error("--epochs must be >= 1 and --threads >= 0")
    print(
        f"d2l-en 1.0 LeNet (7.6), batch 128, lr 0.1, {args.epochs} epoch(s), "
        f"torch {torch.__version__}, threads {args.threads or 'default'}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, load average "
        f"{load_average()[0]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="d2lite-bench-c-") as tmp_name:
        tmp = Path(tmp_name)
        target = args.d2l_target or tmp / "d2l-pkg"
        if not (target / "d2l" / "torch.py").is_file():
            error = install(target)
            if error is not None:
                print(f"real d2l not measured: pip install failed: {error}")
                return 0
        make_torchvision_root(tmp / "data")  # ../data seen from tmp/work
        (tmp / "work").mkdir()
        repo = Path(__file__).resolve().parents[1]
        ours = run("d2lite", repo, tmp / "work", args.epochs, args.threads)
        print(describe("(C2) d2lite.d2l1", ours), flush=True)
        real = run("d2l", target, tmp / "work", args.epochs, args.threads)
        print(describe("(C1) d2l==1.0.3", real), flush=True)
    ratio = real["seconds"] / ours["seconds"]
    verdict = "MET" if ratio >= TARGET else "NOT MET"
    print(
        f"(C1)/(C2) = {ratio:.2f}x: d2lite.d2l1's Trainer.fit is {ratio:.2f} "
        f"times as fast as d2l 1.0.3's, evaluation included; target >= "
        f"{TARGET}x: {verdict}"
    )
    load = load_average()
    print(
        f"load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
