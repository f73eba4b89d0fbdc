"""Compare an answer with an expected value, with tolerances for numbers.

:func:`mismatch` returns ``None`` when the values match, otherwise a short
reason (``""`` when "expected ..., received ..." says it all).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any


def _type_name(value: Any) -> str:
    """Return ``"an int"``, ``"a float"``, ``"a list"`` and so on."""
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _is_tensor(value: Any) -> bool:
    """Whether ``value`` is a torch tensor (without importing torch)."""
    return type(value).__module__.startswith("torch") and hasattr(
        value, "detach")


def _is_ndarray(value: Any) -> bool:
    """Whether ``value`` is a NumPy array (without importing NumPy)."""
    return type(value).__module__ == "numpy" and hasattr(value, "shape")


def _as_scalar(value: Any) -> Any:
    """Turn a one-element 0-d tensor or a NumPy scalar into a Python one."""
    if (_is_tensor(value) or _is_ndarray(value)) and getattr(
            value, "ndim", 1) == 0:
        return value.item()
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()  # numpy.int64, numpy.float32, numpy.bool_
    return value


def _array_mismatch(expected: Any, received: Any, *, rtol: float,
                    atol: float) -> str | None:
    """Compare two tensors (or two NumPy arrays): shape, then values."""
    import torch

    if not (_is_tensor(received) or _is_ndarray(received)):
        return f"a tensor was expected, not {_type_name(received)}"
    exp = torch.as_tensor(expected).detach().cpu().double()
    rec = torch.as_tensor(received).detach().cpu().double()
    if exp.shape != rec.shape:
        return (f"shape {tuple(exp.shape)} was expected, "
                f"not {tuple(rec.shape)}")
    if torch.allclose(rec, exp, rtol=rtol, atol=atol, equal_nan=True):
        return None
    largest = (rec - exp).abs().nan_to_num(nan=math.inf).max().item()
    return f"the largest difference is {largest:.3g}"


def _number_mismatch(expected: numbers.Number, received: Any, *,
                     rtol: float, atol: float) -> str | None:
    """Compare numbers: bools and ints exactly, floats within tolerance."""
    if isinstance(expected, bool):
        if not isinstance(received, bool):
            return f"a bool was expected, not {_type_name(received)}"
        return None if received == expected else ""
    if not isinstance(received, numbers.Real) or isinstance(received, bool):
        return f"a number was expected, not {_type_name(received)}"
    if isinstance(expected, numbers.Integral):
        if isinstance(received, numbers.Integral):
            return None if received == expected else ""
        if received == expected:
            return (f"an int was expected, not {_type_name(received)} "
                    "(use // for whole-number division, or int())")
        return ""
    if math.isnan(expected) and math.isnan(received):
        return None
    close = math.isclose(received, expected, rel_tol=rtol, abs_tol=atol)
    return None if close else ""


def _sequence_mismatch(expected: Sequence, received: Any, *, rtol: float,
                       atol: float) -> str | None:
    """Compare sequences (tuple, list, torch.Size) element by element."""
    if isinstance(received, (str, bytes)) or not isinstance(
            received, Sequence):
        return f"a sequence was expected, not {_type_name(received)}"
    if len(received) != len(expected):
        return (f"{len(expected)} elements were expected, "
                f"not {len(received)}")
    for i, (exp, rec) in enumerate(zip(expected, received)):
        reason = mismatch(exp, rec, rtol=rtol, atol=atol)
        if reason is not None:
            return f"element {i} differs" + (f": {reason}" if reason else "")
    return None


def _mapping_mismatch(expected: Mapping, received: Any, *, rtol: float,
                      atol: float) -> str | None:
    """Compare mappings key by key."""
    if not isinstance(received, Mapping):
        return f"a dict was expected, not {_type_name(received)}"
    missing = [k for k in expected if k not in received]
    if missing:
        return f"key {missing[0]!r} is missing"
    extra = [k for k in received if k not in expected]
    if extra:
        return f"key {extra[0]!r} was not expected"
    for key, exp in expected.items():
        reason = mismatch(exp, received[key], rtol=rtol, atol=atol)
        if reason is not None:
            return f"key {key!r} differs" + (f": {reason}" if reason else "")
    return None


def mismatch(expected: Any, received: Any, *, rtol: float = 1e-6,
             atol: float = 1e-9) -> str | None:
    """Return ``None`` if ``received`` matches ``expected``, else a reason.

    Ints and bools must match exactly (and be ints, bools); floats within
    ``math.isclose(rel_tol=rtol, abs_tol=atol)``; tuples, lists and
    ``torch.Size`` element by element (any sequence type is accepted);
    dicts key by key; tensors and arrays by shape, then ``allclose``;
    anything else with ``==``.

    Args:
        expected: The hidden expected value.
        received: The student's value.
        rtol: Relative tolerance for floats and tensors.
        atol: Absolute tolerance for floats and tensors.

    Returns:
        ``None`` when they match; otherwise a reason, ``""`` when the values
        merely differ.
    """
    if _is_tensor(expected) or _is_ndarray(expected):
        return _array_mismatch(expected, received, rtol=rtol, atol=atol)
    received = _as_scalar(received)
    if isinstance(expected, numbers.Number):
        return _number_mismatch(expected, received, rtol=rtol, atol=atol)
    if expected is None:
        return None if received is None else ""
    if isinstance(expected, (str, bytes)):
        if not isinstance(received, type(expected)):
            return f"a str was expected, not {_type_name(received)}"
        return None if received == expected else ""
    if isinstance(expected, Sequence):
        return _sequence_mismatch(expected, received, rtol=rtol, atol=atol)
    if isinstance(expected, Mapping):
        return _mapping_mismatch(expected, received, rtol=rtol, atol=atol)
    try:
        return None if bool(received == expected) else ""
    except Exception as err:  # == itself failed on the student's object
        return f"comparing them failed: {type(err).__name__}: {err}"
