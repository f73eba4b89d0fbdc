"""Sphinx extension: launch buttons open the reader edition at the release.

sphinx-book-theme's Colab and Binder buttons open the page's own source,
``notebooks/<chapter>.ipynb`` on ``repository.branch``: MyST that Colab
cannot render, on a branch that moves. After the theme has made them
(``html-page-context``, priority 501), this hook points each at
``reader/<chapter>.ipynb`` on the tag ``v`` + ``d2lite.__version__``, the
release the install cells pin. A book without ``d2lite/__init__.py``
(the student edition) keeps the theme's links.

Loaded by ``_config.yml`` (``sphinx.local_extensions``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def release_tag(root: Path) -> str | None:
    """``v`` + the ``__version__`` of ``root/d2lite/__init__.py``."""
    init = root / "d2lite" / "__init__.py"
    text = init.read_text(encoding="utf-8") if init.is_file() else ""
    found = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    return f"v{found[1]}" if found else None


def reader_url(url: str, branch: str, tag: str, page: str) -> str:
    """``url`` of ``page`` (``notebooks/x``) moved to ``reader/`` at tag."""
    name = page.split("/")[-1]
    return re.sub(
        rf"/{re.escape(branch)}([/?].*?)notebooks/{re.escape(name)}\.ipynb",
        rf"/{tag}\1reader/{name}.ipynb",
        url,
    )


def point_at_reader(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Rewrite the launch buttons of a chapter page (in ``context``)."""
    root = Path(app.srcdir)
    tag = release_tag(root)
    if tag is None or not pagename.startswith("notebooks/"):
        return
    branch = app.config.html_theme_options.get("repository_branch", "main")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if "url" in button:
                button["url"] = reader_url(
                    button["url"], branch, tag, pagename
                )


def setup(app: Any) -> dict:
    """Register the hook after the theme's launch buttons."""
    app.connect("html-page-context", point_at_reader, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
