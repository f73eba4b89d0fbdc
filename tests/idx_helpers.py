"""Write tiny IDX data sets for tests (no network, no real data).

The IDX format (LeCun's MNIST format): a big-endian int32 magic number
``0x000008NN`` (0x08 = unsigned bytes, NN = number of dimensions), one
big-endian uint32 per dimension, then the bytes.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import struct
from pathlib import Path

import torch

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ALL_FILES = FILES[True] + FILES[False]


def idx_bytes(tensor: torch.Tensor, magic: int | None = None) -> bytes:
    """The IDX encoding of a uint8 tensor (magic from its number of dims)."""
    data = tensor.to(torch.uint8).contiguous()
    magic = 0x0800 + data.dim() if magic is None else magic
    header = struct.pack(f">i{data.dim()}I", magic, *data.shape)
    return header + data.numpy().tobytes()


def write_file(
    path: Path, payload: bytes, *, gz: bool = False, level: int = 9
) -> Path:
    """Write ``payload`` to ``path`` (``path.gz`` gzip-compressed if gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload, compresslevel=level))
    else:
        path.write_bytes(payload)
    return path


def make_split(n: int, *, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random uint8 images (n, 28, 28) and labels cycling 0..9."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
    X[0, 0, 0], X[0, 0, 1] = 0, 255  # the full range is present
    y = torch.arange(n, dtype=torch.uint8) % 10
    return X, y


def write_dataset(
    directory: Path,
    *,
    n_train: int = 6,
    n_test: int = 4,
    gz: bool = False,
    level: int = 9,
    torchvision_layout: bool = False,
    skip: tuple[str, ...] = (),
) -> dict[str, torch.Tensor]:
    """Write the four IDX files of a tiny dataset into ``directory``.

    Args:
        gz, level: gzip the files, at this compression level.
        torchvision_layout: write into ``directory/FashionMNIST/raw/``.
        skip: file names (without .gz) not to write (partial dataset).

    Returns:
        The tensors written: ``X_train, y_train, X_test, y_test``.
    """
    target = directory
    if torchvision_layout:
        target = directory / "FashionMNIST" / "raw"
    target.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for train, n, seed in ((True, n_train, 1), (False, n_test, 2)):
        X, y = make_split(n, seed=seed)
        suffix = "train" if train else "test"
        tensors[f"X_{suffix}"], tensors[f"y_{suffix}"] = X, y.long()
        for name, tensor in zip(FILES[train], (X, y)):
            if name not in skip:
                payload = idx_bytes(tensor)
                write_file(target / name, payload, gz=gz, level=level)
    return tensors


def tiny_spec(spec, tensors: dict[str, torch.Tensor]):
    """``spec`` with the MD5s of a tiny dataset written here."""
    order = ("X_train", "y_train", "X_test", "y_test")
    md5 = tuple(hashlib.md5(idx_bytes(tensors[k])).hexdigest() for k in order)
    return dataclasses.replace(spec, md5=md5)
