"""The two objects a check is made of: a hidden test case and its failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: How many characters of a value a feedback message shows at most.
MAX_REPR = 160


def short_repr(value: Any, *, limit: int = MAX_REPR) -> str:
    """Return ``repr(value)`` on one line, cut to ``limit`` characters."""
    try:
        text = repr(value)
    except Exception as err:  # a student's object with a broken __repr__
        text = f"<{type(value).__name__} (repr failed: {err})>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Case:
    """One hidden test case of an exercise.

    Args:
        args: Positional arguments the student's function is called with
            (``kind="function"``); ignored for other kinds.
        kwargs: Keyword arguments for that call.
        expected: The value the answer must match (numbers within the
            exercise's ``rtol``/``atol``, sequences element by element).
        label: What the feedback names the case by, e.g.
            ``"n=28, kernel_size=5, padding=0, stride=1"``. Default: the
            arguments, ``"28, 5, padding=0"``.
        key: For ``kind="value"``: compare ``answer[key]`` instead of the
            whole answer (a dict key or a tuple index).
        rtol: Relative tolerance of this case (default: the exercise's).
        atol: Absolute tolerance of this case (default: the exercise's).
        hints: Common wrong answers and what to say about them, e.g.
            ``{9472: "that counts a bias; this convolution has none"}``.
            A hint is shown when the received value is one of the keys;
            it must not state the expected value.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    label: str = ""
    key: Any = None
    rtol: float | None = None
    atol: float | None = None
    hints: Mapping[Any, str] = field(default_factory=dict)

    def hint_for(self, received: Any) -> str | None:
        """Return the hint for a common wrong answer, or ``None``."""
        try:
            return self.hints.get(received)
        except TypeError:  # unhashable: a list, a tensor
            return None

    def describe(self) -> str:
        """Return the label, or the arguments when there is no label."""
        if self.label:
            return self.label
        if self.key is not None:
            return f"[{self.key!r}]"
        parts = [short_repr(a, limit=40) for a in self.args]
        parts += [
            f"{k}={short_repr(v, limit=40)}" for k, v in self.kwargs.items()
        ]
        return ", ".join(parts)


class CheckFailed(Exception):
    """An answer did not pass one case of its exercise's check.

    The message names the exercise, the case and what the answer gave, and
    says what is wrong without stating the expected value, e.g.
    ``conv-ex1, case 3 of 16 (n=28, k=5, p=0, s=1): received 25, which is
    too high``. With ``reveal=True`` (instructors:
    ``dl.check(id, answer, reveal=True)``) it starts with "expected ...,".

    A ``kind="custom"`` check raises it itself with the case and the
    received value (``expected`` is shown only when revealing; put what a
    student may read in ``detail`` or ``hint``); the checker fills in the
    exercise id and re-raises it.

    Args:
        case: The failing :class:`Case`, or just its label.
        expected: The value that was expected (kept, and shown, only when
            the check reveals; the checker drops it otherwise).
        received: The value the answer gave.
        detail: Free text replacing "received ..., which is ...", e.g.
            ``"your function raised ZeroDivisionError: division by zero"``.
        hint: Free text appended after "received ...,", e.g.
            ``"element 2 is too low"`` (never the expected value).
        exercise_id: The exercise, e.g. ``"conv-ex1"`` (set by the checker).
        index: 1-based number of the case, when the cases are numbered.
        total: How many cases the exercise has.
        reveal: Whether the message states the expected value.
    """

    def __init__(
        self,
        case: Case | str | None = None,
        expected: Any = None,
        received: Any = None,
        *,
        detail: str | None = None,
        hint: str | None = None,
        exercise_id: str | None = None,
        index: int | None = None,
        total: int | None = None,
        reveal: bool = False,
    ) -> None:
        self.case = case
        self.expected = expected
        self.received = received
        self.detail = detail
        self.hint = hint
        self.exercise_id = exercise_id
        self.index = index
        self.total = total
        self.reveal = reveal
        super().__init__()

    @property
    def label(self) -> str:
        """The case's label (may be empty)."""
        if isinstance(self.case, Case):
            return self.case.describe()
        return "" if self.case is None else str(self.case)

    def where(self) -> str:
        """Return "<id>, case <i> of <n> (<label>)": which part is wrong."""
        where = self.exercise_id or "check"
        if self.index is not None and self.total is not None:
            where += f", case {self.index} of {self.total}"
        if self.label:
            where += f" ({self.label})"
        return where

    def __str__(self) -> str:
        if self.detail:
            what = self.detail
        else:
            what = (
                f"received {short_repr(self.received)}, "
                f"{self.hint or 'which is not the expected value'}"
            )
        if self.reveal and not (self.detail and self.expected is None):
            what = f"expected {short_repr(self.expected)}; {what}"
        return f"{self.where()}: {what}"
