"""Small utilities: d2l's stopwatch, device choice, seeding; atomic writes."""

from __future__ import annotations

import itertools
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from d2lite._checks import check_int


class Timer:
    """Record running times (d2l's ``Timer``); also a context manager.

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

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Timer(n={len(self.times)}, sum={self.sum():.4f}s)"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def try_gpu(i: int = 0) -> torch.device:
    """``cuda:i`` if CUDA is available, else Apple's ``mps``, else ``cpu``.

    Raises ValueError for a negative ``i`` or a device that does not exist.
    """
    hint = "i is the GPU index: call try_gpu() for the first GPU"
    i = check_int("i", i, minimum=0, hint=hint)
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        if i >= count:
            raise ValueError(
                f"i={i} but only {count} CUDA device(s) exist (indices "
                f"0..{count - 1}); pass an index in that range"
            )
        return torch.device(f"cuda:{i}")
    if _mps_available():
        if i != 0:
            raise ValueError(
                f"i={i} but Apple MPS has a single device; use try_gpu(0)"
            )
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and PyTorch (all its devices).

    ``seed`` must be an int in ``[0, 2**32 - 1]``.
    """
    seed = check_int("seed", seed, minimum=0, hint="pass e.g. set_seed(0)")
    if seed >= 2**32:
        raise ValueError(
            f"seed must be in [0, 2**32 - 1], got {seed}; pass e.g. set_seed(0)"
        )
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
