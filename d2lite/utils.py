"""Small utilities: a stopwatch, device selection and seeding.

Everything here mirrors d2l's helpers of the same names, with input checks.
"""

from __future__ import annotations

import itertools
import random
import time
from types import TracebackType

import torch

from d2lite._checks import check_int


class Timer:
    """Record running times (d2l's ``Timer``), also usable as a context manager.

    The timer starts when created. Each :meth:`stop` records the seconds since
    the last :meth:`start`::

        timer = Timer()
        ...                      # work
        timer.stop()             # seconds of the work
        with timer:              # start on entry, stop on exit
            ...
        timer.sum(), timer.avg(), timer.cumsum()
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start (or restart) the stopwatch."""
        self._tik = time.perf_counter()

    def stop(self) -> float:
        """Stop the stopwatch, record and return the elapsed seconds."""
        self.times.append(time.perf_counter() - self._tik)
        return self.times[-1]

    def avg(self) -> float:
        """Return the mean of the recorded times (0.0 if none)."""
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        """Return the sum of the recorded times."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """Return the running totals of the recorded times."""
        return list(itertools.accumulate(self.times))

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Timer(n={len(self.times)}, sum={self.sum():.4f}s)"


def _mps_available() -> bool:
    """Return whether Apple's Metal (MPS) backend can be used."""
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def try_gpu(i: int = 0) -> torch.device:
    """Return GPU ``i`` if it exists, else Apple MPS, else the CPU.

    Args:
        i: Index of the CUDA device (0 for the first one).

    Returns:
        ``cuda:i`` when CUDA is available, ``mps`` on Apple silicon (only
        ``i=0``), otherwise ``cpu``.

    Raises:
        TypeError: if ``i`` is not an int.
        ValueError: if ``i`` is negative, or names a CUDA/MPS device that
            does not exist.
    """
    i = check_int(
        "i",
        i,
        minimum=0,
        hint="i is the GPU index: call try_gpu() for the first GPU",
    )
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
    """Seed Python's ``random``, NumPy (if installed) and PyTorch.

    Args:
        seed: An int in ``[0, 2**32 - 1]``.

    Raises:
        TypeError: if ``seed`` is not an int.
        ValueError: if ``seed`` is out of range.
    """
    seed = check_int("seed", seed, minimum=0, hint="pass e.g. set_seed(0)")
    if seed >= 2**32:
        raise ValueError(
            f"seed must be in [0, 2**32 - 1], got {seed}; pass e.g. set_seed(0)"
        )
    random.seed(seed)
    try:
        import numpy as np
    except ImportError:
        pass
    else:
        np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
