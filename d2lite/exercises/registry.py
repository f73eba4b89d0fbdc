"""``dl.check``: the registry of exercise checks, and the checker itself.

A chapter registers its checks in ``d2lite/exercises/<chapter>.py``
(imported on the first check) with ``@exercise(id, kind=...)``; the id is
the exercise's ``:label:``, the title the function's docstring. Two kinds:

* ``kind="value"``: the function returns the expected value, or a list of
  :class:`Case` whose ``key`` selects ``answer[key]``;
* ``kind="function"``: the function returns a list of :class:`Case`; the
  answer is called as ``answer(*case.args, **case.kwargs)``. A decorated
  function that takes a parameter is the check itself: it receives the
  answer, raises :class:`CheckFailed` (:func:`expect` compares as the cases
  do) and returns how many cases it checked.

A message names the case and what the answer gave, never the expected
value (``reveal=True`` adds it, for instructors): keep it out of
``detail`` and ``hints``. The expected values are computed with the
package, imported inside the decorated function.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lite.exercises._i18n import _
from d2lite.exercises.compare import (
    Case,
    CheckFailed,
    expect,
    short_repr,
)

#: Modules of the checker itself; every other one is a chapter's checks.
HELPERS = ("registry", "compare", "epoch")
#: The chapters with a module ``d2lite/exercises/<chapter>.py``.
CHAPTERS = tuple(
    sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_") and m.name not in HELPERS
    )
)


@dataclass(frozen=True)
class Exercise:
    """One registered check; ``source`` returns its cases or is the check."""

    exercise_id: str
    title: str
    kind: str
    source: Callable[..., Any]
    rtol: float = 1e-6
    atol: float = 1e-9

    @property
    def has_cases(self) -> bool:
        """False when ``source`` takes the answer (it is the check)."""
        return not inspect.signature(self.source).parameters

    def cases(self) -> list[Case]:
        """Return the hidden cases."""
        made = self.source()
        listed = isinstance(made, list) and made  # a non-empty list
        if listed and all(isinstance(c, Case) for c in made):
            return made
        return [Case(expected=made, label=_("your answer"))]  # one value


def _no_answer(
    exercise_id: str, index: int | None = None, total: int | None = None
) -> NotImplementedError:
    if index is None:
        text = _(
            "exercise {exercise_id} has no answer yet: replace the `...` "
            "(or None) with your answer"
        )
    else:
        text = _(
            "exercise {exercise_id} has no answer yet (case {index} of "
            "{total} is `...`): replace the `...` (or None) with your answer"
        )
    return NotImplementedError(
        text.format(exercise_id=exercise_id, index=index, total=total)
    )


class Checker:
    """``dl.check(id, answer)``: the registered checks, and running them.

    ``modules`` are imported on the first lookup; a missing one is skipped
    (a chapter being written), any other import error is raised.
    """

    def __init__(self, modules: Sequence[str] = ()) -> None:
        self._modules = tuple(modules)
        self._exercises: dict[str, Exercise] = {}

    def exercise(
        self,
        exercise_id: str,
        *,
        title: str | None = None,
        kind: str = "function",
        rtol: float = 1e-6,
        atol: float = 1e-9,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Return a decorator that registers a check (see the module doc).

        ``title`` (for :meth:`list`) defaults to the docstring's first line.
        """

        def register(source: Callable[..., Any]) -> Callable[..., Any]:
            doc = (source.__doc__ or "").strip().split("\n")[0].rstrip(".")
            name = doc if title is None else title
            entry = Exercise(exercise_id, name, kind, source, rtol, atol)
            self._exercises[exercise_id] = entry
            return source

        return register

    def _load(self) -> dict[str, Exercise]:
        for name in self._modules:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:
                    raise
        self._modules = ()
        return self._exercises

    def ids(self) -> list[str]:
        """Return the registered ids, sorted."""
        return sorted(self._load())

    def __iter__(self) -> Iterator[Exercise]:
        return iter([self._load()[k] for k in self.ids()])

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._load()

    def get(self, exercise_id: str) -> Exercise:
        """Return an exercise; an unknown id suggests the closest ones."""
        known = self.ids()
        if not isinstance(exercise_id, str):
            raise TypeError(
                _(
                    "exercise_id must be a str such as 'conv-ex1', got "
                    "{type} {value!r}"
                ).format(type=type(exercise_id).__name__, value=exercise_id)
            )
        if exercise_id in known:
            return self._exercises[exercise_id]
        close = difflib.get_close_matches(exercise_id, known, n=2, cutoff=0.6)
        mean = _(" or ").join(repr(c) for c in close)
        text = _("exercise_id {exercise_id!r} has no check.")
        if close:
            text += _(" Did you mean {mean}?")
        text += _(" Exercises with a check: {known}.") + _(
            " An exercise whose answer is prose has no check: "
            "compare your answer with its solution."
        )
        raise ValueError(
            text.format(
                exercise_id=exercise_id,
                mean=mean,
                known=", ".join(known) or _("none yet"),
            )
        )

    def _run_cases(self, entry: Exercise, answer: Any) -> int:
        function = entry.kind == "function"
        if function and not callable(answer):
            raise TypeError(
                _(
                    "exercise {exercise_id} expects a function as answer, "
                    "got {type} {value}; pass the function itself, without "
                    "calling it: dl.check({exercise_id!r}, my_function)"
                ).format(
                    exercise_id=entry.exercise_id,
                    type=type(answer).__name__,
                    value=short_repr(answer, limit=60),
                )
            )
        cases = entry.cases()
        for index, case in enumerate(cases, start=1):
            where = {"index": index, "total": len(cases)}
            try:
                if function:
                    args, kwargs = copy.deepcopy((case.args, case.kwargs))
                    received = answer(*args, **kwargs)
                else:
                    received = answer if case.key is None else answer[case.key]
            except NotImplementedError:
                raise
            except Exception as err:
                error = f"{type(err).__name__}: {err}"
                detail = (
                    _("your function raised {error}")
                    if function
                    else _("your answer has no item [{key!r}] ({error})")
                ).format(error=error, key=case.key)
                raise CheckFailed(case, detail=detail, **where) from err
            if received is ...:
                raise _no_answer(entry.exercise_id, index, len(cases))
            expect(
                case,
                case.expected,
                received,
                hints=case.hints,
                **where,
                rtol=entry.rtol if case.rtol is None else case.rtol,
                atol=entry.atol if case.atol is None else case.atol,
            )
        return len(cases)

    def _run_check(self, entry: Exercise, answer: Any) -> int | None:
        try:
            count = entry.source(answer)
        except (NotImplementedError, CheckFailed):
            raise
        except Exception as err:
            raise CheckFailed(
                detail=_("checking your answer raised {error}").format(
                    error=f"{type(err).__name__}: {err}"
                )
            ) from err
        return count if isinstance(count, int) and count > 0 else None

    def __call__(
        self, exercise_id: str, answer: Any, *, reveal: bool = False
    ) -> None:
        """Check ``answer``; print one line of congratulation, return None.

        Raises CheckFailed (which case, what was received; the expected
        value only with ``reveal``), NotImplementedError (no answer yet:
        the stub, ``...`` or ``None``), ValueError (unknown id).
        """
        entry = self.get(exercise_id)
        if answer is None or answer is ...:
            raise _no_answer(entry.exercise_id)
        run = self._run_cases if entry.has_cases else self._run_check
        try:
            count = run(entry, answer)
        except CheckFailed as err:
            err.exercise_id = err.exercise_id or entry.exercise_id
            err.reveal = bool(reveal)
            if not reveal:
                err.expected = None  # the answer leaves only when revealed
            raise err.with_traceback(None) from err.__cause__
        if count and count > 1:
            done = _("{exercise_id} ✓ all {count} cases pass. Well done!")
        else:
            done = _("{exercise_id} ✓ correct. Well done!")
        print(done.format(exercise_id=entry.exercise_id, count=count))

    def list(self) -> Any:
        """Return a ``pandas.DataFrame`` of every check: id, title, kind."""
        import pandas as pd

        rows = [(e.exercise_id, e.title, e.kind) for e in self]
        table = pd.DataFrame(rows, columns=["id", "title", "kind"])
        return table.set_index("id")

    def __repr__(self) -> str:
        return (
            f"<d2lite exercise checks: {len(self.ids())} registered; "
            "dl.check('conv-ex1', answer), dl.check.list()>"
        )


#: ``dl.check``: filled by the chapter modules.
REGISTRY = check = Checker([f"d2lite.exercises.{c}" for c in CHAPTERS])
exercise = REGISTRY.exercise
