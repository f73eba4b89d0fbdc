"""Argument checks shared by the package: one error wording everywhere."""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch
from torch import nn


def is_int(value: Any) -> bool:
    """True for ints (and numpy/torch integer scalars), False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(
    name: str, value: Any, *, minimum: int = 1, hint: str | None = None
) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming ``name``.

    ``hint`` is the fix the error suggests (``e.g. name=minimum`` if None).
    """
    rule = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    hint = hint or f"e.g. {name}={max(minimum, 1)}"
    if not is_int(value):
        raise TypeError(
            f"{name} must be {rule}, got {value!r} of type "
            f"{type(value).__name__}; {hint}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be {rule}, got {name}={value}; {hint}")
    return int(value)


def check_lr(lr: Any, hint: str = "e.g. lr=0.1") -> float:
    """Return ``lr`` as a float, or raise: it must be positive and finite."""
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(
            f"lr must be a positive number, got {lr!r} of type "
            f"{type(lr).__name__}; {hint}"
        )
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"lr must be a positive finite number, got lr={lr}; {hint}"
        )
    return float(lr)


def check_net(net: Any, hint: str = "e.g. net = dl.lenet()") -> None:
    """Raise TypeError naming the type of ``net`` unless it is a Module."""
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"net must be a torch.nn.Module, got {type(net).__name__}; {hint}"
        )


def check_tensor(name: str, value: Any, hint: str) -> torch.Tensor:
    """Return ``value`` if it is a tensor, else raise TypeError naming it."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(value).__name__}; {hint}"
        )
    return value


def check_pair(
    name: str, value: Any, rule: str, hint: str | None = None
) -> tuple[float, float]:
    """Return ``value`` as two floats, or raise ValueError naming ``name``."""
    try:
        first, second = (float(v) for v in value)
    except (TypeError, ValueError):
        fix = f"; {hint}" if hint else ""
        raise ValueError(
            f"{name} must be {rule}, got {value!r}{fix}"
        ) from None
    return first, second
