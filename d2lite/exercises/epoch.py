"""train-ex6's reference epoch, and what a wrong epoch's numbers tell.

``run_epoch`` runs an epoch function on a fresh, seeded toy setup;
``reference_epoch`` is the chapter's epoch (with the numbers of common
mistakes); ``diagnose`` names the mistake an answer's numbers match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from d2lite.exercises._i18n import N_, _
from d2lite.exercises.compare import CheckFailed, short_repr


def reference_epoch(net, batches, loss_fn, optimizer, skip: str = "") -> dict:
    """The chapter's epoch (under "right"), without ``skip`` (train,
    zero_grad or step); the numbers of common mistakes."""
    if skip != "train":
        net.train()
    sums, means, correct, n = 0.0, [], 0, 0
    for X, y in batches:
        y_hat = net(X)
        l = loss_fn(y_hat, y)
        if skip != "zero_grad":
            optimizer.zero_grad()
        l.backward()
        if skip != "step":
            optimizer.step()
        sums += l.item() * len(y)
        means.append(l.item())
        correct += (y_hat.argmax(dim=1) == y).sum().item()
        n += len(y)
    return {
        "right": (sums / n, correct / n),
        N_("loss summed over the examples, not averaged"): (sums, None),
        N_("sum of the batch losses, not their mean"): (sum(means), None),
        N_("mean of the batch losses, not weighted by batch size"): (
            sum(means) / len(means),
            None,
        ),
        N_("number of correct predictions, not the accuracy"): (
            None,
            correct,
        ),
    }


def run_epoch(fn: Callable, case: tuple, *skip: str) -> tuple:
    """Run ``fn`` on a fresh, seeded setup; return its result and the net.

    The net arrives in eval mode, as after an evaluation.
    """
    _label, dropout, opt, sizes = case
    torch.manual_seed(0)
    layers = [nn.Flatten(), nn.Linear(12, 16), nn.ReLU()]
    net = nn.Sequential(
        *layers, *[nn.Dropout(0.5)] * dropout, nn.Linear(16, 3)
    ).eval()
    X = [torch.randn(size, 1, 3, 4) for size in sizes]  # (B, 1, 3, 4)
    batches = [(x, x.flatten(1)[:, :3].argmax(dim=1)) for x in X]  # y: (B,)
    if opt == "sgd":
        optimizer = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)  # dropout draws the same masks in every run
        return fn(net, batches, nn.CrossEntropyLoss(), optimizer, *skip), net


def returned_numbers(label: str, result: Any) -> tuple[float, float]:
    """The (mean loss, accuracy) pair the answer returned, as floats."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(
            label,
            received=result,
            detail=_(
                "train_epoch must return two numbers, (mean loss, "
                "accuracy), e.g. `return loss_sum / n, correct / n`; it "
                "returned {type} {value}"
            ).format(type=type(result).__name__, value=short_repr(result)),
        )
    numbers = []
    not_a_number = (
        N_(
            "the mean loss must be a Python number (use .item() on a "
            "one-element tensor), got {type}"
        ),
        N_(
            "the accuracy must be a Python number (use .item() on a "
            "one-element tensor), got {type}"
        ),
    )
    for message, value in zip(not_a_number, result):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CheckFailed(
                label,
                received=value,
                detail=_(message).format(type=type(value).__name__),
            )
        numbers.append(float(value))
    return numbers[0], numbers[1]


def close(a: float | None, b: float | None) -> bool:
    """a and b agree to rounding; False when either is missing."""
    return (
        a is not None
        and b is not None
        and abs(a - b) <= 1e-5 * max(1.0, abs(b))
    )


#: train-ex6: what a mistake that the reference can replay tells.
_EX6_MISTAKES = (
    (N_("the network is not switched to training mode: call net.train() "
        "first (it arrives in evaluation mode, and dropout then does "
        "nothing)"), "train"),
    (N_("the gradients are not zeroed before each backward(): call "
        "optimizer.zero_grad() once per batch, or the gradients of earlier "
        "batches add up"), "zero_grad"),
    (N_("the parameters are not updated: call optimizer.step() after "
        "backward(), once per batch"), "step"),
)  # fmt: skip
#: train-ex6: which of the two numbers differ from the reference's.
_EX6_DIFFER = {
    ("mean loss",): N_("the mean loss differs"),
    ("accuracy",): N_("the accuracy differs"),
    ("mean loss", "accuracy"): N_("the mean loss and the accuracy differ"),
}


def diagnose(case: tuple, loss: float, acc: float, ref: dict) -> str:
    """Say which common mistake the answer's numbers match."""
    for message, skip in _EX6_MISTAKES:
        wrong, _net = run_epoch(reference_epoch, case, skip)
        if close(loss, wrong["right"][0]) and close(acc, wrong["right"][1]):
            return _(message)
    for message, (wrong_loss, wrong_acc) in list(ref.items())[1:]:
        if close(loss, wrong_loss) or close(acc, wrong_acc):
            return _("the returned value is the {what}").format(
                what=_(message)
            )
    pairs = (("mean loss", loss), ("accuracy", acc))
    wrong = tuple(
        name
        for (name, got), want in zip(pairs, ref["right"])
        if not close(got, want)
    )
    return _(
        "{what} from the reference epoch on the same batches; use the loss "
        "of each batch times its size, summed and divided by the number of "
        "examples, and correct predictions divided by the number of "
        "examples"
    ).format(what=_(_EX6_DIFFER[wrong]))
