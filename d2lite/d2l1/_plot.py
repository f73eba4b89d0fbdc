"""d2l-en 1.0's pyplot helpers (2.4): ``plot`` and what it uses.

They draw on pyplot's current axes, as d2l's do: in Jupyter the figure
shows below the cell, in a script nothing shows until ``plt.show()`` or
``plt.savefig``. matplotlib is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def use_svg_display() -> None:
    """Show figures as SVG in Jupyter; nothing to do in a script."""
    try:
        from IPython import get_ipython
    except ImportError:  # no IPython: no Jupyter either
        return
    if get_ipython() is None:
        return
    from matplotlib_inline import backend_inline

    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Make ``figsize`` (inches) pyplot's default figure size."""
    import matplotlib.pyplot as plt

    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def set_axes(
    axes: Any,
    xlabel: str | None,
    ylabel: str | None,
    xlim: Sequence[float] | None,
    ylim: Sequence[float] | None,
    xscale: str,
    yscale: str,
    legend: Sequence[str] | None,
) -> None:
    """Set labels, scales, limits, legend and a grid on matplotlib axes."""
    axes.set_xlabel(xlabel), axes.set_ylabel(ylabel)
    axes.set_xscale(xscale), axes.set_yscale(yscale)
    axes.set_xlim(xlim), axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _values(v: Any) -> Any:
    """A tensor as a NumPy array (detached, on the CPU); others as given."""
    return v.detach().cpu().numpy() if hasattr(v, "detach") else v


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
    axes: Any = None,
) -> None:
    """Plot y series against x (or against their index if ``Y`` is None).

    ``X`` and ``Y`` are one series (N,) or a list of series; tensors that
    require grad are detached here.
    """
    import matplotlib.pyplot as plt

    def one_axis(v: Any) -> bool:
        return getattr(v, "ndim", None) == 1 or (
            isinstance(v, list) and not hasattr(v[0], "__len__")
        )

    if one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    set_figsize(figsize)
    axes = axes if axes is not None else plt.gca()
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        if len(x):
            axes.plot(_values(x), _values(y), fmt)
        else:
            axes.plot(_values(y), fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
