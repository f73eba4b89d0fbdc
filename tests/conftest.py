"""Paths and fixtures shared by the test files.

Import the paths by name (``from conftest import ROOT``); the fixtures
need no import. ``tools/`` is importable (``import book``) from here on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # headless, before pyplot loads

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))


def _no_network(spec, cache_dir: Path) -> None:
    raise AssertionError(f"tests must not download (asked for {cache_dir})")


@pytest.fixture
def offline(monkeypatch):
    """No download: reaching torchvision's step fails the test."""
    from d2lite import data

    monkeypatch.setattr(data, "_torchvision_download", _no_network)


@pytest.fixture
def isolated(monkeypatch, tmp_path, offline):
    """No real data visible: empty env, cache and Debian dir under tmp."""
    from d2lite import data

    monkeypatch.delenv("D2LITE_DATA", raising=False)
    monkeypatch.delenv("D2LITE_MNIST", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(data, "DATASETS_DIR", tmp_path / "datasets")
    return tmp_path


@pytest.fixture
def tiny_fashion_mnist(monkeypatch, isolated):
    """A tiny Fashion-MNIST (6 train, 4 test examples) as $D2LITE_DATA.

    ``dl.FASHION_MNIST`` is replaced by a spec with these counts and the
    MD5s of these files. Returns the tensors written (``X_train``, ...).
    """
    from idx_helpers import tiny_spec, write_dataset

    from d2lite import data

    root = isolated / "tiny"
    tensors = write_dataset(root, n_train=6, n_test=4, gz=True)
    monkeypatch.setenv("D2LITE_DATA", str(root))
    spec = tiny_spec(data.FASHION_MNIST, tensors)
    monkeypatch.setattr(data, "FASHION_MNIST", spec)
    return tensors


@pytest.fixture
def one_thread():
    """One intra-op thread for tiny nets: on a shared 2-core machine,
    contending OpenMP threads make them many times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
