"""Glue a computed value into a notebook, for the book to paste elsewhere.

The book pastes the chapters' figures with MyST-NB's ``{glue:text}`` role,
so every number it states comes from a notebook run.
"""

from __future__ import annotations

from typing import Any


def glue(name: str, value: Any, *, display: bool = True) -> Any:
    """Store ``value`` under ``name`` (``myst_nb.glue``) and return it.

    A NumPy or torch scalar becomes the Python number it holds, which
    ``{glue:text}`key:.1%``` can format. Without MyST-NB (Colab, a script)
    the value is only shown, if ``display``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"name must be a Python-identifier-like string such as "
            f"'lenet_total_params', got {name!r}"
        )
    if callable(getattr(value, "item", None)) and (
        tuple(getattr(value, "shape", (None,))) == ()
    ):
        value = value.item()
    try:
        from myst_nb import glue as nb_glue
    except ImportError:
        nb_glue = None
    if nb_glue is not None:
        nb_glue(name, value, display=display)
    elif display:
        try:
            from IPython.display import display as ipy_display
        except ImportError:
            print(f"{name}: {value!r}")
        else:
            ipy_display(value)
    return value
