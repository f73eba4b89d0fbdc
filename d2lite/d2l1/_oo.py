"""d2l-en 1.0's utilities for object-oriented notebooks (3.2).

``add_to_class`` adds a method to a class after it was defined, so a
chapter can grow a class one code cell at a time; ``HyperParameters``
turns the arguments of ``__init__`` into attributes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any


def add_to_class(Class: type) -> Callable[[Callable], None]:
    """Register the decorated function as a method of ``Class``.

    ``@d2l.add_to_class(d2l.Trainer)`` on ``def fit_epoch(self): ...``
    replaces ``Trainer.fit_epoch`` for every trainer, old and new. As in
    d2l, the decorated name is bound to None afterwards.
    """
    if not isinstance(Class, type):
        raise TypeError(
            f"add_to_class takes the class itself, got {Class!r}; write "
            f"@d2l.add_to_class({type(Class).__name__}) above the function"
        )

    def wrapper(obj: Callable) -> None:
        if not callable(obj) or not hasattr(obj, "__name__"):
            raise TypeError(
                f"@add_to_class({Class.__name__}) decorates a function "
                f"(def name(self, ...)), got {obj!r}"
            )
        setattr(Class, obj.__name__, obj)

    return wrapper


class HyperParameters:
    """The base class of hyperparameters (d2l's ``HyperParameters``)."""

    def save_hyperparameters(self, ignore: Iterable[str] = ()) -> None:
        """Store the caller's arguments (its local variables) as attributes.

        Called first thing in ``__init__``: ``self.save_hyperparameters()``
        makes ``self.lr`` of ``__init__(self, lr)``. Names in ``ignore``,
        ``self`` and names starting with ``_`` are skipped; the rest are
        also kept in the dict ``self.hparams``.
        """
        if isinstance(ignore, str):
            raise TypeError(
                f"ignore must be a list of names, got the string "
                f"{ignore!r}; write ignore=[{ignore!r}]"
            )
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        if caller is None:  # pragma: no cover (CPython always has frames)
            raise RuntimeError("save_hyperparameters needs a calling frame")
        try:
            local_vars = dict(caller.f_locals)
        finally:
            del frame, caller
        skip = set(ignore) | {"self"}
        self.hparams: dict[str, Any] = {
            k: v
            for k, v in local_vars.items()
            if k not in skip and not k.startswith("_")
        }
        for k, v in self.hparams.items():
            setattr(self, k, v)
