"""The models d2l-en 1.0 saves into its package, chapters 3 to 8.

Linear regression from scratch and its ``SGD`` (3.4), concise (3.5);
softmax regression (4.5); ``corr2d`` (7.2); ``init_cnn`` and ``LeNet``
(7.6); ``Residual`` (8.6, the 1.0 signature: lazy layers, no input
channels) and ``ResNeXtBlock`` (8.6, used by 8.8's AnyNet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lite.d2l1._module import Classifier, Module
from d2lite.d2l1._oo import HyperParameters


class SGD(HyperParameters):
    """Minibatch stochastic gradient descent: ``param -= lr * param.grad``."""

    def __init__(self, params: Sequence[torch.Tensor], lr: float) -> None:
        self.save_hyperparameters()

    def step(self) -> None:
        with torch.no_grad():
            for param in self.params:
                param -= self.lr * param.grad

    def zero_grad(self) -> None:
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class LinearRegressionScratch(Module):
    """Linear regression from scratch: ``X (B, d) @ w (d, 1) + b``."""

    def __init__(self, num_inputs: int, lr: float, sigma: float = 0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.matmul(X, self.w) + self.b  # (B, 1)

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        l = (y_hat - y) ** 2 / 2
        return l.mean()

    def configure_optimizers(self) -> SGD:
        return SGD([self.w, self.b], self.lr)


class LinearRegression(Module):
    """Linear regression with ``nn.LazyLinear(1)`` and the mean squared error."""

    def __init__(self, lr: float) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.LazyLinear(1)
        self.net.weight.data.normal_(0, 0.01)
        self.net.bias.data.fill_(0)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X)

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(y_hat, y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net.weight.data, self.net.bias.data


class SoftmaxRegression(Classifier):
    """Softmax regression: flatten, then ``nn.LazyLinear(num_outputs)``."""

    def __init__(self, num_outputs: int, lr: float) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X)


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of X (H, W) with K (h, w): (H-h+1, W-w+1)."""
    if X.dim() != 2 or K.dim() != 2:
        raise ValueError(
            f"corr2d takes 2-D X and K (height, width), got shapes "
            f"{tuple(X.shape)} and {tuple(K.shape)}"
        )
    h, w = K.shape
    if not (0 < h <= X.shape[0] and 0 < w <= X.shape[1]):
        raise ValueError(
            f"the kernel K {tuple(K.shape)} must fit inside X {tuple(X.shape)}"
        )
    windows = X.unfold(0, h, 1).unfold(1, w, 1)  # (H-h+1, W-w+1, h, w)
    return (windows * K).sum(dim=(-2, -1))


def init_cnn(module: nn.Module) -> None:
    """Xavier-uniform weights for ``nn.Linear`` and ``nn.Conv2d`` layers."""
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)


class LeNet(Classifier):
    """LeNet-5 with sigmoids and average pooling, lazy layers."""

    def __init__(self, lr: float = 0.1, num_classes: int = 10) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2),  # (B, 6, 28, 28)
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 6, 14, 14)
            nn.LazyConv2d(16, kernel_size=5),  # (B, 16, 10, 10)
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 16, 5, 5)
            nn.Flatten(),
            nn.LazyLinear(120),
            nn.Sigmoid(),
            nn.LazyLinear(84),
            nn.Sigmoid(),
            nn.LazyLinear(num_classes),
        )


class Residual(nn.Module):
    """ResNet's residual block (1.0): ``Residual(num_channels,
    use_1x1conv=False, strides=1)``, input channels found lazily.

    X (B, C, H, W) -> (B, num_channels, H', W'), H' = (H - 1) // strides
    + 1; without ``use_1x1conv`` the input must already have that shape.
    """

    def __init__(
        self, num_channels: int, use_1x1conv: bool = False, strides: int = 1
    ) -> None:
        super().__init__()
        self.conv1 = nn.LazyConv2d(
            num_channels, kernel_size=3, padding=1, stride=strides
        )
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        self.conv3 = (
            nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
            if use_1x1conv
            else None
        )
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        _check_shortcut(X, Y)
        return F.relu(Y + X)


class ResNeXtBlock(nn.Module):
    """The ResNeXt block: 1x1, grouped 3x3, 1x1 convolutions and a
    shortcut (a 1x1 convolution with batch norm if ``use_1x1conv``)."""

    def __init__(
        self,
        num_channels: int,
        groups: int,
        bot_mul: float,
        use_1x1conv: bool = False,
        strides: int = 1,
    ) -> None:
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
        self.conv4: Any = None
        if use_1x1conv:
            self.conv4 = nn.LazyConv2d(
                num_channels, kernel_size=1, stride=strides
            )
            self.bn4 = nn.LazyBatchNorm2d()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        if self.conv4 is not None:
            X = self.bn4(self.conv4(X))
        _check_shortcut(X, Y)
        return F.relu(Y + X)


def _check_shortcut(X: torch.Tensor, Y: torch.Tensor) -> None:
    if X.shape != Y.shape:
        raise ValueError(
            f"the block's input {tuple(X.shape)} cannot be added to its "
            f"output {tuple(Y.shape)}; pass use_1x1conv=True when the "
            "channels or the stride change"
        )
