"""Checkpoints: save a network (and optimizer) atomically, load it safely.

Loading uses ``torch.load(..., weights_only=True)``, which runs no pickled
code; so extra entries are stored as the plain types it reads back.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lite.utils import atomic_write


def _plain(key: str, value: Any) -> Any:
    """``value`` as types that ``torch.load(weights_only=True)`` reads."""
    if value is None or isinstance(value, (bool, str, torch.Tensor)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(key, v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _plain(key, v) for k, v in value.items()}
    raise TypeError(
        f"checkpoint entry {key!r} has type {type(value).__name__}, which "
        "torch.load(weights_only=True) cannot read back; store numbers, "
        "strings, tensors, or lists/dicts of them"
    )


def save_checkpoint(
    path: str | os.PathLike[str],
    net: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    **extra: Any,
) -> Path:
    """Save the states of ``net`` ("model") and ``optimizer`` atomically.

    ``extra`` holds plain values such as ``epoch=3, test_acc=0.8``; parent
    directories are created. Returns the path written.
    """
    payload = {k: _plain(k, v) for k, v in extra.items()}
    payload["model"] = net.state_dict()  # the states win over extra keys
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(
    path: str | os.PathLike[str],
    net: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: Any = "cpu",
) -> dict[str, Any]:
    """Load a :func:`save_checkpoint` file into ``net`` and ``optimizer``.

    Returns the whole dict ("model", "optimizer", the extra entries).
    """
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise RuntimeError(  # e.g. torch.save(net.state_dict(), path)
            f"{path} is not a d2lite checkpoint (no 'model' entry); write it "
            "with dl.save_checkpoint, or load a bare state dict with "
            "net.load_state_dict(torch.load(path, weights_only=True))"
        )
    if net is not None:
        net.load_state_dict(ckpt["model"])
    if optimizer is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    return ckpt
