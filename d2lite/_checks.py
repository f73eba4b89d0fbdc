"""Argument checks shared by the package: one error wording everywhere."""

from __future__ import annotations

import numbers
from typing import Any


def is_int(value: Any) -> bool:
    """True for ints (and numpy/torch integer scalars), False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(
    name: str, value: Any, *, minimum: int = 1, hint: str | None = None
) -> int:
    """Return ``value`` as an int, or raise an error naming ``name``.

    Args:
        name: The argument's name, as the reader wrote it.
        value: What the reader passed.
        minimum: The smallest value allowed.
        hint: The fix the error suggests; by default ``e.g. name=minimum``.

    Raises:
        TypeError: if ``value`` is not an int (a bool is not).
        ValueError: if ``value`` is below ``minimum``.
    """
    rule = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    hint = hint or f"e.g. {name}={max(minimum, 1)}"
    if not is_int(value):
        raise TypeError(
            f"{name} must be {rule}, got {value!r} of type "
            f"{type(value).__name__}; {hint}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be {rule}, got {name}={value}; {hint}")
    return int(value)
