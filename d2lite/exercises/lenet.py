"""Hidden cases of the checked exercises of chapter 2, LeNet.

The chapter on LeNet calls ``dl.check("lenet-ex<N>",
answer)``. Expected values are computed here from real PyTorch layers
(parameter counts with ``numel``) and from :func:`d2lite.shapes.shape_trace`
on :func:`d2lite.models.lenet`, never typed in.
"""

from __future__ import annotations

from d2lite.exercises.registry import Case, exercise

#: Keyword arguments of ``lenet_params`` for lenet-ex1, with a label each:
#: d2l's LeNet, wider and narrower ones, 3x3 kernels, colour input, more
#: classes, and a 1x1 flatten (C5 on a 5x5 input, as in the paper).
_LENET_EX1_CONFIGS = (
    ("d2l's LeNet", {}),
    ("channels doubled", {"c1": 12, "c2": 32}),
    ("hidden layers 256 and 128", {"h1": 256, "h2": 128}),
    ("3x3 kernels, side 6", {"kernel_size": 3, "side": 6}),
    ("colour input (CIFAR-10)", {"in_channels": 3}),
    ("100 classes", {"num_classes": 100}),
    ("one channel each", {"c1": 1, "c2": 1, "side": 1}),
    (
        "7x7 kernels, 20 and 50 channels, side 4",
        {"c1": 20, "c2": 50, "kernel_size": 7, "side": 4, "h1": 500},
    ),
)
_LENET_DEFAULTS = {"c1": 6, "c2": 16, "h1": 120, "h2": 84}


def _lenet_layers(
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
    from torch import nn

    layers = {
        "conv1": nn.Conv2d(in_channels, c1, kernel_size=kernel_size),
        "conv2": nn.Conv2d(c1, c2, kernel_size=kernel_size),
        "fc1": nn.Linear(c2 * side * side, h1),
        "fc2": nn.Linear(h1, h2),
        "fc3": nn.Linear(h2, num_classes),
    }
    return {
        name: sum(p.numel() for p in layer.parameters())
        for name, layer in layers.items()
    }


@exercise(
    "lenet-ex1",
    alias="lenet_params",
    title="LeNet's parameters per layer from its layer sizes",
)
def _lenet_ex1() -> list[Case]:
    from d2lite.models import lenet
    from d2lite.shapes import param_table

    table = param_table(lenet("d2l")).set_index("layer")["params"]
    reference = {
        name: int(table[name])
        for name in ("conv1", "conv2", "fc1", "fc2", "fc3")
    }
    if _lenet_layers(**_LENET_DEFAULTS) != reference:
        raise RuntimeError(
            "lenet-ex1's reference disagrees with param_table(lenet('d2l'))"
        )
    cases = []
    for label, changes in _LENET_EX1_CONFIGS:
        kwargs = {**_LENET_DEFAULTS, **changes}
        args = tuple(kwargs.pop(k) for k in ("c1", "c2", "h1", "h2"))
        cases.append(
            Case(
                args=args,
                kwargs=kwargs,
                expected=_lenet_layers(*args, **kwargs),
                label=label,
            )
        )
    return cases


@exercise(
    "lenet-ex2",
    kind="value",
    title="Parameters of LeNet with twice the channels",
)
def _lenet_ex2() -> int:
    counts = _lenet_layers(c1=12, c2=32, h1=120, h2=84)
    return sum(counts.values())


def _flatten_values(variant: str, size: int) -> int:
    """Values per image at ``flatten`` of ``lenet(variant)`` on size x size."""
    from d2lite.models import lenet
    from d2lite.shapes import shape_trace

    net = lenet(variant)
    features = net[: list(dict(net.named_children())).index("flatten") + 1]
    trace = shape_trace(features, (1, 1, size, size))
    return int(trace["output_shape"].iloc[-1][1])


@exercise(
    "lenet-ex3",
    kind="value",
    title="Flatten size of LeNet for other input sizes",
)
def _lenet_ex3() -> list[Case]:
    expected = {
        "unpadded_32": _flatten_values("original", 32),
        "padded_32": _flatten_values("d2l", 32),
        "unpadded_64": _flatten_values("original", 64),
    }
    return [
        Case(key=key, expected=value, label=f'answer["{key}"]')
        for key, value in expected.items()
    ]


#: The short run of lenet-ex6 (and vgg-ex7): Adam, seed 0, two epochs over
#: the first training images, accuracy on the first test images.
SHORT_RUN = {
    "num_train": 10_000,
    "num_test": 2_000,
    "num_epochs": 2,
    "batch_size": 64,
    "lr": 0.002,
    "seed": 0,
}
_LENET_EX6_BUDGET, _LENET_EX6_ACC = 20_000, 0.75


def short_run_accuracy(
    net,
    *,
    num_train: int,
    num_test: int,
    num_epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> float:
    """Train ``net`` briefly on real Fashion-MNIST; its test accuracy.

    Images ``(B, 1, 28, 28)`` scaled to [0, 1]; Adam; a seeded shuffle.
    """
    import torch
    from torch.nn import functional as F

    from d2lite.data import load_fashion_mnist_tensors

    X, y = load_fashion_mnist_tensors(train=True)
    X, y = X[:num_train, None].float() / 255, y[:num_train].long()
    X_test, y_test = load_fashion_mnist_tensors(train=False)
    X_test = X_test[:num_test, None].float() / 255
    y_test = y_test[:num_test].long()
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    for _ in range(num_epochs):
        order = torch.randperm(num_train, generator=generator)
        for start in range(0, num_train, batch_size):
            batch = order[start : start + batch_size]
            loss = F.cross_entropy(net(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    net.eval()
    with torch.no_grad():
        return float((net(X_test).argmax(dim=1) == y_test).float().mean())


def check_output_shape(net, label: str | None = None) -> None:
    """Raise CheckFailed unless ``net`` maps (B, 1, 28, 28) to (B, 10).

    The chapters' design checks share it; ``label`` names the answer.
    """
    import torch

    from d2lite.exercises.registry import CheckFailed

    net.eval()
    for batch in (2, 5):
        with torch.no_grad():
            shape = tuple(net(torch.zeros(batch, 1, 28, 28)).shape)
        if shape != (batch, 10):
            raise CheckFailed(
                f"{label + ': ' if label else ''}output for a "
                f"({batch}, 1, 28, 28) batch",
                None,
                shape,
                detail=f"the output has shape {shape}, not "
                f"({batch}, 10); dl.shape_trace shows where "
                "the sizes go",
            )


@exercise(
    "lenet-ex4",
    kind="custom",
    title="LeNet with global average pooling instead of fc1's flatten",
)
def _lenet_ex4(net) -> int:
    from torch import nn

    from d2lite.exercises.registry import CheckFailed, expect
    from d2lite.models import lenet
    from d2lite.shapes import param_table

    check_output_shape(net, "gap_lenet")
    if not any(isinstance(m, nn.AdaptiveAvgPool2d) for m in net.modules()):
        raise CheckFailed(
            "global average pooling",
            None,
            None,
            detail="the network has no nn.AdaptiveAvgPool2d layer",
        )
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    reference = lenet("d2l")
    expected = [
        (16, reference.fc1.out_features),
        (reference.fc2.in_features, reference.fc2.out_features),
        (reference.fc3.in_features, reference.fc3.out_features),
    ]
    expect(
        "(in_features, out_features) of the linear layers",
        expected,
        [(m.in_features, m.out_features) for m in linears],
    )
    fc1 = reference.fc1  # 400 -> 120 becomes 16 -> 120
    total = (
        param_table(reference).attrs["total"]
        - fc1.weight.numel()
        + 16 * fc1.out_features
    )
    expect("number of parameters", total, param_table(net).attrs["total"])
    return 4


@exercise(
    "lenet-ex6",
    kind="custom",
    title="A LeNet under 20,000 parameters that trains in seconds",
)
def _lenet_ex6(make_net) -> int:
    import torch

    from d2lite.exercises.registry import CheckFailed
    from d2lite.shapes import param_table

    torch.manual_seed(SHORT_RUN["seed"])
    net = make_net()
    check_output_shape(net, "small_lenet()")
    total = param_table(net).attrs["total"]
    if total > _LENET_EX6_BUDGET:
        raise CheckFailed(
            "number of parameters",
            None,
            total,
            detail=f"{total:,} parameters, over the budget of "
            f"{_LENET_EX6_BUDGET:,}; look at fc1 first",
        )
    accuracy = short_run_accuracy(net, **SHORT_RUN)
    if accuracy < _LENET_EX6_ACC:
        raise CheckFailed(
            "test accuracy after the short run",
            None,
            accuracy,
            detail=f"test accuracy {accuracy:.3f} after the short run, "
            f"below {_LENET_EX6_ACC}; ReLU and max pooling learn "
            "faster than the sigmoid and average pooling",
        )
    print(
        f"small_lenet: {total:,} parameters, test accuracy "
        f"{accuracy:.3f} after the short run"
    )
    return 3
