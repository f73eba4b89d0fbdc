"""d2l's data helpers (3.5); the loaders themselves are d2lite's."""

from __future__ import annotations

import os


def get_dataloader_workers() -> int:
    """Return d2l's 4 worker processes, capped at the CPUs this process may use.

    d2lite's loaders keep the data in memory and need no workers; the
    number matters only to a ``torch.utils.data.DataLoader`` built by hand.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))
