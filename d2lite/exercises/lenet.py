"""Hidden cases of the checked exercises of chapter 2, LeNet.

The notebook ``notebooks/02_lenet.ipynb`` calls ``dl.check("lenet-ex<N>",
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
    ("7x7 kernels, 20 and 50 channels, side 4",
     {"c1": 20, "c2": 50, "kernel_size": 7, "side": 4, "h1": 500}),
)
_LENET_DEFAULTS = {"c1": 6, "c2": 16, "h1": 120, "h2": 84}


def _lenet_layers(c1: int, c2: int, h1: int, h2: int, *,
                  in_channels: int = 1, kernel_size: int = 5, side: int = 5,
                  num_classes: int = 10) -> dict[str, int]:
    """Parameters per layer, counted on real ``nn.Conv2d``/``nn.Linear``."""
    from torch import nn

    layers = {
        "conv1": nn.Conv2d(in_channels, c1, kernel_size=kernel_size),
        "conv2": nn.Conv2d(c1, c2, kernel_size=kernel_size),
        "fc1": nn.Linear(c2 * side * side, h1),
        "fc2": nn.Linear(h1, h2),
        "fc3": nn.Linear(h2, num_classes),
    }
    return {name: sum(p.numel() for p in layer.parameters())
            for name, layer in layers.items()}


@exercise("lenet-ex1", alias="lenet_params",
          title="LeNet's parameters per layer from its layer sizes")
def _lenet_ex1() -> list[Case]:
    from d2lite.models import lenet
    from d2lite.shapes import param_table

    table = param_table(lenet("d2l")).set_index("layer")["params"]
    reference = {name: int(table[name])
                 for name in ("conv1", "conv2", "fc1", "fc2", "fc3")}
    if _lenet_layers(**_LENET_DEFAULTS) != reference:
        raise RuntimeError("lenet-ex1's reference disagrees with "
                           "param_table(lenet('d2l'))")
    cases = []
    for label, changes in _LENET_EX1_CONFIGS:
        kwargs = {**_LENET_DEFAULTS, **changes}
        args = tuple(kwargs.pop(k) for k in ("c1", "c2", "h1", "h2"))
        cases.append(Case(args=args, kwargs=kwargs,
                          expected=_lenet_layers(*args, **kwargs),
                          label=label))
    return cases


@exercise("lenet-ex2", kind="value",
          title="Parameters of LeNet with twice the channels")
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


@exercise("lenet-ex3", kind="value",
          title="Flatten size of LeNet for other input sizes")
def _lenet_ex3() -> list[Case]:
    expected = {"unpadded_32": _flatten_values("original", 32),
                "padded_32": _flatten_values("d2l", 32),
                "unpadded_64": _flatten_values("original", 64)}
    return [Case(key=key, expected=value, label=f'answer["{key}"]')
            for key, value in expected.items()]
