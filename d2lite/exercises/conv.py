"""Hidden cases of the checked exercises of chapter 1, convolution arithmetic.

The chapter on convolution arithmetic calls
``dl.check("conv-ex<N>", answer)``; expected values are computed here with
the package's own arithmetic (:mod:`d2lite.shapes`), which its tests compare
with PyTorch.
"""

from __future__ import annotations

from d2lite.exercises.registry import Case, exercise

#: (n, k, p, s) for conv-ex1: paper layers, "same" padding, strides that
#: do not divide evenly, a kernel as large as the input, 1x1 kernels.
_CONV_EX1_CONFIGS = (
    (28, 5, 0, 1),
    (28, 5, 2, 1),
    (32, 5, 0, 1),
    (14, 5, 0, 1),
    (28, 3, 1, 1),
    (28, 3, 0, 2),
    (8, 3, 1, 2),
    (224, 11, 2, 4),
    (227, 11, 0, 4),
    (224, 7, 3, 2),
    (10, 4, 1, 3),
    (28, 2, 0, 2),
    (5, 2, 0, 2),
    (7, 7, 0, 1),
    (1, 1, 0, 1),
    (13, 1, 0, 3),
)

#: Stacks of (k, p, s) for conv-ex5, with the input size.
_CONV_EX5_STACKS = (
    ("d2l LeNet, 28x28", 28, ((5, 2, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2))),
    (
        "LeNet unpadded, 28x28",
        28,
        ((5, 0, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2)),
    ),
    ("LeNet, 32x32", 32, ((5, 0, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2))),
    ("VGG-11 blocks, 224x224", 224, ((3, 1, 1), (2, 0, 2)) * 5),
    (
        "AlexNet features, 224x224",
        224,
        (
            (11, 2, 4),
            (3, 0, 2),
            (5, 2, 1),
            (3, 0, 2),
            (3, 1, 1),
            (3, 1, 1),
            (3, 1, 1),
            (3, 0, 2),
        ),
    ),
    ("one layer", 9, ((3, 0, 3),)),
    ("no layers", 17, ()),
)


def _stack_side(n: int, layers: tuple[tuple[int, int, int], ...]) -> int:
    """Side after applying ``layers`` of (k, p, s) to an ``n`` x ``n`` map."""
    from d2lite.shapes import conv_output_size

    for k, p, s in layers:
        n = conv_output_size(n, k, padding=p, stride=s)
    return n


@exercise(
    "conv-ex1",
    alias="conv_output_size",
    title="Output size of a convolution, conv_out(n, k, p, s)",
)
def _conv_ex1() -> list[Case]:
    from d2lite.shapes import conv_output_size

    return [
        Case(
            args=(n, k, p, s),
            expected=conv_output_size(n, k, padding=p, stride=s),
            label=f"n={n}, k={k}, p={p}, s={s}",
        )
        for n, k, p, s in _CONV_EX1_CONFIGS
    ]


@exercise(
    "conv-ex2",
    kind="value",
    title="Parameters and output size of ResNet's first convolution",
)
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
    return [
        Case(
            key="params",
            expected=params,
            label='answer["params"]',
            hints={
                with_bias: "that counts a bias, but this "
                "convolution has bias=False"
            },
        ),
        Case(
            key="size",
            expected=size,
            label='answer["size"]',
            hints={
                size + 1: "round the division down, as PyTorch does",
                size - 1: "count the positions: the formula ends with + 1",
            },
        ),
    ]


@exercise("conv-ex3", kind="value", title="'Same' padding for a 7 x 7 kernel")
def _conv_ex3() -> int:
    from d2lite.shapes import conv_output_size

    same = [p for p in range(7) if conv_output_size(28, 7, padding=p) == 28]
    return same[0]


@exercise(
    "conv-ex4",
    kind="value",
    title="Output size and 'same' padding with dilation 2",
)
def _conv_ex4() -> list[Case]:
    from d2lite.shapes import conv_output_size

    size = conv_output_size(28, 3, dilation=2)
    same = [
        p
        for p in range(5)
        if conv_output_size(28, 3, padding=p, dilation=2) == 28
    ]
    return [
        Case(key=0, expected=size, label="answer[0], the output size"),
        Case(key=1, expected=same[0], label="answer[1], the padding"),
    ]


@exercise(
    "conv-ex5",
    alias="stack_output_size",
    title="Side of the feature map after a stack of layers",
)
def _conv_ex5() -> list[Case]:
    return [
        Case(
            args=(n, list(layers)), expected=_stack_side(n, layers), label=name
        )
        for name, n, layers in _CONV_EX5_STACKS
    ]


#: Kernel sizes conv-ex7 builds the student's ``Conv2D`` with, and inputs.
_CONV_EX7_SIZES = (((1, 2), (6, 8)), ((3, 3), (7, 9)), ((2, 4), (5, 5)))
#: Layer types conv-ex8's network may contain (no nn.Linear, no adaptive
#: pooling: the sizes must come from the formula).
_CONV_EX8_ALLOWED = (
    "Sequential",
    "Conv2d",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "MaxPool2d",
    "AvgPool2d",
    "BatchNorm2d",
    "Flatten",
)
_CONV_EX8_BUDGET = 10_000


@exercise(
    "conv-ex7",
    kind="custom",
    title="Conv2D as an nn.Module, checked and trained",
)
def _conv_ex7(layer_class) -> int:
    import torch
    from torch.nn import functional as F

    from d2lite.exercises.registry import CheckFailed, expect

    generator = torch.Generator().manual_seed(7)
    for kernel_size, input_size in _CONV_EX7_SIZES:
        layer = layer_class(kernel_size)
        shapes = sorted(tuple(p.shape) for p in layer.parameters())
        if (
            sorted([tuple(kernel_size), (1,)]) != shapes
            and sorted([tuple(kernel_size), ()]) != shapes
        ):
            raise CheckFailed(
                f"parameters of Conv2D({kernel_size})",
                None,
                shapes,
                detail=f"its parameters have shapes {shapes}; it needs a "
                "weight of the kernel's shape and a one-element bias, "
                "both nn.Parameter",
            )
        weight = next(
            p
            for p in layer.parameters()
            if tuple(p.shape) == tuple(kernel_size)
        )
        bias = next(
            p
            for p in layer.parameters()
            if tuple(p.shape) != tuple(kernel_size)
        )
        X = torch.randn(*input_size, generator=generator)
        with torch.no_grad():
            bias.fill_(0.5)  # a bias of 0 would hide a bias added twice
            want = F.conv2d(X[None, None], weight[None, None])[0, 0]
            want = want + bias.reshape(())
            got = layer(X)
        expect(
            f"Conv2D({kernel_size}) on a {input_size} input, compared "
            "with F.conv2d and your layer's own weight and bias",
            want,
            got,
            atol=1e-5,
            rtol=1e-5,
        )
    # Training: plain gradient descent must recover a hidden kernel.
    target = torch.randn(1, 2, generator=generator)
    X = torch.randn(8, 8, generator=generator)
    Y = F.conv2d(X[None, None], target[None, None])[0, 0]
    layer = layer_class((1, 2))
    for _ in range(300):
        loss = ((layer(X) - Y) ** 2).mean()
        for p in layer.parameters():
            p.grad = None
        try:
            loss.backward()
        except RuntimeError:  # the output does not depend on a parameter
            pass
        if any(p.grad is None for p in layer.parameters()):
            raise CheckFailed(
                "training Conv2D((1, 2))",
                None,
                None,
                detail="after loss.backward() a parameter has no gradient; "
                "use the parameters themselves in forward (no "
                ".detach(), .data or torch.tensor(...) copies)",
            )
        with torch.no_grad():
            for p in layer.parameters():
                p -= 0.1 * p.grad
    learned = next(p for p in layer.parameters() if p.shape == (1, 2))
    if not torch.allclose(learned.detach(), target, atol=0.05):
        raise CheckFailed(
            "training Conv2D((1, 2)) on a hidden kernel",
            None,
            learned.detach(),
            detail="300 steps of gradient descent did not recover the "
            "hidden kernel (your layer ended at "
            f"{learned.detach().tolist()}); does forward add the "
            "bias once and use the weight in every window?",
        )
    return len(_CONV_EX7_SIZES) + 1


@exercise(
    "conv-ex8",
    kind="custom",
    title="A classifier made of convolutions only, under a budget",
)
def _conv_ex8(make_net) -> int:
    from d2lite.exercises.lenet import check_output_shape
    from d2lite.exercises.registry import CheckFailed
    from d2lite.shapes import param_table

    net = make_net()
    types = sorted({type(m).__name__ for m in net.modules()})
    other = [t for t in types if t not in _CONV_EX8_ALLOWED]
    if other:
        raise CheckFailed(
            "layer types",
            None,
            other,
            detail=f"the network contains {other}; allowed "
            f"are {list(_CONV_EX8_ALLOWED)}",
        )
    check_output_shape(net)
    total = param_table(net).attrs["total"]
    if total > _CONV_EX8_BUDGET:
        raise CheckFailed(
            "number of parameters",
            None,
            total,
            detail=f"{total:,} parameters, over the budget of "
            f"{_CONV_EX8_BUDGET:,}; fewer channels, or a smaller "
            "last kernel on a smaller map",
        )
    return 3
