"""Plotting: a live training plot (``Animator``), image grids and histories.

matplotlib and IPython are imported inside the functions that need them, so
``import d2lite`` stays quick. ``Animator`` and ``plot_history`` draw on a
bare ``matplotlib.figure.Figure`` with the Agg canvas (never pyplot), so they
open no window, need no GUI and are never shown a second time by Jupyter's
inline backend at the end of a cell.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from d2lite._atomic import atomic_write
from d2lite._checks import check_int

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_SCALES = ("linear", "log", "symlog", "logit")


def _kernel_shell() -> Any | None:
    """Return the IPython shell if a Jupyter kernel runs, else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "kernel") else None


def _ensure_figure_formatter(shell: Any) -> None:
    """Make ``display(fig)`` render a bare Figure as PNG in this kernel.

    The inline backend registers such a formatter once pyplot is used; when
    nothing registered one yet (pyplot never imported, another backend), add
    the same PNG printer the inline backend uses.
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
    """Return a pyplot-free Figure drawn by the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _atomic_savefig(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Save ``fig`` as PNG at ``path`` atomically."""
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))


def _check_pair(name: str, value: object) -> tuple[float, float] | None:
    """Return ``value`` as a (low, high) pair of numbers, or None."""
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be None or a pair of numbers like [1, 10], "
            f"got {value!r}"
        ) from None
    return low, high


def _as_float(v: Any) -> float | None:
    """Return ``v`` as a float (tensors and NumPy scalars too), None stays."""
    return None if v is None else float(v)


def _as_list(v: Any, repeat: int = 1) -> list[Any]:
    """Return a sequence as a list, a scalar (0-d tensor too) repeated."""
    if getattr(v, "ndim", None) == 0 or not hasattr(v, "__len__"):
        return [v] * repeat
    if isinstance(v, str):
        raise TypeError(f"expected numbers, got the string {v!r}")
    return list(v)


class Animator:
    """Plot data points as they arrive (d2l's ``Animator``).

    In a Jupyter kernel (also VS Code notebooks) one figure is shown and
    updated in place with ``display(fig, display_id=True)`` and
    ``handle.update(fig)``; the last state stays in the cell output. In a
    script nothing is shown: the figure is drawn on the Agg canvas
    (``.fig``), ready for ``fig.savefig``.

    Each series owns exactly one ``Line2D`` (``.lines``), updated with
    ``set_data``; the raw points are in ``.X`` and ``.Y`` (one list per
    series), the figure in ``.fig`` and its axes in ``.axes``.

    Args:
        xlabel, ylabel: Axis labels.
        legend: One label per series.
        xlim, ylim: Fixed axis limits ``[low, high]``; autoscaled if None.
        xscale, yscale: "linear", "log", "symlog" or "logit".
        fmts: matplotlib format strings, cycled over the series.
        nrows, ncols: Subplot grid; points go to the first axes (as d2l).
        figsize: Figure size in inches.
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
        for name, scale in (("xscale", xscale), ("yscale", yscale)):
            if scale not in _SCALES:
                raise ValueError(
                    f"{name} must be one of {_SCALES}, got {scale!r}"
                )
        if isinstance(fmts, str) or not fmts:
            raise ValueError(
                f"fmts must be a non-empty sequence of format strings such "
                f"as ('-', 'm--'), got {fmts!r}"
            )
        self.legend = list(legend) if legend is not None else None
        self.fmts = tuple(fmts)
        self.xlim, self.ylim = (
            _check_pair("xlim", xlim),
            _check_pair("ylim", ylim),
        )
        self.X: list[list[float]] | None = None
        self.Y: list[list[float]] | None = None
        self.lines: list[Any] = []
        self.fig: Figure | None = None
        self.axes: list[Axes] = []
        self._handle: Any = None
        self._shell: Any = None
        check_int("nrows", nrows)
        check_int("ncols", ncols)
        self.fig = _new_figure(tuple(figsize))  # type: ignore[arg-type]
        self.axes = list(
            self.fig.subplots(nrows, ncols, squeeze=False).ravel()
        )
        ax = self.axes[0]
        ax.set_xlabel(xlabel or "")
        ax.set_ylabel(ylabel or "")
        ax.set_xscale(xscale)
        ax.set_yscale(yscale)
        if self.xlim is not None:
            ax.set_xlim(*self.xlim)
        if self.ylim is not None:
            ax.set_ylim(*self.ylim)
        ax.grid(True)
        self._shell = _kernel_shell()

    def _create_lines(self, n: int) -> None:
        """Create one empty Line2D per series on the first axes."""
        ax = self.axes[0]
        for i in range(n):
            label = (
                self.legend[i]
                if self.legend is not None and i < len(self.legend)
                else None
            )
            (line,) = ax.plot(
                [], [], self.fmts[i % len(self.fmts)], label=label
            )
            self.lines.append(line)
        if self.legend:
            ax.legend()

    def add(self, x: Any, y: Any) -> None:
        """Append a point to every series and redraw.

        Args:
            x: One x for all series, or one per series.
            y: A scalar (one series) or one value per series; None skips that
                series for this x (as in d2l).
        """
        y = _as_list(y)
        n = len(y)
        x = _as_list(x, repeat=n)
        if len(x) != n:
            raise ValueError(
                f"x must be a scalar or have one value per series ({n}), "
                f"got {len(x)} values"
            )
        if self.X is None:
            self.X = [[] for _ in range(n)]
            self.Y = [[] for _ in range(n)]
            self._create_lines(n)
        elif n != len(self.X):
            raise ValueError(
                f"this Animator plots {len(self.X)} series, but add() got {n} "
                "y values; pass one value (or None) per series"
            )
        for i, (a, b) in enumerate(zip(x, y)):
            a, b = _as_float(a), _as_float(b)
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)  # type: ignore[index]
        self._redraw()

    def _redraw(self) -> None:
        """Update the lines' data, rescale, then show and/or save."""
        ax = self.axes[0]
        for line, xs, ys in zip(self.lines, self.X, self.Y):  # type: ignore[arg-type]
            line.set_data(xs, ys)
        ax.relim()
        ax.autoscale_view()
        if self._shell is not None:
            self._show()

    def _show(self) -> None:
        """Display the figure once, then update that same output."""
        from IPython.display import display

        if self._handle is None:
            _ensure_figure_formatter(self._shell)
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)


def _to_image(img: Any) -> Any:
    """Return an (H, W) or (H, W, C) array from a tensor, PIL image or array."""
    import numpy as np

    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None and isinstance(img, torch.Tensor):
        img = img.detach().cpu()
        if img.dim() == 3 and img.shape[0] in (1, 3, 4):
            img = img.permute(1, 2, 0)  # (C, H, W) -> (H, W, C)
        img = img.numpy()
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]  # (H, W, 1) -> (H, W)
    if img.ndim not in (2, 3):
        raise ValueError(
            f"each image must be (H, W), (1, H, W), (C, H, W) or (H, W, C), "
            f"got shape {img.shape}"
        )
    return img


def show_images(
    imgs: Any,
    num_rows: int,
    num_cols: int,
    titles: Sequence[str] | None = None,
    scale: float = 1.5,
) -> Any:
    """Plot a grid of images (d2l's ``show_images``).

    Uses pyplot, so in a notebook the grid appears below the cell.

    Args:
        imgs: Tensor (N, H, W) or (N, 1, H, W), or a sequence of tensors,
            PIL images or arrays. Only the first ``num_rows * num_cols`` show.
        num_rows, num_cols: Grid size.
        titles: Optional title per image.
        scale: Inches per grid cell.

    Returns:
        The flattened NumPy array of axes, ticks hidden.
    """
    import matplotlib.pyplot as plt

    check_int("num_rows", num_rows)
    check_int("num_cols", num_cols)
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or scale <= 0
    ):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    num_shown = min(len(imgs), num_rows * num_cols)
    if titles is not None and len(titles) < num_shown:
        raise ValueError(
            f"titles has {len(titles)} entries but {num_shown} images are "
            "shown; pass one title per image or titles=None"
        )
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
    """Plot a training history: losses left, accuracies right.

    Args:
        history: DataFrame indexed by epoch, as returned by ``train_ch6``,
            with ``*_loss`` and ``*_acc`` columns.
        path: If given, the figure is saved there as PNG (atomically).

    Returns:
        The matplotlib Figure (shown when it ends a notebook cell).
    """
    import pandas as pd
    from matplotlib.ticker import MaxNLocator

    if not isinstance(history, pd.DataFrame):
        raise TypeError(
            f"history must be a pandas DataFrame (what train_ch6 returns), "
            f"got {type(history).__name__}"
        )
    loss_cols = [c for c in history.columns if str(c).endswith("_loss")]
    acc_cols = [c for c in history.columns if str(c).endswith("_acc")]
    if not loss_cols or not acc_cols or history.empty:
        raise ValueError(
            f"history needs rows and at least one '*_loss' and one '*_acc' "
            f"column (e.g. train_loss, test_acc); got {len(history)} rows, "
            f"columns {list(history.columns)}"
        )
    fig = _new_figure((7.0, 2.6))
    ax_loss, ax_acc = fig.subplots(1, 2)
    marker = "o" if len(history) <= 30 else None
    for ax, cols, ylabel in (
        (ax_loss, loss_cols, "loss"),
        (ax_acc, acc_cols, "accuracy"),
    ):
        for col in cols:
            ax.plot(
                history.index,
                history[col],
                marker=marker,
                label=col.replace("_", " "),
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(history.index.name or "epoch")
        ax.set_ylabel(ylabel)
        ax.grid(True)
        ax.legend()
    if path is not None:
        _atomic_savefig(fig, path)
    shell = _kernel_shell()
    if shell is not None:
        _ensure_figure_formatter(shell)
    return fig
