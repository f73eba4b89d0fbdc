"""Sphinx extension: launch buttons open the reader edition at the release.

sphinx-book-theme's Colab and Binder buttons (made in ``html-page-context``
at priority 501) open ``notebooks/<chapter>.ipynb`` on the branch: MyST,
which Colab shows raw. This hook points them at ``reader/<chapter>.ipynb``
on the tag ``v`` + ``d2lite.__version__``, the release the install cells
pin. A book without ``d2lite/`` (the student edition) keeps the theme's.
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
    name = re.escape(page.split("/")[-1])
    pattern = rf"/{re.escape(branch)}([/?].*?)notebooks/({name}\.ipynb)"
    return re.sub(pattern, rf"/{tag}\1reader/\2", url)


def point_at_reader(app: Any, pagename: str, *args: Any) -> None:
    """Rewrite the launch buttons of a chapter page (in its context)."""
    tag = release_tag(Path(app.srcdir))
    if tag is None or not pagename.startswith("notebooks/"):
        return
    branch = app.config.html_theme_options.get("repository_branch", "main")
    for group in args[1].get("header_buttons", []):  # the page's context
        for button in group.get("buttons", []):
            if "url" in button:
                button["url"] = reader_url(
                    button["url"], branch, tag, pagename
                )


def setup(app: Any) -> dict:
    """Register the hook after the theme's launch buttons."""
    app.connect("html-page-context", point_at_reader, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
