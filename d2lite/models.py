"""LeNet and VGG as in d2l: ``nn.Sequential``s whose ``forward`` checks the
input and names the shape it expects (not PyTorch's "mat1 and mat2")."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

LENET_VARIANTS = ("d2l", "original", "relu", "bn")


def _batched(shape: tuple[int, ...]) -> str:
    return f"(B, {', '.join(map(str, shape))})"


class CheckedSequential(nn.Sequential):
    """``nn.Sequential`` whose ``net(X)`` checks X against ``input_shape``
    (C, H, W), or not if None; ``hints`` maps a wrong (H, W) to advice."""

    def __init__(
        self,
        *args: Any,
        input_shape: tuple[int, ...] | None = None,
        name: str = "model",
        hints: dict[tuple[int, ...], str] | None = None,
        default_hint: str = "",
    ) -> None:
        super().__init__(*args)
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.name, self.hints = name, dict(hints or {})
        self.default_hint = default_hint

    def extra_repr(self) -> str:
        shape = self.input_shape
        return "" if shape is None else f"input_shape={_batched(shape)}"

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> the last layer's output, after checking X."""
        expected = self.input_shape
        if expected is None:
            return super().forward(X)
        if not X.is_floating_point():  # PyTorch: "Input type ... bias type"
            raise TypeError(
                f"{self.name} expects a floating-point input, got dtype "
                f"{X.dtype}; convert images with X.float() / 255"
            )
        shape = tuple(X.shape)
        batched = len(shape) == len(expected) + 1
        if batched and shape[1:] == expected:
            return super().forward(X)
        got = _batched(shape[1:]) if batched else str(shape)
        raise ValueError(
            f"{self.name} expects input of shape {_batched(expected)}, got "
            f"{got}; {self._hint(shape)}"
        )

    def _hint(self, shape: tuple[int, ...]) -> str:
        expected, gray = self.input_shape, self.input_shape[0] == 1
        if shape == expected:
            return "add the batch dimension: X.unsqueeze(0)"
        if gray and len(shape) == len(expected) and shape[1:] == expected[1:]:
            return "add the channel dimension: X.unsqueeze(1)"
        if gray and shape == expected[1:]:
            return "add the batch and channel dimensions: X[None, None]"
        size_hint = self.default_hint or (
            f"resize the images to {'x'.join(map(str, expected[1:]))}"
        )
        if len(shape) != len(expected) + 1:
            return size_hint
        parts = []
        if shape[1] != expected[0]:
            parts.append(
                f"the model takes {expected[0]} channel(s), not {shape[1]}: "
                f"convert the images (e.g. to grayscale) or build the model "
                f"for {shape[1]} channel(s)"
            )
        if shape[2:] != expected[1:]:
            parts.append(self.hints.get(shape[2:], size_hint))
        return "; ".join(parts)


def lenet(variant: str = "d2l", *, num_classes: int = 10) -> CheckedSequential:
    """LeNet-5, (B, 1, H, W) -> (B, num_classes), 61,706 parameters.

    ``"d2l"``: 28x28 input, padding 2 on conv1, sigmoid, average pooling;
    ``"original"``: 32x32, no padding; ``"relu"``: ReLU and max pooling;
    ``"bn"``: ``"relu"`` with batch norm before act1..act4 (+452).
    """
    if variant not in LENET_VARIANTS:  # else a typo builds a ReLU LeNet
        allowed = ", ".join(map(repr, LENET_VARIANTS))
        raise ValueError(
            f"variant must be one of {allowed}, got variant={variant!r}"
        )
    size = 32 if variant == "original" else 28
    sigmoid, bn = variant in ("d2l", "original"), variant == "bn"
    act = nn.Sigmoid if sigmoid else nn.ReLU
    pool = nn.AvgPool2d if sigmoid else nn.MaxPool2d
    conv1 = nn.Conv2d(1, 6, 5, padding=(32 - size) // 2)  # 28 + 2*2 = 32
    layers = [
        ("conv1", conv1),  # (B, 6, 28, 28)
        ("bn1", bn and nn.BatchNorm2d(6)),
        ("act1", act()),
        ("pool1", pool(kernel_size=2, stride=2)),  # (B, 6, 14, 14)
        ("conv2", nn.Conv2d(6, 16, kernel_size=5)),  # (B, 16, 10, 10)
        ("bn2", bn and nn.BatchNorm2d(16)),
        ("act2", act()),
        ("pool2", pool(kernel_size=2, stride=2)),  # (B, 16, 5, 5)
        ("flatten", nn.Flatten()),  # (B, 400)
        ("fc1", nn.Linear(16 * 5 * 5, 120)),  # (B, 120)
        ("bn3", bn and nn.BatchNorm1d(120)),
        ("act3", act()),
        ("fc2", nn.Linear(120, 84)),  # (B, 84)
        ("bn4", bn and nn.BatchNorm1d(84)),
        ("act4", act()),
        ("fc3", nn.Linear(84, num_classes)),  # (B, num_classes)
    ]
    other, other_size = ("d2l", 28) if size == 32 else ("original", 32)
    return CheckedSequential(
        OrderedDict((name, m) for name, m in layers if m is not False),
        input_shape=(1, size, size),
        name=f"lenet({variant!r})",
        hints={
            (other_size, other_size): f"for {other_size}x{other_size} "
            f"inputs use lenet('{other}') or resize={size}"
        },
        default_hint=f"resize the images to {size}x{size} (e.g. "
        f"load_data_fashion_mnist(batch_size, resize={size}))",
    )


def vgg_block(
    num_convs: int,
    in_channels: int,
    out_channels: int,
    *,
    batch_norm: bool = False,
) -> nn.Sequential:
    """d2l's block, ``num_convs`` x [3x3 conv, (BatchNorm2d), ReLU], then
    max pooling: (B, in_channels, H, W) -> (B, out_channels, H/2, W/2)."""
    layers: list[nn.Module] = []
    channels = in_channels
    for _ in range(num_convs):  # (B, out_channels, H, W)
        layers.append(nn.Conv2d(channels, out_channels, 3, padding=1))
        layers += [nn.BatchNorm2d(out_channels)] if batch_norm else []
        layers.append(nn.ReLU())
        channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # (B, C, H/2, W/2)
    return nn.Sequential(*layers)


def vgg(
    conv_arch: Sequence[tuple[int, int]],
    *,
    in_channels: int = 1,
    num_classes: int = 10,
    input_size: int = 224,
    hidden: int = 4096,
    dropout: float = 0.5,
    batch_norm: bool = False,
) -> CheckedSequential:
    """d2l's VGG, (B, in_channels, input_size, input_size) -> (B,
    num_classes): ``block1``.. (one :func:`vgg_block` per ``conv_arch``
    pair), then flatten, fc1, act1, drop1, fc2, act2, drop2, fc3."""
    blocks = len(conv_arch)  # each block's MaxPool2d(2, 2) halves the side
    if input_size < 2**blocks:  # else fc1 gets 0 inputs, PyTorch says nothing
        raise ValueError(
            f"input_size={input_size} is too small for {blocks} VGG blocks: "
            f"each block halves it and block {input_size.bit_length()} "
            f"would get 1x1; use input_size >= {2**blocks} (e.g. "
            f"{224 if blocks == 5 else 2**blocks * 7}) or fewer blocks"
        )
    side = input_size // 2**blocks  # rounded down, as the pooling does
    layers, channels = [], in_channels
    for i, (num_convs, out_channels) in enumerate(conv_arch, start=1):
        block = vgg_block(
            num_convs, channels, out_channels, batch_norm=batch_norm
        )
        layers.append((f"block{i}", block))
        channels = out_channels
    layers += [
        ("flatten", nn.Flatten()),  # (B, C * side * side)
        ("fc1", nn.Linear(channels * side * side, hidden)),
        ("act1", nn.ReLU()),
        ("drop1", nn.Dropout(dropout)),
        ("fc2", nn.Linear(hidden, hidden)),
        ("act2", nn.ReLU()),
        ("drop2", nn.Dropout(dropout)),
        ("fc3", nn.Linear(hidden, num_classes)),  # (B, num_classes)
    ]
    return CheckedSequential(
        OrderedDict(layers),
        input_shape=(in_channels, input_size, input_size),
        name=f"vgg(..., in_channels={in_channels}, input_size={input_size})",
        default_hint=f"load the data with resize={input_size} (e.g. "
        f"load_data_fashion_mnist(batch_size, resize={input_size})), or "
        f"build the model with vgg(conv_arch, input_size=...) for your "
        f"image size (at least {2**blocks} for {blocks} blocks)",
    )
