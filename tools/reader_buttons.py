"""Sphinx extension: the Colab and Binder buttons open ``reader/<chapter>``
(Chinese book: ``reader/zh/``) at the tag ``v`` + ``d2lite.__version__``,
which the install cells pin, not the raw MyST of ``notebooks/`` on the
branch. A book without ``d2lite/`` (the student edition) keeps the theme's.
"""

from __future__ import annotations

import re
from pathlib import Path


def release_tag(root: Path) -> str | None:
    """``v`` + the ``__version__`` of ``root/d2lite/__init__.py``."""
    init = root / "d2lite" / "__init__.py"
    text = init.read_text(encoding="utf-8") if init.is_file() else ""
    found = re.search(r'(?m)^__version__ = "([^"]+)"', text)
    return f"v{found[1]}" if found else None


def reader_url(url: str, branch: str, tag: str, page: str, lang="") -> str:
    """``url`` of ``page`` (``notebooks/x``) moved to ``reader/`` at tag."""
    name = re.escape(page.split("/")[-1])
    pattern = rf"/{re.escape(branch)}([/?].*?)notebooks/({name}\.ipynb)"
    return re.sub(pattern, rf"/{tag}\1reader/{lang}\2", url)


def point_at_reader(app, pagename: str, template, context, doctree) -> None:
    """Rewrite the launch buttons of a chapter page (in its context)."""
    tag = release_tag(Path(app.srcdir))
    if tag is None or not pagename.startswith("notebooks/"):
        return
    branch = app.config.html_theme_options.get("repository_branch", "main")
    lang = "zh/" if (app.config.language or "").startswith("zh") else ""
    groups = context.get("header_buttons", [])
    for b in [b for g in groups for b in g.get("buttons", []) if "url" in b]:
        b["url"] = reader_url(b["url"], branch, tag, pagename, lang)


def setup(app) -> dict:
    """Register the hook after the theme's launch buttons (priority 501)."""
    app.connect("html-page-context", point_at_reader, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
