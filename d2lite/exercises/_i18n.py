"""The language of ``dl.check``'s messages: English, or Chinese on request.

``dl.set_language("zh")``, or ``D2LITE_LANG=zh`` in the environment (read
each time a message is built, so a notebook's first cell can set it),
switches to the catalog ``d2lite/locale/zh_CN/LC_MESSAGES/d2lite.mo``,
compiled from its ``.po`` by ``make translations``.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import os
from collections.abc import Iterator
from pathlib import Path

#: The languages of the messages; English is the source.
LANGUAGES = ("en", "zh")
ENV = "D2LITE_LANG"
LOCALE = Path(__file__).parents[1] / "locale"
_chosen: dict[str, str | None] = {"language": None}  # set_language's


def set_language(language: str | None) -> None:
    """Make ``dl.check`` speak ``"en"`` or ``"zh"``; ``None`` goes back to
    the environment variable ``D2LITE_LANG`` (English when unset)."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(
            f"language must be one of {LANGUAGES} (or None for ${ENV}), "
            f"got {language!r}"
        )
    _chosen["language"] = language


def language() -> str:
    """Return the language messages are built in now: "en" or "zh"."""
    if _chosen["language"] is not None:
        return _chosen["language"]
    wanted = os.environ.get(ENV, "").strip().lower()
    return "zh" if wanted.startswith("zh") else "en"


@contextlib.contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Build messages in ``language`` inside the ``with`` block."""
    before = _chosen["language"]
    _chosen["language"] = language or before
    try:
        yield
    finally:
        _chosen["language"] = before


@functools.cache
def translations() -> gettext.NullTranslations:
    """The compiled Chinese catalog, read on first use."""
    return gettext.translation("d2lite", LOCALE, languages=["zh_CN"])


def _(message: str) -> str:
    """``message`` in the current language (a msgid of the catalog)."""
    if not message or language() == "en":
        return message
    return translations().gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; :func:`_` translates it later."""
    return message
