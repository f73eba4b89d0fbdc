"""Checkpoints: save a network (and optimizer) atomically, load it safely.

``save_checkpoint`` writes to a temporary file and moves it into place, so
an interrupted save never leaves a truncated file; ``load_checkpoint``
reads with ``torch.load(..., weights_only=True)``, which runs no pickled
code, and names every key or shape that does not match the network.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lite._atomic import atomic_write

_RESERVED = ("model", "optimizer")


def _plain(key: str, value: Any) -> Any:
    """Return ``value`` as types ``torch.load(weights_only=True)`` accepts."""
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
    """Save the net (and optimizer) state atomically.

    The file is written to a temporary file in the same directory, then
    moved over ``path`` with ``os.replace``, so an interrupted save never
    leaves a truncated checkpoint.

    Args:
        path: Destination file (parent directories are created).
        net: Its ``state_dict()`` is stored under "model".
        optimizer: Its ``state_dict()`` is stored under "optimizer".
        **extra: Plain values to store too, e.g. ``epoch=3, test_acc=0.8``.

    Returns:
        The path written.
    """
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"net must be a torch.nn.Module, got {type(net).__name__}"
        )
    clash = [k for k in extra if k in _RESERVED]
    if clash:
        raise ValueError(
            f"extra keys {clash} are reserved for the states; rename them"
        )
    payload: dict[str, Any] = {"model": net.state_dict()}
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    payload.update({k: _plain(k, v) for k, v in extra.items()})
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def _check_state_match(
    path: Path, own: Mapping[str, torch.Tensor], saved: Mapping[str, Any]
) -> None:
    """Raise RuntimeError naming missing, unexpected and mis-shaped keys."""
    missing = sorted(set(own) - set(saved))
    unexpected = sorted(set(saved) - set(own))
    mis_shaped = [
        f"{k}: checkpoint {tuple(saved[k].shape)} vs net {tuple(own[k].shape)}"
        for k in own
        if k in saved and tuple(saved[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or mis_shaped:
        raise RuntimeError(
            f"checkpoint {path} does not match the network: missing keys "
            f"{missing}, unexpected keys {unexpected}, shape mismatches "
            f"{mis_shaped}; build the same architecture that was saved "
            "(e.g. the same dl.lenet variant) before loading"
        )


def load_checkpoint(
    path: str | os.PathLike[str],
    net: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: Any = "cpu",
) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`.

    Uses ``torch.load(..., weights_only=True)``, which never runs pickled
    code.

    Args:
        path: The checkpoint file.
        net: If given, its state is restored (keys and shapes must match).
        optimizer: If given, its state is restored.
        map_location: Where tensors are loaded ("cpu" by default).

    Returns:
        The whole checkpoint dict ("model", "optimizer", extra entries).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        RuntimeError: if the net's state dict does not match.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {path}; save one with dl.save_checkpoint(path,"
            " net) or train(..., checkpoint_path=path)"
        )
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise RuntimeError(
            f"{path} is not a d2lite checkpoint (no 'model' entry); write it "
            "with dl.save_checkpoint"
        )
    if net is not None:
        _check_state_match(path, net.state_dict(), ckpt["model"])
        net.load_state_dict(ckpt["model"])
    if optimizer is not None:
        if "optimizer" not in ckpt:
            raise RuntimeError(
                f"checkpoint {path} holds no optimizer state; load it without "
                "optimizer= or save it with save_checkpoint(path, net, optimizer)"
            )
        optimizer.load_state_dict(ckpt["optimizer"])
    return ckpt
