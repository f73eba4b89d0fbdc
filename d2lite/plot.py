"""Plotting: a live training plot (``Animator``), image grids and histories.

matplotlib and IPython are imported inside the functions that need them.
``Animator`` and ``plot_history`` draw on a bare ``Figure`` with the Agg
canvas (never pyplot): no window, and Jupyter's inline backend does not
show them a second time at the end of a cell.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from d2lite.utils import atomic_write

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


def _kernel_shell() -> Any | None:
    """The IPython shell if a Jupyter kernel runs, else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "kernel") else None


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (a notebook), False in a script."""
    return _kernel_shell() is not None


def _ensure_figure_formatter(shell: Any) -> None:
    """Make ``display(fig)`` render a bare Figure (PNG) in this kernel.

    The inline backend registers such a formatter once pyplot is used;
    if none is registered yet, add the PNG printer it would use.
    """
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    for mime in ("image/png", "image/svg+xml", "image/jpeg"):
        try:
            formatters[mime].lookup_by_type(Figure)
        except KeyError:
            continue
        return
    from functools import partial

    from IPython.core.pylabtools import print_figure

    formatters["image/png"].for_type(
        Figure, partial(print_figure, fmt="png", base64=True)
    )


def _new_figure(figsize: tuple[float, float]) -> Figure:
    """A pyplot-free Figure drawn by the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _as_list(v: Any, repeat: int = 1) -> list[Any]:
    """A sequence as a list; a scalar (a 0-d tensor too) repeated."""
    if getattr(v, "ndim", None) == 0 or not hasattr(v, "__len__"):
        return [v] * repeat
    return list(v)


class Animator:
    """Plot data points as they arrive (d2l's ``Animator``).

    In a Jupyter kernel one figure is displayed and updated in place; in a
    script it is only drawn (``.fig``, ready for ``savefig``). Each series
    owns one ``Line2D`` (``.lines``); its points are in ``.X`` and ``.Y``.
    Points go to the first of the ``nrows`` x ``ncols`` axes (``.axes``).
    """

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        legend: Sequence[str] | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
        nrows: int = 1,
        ncols: int = 1,
        figsize: tuple[float, float] = (3.5, 2.5),
    ) -> None:
        self.legend = list(legend) if legend is not None else None
        self.fmts = tuple(fmts)
        self.X: list[list[float]] | None = None
        self.Y: list[list[float]] | None = None
        self.lines: list[Any] = []
        self.fig = _new_figure(tuple(figsize))  # type: ignore[arg-type]
        grid = self.fig.subplots(nrows, ncols, squeeze=False)
        self.axes = list(grid.ravel())
        ax = self.axes[0]
        ax.set(xlabel=xlabel or "", ylabel=ylabel or "")
        ax.set(xscale=xscale, yscale=yscale)
        for name, lim in (("xlim", xlim), ("ylim", ylim)):
            if lim is not None:  # else matplotlib's autoscaling
                ax.set(**{name: lim})
        ax.grid(True)
        self._shell, self._handle = _kernel_shell(), None

    def add(self, x: Any, y: Any) -> None:
        """Append a point to every series and redraw.

        ``x``: one for all series or one per series; ``y``: a scalar or one
        value per series, None skipping that series (as in d2l).
        """
        y = _as_list(y)
        n = len(y)
        x = _as_list(x, repeat=n)
        if len(x) != n or (self.X is not None and n != len(self.X)):
            series = n if self.X is None else len(self.X)
            raise ValueError(  # d2l's zip would drop points silently
                f"this Animator plots {series} series, but add() got "
                f"{len(x)} x and {n} y values; pass one x (or one per "
                "series) and one y value (or None) per series"
            )
        ax = self.axes[0]
        if self.X is None:
            self.X, self.Y = [[] for _ in range(n)], [[] for _ in range(n)]
            legend = self.legend or []
            for i in range(n):
                label = legend[i] if i < len(legend) else None
                fmt = self.fmts[i % len(self.fmts)]
                self.lines.append(ax.plot([], [], fmt, label=label)[0])
            if self.legend:
                ax.legend()
        for xs, ys, line, a, b in zip(self.X, self.Y, self.lines, x, y):
            if a is not None and b is not None:
                xs.append(float(a))
                ys.append(float(b))
            line.set_data(xs, ys)
        ax.relim()
        ax.autoscale_view()
        if self._shell is not None:
            from IPython.display import display

            if self._handle is None:
                _ensure_figure_formatter(self._shell)
                self._handle = display(self.fig, display_id=True)
            else:
                self._handle.update(self.fig)


def _to_image(img: Any) -> Any:
    """An (H, W) or (H, W, C) array from a tensor, PIL image or array."""
    import numpy as np

    if isinstance(img, torch.Tensor):
        img = img.detach().cpu()
        if img.dim() == 3 and img.shape[0] in (1, 3, 4):
            img = img.permute(1, 2, 0)  # (C, H, W) -> (H, W, C)
        img = img.numpy()
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]  # (H, W, 1) -> (H, W)
    return img


def show_images(
    imgs: Any,
    num_rows: int,
    num_cols: int,
    titles: Sequence[str] | None = None,
    scale: float = 1.5,
) -> Any:
    """Plot a grid of images with pyplot (d2l's ``show_images``).

    ``imgs``: a tensor (N, H, W) or (N, 1, H, W), or a sequence of tensors,
    PIL images or arrays; ``scale``: inches per cell. Returns the flat
    array of axes, ticks hidden.
    """
    import matplotlib.pyplot as plt

    num_shown = min(len(imgs), num_rows * num_cols)
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, ax in enumerate(axes):
        ax.get_xaxis().set_visible(False)
        ax.get_yaxis().set_visible(False)
        if i >= num_shown:
            ax.set_axis_off()
            continue
        img = _to_image(imgs[i])
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        if titles is not None:
            ax.set_title(titles[i])
    return axes


def plot_history(
    history: pd.DataFrame, path: str | os.PathLike[str] | None = None
) -> Figure:
    """Plot a history (``*_loss`` columns left, ``*_acc`` right); the Figure.

    With ``path``, the figure is also saved there as PNG, atomically.
    """
    from matplotlib.ticker import MaxNLocator

    loss_cols = [c for c in history.columns if str(c).endswith("_loss")]
    acc_cols = [c for c in history.columns if str(c).endswith("_acc")]
    fig = _new_figure((7.0, 2.6))
    marker = "o" if len(history) <= 30 else None
    panels = zip(
        fig.subplots(1, 2), (loss_cols, acc_cols), ("loss", "accuracy")
    )
    for ax, cols, ylabel in panels:
        for col in cols:
            label = col.replace("_", " ")
            ax.plot(history.index, history[col], marker=marker, label=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel=history.index.name or "epoch", ylabel=ylabel)
        ax.grid(True)
        ax.legend()
    if path is not None:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    shell = _kernel_shell()
    if shell is not None:
        _ensure_figure_formatter(shell)
    return fig
