"""Training speed of dl.train_ch6 against d2l's loop, the real d2l and a bound.

Part A: examples per second of the training passes, three ways to train the
same model (d2l's sigmoid LeNet, SGD lr=0.9, batch 256) on the same real
Fashion-MNIST for the same number of batches:

1. d2l reference: torchvision ``FashionMNIST`` with ``transforms.ToTensor()``
   per image, ``DataLoader(batch_size=256, shuffle=True, num_workers=4)``,
   d2l's train step (with its per-batch ``Accumulator``/``accuracy``).
2. ``dl.train_ch6`` on ``dl.load_data_fashion_mnist(256)`` (animate,
   progress and verbose off), read from ``history.attrs["examples_per_sec"]``.
3. The bound: forward, backward and SGD step over the same real batches,
   preloaded as tensors (on the device) before the clock starts: no loader,
   no metrics.

Batch fetching is included, evaluation excluded. Ratios (2)/(1) (target
>= 2.0) and (2)/(3) (target >= 0.9; the bound should be at least as fast
as (2), so this is at most about 1).

Part B: the real d2l. ``pip install --no-deps d2l==0.17.6`` into a temporary
directory (the venv and its numpy stay untouched), then, each in a fresh
Python process, the same model trained with d2l's own
``load_data_fashion_mnist(256)`` (reading ``../data/FashionMNIST/raw/``,
prepared from the files d2lite finds) and d2l's own ``train_ch6``, and with
``dl.train_ch6`` on ``dl.load_data_fashion_mnist(256)``: lr 0.9,
``--real-epochs`` epochs, wall clock of the ``train_ch6`` call, evaluation
included. Ratio d2l / d2lite seconds (target >= 2.5).

Every method is warmed up, then all run interleaved ``--repeats`` times and
the medians are reported. The exit code is 0 either way: this is a report.

Run from the repository root::

    .venv/bin/python benchmarks/train_throughput.py            # ~5-8 min
    .venv/bin/python benchmarks/train_throughput.py --max-batches 0 --epochs 2
    .venv/bin/python benchmarks/train_throughput.py --no-real-d2l
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import d2lite as dl  # noqa: E402

BATCH_SIZE = 256
LR = 0.9
TARGET_VS_D2L = 2.0
TARGET_VS_BOUND = 0.9
TARGET_VS_REAL_D2L = 2.5
D2L_REQUIREMENT = "d2l==0.17.6"
RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class Take:
    """The first ``n`` batches of a re-iterable loader (all if n is None)."""

    def __init__(self, loader: Any, n: int | None) -> None:
        self.loader, self.n = loader, n

    def __len__(self) -> int:
        return (
            len(self.loader)
            if self.n is None
            else min(len(self.loader), self.n)
        )

    def __iter__(self) -> Iterator[Any]:
        return itertools.islice(iter(self.loader), self.n)


def make_torchvision_root(tmp: Path) -> Path:
    """Decompress the IDX files into tmp/FashionMNIST/raw/ for torchvision."""
    src = dl.find_fashion_mnist()
    raw = tmp / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in RAW_FILES:
        gz = src / f"{name}.gz"
        plain = src / name
        if gz.is_file():
            with gzip.open(gz, "rb") as fin, open(raw / name, "wb") as fout:
                shutil.copyfileobj(fin, fout)
        else:
            shutil.copyfile(plain, raw / name)
    return tmp


def fresh_lenet(device: torch.device) -> nn.Module:
    """d2l's LeNet with d2l's Xavier-uniform init, on ``device``."""
    net = dl.lenet()

    def init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)

    net.apply(init)
    return net.to(device)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ----------------------------------------------------------- the methods


def run_d2l_reference(
    root: Path,
    device: torch.device,
    epochs: int,
    max_batches: int | None,
    num_workers: int,
) -> float:
    """(1) d2l's data pipeline and train loop; examples/sec."""
    from torch.utils import data
    from torchvision import datasets, transforms

    dataset = datasets.FashionMNIST(
        root=str(root),
        train=True,
        transform=transforms.ToTensor(),
        download=False,
    )
    train_iter = data.DataLoader(
        dataset, batch_size=BATCH_SIZE, shuffle=True, num_workers=num_workers
    )
    net = fresh_lenet(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loss = nn.CrossEntropyLoss()

    def d2l_accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
        if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
            y_hat = y_hat.argmax(axis=1)
        cmp = y_hat.type(y.dtype) == y
        return float(cmp.type(y.dtype).sum())

    num_examples, seconds = 0, 0.0
    for _ in range(epochs):
        metric = [0.0, 0.0, 0.0]
        net.train()
        tic = time.perf_counter()
        for X, y in itertools.islice(train_iter, max_batches):
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                add = (
                    float(l) * X.shape[0],
                    d2l_accuracy(y_hat, y),
                    X.shape[0],
                )
                metric = [a + b for a, b in zip(metric, add)]
        sync(device)
        seconds += time.perf_counter() - tic
        num_examples += int(metric[2])
    return num_examples / seconds


def run_train_ch6(
    loaders: tuple[Any, Any],
    device: torch.device,
    epochs: int,
    max_batches: int | None,
) -> float:
    """(2) dl.train_ch6 on dl.load_data_fashion_mnist; examples/sec."""
    train_iter, test_iter = loaders
    history = dl.train_ch6(
        dl.lenet(),
        Take(train_iter, max_batches),
        Take(test_iter, 1),
        epochs,
        lr=LR,
        device=device,
        animate=False,
        progress=False,
        verbose=False,
    )
    return float(history.attrs["examples_per_sec"])


def preload(
    loader: Any, device: torch.device, max_batches: int | None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of real batches as tensors on ``device`` (for the bound)."""
    return [(X.to(device), y.to(device)) for X, y in Take(loader, max_batches)]


def run_bound(
    batches: list[tuple[torch.Tensor, torch.Tensor]],
    device: torch.device,
    epochs: int,
) -> float:
    """(3) forward/backward/step over preloaded real batches; examples/sec."""
    net = fresh_lenet(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loss = nn.CrossEntropyLoss()
    net.train()
    sync(device)
    tic = time.perf_counter()
    for _ in range(epochs):
        for X, y in batches:  # (256, 1, 28, 28), (256,)
            optimizer.zero_grad()
            l = loss(net(X), y)
            l.backward()
            optimizer.step()
    sync(device)
    num_examples = epochs * sum(len(y) for _, y in batches)
    return num_examples / (time.perf_counter() - tic)


# ------------------------------------------------------- the real d2l

# Runs in a fresh process: argv = which ("d2l" or "d2lite"), epochs, device,
# threads (0: torch's default). The model is d2l's LeNet as chapter 6.6
# writes it; both libraries load their own data and run their train_ch6.
RUNNER = r"""
import json, sys, time
import torch
from torch import nn

which, epochs, device, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if threads > 0:
    torch.set_num_threads(threads)
tic = time.perf_counter()
if which == "d2l":
    from d2l import torch as lib
else:
    import d2lite as lib
train_iter, test_iter = lib.load_data_fashion_mnist(256)
load_seconds = time.perf_counter() - tic
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
# One-off imports, the same in both processes, before the clock: what the
# first train_ch6 call of a process would otherwise import lazily (torch's
# first optimizer imports torch._dynamo, ~3 s; d2lite imports pandas for the
# history and IPython to detect Jupyter; d2l imported both at its import).
tic = time.perf_counter()
import IPython, matplotlib.pyplot, pandas, torch._dynamo  # noqa: E401,F401
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
import_seconds = time.perf_counter() - tic
tic = time.perf_counter()
lib.train_ch6(net, train_iter, test_iter, epochs, 0.9, torch.device(device))
seconds = time.perf_counter() - tic
print("RESULT " + json.dumps({"seconds": seconds, "load_seconds": load_seconds,
                              "import_seconds": import_seconds}))
"""


def install_real_d2l(target: Path) -> str | None:
    """pip-install d2l without its pinned dependencies; None or the error."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--disable-pip-version-check",
        "--target",
        str(target),
        D2L_REQUIREMENT,
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if done.returncode != 0:
        return (done.stderr or done.stdout).strip().splitlines()[-1]
    return None


def run_real(
    which: str,
    pythonpath: Path,
    cwd: Path,
    device: torch.device,
    epochs: int,
    threads: int | None,
) -> dict[str, Any]:
    """(4)/(5) one train_ch6 run of the real d2l or of d2lite in a fresh process."""
    # d2l's target first, then this checkout (not an installed d2lite).
    repo = Path(__file__).resolve().parents[1]
    path = os.pathsep.join([str(pythonpath), str(repo)])
    env = {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}
    cmd = [
        sys.executable,
        "-c",
        RUNNER,
        which,
        str(epochs),
        str(device),
        str(threads or 0),
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=3600
    )
    lines = done.stdout.splitlines()
    results = [ln for ln in lines if ln.startswith("RESULT ")]
    if done.returncode != 0 or not results:
        tail = "\n".join(
            (done.stderr or done.stdout).strip().splitlines()[-5:]
        )
        raise RuntimeError(
            f"the {which} run failed (exit {done.returncode}):\n{tail}"
        )
    result = json.loads(results[-1][len("RESULT ") :])
    result["printed"] = [
        ln
        for ln in lines
        if ln.startswith(("loss ", "training on"))
        or ln.endswith(f"examples/sec on {device}")
    ]
    return result


# ---------------------------------------------------------------- report


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15-minute load averages (nan where unavailable)."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return (float("nan"),) * 3


def verdict(ratio: float, target: float) -> str:
    return "MET" if ratio >= target else "NOT MET"


def report(
    results: dict[str, list[float]], num_workers: int
) -> dict[str, Any]:
    """Print medians, best runs, ratios and verdicts of part A; return them."""
    results = {
        k: v for k, v in results.items() if k in ("d2l", "train_ch6", "bound")
    }
    med = {name: statistics.median(v) for name, v in results.items()}
    best = {name: max(v) for name, v in results.items()}
    labels = {
        "d2l": f"(1) d2l reference (torchvision, DataLoader num_workers={num_workers})",
        "train_ch6": "(2) dl.train_ch6 + dl.load_data_fashion_mnist",
        "bound": "(3) bound: fwd/bwd/step over the same batches, preloaded",
    }
    print(f"{'examples/sec':<70} {'median':>10} {'best':>10}")
    for name, label in labels.items():
        print(f"  {label:<68} {med[name]:10,.1f} {best[name]:10,.1f}")
    summary: dict[str, Any] = {"median": med, "best": best}
    for what, other, target in (
        ("(2)/(1)", "d2l", TARGET_VS_D2L),
        ("(2)/(3)", "bound", TARGET_VS_BOUND),
    ):
        ratio = med["train_ch6"] / med[other]
        paired = statistics.median(
            a / b for a, b in zip(results["train_ch6"], results[other])
        )
        print(
            f"{what} = {ratio:.2f}x (ratio of medians; median of per-repeat ratios "
            f"{paired:.2f}x), target >= {target}x: {verdict(ratio, target)}"
        )
        summary[f"train_ch6_vs_{other}"] = {
            "ratio": ratio,
            "paired": paired,
            "target": target,
        }
    return summary


def report_real(
    real: dict[str, list[dict[str, Any]]], epochs: int
) -> dict[str, Any]:
    """Print part B: seconds of each train_ch6 call, the ratio, the verdict."""
    secs = {k: [r["seconds"] for r in v] for k, v in real.items()}
    med = {k: statistics.median(v) for k, v in secs.items()}
    print(
        f"train_ch6 wall clock, {epochs} epoch(s) incl. evaluation  "
        f"{'median s':>10} {'best s':>10}"
    )
    labels = {
        "d2l": f"(4) real d2l ({D2L_REQUIREMENT}): its loader + its train_ch6",
        "d2lite": "(5) dl.train_ch6 + dl.load_data_fashion_mnist",
    }
    for name, label in labels.items():
        print(f"  {label:<68} {med[name]:10.2f} {min(secs[name]):10.2f}")
    ratio = med["d2l"] / med["d2lite"]
    paired = statistics.median(
        a / b for a, b in zip(secs["d2l"], secs["d2lite"])
    )
    print(
        f"(4)/(5) = {ratio:.2f}x faster than the real d2l (ratio of median seconds; "
        f"median of per-repeat ratios {paired:.2f}x), target >= {TARGET_VS_REAL_D2L}x: "
        f"{verdict(ratio, TARGET_VS_REAL_D2L)}"
    )
    imp = {
        k: statistics.median(r["import_seconds"] for r in v)
        for k, v in real.items()
    }
    cold = (med["d2l"] + imp["d2l"]) / (med["d2lite"] + imp["d2lite"])
    print(
        "  one-off imports before the clock (median s, the same list in "
        f"both): d2l {imp['d2l']:.2f}, d2lite {imp['d2lite']:.2f}; "
        f"counted in the clock the ratio would be {cold:.2f}x"
    )
    for name in labels:
        print(
            f"  last {name} run printed: "
            + " | ".join(real[name][-1]["printed"])
        )
    return {
        "median_seconds": med,
        "runs_seconds": secs,
        "import_seconds": imp,
        "d2l_vs_d2lite": {
            "ratio": ratio,
            "with_imports": cold,
            "paired": paired,
            "target": TARGET_VS_REAL_D2L,
        },
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--epochs",
        type=int,
        default=1,
        help="epochs per measurement (default 1)",
    )
    p.add_argument(
        "--max-batches",
        type=int,
        default=0,
        help="batches per epoch, 0 for the whole epoch (235); default 0 (whole epochs, as training runs them)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="interleaved repeats; median taken",
    )
    p.add_argument(
        "--num-workers", type=int, default=4, help="DataLoader workers of (1)"
    )
    p.add_argument(
        "--device", default=None, help="cpu, cuda:0, ...; default dl.try_gpu()"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads of the training process (default: torch's)",
    )
    p.add_argument(
        "--real-epochs",
        type=int,
        default=2,
        help="epochs of each real-d2l / d2lite train_ch6 run (default 2)",
    )
    p.add_argument(
        "--no-real-d2l",
        action="store_true",
        help="skip part B (the pip-installed real d2l)",
    )
    p.add_argument(
        "--d2l-target",
        type=Path,
        default=None,
        help="directory holding (or to receive) the pip-installed d2l; "
        "default: a temporary one, deleted at the end",
    )
    p.add_argument(
        "--json", type=Path, default=None, help="also write the results here"
    )
    args = p.parse_args(argv)
    for name in ("epochs", "repeats", "real_epochs"):
        if getattr(args, name) < 1:
            p.error(
                f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}"
            )
    if args.threads is not None and args.threads < 1:
        p.error(f"--threads must be >= 1, got {args.threads}")
    if args.max_batches < 0:
        p.error(
            f"--max-batches must be >= 0 (0: whole epoch), got {args.max_batches}"
        )
    return args


def prepare_real_d2l(args: argparse.Namespace, tmp: Path) -> Path | None:
    """Where the real d2l is importable from, or None (with the reason printed)."""
    if args.no_real_d2l:
        return None
    target = args.d2l_target or tmp / "d2l-pkg"
    if not (target / "d2l" / "torch.py").is_file():
        error = install_real_d2l(target)
        if error is not None:
            print(
                f"(4) real d2l: not measured, `pip install --no-deps {D2L_REQUIREMENT}` "
                f"failed: {error}"
            )
            return None
    return target


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    # d2l's num_workers=4 may exceed the CPUs here; that is the reference.
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    device = torch.device(args.device) if args.device else dl.try_gpu()
    max_batches = args.max_batches or None
    # On an accelerator the data lives there once (as the course does).
    data_device = device if device.type != "cpu" else None
    loaders = dl.load_data_fashion_mnist(BATCH_SIZE, device=data_device)
    steps = len(Take(loaders[0], max_batches)) * args.epochs
    batches = preload(
        loaders[0], device, max_batches
    )  # the bound's real batches
    print(
        f"d2l LeNet, batch {BATCH_SIZE}, {steps // args.epochs} batches x "
        f"{args.epochs} epoch(s), {args.repeats} repeats, device {device}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, load average "
        f"{load_average()[0]:.2f}"
    )
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="d2lite-bench-") as tmp_name:
        tmp = Path(tmp_name)
        root = make_torchvision_root(tmp / "data")  # data/FashionMNIST/raw/
        work = (
            tmp / "work"
        )  # the real d2l reads ../data/FashionMNIST/raw/ from here
        work.mkdir()
        d2l_path = prepare_real_d2l(args, tmp)
        methods: dict[str, Callable[[int | None, int], float]] = {
            "d2l": lambda mb, ep: run_d2l_reference(
                root, device, ep, mb, args.num_workers
            ),
            "train_ch6": lambda mb, ep: run_train_ch6(loaders, device, ep, mb),
            "bound": lambda mb, ep: run_bound(
                batches[:mb] if mb else batches, device, ep
            ),
        }
        for run in methods.values():  # warm-up
            run(10, 1)
        results: dict[str, list[float]] = {name: [] for name in methods}
        real: dict[str, list[dict[str, Any]]] = {"d2l": [], "d2lite": []}
        for r in range(args.repeats):
            for name, run in methods.items():
                results[name].append(run(max_batches, args.epochs))
            last = {name: v[-1] for name, v in results.items()}
            line = (
                f"repeat {r + 1}/{args.repeats}: "
                + ", ".join(f"{n} {v:,.0f}" for n, v in last.items())
                + f" examples/sec; (2)/(1) {last['train_ch6'] / last['d2l']:.2f}x, "
                f"(2)/(3) {last['train_ch6'] / last['bound']:.2f}x"
            )
            if d2l_path is not None:
                for which, path in (("d2l", d2l_path), ("d2lite", repo)):
                    real[which].append(
                        run_real(
                            which,
                            path,
                            work,
                            device,
                            args.real_epochs,
                            args.threads,
                        )
                    )
                d2l_s, ours_s = (
                    real["d2l"][-1]["seconds"],
                    real["d2lite"][-1]["seconds"],
                )
                line += (
                    f"; real d2l {d2l_s:.2f} s, d2lite {ours_s:.2f} s: "
                    f"(4)/(5) {d2l_s / ours_s:.2f}x"
                )
            print(line, flush=True)
    summary = report(results, args.num_workers)
    if d2l_path is not None:
        summary["real_d2l"] = report_real(real, args.real_epochs)
    load = load_average()
    print(
        f"load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"
    )
    if args.json is not None:
        summary.update(device=str(device), steps=steps, runs=results)
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
