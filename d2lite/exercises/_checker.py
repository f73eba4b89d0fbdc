"""Run a registered check on a student's answer and report the outcome.

``dl.check`` is a :class:`Checker`: ``dl.check("conv-ex1", answer)`` runs
the hidden cases of ``conv-ex1``; ``dl.check.conv_output_size(answer)``
does the same through the exercise's alias; ``dl.check.list()`` shows
every check. A pass prints a congratulation and returns ``True``; a
failure raises :class:`CheckFailed` naming the case and the received value
and saying what is wrong (too high, too low, which element, which type)
without stating the expected value; an unanswered exercise raises
``NotImplementedError``. Instructors see the expected values with
``dl.check(id, answer, reveal=True)``.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from d2lite.exercises._cases import Case, CheckFailed, short_repr
from d2lite.exercises._compare import mismatch, phrase
from d2lite.exercises.registry import Exercise, Registry

if TYPE_CHECKING:
    import pandas


def _no_answer(entry: Exercise, where: str = "") -> NotImplementedError:
    """Return the error for an answer that is still ``...`` or ``None``."""
    return NotImplementedError(
        f"exercise {entry.exercise_id} has no answer yet{where}: replace "
        "the `...` (or None) with your answer"
    )


def _compare_case(
    entry: Exercise, case: Case, received: Any, *, index: int, total: int
) -> None:
    """Raise CheckFailed unless ``received`` matches ``case.expected``."""
    if received is ...:
        raise _no_answer(entry, f" (case {index} of {total} is `...`)")
    rtol = entry.rtol if case.rtol is None else case.rtol
    atol = entry.atol if case.atol is None else case.atol
    reason = mismatch(case.expected, received, rtol=rtol, atol=atol)
    if reason is not None:
        hint = phrase(reason)
        common = case.hint_for(received)
        if common:
            hint += f" (hint: {common})"
        raise CheckFailed(
            case,
            case.expected,
            received,
            hint=hint,
            exercise_id=entry.exercise_id,
            index=index,
            total=total,
        )


def _run_function(entry: Exercise, answer: Any) -> int:
    """Call the student's function on every case; return the count."""
    if not callable(answer):
        raise TypeError(
            f"exercise {entry.exercise_id} expects a function as answer, "
            f"got {type(answer).__name__} {short_repr(answer, limit=60)}; "
            f"pass the function itself, without calling it: "
            f"dl.check({entry.exercise_id!r}, my_function)"
        )
    cases = entry.cases()
    for index, case in enumerate(cases, start=1):
        args = copy.deepcopy(case.args)
        kwargs = copy.deepcopy(case.kwargs)
        try:
            received = answer(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as err:
            raise CheckFailed(
                case,
                detail=f"your function raised {type(err).__name__}: {err}",
                exercise_id=entry.exercise_id,
                index=index,
                total=len(cases),
            ) from err
        _compare_case(entry, case, received, index=index, total=len(cases))
    return len(cases)


def _run_value(entry: Exercise, answer: Any) -> int:
    """Compare the answer (or its items) with every case; return the count."""
    cases = entry.cases()
    for index, case in enumerate(cases, start=1):
        received = answer
        if case.key is not None:
            try:
                received = answer[case.key]
            except (KeyError, IndexError, TypeError) as err:
                raise CheckFailed(
                    case,
                    detail=f"your answer has no item [{case.key!r}] "
                    f"({type(err).__name__}: {err})",
                    exercise_id=entry.exercise_id,
                    index=index,
                    total=len(cases),
                ) from None
        _compare_case(entry, case, received, index=index, total=len(cases))
    return len(cases)


def _run_custom(entry: Exercise, answer: Any) -> int | None:
    """Run a custom check; return the count it reports (or None)."""
    try:
        count = entry.source(answer)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as err:
        raise CheckFailed(
            detail=f"checking your answer raised {type(err).__name__}: {err}",
            exercise_id=entry.exercise_id,
        ) from err
    return count if isinstance(count, int) and count > 0 else None


_RUNNERS: dict[str, Callable[[Exercise, Any], int | None]] = {
    "function": _run_function,
    "value": _run_value,
    "custom": _run_custom,
}


def congratulation(exercise_id: str, count: int | None) -> str:
    """Return the line printed when every case passes."""
    if count is not None and count > 1:
        return f"{exercise_id} ✓ all {count} cases pass. Well done!"
    return f"{exercise_id} ✓ correct. Well done!"


class Checker:
    """Check answers to the course's exercises: ``dl.check(id, answer)``.

    Args:
        registry: Where the exercises are registered.

    Example::

        dl.check("conv-ex1", my_conv_output_size)
        dl.check.conv_output_size(my_conv_output_size)   # via its alias
        dl.check.list()                                  # every check
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __call__(
        self, exercise_id: str, answer: Any, *, reveal: bool = False
    ) -> bool:
        """Run the hidden cases of ``exercise_id`` on ``answer``.

        Args:
            exercise_id: The exercise's label, e.g. ``"conv-ex1"``.
            answer: A function (the exercise asks for one) or a value.
            reveal: For instructors: the failure message states the
                expected value too (and the exception keeps it in
                ``.expected``). Students leave it ``False``.

        Returns:
            ``True`` when every case passes (a congratulation is printed).

        Raises:
            CheckFailed: A case fails; the message names the case and the
                received value and says what is wrong, without the
                expected value unless ``reveal``.
            NotImplementedError: The answer is not written yet (the
                student edition's stub, ``...`` or ``None``).
            ValueError: ``exercise_id`` is not registered (the message
                suggests the closest ids).
        """
        entry = self.registry.get(exercise_id)
        if answer is None or answer is ...:
            raise _no_answer(entry)
        try:
            count = _RUNNERS[entry.kind](entry, answer)
        except CheckFailed as err:
            if err.exercise_id is None:
                err.exercise_id = entry.exercise_id
            err.reveal = bool(reveal)
            if not reveal:
                err.expected = None  # the answer leaves only when revealed
            # Drop the checker's own frames: the student sees the message.
            raise err.with_traceback(None) from err.__cause__
        print(congratulation(entry.exercise_id, count))
        return True

    def __getattr__(self, name: str) -> Callable[[Any], bool]:
        if name.startswith("_"):
            raise AttributeError(name)
        entry = self.registry.by_alias(name)
        if entry is None:
            aliases = self.registry.aliases()
            close = difflib.get_close_matches(name, aliases, n=1)
            hint = f" Did you mean dl.check.{close[0]}?" if close else ""
            raise AttributeError(
                f"dl.check has no exercise called {name!r}.{hint} Aliases: "
                f"{', '.join(aliases) or 'none yet'}; or call "
                "dl.check('<exercise id>', answer) with the exercise's label"
            )

        def run(answer: Any, *, reveal: bool = False) -> bool:
            return self(entry.exercise_id, answer, reveal=reveal)

        run.__name__ = run.__qualname__ = name
        run.__doc__ = (
            f"Check exercise {entry.exercise_id} ({entry.title}); "
            f"same as dl.check({entry.exercise_id!r}, answer)."
        )
        return run

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.registry.aliases()))

    def list(self) -> pandas.DataFrame:
        """Return every check: id, alias, title and kind, one row each."""
        import pandas as pd

        rows = [
            {
                "id": e.exercise_id,
                "alias": f"dl.check.{e.alias}" if e.alias else "",
                "title": e.title,
                "kind": e.kind,
            }
            for e in self.registry
        ]
        return pd.DataFrame(
            rows, columns=["id", "alias", "title", "kind"]
        ).set_index("id")

    def __repr__(self) -> str:
        return (
            f"<d2lite exercise checks: {len(self.registry)} registered; "
            "dl.check('conv-ex1', answer), dl.check.list()>"
        )
