"""Compare an answer with an expected value, with tolerances for numbers.

:func:`mismatch` returns ``None`` when the values match, otherwise a short
reason that never states the expected value: ``"too high"``/``"too low"``
for a number, which element or key is wrong for a sequence or a dict, what
type was expected, and ``""`` when the values merely differ. The checker
turns it into the student's message (:func:`phrase`).
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
        value, "detach"
    )


def _is_ndarray(value: Any) -> bool:
    """Whether ``value`` is a NumPy array (without importing NumPy)."""
    return type(value).__module__ == "numpy" and hasattr(value, "shape")


def _as_scalar(value: Any) -> Any:
    """Turn a one-element 0-d tensor or a NumPy scalar into a Python one."""
    if (_is_tensor(value) or _is_ndarray(value)) and getattr(
        value, "ndim", 1
    ) == 0:
        return value.item()
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()  # numpy.int64, numpy.float32, numpy.bool_
    return value


def _array_mismatch(
    expected: Any, received: Any, *, rtol: float, atol: float
) -> str | None:
    """Compare two tensors (or two NumPy arrays): shape, then values."""
    import torch

    if not (_is_tensor(received) or _is_ndarray(received)):
        return f"a tensor was expected, not {_type_name(received)}"
    exp = torch.as_tensor(expected).detach().cpu().double()
    rec = torch.as_tensor(received).detach().cpu().double()
    if exp.shape != rec.shape:
        if exp.ndim != rec.ndim:
            return (
                f"shape {tuple(rec.shape)} is wrong: {exp.ndim} "
                f"dimension{'s' if exp.ndim != 1 else ''} expected"
            )
        return f"shape {tuple(rec.shape)} is wrong"
    close = torch.isclose(rec, exp, rtol=rtol, atol=atol, equal_nan=True)
    if bool(close.all()):
        return None
    wrong = int((~close).sum())
    return f"{wrong} of {close.numel()} values differ"


def _direction(expected: numbers.Real, received: numbers.Real) -> str:
    """Return ``"too high"``, ``"too low"`` or, for NaN, what is wrong."""
    if math.isnan(received):
        return "not a number (NaN)"
    if math.isnan(expected):
        return ""
    return "too high" if received > expected else "too low"


def _number_mismatch(
    expected: numbers.Number, received: Any, *, rtol: float, atol: float
) -> str | None:
    """Compare numbers: bools and ints exactly, floats within tolerance."""
    if isinstance(expected, bool):
        if not isinstance(received, bool):
            return f"a bool was expected, not {_type_name(received)}"
        return None if received == expected else ""
    if not isinstance(received, numbers.Real) or isinstance(received, bool):
        return f"a number was expected, not {_type_name(received)}"
    if isinstance(expected, numbers.Integral):
        if isinstance(received, numbers.Integral):
            return (
                None
                if received == expected
                else _direction(expected, received)
            )
        if received == expected:
            return (
                f"an int was expected, not {_type_name(received)} "
                "(use // for whole-number division, or int())"
            )
        return (
            f"{_direction(expected, received)}, and an int was "
            f"expected, not {_type_name(received)}"
        )
    if math.isnan(expected) and math.isnan(received):
        return None
    close = math.isclose(received, expected, rel_tol=rtol, abs_tol=atol)
    return None if close else _direction(expected, received)


def _part(name: str, reason: str) -> str:
    """Say what is wrong with one element or key of a sequence or dict."""
    if not reason:
        return f"{name} is wrong"
    if reason.startswith(("too ", "not a number")):
        return f"{name} is {reason}"
    return f"{name}: {reason}"


def phrase(reason: str | None) -> str:
    """Turn a :func:`mismatch` reason into the end of "received X, ..."."""
    if not reason:
        return "which is not the expected value"
    if reason.startswith(("too ", "not a number")):
        return f"which is {reason}"
    return reason


def _sequence_mismatch(
    expected: Sequence, received: Any, *, rtol: float, atol: float
) -> str | None:
    """Compare sequences (tuple, list, torch.Size) element by element."""
    if isinstance(received, (str, bytes)) or not isinstance(
        received, Sequence
    ):
        return f"a sequence was expected, not {_type_name(received)}"
    if len(received) != len(expected):
        return f"{len(expected)} elements were expected, not {len(received)}"
    for i, (exp, rec) in enumerate(zip(expected, received)):
        reason = mismatch(exp, rec, rtol=rtol, atol=atol)
        if reason is not None:
            return _part(f"element {i}", reason)
    return None


def _mapping_mismatch(
    expected: Mapping, received: Any, *, rtol: float, atol: float
) -> str | None:
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
            return _part(f"key {key!r}", reason)
    return None


def mismatch(
    expected: Any, received: Any, *, rtol: float = 1e-6, atol: float = 1e-9
) -> str | None:
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
        ``None`` when they match; otherwise a reason that does not state
        the expected value (``"too high"``, ``"element 2 is too low"``,
        ``"a number was expected, not a str"``), ``""`` when the values
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
