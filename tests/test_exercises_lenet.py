"""Chapter 2's checks beyond the reference solutions (tests/test_exercises):
lenet-ex6's short run judges a design on training images held out for
validation, never on test images; lenet-ex7's hidden answer is what PyTorch
computes, and its common mistakes get their hints."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import d2lite as dl
from d2lite.exercises import CheckFailed
from d2lite.exercises import lenet as lenet_checks


class Recorder(nn.Module):
    """A tiny classifier that records the batch sizes it sees in eval mode."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)
        self.eval_batches: list[int] = []

    def forward(self, X):  # (B, 1, 28, 28) -> (B, 10)
        if not self.training:
            self.eval_batches.append(len(X))
        return self.fc(X.flatten(start_dim=1))


@pytest.fixture
def train_split_only(monkeypatch):
    """A fake training split of 120 images; reading the test split fails."""

    def load(*, train: bool):
        if not train:
            raise AssertionError("the short run read the test images")
        generator = torch.Generator().manual_seed(0)
        X = torch.randint(0, 256, (120, 28, 28), generator=generator)
        return X.to(torch.uint8), torch.arange(120) % 10

    monkeypatch.setattr(lenet_checks, "load_fashion_mnist_tensors", load)


def test_short_run_validates_on_held_out_training_images(train_split_only):
    net = Recorder()
    settings = {**lenet_checks.SHORT_RUN, "num_train": 80, "num_valid": 20}
    accuracy = lenet_checks.short_run_accuracy(net, **settings)
    assert net.eval_batches == [20]  # exactly the held-out slice
    assert 0.0 <= accuracy <= 1.0


def test_short_run_settings_name_validation_not_test():
    assert "num_test" not in lenet_checks.SHORT_RUN
    assert lenet_checks.SHORT_RUN["num_valid"] == 2_000


def test_short_run_failure_says_validation(train_split_only, monkeypatch):
    monkeypatch.setattr(
        lenet_checks, "SHORT_RUN",
        {**lenet_checks.SHORT_RUN, "num_train": 80, "num_valid": 20},
    )  # fmt: skip
    with pytest.raises(CheckFailed, match="validation accuracy"):
        lenet_checks.check_short_run(
            Recorder, "recorder", 10**6, 1.01, ("", "")
        )


def test_lenet_ex7_saved_count_is_pytorchs():
    X = torch.zeros(1, 1, 28, 28)
    net = dl.lenet("relu")
    act1 = net.act1(net.conv1(X))  # (1, 6, 28, 28)
    pool1 = F.max_pool2d(act1, 2)  # (1, 6, 14, 14)
    act2 = net.act2(net.conv2(pool1))  # (1, 16, 10, 10)
    saved = (
        act1.numel()
        - pool1.numel()
        + act2.numel()
        - act2[..., ::2, ::2].numel()
    )
    assert lenet_checks._activations_saved() == saved == 4_728


REFERENCE = {
    "sigmoid_max": True,
    "relu_avg": False,
    "abs_max": False,
    "saved": 4_728,
}


@pytest.mark.parametrize(
    "wrong, hint",
    [
        ({"relu_avg": True}, "(-1, 1, -1, 1)"),
        ({"sigmoid_max": False}, "what property of ReLU"),
        ({"abs_max": True}, "non-decreasing"),
        ({"saved": 3_528}, "count both blocks"),
        ({"saved": 1}, "too low"),
    ],
)
def test_lenet_ex7_common_mistakes_get_their_hint(wrong, hint, capsys):
    dl.check("lenet-ex7", REFERENCE)
    assert capsys.readouterr().out.startswith("lenet-ex7 ✓")
    with pytest.raises(CheckFailed) as info:
        dl.check("lenet-ex7", {**REFERENCE, **wrong})
    assert hint in str(info.value)
    assert "4728" not in str(info.value) and "4,728" not in str(info.value)
