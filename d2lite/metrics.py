"""Metrics: a running-sum accumulator and classification accuracy."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable

import torch
from torch import nn

from d2lite._checks import check_int


class Accumulator:
    """Sum ``n`` running totals (d2l's ``Accumulator``).

    Example::

        metric = Accumulator(2)       # (number correct, number of examples)
        metric.add(7, 10)
        metric.add(5, 10)
        metric[0] / metric[1]         # 0.6
    """

    def __init__(self, n: int) -> None:
        n = check_int(
            "n", n, hint="n is how many totals to keep, e.g. Accumulator(2)"
        )
        self.data: list[float] = [0.0] * n

    def add(self, *args: float) -> None:
        """Add one value to each total; exactly ``n`` values are expected."""
        if len(args) != len(self.data):
            raise ValueError(
                f"add() expected {len(self.data)} values (one per total), "
                f"received {len(args)}: {args!r}"
            )
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self) -> None:
        """Set every total back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        return self.data[idx]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"Accumulator({self.data})"


def _predicted_labels(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return predicted labels (B,) from logits (B, C) or labels (B,)."""
    for name, t in (("y_hat", y_hat), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(t).__name__}; "
                f"convert with torch.as_tensor({name})"
            )
    if y.dim() != 1:
        raise ValueError(
            f"y must hold labels of shape (B,), got shape {tuple(y.shape)}; "
            "flatten it with y.reshape(-1)"
        )
    if y_hat.dim() == 2 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)  # (B, C) -> (B,)
    if y_hat.shape != y.shape:
        raise ValueError(
            f"y_hat must be logits (B, C) or labels (B,) matching y of shape "
            f"{tuple(y.shape)}, got y_hat of shape {tuple(y_hat.shape)}; "
            "check that both come from the same batch"
        )
    return y_hat


def _count_correct(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return the number of correct predictions as a 0-d tensor (no sync)."""
    return (_predicted_labels(y_hat, y).to(y.dtype) == y).sum()


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """Return the number of correct predictions (d2l's ``accuracy``).

    Args:
        y_hat: Logits or probabilities (B, C), compared by argmax, or
            predicted labels (B,).
        y: True labels (B,).

    Returns:
        The count of correct predictions as a float (divide by ``len(y)``
        for the fraction).

    Raises:
        TypeError: if an argument is not a tensor.
        ValueError: if the shapes do not match.
    """
    return float(_count_correct(y_hat, y))


def _default_device(net: Callable[..., torch.Tensor]) -> torch.device:
    """Return the device of the net's first parameter or buffer, else CPU."""
    if isinstance(net, nn.Module):
        for t in itertools.chain(net.parameters(), net.buffers()):
            return t.device
    return torch.device("cpu")


def evaluate_accuracy_gpu(
    net: Callable[[torch.Tensor], torch.Tensor],
    data_iter: Iterable[tuple[torch.Tensor, torch.Tensor]],
    device: torch.device | str | None = None,
) -> float:
    """Return the fraction of correct predictions of ``net`` on ``data_iter``.

    The net runs in eval mode under ``torch.no_grad()``; its previous mode
    (train or eval) is restored afterwards.

    Args:
        net: A module (or callable) mapping X (B, ...) to logits (B, C).
        data_iter: Iterable of batches ``(X, y)`` with y of shape (B,).
        device: Where to compute; defaults to the device of the net's
            parameters (CPU for a net without any).

    Returns:
        Accuracy in [0, 1].

    Raises:
        ValueError: if ``data_iter`` yields no examples.
    """
    return evaluate_loss_acc(net, data_iter, None, device)[1]


def evaluate_loss_acc(
    net: Callable[[torch.Tensor], torch.Tensor],
    data_iter: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None,
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    """Return the mean loss and the accuracy of ``net`` on ``data_iter``.

    As :func:`evaluate_accuracy_gpu`; the loss is the batch-mean
    ``loss_fn(y_hat, y)`` weighted by batch size (nan if ``loss_fn`` is
    None). One host-device sync at the end, none per batch.
    """
    device = _default_device(net) if device is None else torch.device(device)
    was_training = isinstance(net, nn.Module) and net.training
    if isinstance(net, nn.Module):
        net.eval()
    correct = torch.zeros((), dtype=torch.int64, device=device)
    loss_sum = torch.zeros((), device=device)
    num_examples = 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                X, y = X.to(device), y.to(device)  # (B, ...), (B,)
                y_hat = net(X)  # (B, C)
                correct += _count_correct(y_hat, y)
                if loss_fn is not None:
                    loss_sum += loss_fn(y_hat, y).mean() * y.numel()
                num_examples += y.numel()
    finally:
        if was_training:
            net.train()
    if num_examples == 0:
        raise ValueError(
            "data_iter yielded no examples, so accuracy is undefined; pass "
            "a non-empty iterable of (X, y) batches (e.g. test_iter)"
        )
    loss = loss_sum.item() / num_examples if loss_fn is not None else math.nan
    return loss, correct.item() / num_examples
