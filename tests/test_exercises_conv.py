"""Chapter 1's thinking exercises (conv-ex9 to conv-ex11): a right answer
passes with one printed line, and each common mistake gets a message that
names it without giving the answer away."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import d2lite as dl
from d2lite.exercises import CheckFailed


def conv_matrix(K, n):
    """The reference: row (a, b) holds K where output (a, b) looks."""
    h, w = K.shape
    rows, cols = n - h + 1, n - w + 1
    W = torch.zeros(rows * cols, n * n)
    for a in range(rows):
        for b in range(cols):
            window = torch.zeros(n, n)
            window[a : a + h, b : b + w] = K
            W[a * cols + b] = window.reshape(-1)
    return W


def avg_pool_conv(channels, *, groups=True, weight=0.25, stride=2, bias=0.0):
    """A (possibly wrong) convolution for nn.AvgPool2d(2)."""
    conv = nn.Conv2d(
        channels,
        channels,
        2,
        stride=stride,
        groups=channels if groups else 1,
        bias=bias != 0.0,
    )
    with torch.no_grad():
        conv.weight.fill_(weight)
        if bias:
            conv.bias.fill_(bias)
    return conv


ANSWER_EX11 = {
    "side_s1": 28,
    "side_s2": 14,
    "macs_s1": 16 * 28 * 28 * 54,
    "macs_s2": 16 * 14 * 14 * 54,
}


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("conv-ex9", conv_matrix),
        ("conv-ex10", avg_pool_conv),
        ("conv-ex11", ANSWER_EX11),
    ],
)
def test_right_answer_prints_one_line_and_returns_none(
    exercise_id, answer, capsys
):
    assert dl.check(exercise_id, answer) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"{exercise_id} ✓")


def test_the_matrix_really_is_the_convolution():
    """The hidden cases' matrix agrees with F.conv2d on random inputs."""
    from d2lite.exercises.conv import _conv_matrix

    for shape, n in [((2, 2), 3), ((3, 2), 5), ((1, 4), 4)]:
        K, X = torch.randn(*shape), torch.randn(n, n)
        Y = F.conv2d(X[None, None], K[None, None]).reshape(-1)
        torch.testing.assert_close(_conv_matrix(K, n) @ X.reshape(-1), Y)
        torch.testing.assert_close(_conv_matrix(K, n), conv_matrix(K, n))


def _message(exercise_id, answer) -> str:
    with pytest.raises(CheckFailed) as info:
        dl.check(exercise_id, answer)
    assert info.value.expected is None
    return str(info.value)


@pytest.mark.parametrize(
    "answer, says",
    [
        (lambda K, n: conv_matrix(K, n).T, "shape (9, 4) is wrong"),
        (lambda K, n: conv_matrix(K.flip(0, 1), n), "values differ"),
        (lambda K, n: conv_matrix(K, n).tolist(), "a tensor was expected"),
    ],
)
def test_conv_matrix_mistakes(answer, says):
    message = _message("conv-ex9", answer)
    assert says in message and message.startswith("conv-ex9, case 1 of 5")


@pytest.mark.parametrize(
    "answer, says",
    [
        (lambda c: nn.AvgPool2d(2), "it returned AvgPool2d; return an"),
        (lambda c: avg_pool_conv(c, groups=False), "adds up all input"),
        (lambda c: avg_pool_conv(c, weight=1.0), "divides the sum by"),
        (lambda c: avg_pool_conv(c, stride=1), "is wrong"),
        (lambda c: avg_pool_conv(c, bias=0.5), "values differ"),
    ],
)
def test_avg_pool_conv_mistakes(answer, says):
    message = _message("conv-ex10", answer)
    assert says in message, message
    assert "0.25" not in message and "1/4" not in message


@pytest.mark.parametrize(
    "key, wrong, says",
    [
        ("macs_s1", 16 * 28 * 28 * 55, "counts the bias additions"),
        ("macs_s2", 16 * 28 * 28 * 54, "that is the stride-1 count"),
        ("macs_s2", 14 * 14 * 54, "that is one output channel"),
        ("side_s2", 15, "round the division down"),
    ],
)
def test_stride_exercise_names_the_mistake(key, wrong, says):
    message = _message("conv-ex11", {**ANSWER_EX11, key: wrong})
    assert says in message
    assert str(ANSWER_EX11[key]) not in message.replace(str(wrong), "")
