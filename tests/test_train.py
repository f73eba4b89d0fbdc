"""Tests of d2lite.train: train/train_ch6, the NaN guard and checkpoints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import torch
from torch import nn

import d2lite as dl
from d2lite.callbacks import NonFiniteLossError

Batch = tuple[torch.Tensor, torch.Tensor]


class Batches:
    """Re-iterable batches of a synthetic, learnable problem.

    X (N, 1, 4, 4) is random; y is the index of the largest of the first
    three pixels, so a linear model learns it quickly.
    """

    def __init__(
        self, n: int, batch_size: int, *, seed: int = 0, shuffle: bool = False
    ) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.X = torch.rand(n, 1, 4, 4, generator=gen)  # (N, 1, 4, 4)
        self.y = self.X.flatten(1)[:, :3].argmax(dim=1)  # (N,)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.gen = torch.Generator().manual_seed(seed + 1)

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.y)
        idx = (
            torch.randperm(n, generator=self.gen)
            if self.shuffle
            else torch.arange(n)
        )
        for i in range(0, n, self.batch_size):
            j = idx[i : i + self.batch_size]
            yield self.X[j], self.y[j]


class NoLen:
    """The same batches without __len__ (a generator-like iterable)."""

    def __init__(self, batches: Batches) -> None:
        self.batches = batches

    def __iter__(self) -> Iterator[Batch]:
        return iter(self.batches)


pytestmark = pytest.mark.usefixtures("one_thread")


def small_net() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3)
    )


def quiet(**kwargs: Any) -> dict[str, Any]:
    return {"animate": False, "progress": False, "verbose": False, **kwargs}


# ---------------------------------------------------------------- history


def test_train_ch6_learns_and_returns_history() -> None:
    dl.set_seed(0)
    train_iter, test_iter = (
        Batches(512, 32, shuffle=True),
        Batches(256, 64, seed=7),
    )
    history = dl.train_ch6(
        small_net(), train_iter, test_iter, 4, lr=0.5, device="cpu", **quiet()
    )
    assert list(history.index) == [1, 2, 3, 4]
    assert history.index.name == "epoch"
    assert list(history.columns) == [
        "train_loss",
        "train_acc",
        "test_loss",
        "test_acc",
        "seconds",
    ]
    assert history["train_loss"].iloc[-1] < 0.8 * history["train_loss"].iloc[0]
    assert history["test_acc"].iloc[-1] > 0.6  # chance is 1/3
    assert (history["seconds"] > 0).all()
    assert history.attrs["device"] == "cpu"
    assert history.attrs["examples_per_sec"] > 0


def test_history_metrics_match_a_recomputation() -> None:
    """train_loss/acc are example-weighted means over the epoch's batches."""
    dl.set_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    seen: list[tuple[float, float, int]] = []  # (loss * B, correct, B)
    loss_fn = nn.CrossEntropyLoss()

    def spy_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        l = loss_fn(y_hat, y)
        if torch.is_grad_enabled():  # a training batch, not the evaluation
            correct = float((y_hat.argmax(dim=1) == y).sum())
            seen.append((float(l.detach()) * len(y), correct, len(y)))
        return l

    train_iter = Batches(100, 30)  # batches of 30, 30, 30, 10
    history = dl.train(
        net,
        train_iter,
        Batches(30, 30),
        1,
        optimizer=opt,
        loss_fn=spy_loss,
        **quiet(),
    )
    n = sum(b for _, _, b in seen)
    assert n == 100
    assert history["train_loss"].iloc[0] == pytest.approx(
        sum(l for l, _, _ in seen) / n, rel=1e-5
    )
    assert history["train_acc"].iloc[0] == pytest.approx(
        sum(c for _, c, _ in seen) / n
    )


def test_train_sets_train_mode_and_eval_name() -> None:
    modes: list[bool] = []

    class ModeNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = small_net()

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            modes.append(self.training)
            return self.net(X)

    net = ModeNet().eval()  # train() must switch it back on
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    history = dl.train(
        net,
        Batches(64, 32),
        Batches(32, 32),
        1,
        optimizer=opt,
        eval_name="valid",
        **quiet(),
    )
    assert modes == [True, True, False]  # 2 training batches, 1 eval batch
    assert "valid_acc" in history.columns and "test_acc" not in history.columns


def test_fewer_than_five_batches_with_animator_and_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for n in (32, 96):  # 1 and 3 batches
        history = dl.train_ch6(
            small_net(),
            Batches(n, 32),
            Batches(32, 32),
            2,
            lr=0.1,
            device="cpu",
            animate=True,
            progress=True,
            verbose=False,
        )
        assert len(history) == 2
    assert "epoch 2/2" in capsys.readouterr().err  # the tqdm bar ran


def test_progress_false_prints_no_bar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dl.train_ch6(
        small_net(),
        Batches(64, 32),
        Batches(32, 32),
        1,
        lr=0.1,
        device="cpu",
        **quiet(),
    )
    assert "epoch 1/1" not in capsys.readouterr().err


def test_iterable_without_len_works() -> None:
    history = dl.train_ch6(
        small_net(),
        NoLen(Batches(300, 8)),
        Batches(32, 32),
        2,
        lr=0.1,
        device="cpu",
        animate=True,
        progress=True,
        verbose=False,
    )
    assert len(history) == 2


def test_verbose_prints_d2l_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dl.train_ch6(
        small_net(),
        Batches(64, 32),
        Batches(32, 32),
        1,
        lr=0.1,
        device="cpu",
        animate=False,
        progress=False,
    )
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"loss \d+\.\d{3}, train acc [01]\.\d{3}, test acc [01]\.\d{3}\n"
        r"\d+\.\d examples/sec on cpu\n",
        out,
    ), out


def test_same_seed_same_history() -> None:
    """set_seed fixes the init and TensorLoader's shuffling: same history."""

    def run(seed: int = 42) -> pd.DataFrame:
        dl.set_seed(seed)
        data = Batches(256, 32)
        train_iter = dl.TensorLoader(data.X, data.y, 32, shuffle=True)
        net = small_net()
        return dl.train_ch6(
            net,
            train_iter,
            Batches(64, 32),
            2,
            lr=0.3,
            device="cpu",
            **quiet(),
        )

    first, second = run(), run()
    pd.testing.assert_frame_equal(
        first.drop(columns="seconds"), second.drop(columns="seconds")
    )
    assert not first["train_loss"].equals(run(seed=43)["train_loss"])


def test_scheduler_steps_once_per_epoch_and_lr_column() -> None:
    net = small_net()
    opt = torch.optim.SGD(net.parameters(), lr=0.4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = dl.train(
        net,
        Batches(64, 32),
        Batches(32, 32),
        3,
        optimizer=opt,
        scheduler=sched,
        **quiet(),
    )
    assert list(history["lr"]) == [0.4, 0.2, 0.1]


def test_train_refuses_the_course_slips() -> None:
    """The model factory instead of the model; a summed loss."""
    net = small_net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    data = Batches(32, 32)
    with pytest.raises(TypeError, match="got function.*dl.lenet\\(\\)"):
        dl.train_ch6(dl.lenet, data, data, 1, 0.1, **quiet())
    with pytest.raises(ValueError, match="reduction='sum'"):
        dl.train(
            net,
            data,
            data,
            1,
            optimizer=opt,
            loss_fn=nn.CrossEntropyLoss(reduction="sum"),
            **quiet(),
        )


# -------------------------------------------------------------- NaN guard


class NaNAt(nn.Module):
    """Outputs NaN logits on the training call number ``bad_call`` (1-based)."""

    def __init__(self, bad_call: int) -> None:
        super().__init__()
        self.net = small_net()
        self.bad_call, self.calls = bad_call, 0

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        y_hat = self.net(X)
        if self.training:
            self.calls += 1
            if self.calls == self.bad_call:
                y_hat = y_hat * float("nan")
        return y_hat


@pytest.mark.parametrize(
    ("num_batches", "bad_call", "epoch", "batch"),
    [(3, 2, 1, 2), (20, 7, 1, 7), (20, 23, 2, 3), (120, 57, 1, 57)],
)
def test_nan_guard_names_epoch_and_batch(
    num_batches: int, bad_call: int, epoch: int, batch: int
) -> None:
    with pytest.raises(
        NonFiniteLossError,
        match=rf"epoch {epoch}, batch {batch}\b.*Lower the learning rate",
    ) as info:
        dl.train_ch6(
            NaNAt(bad_call),
            Batches(4 * num_batches, 4),
            Batches(8, 8),
            3,
            lr=0.1,
            device="cpu",
            **quiet(),
        )
    assert (info.value.epoch, info.value.batch) == (epoch, batch)
    assert isinstance(info.value, RuntimeError)
    assert "lr=0.9" in str(info.value)
    assert len(info.value.history) == epoch - 1  # the completed epochs


def test_nan_guard_fires_on_a_huge_lr() -> None:
    dl.set_seed(0)
    with pytest.raises(NonFiniteLossError, match="epoch"):
        dl.train_ch6(
            small_net(),
            Batches(256, 32),
            Batches(32, 32),
            5,
            lr=1e30,
            device="cpu",
            **quiet(),
        )


# ------------------------------------------------------------ checkpoints


def test_checkpoint_roundtrip_weights_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    np = pytest.importorskip("numpy")
    net = small_net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    nn.CrossEntropyLoss()(
        net(torch.rand(4, 1, 4, 4)), torch.tensor([0, 1, 2, 0])
    ).backward()
    opt.step()  # creates momentum buffers
    path = dl.save_checkpoint(
        tmp_path / "ckpt" / "best.pt",
        net,
        opt,
        epoch=3,
        test_acc=np.float64(0.75),
    )
    calls: list[dict[str, Any]] = []
    real_load = torch.load

    def spy_load(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy_load)
    net2 = small_net()
    opt2 = torch.optim.SGD(net2.parameters(), lr=0.1, momentum=0.9)
    ckpt = dl.load_checkpoint(path, net2, opt2)
    assert calls and all(c.get("weights_only") is True for c in calls)
    assert (ckpt["epoch"], ckpt["test_acc"]) == (3, 0.75)
    for (k, v), v2 in zip(
        net.state_dict().items(), net2.state_dict().values()
    ):
        assert torch.equal(v, v2), k
    buf = opt.state_dict()["state"][0]["momentum_buffer"]
    assert torch.equal(opt2.state_dict()["state"][0]["momentum_buffer"], buf)


def test_load_checkpoint_of_a_bare_state_dict_says_so(tmp_path: Path) -> None:
    """Chapter 4's mistake, torch.save(net.state_dict()), then dl.load."""
    path = tmp_path / "bare.pt"
    torch.save(small_net().state_dict(), path)
    with pytest.raises(RuntimeError, match="not a d2lite checkpoint"):
        dl.load_checkpoint(path, small_net())


def test_save_checkpoint_refuses_what_it_could_not_load(
    tmp_path: Path,
) -> None:
    with pytest.raises(TypeError, match="'note'"):
        dl.save_checkpoint(tmp_path / "a.pt", small_net(), note=object())
    assert not (tmp_path / "a.pt").exists()


def test_failing_save_leaves_previous_checkpoint_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = small_net()
    path = dl.save_checkpoint(tmp_path / "best.pt", net, epoch=1)
    real_save = torch.save

    def broken_save(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        Path(f).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        dl.save_checkpoint(path, small_net(), epoch=2)
    monkeypatch.setattr(torch, "save", real_save)
    assert dl.load_checkpoint(path, small_net())["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == [
        "best.pt"
    ]  # no temp file left


def test_train_keeps_best_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dl.set_seed(0)
    path = tmp_path / "best.pt"
    net = small_net()
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    history = dl.train(
        net,
        Batches(256, 32, shuffle=True),
        Batches(128, 64, seed=5),
        4,
        optimizer=opt,
        checkpoint_path=path,
        animate=False,
        progress=False,
    )
    best = int(history["test_acc"].idxmax())
    assert history.attrs["best_epoch"] == best
    restored = small_net()
    ckpt = dl.load_checkpoint(path, restored)
    assert ckpt["epoch"] == best
    assert ckpt["test_acc"] == pytest.approx(history["test_acc"].max())
    assert dl.evaluate_accuracy_gpu(
        restored, Batches(128, 64, seed=5)
    ) == pytest.approx(ckpt["test_acc"])
    assert f"at epoch {best}, saved to {path}" in capsys.readouterr().out


# -------------------------------------------------------------- real data


@pytest.mark.realdata
@pytest.mark.slow
def test_train_ch6_lenet_on_real_fashion_mnist_subset() -> None:
    X, y = dl.load_fashion_mnist_tensors(train=True)
    X_test, y_test = dl.load_fashion_mnist_tensors(train=False)
    dl.set_seed(0)
    train_iter = dl.TensorLoader(X[:2000], y[:2000], 128, shuffle=True, seed=0)
    test_iter = dl.TensorLoader(X_test[:1000], y_test[:1000], 500)
    net = dl.lenet("relu")
    history = dl.train_ch6(
        net, train_iter, test_iter, 3, lr=0.1, device="cpu", **quiet()
    )
    assert len(history) == 3
    assert history["train_loss"].is_monotonic_decreasing
    assert history["train_loss"].iloc[-1] < 0.8 * history["train_loss"].iloc[0]
    assert history["test_acc"].iloc[-1] > 0.4  # chance is 0.1
    assert history.attrs["examples_per_sec"] > 0
    assert dl.evaluate_accuracy_gpu(net, test_iter) == pytest.approx(
        history["test_acc"].iloc[-1]
    )
