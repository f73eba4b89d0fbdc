"""Hidden cases of chapter 2, LeNet: ``lenet-ex<N>``; the design checks.

Expected values come from real layers (``numel``) and from
:func:`d2lite.shapes.shape_trace` on :func:`d2lite.models.lenet`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from d2lite.data import load_fashion_mnist_tensors, split_train_valid
from d2lite.exercises._i18n import N_, _
from d2lite.exercises.registry import Case, CheckFailed, exercise, expect
from d2lite.models import lenet
from d2lite.shapes import param_table, shape_trace

_D2L = {"c1": 6, "c2": 16, "h1": 120, "h2": 84}
#: (label, changes to d2l's LeNet) for lenet-ex1; "side" is the flatten's.
LENET_EX1 = (
    (N_("d2l's LeNet"), {}),
    (N_("channels doubled"), {"c1": 12, "c2": 32}),
    (N_("hidden layers 256 and 128"), {"h1": 256, "h2": 128}),
    (N_("3x3 kernels, side 6"), {"kernel_size": 3, "side": 6}),
    (N_("colour input (CIFAR-10)"), {"in_channels": 3}),
    (N_("100 classes"), {"num_classes": 100}),
    (N_("one channel each"), {"c1": 1, "c2": 1, "side": 1}),
    (
        N_("7x7 kernels, 20 and 50 channels, side 4"),
        {"c1": 20, "c2": 50, "kernel_size": 7, "side": 4, "h1": 500},
    ),
)
#: The short run of lenet-ex6 and vgg-ex7: Adam, seed 0, two epochs over
#: training images, accuracy on other training images held out for
#: validation (the first 12,000 split by split_train_valid); never on test
#: images, which must not judge a design.
#: lenet-ex6: name, budget, target accuracy, hints for each.
LENET_EX6 = ("small_lenet", 20_000, 0.75, (
    N_("look at fc1 first"),
    N_("try ReLU and max pooling, as the chapter's trained LeNet"),
))  # fmt: skip
SHORT_RUN = {"num_train": 10_000, "num_valid": 2_000, "num_epochs": 2,
             "batch_size": 64, "lr": 0.002, "seed": 0}  # fmt: skip


def _layers(
    c1: int,
    c2: int,
    h1: int,
    h2: int,
    *,
    in_channels: int = 1,
    kernel_size: int = 5,
    side: int = 5,
    num_classes: int = 10,
) -> dict[str, int]:
    """Parameters per layer, counted on real ``nn.Conv2d``/``nn.Linear``."""
    layers = {
        "conv1": nn.Conv2d(in_channels, c1, kernel_size=kernel_size),
        "conv2": nn.Conv2d(c1, c2, kernel_size=kernel_size),
        "fc1": nn.Linear(c2 * side * side, h1),
        "fc2": nn.Linear(h1, h2),
        "fc3": nn.Linear(h2, num_classes),
    }
    return {
        k: sum(p.numel() for p in v.parameters()) for k, v in layers.items()
    }


@exercise("lenet-ex1")
def _lenet_ex1() -> list[Case]:
    """LeNet's parameters per layer from its layer sizes."""
    table = param_table(lenet("d2l")).set_index("layer")["params"]
    if _layers(**_D2L) != {k: int(table[k]) for k in _layers(**_D2L)}:
        raise RuntimeError("lenet-ex1's reference disagrees with param_table")
    cases = []
    for label, changes in LENET_EX1:
        kwargs = {**_D2L, **changes}
        args = tuple(kwargs.pop(k) for k in _D2L)
        cases.append(Case(args, kwargs, _layers(*args, **kwargs), _(label)))
    return cases


@exercise("lenet-ex2", kind="value")
def _lenet_ex2() -> int:
    """Parameters of LeNet with twice the channels."""
    return sum(_layers(**{**_D2L, "c1": 12, "c2": 32}).values())


def _flatten_values(variant: str, size: int) -> int:
    """Values per image at ``flatten`` of ``lenet(variant)`` on size x size."""
    net = lenet(variant)
    features = net[: list(dict(net.named_children())).index("flatten") + 1]
    trace = shape_trace(features, (1, 1, size, size))
    return int(trace["output_shape"].iloc[-1][1])


@exercise("lenet-ex3", kind="value")
def _lenet_ex3() -> list[Case]:
    """Flatten size of LeNet for other input sizes."""
    keys = {"unpadded_32": ("original", 32), "padded_32": ("d2l", 32),
            "unpadded_64": ("original", 64)}  # fmt: skip
    return Case.items({k: _flatten_values(*v) for k, v in keys.items()})


def short_run_accuracy(
    net,
    *,
    num_train: int,
    num_valid: int,
    num_epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> float:
    """Train ``net`` briefly on real Fashion-MNIST; its validation accuracy.

    The first ``num_train + num_valid`` training images ``(B, 1, 28, 28)``
    in [0, 1], split by ``split_train_valid(seed=seed)``; Adam; a seeded
    shuffle. The test images are not used.
    """
    X, y = load_fashion_mnist_tensors(train=True)
    count = num_train + num_valid
    X, y = X[:count, None].float() / 255, y[:count].long()
    X, y, X_valid, y_valid = split_train_valid(
        X, y, valid_fraction=num_valid / count, seed=seed
    )
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    for _epoch in range(num_epochs):
        order = torch.randperm(num_train, generator=generator)
        for batch in order.split(batch_size):
            loss = F.cross_entropy(net(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    net.eval()
    with torch.no_grad():
        return float((net(X_valid).argmax(dim=1) == y_valid).float().mean())


def check_design(
    net, label: str | None = None, budget: int | None = None, hint: str = ""
) -> int | None:
    """Raise CheckFailed unless ``net`` maps (B, 1, 28, 28) to (B, 10) and
    has at most ``budget`` parameters; return their count."""

    net.eval()
    for batch in (2, 5):
        with torch.no_grad():
            shape = tuple(net(torch.zeros(batch, 1, 28, 28)).shape)
        if shape != (batch, 10):
            where = _("output for a {shape} batch").format(
                shape=(batch, 1, 28, 28)
            )
            if label:
                where = _("{net}: {where}").format(net=label, where=where)
            raise CheckFailed(
                where,
                received=shape,
                detail=_(
                    "the output has shape {shape}, not ({batch}, 10); "
                    "dl.shape_trace shows where the sizes go"
                ).format(shape=shape, batch=batch),
            )
    if budget is None:
        return None
    total = param_table(net).attrs["total"]
    if total > budget:
        raise CheckFailed(
            _("number of parameters"),
            received=total,
            detail=_(
                "{total:,} parameters, over the budget of {budget:,}; {hint}"
            ).format(total=total, budget=budget, hint=hint),
        )
    return total


def check_short_run(
    make_net,
    name: str,
    budget: int,
    target: float,
    hints: tuple[str, str],
    inspect=None,
) -> None:
    """Build ``make_net()`` (seeded), ``inspect`` it, check its design, train
    it for :data:`SHORT_RUN`; its accuracy must reach ``target``."""
    torch.manual_seed(SHORT_RUN["seed"])
    net = make_net()
    if inspect is not None:
        inspect(net)
    total = check_design(net, f"{name}()", budget, _(hints[0]))
    accuracy = short_run_accuracy(net, **SHORT_RUN)
    if accuracy < target:
        below = _(
            "validation accuracy {accuracy:.3f} after the short run, "
            "below {target}"
        )
        if hints[1]:
            below = _(
                "validation accuracy {accuracy:.3f} after the short run, "
                "below {target}; {hint}"
            )
        raise CheckFailed(
            _("validation accuracy after the short run"),
            received=accuracy,
            detail=below.format(
                accuracy=accuracy, target=target, hint=_(hints[1])
            ),
        )
    print(
        _(
            "{name}: {total:,} parameters, validation accuracy "
            "{accuracy:.3f} after the short run"
        ).format(name=name, total=total, accuracy=accuracy)
    )


@exercise("lenet-ex4")
def _lenet_ex4(net) -> int:
    """LeNet with global average pooling instead of fc1's flatten."""

    check_design(net, "gap_lenet")
    if not any(isinstance(m, nn.AdaptiveAvgPool2d) for m in net.modules()):
        raise CheckFailed(
            _("global average pooling"),
            detail=_("the network has no nn.AdaptiveAvgPool2d layer"),
        )
    ref = lenet("d2l")
    expect(
        _("(in_features, out_features) of the linear layers"),
        [(16, ref.fc1.out_features)]
        + [(m.in_features, m.out_features) for m in (ref.fc2, ref.fc3)],
        [
            (m.in_features, m.out_features)
            for m in net.modules()
            if isinstance(m, nn.Linear)
        ],
    )
    fc1 = ref.fc1  # 400 -> 120 becomes 16 -> 120
    total = (
        param_table(ref).attrs["total"]
        - fc1.weight.numel()
        + 16 * fc1.out_features
    )
    expect(_("number of parameters"), total, param_table(net).attrs["total"])
    return 4


@exercise("lenet-ex6")
def _lenet_ex6(make_net) -> int:
    """A LeNet under 20,000 parameters that trains in seconds."""
    check_short_run(make_net, *LENET_EX6)
    return 3


def _activations_saved() -> int:
    """Activation evaluations per image saved by pooling first in LeNet."""
    trace = shape_trace(lenet("relu"), (1, 1, 28, 28)).set_index("layer")

    def numel(name: str) -> int:
        return int(torch.Size(trace.loc[name, "output_shape"]).numel())

    return sum(numel(f"act{b}") - numel(f"pool{b}") for b in (1, 2))


@exercise("lenet-ex7", kind="value")
def _lenet_ex7() -> list[Case]:
    """Max pooling through ReLU: which pairs commute, what it saves."""
    monotone = _("what property of ReLU did part (a) use?")
    both = _("count both blocks")
    return Case.items(
        {
            "sigmoid_max": True,
            "relu_avg": False,
            "abs_max": False,
            "saved": _activations_saved(),
        },  # fmt: skip
        hints={
            "sigmoid_max": {False: monotone},
            "relu_avg": {True: _("try the window (-1, 1, -1, 1)")},
            "abs_max": {
                True: _("is |x| non-decreasing? {hint}").format(hint=monotone)
            },
            "saved": {3_528: both, 1_200: both},
        },
    )
