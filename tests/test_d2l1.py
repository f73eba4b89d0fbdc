"""Tests of d2lite.d2l1: d2l-en 1.0's object API, called as its chapters do."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from d2lite import d2l1 as d2l

ROOT = Path(__file__).resolve().parents[1]

# The names d2l-en 1.0's PyTorch code of chapters 3 to 8 uses or saves.
CHAPTER_NAMES = """
add_to_class HyperParameters ProgressBoard Module DataModule Trainer
SyntheticRegressionData LinearRegressionScratch SGD LinearRegression
FashionMNIST Classifier SoftmaxRegression show_images
cpu gpu num_gpus try_gpu try_all_gpus
corr2d init_cnn LeNet Residual ResNeXtBlock
plot plt set_axes set_figsize use_svg_display nn_Module
abs arange argmax astype concat exp float32 log matmul normal numpy ones
rand randn reduce_mean reduce_sum reshape stack tensor to transpose zeros
""".split()
TORCH_ALIASES = {
    "ones": torch.ones,
    "zeros": torch.zeros,
    "tensor": torch.tensor,
    "arange": torch.arange,
    "exp": torch.exp,
    "log": torch.log,
    "normal": torch.normal,
    "rand": torch.rand,
    "randn": torch.randn,
    "matmul": torch.matmul,
    "float32": torch.float32,
    "concat": torch.cat,
    "stack": torch.stack,
    "abs": torch.abs,
    "nn_Module": nn.Module,
}


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest.py


class Regression(d2l.DataModule):
    """y = X @ [2, -3.4] + 4.2 without noise: 96 train, 32 val examples."""

    def __init__(self, batch_size: int = 8) -> None:
        super().__init__()
        self.save_hyperparameters()
        gen = torch.Generator().manual_seed(0)
        self.X = torch.randn(128, 2, generator=gen)
        self.y = self.X @ torch.tensor([[2.0], [-3.4]]) + 4.2

    def get_dataloader(self, train: bool):
        i = slice(0, 96) if train else slice(96, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class Pixels(d2l.DataModule):
    """Classify 4x4 images by the brightest of their first 3 pixels."""

    def __init__(self, batch_size: int = 16, n: int = 320) -> None:
        super().__init__()
        self.save_hyperparameters()
        gen = torch.Generator().manual_seed(0)
        self.X = torch.rand(n, 1, 4, 4, generator=gen)
        self.y = self.X.flatten(1)[:, :3].argmax(dim=1)

    def get_dataloader(self, train: bool):
        i = slice(0, self.n - 64) if train else slice(self.n - 64, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class Softmax(d2l.Classifier):
    def __init__(self, lr: float = 0.5) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))


# ----------------------------------------------------------------- names


def test_the_chapters_names_are_there_and_in_all() -> None:
    assert [n for n in CHAPTER_NAMES if not hasattr(d2l, n)] == []
    assert set(CHAPTER_NAMES) <= set(d2l.__all__)
    assert all(hasattr(d2l, n) for n in d2l.__all__)
    for name, obj in TORCH_ALIASES.items():
        assert getattr(d2l, name) is obj, name
    assert d2l.plt is sys.modules["matplotlib.pyplot"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        d2l.nope  # noqa: B018


def test_nothing_imports_d2l1_and_it_imports_neither_d2l() -> None:
    code = (
        "import sys, d2lite\n"
        "assert 'd2lite.d2l1' not in sys.modules\n"
        "from d2lite import d2l1\n"
        "assert 'd2lite.d2l' not in sys.modules, 'd2l1 imported d2lite.d2l'\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    importers = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "d2lite").rglob("*.py")
        if "d2l1" not in p.parts
        and re.search(r"d2lite\.d2l1\b|import d2l1\b", p.read_text())
    ]
    assert importers == []


def test_tensor_helpers_call_the_method_and_name_themselves() -> None:
    x = d2l.arange(6, dtype=d2l.float32)
    assert d2l.reshape(x, (2, 3)).shape == (2, 3)
    assert float(d2l.reduce_mean(x)) == 2.5
    assert d2l.reduce_sum(d2l.reshape(x, (2, 3)), 0).tolist() == [3, 5, 7]
    assert d2l.astype(x, d2l.int32).dtype == torch.int32
    assert d2l.transpose(d2l.reshape(x, (2, 3))).shape == (3, 2)
    w = torch.ones(2, requires_grad=True)
    assert isinstance(d2l.numpy(w), np.ndarray) and d2l.size(w) == 2
    assert d2l.numpy.__name__ == "numpy"
    with pytest.raises(TypeError, match=r"d2l\.reshape takes a tensor"):
        d2l.reshape([1, 2], (2, 1))


def test_devices_follow_d2l_1() -> None:
    assert d2l.cpu() == torch.device("cpu")
    assert d2l.gpu(1) == torch.device("cuda:1")
    assert d2l.num_gpus() == torch.cuda.device_count()
    assert d2l.try_gpu(99) == d2l.cpu()
    assert len(d2l.try_all_gpus()) == d2l.num_gpus()


# ------------------------------------------------- the object utilities


def test_add_to_class_reaches_existing_objects() -> None:
    class A:
        def __init__(self) -> None:
            self.b = 1

    a = A()

    @d2l.add_to_class(A)
    def do(self):
        return self.b + 1

    assert a.do() == 2 and do is None
    with pytest.raises(TypeError, match=r"add_to_class\(A\)"):
        d2l.add_to_class(a)


def test_save_hyperparameters_keeps_the_arguments() -> None:
    class B(d2l.HyperParameters):
        def __init__(self, a, b, c, _private=0):
            self.save_hyperparameters(ignore=["c"])

    b = B(1, 2, 3)
    assert (b.a, b.b, b.hparams) == (1, 2, {"a": 1, "b": 2})
    assert not hasattr(b, "c") and not hasattr(b, "_private")
    with pytest.raises(TypeError, match=r"ignore=\['c'\]"):
        d2l.HyperParameters().save_hyperparameters(ignore="c")


def test_progress_board_averages_every_n_tensors_once() -> None:
    board = d2l.ProgressBoard("x", ylim=[-1, 1])
    for i in range(10):
        board.draw(i, torch.tensor(float(i)), "t", every_n=5)
        board.draw(i, np.float32(-i / 10), "n", every_n=2)
    assert board.data["t"] == [(2.0, 2.0), (7.0, 7.0)]
    assert [p.y for p in board.data["n"]] == pytest.approx(
        [-0.05, -0.25, -0.45, -0.65, -0.85]
    )
    ax = board.fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines["t"].get_ydata()) == [2.0, 7.0]
    assert ax.get_xlabel() == "x" and ax.get_ylim() == (-1, 1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["t", "n"]


def test_progress_board_without_display_keeps_the_points_only() -> None:
    board = d2l.ProgressBoard(display=False)
    board.draw(0, 1.0, "a")
    assert board.data["a"] == [(0.0, 1.0)] and board.fig is None
    with pytest.raises(ValueError, match="one value per call"):
        board.draw(1, torch.ones(3), "a")


# -------------------------------------------------------- bad input


def test_a_module_without_loss_net_lr_or_trainer_says_what_to_add() -> None:
    class NoLoss(d2l.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Linear(2, 1)

    model = NoLoss()
    with pytest.raises(NotImplementedError, match="NoLoss has no loss"):
        model.loss(torch.zeros(1), torch.zeros(1))
    with pytest.raises(NotImplementedError, match=r"has no self\.net"):
        d2l.Module()(torch.zeros(1, 2))
    with pytest.raises(AttributeError, match="NoLoss has no lr"):
        model.configure_optimizers()
    with pytest.raises(RuntimeError, match=r"inside trainer\.fit"):
        Softmax().training_step(
            (torch.zeros(2, 1, 4, 4), torch.zeros(2).long())
        )


def test_a_datamodule_without_get_dataloader_or_train_says_so() -> None:
    class NoLoader(d2l.DataModule):
        pass

    class NoTrain(d2l.DataModule):
        def get_dataloader(self, train):
            return self.train if train else self.val

    with pytest.raises(NotImplementedError, match="no get_dataloader"):
        d2l.Trainer(1).fit(Softmax(), NoLoader())
    with pytest.raises(AttributeError, match=r"set self\.train"):
        NoTrain().train_dataloader()

    class NoSuper(d2l.DataModule):
        def __init__(self):
            self.X = torch.zeros(4, 1)

        def get_dataloader(self, train):
            return self.get_tensorloader([self.X, self.X], train)

    with pytest.raises(AttributeError, match="save_hyperparameters"):
        NoSuper().train_dataloader()
    with pytest.raises(ValueError, match=r"one length"):
        Pixels().get_tensorloader([torch.zeros(3), torch.zeros(4)], True)


def test_trainer_refuses_what_it_cannot_fit() -> None:
    with pytest.raises(TypeError, match="max_epochs must be an int"):
        d2l.Trainer(max_epochs=2.5)
    with pytest.raises(TypeError, match="needs a d2l.DataModule"):
        d2l.Trainer(1).fit(Softmax(), [(torch.zeros(1), torch.zeros(1))])
    with pytest.raises(TypeError, match="needs a d2l.Module"):
        d2l.Trainer(1).fit(nn.Linear(16, 3), Pixels())

    class Generator(Pixels):
        def get_dataloader(self, train):
            yield self.X[:2], self.y[:2]

    with pytest.raises(TypeError, match="not a generator"):
        d2l.Trainer(1).fit(Softmax(), Generator())

    class NoReturn(Softmax):
        def training_step(self, batch):
            self.loss(self(*batch[:-1]), batch[-1])

    with pytest.raises(TypeError, match="end it with `return l`"):
        d2l.Trainer(1).fit(NoReturn(), Pixels())


# ------------------------------------------------------------ training


def test_trainer_fits_twice_and_learns_the_regression() -> None:
    torch.manual_seed(0)
    trainer = d2l.Trainer(max_epochs=10)
    data = Regression()
    scratch = d2l.LinearRegressionScratch(2, lr=0.1)
    trainer.fit(scratch, data)
    concise = d2l.LinearRegression(lr=0.1)
    trainer.fit(concise, data)  # one trainer, a second model (as 3.7 does)
    for w, b in ((scratch.w, scratch.b), concise.get_w_b()):
        torch.testing.assert_close(
            w.detach().reshape(-1),
            torch.tensor([2.0, -3.4]),
            atol=0.05,
            rtol=0,
        )
        assert abs(float(b.detach()) - 4.2) < 0.05
    assert (trainer.epoch, trainer.train_batch_idx) == (9, 120)
    assert scratch.trainer is trainer and concise.board.xlim == [0, 10]
    assert set(concise.board.data) == {"train_loss", "val_loss"}


def test_fit_reads_from_the_device_per_drawn_point_not_per_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = []
    for name in ("item", "__float__", "__bool__", "tolist", "numpy"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            reads.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    torch.manual_seed(0)
    model, data = Softmax(), Pixels()  # 16 training batches, 4 validation
    trainer = d2l.Trainer(max_epochs=2, gradient_clip_val=1.0)
    trainer.fit(model, data)
    monkeypatch.undo()
    # per epoch: 2 training points (plot_train_per_epoch), val loss, val acc
    assert len(reads) == 2 * 4, reads
    assert trainer.num_train_batches == 16 and trainer.val_batch_idx == 8
    acc = model.board.data["val_acc"]
    assert len(acc) == 2 and acc[-1].y > acc[0].y > 1 / 3


def test_clip_gradients_is_d2ls_rule() -> None:
    net = nn.Linear(3, 1)
    for p in net.parameters():
        p.grad = torch.full_like(p, 2.0)
    norm = math.sqrt(4.0 * 4)  # four gradient entries of 2
    d2l.Trainer(1).clip_gradients(1.0, net)
    for p in net.parameters():
        torch.testing.assert_close(p.grad, torch.full_like(p, 2.0 / norm))
    d2l.Trainer(1).clip_gradients(5.0, net)  # below the threshold: kept
    torch.testing.assert_close(net.weight.grad, torch.full((1, 3), 0.5))


# ------------------------------------------------------------- models


def test_lenet_residual_and_resnext_as_the_book_builds_them() -> None:
    model = d2l.LeNet()
    model.apply_init([torch.zeros(2, 1, 28, 28)], d2l.init_cnn)
    assert sum(p.numel() for p in model.parameters()) == 61_706
    X = torch.randn(4, 3, 6, 6)
    assert d2l.Residual(3)(X).shape == (4, 3, 6, 6)
    assert d2l.Residual(6, use_1x1conv=True, strides=2)(X).shape == (
        4,
        6,
        3,
        3,
    )
    blk = d2l.ResNeXtBlock(32, 16, 1)
    assert blk(torch.randn(2, 32, 8, 8)).shape == (2, 32, 8, 8)
    with pytest.raises(ValueError, match="use_1x1conv=True"):
        d2l.Residual(6)(X)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    X = torch.arange(9.0).reshape(3, 3)
    assert d2l.corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]
    torch.testing.assert_close(
        d2l.corr2d(X, K),
        nn.functional.conv2d(X[None, None], K[None, None])[0, 0],
    )


@pytest.mark.realdata
def test_fashion_mnist_is_d2lites_real_data_in_memory() -> None:
    data = d2l.FashionMNIST(batch_size=256, resize=(32, 32))
    assert (len(data.train), len(data.val)) == (60_000, 10_000)
    X0, y0 = data.train[0]
    assert X0.shape == (1, 32, 32) and isinstance(y0, int)
    X, y = next(iter(data.val_dataloader()))
    assert X.shape == (256, 1, 32, 32) and y.dtype == torch.int64
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    assert len(data.train_dataloader()) == math.ceil(60_000 / 256)
    assert data.text_labels(torch.tensor([9, 0])) == ["ankle boot", "t-shirt"]
    assert (data.root, data.num_workers) == ("../data", 4)
    data.visualize((X[:3], y[:3]))
    d2l.plt.close("all")


# ------------------------------------------------ d2l's chapters, real data


@pytest.mark.realdata
@pytest.mark.slow
def test_d2l_en_chapters_3_to_8_run_on_the_real_data() -> None:
    """tests/d2l1_chapters.py: d2l-en 1.0's chapter code, import line changed."""
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    env.pop("JPY_PARENT_PID", None)
    cmd = [sys.executable, str(ROOT / "tests" / "d2l1_chapters.py")]
    out = subprocess.run(
        [*cmd, "--max-examples", "16"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert (
        re.findall(r"^== (\d\.\d) done in", text, flags=re.M)
        == (
            "3.1 3.2 3.3 3.4 3.5 3.7 4.2 4.3 4.4 4.5 5.1 5.2 5.4 5.6 6.4 6.5 "
            "6.7 7.2 7.4 7.5 7.6 8.1 8.2 8.3 8.4 8.5 8.6 8.7 8.8"
        ).split()
    )
    boards = re.findall(r"^board at epoch \d+: (.*)$", text, flags=re.M)
    assert len(boards) == 21  # one per trainer.fit of the sections
    for line in boards:
        values = dict(re.findall(r"(\w+) ([-\d.e+]+)", line))
        assert {"train_loss", "val_loss"} <= set(values), line
        assert all(math.isfinite(float(v)) for v in values.values()), line
        assert 0.0 <= float(values.get("val_acc", 0.0)) <= 1.0, line
    errors = re.findall(r"error in estimating w: tensor\(\[(.*)\]\)", text)
    assert len(errors) == 2  # 3.4 (from scratch), 3.5 (concise)
    assert all(abs(float(e)) < 0.5 for err in errors for e in err.split(","))
    norms = [float(v) for v in re.findall(r"L2 norm of w: (\S+)", text)]
    assert len(norms) == 3 and norms[1] < norms[0]  # weight decay shrinks w
    for expected in (
        "self.a = 1 self.b = 2\nThere is no self.c = True",  # 3.2
        "X shape: torch.Size([32, 2]) \ny shape: torch.Size([32, 1])",  # 3.3
        "(60000, 10000)\ntorch.Size([1, 32, 32])",  # 4.2
        "torch.Size([64, 1, 32, 32]) torch.float32 torch.Size([64]) torch.int64",
        "tensor([0.1000, 0.5000])",  # 4.4
        "(device(type='cpu'), device(type='cuda', index=0), "
        "device(type='cuda', index=1))",  # 6.7
        "tensor([[19., 25.],\n        [37., 43.]])",  # 7.2
        "tensor([[ 56.,  72.],\n        [104., 120.]])",  # 7.4
        "Conv2d output shape:\t torch.Size([1, 6, 28, 28])",  # 7.6
        "Linear output shape:\t torch.Size([1, 10])",
        "MaxPool2d output shape:\t torch.Size([1, 256, 5, 5])",  # 8.1
        "Sequential output shape:\t torch.Size([1, 512, 7, 7])",  # 8.2
        "AdaptiveAvgPool2d output shape:\t torch.Size([1, 10, 1, 1])",  # 8.3
        "Sequential output shape:\t torch.Size([1, 1024])",  # 8.4
        "torch.Size([4, 6, 3, 3])",  # 8.6
        "torch.Size([4, 10, 4, 4])",  # 8.7
        "Sequential output shape:\t torch.Size([1, 80, 12, 12])",  # 8.8
    ):
        assert expected in text, expected
    assert "<Figure" not in text
