"""Checkpoints: save a network (and optimizer) atomically, load it safely.

Loading uses ``torch.load(..., weights_only=True)``, which runs no pickled
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

from d2lite._checks import check_net
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
    check_net(net)
    clash = [k for k in extra if k in ("model", "optimizer")]
    if clash:
        raise ValueError(
            f"extra keys {clash} are reserved for the states; rename them"
        )
    payload: dict[str, Any] = {"model": net.state_dict()}
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    payload.update({k: _plain(k, v) for k, v in extra.items()})
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(
    path: str | os.PathLike[str],
    net: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: Any = "cpu",
) -> dict[str, Any]:
    """Load a :func:`save_checkpoint` file into ``net`` and ``optimizer``.

    Returns the whole dict ("model", "optimizer", the extra entries).
    Raises FileNotFoundError, or RuntimeError if the net does not match.
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
        own, saved = net.state_dict(), ckpt["model"]
        missing = sorted(set(own) - set(saved))
        unexpected = sorted(set(saved) - set(own))
        shapes = [
            f"{k}: checkpoint {tuple(saved[k].shape)} vs net "
            f"{tuple(own[k].shape)}"
            for k in own
            if k in saved and saved[k].shape != own[k].shape
        ]
        if missing or unexpected or shapes:
            raise RuntimeError(
                f"checkpoint {path} does not match the network: missing "
                f"keys {missing}, unexpected keys {unexpected}, shape "
                f"mismatches {shapes}; build the same architecture that was "
                "saved (e.g. the same dl.lenet variant) before loading"
            )
        net.load_state_dict(saved)
    if optimizer is not None:
        if "optimizer" not in ckpt:
            raise RuntimeError(
                f"checkpoint {path} holds no optimizer state; load it without "
                "optimizer= or save it with save_checkpoint(path, net, optimizer)"
            )
        optimizer.load_state_dict(ckpt["optimizer"])
    return ckpt
