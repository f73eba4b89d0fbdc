"""Hidden cases of chapter 3, VGG: ``vgg-ex<N>``.

Expected values come from real modules built on PyTorch's ``meta`` device
(shapes, no storage): ``numel``, ``fc1.in_features`` of
:func:`d2lite.models.vgg`, receptive fields by backpropagation.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from d2lite.exercises._i18n import N_, _
from d2lite.exercises.lenet import check_short_run
from d2lite.exercises.registry import Case, CheckFailed, exercise, expect
from d2lite.models import vgg, vgg_block

#: (num_convs, in_channels, out_channels) for vgg-ex1: one-channel and RGB
#: inputs, the blocks of VGG-11 to VGG-19, the small VGG of the chapter.
VGG_EX1 = (
    (1, 1, 64), (1, 3, 64), (2, 3, 64), (2, 64, 128), (1, 1, 16),
    (1, 16, 32), (2, 32, 64), (3, 128, 256), (4, 256, 512),
    (4, 512, 512), (1, 512, 512), (2, 16, 16),
)  # fmt: skip
_VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
_VGG16 = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
_SMALL = ((1, 16), (1, 32), (2, 64))
_SLIM = tuple((n, c // 4) for n, c in _VGG11)
#: (label, conv_arch, input_size) for vgg-ex2: sizes that divide evenly,
#: sizes that the pooling floors, a single block, lists instead of tuples.
VGG_EX2 = (
    ("VGG-11, 224", _VGG11, 224),
    (N_("VGG-11 slim (channels / 4), 224"), _SLIM, 224),
    (N_("the chapter's small VGG, 28"), _SMALL, 28),
    (N_("the chapter's small VGG, 32"), _SMALL, 32),
    (N_("the chapter's small VGG, 30 (30 -> 15 -> 7 -> 3)"), _SMALL, 30),
    ("VGG-11, 32", _VGG11, 32),
    ("VGG-16, 97", _VGG16, 97),
    (N_("two blocks, 30"), ((1, 8), (1, 16)), 30),
    (N_("one block, 5"), ((2, 10),), 5),
    (N_("a list of lists, 28"), [[1, 32], [2, 64]], 28),
)  # fmt: skip
#: Stack depths for vgg-ex3 (VGG's paper argues with 2 and 3).
VGG_EX3 = (1, 2, 3, 4, 5, 8)
#: vgg-ex6: the paper's configurations (convolutions per block), and the
#: torchvision weights whose metadata publishes each parameter count.
VGG_EX6 = (
    ("A (VGG-11)", (1, 1, 2, 2, 2), "VGG11_Weights"),
    ("B (VGG-13)", (2, 2, 2, 2, 2), "VGG13_Weights"),
    ("D (VGG-16)", (2, 2, 3, 3, 3), "VGG16_Weights"),
    ("E (VGG-19)", (2, 2, 4, 4, 4), "VGG19_Weights"),
)

#: vgg-ex7: name, budget, target accuracy, hints (see lenet.LENET_EX6).
VGG_EX7 = ("tiny_vgg", 40_000, 0.80,
           (N_("fc1 takes channels x 3 x 3 values"), ""))  # fmt: skip
#: vgg-ex8: the GPU's bytes (16 GB), and the relative error that rounding
#: the chapter's numbers may cause in the largest batch.
VGG_EX8 = {"gpu_bytes": 16 * 10**9, "rtol": 0.01}


def _on_meta(build, *args) -> int:
    """Parameters of ``build(*args)``, built on the ``meta`` device."""
    with torch.device("meta"):
        return sum(p.numel() for p in build(*args).parameters())


@exercise("vgg-ex1")
def _vgg_ex1() -> list[Case]:
    """Parameters of a VGG block, block_params(n, c_in, c_out)."""
    label = "num_convs={}, in_channels={}, out_channels={}"
    return [
        Case(args=b, expected=_on_meta(vgg_block, *b), label=label.format(*b))
        for b in VGG_EX1
    ]


@exercise("vgg-ex2")
def _vgg_ex2() -> list[Case]:
    """Flatten size of a VGG, flatten_size(conv_arch, input_size)."""

    def flatten(arch, size: int) -> int:
        with torch.device("meta"):
            return vgg(arch, input_size=size, hidden=1).fc1.in_features

    return [
        Case(
            args=(arch, size),
            expected=flatten(arch, size),
            label=f"{_(label)}: conv_arch={arch!r}, input_size={size}",
        )
        for label, arch, size in VGG_EX2
    ]


def _receptive_field(num_convs: int) -> int:
    """Side of the input window one output of a 3x3 stack depends on."""
    size = 4 * num_convs + 3  # room on every side of the window
    generator = torch.Generator().manual_seed(0)
    stack = nn.Sequential(
        *[
            nn.Conv2d(2, 2, 3, padding=1, bias=False)
            for _conv in range(num_convs)
        ]
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


@exercise("vgg-ex3")
def _vgg_ex3() -> list[Case]:
    """Receptive field and weight ratio of n stacked 3x3 convs."""

    def conv(k: int):  # the ratio does not depend on the channels
        return nn.Conv2d(4, 4, k, bias=False)

    cases = []
    for n in VGG_EX3:
        k = _receptive_field(n)
        ratio = n * _on_meta(conv, 3) / _on_meta(conv, k)
        cases.append(Case(args=(n,), expected=(k, ratio), label=f"n={n}"))
    return cases


@exercise("vgg-ex4", kind="value")
def _vgg_ex4() -> list[Case]:
    """VGG-16 with global average pooling: fc1 and total."""
    from torchvision import models

    with torch.device("meta"):
        net = models.vgg16(weights=None)
        net.avgpool = nn.AdaptiveAvgPool2d(1)  # (B, 512, 1, 1)
        net.classifier[0] = fc1 = nn.Linear(512, 4096)
        net.eval()  # the modified model runs: 512 pooled values reach fc1
        if tuple(net(torch.zeros(1, 3, 224, 224)).shape) != (1, 1000):
            raise RuntimeError("VGG-16 with global average pooling broke")
    bias = _("a linear layer also has one bias per output")
    return Case.items(
        {"fc1": _on_meta(lambda: fc1), "total": _on_meta(lambda: net)},
        {"fc1": {fc1.in_features * fc1.out_features: bias}},
    )


@exercise("vgg-ex6")
def _vgg_ex6(build) -> int:
    """VGG-11/13/16/19 built from the paper's configuration table."""
    from torchvision import models

    for name, blocks, weights in VGG_EX6:
        config: list = []
        for count, channels in zip(blocks, (64, 128, 256, 512, 512)):
            config += [channels] * count + ["M"]
        with torch.device("meta"):
            net = build(config)
            try:
                shape = tuple(net(torch.zeros(2, 3, 224, 224)).shape)
            except RuntimeError as err:
                raise CheckFailed(
                    _(
                        "configuration {name} on a (2, 3, 224, 224) batch"
                    ).format(name=name),
                    detail=_("the network raised {error}").format(error=err),
                ) from None
        published = getattr(models, weights).IMAGENET1K_V1.meta["num_params"]
        for what, want, got in (
            (_("output shape for a (2, 3, 224, 224) batch"), (2, 1000), shape),
            (
                _("number of nn.Conv2d layers"),
                sum(blocks),
                sum(isinstance(m, nn.Conv2d) for m in net.modules()),
            ),
            (
                _("number of parameters"),
                published,
                sum(p.numel() for p in net.parameters()),
            ),
        ):
            where = _("configuration {name}: {what}")
            expect(where.format(name=name, what=what), want, got)
    return len(VGG_EX6)


def _vgg_style(net) -> None:
    """Raise CheckFailed unless every conv is 3x3, padding 1, with 3 pools."""
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    odd = [
        (tuple(m.kernel_size), tuple(m.padding))
        for m in convs
        if (tuple(m.kernel_size), tuple(m.padding)) != ((3, 3), (1, 1))
    ]
    if not convs or odd:
        raise CheckFailed(
            _("convolutions"),
            received=odd,
            detail=_(
                "every convolution must be 3x3 with padding 1; found "
                "(kernel, padding) {odd}"
            ).format(odd=odd)
            if convs
            else _("the network has no nn.Conv2d"),
        )
    pools = sum(isinstance(m, nn.MaxPool2d) for m in net.modules())
    if pools < 3:
        raise CheckFailed(
            _("max poolings"),
            received=pools,
            detail=_(
                "{pools} nn.MaxPool2d layers; at least 3 are asked for"
            ).format(pools=pools),
        )


@exercise("vgg-ex7")
def _vgg_ex7(make_net) -> int:
    """A VGG-style network under 40,000 parameters, trained."""
    check_short_run(make_net, *VGG_EX7, inspect=_vgg_style)
    return 4


def _vgg16_step_bytes() -> tuple[int, int]:
    """VGG-16's parameters, and the bytes autograd saves for backward per
    3x224x224 image in training mode (measured on the ``meta`` device)."""
    from torchvision import models

    with torch.device("meta"):
        net = models.vgg16(weights=None).train()
        X = torch.zeros(2, 3, 224, 224)  # (B, C, H, W)
    weights = {
        id(s): s for s in (p.untyped_storage() for p in net.parameters())
    }
    saved: dict = {}  # id -> storage, kept alive so that no id is reused

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if id(storage) not in weights:
            saved[id(storage)] = storage
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        net(X)
    per_image = sum(s.nbytes() for s in saved.values()) // len(X)
    return sum(p.numel() for p in net.parameters()), per_image


@exercise("vgg-ex8")
def _vgg_ex8(answer) -> int:
    """The largest batch of VGG-16 on a 16 GB GPU, with Adam and SGD."""
    if not isinstance(answer, Mapping):
        raise CheckFailed(
            _("answer"),
            received=answer,
            detail=_(
                "answer must be a dict with the keys 'adam' and 'sgd_momentum'"
            ),
        )
    params, per_image = _vgg16_step_bytes()
    gpu, rtol = VGG_EX8["gpu_bytes"], VGG_EX8["rtol"]
    state = {"adam": 8, "sgd_momentum": 4}  # bytes of state per parameter

    def batch(fixed: float, memory: float = gpu) -> float:
        return (memory - fixed * params) / per_image

    for key, other in (("adam", "sgd_momentum"), ("sgd_momentum", "adam")):
        received = answer.get(key)
        mistakes = [
            (batch(8 + state[other]), _("Adam keeps two numbers per "
             "parameter, SGD with momentum one")),
            (batch(4), _("a training step keeps more than the parameters")),
            (batch(8), _("count the optimizer's state too")),
            (batch(0), _("the parameters, their gradients and the "
             "optimizer's state take memory too")),
            (batch(8 + state[key], 16 * 2**30), _("16 GB is 16 * 10**9 "
             "bytes here, not 16 * 2**30")),
        ]  # fmt: skip
        near = [
            (abs(received - value), text)
            for value, text in mistakes
            if isinstance(received, (int, float))
            and abs(received - value) < 1  # the value or its floor
        ]
        hint = min(near)[1] if near else None
        expect(
            f'answer["{key}"]',
            batch(8 + state[key]),
            received,
            rtol=rtol,
            hints={received: hint} if hint else None,
        )
    return 2
