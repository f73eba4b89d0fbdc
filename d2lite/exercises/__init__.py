"""Exercise checks: ``dl.check("conv-ex1", answer)``, ``dl.check.list()``.

``dl.set_language("zh")`` (or ``D2LITE_LANG=zh``) makes them speak Chinese.
The hidden cases live in ``d2lite/exercises/<chapter>.py``;
:mod:`d2lite.exercises.registry` says how to register one.
"""

from d2lite.exercises._i18n import set_language
from d2lite.exercises.registry import (
    REGISTRY,
    Case,
    Checker,
    CheckFailed,
    check,
    exercise,
    expect,
)

__all__ = [
    "REGISTRY",
    "Case",
    "CheckFailed",
    "Checker",
    "check",
    "exercise",
    "expect",
    "set_language",
]
