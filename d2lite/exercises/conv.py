"""Hidden cases of chapter 1, convolution arithmetic: ``conv-ex<N>``.

Expected values come from :mod:`d2lite.shapes`, tested against PyTorch.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from d2lite.exercises._i18n import N_, _
from d2lite.exercises.lenet import check_design
from d2lite.exercises.registry import Case, CheckFailed, exercise, expect
from d2lite.shapes import conv_output_size

#: (n, k, p, s) for conv-ex1: paper layers, "same" padding, strides that
#: do not divide evenly, a kernel as large as the input, 1x1 kernels.
CONV_EX1 = (
    (28, 5, 0, 1), (28, 5, 2, 1), (32, 5, 0, 1), (14, 5, 0, 1),
    (28, 3, 1, 1), (28, 3, 0, 2), (8, 3, 1, 2), (224, 11, 2, 4),
    (227, 11, 0, 4), (224, 7, 3, 2), (10, 4, 1, 3), (28, 2, 0, 2),
    (5, 2, 0, 2), (7, 7, 0, 1), (1, 1, 0, 1), (13, 1, 0, 3),
)  # fmt: skip
_LENET = ((5, 0, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2))
_ALEXNET = ((11, 2, 4), (3, 0, 2), (5, 2, 1), (3, 0, 2), (3, 1, 1),
            (3, 1, 1), (3, 1, 1), (3, 0, 2))  # fmt: skip
#: (label, n, layers of (k, p, s)) for conv-ex5.
CONV_EX5 = (
    (N_("d2l LeNet, 28x28"), 28, ((5, 2, 1),) + _LENET[1:]),
    (N_("LeNet unpadded, 28x28"), 28, _LENET),
    ("LeNet, 32x32", 32, _LENET),
    (N_("VGG-11 blocks, 224x224"), 224, ((3, 1, 1), (2, 0, 2)) * 5),
    (N_("AlexNet features, 224x224"), 224, _ALEXNET),
    (N_("one layer"), 9, ((3, 0, 3),)),
    (N_("no layers"), 17, ()),
)
#: conv-ex7's kernel sizes and input sizes; conv-ex8's allowed layers.
CONV_EX7 = (((1, 2), (6, 8)), ((3, 3), (7, 9)), ((2, 4), (5, 5)))
CONV_EX8_ALLOWED = ("Sequential", "Conv2d", "ReLU", "Sigmoid", "Tanh",
                    "MaxPool2d", "AvgPool2d", "BatchNorm2d",
                    "Flatten")  # fmt: skip
CONV_EX8_BUDGET = 10_000


def _side(n: int, *layers: tuple[int, int, int]) -> int:
    """Side after ``layers`` of (k, p, s) on an ``n`` x ``n`` map."""
    for k, p, s in layers:
        n = conv_output_size(n, k, padding=p, stride=s)
    return n


@exercise("conv-ex1")
def _conv_ex1() -> list[Case]:
    """Output size of a convolution, conv_out(n, k, p, s)."""
    return [
        Case(
            args=c,
            expected=_side(c[0], c[1:]),
            label="n={}, k={}, p={}, s={}".format(*c),
        )
        for c in CONV_EX1
    ]


@exercise("conv-ex2", kind="value")
def _conv_ex2() -> list[Case]:
    """Parameters and output size of ResNet's first convolution."""
    layer = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
    params = sum(p.numel() for p in layer.parameters())
    size = _side(224, (7, 3, 2))
    with torch.no_grad():  # the formula agrees with the real layer
        if layer(torch.zeros(1, 3, 224, 224)).shape[-1] != size:
            raise RuntimeError("conv_output_size disagrees with nn.Conv2d")
    bias = _("that counts a bias, but this convolution has bias=False")
    return Case.items(
        {"params": params, "size": size},
        {
            "params": {params + 64: bias},
            "size": {
                size + 1: _("round the division down, as PyTorch does"),
                size - 1: _("count the positions: the formula ends with + 1"),
            },
        },
    )


@exercise("conv-ex3", kind="value")
def _conv_ex3() -> int:
    """'Same' padding for a 7 x 7 kernel."""
    return next(p for p in range(7) if _side(28, (7, p, 1)) == 28)


@exercise("conv-ex4", kind="value")
def _conv_ex4() -> list[Case]:
    """Output size and 'same' padding with dilation 2."""
    same = next(
        p
        for p in range(5)
        if conv_output_size(28, 3, padding=p, dilation=2) == 28
    )
    return [
        Case(
            key=0,
            expected=conv_output_size(28, 3, dilation=2),
            label=_("answer[0], the output size"),
        ),
        Case(key=1, expected=same, label=_("answer[1], the padding")),
    ]


@exercise("conv-ex5")
def _conv_ex5() -> list[Case]:
    """Side of the feature map after a stack of layers."""
    return [
        Case(args=(n, list(layers)), expected=_side(n, *layers), label=_(name))
        for name, n, layers in CONV_EX5
    ]


@exercise("conv-ex7")
def _conv_ex7(layer_class) -> int:
    """Conv2D as an nn.Module, checked and trained."""
    generator = torch.Generator().manual_seed(7)
    for kernel, input_size in CONV_EX7:
        layer = layer_class(kernel)
        shapes = sorted(tuple(p.shape) for p in layer.parameters())
        if shapes not in (sorted([kernel, (1,)]), sorted([kernel, ()])):
            raise CheckFailed(
                _("parameters of Conv2D({kernel})").format(kernel=kernel),
                received=shapes,
                detail=_(
                    "its parameters have shapes {shapes}; it needs a "
                    "weight of the kernel's shape and a one-element bias, "
                    "both nn.Parameter"
                ).format(shapes=shapes),
            )
        weight, bias = sorted(
            layer.parameters(), key=lambda p: p.shape != kernel
        )
        X = torch.randn(*input_size, generator=generator)
        with torch.no_grad():
            bias.fill_(0.5)  # a bias of 0 would hide a bias added twice
            want = F.conv2d(X[None, None], weight[None, None])[0, 0]
            want, got = want + bias.reshape(()), layer(X)
        expect(
            _(
                "Conv2D({kernel}) on a {size} input, compared with "
                "F.conv2d and your layer's own weight and bias"
            ).format(kernel=kernel, size=input_size),
            want,
            got,
            atol=1e-5,
            rtol=1e-5,
        )
    _conv_ex7_trains(layer_class, generator)
    return len(CONV_EX7) + 1


def _conv_ex7_trains(layer_class, generator: torch.Generator) -> None:
    """Plain gradient descent must recover a hidden (1, 2) kernel."""
    target = torch.randn(1, 2, generator=generator)
    X = torch.randn(8, 8, generator=generator)
    Y = F.conv2d(X[None, None], target[None, None])[0, 0]
    layer = layer_class((1, 2))
    for _step in range(300):
        for p in layer.parameters():
            p.grad = None
        try:
            ((layer(X) - Y) ** 2).mean().backward()
        except RuntimeError:  # the output does not depend on a parameter
            pass
        if any(p.grad is None for p in layer.parameters()):
            raise CheckFailed(
                _("training Conv2D((1, 2))"),
                detail=_(
                    "after loss.backward() a parameter has no gradient; "
                    "use the parameters themselves in forward (no "
                    ".detach(), .data or torch.tensor(...) copies)"
                ),
            )
        with torch.no_grad():
            for p in layer.parameters():
                p -= 0.1 * p.grad
    learned = next(p for p in layer.parameters() if p.shape == (1, 2)).detach()
    if not torch.allclose(learned, target, atol=0.05):
        raise CheckFailed(
            _("training Conv2D((1, 2)) on a hidden kernel"),
            received=learned,
            detail=_(
                "300 steps of gradient descent did not recover the hidden "
                "kernel (your layer ended at {learned}); does forward add "
                "the bias once and use the weight in every window?"
            ).format(learned=learned.tolist()),
        )


@exercise("conv-ex8")
def _conv_ex8(make_net) -> int:
    """A classifier made of convolutions only, under a budget."""
    net = make_net()
    other = sorted(
        {type(m).__name__ for m in net.modules()} - set(CONV_EX8_ALLOWED)
    )
    if other:
        raise CheckFailed(
            _("layer types"),
            received=other,
            detail=_(
                "the network contains {other}; allowed are {allowed}"
            ).format(other=other, allowed=list(CONV_EX8_ALLOWED)),
        )
    check_design(
        net,
        None,
        CONV_EX8_BUDGET,
        _("fewer channels, or a smaller last kernel on a smaller map"),
    )
    return 3


def _conv_matrix(K: torch.Tensor, n: int) -> torch.Tensor:
    """The matrix of cross-correlating an ``n`` x ``n`` input with ``K``.

    Column ``j`` is the (flattened) output for the input that is 1 at pixel
    ``j`` and 0 elsewhere; shape ``(H_out * W_out, n * n)``.
    """
    basis = torch.eye(n * n).reshape(n * n, 1, n, n)  # one image per pixel
    columns = F.conv2d(basis, K[None, None])  # (n * n, 1, H_out, W_out)
    return columns.reshape(n * n, -1).T


#: (kernel, n) for conv-ex9: the chapter's 2x2 kernel, square and
#: non-square kernels, a kernel as large as the input.
_EX9_KERNEL = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
CONV_EX9 = ((_EX9_KERNEL, 3), ((3, 3), 5), ((1, 2), 4), ((3, 2), 4),
            ((4, 4), 4))  # fmt: skip


@exercise("conv-ex9")
def _conv_ex9() -> list[Case]:
    """Convolution as a matrix product, conv_matrix(K, n)."""
    generator = torch.Generator().manual_seed(9)
    cases = []
    for kernel, n in CONV_EX9:
        if not torch.is_tensor(kernel):  # integer weights: exact sums
            kernel = torch.randint(-3, 4, kernel, generator=generator)
            kernel = kernel.float()
        cases.append(
            Case(
                args=(kernel, n),
                expected=_conv_matrix(kernel, n),
                label=_("K of shape {shape}, n={n}").format(
                    shape=tuple(kernel.shape), n=n
                ),
            )
        )
    return cases


#: (channels, (H, W)) for conv-ex10, an odd size included.
CONV_EX10 = ((1, (6, 6)), (3, (8, 8)), (6, (7, 9)))
#: conv-ex11's layer, nn.Conv2d(c_in, c_out, k, padding=p), on n x n.
CONV_EX11 = {"c_in": 6, "c_out": 16, "k": 3, "p": 1, "n": 28}


def _mixes_channels(conv: nn.Module, X: torch.Tensor, pooled) -> bool:
    """Whether each output channel pools the sum of all input channels."""
    mixed = pooled.sum(dim=1, keepdim=True).expand_as(pooled)
    with torch.no_grad():
        got = conv(X)
    return got.shape == mixed.shape and torch.allclose(got, mixed, atol=1e-5)


@exercise("conv-ex10")
def _conv_ex10(make_conv) -> int:
    """Average pooling as a convolution, avg_pool_conv(channels)."""
    generator = torch.Generator().manual_seed(10)
    for channels, size in CONV_EX10:
        where = _("avg_pool_conv({channels}) on a {shape} batch").format(
            channels=channels, shape=(2, channels, *size)
        )
        conv = make_conv(channels)
        if not isinstance(conv, nn.Conv2d):
            raise CheckFailed(
                where,
                received=conv,
                detail=_(
                    "it returned {type}; return an nn.Conv2d (with the "
                    "weights set), not a pooling layer"
                ).format(type=type(conv).__name__),
            )
        X = torch.randn(2, channels, *size, generator=generator)
        pooled = F.avg_pool2d(X, 2)
        if channels > 1 and _mixes_channels(conv, X, pooled):
            raise CheckFailed(
                where,
                detail=_(
                    "each output channel adds up all input channels; "
                    "pooling works on every channel separately (see the "
                    "groups argument of nn.Conv2d, or zero the weights that "
                    "connect different channels)"
                ),
            )
        with torch.no_grad():
            got = conv(X)
        if got.shape == pooled.shape and torch.allclose(got, 4 * pooled):
            raise CheckFailed(
                where,
                detail=_(
                    "your layer sums each window; average pooling divides "
                    "the sum by the number of values in the window"
                ),
            )
        expect(
            _("{where}, compared with nn.AvgPool2d(2)").format(where=where),
            pooled,
            got,
            atol=1e-5,
            rtol=1e-5,
        )
    return len(CONV_EX10)


@exercise("conv-ex11", kind="value")
def _conv_ex11() -> list[Case]:
    """What a stride buys: output sides and multiply-adds."""
    c = CONV_EX11
    expected, hints = {}, {}
    for s in (1, 2):
        layer = nn.Conv2d(c["c_in"], c["c_out"], c["k"], padding=c["p"],
                          stride=s)  # fmt: skip
        with torch.no_grad():
            out = layer(torch.zeros(1, c["c_in"], c["n"], c["n"]))
        side = _side(c["n"], (c["k"], c["p"], s))
        if out.shape[-1] != side:
            raise RuntimeError("conv_output_size disagrees with nn.Conv2d")
        macs = out.numel() * layer.weight[0].numel()  # per output value
        expected[f"side_s{s}"], expected[f"macs_s{s}"] = side, macs
        hints[f"macs_s{s}"] = {
            macs + out.numel(): _(
                "that counts the bias additions too; count the "
                "multiply-adds of the weights only"
            ),
            macs // c["c_out"]: _(
                "that is one output channel; count all of them"
            ),
        }
    hints["macs_s2"][expected["macs_s1"]] = _(
        "that is the stride-1 count; how many output values does the "
        "stride-2 layer compute?"
    )
    hints["side_s2"] = {
        expected["side_s2"] + 1: _("round the division down, as PyTorch does")
    }
    return Case.items(expected, hints)
