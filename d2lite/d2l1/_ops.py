"""d2l-en 1.0's framework-neutral names and its device helpers (6.7).

The plain names are the torch objects themselves (``d2l.ones is
torch.ones``); the others call a tensor method, and name themselves when
given something that is not a tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

nn_Module = nn.Module

ones_like = torch.ones_like
ones = torch.ones
zeros_like = torch.zeros_like
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
meshgrid = torch.meshgrid
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
randn = torch.randn
matmul = torch.matmul
int32 = torch.int32
int64 = torch.int64
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs  # noqa: A001 (d2l's name)
eye = torch.eye
sigmoid = torch.sigmoid
batch_matmul = torch.bmm


def _tensor_method(name: str, method: str, doc: str) -> Callable[..., Any]:
    """``name(x, *args, **kwargs)`` = ``x.<method>(*args, **kwargs)``."""

    def call(x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"d2l.{name} takes a tensor first, got {type(x).__name__}; "
                f"convert it with d2l.tensor(x)"
            )
        return getattr(x, method)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = doc
    return call


size = _tensor_method("size", "numel", "The number of elements of x.")
reshape = _tensor_method("reshape", "reshape", "x.reshape(*shape).")
to = _tensor_method("to", "to", "x.to(device or dtype).")
reduce_sum = _tensor_method("reduce_sum", "sum", "x.sum(...).")
reduce_mean = _tensor_method("reduce_mean", "mean", "x.mean(...).")
argmax = _tensor_method("argmax", "argmax", "x.argmax(...).")
astype = _tensor_method("astype", "type", "x converted to a dtype.")
transpose = _tensor_method("transpose", "t", "The transpose of a matrix.")
expand_dims = _tensor_method("expand_dims", "unsqueeze", "x.unsqueeze(d).")
swapaxes = _tensor_method("swapaxes", "swapaxes", "x.swapaxes(a, b).")
repeat = _tensor_method("repeat", "repeat", "x.repeat(*sizes).")
_detach = _tensor_method("numpy", "detach", "")


def numpy(x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
    """x as a NumPy array, detached (d2l's; call ``to(x, cpu())`` first
    for a tensor on a GPU, as d2l's code does)."""
    return _detach(x).numpy(*args, **kwargs)


def cpu() -> torch.device:
    """The CPU device."""
    return torch.device("cpu")


def gpu(i: int = 0) -> torch.device:
    """The device of GPU ``i`` (whether or not it exists)."""
    return torch.device(f"cuda:{i}")


def num_gpus() -> int:
    """The number of available CUDA GPUs."""
    return torch.cuda.device_count()


def try_gpu(i: int = 0) -> torch.device:
    """``gpu(i)`` if it exists, otherwise ``cpu()``."""
    return gpu(i) if num_gpus() >= i + 1 else cpu()


def try_all_gpus() -> list[torch.device]:
    """Every available GPU; without one an empty list (d2l 1.0's code)."""
    return [gpu(i) for i in range(num_gpus())]
