"""Fashion-MNIST: find it, check it, decode it once, iterate it fast.

Modelled on torchvision's ``datasets/mnist.py`` but data-driven and strict:

* :func:`find_fashion_mnist` looks, in order, at the ``root`` argument, the
  ``D2LITE_DATA`` environment variable, the per-user cache
  (``$XDG_CACHE_HOME/d2lite/fashion-mnist`` else
  ``~/.cache/d2lite/fashion-mnist``), Debian's package
  ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``), and
  finally downloads with torchvision (which verifies its MD5s) into the cache.
* The four IDX files are checked structurally (magic number, declared
  shape, exact byte length, label range, counts): a truncated, padded,
  mis-compressed or incomplete dataset raises an error naming the file and
  the fix, it is never used silently.
* :func:`load_fashion_mnist_tensors` decodes a split once per process into
  ``uint8`` tensors; :class:`TensorLoader` iterates in-memory tensors in
  batches (shuffled with a fresh permutation every epoch, resized per batch
  with ``torch.nn.functional.interpolate``), without any per-image work.
"""
from __future__ import annotations

import functools
import gzip
import math
import numbers
import os
import struct
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

import torch
from torch.nn import functional as F

from d2lite._checks import check_int, is_int

__all__ = [
    "FASHION_MNIST_CLASSES",
    "CorruptFileError",
    "DataNotFoundError",
    "FashionMNISTError",
    "IncompleteDatasetError",
    "TensorLoader",
    "find_fashion_mnist",
    "get_fashion_mnist_labels",
    "load_data_fashion_mnist",
    "load_fashion_mnist_tensors",
    "split_train_valid",
]

FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)

#: The four IDX files of Fashion-MNIST, per split (``train=True/False``).
IDX_FILES: dict[bool, tuple[str, str]] = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ALL_IDX_FILES: tuple[str, ...] = IDX_FILES[True] + IDX_FILES[False]
IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
IMAGE_SIZE = (28, 28)
NUM_CLASSES = len(FASHION_MNIST_CLASSES)
#: Number of examples per split; tests with tiny files override it.
_SPLIT_SIZES: dict[bool, int] = {True: 60_000, False: 10_000}

ENV_VAR = "D2LITE_DATA"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
TORCHVISION_SUBDIR = Path("FashionMNIST") / "raw"

PathLike = Union[str, "os.PathLike[str]"]
Size2 = Union[int, Sequence[int]]

_FIXES = (
    "  - install the Debian package, as root: "
    "apt-get install dataset-fashion-mnist\n"
    "  - go online and rerun: torchvision downloads the files (~30 MB) "
    "into the per-user cache\n"
    f"  - or set {ENV_VAR}=/path/to/dir holding the four files "
    f"{', '.join(ALL_IDX_FILES)} (each raw or .gz)"
)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class FashionMNISTError(RuntimeError):
    """Base class of every Fashion-MNIST data error."""


class DataNotFoundError(FashionMNISTError):
    """No usable copy of Fashion-MNIST where we looked."""


class IncompleteDatasetError(FashionMNISTError):
    """A directory holds some of the four IDX files but not all of them."""


class CorruptFileError(FashionMNISTError, ValueError):
    """An IDX file is truncated, padded, mis-compressed or mislabelled."""


def _incomplete(
    directory: Path, what: str, missing: list[str]
) -> IncompleteDatasetError:
    return IncompleteDatasetError(
        f"Fashion-MNIST in {directory} ({what}) is incomplete; missing: "
        f"{', '.join(missing)}. A partial dataset is never used. Fix: copy "
        f"the missing files there (raw or .gz), or delete the directory so "
        f"it is ignored (a cache is re-downloaded).\nOther fixes:\n{_FIXES}"
    )


def _corrupt(path: Path, problem: str) -> CorruptFileError:
    return CorruptFileError(
        f"{path}: {problem}. The file is corrupt or not a Fashion-MNIST IDX "
        f"file. Fix: re-download or re-install it (as root: apt-get install "
        f"--reinstall dataset-fashion-mnist; delete a corrupt cache copy)."
    )


# ---------------------------------------------------------------------------
# Finding the files
# ---------------------------------------------------------------------------


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/d2lite/fashion-mnist`` else ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lite" / "fashion-mnist"


def default_candidates() -> list[tuple[Path, str]]:
    """Implicit places to look, in order, as ``(directory, description)``."""
    return [
        (user_cache_dir(), "per-user cache"),
        (DEBIAN_DIR, "Debian package dataset-fashion-mnist"),
    ]


def _download_fashion_mnist(cache_dir: Path) -> None:
    """Download with torchvision (MD5-checked) into ``cache_dir``."""
    from torchvision.datasets import FashionMNIST

    cache_dir.mkdir(parents=True, exist_ok=True)
    FashionMNIST(root=str(cache_dir), download=True)


def _file_in(directory: Path, name: str) -> Path | None:
    """``directory/name`` if it exists, else ``name.gz``, else None."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _scan(directory: Path) -> tuple[Path | None, list[str]]:
    """Look in ``directory`` and its torchvision ``FashionMNIST/raw/``.

    Returns:
        ``(complete_dir, missing)``: the first layout holding all four
        files (or None) and, if none does, the files missing from the
        layout holding some of them (empty when it holds none).
    """
    missing: list[str] = []
    for layout in (directory, directory / TORCHVISION_SUBDIR):
        found = {n for n in ALL_IDX_FILES if _file_in(layout, n) is not None}
        if len(found) == len(ALL_IDX_FILES):
            return layout, []
        if found and not missing:
            missing = [str(layout / n)
                       for n in ALL_IDX_FILES if n not in found]
    return None, missing


def _as_path(value: Any, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a path (str or pathlib.Path), got {value!r} "
            f"({type(value).__name__}); pass e.g. "
            f"{name}='~/data/fashion-mnist'"
        )
    return Path(value).expanduser()


def _explicit(directory: Path, what: str) -> Path:
    """Resolve a directory the user named: it must hold all four files."""
    found, missing = _scan(directory)
    if found is not None:
        return found
    if missing:
        raise _incomplete(directory, what, missing)
    state = "holds none of the four files" if directory.is_dir() else (
        "does not exist"
    )
    raise DataNotFoundError(
        f"{what}: {directory} {state}. Expected {', '.join(ALL_IDX_FILES)} "
        f"(each raw or .gz), directly or in its FashionMNIST/raw/. Fix: point "
        f"it at the right directory, or unset it to search the default "
        f"places.\nOther fixes:\n{_FIXES}"
    )


def find_fashion_mnist(
    root: PathLike | None = None,
    *,
    candidates: Sequence[tuple[PathLike, str]] | None = None,
    download: Callable[[Path], None] | bool = True,
) -> Path:
    """Return the directory holding the four Fashion-MNIST IDX files.

    Args:
        root: explicit directory; it must hold the files (no fallback).
        candidates: implicit ``(directory, description)`` places looked at
            after ``$D2LITE_DATA``; default :func:`default_candidates`.
        download: ``True`` downloads with torchvision into the per-user
            cache when nothing is found, ``False`` never does, a callable
            ``download(cache_dir)`` replaces torchvision (tests).

    Raises:
        DataNotFoundError: nothing found (the message lists every place
            looked at and the fixes).
        IncompleteDatasetError: a place holds some of the files only.
    """
    if root is not None:
        return _explicit(_as_path(root, "root"), "root argument")
    env = os.environ.get(ENV_VAR)
    if env:
        return _explicit(Path(env).expanduser(), f"${ENV_VAR}")
    places = [f"  - ${ENV_VAR}: not set"]
    if candidates is None:
        candidates = default_candidates()
    for directory, what in candidates:
        directory = _as_path(directory, "candidate directory")
        found, missing = _scan(directory)
        if found is not None:
            return found
        if missing:
            raise _incomplete(directory, what, missing)
        state = "no files" if directory.is_dir() else "does not exist"
        places.append(f"  - {directory} ({what}): {state}")
    return _download_or_fail(download, places)


def _download_or_fail(
    download: Callable[[Path], None] | bool, places: list[str]
) -> Path:
    """Download into the per-user cache, or raise listing ``places``."""
    cache = user_cache_dir()
    if download is False:
        places.append("  - download: disabled (download=False)")
    else:
        fetch = _download_fashion_mnist if download is True else download
        try:
            fetch(cache)
        except Exception as err:  # offline: URLError, RuntimeError, OSError
            places.append(
                f"  - download with torchvision into {cache}: failed "
                f"({type(err).__name__}: {' '.join(str(err).split())})"
            )
        else:
            found, missing = _scan(cache)
            if found is not None:
                return found
            if missing:
                raise _incomplete(cache, "after download", missing)
            places.append(f"  - download into {cache}: left no files")
    raise DataNotFoundError(
        "Fashion-MNIST not found. Looked at:\n" + "\n".join(places)
        + f"\nFix one of:\n{_FIXES}"
    )


# ---------------------------------------------------------------------------
# Reading IDX files
# ---------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    """The (decompressed) bytes of ``path``; gzip errors name the file."""
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise CorruptFileError(
            f"{path} is not a valid gzip file ({type(err).__name__}: {err}). "
            f"Fix: re-download or re-install it (as root: apt-get install "
            f"--reinstall dataset-fashion-mnist), or replace it by the "
            f"decompressed file."
        ) from err


def _read_idx(path: Path, *, magic: int) -> torch.Tensor:
    """Decode one uint8 IDX file; shape as its header declares.

    The IDX format: big-endian int32 magic ``0x000008NN`` (unsigned bytes,
    NN dimensions), one big-endian uint32 per dimension, then the bytes.
    The magic number must match and the file length must equal the
    declared size exactly (truncated or padded files raise).
    """
    data = _read_bytes(path)
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) >= 4 and data[:4] != struct.pack(">i", magic):
        (found,) = struct.unpack(">i", data[:4])
        kind = "images" if magic == IMAGES_MAGIC else "labels"
        raise _corrupt(
            path, f"magic number {found}, expected {magic} ({kind} file)"
        )
    if len(data) < header:
        raise _corrupt(
            path, f"truncated: {len(data)} bytes, shorter than its header"
        )
    dims = struct.unpack(f">{ndim}I", data[4:header])
    declared, actual = math.prod(dims), len(data) - header
    if actual != declared:
        problem = "truncated" if actual < declared else "trailing bytes"
        raise _corrupt(
            path, f"{problem}: the header declares {declared} data bytes, "
            f"the file has {actual}"
        )
    buffer = bytearray(memoryview(data)[header:])
    return torch.frombuffer(buffer, dtype=torch.uint8).view(*dims)


def _check_split(
    X: torch.Tensor,
    y: torch.Tensor,
    paths: tuple[Path, Path],
    expected_count: int | None,
) -> None:
    """Structural checks of a decoded split; errors name the file(s)."""
    images, labels = paths
    if tuple(X.shape[1:]) != IMAGE_SIZE:
        raise _corrupt(
            images, f"images are {tuple(X.shape[1:])}, expected {IMAGE_SIZE}"
        )
    if len(X) != len(y):
        raise CorruptFileError(
            f"{images} holds {len(X)} images but {labels} holds {len(y)} "
            f"labels; the two files do not belong together. Fix: "
            f"re-download or re-install both."
        )
    if expected_count is not None and len(X) != expected_count:
        raise _corrupt(
            images, f"{len(X)} examples, Fashion-MNIST has {expected_count}"
        )
    if len(y) and int(y.max()) >= NUM_CLASSES:
        raise _corrupt(
            labels, f"label {int(y.max())} outside 0..{NUM_CLASSES - 1}"
        )


def _read_split(
    directory: Path, train: bool, *, expected_count: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Read and check one split from ``directory`` (uncached).

    Args:
        expected_count: examples the split must hold (60,000 / 10,000 for
            the real data; tests pass their tiny counts; None: unchecked).

    Returns:
        ``X`` uint8 ``(N, 28, 28)`` and ``y`` int64 ``(N,)``.
    """
    paths = [_file_in(directory, name) for name in IDX_FILES[train]]
    if None in paths:
        missing = [str(directory / n)
                   for n, p in zip(IDX_FILES[train], paths) if p is None]
        raise _incomplete(directory, "split", missing)
    images, labels = paths  # type: ignore[misc]
    X = _read_idx(images, magic=IMAGES_MAGIC)  # (N, 28, 28)
    y = _read_idx(labels, magic=LABELS_MAGIC)  # (N,)
    _check_split(X, y, (images, labels), expected_count)
    return X, y.long()


@functools.lru_cache(maxsize=4)
def _read_split_cached(
    directory: Path, train: bool, expected_count: int, stamp: tuple[Any, ...]
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`_read_split`, cached per directory, split and file stamps."""
    del stamp  # only part of the cache key: a replaced file is re-read
    return _read_split(directory, train, expected_count=expected_count)


def _stamp(directory: Path, train: bool) -> tuple[Any, ...]:
    """(path, size, mtime) of the split's files: changes when they do."""
    stamp: list[Any] = []
    for name in IDX_FILES[train]:
        path = _file_in(directory, name)
        if path is not None:
            stat = path.stat()
            stamp.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(stamp)


def _load_split(
    train: bool, root: PathLike | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The cached tensors of one split (shared: never modify them)."""
    directory = find_fashion_mnist(root).resolve()
    stamp = _stamp(directory, train)
    return _read_split_cached(directory, train, _SPLIT_SIZES[train], stamp)


def load_fashion_mnist_tensors(
    train: bool = True, *, root: PathLike | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST as tensors, decoded once per process.

    Args:
        train: the 60,000 training examples (True) or the 10,000 test ones.
        root: directory holding the IDX files (default: searched, see
            :func:`find_fashion_mnist`).

    Returns:
        ``X`` uint8 ``(N, 28, 28)`` with pixels 0..255 and ``y`` int64
        ``(N,)`` with classes 0..9 (fresh copies: modify them freely).
    """
    if not isinstance(train, bool):
        raise TypeError(
            f"train must be True or False, got {train!r}; pass train=True "
            f"for the 60,000 training examples, train=False for the test set"
        )
    X, y = _load_split(train, root)
    return X.clone(), y.clone()


# ---------------------------------------------------------------------------
# Iterating in batches
# ---------------------------------------------------------------------------


def _check_resize(resize: Any) -> tuple[int, int] | None:
    """``None``, an int ``n`` (-> ``(n, n)``) or positive ``(h, w)``."""
    if resize is None:
        return None
    if is_int(resize):
        size = (resize, resize)
    elif isinstance(resize, (tuple, list)) and len(resize) == 2:
        size = tuple(resize)
    else:
        raise TypeError(
            f"resize must be None, an int or a (height, width) pair, got "
            f"{resize!r}; pass e.g. resize=32 or resize=(224, 224)"
        )
    if not all(is_int(side) and side > 0 for side in size):
        raise ValueError(
            f"resize must hold positive ints, got resize={resize!r}; "
            f"pass e.g. resize=32 or resize=(224, 224)"
        )
    return int(size[0]), int(size[1])


def _check_options(transform: Any, seed: Any) -> None:
    if transform is not None and not callable(transform):
        raise TypeError(
            f"transform must be None or a callable (B, C, H, W) -> "
            f"(B, C, H, W), got {transform!r}; pass e.g. "
            f"transform=lambda X: X.flip(-1)"
        )
    if seed is not None and not is_int(seed):
        raise TypeError(
            f"seed must be an int or None, got {seed!r}; pass e.g. seed=0"
        )


def _as_images(X: Any) -> torch.Tensor:
    """Images as float32 ``(N, C, H, W)``; uint8 is scaled to [0, 1]."""
    if not isinstance(X, torch.Tensor):
        raise TypeError(
            f"X must be a torch.Tensor of images, got {type(X).__name__}; "
            f"convert it with torch.as_tensor(X)"
        )
    if X.dim() == 3:
        X = X.unsqueeze(1)  # (N, H, W) -> (N, 1, H, W)
    if X.dim() != 4:
        raise ValueError(
            f"X must have shape (N, H, W) or (N, C, H, W), got "
            f"{tuple(X.shape)}; reshape it, e.g. X.reshape(-1, 1, 28, 28)"
        )
    if X.dtype == torch.uint8:
        return X.float().div_(255).contiguous()  # (N, C, H, W) in [0, 1]
    if X.is_floating_point():
        return X.detach().float().contiguous()
    raise TypeError(
        f"X must be uint8 (pixels 0..255) or floating point (in [0, 1]), "
        f"got dtype {X.dtype}; convert it, e.g. X.to(torch.uint8)"
    )


def _as_labels(y: Any, num_examples: int) -> torch.Tensor:
    """Labels as int64 ``(N,)``."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(
            f"y must be a torch.Tensor of labels, got {type(y).__name__}; "
            f"convert it with torch.as_tensor(y)"
        )
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(
            f"y must hold integer class labels, got dtype {y.dtype}; "
            f"convert it with y.long()"
        )
    if y.dim() != 1 or len(y) != num_examples:
        raise ValueError(
            f"y must have shape (N,) with N={num_examples} (the number of "
            f"images in X), got {tuple(y.shape)}; pass one label per image"
        )
    return y.long().contiguous()


class TensorLoader:
    """Batches of in-memory tensors: d2l's ``train_iter`` / ``test_iter``.

    Re-iterable; ``len()`` is the number of batches. Every ``for`` loop
    over a shuffled loader draws a fresh permutation (reproducible under
    ``torch.manual_seed``, or with ``seed=``).

    Args:
        X: images, uint8 (pixels 0..255, scaled to [0, 1]) or float,
            shape ``(N, H, W)`` or ``(N, C, H, W)``.
        y: integer labels ``(N,)``.
        batch_size: examples per batch (the last batch may be smaller
            unless ``drop_last``).
        shuffle: draw a new random order every epoch.
        resize: ``None``, an int or ``(h, w)``: batches are resized with
            bilinear interpolation (antialiased when shrinking).
        transform: per-batch callable ``(B, C, h, w) -> (B, C, h, w)``
            applied after resizing (augmentation).
        device: put the data on this device once; batches come from it.
        seed: seed of this loader's own generator (else torch's global one).
        drop_last: drop the last incomplete batch.

    Yields:
        ``(X, y)``: X float32 ``(B, C, h, w)``, y int64 ``(B,)``; fresh
        tensors, safe to modify in place.
    """

    def __init__(
        self,
        X: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool = False,
        resize: Size2 | None = None,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        device: torch.device | str | None = None,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        self.batch_size = check_int("batch_size", batch_size, hint="e.g. batch_size=256")
        self.size = _check_resize(resize)
        _check_options(transform, seed)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.transform = transform
        self._clamp = isinstance(X, torch.Tensor) and X.dtype == torch.uint8
        X = _as_images(X)  # (N, C, H, W) float32
        y = _as_labels(y, len(X))  # (N,) int64
        if device is not None:
            X, y = X.to(device), y.to(device)
        self.X, self.y = X, y
        self._generator = (
            None if seed is None else torch.Generator().manual_seed(int(seed))
        )
        if len(self) == 0:
            raise ValueError(
                f"drop_last=True with batch_size={self.batch_size} > "
                f"{len(X)} examples yields no batch; use a smaller "
                f"batch_size or drop_last=False"
            )

    @property
    def num_examples(self) -> int:
        """Number of examples ``N``."""
        return len(self.X)

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __repr__(self) -> str:
        return (
            f"TensorLoader(num_examples={self.num_examples}, batch_size="
            f"{self.batch_size}, num_batches={len(self)}, shuffle="
            f"{self.shuffle}, resize={self.size}, device={self.X.device})"
        )

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = None  # (N,) this epoch's permutation
        if self.shuffle:
            order = torch.randperm(len(self.X), generator=self._generator)
        on_cpu = self.X.device.type == "cpu"
        if not on_cpu and order is not None:
            order = order.to(self.X.device)  # one transfer per epoch
        take = self._take_numpy if on_cpu else self._take_torch
        b = self.batch_size
        for start in range(0, len(self) * b, b):
            X, y = take(order, start, start + b)  # (B, C, H, W), (B,)
            yield self._finish(X), y

    def _take_numpy(
        self, order: torch.Tensor | None, start: int, stop: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Copy a batch with NumPy (CPU): single-threaded, no dispatch.

        Copies this small (~0.8 MB) are memory-bound; torch's intra-op
        threads only add overhead, which grows to milliseconds per batch
        when the cores are busy (training), so NumPy is faster here.
        """
        X, y = self.X.numpy(), self.y.numpy()
        if order is None:
            return (torch.from_numpy(X[start:stop].copy()),
                    torch.from_numpy(y[start:stop].copy()))
        idx = order[start:stop].numpy()
        return (torch.from_numpy(X.take(idx, axis=0)),
                torch.from_numpy(y.take(idx)))

    def _take_torch(
        self, order: torch.Tensor | None, start: int, stop: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Copy a batch with torch ops on the data's device (GPU)."""
        if order is None:
            return self.X[start:stop].clone(), self.y[start:stop].clone()
        idx = order[start:stop]
        return self.X.index_select(0, idx), self.y.index_select(0, idx)

    def _finish(self, X: torch.Tensor) -> torch.Tensor:
        """Resize (bilinear) and transform one batch ``(B, C, H, W)``."""
        if self.size is not None and tuple(X.shape[-2:]) != self.size:
            shrink = self.size[0] < X.shape[-2] or self.size[1] < X.shape[-1]
            X = F.interpolate(X, size=self.size, mode="bilinear",
                              align_corners=False, antialias=shrink)
            if self._clamp:  # rounding may leave [0, 1] by an ulp
                X = X.clamp_(0.0, 1.0)  # (B, C, h, w)
        if self.transform is not None:
            X = self.transform(X)
            if not isinstance(X, torch.Tensor):
                raise TypeError(
                    f"transform must return a tensor (B, C, H, W), it "
                    f"returned {type(X).__name__}; return the batch"
                )
        return X


def load_data_fashion_mnist(
    batch_size: int,
    resize: Size2 | None = None,
    *,
    root: PathLike | None = None,
    device: torch.device | str | None = None,
) -> tuple[TensorLoader, TensorLoader]:
    """d2l's loaders of Fashion-MNIST, from tensors decoded once.

    Args:
        batch_size: examples per batch, e.g. 256.
        resize: ``None`` (28x28), an int or ``(h, w)``: resized per batch.
        root: directory of the IDX files (default: searched, see
            :func:`find_fashion_mnist`).
        device: put the data on this device once (e.g. ``dl.try_gpu()``).

    Returns:
        ``(train_iter, test_iter)``: :class:`TensorLoader` s yielding X
        float32 ``(B, 1, h, w)`` in [0, 1] and y int64 ``(B,)``; the
        training one is shuffled every epoch, the test one is not.
    """
    check_int("batch_size", batch_size, hint="e.g. batch_size=256")
    _check_resize(resize)
    loaders = []
    for train in (True, False):
        X, y = _load_split(train, root)  # shared uint8 (N, 28, 28), (N,)
        if device is not None:  # move uint8 (4x smaller), convert there
            X, y = X.to(device), y.to(device)
        loaders.append(TensorLoader(X, y, batch_size, shuffle=train,
                                    resize=resize, device=device))
    return loaders[0], loaders[1]


# ---------------------------------------------------------------------------
# Splits and labels
# ---------------------------------------------------------------------------


def _check_split_args(X: Any, y: Any, valid_fraction: Any) -> None:
    for name, value in (("X", X), ("y", y)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(value).__name__}; "
                f"convert it with torch.as_tensor({name})"
            )
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same length, got {len(X)} and "
            f"{len(y)}; pass one label per example"
        )
    if (isinstance(valid_fraction, bool)
            or not isinstance(valid_fraction, numbers.Real)
            or not 0 < valid_fraction < 1):
        raise ValueError(
            f"valid_fraction must be a number in (0, 1), got "
            f"{valid_fraction!r}; pass e.g. valid_fraction=0.2"
        )


def split_train_valid(
    X: torch.Tensor,
    y: torch.Tensor,
    valid_fraction: float = 0.2,
    *,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split ``(X, y)`` at random, reproducibly, into training/validation.

    Args:
        X: ``(N, ...)`` examples.
        y: ``(N,)`` labels.
        valid_fraction: share of examples for validation, in (0, 1).
        seed: seed of the split (same seed, same split).

    Returns:
        ``(X_train, y_train, X_valid, y_valid)``, each in the original
        order; ``len(X_valid) == round(N * valid_fraction)``.
    """
    _check_split_args(X, y, valid_fraction)
    n = len(X)
    num_valid = round(n * float(valid_fraction))
    if not 0 < num_valid < n:
        raise ValueError(
            f"valid_fraction={valid_fraction} of {n} examples leaves an "
            f"empty split ({num_valid} for validation); use more examples "
            f"or another valid_fraction"
        )
    generator = torch.Generator().manual_seed(int(seed))
    order = torch.randperm(n, generator=generator)  # (N,)
    valid = order[:num_valid].sort().values
    train = order[num_valid:].sort().values
    return (X[train.to(X.device)], y[train.to(y.device)],
            X[valid.to(X.device)], y[valid.to(y.device)])


def get_fashion_mnist_labels(labels: Any) -> list[str]:
    """Text names of Fashion-MNIST class indices.

    Args:
        labels: an int, a list of ints or an integer tensor of any shape
            (flattened), each in 0..9.

    Returns:
        e.g. ``get_fashion_mnist_labels([9, 0]) == ['ankle boot', 't-shirt']``.
    """
    if isinstance(labels, torch.Tensor):
        if labels.is_floating_point() or labels.dtype == torch.bool:
            raise TypeError(
                f"labels must be integer class indices, got a tensor of "
                f"dtype {labels.dtype}; use labels.long() or "
                f"y_hat.argmax(dim=1)"
            )
        labels = labels.flatten().tolist()
    elif is_int(labels):
        labels = [labels]
    elif not isinstance(labels, Iterable):
        raise TypeError(
            f"labels must be an int, a list of ints or a tensor, got "
            f"{labels!r}; pass e.g. labels=[9, 0]"
        )
    return [_class_name(label) for label in labels]


def _class_name(label: Any) -> str:
    if not (is_int(label) and 0 <= label < NUM_CLASSES):
        classes = ", ".join(
            f"{i}={c}" for i, c in enumerate(FASHION_MNIST_CLASSES)
        )
        raise ValueError(
            f"labels must be class indices 0..{NUM_CLASSES - 1}, got "
            f"{label!r}; the classes are {classes}"
        )
    return FASHION_MNIST_CLASSES[int(label)]
