"""d2l-zh 2.0's PyTorch chapter code, 3.5 to 7.7, run on ``from d2lite import d2l``.

A d2l-style program written for this project: each function below walks
through one section the way the book's code does (d2l's names, arguments
and recipes: batch sizes, ``resize``, learning rates), with the one changed
import line. To run in seconds instead of hours it trains on the first
``--batches`` batches of every epoch and evaluates on the first
``--test-batches`` (the only line a d2l reader would not write is the
``few(...)`` around the loaders), for ``--epochs`` epochs instead of 10;
``--max-examples`` also cuts every batch short (the test uses 32, so the
modern CNNs train at d2l's ``resize`` in seconds).

Run from the repository root (tests/test_d2l.py runs it)::

    .venv/bin/python tests/d2l_chapters.py                 # every section
    .venv/bin/python tests/d2l_chapters.py 6.6 7.6 --batches 5
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from d2lite import d2l  # noqa: E402  (d2l's line was: from d2l import torch as d2l)

ARGS = argparse.Namespace(
    batches=2, test_batches=1, epochs=1, max_examples=None
)


class Few:
    """The first ``n`` batches of a loader, re-iterable, with ``len``;
    each cut to its first ``m`` examples if ``m`` is given."""

    def __init__(self, loader: Any, n: int, m: int | None = None) -> None:
        self.loader, self.n, self.m = loader, min(n, len(loader)), m

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Any]:
        for X, y in itertools.islice(iter(self.loader), self.n):
            yield (X, y) if self.m is None else (X[: self.m], y[: self.m])


def few(train_iter: Any, test_iter: Any) -> tuple[Few, Few]:
    """A few batches of each loader (the test glue of this program)."""
    m = ARGS.max_examples
    return Few(train_iter, ARGS.batches, m), Few(
        test_iter, ARGS.test_batches, m
    )


def print_shapes(net: nn.Module, X: torch.Tensor) -> None:
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, "output shape:\t", X.shape)


# ------------------------------------------------------------ chapter 3


def sec_3_5() -> None:
    """3.5 The image classification data set."""
    d2l.use_svg_display()
    train_iter, test_iter = d2l.load_data_fashion_mnist(18)
    X, y = next(iter(train_iter))
    d2l.show_images(
        X.reshape(18, 28, 28), 2, 9, titles=d2l.get_fashion_mnist_labels(y)
    )
    d2l.plt.close("all")
    batch_size = 256
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    timer = d2l.Timer()
    for X, y in train_iter:  # noqa: B007 (d2l's timing loop)
        continue
    print(f"{timer.stop():.2f} sec")
    print(d2l.get_dataloader_workers() >= 1)
    train_iter, test_iter = d2l.load_data_fashion_mnist(32, resize=64)
    for X, y in train_iter:
        print(X.shape, X.dtype, y.shape, y.dtype)
        break


def sec_3_6() -> None:
    """3.6 Softmax regression from scratch."""
    batch_size = 256
    train_iter, test_iter = few(*d2l.load_data_fashion_mnist(batch_size))
    num_inputs, num_outputs = 784, 10
    W = torch.normal(
        0, 0.01, size=(num_inputs, num_outputs), requires_grad=True
    )
    b = torch.zeros(num_outputs, requires_grad=True)

    def softmax(X):
        X_exp = torch.exp(X)
        partition = X_exp.sum(1, keepdim=True)
        return X_exp / partition

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[range(len(y_hat)), y])

    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    print(cross_entropy(y_hat, y))
    print(d2l.accuracy(y_hat, y) / len(y))
    print(0.0 <= d2l.evaluate_accuracy(net, test_iter) <= 1.0)
    lr = 0.1

    def updater(batch_size):
        return d2l.sgd([W, b], lr, batch_size)

    num_epochs = ARGS.epochs
    d2l.train_ch3(
        net, train_iter, test_iter, cross_entropy, num_epochs, updater
    )
    d2l.predict_ch3(net, test_iter)
    d2l.plt.close("all")
    # the chapter's own Animator draws on pyplot axes set up by d2l.set_axes
    fig, axes = d2l.plt.subplots(1, 1, figsize=(3.5, 2.5))
    d2l.set_axes(
        axes,
        "epoch",
        None,
        [1, 10],
        [0.3, 0.9],
        "linear",
        "linear",
        ["train loss", "train acc", "test acc"],
    )
    d2l.plt.close(fig)


def init_weights(m: nn.Module) -> None:
    if type(m) == nn.Linear:  # noqa: E721  (d2l's test)
        nn.init.normal_(m.weight, std=0.01)


def sec_3_7() -> None:
    """3.7 Concise softmax regression."""
    batch_size = 256
    train_iter, test_iter = few(*d2l.load_data_fashion_mnist(batch_size))
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    net.apply(init_weights)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    num_epochs = ARGS.epochs
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)


# ------------------------------------------------------------ chapter 4


def sec_4_1() -> None:
    """4.1 Multilayer perceptrons: the activation plots."""
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.relu(x)
    d2l.plot(x.detach(), y.detach(), "x", "relu(x)", figsize=(5, 2.5))
    y.backward(torch.ones_like(x), retain_graph=True)
    d2l.plot(x.detach(), x.grad, "x", "grad of relu", figsize=(5, 2.5))
    y = torch.sigmoid(x)
    d2l.plot(x, [y, torch.tanh(x)], "x", "y", legend=["sigmoid", "tanh"])
    d2l.plt.close("all")


def sec_4_2() -> None:
    """4.2 Multilayer perceptrons from scratch."""
    batch_size = 256
    train_iter, test_iter = few(*d2l.load_data_fashion_mnist(batch_size))
    num_inputs, num_outputs, num_hiddens = 784, 10, 256
    W1 = nn.Parameter(
        torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01
    )
    b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
    W2 = nn.Parameter(
        torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01
    )
    b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))
    params = [W1, b1, W2, b2]

    def relu(X):
        a = torch.zeros_like(X)
        return torch.max(X, a)

    def net(X):
        X = X.reshape((-1, num_inputs))
        H = relu(X @ W1 + b1)
        return H @ W2 + b2

    loss = nn.CrossEntropyLoss(reduction="none")
    num_epochs, lr = ARGS.epochs, 0.1
    updater = torch.optim.SGD(params, lr=lr)
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
    d2l.predict_ch3(net, test_iter)
    d2l.plt.close("all")


def sec_4_3() -> None:
    """4.3 Concise multilayer perceptrons."""
    net = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    net.apply(init_weights)
    batch_size, lr, num_epochs = 256, 0.1, ARGS.epochs
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    train_iter, test_iter = few(*d2l.load_data_fashion_mnist(batch_size))
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)


def sec_4_6() -> None:
    """4.6 Dropout, from scratch and concise."""

    def dropout_layer(X, dropout):
        assert 0 <= dropout <= 1
        if dropout == 1:
            return torch.zeros_like(X)
        if dropout == 0:
            return X
        mask = (torch.rand(X.shape) > dropout).float()
        return mask * X / (1.0 - dropout)

    X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
    print(X)
    print(dropout_layer(X, 0.0))
    print(dropout_layer(X, 1.0))
    num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 784, 10, 256, 256
    dropout1, dropout2 = 0.2, 0.5

    class Net(nn.Module):
        def __init__(
            self,
            num_inputs,
            num_outputs,
            num_hiddens1,
            num_hiddens2,
            is_training=True,
        ):
            super().__init__()
            self.num_inputs = num_inputs
            self.training = is_training
            self.lin1 = nn.Linear(num_inputs, num_hiddens1)
            self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
            self.lin3 = nn.Linear(num_hiddens2, num_outputs)
            self.relu = nn.ReLU()

        def forward(self, X):
            H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
            if self.training:
                H1 = dropout_layer(H1, dropout1)
            H2 = self.relu(self.lin2(H1))
            if self.training:
                H2 = dropout_layer(H2, dropout2)
            return self.lin3(H2)

    net = Net(num_inputs, num_outputs, num_hiddens1, num_hiddens2)
    num_epochs, lr, batch_size = ARGS.epochs, 0.5, 256
    loss = nn.CrossEntropyLoss(reduction="none")
    train_iter, test_iter = few(*d2l.load_data_fashion_mnist(batch_size))
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256),
        nn.ReLU(),
        nn.Dropout(dropout1),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Dropout(dropout2),
        nn.Linear(256, 10),
    )
    net.apply(init_weights)
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)


# ------------------------------------------------------------ chapter 6


def sec_6_2() -> None:
    """6.2 Convolutions for images."""
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    print(d2l.corr2d(X, K))

    class Conv2D(nn.Module):
        def __init__(self, kernel_size):
            super().__init__()
            self.weight = nn.Parameter(torch.rand(kernel_size))
            self.bias = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return d2l.corr2d(x, self.weight) + self.bias

    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    print(X)
    K = torch.tensor([[1.0, -1.0]])
    Y = d2l.corr2d(X, K)
    print(Y)
    print(d2l.corr2d(X.t(), K))
    print(Conv2D((1, 2))(X).shape)
    conv2d = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    X = X.reshape((1, 1, 6, 8))
    Y = Y.reshape((1, 1, 6, 7))
    lr = 3e-2
    for i in range(10):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        if (i + 1) % 2 == 0:
            print(f"epoch {i + 1}, loss {l.sum():.3f}")
    print(conv2d.weight.data.reshape((1, 2)).shape)


def sec_6_3() -> None:
    """6.3 Padding and stride."""

    def comp_conv2d(conv2d, X):
        X = X.reshape((1, 1) + X.shape)
        Y = conv2d(X)
        return Y.reshape(Y.shape[2:])

    X = torch.rand(size=(8, 8))
    print(comp_conv2d(nn.Conv2d(1, 1, kernel_size=3, padding=1), X).shape)
    print(
        comp_conv2d(
            nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1)), X
        ).shape
    )
    print(
        comp_conv2d(
            nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2), X
        ).shape
    )
    conv2d = nn.Conv2d(1, 1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))
    print(comp_conv2d(conv2d, X).shape)


def sec_6_4() -> None:
    """6.4 Multiple input and output channels."""

    def corr2d_multi_in(X, K):
        return sum(d2l.corr2d(x, k) for x, k in zip(X, K))

    X = torch.tensor(
        [
            [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
            [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        ]
    )
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    print(corr2d_multi_in(X, K))

    def corr2d_multi_in_out(X, K):
        return torch.stack([corr2d_multi_in(X, k) for k in K], 0)

    K = torch.stack((K, K + 1, K + 2), 0)
    print(K.shape)
    print(corr2d_multi_in_out(X, K))

    def corr2d_multi_in_out_1x1(X, K):
        c_i, h, w = X.shape
        c_o = K.shape[0]
        X = X.reshape((c_i, h * w))
        K = K.reshape((c_o, c_i))
        Y = torch.matmul(K, X)
        return Y.reshape((c_o, h, w))

    X = torch.normal(0, 1, (3, 3, 3))
    K = torch.normal(0, 1, (2, 3, 1, 1))
    Y1 = corr2d_multi_in_out_1x1(X, K)
    Y2 = corr2d_multi_in_out(X, K)
    assert float(torch.abs(Y1 - Y2).sum()) < 1e-6


def sec_6_5() -> None:
    """6.5 Pooling."""

    def pool2d(X, pool_size, mode="max"):
        p_h, p_w = pool_size
        Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                if mode == "max":
                    Y[i, j] = X[i : i + p_h, j : j + p_w].max()
                elif mode == "avg":
                    Y[i, j] = X[i : i + p_h, j : j + p_w].mean()
        return Y

    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    print(pool2d(X, (2, 2)))
    print(pool2d(X, (2, 2), "avg"))
    X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
    print(nn.MaxPool2d(3)(X))
    print(nn.MaxPool2d(3, padding=1, stride=2)(X))
    X = torch.cat((X, X + 1), 1)
    print(nn.MaxPool2d(3, padding=1, stride=2)(X))


def sec_6_6() -> None:
    """6.6 LeNet."""
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )
    X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
    print_shapes(net, X)
    batch_size = 256
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size=batch_size)
    )
    print(0.0 <= d2l.evaluate_accuracy_gpu(net, test_iter) <= 1.0)
    metric = d2l.Accumulator(2)
    for X, y in test_iter:
        metric.add(d2l.accuracy(net(X), y), d2l.size(y))
    print(metric[1])
    lr, num_epochs = 0.9, ARGS.epochs
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


# ------------------------------------------------------------ chapter 7


def sec_7_1() -> None:
    """7.1 AlexNet."""
    net = nn.Sequential(
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        nn.Linear(6400, 4096),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 10),
    )
    X = torch.randn(1, 1, 224, 224)
    print_shapes(net, X)
    batch_size = 128
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size, resize=224)
    )
    lr, num_epochs = 0.01, ARGS.epochs
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        )
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(conv_arch):
    conv_blks = []
    in_channels = 1
    for num_convs, out_channels in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *conv_blks,
        nn.Flatten(),
        nn.Linear(out_channels * 7 * 7, 4096),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(4096, 10),
    )


def sec_7_2() -> None:
    """7.2 VGG."""
    conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
    net = vgg(conv_arch)
    X = torch.randn(size=(1, 1, 224, 224))
    with torch.no_grad():
        print_shapes(net, X)
    del net
    ratio = 4
    small_conv_arch = [(pair[0], pair[1] // ratio) for pair in conv_arch]
    net = vgg(small_conv_arch)
    lr, num_epochs, batch_size = 0.05, ARGS.epochs, 128
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size, resize=224)
    )
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
    )


def sec_7_3() -> None:
    """7.3 Network in network."""
    net = nn.Sequential(
        nin_block(1, 96, kernel_size=11, strides=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        nin_block(384, 10, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
    )
    X = torch.rand(size=(1, 1, 224, 224))
    print_shapes(net, X)
    lr, num_epochs, batch_size = 0.1, ARGS.epochs, 128
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size, resize=224)
    )
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
        super().__init__(**kwargs)
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)


def sec_7_4() -> None:
    """7.4 GoogLeNet."""
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b2 = nn.Sequential(
        nn.Conv2d(64, 64, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(64, 192, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b3 = nn.Sequential(
        Inception(192, 64, (96, 128), (16, 32), 32),
        Inception(256, 128, (128, 192), (32, 96), 64),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b4 = nn.Sequential(
        Inception(480, 192, (96, 208), (16, 48), 64),
        Inception(512, 160, (112, 224), (24, 64), 64),
        Inception(512, 128, (128, 256), (24, 64), 64),
        Inception(512, 112, (144, 288), (32, 64), 64),
        Inception(528, 256, (160, 320), (32, 128), 128),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b5 = nn.Sequential(
        Inception(832, 256, (160, 320), (32, 128), 128),
        Inception(832, 384, (192, 384), (48, 128), 128),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
    )
    net = nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))
    X = torch.rand(size=(1, 1, 96, 96))
    print_shapes(net, X)
    lr, num_epochs, batch_size = 0.1, ARGS.epochs, 128
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size, resize=96)
    )
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X,
            self.gamma,
            self.beta,
            self.moving_mean,
            self.moving_var,
            eps=1e-5,
            momentum=0.9,
        )
        return Y


def sec_7_5() -> None:
    """7.5 Batch normalisation, from scratch and concise."""
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5),
        BatchNorm(6, num_dims=4),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        BatchNorm(16, num_dims=4),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120),
        BatchNorm(120, num_dims=2),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        BatchNorm(84, num_dims=2),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )
    lr, num_epochs, batch_size = 1.0, ARGS.epochs, 256
    train_iter, test_iter = few(*d2l.load_data_fashion_mnist(batch_size))
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())
    print(net[1].gamma.reshape((-1,)).shape, net[1].beta.reshape((-1,)).shape)
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5),
        nn.BatchNorm2d(6),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.BatchNorm2d(16),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(256, 120),
        nn.BatchNorm1d(120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.BatchNorm1d(84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


def resnet_block(
    input_channels, num_channels, num_residuals, first_block=False
):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(
                d2l.Residual(
                    input_channels, num_channels, use_1x1conv=True, strides=2
                )
            )
        else:
            blk.append(d2l.Residual(num_channels, num_channels))
    return blk


def sec_7_6() -> None:
    """7.6 ResNet."""
    blk = d2l.Residual(3, 3)
    X = torch.rand(4, 3, 6, 6)
    Y = blk(X)
    print(Y.shape)
    blk = d2l.Residual(3, 6, use_1x1conv=True, strides=2)
    print(blk(X).shape)
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b2 = nn.Sequential(*resnet_block(64, 64, 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(64, 128, 2))
    b4 = nn.Sequential(*resnet_block(128, 256, 2))
    b5 = nn.Sequential(*resnet_block(256, 512, 2))
    net = nn.Sequential(
        b1,
        b2,
        b3,
        b4,
        b5,
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(512, 10),
    )
    X = torch.rand(size=(1, 1, 224, 224))
    print_shapes(net, X)
    lr, num_epochs, batch_size = 0.05, ARGS.epochs, 256
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size, resize=96)
    )
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


def conv_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels),
        nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1),
    )


class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        layer = []
        for i in range(num_convs):
            layer.append(
                conv_block(num_channels * i + input_channels, num_channels)
            )
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels),
        nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2),
    )


def sec_7_7() -> None:
    """7.7 DenseNet."""
    blk = DenseBlock(2, 3, 10)
    X = torch.randn(4, 3, 8, 8)
    Y = blk(X)
    print(Y.shape)
    blk = transition_block(23, 10)
    print(blk(Y).shape)
    b1 = nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    num_channels, growth_rate = 64, 32
    num_convs_in_dense_blocks = [4, 4, 4, 4]
    blks = []
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        blks.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(num_convs_in_dense_blocks) - 1:
            blks.append(transition_block(num_channels, num_channels // 2))
            num_channels = num_channels // 2
    net = nn.Sequential(
        b1,
        *blks,
        nn.BatchNorm2d(num_channels),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(num_channels, 10),
    )
    lr, num_epochs, batch_size = 0.1, ARGS.epochs, 256
    train_iter, test_iter = few(
        *d2l.load_data_fashion_mnist(batch_size, resize=96)
    )
    d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())


SECTIONS = {
    "3.5": sec_3_5,
    "3.6": sec_3_6,
    "3.7": sec_3_7,
    "4.1": sec_4_1,
    "4.2": sec_4_2,
    "4.3": sec_4_3,
    "4.6": sec_4_6,
    "6.2": sec_6_2,
    "6.3": sec_6_3,
    "6.4": sec_6_4,
    "6.5": sec_6_5,
    "6.6": sec_6_6,
    "7.1": sec_7_1,
    "7.2": sec_7_2,
    "7.3": sec_7_3,
    "7.4": sec_7_4,
    "7.5": sec_7_5,
    "7.6": sec_7_6,
    "7.7": sec_7_7,
}


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
        "--test-batches",
        type=int,
        default=1,
        help="test batches per evaluation",
    )
    p.add_argument(
        "--epochs", type=int, default=1, help="epochs (d2l trains 10)"
    )
    p.add_argument(
        "--max-examples",
        type=int,
        default=None,
        help="cut every batch to this many examples (default: d2l's batch sizes)",
    )
    args = p.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        p.error(
            f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}"
        )
    for name in ("batches", "test_batches", "epochs", "max_examples"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(
                f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}"
            )
    ARGS.batches, ARGS.test_batches, ARGS.epochs = (
        args.batches,
        args.test_batches,
        args.epochs,
    )
    ARGS.max_examples = args.max_examples
    torch.manual_seed(0)
    for name in args.sections or list(SECTIONS):
        print(
            f"== {name} {SECTIONS[name].__doc__.split(' ', 1)[1]}", flush=True
        )
        timer = d2l.Timer()
        SECTIONS[name]()
        print(f"== {name} done in {timer.stop():.1f} sec", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
