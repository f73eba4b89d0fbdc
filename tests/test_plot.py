"""Tests of d2lite.plot, headless (Agg): Animator, show_images, plot_history."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

import d2lite as dl
from d2lite import plot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


# --------------------------------------------------------------- Animator


def test_no_kernel_in_pytest() -> None:
    assert plot.in_jupyter() is False


def test_animator_keeps_one_line_per_series() -> None:
    animator = dl.Animator(
        xlabel="epoch", legend=["a", "b", "c"], xlim=[0, 50]
    )
    for x in range(50):
        animator.add(x, (x, 2 * x, None if x % 2 else -x))  # None: skipped
    ax = animator.axes[0]
    assert len(animator.lines) == 3
    assert len(ax.get_lines()) == 3
    assert [len(xs) for xs in animator.X] == [50, 50, 25]
    xs, ys = animator.lines[1].get_data()
    assert list(xs) == list(range(50))
    assert list(ys) == [2.0 * x for x in range(50)]
    assert ax.get_xlim() == (0.0, 50.0)  # fixed limits kept
    low, high = ax.get_ylim()
    assert low <= -48 and high >= 98  # autoscaled to the data
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "a",
        "b",
        "c",
    ]
    assert isinstance(animator.fig, Figure)


def test_animator_d2l_semantics_scalar_y_and_x_per_series() -> None:
    animator = dl.Animator()
    animator.add(1, torch.tensor(0.5))  # scalar y, tensor value
    animator.add(2, 0.25)
    assert animator.X == [[1.0, 2.0]] and animator.Y == [[0.5, 0.25]]
    two = dl.Animator()
    two.add([1, 2], [10, 20])
    assert two.X == [[1.0], [2.0]]


def test_animator_rejects_changing_series_count() -> None:
    """d2l's Animator zips, so it drops the extra points silently."""
    animator = dl.Animator()
    animator.add(0, (1, 2))
    with pytest.raises(ValueError, match="plots 2 series.* 3 y values"):
        animator.add(1, (1, 2, 3))
    with pytest.raises(ValueError, match="3 x and 2 y values"):
        animator.add([1, 2, 3], (1, 2))


def _fake_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Any, list[Any], list[Any]]:
    """A fake kernel shell with IPython's real formatters; record display()."""
    from IPython.core.formatters import (
        JPEGFormatter,
        PNGFormatter,
        SVGFormatter,
    )

    shell = SimpleNamespace(
        kernel=object(),
        display_formatter=SimpleNamespace(
            formatters={
                "image/png": PNGFormatter(),
                "image/svg+xml": SVGFormatter(),
                "image/jpeg": JPEGFormatter(),
            }
        ),
    )
    shown: list[Any] = []
    updates: list[Any] = []

    def fake_display(obj: Any, display_id: Any = None) -> Any:
        shown.append((obj, display_id))
        return SimpleNamespace(update=updates.append)

    monkeypatch.setattr(plot, "_kernel_shell", lambda: shell)
    monkeypatch.setattr("IPython.display.display", fake_display)
    return shell, shown, updates


def test_animator_in_kernel_displays_once_then_updates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shell, shown, updates = _fake_kernel(monkeypatch)
    animator = dl.Animator(legend=["loss"])
    for x in range(5):
        animator.add(x, 1.0 / (x + 1))
    assert shown == [(animator.fig, True)]
    assert updates == [animator.fig] * 4
    assert plt.get_fignums() == []  # not in pyplot: no second display
    png = shell.display_formatter.formatters["image/png"](animator.fig)
    assert png  # the figure renders as an image in that kernel


# ------------------------------------------------------------ show_images


def test_show_images_tensor_grid_hides_ticks_and_titles() -> None:
    imgs = torch.rand(5, 1, 28, 28)  # (N, 1, H, W)
    axes = dl.show_images(imgs, 2, 3, titles=list("abcde"))
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes[:5]] == list("abcde")
    assert not any(ax.get_xaxis().get_visible() for ax in axes)
    assert not any(ax.get_yaxis().get_visible() for ax in axes)
    assert axes[0].images[0].get_array().shape == (28, 28)
    assert not axes[5].axison  # the unused cell is blank


def test_show_images_accepts_hw_tensors_arrays_and_pil() -> None:
    from PIL import Image

    pil = Image.fromarray(np.zeros((8, 8), dtype=np.uint8))
    axes = dl.show_images([torch.rand(8, 8), np.ones((8, 8, 3)), pil], 1, 3)
    assert [ax.images[0].get_array().shape[:2] for ax in axes] == [(8, 8)] * 3
    axes = dl.show_images(torch.rand(2, 8, 8), 1, 2)  # (N, H, W)
    assert len(axes) == 2


# ----------------------------------------------------------- plot_history


def _history() -> pd.DataFrame:
    index = pd.RangeIndex(1, 4, name="epoch")
    return pd.DataFrame(
        {
            "train_loss": [1.0, 0.6, 0.4],
            "train_acc": [0.6, 0.75, 0.8],
            "test_acc": [0.65, 0.7, 0.78],
            "seconds": [1.0, 1.0, 1.0],
        },
        index=index,
    )


def test_plot_history_two_labelled_panels(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.png"
    fig = dl.plot_history(_history(), path=path)
    ax_loss, ax_acc = fig.axes
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("epoch", "loss")
    assert (ax_acc.get_xlabel(), ax_acc.get_ylabel()) == ("epoch", "accuracy")
    assert len(ax_loss.get_lines()) == 1 and len(ax_acc.get_lines()) == 2
    assert list(ax_acc.get_lines()[1].get_ydata()) == [0.65, 0.7, 0.78]
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_plot_history_save_is_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.png"
    dl.plot_history(_history(), path=path)
    good = path.read_bytes()

    def broken_savefig(self: Figure, fname: Any, **kwargs: Any) -> None:
        Path(fname).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        dl.plot_history(_history(), path=path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["history.png"]
