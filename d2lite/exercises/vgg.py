"""Hidden cases of the checked exercises of chapter 3, VGG.

The chapter on VGG calls ``dl.check("vgg-ex<N>",
answer)``. Expected values are computed here from real modules (built on
PyTorch's ``meta`` device, which has shapes but no storage, so even VGG-16
costs nothing): parameter counts with ``numel``, flatten sizes from
``fc1.in_features`` of :func:`d2lite.models.vgg`, receptive fields by
backpropagation. None of them is typed in by hand.
"""

from __future__ import annotations

from d2lite.exercises.registry import Case, exercise

#: (num_convs, in_channels, out_channels) for vgg-ex1: one-channel and RGB
#: inputs, the blocks of VGG-11 to VGG-19, the small VGG of the chapter.
_VGG_EX1_BLOCKS = (
    (1, 1, 64),
    (1, 3, 64),
    (2, 3, 64),
    (2, 64, 128),
    (1, 1, 16),
    (1, 16, 32),
    (2, 32, 64),
    (3, 128, 256),
    (4, 256, 512),
    (4, 512, 512),
    (1, 512, 512),
    (2, 16, 16),
)

_VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
_VGG16 = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
_SMALL = ((1, 16), (1, 32), (2, 64))

#: (label, conv_arch, input_size) for vgg-ex2: sizes that divide evenly,
#: sizes that the pooling floors, a single block, lists instead of tuples.
_VGG_EX2_NETS = (
    ("VGG-11, 224", _VGG11, 224),
    (
        "VGG-11 slim (channels / 4), 224",
        tuple((n, c // 4) for n, c in _VGG11),
        224,
    ),
    ("the chapter's small VGG, 28", _SMALL, 28),
    ("the chapter's small VGG, 32", _SMALL, 32),
    ("the chapter's small VGG, 30 (30 -> 15 -> 7 -> 3)", _SMALL, 30),
    ("VGG-11, 32", _VGG11, 32),
    ("VGG-16, 97", _VGG16, 97),
    ("two blocks, 30", ((1, 8), (1, 16)), 30),
    ("one block, 5", ((2, 10),), 5),
    ("a list of lists, 28", [[1, 32], [2, 64]], 28),
)

#: Stack depths for vgg-ex3 (VGG's paper argues with 2 and 3).
_VGG_EX3_DEPTHS = (1, 2, 3, 4, 5, 8)


def _num_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


@exercise(
    "vgg-ex1",
    alias="vgg_block_params",
    title="Parameters of a VGG block, block_params(n, c_in, c_out)",
)
def _vgg_ex1() -> list[Case]:
    import torch

    from d2lite.models import vgg_block

    cases = []
    for n, c_in, c_out in _VGG_EX1_BLOCKS:
        with torch.device("meta"):
            block = vgg_block(n, c_in, c_out)
        cases.append(
            Case(
                args=(n, c_in, c_out),
                expected=_num_params(block),
                label=f"num_convs={n}, in_channels={c_in}, "
                f"out_channels={c_out}",
            )
        )
    return cases


@exercise(
    "vgg-ex2",
    alias="vgg_flatten_size",
    title="Flatten size of a VGG, flatten_size(conv_arch, input_size)",
)
def _vgg_ex2() -> list[Case]:
    import torch

    from d2lite.models import vgg

    cases = []
    for label, arch, size in _VGG_EX2_NETS:
        with torch.device("meta"):
            net = vgg(arch, input_size=size, hidden=1)
        cases.append(
            Case(
                args=(arch, size),
                expected=net.fc1.in_features,
                label=f"{label}: conv_arch={arch!r}, input_size={size}",
            )
        )
    return cases


def _receptive_field(num_convs: int) -> int:
    """Side of the input window one output of a 3x3 stack depends on."""
    import torch
    from torch import nn

    size = 4 * num_convs + 3  # room on every side of the window
    generator = torch.Generator().manual_seed(0)
    stack = nn.Sequential(
        *[nn.Conv2d(2, 2, 3, padding=1, bias=False) for _ in range(num_convs)]
    )
    with torch.no_grad():
        for conv in stack:
            conv.weight.copy_(
                torch.rand(conv.weight.shape, generator=generator) + 0.5
            )
    X = torch.zeros(1, 2, size, size, requires_grad=True)  # (1, C, H, W)
    stack(X)[0, 0, size // 2, size // 2].backward()
    touched = X.grad[0].abs().sum(dim=0) > 0  # (H, W)
    return int(touched.any(dim=1).sum())  # rows the window spans


@exercise(
    "vgg-ex3",
    alias="stacked_3x3",
    title="Receptive field and weight ratio of n stacked 3x3 convs",
)
def _vgg_ex3() -> list[Case]:
    import torch
    from torch import nn

    channels = 4  # the ratio does not depend on it
    cases = []
    for n in _VGG_EX3_DEPTHS:
        k = _receptive_field(n)
        with torch.device("meta"):
            stack = [
                nn.Conv2d(channels, channels, 3, bias=False) for _ in range(n)
            ]
            single = nn.Conv2d(channels, channels, k, bias=False)
        ratio = sum(_num_params(c) for c in stack) / _num_params(single)
        cases.append(Case(args=(n,), expected=(k, ratio), label=f"n={n}"))
    return cases


@exercise(
    "vgg-ex4",
    kind="value",
    title="VGG-16 with global average pooling: fc1 and total",
)
def _vgg_ex4() -> list[Case]:
    import torch
    from torch import nn
    from torchvision import models

    with torch.device("meta"):
        net = models.vgg16(weights=None)
        net.avgpool = nn.AdaptiveAvgPool2d(1)  # (B, 512, 1, 1)
        net.classifier[0] = nn.Linear(512, 4096)
        net.eval()  # the modified model runs: 512 pooled values reach fc1
        if tuple(net(torch.zeros(1, 3, 224, 224)).shape) != (1, 1000):
            raise RuntimeError("VGG-16 with global average pooling broke")
    fc1 = net.classifier[0]
    return [
        Case(
            key="fc1",
            expected=_num_params(fc1),
            label='answer["fc1"]',
            hints={
                fc1.in_features * fc1.out_features: "a linear "
                "layer also has one bias per output"
            },
        ),
        Case(key="total", expected=_num_params(net), label='answer["total"]'),
    ]


#: vgg-ex6: the paper's configurations, as (name, convolutions per block),
#: and torchvision's weights whose metadata publishes each count.
_VGG_EX6_CONFIGS = (
    ("A (VGG-11)", (1, 1, 2, 2, 2), "VGG11_Weights"),
    ("B (VGG-13)", (2, 2, 2, 2, 2), "VGG13_Weights"),
    ("D (VGG-16)", (2, 2, 3, 3, 3), "VGG16_Weights"),
    ("E (VGG-19)", (2, 2, 4, 4, 4), "VGG19_Weights"),
)
_VGG_EX7_BUDGET, _VGG_EX7_ACC = 40_000, 0.80


def _vgg_config(convs_per_block: tuple[int, ...]) -> list:
    """The paper's list for a VGG: channels per convolution, "M" pools."""
    config: list = []
    for count, channels in zip(convs_per_block, (64, 128, 256, 512, 512)):
        config += [channels] * count + ["M"]
    return config


@exercise(
    "vgg-ex6",
    kind="custom",
    title="VGG-11/13/16/19 built from the paper's configuration table",
)
def _vgg_ex6(build) -> int:
    import torch
    from torch import nn
    from torchvision import models

    from d2lite.exercises.registry import CheckFailed, expect

    for name, blocks, weights in _VGG_EX6_CONFIGS:
        config = _vgg_config(blocks)
        with torch.device("meta"):
            net = build(list(config))
            try:
                shape = tuple(net(torch.zeros(2, 3, 224, 224)).shape)
            except RuntimeError as err:
                raise CheckFailed(
                    f"configuration {name} on a (2, 3, 224, 224) batch",
                    None,
                    None,
                    detail=f"the network raised {err}",
                ) from None
        expect(
            f"configuration {name}: output shape for a (2, 3, 224, 224) batch",
            (2, 1000),
            shape,
        )
        convs = sum(isinstance(m, nn.Conv2d) for m in net.modules())
        expect(
            f"configuration {name}: number of nn.Conv2d layers",
            sum(blocks),
            convs,
        )
        count = sum(p.numel() for p in net.parameters())
        published = getattr(models, weights).IMAGENET1K_V1.meta["num_params"]
        expect(f"configuration {name}: number of parameters", published, count)
    return len(_VGG_EX6_CONFIGS)


@exercise(
    "vgg-ex7",
    kind="custom",
    title="A VGG-style network under 40,000 parameters, trained",
)
def _vgg_ex7(make_net) -> int:
    import torch
    from torch import nn

    from d2lite.exercises.lenet import (
        SHORT_RUN,
        check_output_shape,
        short_run_accuracy,
    )
    from d2lite.exercises.registry import CheckFailed
    from d2lite.shapes import param_table

    torch.manual_seed(SHORT_RUN["seed"])
    net = make_net()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    odd = [
        (tuple(m.kernel_size), tuple(m.padding))
        for m in convs
        if tuple(m.kernel_size) != (3, 3) or tuple(m.padding) != (1, 1)
    ]
    if not convs or odd:
        raise CheckFailed(
            "convolutions",
            None,
            odd,
            detail="every convolution must be 3x3 with "
            f"padding 1; found (kernel, padding) {odd}"
            if convs
            else "the network has no nn.Conv2d",
        )
    pools = sum(isinstance(m, nn.MaxPool2d) for m in net.modules())
    if pools < 3:
        raise CheckFailed(
            "max poolings",
            None,
            pools,
            detail=f"{pools} nn.MaxPool2d layers; at least 3 are asked for",
        )
    check_output_shape(net, "tiny_vgg()")
    total = param_table(net).attrs["total"]
    if total > _VGG_EX7_BUDGET:
        raise CheckFailed(
            "number of parameters",
            None,
            total,
            detail=f"{total:,} parameters, over the budget of "
            f"{_VGG_EX7_BUDGET:,}; fc1 takes "
            "channels x 3 x 3 values",
        )
    accuracy = short_run_accuracy(net, **SHORT_RUN)
    if accuracy < _VGG_EX7_ACC:
        raise CheckFailed(
            "test accuracy after the short run",
            None,
            accuracy,
            detail=f"test accuracy {accuracy:.3f} after the short run, "
            f"below {_VGG_EX7_ACC}",
        )
    print(
        f"tiny_vgg: {total:,} parameters, test accuracy {accuracy:.3f} "
        "after the short run"
    )
    return 4
