"""Chapter 1's output-size formula, as the package computes it, on every
combination of small sizes (moved here from the chapter, issue 19).

``dl.conv_output_size`` and ``dl.pool_output_size`` must give PyTorch's
output size wherever PyTorch runs, and raise a ``ValueError`` wherever
PyTorch refuses the configuration. The chapter teaches the formula on worked
examples and states that these tests hold.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from torch.nn import functional as F

import d2lite as dl

#: n, kernel_size, padding, stride, dilation: 2,610 combinations.
CONV_GRID = list(
    itertools.product(
        range(1, 30), range(1, 6), range(3), range(1, 4), range(1, 3)
    )
)
#: n, kernel_size, padding, stride, ceil_mode.
POOL_GRID = list(
    itertools.product(
        range(1, 16), range(1, 5), range(3), range(1, 4), (False, True)
    )
)


def _side(fn, *args, **kwargs) -> int | None:
    """The side ``fn`` computes (its last dimension for a tensor), or None
    when it refuses: PyTorch with a RuntimeError, d2lite a ValueError."""
    try:
        out = fn(*args, **kwargs)
    except (RuntimeError, ValueError):
        return None
    return out.shape[-1] if torch.is_tensor(out) else out


def _formula(n: int, k: int, p: int, s: int, d: int) -> int:
    """The chapter's formula: floor((n + 2p - d(k - 1) - 1) / s) + 1."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def test_conv_output_size_is_pytorchs_on_every_small_combination():
    mismatches, refused = [], 0
    for n, k, p, s, d in CONV_GRID:
        theirs = _side(
            F.conv2d,
            torch.zeros(1, 1, n, n),
            torch.zeros(1, 1, k, k),
            padding=p,
            stride=s,
            dilation=d,
        )
        ours = _side(
            dl.conv_output_size,
            n,
            k,
            padding=p,
            stride=s,
            dilation=d,
        )
        # where PyTorch refuses, the formula gives zero or less
        formula = _formula(n, k, p, s, d)
        if ours != theirs or (formula if formula > 0 else None) != theirs:
            mismatches.append(((n, k, p, s, d), ours, theirs, formula))
        refused += theirs is None
    assert len(CONV_GRID) == 2610
    assert not mismatches, mismatches[:5]
    assert 0 < refused < len(CONV_GRID) // 2  # both outcomes exercised


def test_pool_output_size_is_pytorchs_on_every_small_combination():
    mismatches, refused = [], 0
    for n, k, p, s, ceil in POOL_GRID:
        theirs = _side(
            F.max_pool2d,
            torch.zeros(1, 1, n, n),
            k,
            stride=s,
            padding=p,
            ceil_mode=ceil,
        )
        ours = _side(
            dl.pool_output_size, n, k, stride=s, padding=p, ceil_mode=ceil
        )
        if ours != theirs:
            mismatches.append(((n, k, p, s, ceil), ours, theirs))
        refused += theirs is None
    assert not mismatches, mismatches[:5]
    assert 0 < refused < len(POOL_GRID) // 2


@pytest.mark.parametrize(
    "n, k, p, s, d, side",
    [
        (32, 5, 0, 1, 1, 28),  # LeNet conv1 on 32x32
        (28, 5, 2, 1, 1, 28),  # d2l's LeNet conv1
        (28, 5, 0, 1, 1, 24),  # the unpadded LeNet: the chapter's bug
        (28, 3, 0, 2, 1, 13),  # stride 2: the floor drops a column
        (224, 11, 2, 4, 1, 55),  # torchvision AlexNet conv1
        (28, 3, 0, 1, 2, 24),  # dilation 2
    ],
)
def test_the_chapters_worked_examples(n, k, p, s, d, side):
    assert _formula(n, k, p, s, d) == side
    assert dl.conv_output_size(n, k, padding=p, stride=s, dilation=d) == side


def test_a_kernel_larger_than_the_padded_input_is_explained():
    with pytest.raises(ValueError, match="kernel_size=5 .* spans 5 pixels"):
        dl.conv_output_size(4, kernel_size=5)
