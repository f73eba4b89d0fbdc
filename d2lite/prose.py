"""The numbers a chapter's prose states, and the code that computes them.

The prose holds its numbers as literals ("LeNet has 61,706 parameters"),
so every edition (the book, the notebooks on Colab, the student edition,
the translation) shows them. ``says`` checks a literal against the value
the code computes; ``tests/test_prose_numbers.py`` checks that every
number in the prose has such a check.
"""

from __future__ import annotations

import re
from decimal import Decimal

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def says(literal: str, value: float, *, within: float | None = None) -> None:
    """Check that the prose's ``literal`` states ``value``.

    ``literal`` is the number as the prose writes it, with its unit or
    words ("61,706", "4.2%", "about 0.81"); ``value`` is in the same unit
    (pass ``100 * acc`` for a percentage). Without ``within`` the literal
    must be ``value`` rounded to the literal's digits; with it, a measured
    value may drift that far from the literal of the stored run.
    """
    numbers = _NUMBER.findall(literal)
    if len(numbers) != 1:
        raise ValueError(
            f"literal must hold exactly one number as the prose writes it, "
            f"such as '61,706' or 'about 0.81', got {literal!r}"
        )
    stated = Decimal(numbers[0].replace(",", ""))
    value = float(getattr(value, "item", lambda: value)())
    digits = max(0, -stated.as_tuple().exponent)
    if within is None:
        ok = abs(value - float(stated)) <= 0.5 * 10**-digits + 1e-9
        drift = f"rounded to {digits} decimal(s)"
    else:
        ok = abs(value - float(stated)) <= within
        drift = f"within {within}"
    if not ok:
        raise AssertionError(
            f"the prose says {literal!r}, but the code computes {value!r}: "
            f"they must agree {drift}. Change the prose to the new value "
            f"(and this check's literal with it), or find what moved it."
        )
