"""d2l's plotting helpers: figure size, axes set-up and ``plot``.

They draw with pyplot, as d2l's do, so a figure appears below a notebook
cell; in a script nothing is shown until ``d2l.plt.show()`` or
``d2l.plt.savefig(...)``. matplotlib is imported inside each function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def use_svg_display() -> None:
    """Show figures as SVG in Jupyter; a no-op elsewhere (in a script)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline import backend_inline

    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Use SVG in Jupyter and make ``figsize`` (inches) pyplot's default."""
    import matplotlib.pyplot as plt

    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def set_axes(
    axes: Axes,
    xlabel: str | None,
    ylabel: str | None,
    xlim: Sequence[float] | None,
    ylim: Sequence[float] | None,
    xscale: str,
    yscale: str,
    legend: Sequence[str] | None,
) -> None:
    """Set labels, scales, limits and legend of matplotlib ``axes``; add a grid."""
    axes.set_xlabel(xlabel or "")
    axes.set_ylabel(ylabel or "")
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def _plain(values: Any) -> Any:
    """Return a tensor as a detached CPU NumPy array; anything else as is."""
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        return values.detach().cpu().numpy()
    return values


def _is_one_series(values: Any) -> bool:
    """True for one 1-D series (a vector, or a list of numbers)."""
    if getattr(values, "ndim", None) == 1:
        return True
    return isinstance(values, (list, tuple)) and (
        len(values) == 0 or not hasattr(values[0], "__len__")
    )


def _series(X: Any, Y: Any) -> tuple[list[Any], list[Any]]:
    """Return matching lists of x series and y series (x may be [])."""
    if _is_one_series(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _is_one_series(Y):
        Y = [Y]
    if len(X) != len(Y):
        if len(X) != 1:
            raise ValueError(
                f"plot got {len(X)} x series for {len(Y)} y series; pass one "
                "x for all of them, or one x per y"
            )
        X = list(X) * len(Y)
    return [_plain(x) for x in X], [_plain(y) for y in Y]


def plot(
    X: Any,
    Y: Any = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: Sequence[str] | None = None,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    xscale: str = "linear",
    yscale: str = "linear",
    fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
    figsize: tuple[float, float] = (3.5, 2.5),
    axes: Axes | None = None,
) -> None:
    """Plot one or more series (d2l's ``plot``).

    Args:
        X: x values (N,), or a list of them; if ``Y`` is None, ``X`` holds
            the y values, plotted against their index.
        Y: y values (N,), or a list of series (one per legend entry).
            Tensors may require grad: they are detached here.
        xlabel, ylabel, legend, xlim, ylim, xscale, yscale: As in
            :func:`set_axes`.
        fmts: matplotlib format strings, cycled over the series.
        figsize: Inches, used when ``axes`` is None.
        axes: Draw on these axes; default ``plt.gca()``.
    """
    import matplotlib.pyplot as plt

    xs, ys = _series(X, Y)
    set_figsize(figsize)
    axes = axes if axes is not None else plt.gca()
    axes.cla()
    for i, (x, y) in enumerate(zip(xs, ys)):
        fmt = fmts[i % len(fmts)]
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
