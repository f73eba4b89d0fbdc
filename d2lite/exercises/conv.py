"""Hidden cases of the checked exercises of chapter 1, convolution arithmetic.

The notebook ``notebooks/01_convolution_arithmetic.ipynb`` calls
``dl.check("conv-ex<N>", answer)``; expected values are computed here with
the package's own arithmetic (:mod:`d2lite.shapes`), which its tests compare
with PyTorch.
"""
from __future__ import annotations

from d2lite.exercises.registry import Case, exercise

#: (n, k, p, s) for conv-ex1: paper layers, "same" padding, strides that
#: do not divide evenly, a kernel as large as the input, 1x1 kernels.
_CONV_EX1_CONFIGS = (
    (28, 5, 0, 1), (28, 5, 2, 1), (32, 5, 0, 1), (14, 5, 0, 1),
    (28, 3, 1, 1), (28, 3, 0, 2), (8, 3, 1, 2), (224, 11, 2, 4),
    (227, 11, 0, 4), (224, 7, 3, 2), (10, 4, 1, 3), (28, 2, 0, 2),
    (5, 2, 0, 2), (7, 7, 0, 1), (1, 1, 0, 1), (13, 1, 0, 3),
)

#: Stacks of (k, p, s) for conv-ex5, with the input size.
_CONV_EX5_STACKS = (
    ("d2l LeNet, 28x28", 28, ((5, 2, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2))),
    ("LeNet unpadded, 28x28", 28,
     ((5, 0, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2))),
    ("LeNet, 32x32", 32, ((5, 0, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2))),
    ("VGG-11 blocks, 224x224", 224,
     ((3, 1, 1), (2, 0, 2)) * 5),
    ("AlexNet features, 224x224", 224,
     ((11, 2, 4), (3, 0, 2), (5, 2, 1), (3, 0, 2), (3, 1, 1), (3, 1, 1),
      (3, 1, 1), (3, 0, 2))),
    ("one layer", 9, ((3, 0, 3),)),
    ("no layers", 17, ()),
)


def _stack_side(n: int, layers: tuple[tuple[int, int, int], ...]) -> int:
    """Side after applying ``layers`` of (k, p, s) to an ``n`` x ``n`` map."""
    from d2lite.shapes import conv_output_size

    for k, p, s in layers:
        n = conv_output_size(n, k, padding=p, stride=s)
    return n


@exercise("conv-ex1", alias="conv_output_size",
          title="Output size of a convolution, conv_out(n, k, p, s)")
def _conv_ex1() -> list[Case]:
    from d2lite.shapes import conv_output_size

    return [Case(args=(n, k, p, s),
                 expected=conv_output_size(n, k, padding=p, stride=s),
                 label=f"n={n}, k={k}, p={p}, s={s}")
            for n, k, p, s in _CONV_EX1_CONFIGS]


@exercise("conv-ex2", kind="value",
          title="Parameters and output size of ResNet's first convolution")
def _conv_ex2() -> list[Case]:
    import torch
    from torch import nn

    from d2lite.shapes import conv_output_size

    layer = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
    params = sum(p.numel() for p in layer.parameters())
    size = conv_output_size(224, 7, padding=3, stride=2)
    with torch.no_grad():  # the formula agrees with the real layer
        if layer(torch.zeros(1, 3, 224, 224)).shape[-1] != size:
            raise RuntimeError("conv_output_size disagrees with nn.Conv2d")
    with_bias = params + layer.out_channels
    return [Case(key="params", expected=params, label='answer["params"]',
                 hints={with_bias: "that counts a bias, but this "
                        "convolution has bias=False"}),
            Case(key="size", expected=size, label='answer["size"]',
                 hints={size + 1: "round the division down, as PyTorch "
                        "does", size - 1: "count the positions: the "
                        "formula ends with + 1"})]


@exercise("conv-ex3", kind="value",
          title="'Same' padding for a 7 x 7 kernel")
def _conv_ex3() -> int:
    from d2lite.shapes import conv_output_size

    same = [p for p in range(7) if conv_output_size(28, 7, padding=p) == 28]
    return same[0]


@exercise("conv-ex4", kind="value",
          title="Output size and 'same' padding with dilation 2")
def _conv_ex4() -> list[Case]:
    from d2lite.shapes import conv_output_size

    size = conv_output_size(28, 3, dilation=2)
    same = [p for p in range(5)
            if conv_output_size(28, 3, padding=p, dilation=2) == 28]
    return [Case(key=0, expected=size, label="answer[0], the output size"),
            Case(key=1, expected=same[0], label="answer[1], the padding")]


@exercise("conv-ex5", alias="stack_output_size",
          title="Side of the feature map after a stack of layers")
def _conv_ex5() -> list[Case]:
    return [Case(args=(n, list(layers)),
                 expected=_stack_side(n, layers), label=name)
            for name, n, layers in _CONV_EX5_STACKS]
