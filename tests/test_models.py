"""Tests for d2lite.models: LeNet variants, VGG blocks and VGG."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from d2lite.models import CheckedSequential, lenet, vgg, vgg_block

VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG11_SLIM = tuple((num_convs, channels // 4) for num_convs, channels in VGG11)
BN_NAMES = (
    "conv1 bn1 act1 pool1 conv2 bn2 act2 pool2 flatten fc1 bn3 act3 fc2 bn4 "
    "act4 fc3"
).split()
PLAIN_NAMES = [name for name in BN_NAMES if not name.startswith("bn")]
INPUT_SIZE = {"d2l": 28, "original": 32, "relu": 28, "bn": 28}


def _numel(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------
# LeNet
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["d2l", "original", "relu"])
def test_lenet_parameter_counts(variant):
    net = lenet(variant)
    assert _numel(net) == 61_706
    per_layer = {
        name: _numel(getattr(net, name))
        for name in ["conv1", "conv2", "fc1", "fc2", "fc3"]
    }
    assert per_layer == {
        "conv1": 156,
        "conv2": 2_416,
        "fc1": 48_120,
        "fc2": 10_164,
        "fc3": 850,
    }


def test_lenet_bn_parameter_count():
    net = lenet("bn")
    # two parameters (scale, shift) per channel/feature of each BN layer
    assert _numel(net) == 61_706 + 2 * (6 + 16 + 120 + 84) == 62_158


@pytest.mark.parametrize(
    "variant,names",
    [
        ("d2l", PLAIN_NAMES),
        ("original", PLAIN_NAMES),
        ("relu", PLAIN_NAMES),
        ("bn", BN_NAMES),
    ],
)
def test_lenet_layer_names_and_types(variant, names):
    net = lenet(variant)
    assert [name for name, _ in net.named_children()] == names
    assert isinstance(net.conv1, nn.Conv2d)
    assert net.conv1.padding == ((0, 0) if variant == "original" else (2, 2))
    act = nn.Sigmoid if variant in ("d2l", "original") else nn.ReLU
    pool = nn.AvgPool2d if variant in ("d2l", "original") else nn.MaxPool2d
    assert all(isinstance(getattr(net, f"act{i}"), act) for i in range(1, 5))
    assert isinstance(net.pool1, pool) and isinstance(net.pool2, pool)
    if variant == "bn":
        assert isinstance(net.bn1, nn.BatchNorm2d)
        assert isinstance(net.bn4, nn.BatchNorm1d)
        assert net.bn3.num_features == 120


@pytest.mark.parametrize("variant", ["d2l", "original", "relu", "bn"])
def test_lenet_forward_and_layer_loop(variant):
    torch.manual_seed(0)
    net = lenet(variant, num_classes=5).eval()
    size = INPUT_SIZE[variant]
    assert net.input_shape == (1, size, size)
    X = torch.rand(3, 1, size, size)
    y_hat = net(X)
    assert y_hat.shape == (3, 5)
    Y = X
    for layer in net:  # d2l's loop: no extra checking layer among children
        Y = layer(Y)
    assert torch.allclose(Y, y_hat)
    assert len(net) == len(list(net.children()))


def test_lenet_state_dict_keys_and_slicing():
    net = lenet()
    assert "conv1.weight" in net.state_dict()
    assert "fc3.bias" in net.state_dict()
    head = net[:3]  # slices take any input: no shape check
    assert head(torch.zeros(2, 1, 30, 30)).shape == (2, 6, 15, 15)
    assert isinstance(net[0], nn.Conv2d)
    clone = copy.deepcopy(net)
    with pytest.raises(ValueError):
        clone(torch.zeros(1, 1, 32, 32))


def test_lenet_unknown_variant_is_refused():
    """Else a typo ("ReLU") would silently build the ReLU LeNet."""
    with pytest.raises(ValueError) as info:
        lenet("ReLU")
    message = str(info.value)
    assert "'ReLU'" in message
    for allowed in ("'d2l'", "'original'", "'relu'", "'bn'"):
        assert allowed in message


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def test_input_check_message_for_rgb_32x32():
    with pytest.raises(ValueError) as info:
        lenet("d2l")(torch.zeros(4, 3, 32, 32))
    message = str(info.value)
    assert message.startswith(
        "lenet('d2l') expects input of shape (B, 1, 28, 28), "
        "got (B, 3, 32, 32)"
    )
    assert "for 32x32 inputs use lenet('original') or resize=28" in message
    assert "mat1" not in message


@pytest.mark.parametrize(
    "variant,shape,expected,hint",
    [
        ("d2l", (2, 1, 32, 32), "(B, 1, 28, 28)", "lenet('original')"),
        ("relu", (2, 1, 30, 30), "(B, 1, 28, 28)", "resize=28"),
        ("original", (2, 1, 28, 28), "(B, 1, 32, 32)", "lenet('d2l')"),
        ("bn", (2, 3, 28, 28), "(B, 1, 28, 28)", "1 channel(s), not 3"),
        ("d2l", (1, 28, 28), "(B, 1, 28, 28)", "X.unsqueeze(0)"),
        ("d2l", (5, 28, 28), "(B, 1, 28, 28)", "X.unsqueeze(1)"),
        ("d2l", (28, 28), "(B, 1, 28, 28)", "X[None, None]"),
    ],
)
def test_input_check_wrong_shapes(variant, shape, expected, hint):
    with pytest.raises(ValueError) as info:
        lenet(variant)(torch.zeros(shape))
    message = str(info.value)
    assert f"expects input of shape {expected}" in message
    assert hint in message


def test_input_check_uint8_pixels():
    with pytest.raises(TypeError, match="X.float"):
        lenet()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))


def test_checked_sequential_without_shape_is_plain():
    net = CheckedSequential(nn.Linear(3, 2))
    assert net.input_shape is None
    assert net(torch.zeros(4, 3)).shape == (4, 2)


# ---------------------------------------------------------------------------
# VGG
# ---------------------------------------------------------------------------


def test_vgg_block_is_d2ls():
    block = vgg_block(2, 3, 8)
    assert [type(m) for m in block] == [
        nn.Conv2d,
        nn.ReLU,
        nn.Conv2d,
        nn.ReLU,
        nn.MaxPool2d,
    ]
    assert block[0].in_channels == 3 and block[2].in_channels == 8
    assert block[0].kernel_size == (3, 3) and block[0].padding == (1, 1)
    assert block(torch.zeros(1, 3, 10, 12)).shape == (1, 8, 5, 6)
    bn_block = vgg_block(1, 1, 4, batch_norm=True)
    assert [type(m) for m in bn_block] == [
        nn.Conv2d,
        nn.BatchNorm2d,
        nn.ReLU,
        nn.MaxPool2d,
    ]


@pytest.mark.parametrize(
    "arch,expected", [(VGG11, 128_806_154), (VGG11_SLIM, 43_093_322)]
)
def test_vgg11_parameter_counts(arch, expected):
    with torch.device("meta"):  # shapes only: fast
        net = vgg(arch)
    assert _numel(net) == expected
    assert net.fc1.in_features == arch[-1][1] * 7 * 7
    assert net.fc3.out_features == 10


def test_vgg_structure_and_forward():
    torch.manual_seed(0)
    net = vgg(VGG11_SLIM, hidden=64).eval()
    names = [name for name, _ in net.named_children()]
    blocks = [f"block{i}" for i in range(1, 6)]
    assert (
        names == blocks + "flatten fc1 act1 drop1 fc2 act2 drop2 fc3".split()
    )
    assert net.input_shape == (1, 224, 224)
    X = torch.rand(1, 1, 224, 224)
    shapes = []
    for blk in net:  # d2l's shape loop over blocks
        X = blk(X)
        shapes.append(tuple(X.shape))
    assert shapes[:6] == [
        (1, 16, 112, 112),
        (1, 32, 56, 56),
        (1, 64, 28, 28),
        (1, 128, 14, 14),
        (1, 128, 7, 7),
        (1, 6272),
    ]
    assert shapes[-1] == (1, 10)


def test_vgg_options():
    net = vgg(
        ((1, 8), (1, 16)),
        in_channels=3,
        num_classes=7,
        input_size=28,
        hidden=32,
        dropout=0.0,
        batch_norm=True,
    )
    assert net.fc1.in_features == 16 * 7 * 7
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 2
    assert net.drop1.p == 0.0
    assert net(torch.zeros(2, 3, 28, 28)).shape == (2, 7)
    odd = vgg(((1, 4),) * 3, input_size=30, hidden=8)  # 30 -> 15 -> 7 -> 3
    assert odd.fc1.in_features == 4 * 3 * 3


def test_vgg_input_check():
    net = vgg(((1, 8),) * 5, hidden=16)
    with pytest.raises(ValueError) as info:
        net(torch.zeros(2, 1, 28, 28))
    message = str(info.value)
    assert "expects input of shape (B, 1, 224, 224)" in message
    assert "got (B, 1, 28, 28)" in message
    assert "resize=224" in message


@pytest.mark.parametrize("blocks", [3, 5])
def test_vgg_too_many_blocks_for_the_input_size(blocks):
    """PyTorch would build an fc1 with 0 inputs and fail only later."""
    with pytest.raises(ValueError) as info:
        vgg(((1, 8),) * blocks, input_size=2**blocks - 1, hidden=16)
    message = str(info.value)
    assert f"too small for {blocks} VGG blocks" in message
    assert f"input_size >= {2**blocks}" in message
