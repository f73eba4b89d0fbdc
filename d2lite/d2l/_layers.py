"""d2l's convolution helpers: ``corr2d`` (6.2) and ResNet's ``Residual`` (7.6)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from d2lite._checks import check_int, check_tensor


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of X (H, W) with kernel K (h, w).

    Returns:
        Y (H - h + 1, W - w + 1) with ``Y[i, j] = (X[i:i+h, j:j+w] * K).sum()``,
        floating point, differentiable in X and K (so a hand-written
        ``Conv2D`` layer can learn its kernel).
    """
    for name, t in (("X", X), ("K", K)):
        example = f"e.g. {name} = torch.tensor([[0.0, 1.0], [2.0, 3.0]])"
        if check_tensor(name, t, example).dim() != 2:
            raise ValueError(
                f"{name} must be a 2-D tensor (height, width), got shape "
                f"{tuple(t.shape)}; for one channel of a batch pass X[0, 0]"
            )
    h, w = K.shape
    if h > X.shape[0] or w > X.shape[1] or h == 0 or w == 0:
        raise ValueError(
            f"the kernel K of shape {tuple(K.shape)} must be non-empty and fit "
            f"inside X of shape {tuple(X.shape)}"
        )
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
        input_channels = check_int(
            "input_channels", input_channels, hint="e.g. Residual(3, 3)"
        )
        num_channels = check_int(
            "num_channels", num_channels, hint="e.g. Residual(3, 6, True)"
        )
        strides = check_int(
            "strides", strides, hint="e.g. strides=2 to halve H and W"
        )
        if not isinstance(use_1x1conv, bool):
            raise TypeError(
                f"use_1x1conv must be True or False, got {use_1x1conv!r}"
            )
        if not use_1x1conv and (
            num_channels != input_channels or strides != 1
        ):
            raise ValueError(
                f"Residual({input_channels}, {num_channels}, use_1x1conv=False, "
                f"strides={strides}) cannot add its input to its output: the "
                "shortcut keeps the channels and size, so pass use_1x1conv=True "
                "to change them"
            )
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
