"""dl.glue: the key is validated and scalars are stored as plain numbers."""

import numpy as np
import pytest
import torch

import d2lite as dl


@pytest.mark.parametrize(
    "value, expected",
    [(np.float64(0.25), 0.25), (torch.tensor(3), 3), (np.int64(7), 7)],
)
def test_scalars_become_plain_python_numbers(value, expected, capsys):
    out = dl.glue("some_key", value, display=False)
    assert out == expected
    assert type(out) in (int, float)


def test_arrays_are_left_alone():
    arr = np.arange(3)
    assert dl.glue("an_array", arr, display=False) is arr


@pytest.mark.parametrize("name", ["has space", "", 3, "1abc"])
def test_bad_name_is_a_value_error(name):
    with pytest.raises(ValueError, match="name must be"):
        dl.glue(name, 1)
