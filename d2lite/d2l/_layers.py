"""d2l's convolution helpers: ``corr2d`` (6.2) and ResNet's ``Residual`` (7.6)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of X (H, W) with kernel K (h, w).

    Returns:
        Y (H - h + 1, W - w + 1) with ``Y[i, j] = (X[i:i+h, j:j+w] * K).sum()``,
        floating point, differentiable in X and K (so a hand-written
        ``Conv2D`` layer can learn its kernel).
    """
    h, w = K.shape
    dtype = torch.promote_types(X.dtype, K.dtype)
    if not dtype.is_floating_point:
        dtype = torch.get_default_dtype()
    windows = (
        X.to(dtype).unfold(0, h, 1).unfold(1, w, 1)
    )  # (H-h+1, W-w+1, h, w)
    return (windows * K.to(dtype)).sum(dim=(-2, -1))  # (H-h+1, W-w+1)


class Residual(nn.Module):
    """ResNet's residual block (d2l's ``Residual``).

    Two 3x3 convolutions, each followed by batch norm (``conv1``/``bn1``,
    ``conv2``/``bn2``), a ReLU after the first and after the sum with the
    input. With ``use_1x1conv`` the input passes a 1x1 convolution
    (``conv3``) with the same stride, so channels and size can change;
    without it ``conv3`` is None. The attribute names are d2l's, so its
    state dicts load.

    Shapes: X (B, input_channels, H, W) -> (B, num_channels, H', W') with
    H' = (H - 1) // strides + 1 (likewise W').
    """

    def __init__(
        self,
        input_channels: int,
        num_channels: int,
        use_1x1conv: bool = False,
        strides: int = 1,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(
            input_channels,
            num_channels,
            kernel_size=3,
            padding=1,
            stride=strides,
        )
        self.conv2 = nn.Conv2d(
            num_channels, num_channels, kernel_size=3, padding=1
        )
        self.conv3 = (
            nn.Conv2d(
                input_channels, num_channels, kernel_size=1, stride=strides
            )
            if use_1x1conv
            else None
        )
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))  # (B, num_channels, H', W')
        Y = self.bn2(self.conv2(Y))
        shortcut = X if self.conv3 is None else self.conv3(X)
        return F.relu(Y + shortcut)
