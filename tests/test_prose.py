"""dl.says: a prose literal against a computed value."""

import numpy as np
import pytest
import torch

import d2lite as dl


@pytest.mark.parametrize(
    "literal, value",
    [
        ("61,706", 61_706),
        ("4.2%", 4.2167),
        ("0.839", torch.tensor(0.8394)),
        ("138,357,544", np.int64(138_357_544)),
        ("-0.5", -0.54),
    ],
)
def test_a_literal_that_rounds_from_the_value_passes(literal, value):
    assert dl.says(literal, value) is None


@pytest.mark.parametrize(
    "literal, value",
    [("61,706", 61_707), ("4.2%", 4.26), ("0.839", 0.8396)],
)
def test_a_literal_the_value_does_not_round_to_names_both(literal, value):
    with pytest.raises(AssertionError, match=f"prose says '{literal}'"):
        dl.says(literal, value)


def test_within_allows_a_measured_value_to_drift():
    dl.says("about 0.81", 0.825, within=0.02)
    with pytest.raises(AssertionError, match="within 0.02"):
        dl.says("about 0.81", 0.835, within=0.02)


@pytest.mark.parametrize("literal", ["", "about", "3 of 4", 61706])
def test_a_literal_without_exactly_one_number_is_refused(literal):
    with pytest.raises((ValueError, TypeError)):
        dl.says(literal, 1)
