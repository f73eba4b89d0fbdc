"""Tests of the loop's callbacks and of the loop against a hand-written one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import d2lite as dl
from d2lite import callbacks as cbs

pytestmark = pytest.mark.usefixtures("one_thread")


def _data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, 4, 4, generator=gen)  # (N, 1, 4, 4)
    return X, X.flatten(1)[:, :3].argmax(dim=1)  # (N,): a learnable label


def _loaders(n_train: int = 100, batch_size: int = 32) -> tuple[Any, Any]:
    X, y = _data(n_train, 0)
    X_test, y_test = _data(64, 1)
    train_iter = dl.TensorLoader(X, y, batch_size, shuffle=True)
    return train_iter, dl.TensorLoader(X_test, y_test, 32)


def _net() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3)
    )


QUIET = {"animate": False, "progress": False, "verbose": False}


def run_ch6(
    num_epochs: int, callbacks: Any, *, lr: float = 0.1, n_train: int = 100
) -> Any:
    """d2l's recipe on the synthetic data, quietly, with ``callbacks``."""
    train_iter, test_iter = _loaders(n_train, 32)
    return dl.train_ch6(
        _net(),
        train_iter,
        test_iter,
        num_epochs,
        lr,
        "cpu",
        callbacks=callbacks,
        **QUIET,
    )


class Recorder(dl.Callback):
    """Counts every hook call; keeps the epoch rows it sees."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rows: list[dict[str, float]] = []

    def on_train_begin(self, state: dl.TrainState) -> None:
        self.calls["on_train_begin"] += 1

    def on_epoch_begin(self, state: dl.TrainState) -> None:
        self.calls["on_epoch_begin"] += 1

    def on_batch_end(self, state: dl.TrainState) -> None:
        self.calls["on_batch_end"] += 1
        assert state.loss is not None and state.loss.requires_grad is False

    def on_epoch_end(self, state: dl.TrainState) -> None:
        self.calls["on_epoch_end"] += 1
        self.rows.append(dict(state.metrics))

    def on_train_end(self, state: dl.TrainState) -> None:
        self.calls["on_train_end"] += 1


def test_each_hook_is_called_the_right_number_of_times() -> None:
    recorder = Recorder()
    history = run_ch6(3, [recorder])  # 100 examples: 4 batches per epoch
    assert recorder.calls == {
        "on_train_begin": 1,
        "on_epoch_begin": 3,
        "on_batch_end": 12,
        "on_epoch_end": 3,
        "on_train_end": 1,
    }
    assert [row["train_loss"] for row in recorder.rows] == list(
        history["train_loss"]
    )


def test_history_has_train_and_eval_loss_and_accuracy() -> None:
    train_iter, test_iter = _loaders()
    net = _net()
    history = dl.train(
        net,
        train_iter,
        test_iter,
        2,
        optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
        eval_name="valid",
        **QUIET,
    )
    assert list(history.columns) == [
        "train_loss",
        "train_acc",
        "valid_loss",
        "valid_acc",
        "seconds",
    ]
    # the eval loss is the cross-entropy of the final net on the eval set
    X = torch.cat([X for X, _ in test_iter])  # (64, 1, 4, 4)
    y = torch.cat([y for _, y in test_iter])  # (64,)
    with torch.no_grad():
        expected = nn.functional.cross_entropy(net.eval()(X), y).item()
    assert history["valid_loss"].iloc[-1] == pytest.approx(expected, rel=1e-5)


def test_a_callback_can_stop_training_early() -> None:
    class StopAfter(dl.Callback):
        def on_epoch_end(self, state: dl.TrainState) -> None:
            state.stop_training = state.epoch == 2

    history = run_ch6(10, [StopAfter()])
    assert list(history.index) == [1, 2]


def test_a_plain_object_with_one_hook_is_a_callback() -> None:
    log: list[int] = []

    class Log:  # no base class needed
        def on_epoch_end(self, state: dl.TrainState) -> None:
            log.append(state.epoch)

    run_ch6(3, [Log()])
    assert log == [1, 2, 3]


@pytest.mark.parametrize(
    ("callbacks", "match"),
    [
        (
            [object()],
            r"callbacks\[0\] \(object.*none of the hooks on_train_begin",
        ),
        ([Recorder(), 3], r"callbacks\[1\] \(int: 3\) has none of the hooks"),
        ([Recorder], r"callbacks\[0\] is the class Recorder.*Recorder\(\)"),
        (
            Recorder(),
            r"callbacks must be a list.*got Recorder.*callbacks=\[cb\]",
        ),
    ],
)
def test_not_a_callback_is_a_type_error_naming_it(
    callbacks: Any, match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        run_ch6(1, callbacks)


def test_a_raising_hook_names_callback_and_hook_and_keeps_history() -> None:
    class Broken(dl.Callback):
        def on_epoch_end(self, state: dl.TrainState) -> None:
            if state.epoch == 3:
                raise KeyError("no such column")

    with pytest.raises(dl.CallbackError) as info:
        run_ch6(5, [Broken()])
    err = info.value
    assert "Broken.on_epoch_end raised KeyError" in str(
        err
    ) and "epoch 3" in str(err)
    assert err.hook == "on_epoch_end" and isinstance(err.__cause__, KeyError)
    assert list(err.history.index) == [1, 2, 3]  # epoch 3's row was recorded


def test_batch_hook_error_names_the_batch() -> None:
    class Broken:
        def on_batch_end(self, state: dl.TrainState) -> None:
            if state.batch == 2:
                raise ValueError("bad")

    with pytest.raises(dl.CallbackError, match=r"epoch 1, batch 2") as info:
        run_ch6(2, [Broken()])
    assert info.value.history.empty


def test_live_plot_labels_both_axes_and_starts_at_epoch_zero() -> None:
    train_iter, test_iter = _loaders(
        320, 32
    )  # 10 batches: points inside epoch 1
    plot = dl.LivePlot()
    dl.train_ch6(
        _net(), train_iter, test_iter, 2, 0.1, "cpu", callbacks=[plot], **QUIET
    )
    ax = plot.animator.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss / accuracy")
    assert ax.get_xlim() == (0.0, 2.0)
    first_xs = plot.animator.X[0]
    assert 0 < first_xs[0] < 1  # a point from the middle of epoch 1 is drawn


def test_best_checkpoint_holds_the_best_epoch_not_the_last(
    tmp_path: Path,
) -> None:
    """A callback makes the lr huge after epoch 2: later epochs get worse."""

    class Spoil(dl.Callback):
        def on_epoch_end(self, state: dl.TrainState) -> None:
            if state.epoch == 2:
                for group in state.optimizer.param_groups:
                    group["lr"] = 50.0

    dl.set_seed(0)
    train_iter, test_iter = _loaders(320, 32)
    net = _net()
    path = tmp_path / "best.pt"
    history = dl.train(
        net,
        train_iter,
        test_iter,
        5,
        optimizer=torch.optim.SGD(net.parameters(), lr=0.5),
        checkpoint_path=path,
        callbacks=[Spoil()],
        **QUIET,
    )
    best_epoch = int(history["test_acc"].idxmax())
    assert (
        best_epoch < 5
        and history["test_acc"].iloc[-1] < history["test_acc"].max()
    )
    assert history.attrs["best_epoch"] == best_epoch
    reloaded = _net()
    ckpt = dl.load_checkpoint(path, reloaded)
    assert ckpt["epoch"] == best_epoch
    acc = dl.evaluate_accuracy_gpu(reloaded, test_iter)
    assert (
        acc
        == history.loc[best_epoch, "test_acc"]
        != history["test_acc"].iloc[-1]
    )


def test_nan_guard_is_a_callback_that_names_the_batch() -> None:
    guard = cbs.NonFiniteGuard()
    state = dl.TrainState(
        _net(),
        None,
        None,
        torch.device("cpu"),
        1,
        10,  # type: ignore[arg-type]
    )
    state.epoch = 1
    for batch, value in enumerate([0.5, 0.4, float("inf"), 0.3], start=1):
        state.batch, state.loss = batch, torch.tensor(value)
        guard.pending.append(state.loss)
    with pytest.raises(dl.NonFiniteLossError, match="epoch 1, batch 3"):
        guard.on_epoch_end(state)


def hand_loop(
    net: nn.Module, train_iter: Any, test_iter: Any, num_epochs: int, lr: float
) -> list[tuple[float, float, float]]:
    """The loop as chapter 4 writes it, with .item() after every batch."""

    def init_xavier(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)

    net.apply(init_xavier)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    rows = []
    for _ in range(num_epochs):
        net.train()
        loss_sum, correct, n = 0.0, 0, 0
        for X, y in train_iter:
            y_hat = net(X)
            l = loss_fn(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            loss_sum += l.item() * len(y)
            correct += (y_hat.argmax(dim=1) == y).sum().item()
            n += len(y)
        net.eval()
        with torch.no_grad():
            test_correct = sum(
                (net(X).argmax(dim=1) == y).sum().item() for X, y in test_iter
            )
        rows.append((loss_sum / n, correct / n, test_correct / 64))
    return rows


def test_train_ch6_is_the_hand_written_loop() -> None:
    train_iter, test_iter = _loaders(200, 32)
    dl.set_seed(0)
    expected = hand_loop(_net(), train_iter, test_iter, 3, 0.5)
    dl.set_seed(0)
    history = dl.train_ch6(
        _net(), train_iter, test_iter, 3, 0.5, "cpu", **QUIET
    )
    got = list(
        zip(history["train_loss"], history["train_acc"], history["test_acc"])
    )
    torch.testing.assert_close(
        torch.tensor(got), torch.tensor(expected), rtol=1e-5, atol=1e-6
    )
