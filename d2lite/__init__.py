"""d2lite: the companion package of the d2lite course.

Import it by name::

    import d2lite as dl
    train_iter, test_iter = dl.load_data_fashion_mnist(batch_size=256)
    net = dl.lenet()
    history = dl.train_ch6(net, train_iter, test_iter, num_epochs=10, lr=0.9)
"""

from d2lite.callbacks import (
    BestCheckpoint,
    Callback,
    CallbackError,
    LivePlot,
    NonFiniteLossError,
    ProgressBar,
    TrainState,
)
from d2lite.checkpoint import load_checkpoint, save_checkpoint
from d2lite.data import (
    FASHION_MNIST_CLASSES,
    TensorLoader,
    find_fashion_mnist,
    get_fashion_mnist_labels,
    load_data_fashion_mnist,
    load_fashion_mnist_tensors,
    split_train_valid,
)
from d2lite.exercises import check, set_language
from d2lite.metrics import Accumulator, accuracy, evaluate_accuracy_gpu
from d2lite.models import lenet, vgg, vgg_block
from d2lite.plot import Animator, plot_history, show_images
from d2lite.prose import says
from d2lite.shapes import (
    ShapeMismatchError,
    conv_output_size,
    param_table,
    pool_output_size,
    shape_trace,
)
from d2lite.train import train, train_ch6
from d2lite.utils import Timer, set_seed, try_gpu

__version__ = "0.3.0"

__all__ = [
    "Accumulator",
    "Animator",
    "BestCheckpoint",
    "Callback",
    "CallbackError",
    "FASHION_MNIST_CLASSES",
    "LivePlot",
    "NonFiniteLossError",
    "ProgressBar",
    "ShapeMismatchError",
    "TensorLoader",
    "Timer",
    "TrainState",
    "accuracy",
    "check",
    "conv_output_size",
    "evaluate_accuracy_gpu",
    "find_fashion_mnist",
    "get_fashion_mnist_labels",
    "lenet",
    "load_checkpoint",
    "load_data_fashion_mnist",
    "load_fashion_mnist_tensors",
    "param_table",
    "plot_history",
    "pool_output_size",
    "save_checkpoint",
    "says",
    "set_language",
    "set_seed",
    "shape_trace",
    "show_images",
    "split_train_valid",
    "train",
    "train_ch6",
    "try_gpu",
    "vgg",
    "vgg_block",
]
