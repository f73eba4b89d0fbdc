"""Tests for d2lite.shapes: size arithmetic, parameter tables, shape traces."""

from __future__ import annotations

import random
import warnings

import pytest
import torch
import torchvision
from torch import nn

from d2lite.models import lenet, vgg
from d2lite.shapes import (
    ShapeMismatchError,
    conv_output_size,
    param_table,
    pool_output_size,
    shape_trace,
)

NUM_CONFIGS = 400


# ---------------------------------------------------------------------------
# conv_output_size / pool_output_size against PyTorch
# ---------------------------------------------------------------------------


def _random_configs(seed: int):
    rng = random.Random(seed)
    for _ in range(NUM_CONFIGS):
        yield {
            "n": rng.randint(1, 24),
            "kernel_size": rng.randint(1, 7),
            "stride": rng.randint(1, 4),
            "padding": rng.randint(0, 4),
            "dilation": rng.randint(1, 3),
            "ceil_mode": rng.random() < 0.5,
        }


def _torch_sizes(layer: nn.Module, n: int):
    """Output (H, W) for an (n, n + 3) input, or None if PyTorch refuses."""
    X = torch.zeros(1, 1, n, n + 3)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(layer(X).shape[2:])
    except RuntimeError:
        return None


def _our_sizes(fn, n: int, **kwargs):
    try:
        return (fn(n, **kwargs), fn(n + 3, **kwargs))
    except ValueError:
        return None


def _compare(kind: str, seed: int):
    mismatches, refused = [], 0
    for cfg in _random_configs(seed):
        n, k, s, p, d = (
            cfg[key]
            for key in ("n", "kernel_size", "stride", "padding", "dilation")
        )
        if kind == "conv":
            layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
            ours = _our_sizes(
                conv_output_size,
                n,
                kernel_size=k,
                padding=p,
                stride=s,
                dilation=d,
            )
        elif kind == "max":
            layer = nn.MaxPool2d(
                k, stride=s, padding=p, dilation=d, ceil_mode=cfg["ceil_mode"]
            )
            ours = _our_sizes(
                pool_output_size,
                n,
                kernel_size=k,
                stride=s,
                padding=p,
                dilation=d,
                ceil_mode=cfg["ceil_mode"],
            )
        else:
            layer = nn.AvgPool2d(
                k, stride=s, padding=p, ceil_mode=cfg["ceil_mode"]
            )
            ours = _our_sizes(
                pool_output_size,
                n,
                kernel_size=k,
                stride=s,
                padding=p,
                ceil_mode=cfg["ceil_mode"],
            )
        theirs = _torch_sizes(layer, n)
        refused += theirs is None
        if ours != theirs:
            mismatches.append((cfg, ours, theirs))
    return mismatches, refused


@pytest.mark.parametrize("kind,seed", [("conv", 0), ("max", 1), ("avg", 2)])
def test_sizes_match_pytorch_on_random_configs(kind, seed):
    mismatches, refused = _compare(kind, seed)
    assert mismatches == [], mismatches[:5]
    # both outcomes were exercised: valid sizes and refused configurations
    assert 0.1 * NUM_CONFIGS < refused < 0.9 * NUM_CONFIGS


def test_known_sizes():
    assert conv_output_size(28, 5, padding=2) == 28  # d2l LeNet conv1
    assert conv_output_size(32, 5) == 28  # original LeNet conv1
    assert conv_output_size(224, 11, padding=1, stride=4) == 54  # AlexNet
    assert conv_output_size(8, 3, dilation=2) == 4
    assert pool_output_size(28, 2) == 14  # stride=None means kernel_size
    assert pool_output_size(5, 2) == 2
    assert pool_output_size(5, 2, ceil_mode=True) == 3
    assert pool_output_size(7, 3, stride=2, padding=1) == 4


def test_ceil_mode_drops_a_window_starting_in_the_right_padding():
    # (5 + 2 - 2 + 1) // 2 + 1 = 4 windows, but the 4th would start at 6,
    # inside the right padding, so PyTorch keeps 3.
    assert pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True) == 3
    X = torch.zeros(1, 1, 5, 5)
    Y = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)(X)
    assert tuple(Y.shape[2:]) == (3, 3)


def test_kernel_larger_than_padded_input_raises():
    with pytest.raises(ValueError) as info:
        conv_output_size(4, 5, padding=0)
    message = str(info.value)
    assert "kernel_size=5" in message and "4" in message
    assert conv_output_size(4, 5, padding=1) == 2  # padding rescues it
    with pytest.raises(ValueError, match="dilation=3"):
        conv_output_size(6, 3, dilation=3)  # spans 7 pixels
    with pytest.raises(ValueError, match="kernel_size=4"):
        pool_output_size(3, 4, padding=0)


def test_pool_padding_rule_is_pytorchs():
    assert pool_output_size(10, 4, padding=2) == 3  # padding = kernel / 2
    with pytest.raises(ValueError) as info:
        pool_output_size(10, 3, padding=2)
    assert "padding=2" in str(info.value)
    assert "kernel_size=3" in str(info.value)
    with pytest.raises(RuntimeError):
        nn.MaxPool2d(3, padding=2)(torch.zeros(1, 1, 10, 10))


# ---------------------------------------------------------------------------
# param_table
# ---------------------------------------------------------------------------


def _numel(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    "name,expected",
    [
        ("vgg16", 138_357_544),
        ("resnet18", 11_689_512),
        ("mobilenet_v3_small", None),
        ("squeezenet1_0", None),
        ("densenet121", None),
    ],
)
def test_param_table_total_matches_torchvision(name, expected):
    with torch.device("meta"):  # shapes only: fast, no memory
        model = getattr(torchvision.models, name)(weights=None)
    df = param_table(model)
    total = _numel(model)
    if expected is not None:
        assert total == expected
    assert df.iloc[-1]["layer"] == "total"
    assert df.iloc[-1]["params"] == total
    assert df.attrs["total"] == total
    assert df["params"].iloc[:-1].sum() == total


def test_param_table_densenet_batch_norm_rows():
    with torch.device("meta"):
        model = torchvision.models.densenet121(weights=None)
    df = param_table(model).set_index("layer")
    row = df.loc["features.norm0"]
    assert row["type"] == "BatchNorm2d"
    assert row["params"] == 128  # running stats are buffers, not params
    assert row["formula"] == "2x64 = 128"


class _Tied(nn.Module):
    """Encoder/decoder with a tied weight, a shared module and a root param."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(10, 4)
        self.decoder = nn.Linear(4, 10)
        self.tied = nn.Linear(4, 10, bias=False)
        self.tied.weight = self.decoder.weight
        self.again = self.encoder  # the same module twice
        self.scale = nn.Parameter(torch.ones(3))


def test_param_table_counts_shared_parameters_once():
    model = _Tied()
    df = param_table(model)
    assert df.attrs["total"] == _numel(model) == 44 + 50 + 3
    rows = df.set_index("layer")
    assert rows.loc["(root)", "params"] == 3
    assert rows.loc["tied", "params"] == 0
    assert "shared with 'decoder.weight'" in rows.loc["tied", "formula"]
    assert "again" not in rows.index  # a module met twice is listed once


def test_param_table_lenet_rows_and_formulas():
    df = param_table(lenet("d2l"))
    assert list(df["layer"]) == "conv1 conv2 fc1 fc2 fc3 total".split()
    assert list(df["params"]) == [156, 2416, 48120, 10164, 850, 61706]
    assert list(df["weight_shape"])[:5] == [
        "6x1x5x5",
        "16x6x5x5",
        "120x400",
        "84x120",
        "10x84",
    ]
    assert list(df["formula"])[:5] == [
        "(5x5x1+1)x6 = 156",
        "(5x5x6+1)x16 = 2,416",
        "(400+1)x120 = 48,120",
        "(120+1)x84 = 10,164",
        "(84+1)x10 = 850",
    ]
    assert df.iloc[-1]["formula"].endswith("= 61,706")
    assert list(df.columns) == "layer type weight_shape params formula".split()


def test_param_table_batch_norm_and_special_cases():
    df = param_table(lenet("bn")).set_index("layer")
    assert df.loc["bn1", "formula"] == "2x6 = 12"
    assert df.loc["bn3", "formula"] == "2x120 = 240"
    assert df.loc["total", "params"] == 61706 + 2 * (6 + 16 + 120 + 84)
    no_bias = param_table(nn.Conv2d(1, 6, 5, bias=False))
    assert no_bias.iloc[0]["formula"] == "5x5x1x6 = 150"
    grouped = param_table(nn.Conv2d(16, 8, 3, groups=4))
    assert grouped.iloc[0]["formula"] == "(3x3x(16/4)+1)x8 = 296"
    assert grouped.attrs["total"] == 296
    with torch.device("meta"):
        linear = param_table(nn.Linear(25088, 4096, bias=False))
    assert linear.iloc[0]["formula"] == "25,088x4,096 = 102,760,448"
    generic = param_table(nn.LSTM(3, 5)).iloc[0]
    assert generic["formula"] == "20x3 + 20x5 + 20 + 20 = 200"
    assert generic["weight_shape"] == "-"


def test_param_table_edge_cases():
    empty = param_table(nn.Sequential(nn.ReLU(), nn.Flatten()))
    assert list(empty["layer"]) == ["total"] and empty.attrs["total"] == 0


# ---------------------------------------------------------------------------
# shape_trace
# ---------------------------------------------------------------------------


LENET_TRACE = [
    ("conv1", "Conv2d", (1, 6, 28, 28), 156),
    ("act1", "Sigmoid", (1, 6, 28, 28), 0),
    ("pool1", "AvgPool2d", (1, 6, 14, 14), 0),
    ("conv2", "Conv2d", (1, 16, 10, 10), 2416),
    ("act2", "Sigmoid", (1, 16, 10, 10), 0),
    ("pool2", "AvgPool2d", (1, 16, 5, 5), 0),
    ("flatten", "Flatten", (1, 400), 0),
    ("fc1", "Linear", (1, 120), 48120),
    ("act3", "Sigmoid", (1, 120), 0),
    ("fc2", "Linear", (1, 84), 10164),
    ("act4", "Sigmoid", (1, 84), 0),
    ("fc3", "Linear", (1, 10), 850),
]


def test_shape_trace_lenet():
    df = shape_trace(lenet("d2l"), (1, 1, 28, 28))
    assert list(df.columns) == ["layer", "type", "output_shape", "params"]
    assert [tuple(row) for row in df.itertuples(index=False)] == LENET_TRACE
    assert df.attrs["input_shape"] == (1, 1, 28, 28)


def test_shape_trace_accepts_chw_and_restores_modes():
    net = lenet("bn")
    net.train()
    net.fc1.eval()
    before = net.bn1.running_mean.clone()
    df = shape_trace(net, (1, 28, 28))  # (C, H, W): batch 1 added
    assert df.attrs["input_shape"] == (1, 1, 28, 28)
    assert df.iloc[-1]["output_shape"] == (1, 10)
    assert net.training and net.conv1.training and not net.fc1.training
    assert torch.equal(net.bn1.running_mean, before)  # ran in eval mode


def test_shape_trace_nested_sequential_names():
    net = vgg(((1, 8), (2, 16)), input_size=32, hidden=32)
    df = shape_trace(net, (2, 1, 32, 32))
    assert list(df["layer"])[:4] == [
        "block1.0",
        "block1.1",
        "block1.2",
        "block2.0",
    ]
    assert df.set_index("layer").loc["block2.4", "output_shape"] == (
        2,
        16,
        8,
        8,
    )
    plain = nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), nn.Flatten()
    )
    assert list(shape_trace(plain, (1, 5, 5))["layer"]) == ["0.0", "0.1", "1"]


class _LeNetModule(nn.Module):
    """A LeNet written as a class: traced through forward hooks."""

    def __init__(self, padding: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=padding),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Linear(400, 10)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(X).flatten(1))


def test_shape_trace_hooks_for_non_sequential_models():
    df = shape_trace(_LeNetModule(padding=2), (3, 1, 28, 28))
    assert list(df["layer"]) == [f"features.{i}" for i in range(6)] + ["fc"]
    assert df.iloc[-1]["output_shape"] == (3, 10)
    resnet = shape_trace(
        torchvision.models.resnet18(weights=None), (1, 3, 64, 64)
    )
    assert resnet.iloc[0]["layer"] == "conv1"
    assert resnet.iloc[-1]["output_shape"] == (1, 1000)


@pytest.mark.parametrize(
    "model",
    [
        lambda: lenet("original"),  # LeNet without padding, fed 28x28
        lambda: _LeNetModule(padding=0),  # the same bug in a custom class
    ],
)
def test_shape_mismatch_on_unpadded_28x28_lenet(model):
    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(model(), (1, 1, 28, 28))
    err = info.value
    message = str(err)
    assert isinstance(err, RuntimeError)
    assert "400" in message and "256" in message
    assert "got 256 features, expected 400" in message
    assert "in_features=400" in message
    assert "16x5x5 = 400 needs a 32x32 input" in message
    assert "padding=2 on the first convolution" in message
    assert "mat1 and mat2" in message  # PyTorch's own words, last
    assert err.input_shape == (1, 256)
    assert err.trace.iloc[-1]["output_shape"] in [(1, 256), (1, 16, 4, 4)]
    assert err.layer in message


def test_shape_mismatch_fix_is_pytorchs_arithmetic():
    conv = nn.Conv2d(1, 4, 3, stride=2)  # 28 -> 13; a 7x7 map needs 15
    net = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(196, 10))
    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(net, (1, 1, 28, 28))
    message = str(info.value)
    assert "Fix: 4x7x7 = 196 needs a 15x15 input;" in message
    assert "padding=" not in message.split("Fix:")[1].split(";")[0]
    for n, side in ((15, 7), (14, 6)):  # 15 is the smallest that gives 7
        assert conv(torch.zeros(1, 1, n, n)).shape[-1] == side


def test_shape_mismatch_diagnosis_leaves_the_model_unchanged():
    net = lenet("original").train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ShapeMismatchError, match="padding=2"):
        shape_trace(net, (1, 1, 28, 28))
    assert net.conv1.padding == (0, 0) and net.training
    after = net.state_dict()
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key].device.type == "cpu"
        assert torch.equal(after[key], value)


def test_shape_mismatch_trace_attribute_is_partial():
    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(lenet("original"), (1, 1, 28, 28))
    err = info.value
    assert err.layer == "fc1"
    expected = "conv1 act1 pool1 conv2 act2 pool2 flatten".split()
    assert list(err.trace["layer"]) == expected
    assert err.trace.iloc[-1]["output_shape"] == (1, 256)
    assert "conv1" in str(err) and "(1, 16, 4, 4)" in str(err)


def test_shape_mismatch_channels():
    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(lenet("d2l"), (1, 3, 28, 28))
    message = str(info.value)
    assert "'conv1'" in message
    assert "in_channels=1" in message and "got 3 channels" in message
    net = nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.Conv2d(8, 4, 3))
    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(net, (1, 1, 10, 10))
    assert "got 6 channels, expected 8" in str(info.value)
    assert len(info.value.trace) == 2


def test_shape_mismatch_missing_flatten():
    net = nn.Sequential(nn.Conv2d(1, 16, 5), nn.Linear(16 * 4 * 4, 10))
    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(net, (1, 1, 8, 8))
    message = str(info.value)
    assert "add nn.Flatten() before it" in message
    assert "got 4 features, expected 256" in message


def test_shape_mismatch_in_forward_code():
    class Reshape(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)

        def forward(self, X):
            return self.conv(X).view(5, -1)  # 72 values: not divisible by 5

    with pytest.raises(ShapeMismatchError) as info:
        shape_trace(Reshape(), (1, 1, 8, 8))
    assert "after 'conv'" in str(info.value)
    assert list(info.value.trace["layer"]) == ["conv"]


@pytest.mark.parametrize("fn", [param_table, shape_trace])
def test_the_model_factory_instead_of_the_model_is_refused(fn):
    with pytest.raises(TypeError, match=r"got function.*dl.lenet\(\)"):
        fn(lenet, (1, 1, 28, 28)) if fn is shape_trace else fn(lenet)
