"""The one argument check several modules share."""

from __future__ import annotations

from typing import Any

from torch import nn


def check_module(name: str, value: Any) -> None:
    """Raise TypeError unless ``value`` is a Module: ``dl.lenet`` without
    its parentheses is the course's likeliest slip."""
    if not isinstance(value, nn.Module):
        raise TypeError(
            f"{name} must be a torch.nn.Module, got {type(value).__name__}; "
            "pass the network itself, e.g. dl.lenet() with its parentheses"
        )
