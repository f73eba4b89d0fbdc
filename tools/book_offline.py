"""Sphinx extension: no Thebe scripts (Thebe is off; they name a CDN) and no
duplicated inline script ("Identifier 'THEBE_JS_URL' has already been
declared" with Sphinx 7) on any page.
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
        thebe = "THEBE_JS_URL" in body or "sphinx-thebe.js" in name + body
        if not thebe and (not body or body not in seen):
            kept.append(script)
        seen.add(body)
    context["script_files"] = kept


def setup(app) -> dict:
    """Register the page-context hook (after other extensions' hooks)."""
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
