"""d2l-en 1.0's object API for the PyTorch code of Dive into Deep Learning.

Readers of d2l.ai (the 1.0 edition, ``pip install d2l==1.0.3``) change one
line of their chapter code::

    from d2l import torch as d2l      # before
    from d2lite import d2l1 as d2l    # after

and the rest of chapters 3 to 8 runs unchanged: ``HyperParameters``,
``ProgressBoard``, ``Module``, ``DataModule``, ``Trainer``,
``Classifier``, the data sets and models the chapters save, the devices
and the framework-neutral tensor names. Classes keep d2l's names,
signatures and attributes, so ``@d2l.add_to_class`` extends them as the
chapters do. ``FashionMNIST`` loads through d2lite's data search
(offline, verified) into memory; ``Trainer.fit`` never waits for the
device per batch; ``ProgressBoard`` draws with d2lite's ``Animator``, in
Jupyter and in a script. ``d2l.plt`` is ``matplotlib.pyplot``, imported
on first use. For d2l-zh 2.0 (the 0.17 API) use ``from d2lite import d2l``.
"""

from __future__ import annotations

from typing import Any

from d2lite.d2l1._board import ProgressBoard
from d2lite.d2l1._data import (
    DataModule,
    FashionMNIST,
    SyntheticRegressionData,
)
from d2lite.d2l1._models import (
    SGD,
    LeNet,
    LinearRegression,
    LinearRegressionScratch,
    Residual,
    ResNeXtBlock,
    SoftmaxRegression,
    corr2d,
    init_cnn,
)
from d2lite.d2l1._module import Classifier, Module
from d2lite.d2l1._oo import HyperParameters, add_to_class
from d2lite.d2l1._ops import (
    abs,
    arange,
    argmax,
    astype,
    batch_matmul,
    concat,
    cos,
    cosh,
    cpu,
    exp,
    expand_dims,
    eye,
    float32,
    gpu,
    int32,
    int64,
    linspace,
    log,
    matmul,
    meshgrid,
    nn_Module,
    normal,
    num_gpus,
    numpy,
    ones,
    ones_like,
    rand,
    randn,
    reduce_mean,
    reduce_sum,
    repeat,
    reshape,
    sigmoid,
    sin,
    sinh,
    size,
    stack,
    swapaxes,
    tanh,
    tensor,
    to,
    transpose,
    try_all_gpus,
    try_gpu,
    zeros,
    zeros_like,
)
from d2lite.d2l1._plot import plot, set_axes, set_figsize, use_svg_display
from d2lite.d2l1._trainer import Trainer
from d2lite.plot import show_images
from d2lite.utils import Timer

__all__ = [
    # the object API (3.2)
    "add_to_class",
    "HyperParameters",
    "ProgressBoard",
    "Module",
    "DataModule",
    "Trainer",
    # regression (3.3-3.5)
    "SyntheticRegressionData",
    "LinearRegressionScratch",
    "SGD",
    "LinearRegression",
    # classification (4.2-4.5)
    "FashionMNIST",
    "Classifier",
    "SoftmaxRegression",
    "show_images",
    # devices (6.7)
    "cpu",
    "gpu",
    "num_gpus",
    "try_gpu",
    "try_all_gpus",
    # convolutions (7.2-8.8)
    "corr2d",
    "init_cnn",
    "LeNet",
    "Residual",
    "ResNeXtBlock",
    # plotting and timing
    "plot",
    "plt",
    "set_axes",
    "set_figsize",
    "use_svg_display",
    "Timer",
    # framework-neutral names
    "nn_Module",
    "abs",
    "arange",
    "argmax",
    "astype",
    "batch_matmul",
    "concat",
    "cos",
    "cosh",
    "exp",
    "expand_dims",
    "eye",
    "float32",
    "int32",
    "int64",
    "linspace",
    "log",
    "matmul",
    "meshgrid",
    "normal",
    "numpy",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "reduce_mean",
    "reduce_sum",
    "repeat",
    "reshape",
    "sigmoid",
    "sin",
    "sinh",
    "size",
    "stack",
    "swapaxes",
    "tanh",
    "tensor",
    "to",
    "transpose",
    "zeros",
    "zeros_like",
]


def __getattr__(name: str) -> Any:
    """Import ``matplotlib.pyplot`` only when ``d2l.plt`` is first used."""
    if name == "plt":
        import matplotlib.pyplot as plt

        return plt
    raise AttributeError(f"module 'd2lite.d2l1' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"plt"})
