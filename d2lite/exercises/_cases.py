"""The two objects a check is made of: a hidden test case and its failure."""
from __future__ import annotations

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
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    label: str = ""
    key: Any = None
    rtol: float | None = None
    atol: float | None = None

    def describe(self) -> str:
        """Return the label, or the arguments when there is no label."""
        if self.label:
            return self.label
        if self.key is not None:
            return f"[{self.key!r}]"
        parts = [short_repr(a, limit=40) for a in self.args]
        parts += [f"{k}={short_repr(v, limit=40)}"
                  for k, v in self.kwargs.items()]
        return ", ".join(parts)


class CheckFailed(Exception):
    """An answer did not pass one case of its exercise's check.

    The message reads like ``conv-ex1, case 3 of 8 (n=28, kernel_size=5,
    padding=0, stride=1): expected 24, received 25``. A ``kind="custom"``
    check raises it itself with the case, the expected and the received
    value (and ``detail`` for free text); the checker fills in the exercise
    id and re-raises it.

    Args:
        case: The failing :class:`Case`, or just its label.
        expected: The value that was expected.
        received: The value the answer gave.
        detail: Free text replacing "expected ..., received ...", e.g.
            ``"your function raised ZeroDivisionError: division by zero"``.
        hint: Free text appended after "expected ..., received ...", e.g.
            ``"element 2 differs"``.
        exercise_id: The exercise, e.g. ``"conv-ex1"`` (set by the checker).
        index: 1-based number of the case, when the cases are numbered.
        total: How many cases the exercise has.
    """

    def __init__(self, case: Case | str | None = None, expected: Any = None,
                 received: Any = None, *, detail: str | None = None,
                 hint: str | None = None, exercise_id: str | None = None,
                 index: int | None = None,
                 total: int | None = None) -> None:
        self.case = case
        self.expected = expected
        self.received = received
        self.detail = detail
        self.hint = hint
        self.exercise_id = exercise_id
        self.index = index
        self.total = total
        super().__init__()

    @property
    def label(self) -> str:
        """The case's label (may be empty)."""
        if isinstance(self.case, Case):
            return self.case.describe()
        return "" if self.case is None else str(self.case)

    def __str__(self) -> str:
        where = self.exercise_id or "check"
        if self.index is not None and self.total is not None:
            where += f", case {self.index} of {self.total}"
        if self.label:
            where += f" ({self.label})"
        what = self.detail or (f"expected {short_repr(self.expected)}, "
                               f"received {short_repr(self.received)}")
        if self.hint and not self.detail:
            what += f"; {self.hint}"
        return f"{where}: {what}"
