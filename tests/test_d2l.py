"""Tests of d2lite.d2l: d2l.torch's names, called as d2l's chapters call them."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ast  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import d2lite as dl  # noqa: E402
from d2lite import d2l  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
Batch = tuple[torch.Tensor, torch.Tensor]

# The names the issue lists (d2l.torch's, for d2l-zh 2.0 chapters 3.5-7.7).
NAMES = """
load_data_fashion_mnist get_fashion_mnist_labels show_images get_dataloader_workers
use_svg_display set_figsize set_axes plot plt Animator
Accumulator accuracy evaluate_accuracy evaluate_accuracy_gpu train_epoch_ch3 train_ch3
predict_ch3 sgd train_ch6 Timer try_gpu try_all_gpus num_gpus
corr2d Residual
ones zeros tensor arange meshgrid sin sinh cos cosh tanh linspace exp log normal rand
matmul int32 float32 concat stack abs eye
numpy size reshape to reduce_sum argmax astype transpose
""".split()
TORCH_ALIASES = {
    "ones": torch.ones,
    "zeros": torch.zeros,
    "tensor": torch.tensor,
    "arange": torch.arange,
    "sin": torch.sin,
    "sinh": torch.sinh,
    "cos": torch.cos,
    "cosh": torch.cosh,
    "tanh": torch.tanh,
    "linspace": torch.linspace,
    "exp": torch.exp,
    "log": torch.log,
    "normal": torch.normal,
    "rand": torch.rand,
    "matmul": torch.matmul,
    "int32": torch.int32,
    "float32": torch.float32,
    "concat": torch.cat,
    "stack": torch.stack,
    "abs": torch.abs,
    "eye": torch.eye,
}
REUSED = {  # the top-level d2lite objects d2l's names are
    "load_data_fashion_mnist": dl.load_data_fashion_mnist,
    "get_fashion_mnist_labels": dl.get_fashion_mnist_labels,
    "show_images": dl.show_images,
    "Animator": dl.Animator,
    "Accumulator": dl.Accumulator,
    "accuracy": dl.accuracy,
    "evaluate_accuracy_gpu": dl.evaluate_accuracy_gpu,
    "Timer": dl.Timer,
}


class Batches:
    """Re-iterable batches: X (N, 1, 4, 4) random, y the argmax of 3 pixels."""

    def __init__(self, n: int, batch_size: int, *, seed: int = 0) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.X = torch.rand(n, 1, 4, 4, generator=gen)  # (N, 1, 4, 4)
        self.y = self.X.flatten(1)[:, :3].argmax(dim=1)  # (N,)
        self.batch_size = batch_size

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        for i in range(0, len(self.y), self.batch_size):
            yield (
                self.X[i : i + self.batch_size],
                self.y[i : i + self.batch_size],
            )


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """One intra-op thread: the nets are tiny and the machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    d2l.plt.close("all")


def linear_net() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 10))


# ----------------------------------------------------------------- names


def test_every_listed_name_is_there_and_in_all() -> None:
    missing = [name for name in NAMES if not hasattr(d2l, name)]
    assert missing == []
    assert sorted(d2l.__all__) == sorted(NAMES)
    assert d2l.plt is sys.modules["matplotlib.pyplot"]
    assert "plt" in dir(d2l)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        d2l.no_such_name  # noqa: B018


def test_aliases_are_torch_and_reused_names_are_d2lite() -> None:
    for name, obj in TORCH_ALIASES.items():
        assert getattr(d2l, name) is obj, name
    for name, obj in REUSED.items():
        assert getattr(d2l, name) is obj, name


def _imported_modules(path: Path) -> set[str]:
    """The modules a file imports (``from d2lite import d2l`` included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{a.name}" for a in node.names}
            names.add(node.module)
    return names


def test_import_d2lite_does_not_import_d2l_and_top_level_is_unchanged() -> (
    None
):
    code = (
        "import sys, d2lite\n"
        "assert 'd2lite.d2l' not in sys.modules, 'import d2lite imported d2lite.d2l'\n"
        "assert 'd2l' not in d2lite.__all__\n"
        "from d2lite import d2l\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'd2lite.d2l imported pyplot'\n"
        "print(d2l.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "d2lite.d2l"
    importers = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "d2lite").rglob("*.py")
        if p.relative_to(ROOT / "d2lite").parts[0] != "d2l"
        and "d2lite.d2l" in _imported_modules(p)
    ]
    assert importers == [], "nothing in the package may import d2lite.d2l"


# ---------------------------------------------------------- tensor helpers


def test_function_helpers_as_d2l_calls_them() -> None:
    x = d2l.arange(6, dtype=d2l.float32)
    w = torch.ones(2, 3, requires_grad=True)
    assert isinstance(d2l.numpy(w), np.ndarray) and d2l.numpy(w).shape == (
        2,
        3,
    )
    assert d2l.size(w) == 6 and d2l.size(d2l.tensor([0, 2])) == 2
    assert d2l.reshape(x, (2, 3)).shape == (2, 3)
    assert d2l.reshape(x, 3, 2).shape == (3, 2)
    assert d2l.to(x, torch.float64).dtype == torch.float64
    assert d2l.to(x, device="cpu").device.type == "cpu"
    assert float(d2l.reduce_sum(x)) == 15.0
    assert d2l.reduce_sum(d2l.reshape(x, (2, 3)), axis=0).tolist() == [
        3.0,
        5.0,
        7.0,
    ]
    y_hat = d2l.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    assert d2l.argmax(y_hat, axis=1).tolist() == [2, 2]
    assert d2l.astype(x, d2l.int32).dtype == torch.int32
    assert d2l.transpose(d2l.reshape(x, (2, 3))).shape == (3, 2)
    assert d2l.concat((x, x)).shape == (12,)


def test_meshgrid_is_ij_without_warning() -> None:
    a, b = d2l.arange(3), d2l.arange(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, Y = d2l.meshgrid(a, b)
    X0, Y0 = torch.meshgrid(a, b, indexing="ij")
    assert torch.equal(X, X0) and torch.equal(Y, Y0) and X.shape == (3, 2)


# ------------------------------------------------------------------ data


def test_get_dataloader_workers_is_d2ls_four_at_most() -> None:
    workers = d2l.get_dataloader_workers()
    assert isinstance(workers, int) and 1 <= workers <= min(
        4, os.cpu_count() or 4
    )


@pytest.mark.realdata
def test_load_data_fashion_mnist_positional_with_resize() -> None:
    train_iter, test_iter = d2l.load_data_fashion_mnist(32, 64)
    X, y = next(iter(train_iter))
    assert (X.shape, X.dtype, y.shape, y.dtype) == (
        (32, 1, 64, 64),
        torch.float32,
        (32,),
        torch.int64,
    )
    assert len(train_iter) == 60000 // 32 and len(test_iter) == -(-10000 // 32)
    assert d2l.get_fashion_mnist_labels(y[:2]) == dl.get_fashion_mnist_labels(
        y[:2].tolist()
    )
    axes = d2l.show_images(
        X[:18].reshape(18, 64, 64),
        2,
        9,
        titles=d2l.get_fashion_mnist_labels(y[:18]),
    )
    assert len(axes) == 18 and axes[0].get_title() in dl.FASHION_MNIST_CLASSES


# -------------------------------------------------------------- plotting


def test_use_svg_display_and_set_figsize_outside_jupyter() -> None:
    d2l.use_svg_display()  # a no-op in a script
    d2l.set_figsize()
    assert tuple(d2l.plt.rcParams["figure.figsize"]) == (3.5, 2.5)
    d2l.set_figsize((5, 2.5))
    assert tuple(d2l.plt.rcParams["figure.figsize"]) == (5.0, 2.5)


def test_set_axes_positional() -> None:
    _, axes = d2l.plt.subplots()
    axes.plot([1, 2], [1, 10])
    d2l.set_axes(axes, "x", "f(x)", [1, 2], [1, 10], "linear", "log", ["f"])
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x", "f(x)")
    assert axes.get_yscale() == "log" and tuple(axes.get_xlim()) == (1.0, 2.0)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["f"]


def test_plot_d2l_call_forms() -> None:
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.relu(x)
    d2l.plot(x.detach(), y.detach(), "x", "relu(x)", figsize=(5, 2.5))
    axes = d2l.plt.gca()
    assert len(axes.lines) == 1 and axes.get_xlabel() == "x"
    d2l.plot(
        x,
        [torch.sigmoid(x), torch.tanh(x)],
        "x",
        "f(x)",
        legend=["sigmoid", "tanh"],
    )  # tensors that require grad
    axes = d2l.plt.gca()
    assert [ln.get_linestyle() for ln in axes.lines] == ["-", "--"]
    np.testing.assert_allclose(
        axes.lines[1].get_ydata(), np.tanh(x.detach().numpy()), rtol=1e-6
    )
    d2l.plot([3.0, 1.0, 2.0])  # Y only: against the index
    assert list(d2l.plt.gca().lines[0].get_xdata()) == [0, 1, 2]
    d2l.plot(
        np.arange(3), [np.arange(3) * k for k in range(6)]
    )  # more series than fmts
    assert len(d2l.plt.gca().lines) == 6
    _, ax = d2l.plt.subplots()
    d2l.plot(np.arange(3), np.arange(3), axes=ax, xlim=[0, 2], yscale="log")
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="plot got 2 x series for 3 y series"):
        d2l.plot([np.arange(3), np.arange(3)], [np.arange(3)] * 3)


def test_animator_positional_keeps_points() -> None:
    animator = d2l.Animator("epoch", None, ["train loss", "test acc"], [1, 3])
    for epoch in range(1, 4):
        animator.add(epoch, (1.0 / epoch, None if epoch < 3 else 0.5))
    assert animator.X == [[1.0, 2.0, 3.0], [3.0]]


# -------------------------------------------------------------- training


def test_accumulator_accuracy_and_timer() -> None:
    y = d2l.tensor([0, 2])
    y_hat = d2l.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    assert d2l.accuracy(y_hat, y) / len(y) == 0.5
    metric = d2l.Accumulator(2)
    metric.add(d2l.accuracy(y_hat, y), d2l.size(y))
    assert metric[0] / metric[1] == 0.5
    timer = d2l.Timer()
    timer.stop()
    timer.start()
    timer.stop()
    assert len(timer.cumsum()) == 2 and timer.sum() == pytest.approx(
        2 * timer.avg()
    )


def test_evaluate_accuracy_with_a_function_net() -> None:
    batches = Batches(40, 16)
    W = torch.zeros(16, 10)
    W[[0, 1, 2], [0, 1, 2]] = 1.0  # predicts the argmax of the first 3 pixels

    def net(X: torch.Tensor) -> torch.Tensor:
        return torch.matmul(X.reshape((-1, W.shape[0])), W)

    assert d2l.evaluate_accuracy(net, batches) == 1.0
    assert d2l.evaluate_accuracy_gpu(linear_net(), batches, "cpu") <= 1.0


def test_sgd_steps_and_zeroes_gradients() -> None:
    W = torch.ones(3, requires_grad=True)
    (W * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    d2l.sgd([W], 0.5, 2)
    assert W.tolist() == [0.75, 0.5, 0.25] and W.grad.tolist() == [
        0.0,
        0.0,
        0.0,
    ]
    fresh = torch.ones(2, requires_grad=True)
    with pytest.raises(
        ValueError, match=r"params\[0\] \(shape \(2,\)\) has no gradient"
    ):
        d2l.sgd([fresh], 0.1, 2)


def _scratch_params() -> list[torch.Tensor]:
    torch.manual_seed(0)
    return [
        torch.normal(0, 0.01, size=(16, 10), requires_grad=True),
        torch.zeros(10, requires_grad=True),
    ]


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_train_epoch_ch3_updater_and_optimizer_agree(reduction: str) -> None:
    """d2l's from-scratch updater (sgd on the summed loss) and torch's SGD
    (on the mean) take the same step, for per-example and mean losses."""
    batches = Batches(40, 16)  # 3 batches, the last one smaller
    loss = nn.CrossEntropyLoss(reduction=reduction)
    results = []
    for use_optimizer in (False, True):
        W, b = _scratch_params()

        def net(X: torch.Tensor, W=W, b=b) -> torch.Tensor:
            return torch.matmul(X.reshape((-1, 16)), W) + b

        def sgd(batch_size: int, W=W, b=b) -> None:
            d2l.sgd([W, b], 0.5, batch_size)

        updater = torch.optim.SGD([W, b], lr=0.5) if use_optimizer else sgd
        train_loss, train_acc = d2l.train_epoch_ch3(
            net, batches, loss, updater
        )
        results.append((train_loss, train_acc, W.detach().clone()))
    (l0, a0, W0), (l1, a1, W1) = results
    assert l0 == pytest.approx(l1) and a0 == a1 and 0.0 <= a0 <= 1.0
    torch.testing.assert_close(W0, W1)
    assert (
        1.0 < l0 < 2.4
    )  # a mean per example (ln 10 = 2.30 at the start), not per batch


def test_train_ch3_returns_none_prints_nothing_and_learns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    torch.manual_seed(0)
    net = linear_net()
    batches = Batches(48, 16)  # 3 batches per epoch (< 5)
    before = d2l.evaluate_accuracy(net, batches)
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    loss = nn.CrossEntropyLoss(reduction="none")
    assert d2l.train_ch3(net, batches, batches, loss, 8, trainer) is None
    assert capsys.readouterr().out == ""
    assert d2l.evaluate_accuracy(net, batches) > max(before, 0.5)


def test_train_ch3_one_epoch() -> None:
    net = linear_net()
    batches = Batches(16, 16)  # a single batch
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "identical xlims" warning
        d2l.train_ch3(net, batches, batches, nn.CrossEntropyLoss(), 1, trainer)


def test_predict_ch3_titles_true_and_predicted() -> None:
    net = nn.Sequential(linear_net(), nn.Dropout(0.5))
    net.train()
    assert d2l.predict_ch3(net, Batches(16, 8)) is None
    axes = d2l.plt.gcf().axes
    assert len(axes) == 6
    true, pred = axes[0].get_title().split("\n")
    assert (
        true in dl.FASHION_MNIST_CLASSES and pred in dl.FASHION_MNIST_CLASSES
    )
    assert net.training  # its mode is restored
    d2l.predict_ch3(net, Batches(16, 8), 3)
    assert len(d2l.plt.gcf().axes) == 3


LOSS_LINE = re.compile(
    r"^loss \d+\.\d{3}, train acc [01]\.\d{3}, test acc [01]\.\d{3}$"
)
SPEED_LINE = re.compile(r"^\d+\.\d examples/sec on cpu$")


@pytest.mark.parametrize(
    "n", [16, 48]
)  # one and three batches per epoch (< 5)
def test_train_ch6_positional_prints_d2ls_lines_returns_none(
    n: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    torch.manual_seed(0)
    batches = Batches(n, 16)
    assert (
        d2l.train_ch6(
            linear_net(), batches, batches, 2, 0.9, torch.device("cpu")
        )
        is None
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "training on cpu"
    assert (
        LOSS_LINE.match(lines[1])
        and SPEED_LINE.match(lines[2])
        and len(lines) == 3
    )


def test_devices() -> None:
    assert d2l.try_gpu() == dl.try_gpu()
    assert d2l.try_gpu(d2l.num_gpus() + 5) == torch.device("cpu")  # d2l's rule
    assert d2l.try_all_gpus() == (
        [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
        or [torch.device("cpu")]
    )
    assert d2l.num_gpus() == torch.cuda.device_count()


# ------------------------------------------------------------ convolution


def test_corr2d_d2ls_example_and_conv2d_oracle() -> None:
    X = d2l.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = d2l.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert d2l.corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]
    gen = torch.Generator().manual_seed(0)
    X, K = torch.randn(7, 9, generator=gen), torch.randn(3, 2, generator=gen)
    oracle = F.conv2d(X[None, None], K[None, None])[0, 0]  # (5, 8)
    torch.testing.assert_close(d2l.corr2d(X, K), oracle)
    assert (
        d2l.corr2d(torch.ones(3, 3, dtype=torch.int64), torch.ones(2, 2)).dtype
        == torch.float32
    )
    assert d2l.corr2d(
        torch.ones(3, 3, dtype=torch.int64),
        torch.ones(2, 2, dtype=torch.int64),
    ).tolist() == [[4.0, 4.0], [4.0, 4.0]]


def test_corr2d_learns_an_edge_kernel() -> None:
    """6.2's hand-written Conv2D: corr2d is differentiable in the kernel."""
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = d2l.corr2d(X, d2l.tensor([[1.0, -1.0]]))
    torch.manual_seed(0)
    weight = torch.rand((1, 2), requires_grad=True)
    for _ in range(50):
        loss = ((d2l.corr2d(X, weight) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            weight -= 0.03 * weight.grad
            weight.grad.zero_()
    torch.testing.assert_close(
        weight.detach(), torch.tensor([[1.0, -1.0]]), atol=0.05, rtol=0
    )


def test_residual_shapes_names_and_oracle() -> None:
    X = torch.rand(4, 3, 6, 6)
    blk = d2l.Residual(3, 3)
    assert blk(X).shape == (4, 3, 6, 6) and blk.conv3 is None
    blk = d2l.Residual(3, 6, use_1x1conv=True, strides=2)
    assert blk(X).shape == (4, 6, 3, 3)
    assert d2l.Residual(3, 6, True, 2)(X).shape == (4, 6, 3, 3)  # positional
    keys = {k.rsplit(".", 1)[0] for k in blk.state_dict()}
    assert keys == {"conv1", "conv2", "conv3", "bn1", "bn2"}  # d2l's names
    blk.eval()
    with torch.no_grad():
        Y = F.relu(
            blk.bn2(blk.conv2(F.relu(blk.bn1(blk.conv1(X))))) + blk.conv3(X)
        )
        torch.testing.assert_close(blk(X), Y)


# ---------------------------------------------------- scripts, no Jupyter


def test_a_plain_script_runs_the_animator_and_both_loops(
    tmp_path: Path,
) -> None:
    """No Jupyter: the Animator draws off screen and prints no figure repr."""
    script = tmp_path / "d2l_script.py"
    script.write_text(
        textwrap.dedent("""
        import torch
        from torch import nn
        from d2lite import d2l

        torch.manual_seed(0)
        X = torch.rand(40, 1, 4, 4)
        y = X.flatten(1)[:, :3].argmax(dim=1)
        batches = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 40, 16)]
        animator = d2l.Animator(xlabel="epoch", xlim=[1, 3], legend=["a", "b"])
        for epoch in range(1, 4):
            animator.add(epoch, (epoch, None))
        print("points", animator.X)
        net = nn.Sequential(nn.Flatten(), nn.Linear(16, 10))
        loss = nn.CrossEntropyLoss(reduction="none")
        trainer = torch.optim.SGD(net.parameters(), lr=0.1)
        d2l.train_ch3(net, batches, batches, loss, 2, trainer)
        d2l.train_ch6(net, batches, batches, 2, 0.9, d2l.try_gpu())
    """)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("JPY_PARENT_PID", None)
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "points [[1.0, 2.0, 3.0], []]"
    assert re.match(r"^training on (cpu|cuda:0|mps)$", lines[1])
    assert LOSS_LINE.match(lines[2]) and len(lines) == 4
    assert "<Figure" not in out.stdout


# ------------------------------------------------ d2l's chapters, real data


@pytest.mark.realdata
@pytest.mark.slow
def test_d2l_chapters_3_to_7_run_on_the_real_data() -> None:
    """tests/d2l_chapters.py: d2l-zh 2.0's chapter code, import line changed."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [
        sys.executable,
        str(ROOT / "tests" / "d2l_chapters.py"),
        "--batches",
        "2",
        "--test-batches",
        "1",
        "--max-examples",
        "32",
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    sections = re.findall(r"^== (\d\.\d) done in", text, flags=re.M)
    assert sections == [
        "3.5",
        "3.6",
        "3.7",
        "4.1",
        "4.2",
        "4.3",
        "4.6",
        "6.2",
        "6.3",
        "6.4",
        "6.5",
        "6.6",
        "7.1",
        "7.2",
        "7.3",
        "7.4",
        "7.5",
        "7.6",
        "7.7",
    ]
    lines = text.splitlines()
    device = str(d2l.try_gpu())
    train_ch6_runs = 9  # 6.6, 7.1-7.4, 7.5 twice, 7.6, 7.7
    assert lines.count(f"training on {device}") == train_ch6_runs
    loss_lines = [ln for ln in lines if ln.startswith("loss ")]
    assert len(loss_lines) == train_ch6_runs and all(
        LOSS_LINE.match(ln) for ln in loss_lines
    )
    assert (
        sum(ln.endswith(f" examples/sec on {device}") for ln in lines)
        == train_ch6_runs
    )
    for expected in (
        "torch.Size([32, 1, 64, 64]) torch.float32 torch.Size([32]) torch.int64",  # 3.5
        "tensor([2.3026, 0.6931])",
        "0.5",  # 3.6
        "tensor([[19., 25.],\n        [37., 43.]])",  # 6.2
        "tensor([[ 56.,  72.],\n        [104., 120.]])",  # 6.4
        "tensor([[[[10.]]]])",  # 6.5
        "Conv2d output shape:\t torch.Size([1, 6, 28, 28])",  # 6.6
        "MaxPool2d output shape:\t torch.Size([1, 256, 5, 5])",  # 7.1
        "Sequential output shape:\t torch.Size([1, 512, 7, 7])",  # 7.2, 7.6
        "AdaptiveAvgPool2d output shape:\t torch.Size([1, 10, 1, 1])",  # 7.3
        "Sequential output shape:\t torch.Size([1, 832, 3, 3])",  # 7.4
        "torch.Size([4, 6, 3, 3])",  # 7.6
        "torch.Size([4, 23, 8, 8])",  # 7.7
    ):
        assert expected in text, expected
    assert "<Figure" not in text
