"""LeNet and VGG, as in d2l, with an input check that explains bad shapes.

Every model is an ``nn.Sequential`` (iterate it, index it, ``net.conv1``)
that checks its input in ``forward``: a wrong shape raises a ``ValueError``
naming the expected shape instead of PyTorch's "mat1 and mat2" message.
"""

from __future__ import annotations

import numbers
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from d2lite._checks import check_int
from d2lite.shapes import pool_output_size

__all__ = ["CheckedSequential", "lenet", "vgg", "vgg_block"]

LENET_VARIANTS = ("d2l", "original", "relu", "bn")


class CheckedSequential(nn.Sequential):
    """``nn.Sequential`` that checks the shape of its input in ``forward``.

    Children, iteration and indexing are those of ``nn.Sequential``; only
    ``net(X)`` checks ``X`` (so ``for layer in net: X = layer(X)`` works).

    Attributes:
        input_shape: Expected ``(C, H, W)`` of one example, or ``None`` (no
            check, e.g. for a slice ``net[2:]``).
        name: How error messages call the model, e.g. ``"lenet('d2l')"``.
        hints: Advice per received spatial size ``(H, W)``, e.g.
            ``{(32, 32): "use lenet('original') or resize=28"}``.
        default_hint: Advice for any other wrong size.
    """

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
        self.name = name
        self.hints = dict(hints or {})
        self.default_hint = default_hint

    def extra_repr(self) -> str:
        if self.input_shape is None:
            return ""
        return f"input_shape=(B, {', '.join(map(str, self.input_shape))})"

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Check ``X`` (B, C, H, W) against ``input_shape``, then run."""
        if self.input_shape is not None:
            self.check_input(X)
        return super().forward(X)

    def check_input(self, X: Any) -> None:
        """Raise ``TypeError``/``ValueError`` if ``X`` does not fit."""
        if not isinstance(X, torch.Tensor):
            raise TypeError(
                f"{self.name} expects a torch.Tensor of shape "
                f"{self._expected()}, got {type(X).__name__}; convert with "
                f"torch.as_tensor(X, dtype=torch.float32)"
            )
        if not X.is_floating_point():
            raise TypeError(
                f"{self.name} expects a floating-point input, got dtype "
                f"{X.dtype}; convert images with X.float() / 255"
            )
        shape = tuple(X.shape)
        if (
            len(shape) == len(self.input_shape) + 1
            and shape[1:] == self.input_shape
        ):
            return
        raise ValueError(
            f"{self.name} expects input of shape {self._expected()}, got "
            f"{self._described(shape)}; {self._hint(shape)}"
        )

    def _expected(self) -> str:
        return f"(B, {', '.join(map(str, self.input_shape))})"

    def _described(self, shape: tuple[int, ...]) -> str:
        if len(shape) == len(self.input_shape) + 1:
            return f"(B, {', '.join(map(str, shape[1:]))})"
        return str(shape)

    def _hint(self, shape: tuple[int, ...]) -> str:
        expected = self.input_shape
        if shape == expected:
            return "add the batch dimension: X.unsqueeze(0)"
        if (
            len(shape) == len(expected)
            and shape[1:] == expected[1:]
            and expected[0] == 1
        ):
            return "add the channel dimension: X.unsqueeze(1)"
        if shape == expected[1:] and expected[0] == 1:
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
        return "; ".join(parts) or size_hint


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _check_dropout(dropout: Any) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
        raise TypeError(
            f"dropout must be a float in [0, 1), got {dropout!r} "
            f"({type(dropout).__name__})"
        )
    if not 0 <= dropout < 1:
        raise ValueError(
            f"dropout must be a probability in [0, 1), got dropout={dropout}; "
            f"d2l uses 0.5, and 0 switches dropout off"
        )
    return float(dropout)


def _check_conv_arch(conv_arch: Any) -> tuple[tuple[int, int], ...]:
    """Validate d2l's ``((num_convs, out_channels), ...)``."""
    example = "((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))"
    if isinstance(conv_arch, (str, bytes)) or not isinstance(
        conv_arch, Sequence
    ):
        raise TypeError(
            f"conv_arch must be a sequence of (num_convs, out_channels) "
            f"pairs such as {example}, got {conv_arch!r} "
            f"({type(conv_arch).__name__})"
        )
    if len(conv_arch) == 0:
        raise ValueError(
            f"conv_arch must hold at least one (num_convs, out_channels) "
            f"pair, got {conv_arch!r}; e.g. {example}"
        )
    checked = []
    for i, pair in enumerate(conv_arch):
        if (
            not isinstance(pair, Sequence)
            or isinstance(pair, (str, bytes))
            or len(pair) != 2
        ):
            raise ValueError(
                f"conv_arch[{i}] must be a pair (num_convs, out_channels), "
                f"got {pair!r}; e.g. (2, 256)"
            )
        num_convs = check_int(f"conv_arch[{i}][0] (num_convs)", pair[0])
        channels = check_int(f"conv_arch[{i}][1] (out_channels)", pair[1])
        checked.append((num_convs, channels))
    return tuple(checked)


# ---------------------------------------------------------------------------
# LeNet
# ---------------------------------------------------------------------------


def _lenet_hints(variant: str) -> tuple[dict, str]:
    if variant == "original":
        return (
            {(28, 28): "for 28x28 inputs use lenet('d2l') or resize=32"},
            "resize the images to 32x32 (e.g. load_data_fashion_mnist("
            "batch_size, resize=32))",
        )
    return (
        {(32, 32): "for 32x32 inputs use lenet('original') or resize=28"},
        "resize the images to 28x28 (e.g. load_data_fashion_mnist("
        "batch_size, resize=28))",
    )


def lenet(variant: str = "d2l", *, num_classes: int = 10) -> CheckedSequential:
    """LeNet-5 in one of four variants (61,706 parameters, bar "bn").

    * ``"d2l"``: d2l's LeNet; 1x28x28 input, ``padding=2`` on conv1,
      sigmoid, ``AvgPool2d(2, 2)``.
    * ``"original"``: LeCun's sizes; 1x32x32 input, no padding, sigmoid,
      average pooling.
    * ``"relu"``: as ``"d2l"`` with ReLU and ``MaxPool2d(2, 2)``.
    * ``"bn"``: as ``"relu"`` with batch norm after each convolution and
      after fc1 and fc2, before the activation (d2l's placement).

    Layers are named ``conv1, act1, pool1, conv2, act2, pool2, flatten, fc1,
    act3, fc2, act4, fc3`` (plus ``bn1``..``bn4``), so ``net.conv1`` works.

    Args:
        variant: One of ``"d2l"``, ``"original"``, ``"relu"``, ``"bn"``.
        num_classes: Outputs of fc3.

    Returns:
        The network: (B, 1, H, W) -> (B, num_classes) logits.
    """
    if not isinstance(variant, str):
        raise TypeError(
            f"variant must be a string, one of "
            f"{', '.join(map(repr, LENET_VARIANTS))}, got {variant!r} "
            f"({type(variant).__name__})"
        )
    if variant not in LENET_VARIANTS:
        raise ValueError(
            f"variant must be one of {', '.join(map(repr, LENET_VARIANTS))}, "
            f"got variant={variant!r}"
        )
    num_classes = check_int("num_classes", num_classes)
    size = 32 if variant == "original" else 28
    padding = 0 if variant == "original" else 2
    sigmoid = variant in ("d2l", "original")
    act = nn.Sigmoid if sigmoid else nn.ReLU
    pool = nn.AvgPool2d if sigmoid else nn.MaxPool2d
    bn = variant == "bn"
    layers = [
        # (B, 1, 28, 28) -> (B, 6, 28, 28) (from 32x32 for "original")
        ("conv1", nn.Conv2d(1, 6, kernel_size=5, padding=padding)),
        ("bn1", nn.BatchNorm2d(6) if bn else None),
        ("act1", act()),
        ("pool1", pool(kernel_size=2, stride=2)),  # (B, 6, 14, 14)
        ("conv2", nn.Conv2d(6, 16, kernel_size=5)),  # (B, 16, 10, 10)
        ("bn2", nn.BatchNorm2d(16) if bn else None),
        ("act2", act()),
        ("pool2", pool(kernel_size=2, stride=2)),  # (B, 16, 5, 5)
        ("flatten", nn.Flatten()),  # (B, 400)
        ("fc1", nn.Linear(16 * 5 * 5, 120)),  # (B, 120)
        ("bn3", nn.BatchNorm1d(120) if bn else None),
        ("act3", act()),
        ("fc2", nn.Linear(120, 84)),  # (B, 84)
        ("bn4", nn.BatchNorm1d(84) if bn else None),
        ("act4", act()),
        ("fc3", nn.Linear(84, num_classes)),  # (B, num_classes)
    ]
    hints, default_hint = _lenet_hints(variant)
    return CheckedSequential(
        OrderedDict((name, m) for name, m in layers if m is not None),
        input_shape=(1, size, size),
        name=f"lenet({variant!r})",
        hints=hints,
        default_hint=default_hint,
    )


# ---------------------------------------------------------------------------
# VGG
# ---------------------------------------------------------------------------


def vgg_block(
    num_convs: int,
    in_channels: int,
    out_channels: int,
    *,
    batch_norm: bool = False,
) -> nn.Sequential:
    """d2l's VGG block: ``num_convs`` x [3x3 conv (padding 1), ReLU], max pool.

    Args:
        num_convs: Number of convolutions, >= 1.
        in_channels: Channels of the block's input.
        out_channels: Channels of every convolution's output.
        batch_norm: Put ``BatchNorm2d`` between each convolution and ReLU.

    Returns:
        ``nn.Sequential``: (B, in_channels, H, W) ->
        (B, out_channels, H // 2, W // 2).
    """
    num_convs = check_int("num_convs", num_convs)
    in_channels = check_int("in_channels", in_channels)
    out_channels = check_int("out_channels", out_channels)
    if not isinstance(batch_norm, bool):
        raise TypeError(
            f"batch_norm must be True or False, got {batch_norm!r}"
        )
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers.append(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        )  # (B, out_channels, H, W)
        if batch_norm:
            layers.append(nn.BatchNorm2d(out_channels))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # (B, C, H/2, W/2)
    return nn.Sequential(*layers)


def _vgg_side(input_size: int, num_blocks: int) -> int:
    """Feature-map side after ``num_blocks`` halvings (PyTorch's floor)."""
    side = input_size
    for i in range(num_blocks):
        if side < 2:
            raise ValueError(
                f"input_size={input_size} is too small for {num_blocks} VGG "
                f"blocks: each block halves it and block {i + 1} would get "
                f"{side}x{side}; use input_size >= {2**num_blocks} "
                f"(e.g. {224 if num_blocks == 5 else 2**num_blocks * 7}) "
                f"or fewer blocks"
            )
        side = pool_output_size(side, 2, stride=2)
    return side


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
    """d2l's VGG: one :func:`vgg_block` per ``conv_arch`` entry, then the MLP.

    Classifier: Flatten, Linear(C*s*s, hidden), ReLU, Dropout,
    Linear(hidden, hidden), ReLU, Dropout, Linear(hidden, num_classes), with
    ``s = input_size / 2**len(conv_arch)`` (rounded down, as the pooling
    does). Children are named ``block1``.. then ``flatten, fc1, act1, drop1,
    fc2, act2, drop2, fc3``.

    Args:
        conv_arch: ``((num_convs, out_channels), ...)``; VGG-11 is
            ``((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))``.
        in_channels: Channels of the images (1 for Fashion-MNIST).
        num_classes: Outputs of the last layer.
        input_size: Height = width of the images the model takes.
        hidden: Width of the two hidden fully connected layers.
        dropout: Dropout probability after each hidden layer.
        batch_norm: Batch norm after every convolution.

    Returns:
        The network: (B, in_channels, input_size, input_size) ->
        (B, num_classes) logits.
    """
    conv_arch = _check_conv_arch(conv_arch)
    in_channels = check_int("in_channels", in_channels)
    num_classes = check_int("num_classes", num_classes)
    input_size = check_int("input_size", input_size)
    hidden = check_int("hidden", hidden)
    dropout = _check_dropout(dropout)
    side = _vgg_side(input_size, len(conv_arch))
    layers: list[tuple[str, nn.Module]] = []
    channels = in_channels
    for i, (num_convs, out_channels) in enumerate(conv_arch, start=1):
        layers.append(
            (
                f"block{i}",
                vgg_block(
                    num_convs, channels, out_channels, batch_norm=batch_norm
                ),
            )
        )
        channels = out_channels
    layers += [
        ("flatten", nn.Flatten()),  # (B, C * s * s)
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
        default_hint=_vgg_hint(input_size, len(conv_arch)),
    )


def _vgg_hint(input_size: int, num_blocks: int) -> str:
    return (
        f"load the data with resize={input_size} (e.g. load_data_fashion_"
        f"mnist(batch_size, resize={input_size})), or build the model with "
        f"vgg(conv_arch, input_size=...) for your image size (at least "
        f"{2**num_blocks} for {num_blocks} blocks)"
    )
