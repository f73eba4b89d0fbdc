"""d2l.torch's framework-neutral names for tensor operations.

d2l's book writes some code once for several frameworks; for PyTorch those
names are plain torch functions and dtypes, plus a few one-line helpers that
call a tensor method. Here the plain ones are the torch objects themselves
and the helpers are small functions with a docstring each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

ones = torch.ones
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
matmul = torch.matmul
int32 = torch.int32
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs  # noqa: A001 (d2l's name shadows the builtin, as in d2l)
eye = torch.eye


def meshgrid(
    *tensors: torch.Tensor, indexing: str = "ij"
) -> tuple[torch.Tensor, ...]:
    """``torch.meshgrid`` with ``indexing="ij"`` spelled out.

    That is what ``torch.meshgrid`` computes without the argument (and what
    d2l's code expects); passing it avoids torch's warning.
    """
    return torch.meshgrid(*tensors, indexing=indexing)


def numpy(x: torch.Tensor, *args: Any, **kwargs: Any) -> np.ndarray:
    """Return ``x`` as a NumPy array, detached from autograd (and on the CPU)."""
    return x.detach().cpu().numpy(*args, **kwargs)


def size(x: torch.Tensor) -> int:
    """Return the number of elements of ``x`` (``x.numel()``)."""
    return x.numel()


def reshape(x: torch.Tensor, *shape: Any) -> torch.Tensor:
    """Return ``x.reshape(*shape)``; e.g. ``reshape(X, (1, 1, 6, 8))``."""
    return x.reshape(*shape)


def to(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """Return ``x.to(...)``: a device, a dtype or both."""
    return x.to(*args, **kwargs)


def reduce_sum(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """Return ``x.sum(...)``: all elements, or along ``dim``."""
    return x.sum(*args, **kwargs)


def argmax(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """Return ``x.argmax(...)``, e.g. ``argmax(y_hat, axis=1)`` (B, C) -> (B,)."""
    return x.argmax(*args, **kwargs)


def astype(x: torch.Tensor, dtype: Any) -> torch.Tensor:
    """Return ``x`` converted to ``dtype`` (``x.type(dtype)``)."""
    return x.type(dtype)


def transpose(x: torch.Tensor) -> torch.Tensor:
    """Return the transpose of a matrix (or vector) ``x`` (``x.t()``)."""
    return x.t()
