"""d2l-en 1.0's ``ProgressBoard`` on d2lite's live plot.

Points may be tensors: they are kept as they come and averaged ``every_n``
at a time, so a training loop that draws its loss every batch waits for
the device once per drawn point, not once per batch. The figure is a
``dl.Animator``'s: updated in place in Jupyter, drawn off screen in a
script (``board.fig`` is ready for ``savefig``).
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any

import torch

import d2lite as dl
from d2lite.d2l1._oo import HyperParameters

Point = collections.namedtuple("Point", ["x", "y"])


def _mean(values: list[Any]) -> float:
    """The mean of numbers or 0-d tensors, with one device sync at most."""
    if any(isinstance(v, torch.Tensor) for v in values):
        stacked = torch.stack(
            [torch.as_tensor(v).detach().float().reshape(()) for v in values]
        )
        return stacked.mean().item()
    return float(sum(float(v) for v in values) / len(values))


class ProgressBoard(HyperParameters):
    """The board that plots data points in animation (d2l's signature).

    ``draw(x, y, label, every_n)`` adds a point to the line ``label``;
    every ``every_n`` points of a line, their mean is drawn. The drawn
    points are in ``board.data[label]`` (``Point(x, y)`` of floats).
    """

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        ls: Sequence[str] = ("-", "--", "-.", ":"),
        colors: Sequence[str] = ("C0", "C1", "C2", "C3"),
        fig: Any = None,
        axes: Any = None,
        figsize: tuple[float, float] = (3.5, 2.5),
        display: bool = True,
    ) -> None:
        self.save_hyperparameters()
        self.raw_points: dict[str, list[Point]] = collections.OrderedDict()
        self.data: dict[str, list[Point]] = collections.OrderedDict()
        self._lines: dict[str, Any] = {}
        self._animator: Any = None

    def draw(self, x: Any, y: Any, label: str, every_n: int = 1) -> None:
        """Add ``(x, y)`` to line ``label``; draw the mean of every ``every_n``.

        ``y`` is a number, a NumPy scalar or a one-element tensor (on any
        device, kept until ``every_n`` points are there).
        """
        if isinstance(every_n, bool) or not isinstance(every_n, int):
            raise TypeError(
                f"every_n must be an int, got {every_n!r}; e.g. every_n=10"
            )
        if isinstance(y, torch.Tensor) and y.numel() != 1:
            raise ValueError(
                f"draw() plots one value per call; y for {label!r} has "
                f"shape {tuple(y.shape)}; pass a scalar such as y.mean()"
            )
        points = self.raw_points.setdefault(label, [])
        line = self.data.setdefault(label, [])
        points.append(Point(x, y.detach() if hasattr(y, "detach") else y))
        if len(points) < max(every_n, 1):
            return
        line.append(
            Point(_mean([p.x for p in points]), _mean([p.y for p in points]))
        )
        points.clear()
        if self.display:
            self._render(line[-1].x)

    def _render(self, x: float) -> None:
        """Update every line and the axes, then refresh the figure."""
        if self._animator is None and self.axes is None:
            self._animator = dl.Animator(figsize=tuple(self.figsize))
            self.fig = self._animator.fig
        ax = self.axes if self.axes is not None else self._animator.axes[0]
        for i, (label, points) in enumerate(self.data.items()):
            if label not in self._lines:
                style = {
                    "linestyle": self.ls[i % len(self.ls)],
                    "color": self.colors[i % len(self.colors)],
                }
                self._lines[label] = ax.plot([], [], label=label, **style)[0]
            self._lines[label].set_data(
                [p.x for p in points], [p.y for p in points]
            )
        ax.set_xscale(self.xscale)
        ax.set_yscale(self.yscale)
        if self.xlim:
            ax.set_xlim(self.xlim)
        if self.ylim:
            ax.set_ylim(self.ylim)
        ax.set_xlabel(self.xlabel or "")
        ax.set_ylabel(self.ylabel or "")
        ax.legend(handles=list(self._lines.values()))
        if self._animator is not None:
            # a point for no series: the Animator rescales and redisplays
            self._animator.add(x, [None])
        else:
            ax.relim()
            ax.autoscale_view()
