"""The language of ``dl.check``'s messages: English, or Chinese on request.

``dl.set_language("zh")``, or ``D2LITE_LANG=zh`` in the environment (read
each time a message is built, so a notebook's first cell can set it),
switches to the catalog ``d2lite/locale/zh_CN/LC_MESSAGES/d2lite.po``.
The catalog is compiled in memory, on first use, for :mod:`gettext`.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gettext
import io
import os
import struct
from collections.abc import Iterator
from pathlib import Path

#: The languages of the messages; English is the source.
LANGUAGES = ("en", "zh")
ENV = "D2LITE_LANG"
CATALOG = Path(__file__).parents[1] / "locale/zh_CN/LC_MESSAGES/d2lite.po"
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


def read_po(path: Path = CATALOG) -> dict[str, str]:
    """Return ``{msgid: msgstr}`` of a .po file (the header under "")."""
    entries, field = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("msgid "):
            entries.append({"msgid": "", "msgstr": ""})
        if line.startswith(("msgid ", "msgstr ")):
            field, line = line.split(" ", 1)
        if line.startswith('"') and field is not None:
            entries[-1][field] += ast.literal_eval(line)
        elif line.startswith("#") or not line:
            field = None
    return {e["msgid"]: e["msgstr"] for e in entries}


def _mo_bytes(catalog: dict[str, str]) -> bytes:
    """The GNU .mo file of ``catalog`` (as msgfmt writes it)."""
    keys = sorted(catalog)
    ids = [k.encode() for k in keys]
    strs = [catalog[k].encode() for k in keys]
    start = 7 * 4 + 16 * len(keys)  # header, then two offset tables
    offsets, data = [], b""
    for text in ids + strs:
        offsets += [len(text), start + len(data)]
        data += text + b"\0"
    header = struct.pack(
        "Iiiiiii", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0
    )
    return header + struct.pack(f"{len(offsets)}i", *offsets) + data


@functools.cache
def translations() -> gettext.GNUTranslations:
    """The Chinese catalog, compiled from the .po file on first use."""
    catalog = {k: v for k, v in read_po().items() if v or not k}
    return gettext.GNUTranslations(io.BytesIO(_mo_bytes(catalog)))


def _(message: str) -> str:
    """``message`` in the current language (a msgid of the catalog)."""
    if not message or language() == "en":
        return message
    return translations().gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; :func:`_` translates it later."""
    return message
