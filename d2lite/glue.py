"""Glue a computed value into a notebook, for the book to paste elsewhere.

The book's results page pastes the figures the chapters compute (MyST-NB's
``{glue:text}`` role), so every number it states comes from a notebook run.
"""

from __future__ import annotations

from typing import Any


def glue(name: str, value: Any, *, display: bool = True) -> Any:
    """Store ``value`` under ``name`` in the cell's output and return it.

    With MyST-NB installed (the book's tool chain) this is ``myst_nb.glue``.
    Elsewhere (Colab, a plain script) the value is only shown, if ``display``.

    Args:
        name: The key the book pastes with, e.g. ``"lenet_total_params"``.
        value: Any displayable object: a number, a string, a figure.
        display: Whether the value also appears in the cell's output.

    Returns:
        ``value`` itself, so ``x = glue("key", compute())`` reads naturally.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"name must be a Python-identifier-like string such as "
            f"'lenet_total_params', got {name!r}"
        )
    value = _plain(value)
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


def _plain(value: Any) -> Any:
    """Turn a NumPy or torch scalar into the Python number it holds.

    ``np.float64(0.9)`` displays as ``np.float64(0.9)``, which the book's
    ``{glue:text}`key:.1%`` cannot format; ``0.9`` it can.
    """
    item = getattr(value, "item", None)
    shape = getattr(value, "shape", None)
    if callable(item) and shape is not None and tuple(shape) == ():
        return item()
    return value
