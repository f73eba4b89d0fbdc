"""Metrics: a running-sum accumulator and classification accuracy."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable

import torch
from torch import nn


class Accumulator:
    """Sum ``n`` running totals (d2l's ``Accumulator``)."""

    def __init__(self, n: int) -> None:
        self.data: list[float] = [0.0] * n

    def add(self, *args: float) -> None:
        """Add one value to each total; exactly ``n`` values are expected
        (d2l's ``zip`` drops the extra ones silently)."""
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


def count_correct(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Correct predictions as a 0-d tensor (no host-device sync).

    ``y_hat`` holds logits (B, C), compared by argmax, or labels (B,);
    ``y`` holds labels (B,). Other shapes would broadcast to a wrong count.
    """
    if y_hat.dim() == 2 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)  # (B, C) -> (B,)
    if y_hat.shape != y.shape or y.dim() != 1:
        raise ValueError(
            f"y_hat must be logits (B, C) or labels (B,) and y labels (B,), "
            f"got y_hat {tuple(y_hat.shape)} and y {tuple(y.shape)}; check "
            "that both come from the same batch (flatten y: y.reshape(-1))"
        )
    return (y_hat.to(y.dtype) == y).sum()


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """The number of correct predictions, a float (d2l's ``accuracy``).

    ``y_hat``: logits (B, C) or labels (B,); ``y``: labels (B,).
    """
    return float(count_correct(y_hat, y))


def evaluate_accuracy_gpu(
    net: Callable[[torch.Tensor], torch.Tensor],
    data_iter: Iterable[tuple[torch.Tensor, torch.Tensor]],
    device: torch.device | str | None = None,
) -> float:
    """The fraction of correct predictions of ``net`` on ``data_iter``.

    In eval mode under ``no_grad`` (the net's mode is restored), on
    ``device`` or where the net's parameters are (CPU for none).
    """
    return evaluate_loss_acc(net, data_iter, None, device)[1]


def evaluate_loss_acc(
    net: Callable[[torch.Tensor], torch.Tensor],
    data_iter: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None,
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    """The example-weighted mean loss (nan without ``loss_fn``), accuracy.

    As :func:`evaluate_accuracy_gpu`; one host-device sync, at the end.
    """
    is_module = isinstance(net, nn.Module)
    if device is None and is_module:
        first = next(itertools.chain(net.parameters(), net.buffers()), None)
        device = None if first is None else first.device
    device = torch.device("cpu" if device is None else device)
    was_training = is_module and net.training
    if is_module:
        net.eval()
    correct = torch.zeros((), dtype=torch.int64, device=device)
    loss_sum = torch.zeros((), device=device)
    num_examples = 0
    try:
        with torch.no_grad():
            for X, y in data_iter:
                X, y = X.to(device), y.to(device)  # (B, ...), (B,)
                y_hat = net(X)  # (B, C)
                correct += count_correct(y_hat, y)
                if loss_fn is not None:
                    loss_sum += loss_fn(y_hat, y).mean() * y.numel()
                num_examples += y.numel()
    finally:
        if was_training:
            net.train()
    loss = loss_sum.item() / num_examples if loss_fn is not None else math.nan
    return loss, correct.item() / num_examples
