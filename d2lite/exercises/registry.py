"""The registry of exercise checks: how a chapter registers its hidden cases.

Students call ``dl.check("conv-ex1", answer)`` (or an alias,
``dl.check.conv_output_size(answer)``); this module is where the chapters
declare what those calls test. Each chapter has one module,
``d2lite/exercises/<chapter>.py`` with chapter in ``conv``, ``lenet``,
``vgg``, ``train``, imported the first time a check runs.

How to add a check (chapter authors)
------------------------------------
Decorate a function with :func:`exercise`. The id is the exercise's label
in the notebook (``:label: conv-ex1``) and the id of its
``{solution-start}`` cell. Three kinds:

``kind="function"``: the answer is a function. The decorated function
returns the hidden cases; each is called as ``answer(*args, **kwargs)``
and the result compared with ``expected``::

    from d2lite.exercises.registry import Case, CheckFailed, exercise

    @exercise("conv-ex1", alias="conv_output_size",
              title="Output size of a convolution")
    def _conv_ex1() -> list[Case]:
        from d2lite.shapes import conv_output_size   # the reference
        configs = [(28, 5, 0, 1), (28, 5, 2, 1), (32, 3, 1, 2)]
        return [Case(args=(n, k), kwargs={"padding": p, "stride": s},
                     expected=conv_output_size(n, k, padding=p, stride=s),
                     label=f"n={n}, kernel_size={k}, padding={p}, "
                           f"stride={s}")
                for n, k, p, s in configs]

``kind="value"``: the answer is a value (number, tuple, str, dict,
tensor). Return the expected value, or a list of cases that each compare
``answer[key]`` when the answer is a dict or a tuple::

    @exercise("lenet-ex2", title="Parameters of LeNet", kind="value")
    def _lenet_ex2() -> int:
        return 61_706

    @exercise("vgg-ex3", title="Parameters per block", kind="value")
    def _vgg_ex3() -> list[Case]:
        return [Case(key=name, expected=count, label=f"block {name}")
                for name, count in {"b1": 640, "b2": 73_856}.items()]

``kind="custom"``: the decorated function IS the check. It receives the
answer, raises :class:`CheckFailed` on the first problem, and returns how
many cases it checked (or ``None``). :func:`expect` compares a value the
way the other kinds do and raises the same message (``received 25, which
is too low``); for anything else, raise ``CheckFailed(label,
received=value, detail="what is wrong")``. Never put the expected value in
``detail`` or ``hint``: ``expected`` is shown only to instructors
(``reveal=True``)::

    @exercise("lenet-ex4", title="A LeNet with 3 x 3 kernels",
              kind="custom")
    def _lenet_ex4(net) -> int:
        import torch
        X = torch.zeros(2, 1, 28, 28)
        shape = tuple(net(X).shape)
        if shape != (2, 10):
            raise CheckFailed("a (2, 1, 28, 28) batch", received=shape,
                              detail=f"the output has shape {shape}: one "
                              "row of 10 class scores per image is needed")
        count = sum(p.numel() for p in net.parameters())
        expect("number of parameters", EXPECTED, count)  # from the package
        return 2

Numbers: ints and bools must match exactly (an int answer must be an int);
floats within ``rtol``/``atol`` (arguments of :func:`exercise`, or of one
:class:`Case`); tuples, lists, ``torch.Size`` element by element; tensors
by shape then ``allclose``.

Give a case ``hints={wrong value: "what it suggests"}`` for a common
mistake (``{9472: "that counts a bias"}``); a hint never states the
expected value.

What the student sees (the checker, ``d2lite/exercises/_checker.py``):
all cases pass: ``conv-ex1 ✓ all 3 cases pass. Well done!`` and ``True``;
a wrong value: ``CheckFailed: conv-ex1, case 2 of 3 (n=28, kernel_size=5,
padding=2, stride=1): received 26, which is too low`` (which part is
wrong, never the expected value: ``dl.check(id, answer, reveal=True)``
adds it, for instructors); their function raising
anything but ``NotImplementedError``: a ``CheckFailed`` naming the case and
the exception; ``NotImplementedError`` (the student edition's stub), or an
answer that is still ``...`` or ``None``: ``NotImplementedError``.

Rules for the notebook side (tests/test_exercises.py enforces them):

* Every registered id has exactly one solution code cell (the one with
  ``### BEGIN SOLUTION`` / ``### END SOLUTION`` inside its
  ``{solution-start}`` / ``{solution-end}`` pair) and a check cell after
  the ``{solution-end}`` cell calling ``dl.check("<id>", ...)``; every
  ``dl.check`` call in a notebook names a registered id.
* The solution cell and its check cell must run on their own: the test
  runs them with ``import d2lite as dl`` and the import statements of the
  notebook's earlier cells, and nothing else. Do not use variables of
  earlier cells; keep them fast (no training).
* Put the markers inside the function body for a function answer, or
  around a top-level assignment for a value answer (``tools/make_student``
  turns that into ``name = ...``, which the check reports as "no answer
  yet"). Every exercise label appears in ``book/instructors.md``.
* Hidden cases are computed when a check runs, so expected values may be
  computed with the package (import it inside the decorated function).
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from d2lite.exercises._cases import Case, CheckFailed
from d2lite.exercises._compare import mismatch, phrase

__all__ = [
    "CHAPTERS",
    "Case",
    "CheckFailed",
    "Exercise",
    "KINDS",
    "REGISTRY",
    "Registry",
    "exercise",
    "expect",
    "unregister",
]


def _chapter_modules() -> tuple[str, ...]:
    """The public modules of this package: one per chapter with checks."""
    import pkgutil
    from pathlib import Path

    here = [str(Path(__file__).parent)]
    return tuple(
        sorted(
            m.name
            for m in pkgutil.iter_modules(here)
            if not m.name.startswith("_") and m.name != "registry"
        )
    )


#: The chapters that own a module ``d2lite/exercises/<chapter>.py``; adding
#: a chapter's checks is adding its module, nothing else.
CHAPTERS = _chapter_modules()
#: The kinds of check.
KINDS = ("function", "value", "custom")
#: Names that cannot be aliases (they are the checker's own attributes).
RESERVED_ALIASES = frozenset({"list", "registry"})
_ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Exercise:
    """One registered check.

    Attributes:
        exercise_id: The exercise's label, e.g. ``"conv-ex1"``.
        title: A few words, shown by ``dl.check.list()``.
        kind: ``"function"``, ``"value"`` or ``"custom"``.
        source: The decorated function: returns the cases (function,
            value) or is the check itself (custom).
        alias: The attribute name of ``dl.check`` for it, or ``None``.
        rtol: Default relative tolerance for floats.
        atol: Default absolute tolerance for floats.
    """

    exercise_id: str
    title: str
    kind: str
    source: Callable[..., Any]
    alias: str | None = None
    rtol: float = 1e-6
    atol: float = 1e-9

    @property
    def module(self) -> str:
        """The module that registered the exercise."""
        return getattr(self.source, "__module__", "?")

    def cases(self) -> list[Case]:
        """Return the hidden cases (``kind`` "function" or "value")."""
        if self.kind == "custom":
            raise TypeError(
                f"exercise {self.exercise_id} is a custom check: "
                "it has no list of cases"
            )
        made = self.source()
        if self.kind == "value" and not (
            isinstance(made, list)
            and made
            and all(isinstance(c, Case) for c in made)
        ):
            return [Case(expected=made, label="your answer")]
        if not (
            isinstance(made, list)
            and made
            and all(isinstance(c, Case) for c in made)
        ):
            raise TypeError(
                f"the case function of exercise {self.exercise_id} "
                f"({self.module}.{self.source.__qualname__}) must return a "
                f"non-empty list of Case, got {type(made).__name__}; return "
                "e.g. [Case(args=(28, 5), expected=24)]"
            )
        return made


def expect(
    label: str,
    expected: Any,
    received: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Raise :class:`CheckFailed` unless ``received`` matches ``expected``.

    For custom checks: the comparison and the message of the other kinds
    ("received 25, which is too low"; the expected value only when the
    check reveals).

    Args:
        label: Names the case in the message, e.g. ``"number of
            parameters"``.
        expected: The hidden expected value.
        received: What the answer gave.
        rtol: Relative tolerance for floats and tensors.
        atol: Absolute tolerance for floats and tensors.
    """
    reason = mismatch(expected, received, rtol=rtol, atol=atol)
    if reason is not None:
        raise CheckFailed(label, expected, received, hint=phrase(reason))


def _validate(
    exercise_id: str, title: str, kind: str, alias: str | None
) -> None:
    """Raise ValueError/TypeError for a malformed registration."""
    if not isinstance(exercise_id, str) or not _ID_PATTERN.fullmatch(
        exercise_id
    ):
        raise ValueError(
            f"exercise_id must be a lower-case label with hyphens such as "
            f"'conv-ex1' (the exercise's :label:), got {exercise_id!r}"
        )
    if not isinstance(title, str) or not title.strip():
        raise ValueError(
            f"title of {exercise_id} must be a non-empty str, got {title!r}"
        )
    if kind not in KINDS:
        raise ValueError(
            f"kind of {exercise_id} must be one of {KINDS}, got {kind!r}"
        )
    if alias is not None and (
        not isinstance(alias, str)
        or not alias.isidentifier()
        or alias.startswith("_")
        or alias in RESERVED_ALIASES
    ):
        raise ValueError(
            f"alias of {exercise_id} must be a Python name not starting "
            f"with '_' and not one of {sorted(RESERVED_ALIASES)}, such as "
            f"'conv_output_size', got {alias!r}"
        )


class Registry:
    """The registered exercises, keyed by id.

    Args:
        modules: Modules imported (once, on first lookup) to fill the
            registry. A module that does not exist is skipped (a chapter
            being written); any other import error is raised.
    """

    def __init__(self, modules: Sequence[str] = ()) -> None:
        self._modules = tuple(modules)
        self._loaded = not self._modules
        self._exercises: dict[str, Exercise] = {}

    def exercise(
        self,
        exercise_id: str,
        *,
        title: str,
        kind: str = "function",
        alias: str | None = None,
        rtol: float = 1e-6,
        atol: float = 1e-9,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Return a decorator registering a check; see the module docstring.

        Args:
            exercise_id: The exercise's label, e.g. ``"conv-ex1"``.
            title: A few words describing the exercise.
            kind: ``"function"``, ``"value"`` or ``"custom"``.
            alias: Optional attribute name: ``dl.check.<alias>(answer)``.
            rtol: Relative tolerance for floats (cases may override).
            atol: Absolute tolerance for floats (cases may override).

        Returns:
            A decorator that registers the function and returns it as is.
        """
        _validate(exercise_id, title, kind, alias)

        def register(source: Callable[..., Any]) -> Callable[..., Any]:
            entry = Exercise(
                exercise_id, title, kind, source, alias, rtol, atol
            )
            self._add(entry)
            return source

        return register

    def _add(self, entry: Exercise) -> None:
        """Store ``entry``; a module re-registering its own id replaces it."""
        for other in self._exercises.values():
            clash = other.exercise_id == entry.exercise_id or (
                entry.alias is not None and other.alias == entry.alias
            )
            if clash and other.module != entry.module:
                raise ValueError(
                    f"exercise {entry.exercise_id} (alias {entry.alias!r}) "
                    f"from {entry.module} clashes with {other.exercise_id} "
                    f"(alias {other.alias!r}) registered by {other.module}; "
                    "give each exercise its own id and alias"
                )
        stale = [
            k
            for k, v in self._exercises.items()
            if entry.alias is not None and v.alias == entry.alias
        ]
        for key in stale:
            del self._exercises[key]
        self._exercises[entry.exercise_id] = entry

    def unregister(self, exercise_id: str) -> None:
        """Remove an exercise (tests use it to clean up after themselves)."""
        if exercise_id not in self._exercises:
            raise KeyError(f"exercise {exercise_id!r} is not registered")
        del self._exercises[exercise_id]

    def load(self) -> None:
        """Import the chapter modules once (a missing one is skipped)."""
        if self._loaded:
            return
        for name in self._modules:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:
                    raise
        self._loaded = True

    def ids(self) -> list[str]:
        """Return the registered ids, sorted."""
        self.load()
        return sorted(self._exercises)

    def by_alias(self, alias: str) -> Exercise | None:
        """Return the exercise with this alias, or ``None``."""
        self.load()
        for entry in self._exercises.values():
            if entry.alias == alias:
                return entry
        return None

    def aliases(self) -> list[str]:
        """Return the registered aliases, sorted."""
        self.load()
        return sorted(e.alias for e in self._exercises.values() if e.alias)

    def get(self, exercise_id: str) -> Exercise:
        """Return the exercise ``exercise_id``.

        Raises:
            ValueError: Unknown id; the message suggests the closest ids
                and lists every registered one.
        """
        self.load()
        if not isinstance(exercise_id, str):
            raise TypeError(
                f"exercise_id must be a str such as 'conv-ex1', "
                f"got {type(exercise_id).__name__} "
                f"{exercise_id!r}"
            )
        if exercise_id in self._exercises:
            return self._exercises[exercise_id]
        raise ValueError(self._unknown_message(exercise_id))

    def _unknown_message(self, exercise_id: str) -> str:
        """Explain an unknown id: suggestion, known ids, prose exercises."""
        known = sorted(self._exercises)
        close = difflib.get_close_matches(exercise_id, known, n=2, cutoff=0.6)
        message = f"exercise_id {exercise_id!r} has no check."
        if close:
            message += (
                " Did you mean " + " or ".join(repr(c) for c in close) + "?"
            )
        message += (
            " Exercises with a check: "
            + (", ".join(known) if known else "none yet")
            + "."
        )
        message += (
            " An exercise whose answer is prose has no check: "
            "compare your answer with its solution."
        )
        return message

    def __iter__(self) -> Iterator[Exercise]:
        self.load()
        return iter([self._exercises[k] for k in sorted(self._exercises)])

    def __len__(self) -> int:
        self.load()
        return len(self._exercises)

    def __contains__(self, exercise_id: object) -> bool:
        self.load()
        return exercise_id in self._exercises


#: The registry behind ``dl.check``: filled by the chapter modules.
REGISTRY = Registry(modules=[f"d2lite.exercises.{c}" for c in CHAPTERS])
#: Register a check in :data:`REGISTRY` (a decorator factory).
exercise = REGISTRY.exercise
#: Remove a check from :data:`REGISTRY`.
unregister = REGISTRY.unregister
