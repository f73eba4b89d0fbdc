"""Exercise checks: ``dl.check("conv-ex1", answer)``.

``check`` runs the hidden test cases that the chapters register in
``d2lite/exercises/<chapter>.py`` (imported the first time a check runs);
:mod:`d2lite.exercises.registry` explains how to register one.
"""

from d2lite.exercises._cases import Case, CheckFailed
from d2lite.exercises._checker import Checker
from d2lite.exercises.registry import REGISTRY, exercise, expect

#: ``dl.check``: ``check(exercise_id, answer)``, ``check.<alias>(answer)``,
#: ``check.list()``; ``reveal=True`` shows expected values (instructors).
check = Checker(REGISTRY)

__all__ = [
    "Case",
    "CheckFailed",
    "Checker",
    "REGISTRY",
    "check",
    "exercise",
    "expect",
]
