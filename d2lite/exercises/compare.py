"""How ``dl.check`` compares an answer with the expected value, and what a
failed comparison says: :class:`Case`, :class:`CheckFailed`, ``mismatch``
and ``expect``. A message names what is wrong, never the expected value.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from d2lite.exercises._i18n import _, language, speaking


def short_repr(value: Any, *, limit: int = 160) -> str:
    """Return ``repr(value)`` on one line, cut to ``limit`` characters."""
    try:
        text = " ".join(repr(value).split())
    except Exception as err:  # a student's object with a broken __repr__
        text = f"<{type(value).__name__} (repr failed: {err})>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Case:
    """One hidden case: call arguments (or ``key``), expected value, label.

    ``hints`` maps a common wrong answer to what it suggests (never the
    expected value); ``rtol``/``atol`` override the exercise's.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    label: str = ""
    key: Any = None
    rtol: float | None = None
    atol: float | None = None
    hints: Mapping[Any, str] = field(default_factory=dict)

    @classmethod
    def items(cls, expected: Mapping, hints: Mapping | None = None) -> list:
        """Cases comparing ``answer[key]`` with each value of ``expected``;
        ``hints[key]`` are that item's common mistakes."""
        return [
            cls(
                key=k,
                expected=v,
                label=f'answer["{k}"]',
                hints=(hints or {}).get(k, {}),
            )
            for k, v in expected.items()
        ]

    def describe(self) -> str:
        """Return the label, else ``[key]``, else the arguments."""
        if self.label or self.key is not None:
            return self.label or f"[{self.key!r}]"
        return ", ".join(
            [short_repr(a, limit=40) for a in self.args]
            + [
                f"{k}={short_repr(v, limit=40)}"
                for k, v in self.kwargs.items()
            ]
        )


@dataclass(eq=False)
class CheckFailed(Exception):
    """An answer failed a case: ``<id>, case <i> of <n> (<label>): <what>``.

    ``<what>`` is ``detail``, or ``received <value>, <hint>``; with
    ``reveal`` it starts with ``expected <value>;``.
    """

    case: Case | str | None = None
    expected: Any = None
    received: Any = None
    detail: str | None = None
    hint: str | None = None
    exercise_id: str | None = None
    index: int | None = None
    total: int | None = None
    reveal: bool = False

    def __post_init__(self) -> None:
        self.args = ()  # the expected value leaves only through reveal
        self.language = language()  # of the parts built so far

    def where(self) -> str:
        """Return ``"<id>, case <i> of <n> (<label>)"``."""
        with speaking(self.language):
            return self._where()

    def _where(self) -> str:
        where = self.exercise_id or _("check")
        if self.index is not None and self.total is not None:
            where = _("{where}, case {index} of {total}").format(
                where=where, index=self.index, total=self.total
            )
        case = self.case
        label = case.describe() if isinstance(case, Case) else case or ""
        if not label:
            return where
        return _("{where} ({label})").format(where=where, label=label)

    def __str__(self) -> str:
        with speaking(self.language):
            return self._message()

    def _message(self) -> str:
        what = self.detail or _("received {received}, {hint}").format(
            received=short_repr(self.received),
            hint=self.hint or _("which is not the expected value"),
        )
        if self.reveal and not (self.detail and self.expected is None):
            what = _("expected {expected}; {what}").format(
                expected=short_repr(self.expected), what=what
            )
        return _("{where}: {what}").format(where=self.where(), what=what)


def _a(value: Any) -> str:
    name = type(value).__name__
    an = name[:1] in "aeiou"
    return (_("an {type}") if an else _("a {type}")).format(type=name)


def _direction(expected: float, received: float) -> str:
    if math.isnan(received):
        return _("not a number (NaN)")
    if math.isnan(expected):
        return ""
    return _("too high") if received > expected else _("too low")


def _is_direction(reason: str) -> bool:
    """Whether ``reason`` starts with a direction: too high, too low, NaN."""
    words = ("too high", "too low", "not a number (NaN)")
    return reason.startswith(tuple(_(w) for w in words))


def _tensor_mismatch(
    expected: Any, received: Any, rtol: float, atol: float
) -> str | None:
    """Shape, then :func:`torch.testing.assert_close`, told for students."""
    if not isinstance(received, (torch.Tensor, np.ndarray)):
        return _("a tensor was expected, not {a}").format(a=_a(received))
    exp, rec = torch.as_tensor(expected), torch.as_tensor(received).detach()
    if exp.shape != rec.shape:
        if exp.ndim == rec.ndim:
            wrong = _("shape {shape} is wrong")
        elif exp.ndim == 1:
            wrong = _("shape {shape} is wrong: {ndim} dimension expected")
        else:
            wrong = _("shape {shape} is wrong: {ndim} dimensions expected")
        return wrong.format(shape=tuple(rec.shape), ndim=exp.ndim)
    try:
        torch.testing.assert_close(
            rec.cpu(),
            exp.cpu(),
            rtol=rtol,
            atol=atol,
            equal_nan=True,
            check_dtype=False,
        )
    except AssertionError as err:
        found = re.search(r"Mismatched elements: (\d+) / (\d+)", str(err))
        if not found:
            return ""
        return _("{differ} of {total} values differ").format(
            differ=found[1], total=found[2]
        )
    return None


def _number_mismatch(
    expected: numbers.Number, received: Any, rtol: float, atol: float
) -> str | None:
    """Bools and ints exactly (and of their type), floats within tolerance."""
    if isinstance(expected, bool):
        if not isinstance(received, bool):
            return _("a bool was expected, not {a}").format(a=_a(received))
        return None if received == expected else ""
    if not isinstance(received, numbers.Real) or isinstance(received, bool):
        return _("a number was expected, not {a}").format(a=_a(received))
    if isinstance(expected, numbers.Integral):
        if isinstance(received, numbers.Integral):
            same = received == expected
            return None if same else _direction(expected, received)
        wrong = _("an int was expected, not {a}").format(a=_a(received))
        if received == expected:
            return _(
                "{wrong} (use // for whole-number division, or int())"
            ).format(wrong=wrong)
        return _("{direction}, and {wrong}").format(
            direction=_direction(expected, received), wrong=wrong
        )
    if math.isnan(expected) and math.isnan(received):
        return None
    close = math.isclose(received, expected, rel_tol=rtol, abs_tol=atol)
    return None if close else _direction(expected, received)


def _part(name: str, reason: str) -> str:
    if _is_direction(reason):
        return _("{name} is {reason}").format(name=name, reason=reason)
    if not reason:
        return _("{name} is wrong").format(name=name)
    return _("{name}: {reason}").format(name=name, reason=reason)


def mismatch(
    expected: Any, received: Any, *, rtol: float = 1e-6, atol: float = 1e-9
) -> str | None:
    """``None`` if ``received`` matches, else why (never the expected value).

    Numbers as :func:`_number_mismatch`; sequences element by element; dicts
    key by key; tensors and arrays by shape, then values; else ``==``.
    ``""`` means the values merely differ.
    """
    if isinstance(expected, (torch.Tensor, np.ndarray)):
        return _tensor_mismatch(expected, received, rtol, atol)
    arrays = (torch.Tensor, np.ndarray, np.generic)
    if isinstance(received, arrays) and received.ndim == 0:
        received = received.item()
    if isinstance(expected, numbers.Number):
        return _number_mismatch(expected, received, rtol, atol)
    if isinstance(expected, (str, bytes)):
        if not isinstance(received, type(expected)):
            return _("a str was expected, not {a}").format(a=_a(received))
    elif isinstance(expected, Sequence):
        if isinstance(received, (str, bytes)) or not isinstance(
            received, Sequence
        ):
            return _("a sequence was expected, not {a}").format(a=_a(received))
        if len(received) != len(expected):
            return _(
                "{expected} elements were expected, not {received}"
            ).format(expected=len(expected), received=len(received))
        parts = [
            (_("element {index}").format(index=i), e, r)
            for i, (e, r) in enumerate(zip(expected, received))
        ]
        return _first_part(parts, rtol, atol)
    elif isinstance(expected, Mapping):
        if not isinstance(received, Mapping):
            return _("a dict was expected, not {a}").format(a=_a(received))
        for key in [*expected, *received]:
            if key not in received:
                return _("key {key!r} is missing").format(key=key)
            if key not in expected:
                return _("key {key!r} was not expected").format(key=key)
        parts = [
            (_("key {key!r}").format(key=k), e, received[k])
            for k, e in expected.items()
        ]
        return _first_part(parts, rtol, atol)
    try:
        return None if bool(received == expected) else ""
    except Exception as err:  # == itself failed on the student's object
        return _("comparing them failed: {error}").format(
            error=f"{type(err).__name__}: {err}"
        )


def _first_part(parts: list, rtol: float, atol: float) -> str | None:
    for name, exp, rec in parts:
        reason = mismatch(exp, rec, rtol=rtol, atol=atol)
        if reason is not None:
            return _part(name, reason)
    return None


def expect(
    case: Case | str,
    expected: Any,
    received: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hints: Mapping[Any, str] | None = None,
    **where: Any,
) -> None:
    """Raise :class:`CheckFailed` ("received 25, which is too low") unless
    ``received`` matches ``expected``; ``hints`` name common mistakes."""
    reason = mismatch(expected, received, rtol=rtol, atol=atol)
    if reason is None:
        return
    if not reason:
        reason = _("which is not the expected value")
    elif _is_direction(reason):
        reason = _("which is {reason}").format(reason=reason)
    try:
        common = (hints or {}).get(received)
    except TypeError:  # unhashable: a list, a tensor
        common = None
    hint = reason
    if common:
        hint = _("{reason} (hint: {hint})").format(reason=reason, hint=common)
    raise CheckFailed(case, expected, received, hint=hint, **where)
