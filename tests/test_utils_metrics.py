"""Tests of d2lite.utils (Timer, try_gpu, set_seed) and d2lite.metrics."""

from __future__ import annotations

import random

import pytest
import torch
from torch import nn

import d2lite as dl
from d2lite import utils

# ------------------------------------------------------------------ Timer


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make perf_counter return 0, 1, 3, 6, 10, ... (steps 1, 2, 3, 4...)."""
    ticks = [0.0, 1.0, 3.0, 6.0, 10.0, 15.0]
    it = iter(ticks)
    monkeypatch.setattr(utils.time, "perf_counter", lambda: next(it))
    return ticks


def test_timer_records_stop_minus_start(fake_clock: list[float]) -> None:
    timer = dl.Timer()  # starts at 0
    assert timer.stop() == 1.0  # 1 - 0
    timer.start()  # 3
    assert timer.stop() == 3.0  # 6 - 3
    assert timer.times == [1.0, 3.0]
    assert timer.sum() == 4.0
    assert timer.avg() == 2.0
    assert timer.cumsum() == [1.0, 4.0]


def test_timer_empty_avg_is_zero() -> None:
    assert dl.Timer().avg() == 0.0


# ---------------------------------------------------------------- try_gpu


def _devices(monkeypatch: pytest.MonkeyPatch, cuda: int, mps: bool) -> None:
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


def test_try_gpu_is_d2ls_rule_with_mps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _devices(monkeypatch, cuda=0, mps=False)
    assert dl.try_gpu() == dl.try_gpu(3) == torch.device("cpu")
    _devices(monkeypatch, cuda=2, mps=False)
    assert dl.try_gpu() == torch.device("cuda:0")
    assert dl.try_gpu(1) == torch.device("cuda:1")
    assert dl.try_gpu(2) == torch.device("cpu")  # no such GPU: d2l's rule
    _devices(monkeypatch, cuda=0, mps=True)
    assert dl.try_gpu() == torch.device("mps")
    assert dl.try_gpu(1) == torch.device("cpu")


# --------------------------------------------------------------- set_seed


def test_set_seed_repeats_every_generator() -> None:
    np = pytest.importorskip("numpy")

    def draw() -> tuple[float, float, list[float]]:
        return random.random(), float(np.random.rand()), torch.rand(3).tolist()

    dl.set_seed(123)
    first = draw()
    dl.set_seed(123)
    assert draw() == first
    dl.set_seed(124)
    assert draw() != first


# ------------------------------------------------------------ Accumulator


def test_accumulator_adds_resets_and_indexes() -> None:
    metric = dl.Accumulator(2)
    metric.add(7, 10)
    metric.add(torch.tensor(5.0), 10)
    assert (metric[0], metric[1]) == (12.0, 20.0)
    metric.reset()
    assert metric.data == [0.0, 0.0]


def test_accumulator_wrong_count_names_expected_and_received() -> None:
    metric = dl.Accumulator(2)
    with pytest.raises(ValueError, match=r"expected 2 .*received 3"):
        metric.add(1, 2, 3)


# --------------------------------------------------------------- accuracy


def test_accuracy_counts_argmax_of_logits() -> None:
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.9, 0.05, 0.05]])
    y = torch.tensor([2, 0, 0])
    assert dl.accuracy(y_hat, y) == 2.0


def test_accuracy_accepts_label_vectors() -> None:
    assert (
        dl.accuracy(torch.tensor([1, 2, 3, 4]), torch.tensor([1, 0, 3, 0]))
        == 2.0
    )


@pytest.mark.parametrize(
    ("y_hat", "y"),
    [
        (torch.zeros(4, 10), torch.zeros(3, dtype=torch.long)),  # batch sizes
        (torch.zeros(4), torch.zeros(3, dtype=torch.long)),
        (
            torch.zeros(4, 10),
            torch.zeros(4, 1, dtype=torch.long),
        ),  # y not (B,)
        (torch.zeros(2, 3, 4), torch.zeros(2, dtype=torch.long)),
    ],
)
def test_accuracy_shape_mismatch_is_value_error(
    y_hat: torch.Tensor, y: torch.Tensor
) -> None:
    with pytest.raises(ValueError, match="shape"):
        dl.accuracy(y_hat, y)


# --------------------------------------------------- evaluate_accuracy_gpu


class Recorder(nn.Module):
    """Predict class = argmax of the first 3 features; record the context."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.modes: list[bool] = []
        self.grad_enabled: list[bool] = []

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        self.modes.append(self.training)
        self.grad_enabled.append(torch.is_grad_enabled())
        return X[:, :3] * self.scale  # (B, 3)


def _batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    X = torch.eye(3).repeat(4, 1)  # (12, 3): rows predict 0, 1, 2, 0, ...
    y = torch.tensor([0, 1, 2] * 3 + [1, 1, 1])  # 9 + 1 correct of 12
    return [(X[:5], y[:5]), (X[5:], y[5:])]


@pytest.mark.parametrize("start_training", [True, False])
def test_evaluate_accuracy_fraction_mode_and_no_grad(
    start_training: bool,
) -> None:
    net = Recorder().train(start_training)
    acc = dl.evaluate_accuracy_gpu(net, _batches())
    assert acc == pytest.approx(10 / 12)
    assert net.modes == [False, False]  # eval mode inside
    assert net.grad_enabled == [False, False]  # under no_grad
    assert net.training is start_training  # mode restored


def test_evaluate_accuracy_restores_mode_on_error() -> None:
    net = Recorder().train()
    bad = [(torch.zeros(2, 3), torch.zeros(3, dtype=torch.long))]
    with pytest.raises(ValueError):
        dl.evaluate_accuracy_gpu(net, bad)
    assert net.training


def test_evaluate_accuracy_with_explicit_device_and_dropout() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.9))
    X = torch.randn(64, 3)
    y = net.eval()(X).argmax(dim=1)  # the eval-mode predictions
    net.train()
    assert dl.evaluate_accuracy_gpu(net, [(X, y)], device="cpu") == 1.0
