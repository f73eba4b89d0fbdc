"""Small utilities: d2l's stopwatch, device choice, seeding; atomic writes."""

from __future__ import annotations

import itertools
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch


class Timer:
    """Record running times (d2l's ``Timer``).

    It starts when created; each ``stop()`` records the seconds since the
    last ``start()``.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start (or restart) the stopwatch."""
        self._tik = time.perf_counter()

    def stop(self) -> float:
        """Record and return the seconds since the last start."""
        self.times.append(time.perf_counter() - self._tik)
        return self.times[-1]

    def avg(self) -> float:
        """The mean of the recorded times (0.0 if none)."""
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        """The sum of the recorded times."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """The running totals of the recorded times."""
        return list(itertools.accumulate(self.times))


def try_gpu(i: int = 0) -> torch.device:
    """``cuda:i`` if that GPU exists, else Apple's ``mps`` (for ``i=0``),
    else ``cpu``: d2l's rule, with Apple's GPU."""
    if i < torch.cuda.device_count():
        return torch.device(f"cuda:{i}")
    mps = getattr(torch.backends, "mps", None)
    if i == 0 and mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and PyTorch (all its devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[str], object]
) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename.

    A failing write leaves the previous file and no temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
