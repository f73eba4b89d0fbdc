"""d2l-en 1.0's PyTorch chapter code, 3.1 to 8.8, run on ``from d2lite import d2l1``.

Each function below is one section of d2l.ai (the 1.0 edition, the repository
d2l-ai/d2l-en), its PyTorch code cells in order, extracted from the
chapter's Markdown (``%%tab pytorch`` and ``%%tab all`` cells, the branches
``if tab.selected('pytorch')``) with one line changed::

    from d2l import torch as d2l      # the book's line
    from d2lite import d2l1 as d2l    # here

The other differences are marked in the code: ``# CUT:`` where training is
cut short (``max_epochs``, and ``few(data)``: the first ``--batches``
training and ``--val-batches`` validation batches of every epoch, each cut
to ``--max-examples`` examples), ``# SKIP:`` where a cell needs two GPUs,
``# TEST:`` where this program prints what a notebook would show in its
plot (``report(model)``) or prepares the data a chapter's own class
expects. A cell's last expression, which Jupyter displays, is printed by
``show(...)``; ``%matplotlib inline`` is left out. Sections that do not
use d2l (3.6, 4.1, 4.6, 4.7, 5.3, 5.5, 6.1-6.3, 6.6, 7.1, 7.3) are not
here, nor 5.7 (it downloads Kaggle's data). Every section starts from a
fresh ``d2lite.d2l1``, as a fresh notebook kernel would: the methods a
section adds with ``@d2l.add_to_class`` are removed after it.

Run from the repository root (tests/test_d2l1.py runs it)::

    .venv/bin/python tests/d2l1_chapters.py                  # every section
    .venv/bin/python tests/d2l1_chapters.py 3.4 7.6 --batches 5
"""
# ruff: noqa: B006, B007, B018, B020, F901, UP034, E401, E701, E711, E721, E731, F401, F811, F841, I001, UP008, UP009

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import d2lite as dl  # noqa: E402
from d2lite import d2l1  # noqa: E402

RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
ARGS = argparse.Namespace(
    batches=2, val_batches=1, epochs=1, max_examples=None
)


def show(value: Any) -> None:
    """Print what Jupyter shows for a cell's last expression."""
    print(value)


class Few:
    """The first ``n`` batches of a loader, re-iterable, with ``len``;
    each cut to its first ``m`` examples if ``m`` is given."""

    def __init__(self, loader: Any, n: int, m: int | None = None) -> None:
        self.loader, self.n, self.m = loader, min(n, len(loader)), m

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Any]:
        for batch in itertools.islice(iter(self.loader), self.n):
            yield batch if self.m is None else [t[: self.m] for t in batch]


def few(data: Any) -> Any:
    """Cut every loader of ``data`` to a few batches (the test's glue)."""
    get_dataloader = data.get_dataloader

    def cut(train: bool) -> Few:
        n = ARGS.batches if train else ARGS.val_batches
        return Few(get_dataloader(train), n, ARGS.max_examples)

    data.get_dataloader = cut
    return data


def report(model: Any) -> None:
    """Print the last point of every line on the model's board."""
    points = ", ".join(
        f"{label} {line[-1].y:.4f}" for label, line in model.board.data.items()
    )
    print(f"board at epoch {model.trainer.epoch + 1}: {points}")


@contextlib.contextmanager
def fresh_d2l1() -> Iterator[None]:
    """Undo what a section adds to d2l1's classes (``add_to_class``)."""
    classes = [
        v
        for v in vars(d2l1).values()
        if isinstance(v, type) and v.__module__.startswith("d2lite.d2l1")
    ]
    saved = {c: dict(vars(c)) for c in classes}
    try:
        yield
    finally:
        for c, attrs in saved.items():
            for name in set(vars(c)) - set(attrs):
                delattr(c, name)
            for name, value in attrs.items():
                if vars(c).get(name) is not value:
                    setattr(c, name, value)


@contextlib.contextmanager
def torchvision_files() -> Iterator[None]:
    """Run in a directory whose ``../data/FashionMNIST/raw`` holds the real
    files (decompressed), where 4.2's own class (torchvision's reader,
    ``root='../data'``) looks for them; offline, it cannot download."""
    src = dl.find_fashion_mnist()
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="d2l1-chapters-") as tmp:
        raw = Path(tmp, "data", "FashionMNIST", "raw")
        raw.mkdir(parents=True)
        for name in RAW_FILES:
            if (src / f"{name}.gz").is_file():
                with gzip.open(src / f"{name}.gz") as fin:
                    (raw / name).write_bytes(fin.read())
            else:
                shutil.copyfile(src / name, raw / name)
        Path(tmp, "work").mkdir()
        os.chdir(Path(tmp, "work"))
        try:
            yield
        finally:
            os.chdir(before)


# ------------------------------------------------------------ the sections


def sec_3_1() -> None:
    """3.1 Linear Regression."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import math
    import torch
    import numpy as np
    import time

    n = 10000
    a = d2l.ones(n)
    b = d2l.ones(n)

    c = d2l.zeros(n)
    t = time.time()
    for i in range(n):
        c[i] = a[i] + b[i]
    show(f"{time.time() - t:.5f} sec")

    t = time.time()
    d = a + b
    show(f"{time.time() - t:.5f} sec")

    def normal(x, mu, sigma):
        p = 1 / math.sqrt(2 * math.pi * sigma**2)
        return p * np.exp(-0.5 * (x - mu) ** 2 / sigma**2)

    # Use NumPy again for visualization
    x = np.arange(-7, 7, 0.01)

    # Mean and standard deviation pairs
    params = [(0, 1), (0, 2), (3, 1)]
    d2l.plot(
        x,
        [normal(x, mu, sigma) for mu, sigma in params],
        xlabel="x",
        ylabel="p(x)",
        figsize=(4.5, 2.5),
        legend=[f"mean {mu}, std {sigma}" for mu, sigma in params],
    )


def sec_3_2() -> None:
    """3.2 Object-Oriented Design for Implementation."""
    import time
    import numpy as np
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def add_to_class(Class):  # @save
        """Register functions as methods in created class."""

        def wrapper(obj):
            setattr(Class, obj.__name__, obj)

        return wrapper

    class A:
        def __init__(self):
            self.b = 1

    a = A()

    @add_to_class(A)
    def do(self):
        print('Class attribute "b" is', self.b)

    a.do()

    class HyperParameters:  # @save
        """The base class of hyperparameters."""

        def save_hyperparameters(self, ignore=[]):
            raise NotImplemented

    # Call the fully implemented HyperParameters class saved in d2l
    class B(d2l.HyperParameters):
        def __init__(self, a, b, c):
            self.save_hyperparameters(ignore=["c"])
            print("self.a =", self.a, "self.b =", self.b)
            print("There is no self.c =", not hasattr(self, "c"))

    b = B(a=1, b=2, c=3)

    class ProgressBoard(d2l.HyperParameters):  # @save
        """The board that plots data points in animation."""

        def __init__(
            self,
            xlabel=None,
            ylabel=None,
            xlim=None,
            ylim=None,
            xscale="linear",
            yscale="linear",
            ls=["-", "--", "-.", ":"],
            colors=["C0", "C1", "C2", "C3"],
            fig=None,
            axes=None,
            figsize=(3.5, 2.5),
            display=True,
        ):
            self.save_hyperparameters()

        def draw(self, x, y, label, every_n=1):
            raise NotImplemented

    board = d2l.ProgressBoard("x")
    for x in np.arange(0, 10, 0.1):
        board.draw(x, np.sin(x), "sin", every_n=2)
        board.draw(x, np.cos(x), "cos", every_n=10)

    class Module(d2l.nn_Module, d2l.HyperParameters):  # @save
        """The base class of models."""

        def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
            super().__init__()
            self.save_hyperparameters()
            self.board = ProgressBoard()

        def loss(self, y_hat, y):
            raise NotImplementedError

        def forward(self, X):
            assert hasattr(self, "net"), "Neural network is defined"
            return self.net(X)

        def plot(self, key, value, train):
            """Plot a point in animation."""
            assert hasattr(self, "trainer"), "Trainer is not inited"
            self.board.xlabel = "epoch"
            if train:
                x = (
                    self.trainer.train_batch_idx
                    / self.trainer.num_train_batches
                )
                n = self.trainer.num_train_batches / self.plot_train_per_epoch
            else:
                x = self.trainer.epoch + 1
                n = self.trainer.num_val_batches / self.plot_valid_per_epoch
            self.board.draw(
                x,
                d2l.numpy(d2l.to(value, d2l.cpu())),
                ("train_" if train else "val_") + key,
                every_n=int(n),
            )

        def training_step(self, batch):
            l = self.loss(self(*batch[:-1]), batch[-1])
            self.plot("loss", l, train=True)
            return l

        def validation_step(self, batch):
            l = self.loss(self(*batch[:-1]), batch[-1])
            self.plot("loss", l, train=False)

        def configure_optimizers(self):
            raise NotImplementedError

    class DataModule(d2l.HyperParameters):  # @save
        """The base class of data."""

        def __init__(self, root="../data", num_workers=4):
            self.save_hyperparameters()

        def get_dataloader(self, train):
            raise NotImplementedError

        def train_dataloader(self):
            return self.get_dataloader(train=True)

        def val_dataloader(self):
            return self.get_dataloader(train=False)

    class Trainer(d2l.HyperParameters):  # @save
        """The base class for training models with data."""

        def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
            self.save_hyperparameters()
            assert num_gpus == 0, "No GPU support yet"

        def prepare_data(self, data):
            self.train_dataloader = data.train_dataloader()
            self.val_dataloader = data.val_dataloader()
            self.num_train_batches = len(self.train_dataloader)
            self.num_val_batches = (
                len(self.val_dataloader)
                if self.val_dataloader is not None
                else 0
            )

        def prepare_model(self, model):
            model.trainer = self
            model.board.xlim = [0, self.max_epochs]
            self.model = model

        def fit(self, model, data):
            self.prepare_data(data)
            self.prepare_model(model)
            self.optim = model.configure_optimizers()
            self.epoch = 0
            self.train_batch_idx = 0
            self.val_batch_idx = 0
            for self.epoch in range(self.max_epochs):
                self.fit_epoch()

        def fit_epoch(self):
            raise NotImplementedError


def sec_3_3() -> None:
    """3.3 Synthetic Regression Data."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    import random

    class SyntheticRegressionData(d2l.DataModule):  # @save
        """Synthetic data for linear regression."""

        def __init__(
            self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32
        ):
            super().__init__()
            self.save_hyperparameters()
            n = num_train + num_val
            self.X = d2l.randn(n, len(w))
            noise = d2l.randn(n, 1) * noise
            self.y = d2l.matmul(self.X, d2l.reshape(w, (-1, 1))) + b + noise

    data = SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2)

    print("features:", data.X[0], "\nlabel:", data.y[0])

    @d2l.add_to_class(SyntheticRegressionData)
    def get_dataloader(self, train):
        if train:
            indices = list(range(0, self.num_train))
            # The examples are read in random order
            random.shuffle(indices)
        else:
            indices = list(
                range(self.num_train, self.num_train + self.num_val)
            )
        for i in range(0, len(indices), self.batch_size):
            batch_indices = d2l.tensor(indices[i : i + self.batch_size])
            yield self.X[batch_indices], self.y[batch_indices]

    X, y = next(iter(data.train_dataloader()))
    print("X shape:", X.shape, "\ny shape:", y.shape)

    @d2l.add_to_class(d2l.DataModule)  # @save
    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        tensors = tuple(a[indices] for a in tensors)
        dataset = torch.utils.data.TensorDataset(*tensors)
        return torch.utils.data.DataLoader(
            dataset, self.batch_size, shuffle=train
        )

    @d2l.add_to_class(SyntheticRegressionData)  # @save
    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)

    X, y = next(iter(data.train_dataloader()))
    print("X shape:", X.shape, "\ny shape:", y.shape)

    show(len(data.train_dataloader()))


def sec_3_4() -> None:
    """3.4 Linear Regression Implementation from Scratch."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch

    class LinearRegressionScratch(d2l.Module):  # @save
        """The linear regression model implemented from scratch."""

        def __init__(self, num_inputs, lr, sigma=0.01):
            super().__init__()
            self.save_hyperparameters()
            self.w = d2l.normal(0, sigma, (num_inputs, 1), requires_grad=True)
            self.b = d2l.zeros(1, requires_grad=True)

    @d2l.add_to_class(LinearRegressionScratch)  # @save
    def forward(self, X):
        return d2l.matmul(X, self.w) + self.b

    @d2l.add_to_class(LinearRegressionScratch)  # @save
    def loss(self, y_hat, y):
        l = (y_hat - y) ** 2 / 2
        return d2l.reduce_mean(l)

    class SGD(d2l.HyperParameters):  # @save
        """Minibatch stochastic gradient descent."""

        def __init__(self, params, lr):
            self.save_hyperparameters()

        def step(self):
            for param in self.params:
                param -= self.lr * param.grad

        def zero_grad(self):
            for param in self.params:
                if param.grad is not None:
                    param.grad.zero_()

    @d2l.add_to_class(LinearRegressionScratch)  # @save
    def configure_optimizers(self):
        return SGD([self.w, self.b], self.lr)

    @d2l.add_to_class(d2l.Trainer)  # @save
    def prepare_batch(self, batch):
        return batch

    @d2l.add_to_class(d2l.Trainer)  # @save
    def fit_epoch(self):
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            self.optim.zero_grad()
            with torch.no_grad():
                loss.backward()
                if self.gradient_clip_val > 0:  # To be discussed later
                    self.clip_gradients(self.gradient_clip_val, self.model)
                self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        for batch in self.val_dataloader:
            with torch.no_grad():
                self.model.validation_step(self.prepare_batch(batch))
            self.val_batch_idx += 1

    model = LinearRegressionScratch(2, lr=0.03)
    data = d2l.SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2)
    trainer = d2l.Trainer(max_epochs=3)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    with torch.no_grad():
        print(
            f"error in estimating w: {data.w - d2l.reshape(model.w, data.w.shape)}"
        )
        print(f"error in estimating b: {data.b - model.b}")


def sec_3_5() -> None:
    """3.5 Concise Implementation of Linear Regression."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import numpy as np
    import torch
    from torch import nn

    class LinearRegression(d2l.Module):  # @save
        """The linear regression model implemented with high-level APIs."""

        def __init__(self, lr):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.LazyLinear(1)
            self.net.weight.data.normal_(0, 0.01)
            self.net.bias.data.fill_(0)

    @d2l.add_to_class(LinearRegression)  # @save
    def forward(self, X):
        return self.net(X)

    @d2l.add_to_class(LinearRegression)  # @save
    def loss(self, y_hat, y):
        fn = nn.MSELoss()
        return fn(y_hat, y)

    @d2l.add_to_class(LinearRegression)  # @save
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), self.lr)

    model = LinearRegression(lr=0.03)
    data = d2l.SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2)
    trainer = d2l.Trainer(max_epochs=3)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    @d2l.add_to_class(LinearRegression)  # @save
    def get_w_b(self):
        return (self.net.weight.data, self.net.bias.data)

    w, b = model.get_w_b()

    print(f"error in estimating w: {data.w - d2l.reshape(w, data.w.shape)}")
    print(f"error in estimating b: {data.b - b}")


def sec_3_7() -> None:
    """3.7 Weight Decay."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    class Data(d2l.DataModule):
        def __init__(self, num_train, num_val, num_inputs, batch_size):
            self.save_hyperparameters()
            n = num_train + num_val
            self.X = d2l.randn(n, num_inputs)
            noise = d2l.randn(n, 1) * 0.01
            w, b = d2l.ones((num_inputs, 1)) * 0.01, 0.05
            self.y = d2l.matmul(self.X, w) + b + noise

        def get_dataloader(self, train):
            i = (
                slice(0, self.num_train)
                if train
                else slice(self.num_train, None)
            )
            return self.get_tensorloader([self.X, self.y], train, i)

    def l2_penalty(w):
        return d2l.reduce_sum(w**2) / 2

    class WeightDecayScratch(d2l.LinearRegressionScratch):
        def __init__(self, num_inputs, lambd, lr, sigma=0.01):
            super().__init__(num_inputs, lr, sigma)
            self.save_hyperparameters()

        def loss(self, y_hat, y):
            return super().loss(y_hat, y) + self.lambd * l2_penalty(self.w)

    data = Data(num_train=20, num_val=100, num_inputs=200, batch_size=5)
    trainer = d2l.Trainer(max_epochs=10)

    def train_scratch(lambd):
        model = WeightDecayScratch(num_inputs=200, lambd=lambd, lr=0.01)
        model.board.yscale = "log"
        trainer.fit(model, data)
        report(model)  # TEST: print the last points drawn
        print("L2 norm of w:", float(l2_penalty(model.w)))

    train_scratch(0)

    train_scratch(3)

    class WeightDecay(d2l.LinearRegression):
        def __init__(self, wd, lr):
            super().__init__(lr)
            self.save_hyperparameters()
            self.wd = wd

        def configure_optimizers(self):
            return torch.optim.SGD(
                [
                    {"params": self.net.weight, "weight_decay": self.wd},
                    {"params": self.net.bias},
                ],
                lr=self.lr,
            )

    model = WeightDecay(wd=3, lr=0.01)
    model.board.yscale = "log"
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    print("L2 norm of w:", float(l2_penalty(model.get_w_b()[0])))


def sec_4_2() -> None:
    """4.2 The Image Classification Dataset."""
    import time
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    import torchvision
    from torchvision import transforms

    d2l.use_svg_display()

    class FashionMNIST(d2l.DataModule):  # @save
        """The Fashion-MNIST dataset."""

        def __init__(self, batch_size=64, resize=(28, 28)):
            super().__init__()
            self.save_hyperparameters()
            trans = transforms.Compose(
                [transforms.Resize(resize), transforms.ToTensor()]
            )
            self.train = torchvision.datasets.FashionMNIST(
                root=self.root, train=True, transform=trans, download=True
            )
            self.val = torchvision.datasets.FashionMNIST(
                root=self.root, train=False, transform=trans, download=True
            )

    data = FashionMNIST(resize=(32, 32))
    show((len(data.train), len(data.val)))

    show(data.train[0][0].shape)

    @d2l.add_to_class(FashionMNIST)  # @save
    def text_labels(self, indices):
        """Return text labels."""
        labels = [
            "t-shirt",
            "trouser",
            "pullover",
            "dress",
            "coat",
            "sandal",
            "shirt",
            "sneaker",
            "bag",
            "ankle boot",
        ]
        return [labels[int(i)] for i in indices]

    @d2l.add_to_class(FashionMNIST)  # @save
    def get_dataloader(self, train):
        data = self.train if train else self.val
        return torch.utils.data.DataLoader(
            data, self.batch_size, shuffle=train, num_workers=self.num_workers
        )

    X, y = next(iter(data.train_dataloader()))
    print(X.shape, X.dtype, y.shape, y.dtype)

    tic = time.time()
    for X, y in itertools.islice(
        data.train_dataloader(), ARGS.batches
    ):  # CUT: the whole epoch
        continue
    show(f"{time.time() - tic:.2f} sec")

    def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):  # @save
        """Plot a list of images."""
        raise NotImplementedError

    @d2l.add_to_class(FashionMNIST)  # @save
    def visualize(self, batch, nrows=1, ncols=8, labels=[]):
        X, y = batch
        if not labels:
            labels = self.text_labels(y)
        d2l.show_images(X.squeeze(1), nrows, ncols, titles=labels)

    batch = next(iter(data.val_dataloader()))
    data.visualize(batch)


def sec_4_3() -> None:
    """4.3 The Base Classification Model."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch

    class Classifier(d2l.Module):  # @save
        """The base class of classification models."""

        def validation_step(self, batch):
            Y_hat = self(*batch[:-1])
            self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
            self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)

    @d2l.add_to_class(d2l.Module)  # @save
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    @d2l.add_to_class(Classifier)  # @save
    def accuracy(self, Y_hat, Y, averaged=True):
        """Compute the number of correct predictions."""
        Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
        preds = d2l.astype(d2l.argmax(Y_hat, axis=1), Y.dtype)
        compare = d2l.astype(preds == d2l.reshape(Y, -1), d2l.float32)
        return d2l.reduce_mean(compare) if averaged else compare


def sec_4_4() -> None:
    """4.4 Softmax Regression Implementation from Scratch."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch

    X = d2l.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    show(
        (
            d2l.reduce_sum(X, 0, keepdims=True),
            d2l.reduce_sum(X, 1, keepdims=True),
        )
    )

    def softmax(X):
        X_exp = d2l.exp(X)
        partition = d2l.reduce_sum(X_exp, 1, keepdims=True)
        return X_exp / partition  # The broadcasting mechanism is applied here

    X = d2l.rand((2, 5))
    X_prob = softmax(X)
    show((X_prob, d2l.reduce_sum(X_prob, 1)))

    class SoftmaxRegressionScratch(d2l.Classifier):
        def __init__(self, num_inputs, num_outputs, lr, sigma=0.01):
            super().__init__()
            self.save_hyperparameters()
            self.W = torch.normal(
                0, sigma, size=(num_inputs, num_outputs), requires_grad=True
            )
            self.b = torch.zeros(num_outputs, requires_grad=True)

        def parameters(self):
            return [self.W, self.b]

    @d2l.add_to_class(SoftmaxRegressionScratch)
    def forward(self, X):
        X = d2l.reshape(X, (-1, self.W.shape[0]))
        return softmax(d2l.matmul(X, self.W) + self.b)

    y = d2l.tensor([0, 2])
    y_hat = d2l.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    show(y_hat[[0, 1], y])

    def cross_entropy(y_hat, y):
        return -d2l.reduce_mean(d2l.log(y_hat[list(range(len(y_hat))), y]))

    show(cross_entropy(y_hat, y))

    @d2l.add_to_class(SoftmaxRegressionScratch)
    def loss(self, y_hat, y):
        return cross_entropy(y_hat, y)

    data = d2l.FashionMNIST(batch_size=256)

    data = few(data)  # CUT: a few batches per epoch
    model = SoftmaxRegressionScratch(num_inputs=784, num_outputs=10, lr=0.1)
    trainer = d2l.Trainer(max_epochs=ARGS.epochs)  # CUT: max_epochs=10
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    X, y = next(iter(data.val_dataloader()))
    preds = d2l.argmax(model(X), axis=1)
    show(preds.shape)

    wrong = d2l.astype(preds, y.dtype) != y
    X, y, preds = X[wrong], y[wrong], preds[wrong]
    labels = [
        a + "\n" + b
        for a, b in zip(data.text_labels(y), data.text_labels(preds))
    ]
    data.visualize([X, y], labels=labels)


def sec_4_5() -> None:
    """4.5 Concise Implementation of Softmax Regression."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn
    from torch.nn import functional as F

    class SoftmaxRegression(d2l.Classifier):  # @save
        """The softmax regression model."""

        def __init__(self, num_outputs, lr):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

        def forward(self, X):
            return self.net(X)

    @d2l.add_to_class(d2l.Classifier)  # @save
    def loss(self, Y_hat, Y, averaged=True):
        Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
        Y = d2l.reshape(Y, (-1,))
        return F.cross_entropy(
            Y_hat, Y, reduction="mean" if averaged else "none"
        )

    data = d2l.FashionMNIST(batch_size=256)

    data = few(data)  # CUT: a few batches per epoch
    model = SoftmaxRegression(num_outputs=10, lr=0.1)
    trainer = d2l.Trainer(max_epochs=ARGS.epochs)  # CUT: max_epochs=10
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_5_1() -> None:
    """5.1 Multilayer Perceptrons."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch

    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.relu(x)
    d2l.plot(x.detach(), y.detach(), "x", "relu(x)", figsize=(5, 2.5))

    y.backward(torch.ones_like(x), retain_graph=True)
    d2l.plot(x.detach(), x.grad, "x", "grad of relu", figsize=(5, 2.5))

    y = torch.sigmoid(x)
    d2l.plot(x.detach(), y.detach(), "x", "sigmoid(x)", figsize=(5, 2.5))

    # Clear out previous gradients
    x.grad.data.zero_()
    y.backward(torch.ones_like(x), retain_graph=True)
    d2l.plot(x.detach(), x.grad, "x", "grad of sigmoid", figsize=(5, 2.5))

    y = torch.tanh(x)
    d2l.plot(x.detach(), y.detach(), "x", "tanh(x)", figsize=(5, 2.5))

    # Clear out previous gradients
    x.grad.data.zero_()
    y.backward(torch.ones_like(x), retain_graph=True)
    d2l.plot(x.detach(), x.grad, "x", "grad of tanh", figsize=(5, 2.5))


def sec_5_2() -> None:
    """5.2 Implementation of Multilayer Perceptrons."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    class MLPScratch(d2l.Classifier):
        def __init__(
            self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01
        ):
            super().__init__()
            self.save_hyperparameters()
            self.W1 = nn.Parameter(
                torch.randn(num_inputs, num_hiddens) * sigma
            )
            self.b1 = nn.Parameter(torch.zeros(num_hiddens))
            self.W2 = nn.Parameter(
                torch.randn(num_hiddens, num_outputs) * sigma
            )
            self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def relu(X):
        a = torch.zeros_like(X)
        return torch.max(X, a)

    @d2l.add_to_class(MLPScratch)
    def forward(self, X):
        X = d2l.reshape(X, (-1, self.num_inputs))
        H = relu(d2l.matmul(X, self.W1) + self.b1)
        return d2l.matmul(H, self.W2) + self.b2

    model = MLPScratch(num_inputs=784, num_outputs=10, num_hiddens=256, lr=0.1)
    data = d2l.FashionMNIST(batch_size=256)
    data = few(data)  # CUT: a few batches per epoch
    trainer = d2l.Trainer(max_epochs=ARGS.epochs)  # CUT: max_epochs=10
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    class MLP(d2l.Classifier):
        def __init__(self, num_outputs, num_hiddens, lr):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.Flatten(),
                nn.LazyLinear(num_hiddens),
                nn.ReLU(),
                nn.LazyLinear(num_outputs),
            )

    model = MLP(num_outputs=10, num_hiddens=256, lr=0.1)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_5_4() -> None:
    """5.4 Numerical Stability and Initialization."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch

    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.sigmoid(x)
    y.backward(torch.ones_like(x))

    d2l.plot(
        x.detach().numpy(),
        [y.detach().numpy(), x.grad.numpy()],
        legend=["sigmoid", "gradient"],
        figsize=(4.5, 2.5),
    )

    M = torch.normal(0, 1, size=(4, 4))
    print("a single matrix \n", M)
    for i in range(100):
        M = M @ torch.normal(0, 1, size=(4, 4))
    print("after multiplying 100 matrices\n", M)


def sec_5_6() -> None:
    """5.6 Dropout."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def dropout_layer(X, dropout):
        assert 0 <= dropout <= 1
        if dropout == 1:
            return torch.zeros_like(X)
        mask = (torch.rand(X.shape) > dropout).float()
        return mask * X / (1.0 - dropout)

    X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
    print("dropout_p = 0:", dropout_layer(X, 0))
    print("dropout_p = 0.5:", dropout_layer(X, 0.5))
    print("dropout_p = 1:", dropout_layer(X, 1))

    class DropoutMLPScratch(d2l.Classifier):
        def __init__(
            self,
            num_outputs,
            num_hiddens_1,
            num_hiddens_2,
            dropout_1,
            dropout_2,
            lr,
        ):
            super().__init__()
            self.save_hyperparameters()
            self.lin1 = nn.LazyLinear(num_hiddens_1)
            self.lin2 = nn.LazyLinear(num_hiddens_2)
            self.lin3 = nn.LazyLinear(num_outputs)
            self.relu = nn.ReLU()

        def forward(self, X):
            H1 = self.relu(self.lin1(X.reshape((X.shape[0], -1))))
            if self.training:
                H1 = dropout_layer(H1, self.dropout_1)
            H2 = self.relu(self.lin2(H1))
            if self.training:
                H2 = dropout_layer(H2, self.dropout_2)
            return self.lin3(H2)

    hparams = {
        "num_outputs": 10,
        "num_hiddens_1": 256,
        "num_hiddens_2": 256,
        "dropout_1": 0.5,
        "dropout_2": 0.5,
        "lr": 0.1,
    }
    model = DropoutMLPScratch(**hparams)
    data = d2l.FashionMNIST(batch_size=256)
    data = few(data)  # CUT: a few batches per epoch
    trainer = d2l.Trainer(max_epochs=ARGS.epochs)  # CUT: max_epochs=10
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    class DropoutMLP(d2l.Classifier):
        def __init__(
            self,
            num_outputs,
            num_hiddens_1,
            num_hiddens_2,
            dropout_1,
            dropout_2,
            lr,
        ):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.Flatten(),
                nn.LazyLinear(num_hiddens_1),
                nn.ReLU(),
                nn.Dropout(dropout_1),
                nn.LazyLinear(num_hiddens_2),
                nn.ReLU(),
                nn.Dropout(dropout_2),
                nn.LazyLinear(num_outputs),
            )

    model = DropoutMLP(**hparams)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_6_4() -> None:
    """6.4 Lazy Initialization."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))

    show(net[0].weight)

    X = torch.rand(2, 20)
    net(X)

    show(net[0].weight.shape)

    @d2l.add_to_class(d2l.Module)  # @save
    def apply_init(self, inputs, init=None):
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


def sec_6_5() -> None:
    """6.5 Custom Layers."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn
    from torch.nn import functional as F

    class CenteredLayer(nn.Module):
        def __init__(self):
            super().__init__()

        def forward(self, X):
            return X - X.mean()

    layer = CenteredLayer()
    show(layer(d2l.tensor([1.0, 2, 3, 4, 5])))

    net = nn.Sequential(nn.LazyLinear(128), CenteredLayer())

    Y = net(d2l.rand(4, 8))
    show(Y.mean())

    class MyLinear(nn.Module):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(in_units, units))
            self.bias = nn.Parameter(
                torch.randn(
                    units,
                )
            )

        def forward(self, X):
            linear = torch.matmul(X, self.weight.data) + self.bias.data
            return F.relu(linear)

    linear = MyLinear(5, 3)
    show(linear.weight)

    show(linear(torch.rand(2, 5)))

    net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    show(net(torch.rand(2, 64)))


def sec_6_7() -> None:
    """6.7 GPUs."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def cpu():  # @save
        """Get the CPU device."""
        return torch.device("cpu")

    def gpu(i=0):  # @save
        """Get a GPU device."""
        return torch.device(f"cuda:{i}")

    show((cpu(), gpu(), gpu(1)))

    def num_gpus():  # @save
        """Get the number of available GPUs."""
        return torch.cuda.device_count()

    show(num_gpus())

    def try_gpu(i=0):  # @save
        """Return gpu(i) if exists, otherwise return cpu()."""
        if num_gpus() >= i + 1:
            return gpu(i)
        return cpu()

    def try_all_gpus():  # @save
        """Return all available GPUs, or [cpu(),] if no GPU exists."""
        return [gpu(i) for i in range(num_gpus())]

    show((try_gpu(), try_gpu(10), try_all_gpus()))

    x = torch.tensor([1, 2, 3])
    show(x.device)

    X = torch.ones(2, 3, device=try_gpu())
    show(X)

    Y = torch.rand(2, 3, device=try_gpu(1))
    show(Y)

    if torch.cuda.device_count() >= 2:  # SKIP: these cells need two GPUs
        Z = X.cuda(1)
        print(X)
        print(Z)

        show(Y + Z)

        show(Z.cuda(1) is Z)

    net = nn.Sequential(nn.LazyLinear(1))
    net = net.to(device=try_gpu())

    show(net(X))

    show(net[0].weight.data.device)

    @d2l.add_to_class(d2l.Trainer)  # @save
    def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
        self.save_hyperparameters()
        self.gpus = [d2l.gpu(i) for i in range(min(num_gpus, d2l.num_gpus()))]

    @d2l.add_to_class(d2l.Trainer)  # @save
    def prepare_batch(self, batch):
        if self.gpus:
            batch = [d2l.to(a, self.gpus[0]) for a in batch]
        return batch

    @d2l.add_to_class(d2l.Trainer)  # @save
    def prepare_model(self, model):
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if self.gpus:
            model.to(self.gpus[0])
        self.model = model


def sec_7_2() -> None:
    """7.2 Convolutions for Images."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def corr2d(X, K):  # @save
        """Compute 2D cross-correlation."""
        h, w = K.shape
        Y = d2l.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = d2l.reduce_sum((X[i : i + h, j : j + w] * K))
        return Y

    X = d2l.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = d2l.tensor([[0.0, 1.0], [2.0, 3.0]])
    show(corr2d(X, K))

    class Conv2D(nn.Module):
        def __init__(self, kernel_size):
            super().__init__()
            self.weight = nn.Parameter(torch.rand(kernel_size))
            self.bias = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return corr2d(x, self.weight) + self.bias

    X = d2l.ones((6, 8))
    X[:, 2:6] = 0
    show(X)

    K = d2l.tensor([[1.0, -1.0]])

    Y = corr2d(X, K)
    show(Y)

    show(corr2d(d2l.transpose(X), K))

    # Construct a two-dimensional convolutional layer with 1 output channel and a
    # kernel of shape (1, 2). For the sake of simplicity, we ignore the bias here
    conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)

    # The two-dimensional convolutional layer uses four-dimensional input and
    # output in the format of (example, channel, height, width), where the batch
    # size (number of examples in the batch) and the number of channels are both 1
    X = X.reshape((1, 1, 6, 8))
    Y = Y.reshape((1, 1, 6, 7))
    lr = 3e-2  # Learning rate

    for i in range(10):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        # Update the kernel
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        if (i + 1) % 2 == 0:
            print(f"epoch {i + 1}, loss {l.sum():.3f}")

    show(d2l.reshape(conv2d.weight.data, (1, 2)))


def sec_7_4() -> None:
    """7.4 Multiple Input and Multiple Output Channels."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch

    def corr2d_multi_in(X, K):
        # Iterate through the 0th dimension (channel) of K first, then add them up
        return sum(d2l.corr2d(x, k) for x, k in zip(X, K))

    X = d2l.tensor(
        [
            [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
            [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        ]
    )
    K = d2l.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])

    show(corr2d_multi_in(X, K))

    def corr2d_multi_in_out(X, K):
        # Iterate through the 0th dimension of K, and each time, perform
        # cross-correlation operations with input X. All of the results are
        # stacked together
        return d2l.stack([corr2d_multi_in(X, k) for k in K], 0)

    K = d2l.stack((K, K + 1, K + 2), 0)
    show(K.shape)

    show(corr2d_multi_in_out(X, K))

    def corr2d_multi_in_out_1x1(X, K):
        c_i, h, w = X.shape
        c_o = K.shape[0]
        X = d2l.reshape(X, (c_i, h * w))
        K = d2l.reshape(K, (c_o, c_i))
        # Matrix multiplication in the fully connected layer
        Y = d2l.matmul(K, X)
        return d2l.reshape(Y, (c_o, h, w))

    X = d2l.normal(0, 1, (3, 3, 3))
    K = d2l.normal(0, 1, (2, 3, 1, 1))
    Y1 = corr2d_multi_in_out_1x1(X, K)
    Y2 = corr2d_multi_in_out(X, K)
    assert float(d2l.reduce_sum(d2l.abs(Y1 - Y2))) < 1e-6


def sec_7_5() -> None:
    """7.5 Pooling."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def pool2d(X, pool_size, mode="max"):
        p_h, p_w = pool_size
        Y = d2l.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                if mode == "max":
                    Y[i, j] = X[i : i + p_h, j : j + p_w].max()
                elif mode == "avg":
                    Y[i, j] = X[i : i + p_h, j : j + p_w].mean()
        return Y

    X = d2l.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    show(pool2d(X, (2, 2)))

    show(pool2d(X, (2, 2), "avg"))

    X = d2l.reshape(d2l.arange(16, dtype=d2l.float32), (1, 1, 4, 4))
    show(X)

    pool2d = nn.MaxPool2d(3)
    # Pooling has no model parameters, hence it needs no initialization
    show(pool2d(X))

    pool2d = nn.MaxPool2d(3, padding=1, stride=2)
    show(pool2d(X))

    pool2d = nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))
    show(pool2d(X))

    X = d2l.concat((X, X + 1), 1)
    show(X)

    pool2d = nn.MaxPool2d(3, padding=1, stride=2)
    show(pool2d(X))


def sec_7_6() -> None:
    """7.6 Convolutional Neural Networks (LeNet)."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def init_cnn(module):  # @save
        """Initialize weights for CNNs."""
        if type(module) == nn.Linear or type(module) == nn.Conv2d:
            nn.init.xavier_uniform_(module.weight)

    class LeNet(d2l.Classifier):  # @save
        """The LeNet-5 model."""

        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.LazyConv2d(6, kernel_size=5, padding=2),
                nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.LazyConv2d(16, kernel_size=5),
                nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.Flatten(),
                nn.LazyLinear(120),
                nn.Sigmoid(),
                nn.LazyLinear(84),
                nn.Sigmoid(),
                nn.LazyLinear(num_classes),
            )

    @d2l.add_to_class(d2l.Classifier)  # @save
    def layer_summary(self, X_shape):
        X = d2l.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, "output shape:\t", X.shape)

    model = LeNet()
    model.layer_summary((1, 1, 28, 28))

    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128)
    data = few(data)  # CUT: a few batches per epoch
    model = LeNet(lr=0.1)
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_1() -> None:
    """8.1 Deep Convolutional Neural Networks (AlexNet)."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    class AlexNet(d2l.Classifier):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.LazyConv2d(96, kernel_size=11, stride=4, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.LazyConv2d(256, kernel_size=5, padding=2),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.LazyConv2d(384, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.LazyConv2d(384, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.LazyConv2d(256, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Flatten(),
                nn.LazyLinear(4096),
                nn.ReLU(),
                nn.Dropout(p=0.5),
                nn.LazyLinear(4096),
                nn.ReLU(),
                nn.Dropout(p=0.5),
                nn.LazyLinear(num_classes),
            )
            self.net.apply(d2l.init_cnn)

    AlexNet().layer_summary((1, 1, 224, 224))

    model = AlexNet(lr=0.01)
    data = d2l.FashionMNIST(batch_size=128, resize=(224, 224))
    data = few(data)  # CUT: a few batches per epoch
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_2() -> None:
    """8.2 Networks Using Blocks (VGG)."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def vgg_block(num_convs, out_channels):
        layers = []
        for _ in range(num_convs):
            layers.append(
                nn.LazyConv2d(out_channels, kernel_size=3, padding=1)
            )
            layers.append(nn.ReLU())
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        return nn.Sequential(*layers)

    class VGG(d2l.Classifier):
        def __init__(self, arch, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            conv_blks = []
            for num_convs, out_channels in arch:
                conv_blks.append(vgg_block(num_convs, out_channels))
            self.net = nn.Sequential(
                *conv_blks,
                nn.Flatten(),
                nn.LazyLinear(4096),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.LazyLinear(4096),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.LazyLinear(num_classes),
            )
            self.net.apply(d2l.init_cnn)

    VGG(arch=((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))).layer_summary(
        (1, 1, 224, 224)
    )

    model = VGG(arch=((1, 16), (1, 32), (2, 64), (2, 128), (2, 128)), lr=0.01)
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128, resize=(224, 224))
    data = few(data)  # CUT: a few batches per epoch
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_3() -> None:
    """8.3 Network in Network (NiN)."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def nin_block(out_channels, kernel_size, strides, padding):
        return nn.Sequential(
            nn.LazyConv2d(out_channels, kernel_size, strides, padding),
            nn.ReLU(),
            nn.LazyConv2d(out_channels, kernel_size=1),
            nn.ReLU(),
            nn.LazyConv2d(out_channels, kernel_size=1),
            nn.ReLU(),
        )

    class NiN(d2l.Classifier):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nin_block(96, kernel_size=11, strides=4, padding=0),
                nn.MaxPool2d(3, stride=2),
                nin_block(256, kernel_size=5, strides=1, padding=2),
                nn.MaxPool2d(3, stride=2),
                nin_block(384, kernel_size=3, strides=1, padding=1),
                nn.MaxPool2d(3, stride=2),
                nn.Dropout(0.5),
                nin_block(num_classes, kernel_size=3, strides=1, padding=1),
                nn.AdaptiveAvgPool2d((1, 1)),
                nn.Flatten(),
            )
            self.net.apply(d2l.init_cnn)

    NiN().layer_summary((1, 1, 224, 224))

    model = NiN(lr=0.05)
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128, resize=(224, 224))
    data = few(data)  # CUT: a few batches per epoch
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_4() -> None:
    """8.4 Multi-Branch Networks (GoogLeNet)."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Inception(nn.Module):
        # c1--c4 are the number of output channels for each branch
        def __init__(self, c1, c2, c3, c4, **kwargs):
            super(Inception, self).__init__(**kwargs)
            # Branch 1
            self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
            # Branch 2
            self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
            self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
            # Branch 3
            self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
            self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
            # Branch 4
            self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
            self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

        def forward(self, x):
            b1 = F.relu(self.b1_1(x))
            b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
            b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
            b4 = F.relu(self.b4_2(self.b4_1(x)))
            return torch.cat((b1, b2, b3, b4), dim=1)

    class GoogleNet(d2l.Classifier):
        def b1(self):
            return nn.Sequential(
                nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )

    @d2l.add_to_class(GoogleNet)
    def b2(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=1),
            nn.ReLU(),
            nn.LazyConv2d(192, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )

    @d2l.add_to_class(GoogleNet)
    def b3(self):
        return nn.Sequential(
            Inception(64, (96, 128), (16, 32), 32),
            Inception(128, (128, 192), (32, 96), 64),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )

    @d2l.add_to_class(GoogleNet)
    def b4(self):
        return nn.Sequential(
            Inception(192, (96, 208), (16, 48), 64),
            Inception(160, (112, 224), (24, 64), 64),
            Inception(128, (128, 256), (24, 64), 64),
            Inception(112, (144, 288), (32, 64), 64),
            Inception(256, (160, 320), (32, 128), 128),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )

    @d2l.add_to_class(GoogleNet)
    def b5(self):
        return nn.Sequential(
            Inception(256, (160, 320), (32, 128), 128),
            Inception(384, (192, 384), (48, 128), 128),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
        )

    @d2l.add_to_class(GoogleNet)
    def __init__(self, lr=0.1, num_classes=10):
        super(GoogleNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            self.b1(),
            self.b2(),
            self.b3(),
            self.b4(),
            self.b5(),
            nn.LazyLinear(num_classes),
        )
        self.net.apply(d2l.init_cnn)

    model = GoogleNet().layer_summary((1, 1, 96, 96))

    model = GoogleNet(lr=0.01)
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128, resize=(96, 96))
    data = few(data)  # CUT: a few batches per epoch
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_5() -> None:
    """8.5 Batch Normalization."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
        # Use is_grad_enabled to determine whether we are in training mode
        if not torch.is_grad_enabled():
            # In prediction mode, use mean and variance obtained by moving average
            X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
        else:
            assert len(X.shape) in (2, 4)
            if len(X.shape) == 2:
                # When using a fully connected layer, calculate the mean and
                # variance on the feature dimension
                mean = X.mean(dim=0)
                var = ((X - mean) ** 2).mean(dim=0)
            else:
                # When using a two-dimensional convolutional layer, calculate the
                # mean and variance on the channel dimension (axis=1). Here we
                # need to maintain the shape of X, so that the broadcasting
                # operation can be carried out later
                mean = X.mean(dim=(0, 2, 3), keepdim=True)
                var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
            # In training mode, the current mean and variance are used
            X_hat = (X - mean) / torch.sqrt(var + eps)
            # Update the mean and variance using moving average
            moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
            moving_var = (1.0 - momentum) * moving_var + momentum * var
        Y = gamma * X_hat + beta  # Scale and shift
        return Y, moving_mean.data, moving_var.data

    class BatchNorm(nn.Module):
        # num_features: the number of outputs for a fully connected layer or the
        # number of output channels for a convolutional layer. num_dims: 2 for a
        # fully connected layer and 4 for a convolutional layer
        def __init__(self, num_features, num_dims):
            super().__init__()
            if num_dims == 2:
                shape = (1, num_features)
            else:
                shape = (1, num_features, 1, 1)
            # The scale parameter and the shift parameter (model parameters) are
            # initialized to 1 and 0, respectively
            self.gamma = nn.Parameter(torch.ones(shape))
            self.beta = nn.Parameter(torch.zeros(shape))
            # The variables that are not model parameters are initialized to 0 and
            # 1
            self.moving_mean = torch.zeros(shape)
            self.moving_var = torch.ones(shape)

        def forward(self, X):
            # If X is not on the main memory, copy moving_mean and moving_var to
            # the device where X is located
            if self.moving_mean.device != X.device:
                self.moving_mean = self.moving_mean.to(X.device)
                self.moving_var = self.moving_var.to(X.device)
            # Save the updated moving_mean and moving_var
            Y, self.moving_mean, self.moving_var = batch_norm(
                X,
                self.gamma,
                self.beta,
                self.moving_mean,
                self.moving_var,
                eps=1e-5,
                momentum=0.1,
            )
            return Y

    class BNLeNetScratch(d2l.Classifier):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.LazyConv2d(6, kernel_size=5),
                BatchNorm(6, num_dims=4),
                nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.LazyConv2d(16, kernel_size=5),
                BatchNorm(16, num_dims=4),
                nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.Flatten(),
                nn.LazyLinear(120),
                BatchNorm(120, num_dims=2),
                nn.Sigmoid(),
                nn.LazyLinear(84),
                BatchNorm(84, num_dims=2),
                nn.Sigmoid(),
                nn.LazyLinear(num_classes),
            )

    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128)
    data = few(data)  # CUT: a few batches per epoch
    model = BNLeNetScratch(lr=0.1)
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    show((model.net[1].gamma.reshape((-1,)), model.net[1].beta.reshape((-1,))))

    class BNLeNet(d2l.Classifier):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.LazyConv2d(6, kernel_size=5),
                nn.LazyBatchNorm2d(),
                nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.LazyConv2d(16, kernel_size=5),
                nn.LazyBatchNorm2d(),
                nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.Flatten(),
                nn.LazyLinear(120),
                nn.LazyBatchNorm1d(),
                nn.Sigmoid(),
                nn.LazyLinear(84),
                nn.LazyBatchNorm1d(),
                nn.Sigmoid(),
                nn.LazyLinear(num_classes),
            )

    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128)
    data = few(data)  # CUT: a few batches per epoch
    model = BNLeNet(lr=0.1)
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_6() -> None:
    """8.6 Residual Networks (ResNet) and ResNeXt."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Residual(nn.Module):  # @save
        """The Residual block of ResNet models."""

        def __init__(self, num_channels, use_1x1conv=False, strides=1):
            super().__init__()
            self.conv1 = nn.LazyConv2d(
                num_channels, kernel_size=3, padding=1, stride=strides
            )
            self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
            if use_1x1conv:
                self.conv3 = nn.LazyConv2d(
                    num_channels, kernel_size=1, stride=strides
                )
            else:
                self.conv3 = None
            self.bn1 = nn.LazyBatchNorm2d()
            self.bn2 = nn.LazyBatchNorm2d()

        def forward(self, X):
            Y = F.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3:
                X = self.conv3(X)
            Y += X
            return F.relu(Y)

    blk = Residual(3)
    X = d2l.randn(4, 3, 6, 6)
    show(blk(X).shape)

    blk = Residual(6, use_1x1conv=True, strides=2)
    show(blk(X).shape)

    class ResNet(d2l.Classifier):
        def b1(self):
            return nn.Sequential(
                nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
                nn.LazyBatchNorm2d(),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )

    @d2l.add_to_class(ResNet)
    def block(self, num_residuals, num_channels, first_block=False):
        blk = []
        for i in range(num_residuals):
            if i == 0 and not first_block:
                blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
            else:
                blk.append(Residual(num_channels))
        return nn.Sequential(*blk)

    @d2l.add_to_class(ResNet)
    def __init__(self, arch, lr=0.1, num_classes=10):
        super(ResNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.b1())
        for i, b in enumerate(arch):
            self.net.add_module(
                f"b{i + 2}", self.block(*b, first_block=(i == 0))
            )
        self.net.add_module(
            "last",
            nn.Sequential(
                nn.AdaptiveAvgPool2d((1, 1)),
                nn.Flatten(),
                nn.LazyLinear(num_classes),
            ),
        )
        self.net.apply(d2l.init_cnn)

    # %%tab jax
    @d2l.add_to_class(ResNet)
    def create_net(self):
        net = nn.Sequential([self.b1()])
        for i, b in enumerate(self.arch):
            net.layers.extend([self.block(*b, first_block=(i == 0))])
        net.layers.extend(
            [
                nn.Sequential(
                    [
                        # Flax does not provide a GlobalAvg2D layer
                        lambda x: nn.avg_pool(
                            x,
                            window_shape=x.shape[1:3],
                            strides=x.shape[1:3],
                            padding="valid",
                        ),
                        lambda x: x.reshape((x.shape[0], -1)),
                        nn.Dense(self.num_classes),
                    ]
                )
            ]
        )
        return net

    class ResNet18(ResNet):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__(
                ((2, 64), (2, 128), (2, 256), (2, 512)), lr, num_classes
            )

    ResNet18().layer_summary((1, 1, 96, 96))

    model = ResNet18(lr=0.01)
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128, resize=(96, 96))
    data = few(data)  # CUT: a few batches per epoch
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn

    class ResNeXtBlock(nn.Module):  # @save
        """The ResNeXt block."""

        def __init__(
            self, num_channels, groups, bot_mul, use_1x1conv=False, strides=1
        ):
            super().__init__()
            bot_channels = int(round(num_channels * bot_mul))
            self.conv1 = nn.LazyConv2d(bot_channels, kernel_size=1, stride=1)
            self.conv2 = nn.LazyConv2d(
                bot_channels,
                kernel_size=3,
                stride=strides,
                padding=1,
                groups=bot_channels // groups,
            )
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=1)
            self.bn1 = nn.LazyBatchNorm2d()
            self.bn2 = nn.LazyBatchNorm2d()
            self.bn3 = nn.LazyBatchNorm2d()
            if use_1x1conv:
                self.conv4 = nn.LazyConv2d(
                    num_channels, kernel_size=1, stride=strides
                )
                self.bn4 = nn.LazyBatchNorm2d()
            else:
                self.conv4 = None

        def forward(self, X):
            Y = F.relu(self.bn1(self.conv1(X)))
            Y = F.relu(self.bn2(self.conv2(Y)))
            Y = self.bn3(self.conv3(Y))
            if self.conv4:
                X = self.bn4(self.conv4(X))
            return F.relu(Y + X)

    blk = ResNeXtBlock(32, 16, 1)
    X = d2l.randn(4, 32, 96, 96)
    show(blk(X).shape)


def sec_8_7() -> None:
    """8.7 Densely Connected Networks (DenseNet)."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn

    def conv_block(num_channels):
        return nn.Sequential(
            nn.LazyBatchNorm2d(),
            nn.ReLU(),
            nn.LazyConv2d(num_channels, kernel_size=3, padding=1),
        )

    class DenseBlock(nn.Module):
        def __init__(self, num_convs, num_channels):
            super(DenseBlock, self).__init__()
            layer = []
            for i in range(num_convs):
                layer.append(conv_block(num_channels))
            self.net = nn.Sequential(*layer)

        def forward(self, X):
            for blk in self.net:
                Y = blk(X)
                # Concatenate input and output of each block along the channels
                X = torch.cat((X, Y), dim=1)
            return X

    blk = DenseBlock(2, 10)
    X = torch.randn(4, 3, 8, 8)
    Y = blk(X)
    show(Y.shape)

    def transition_block(num_channels):
        return nn.Sequential(
            nn.LazyBatchNorm2d(),
            nn.ReLU(),
            nn.LazyConv2d(num_channels, kernel_size=1),
            nn.AvgPool2d(kernel_size=2, stride=2),
        )

    blk = transition_block(10)
    show(blk(Y).shape)

    class DenseNet(d2l.Classifier):
        def b1(self):
            return nn.Sequential(
                nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
                nn.LazyBatchNorm2d(),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )

    @d2l.add_to_class(DenseNet)
    def __init__(
        self,
        num_channels=64,
        growth_rate=32,
        arch=(4, 4, 4, 4),
        lr=0.1,
        num_classes=10,
    ):
        super(DenseNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.b1())
        for i, num_convs in enumerate(arch):
            self.net.add_module(
                f"dense_blk{i + 1}", DenseBlock(num_convs, growth_rate)
            )
            # The number of output channels in the previous dense block
            num_channels += num_convs * growth_rate
            # A transition layer that halves the number of channels is added
            # between the dense blocks
            if i != len(arch) - 1:
                num_channels //= 2
                self.net.add_module(
                    f"tran_blk{i + 1}", transition_block(num_channels)
                )
        self.net.add_module(
            "last",
            nn.Sequential(
                nn.LazyBatchNorm2d(),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d((1, 1)),
                nn.Flatten(),
                nn.LazyLinear(num_classes),
            ),
        )
        self.net.apply(d2l.init_cnn)

    model = DenseNet(lr=0.01)
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128, resize=(96, 96))
    data = few(data)  # CUT: a few batches per epoch
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


def sec_8_8() -> None:
    """8.8 Designing Convolution Network Architectures."""
    from d2lite import d2l1 as d2l  # d2l: from d2l import torch as d2l
    import torch
    from torch import nn
    from torch.nn import functional as F

    class AnyNet(d2l.Classifier):
        def stem(self, num_channels):
            return nn.Sequential(
                nn.LazyConv2d(
                    num_channels, kernel_size=3, stride=2, padding=1
                ),
                nn.LazyBatchNorm2d(),
                nn.ReLU(),
            )

    @d2l.add_to_class(AnyNet)
    def stage(self, depth, num_channels, groups, bot_mul):
        blk = []
        for i in range(depth):
            if i == 0:
                blk.append(
                    d2l.ResNeXtBlock(
                        num_channels,
                        groups,
                        bot_mul,
                        use_1x1conv=True,
                        strides=2,
                    )
                )
            else:
                blk.append(d2l.ResNeXtBlock(num_channels, groups, bot_mul))
        return nn.Sequential(*blk)

    @d2l.add_to_class(AnyNet)
    def __init__(self, arch, stem_channels, lr=0.1, num_classes=10):
        super(AnyNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.stem(stem_channels))
        for i, s in enumerate(arch):
            self.net.add_module(f"stage{i + 1}", self.stage(*s))
        self.net.add_module(
            "head",
            nn.Sequential(
                nn.AdaptiveAvgPool2d((1, 1)),
                nn.Flatten(),
                nn.LazyLinear(num_classes),
            ),
        )
        self.net.apply(d2l.init_cnn)

    class RegNetX32(AnyNet):
        def __init__(self, lr=0.1, num_classes=10):
            stem_channels, groups, bot_mul = 32, 16, 1
            depths, channels = (4, 6), (32, 80)
            super().__init__(
                (
                    (depths[0], channels[0], groups, bot_mul),
                    (depths[1], channels[1], groups, bot_mul),
                ),
                stem_channels,
                lr,
                num_classes,
            )

    RegNetX32().layer_summary((1, 1, 96, 96))

    model = RegNetX32(lr=0.05)
    trainer = d2l.Trainer(
        max_epochs=ARGS.epochs, num_gpus=1
    )  # CUT: max_epochs=10
    data = d2l.FashionMNIST(batch_size=128, resize=(96, 96))
    data = few(data)  # CUT: a few batches per epoch
    trainer.fit(model, data)
    report(model)  # TEST: print the last points drawn


SECTIONS = {
    name.removeprefix("sec_").replace("_", "."): function
    for name, function in dict(globals()).items()
    if name.startswith("sec_")
}
NEEDS_TORCHVISION_FILES = {"4.2"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"sections to run (default all: {', '.join(SECTIONS)})",
    )
    p.add_argument(
        "--batches", type=int, default=2, help="training batches per epoch"
    )
    p.add_argument(
        "--val-batches",
        type=int,
        default=1,
        help="validation batches per epoch",
    )
    p.add_argument(
        "--epochs", type=int, default=1, help="max_epochs (d2l trains 10)"
    )
    p.add_argument(
        "--max-examples",
        type=int,
        default=None,
        help="cut every batch to this many examples (default: d2l's sizes)",
    )
    args = p.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        p.error(
            f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}"
        )
    for name in ("batches", "val_batches", "epochs", "max_examples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    for name in ("batches", "val_batches", "epochs", "max_examples"):
        setattr(ARGS, name, getattr(args, name))
    import matplotlib.pyplot as plt

    for name in args.sections or list(SECTIONS):
        torch.manual_seed(0)
        title = SECTIONS[name].__doc__.split(" ", 1)[1]
        print(f"== {name} {title}", flush=True)
        tic = time.perf_counter()
        files = name in NEEDS_TORCHVISION_FILES
        with (
            fresh_d2l1(),
            torchvision_files() if files else contextlib.nullcontext(),
        ):
            SECTIONS[name]()
        plt.close("all")
        print(
            f"== {name} done in {time.perf_counter() - tic:.1f} sec",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
