"""Sphinx extension: keep the book's pages free of remote and broken scripts.

Jupyter Book always loads ``sphinx_thebe``, whose inline script (added twice
with Sphinx 7: "Identifier 'THEBE_JS_URL' has already been declared") names
a CDN. Thebe is off (``launch_buttons.thebe: false``), so this drops Thebe's
scripts, and any inline script that appears twice, from every page.
"""

from __future__ import annotations


def drop_thebe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Remove Thebe's and duplicated inline scripts from ``context``."""
    if app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return  # Thebe wanted after all: leave its scripts alone.
    seen, kept = set(), []
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body", "")
        name = getattr(script, "filename", "") or str(script)
        if "THEBE_JS_URL" in body or "sphinx-thebe.js" in name + body:
            continue
        if body not in seen or not body:
            kept.append(script)
        seen.add(body)
    context["script_files"] = kept


def setup(app) -> dict:
    """Register the page-context hook (after other extensions' hooks)."""
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
