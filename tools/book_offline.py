"""Sphinx extension: keep the book's pages free of remote and broken scripts.

Jupyter Book always loads ``sphinx_thebe``, whose inline script (added twice
with Sphinx 7: "Identifier 'THEBE_JS_URL' has already been declared") names
a CDN. Thebe is off (``launch_buttons.thebe: false``), so this drops Thebe's
scripts, and any inline script that appears twice, from every page.
"""

from __future__ import annotations

from typing import Any

#: Scripts of sphinx-thebe: its inline configuration and its loader.
THEBE_MARKERS = ("THEBE_JS_URL", "sphinx-thebe.js")


def _is_thebe(script: Any) -> bool:
    body = getattr(script, "attributes", {}).get("body", "")
    name = getattr(script, "filename", "") or str(script)
    return any(marker in body or marker in name for marker in THEBE_MARKERS)


def drop_thebe_scripts(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Remove Thebe's and duplicated inline scripts from ``context``."""
    if app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return  # Thebe wanted after all: leave its scripts alone.
    seen: set[str] = set()
    kept = []
    for script in context.get("script_files", []):
        if _is_thebe(script):
            continue
        body = getattr(script, "attributes", {}).get("body")
        if body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(script)
    context["script_files"] = kept


def setup(app: Any) -> dict:
    """Register the page-context hook (after other extensions' hooks)."""
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
