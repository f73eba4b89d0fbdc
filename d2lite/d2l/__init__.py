"""d2l.torch's names for the PyTorch code of Dive into Deep Learning.

Readers of d2l-zh 2.0 (``pip install d2l==0.17.6``) and d2l-en 0.17 change
one line of their chapter code::

    from d2l import torch as d2l      # before
    from d2lite import d2l            # after

and the rest runs unchanged, for the chapters on Fashion-MNIST (3.5),
softmax regression (3.6, 3.7), multilayer perceptrons and dropout (4.2,
4.3, 4.6), convolutions (6.2-6.5), LeNet (6.6) and the modern CNNs (7.1-7.7).
The names keep d2l's arguments, return values and printed lines; the work
is done by d2lite's own functions (in-memory loaders of the data d2lite
finds, the sync-free training loop, the Animator that also runs in a
script). ``d2l.plt`` is ``matplotlib.pyplot``, imported on first use.
"""

from __future__ import annotations

from typing import Any

from d2lite.d2l._data import get_dataloader_workers
from d2lite.d2l._layers import Residual, corr2d
from d2lite.d2l._ops import (
    abs,
    arange,
    argmax,
    astype,
    concat,
    cos,
    cosh,
    exp,
    eye,
    float32,
    int32,
    linspace,
    log,
    matmul,
    meshgrid,
    normal,
    numpy,
    ones,
    rand,
    reduce_sum,
    reshape,
    sin,
    sinh,
    size,
    stack,
    tanh,
    tensor,
    to,
    transpose,
    zeros,
)
from d2lite.d2l._plot import plot, set_axes, set_figsize, use_svg_display
from d2lite.d2l._train import (
    evaluate_accuracy,
    num_gpus,
    predict_ch3,
    sgd,
    train_ch3,
    train_ch6,
    train_epoch_ch3,
    try_all_gpus,
    try_gpu,
)
from d2lite.data import get_fashion_mnist_labels, load_data_fashion_mnist
from d2lite.metrics import Accumulator, accuracy, evaluate_accuracy_gpu
from d2lite.plot import Animator, show_images
from d2lite.utils import Timer

__all__ = [
    # data (3.5)
    "get_dataloader_workers",
    "get_fashion_mnist_labels",
    "load_data_fashion_mnist",
    "show_images",
    # plotting
    "Animator",
    "plot",
    "plt",
    "set_axes",
    "set_figsize",
    "use_svg_display",
    # training (3.6-4.6, 6.6-7.7)
    "Accumulator",
    "Timer",
    "accuracy",
    "evaluate_accuracy",
    "evaluate_accuracy_gpu",
    "num_gpus",
    "predict_ch3",
    "sgd",
    "train_ch3",
    "train_ch6",
    "train_epoch_ch3",
    "try_all_gpus",
    "try_gpu",
    # convolution (6.2, 7.6)
    "Residual",
    "corr2d",
    # framework-neutral aliases
    "abs",
    "arange",
    "argmax",
    "astype",
    "concat",
    "cos",
    "cosh",
    "exp",
    "eye",
    "float32",
    "int32",
    "linspace",
    "log",
    "matmul",
    "meshgrid",
    "normal",
    "numpy",
    "ones",
    "rand",
    "reduce_sum",
    "reshape",
    "sin",
    "sinh",
    "size",
    "stack",
    "tanh",
    "tensor",
    "to",
    "transpose",
    "zeros",
]


def __getattr__(name: str) -> Any:
    """Import ``matplotlib.pyplot`` only when ``d2l.plt`` is first used."""
    if name == "plt":
        import matplotlib.pyplot as plt

        return plt
    raise AttributeError(f"module 'd2lite.d2l' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"plt"})
