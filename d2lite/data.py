"""Data sets as specs: find, verify, decode; batches in memory; labels.

A data set is an :class:`IDXSpec` (file names, counts, image shape, MD5s
of the decompressed files, class names): :data:`FASHION_MNIST`,
:data:`MNIST`. :func:`find` looks at ``root``, the spec's environment
variable (``D2LITE_DATA``), the per-user cache, Debian's
``/usr/share/datasets/<folder>``, then torchvision's download;
:func:`load_tensors` decodes a split once per process and verifies it
(header, exact length, counts, labels, MD5s: Debian re-compresses the .gz
files, so only the decompressed bytes compare). :class:`TensorLoader`
yields batches of in-memory tensors, without per-image work.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import math
import numbers
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Union

import torch
from torch.nn import functional as F

from d2lite._checks import check_int, is_int

__all__ = [
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "MNIST",
    "CorruptFileError",
    "DataError",
    "DataNotFoundError",
    "IDXSpec",
    "IncompleteDatasetError",
    "TensorLoader",
    "find",
    "find_fashion_mnist",
    "get_fashion_mnist_labels",
    "load_data_fashion_mnist",
    "load_fashion_mnist_tensors",
    "load_tensors",
    "split_train_valid",
]

PathLike = Union[str, "os.PathLike[str]"]
Size2 = int | Sequence[int]
DATASETS_DIR = Path("/usr/share/datasets")  # Debian's dataset-* packages


@dataclasses.dataclass(frozen=True)
class IDXSpec:
    """An IDX image data set, as data: what to find and how to check it.

    ``files`` and ``md5`` list training images, training labels, test
    images, test labels; ``md5`` is of the decompressed bytes (None: not
    checked), ``counts`` is ``(train, test)``.
    """

    name: str  # in messages: "Fashion-MNIST"
    folder: str  # of the cache and of /usr/share/datasets
    torchvision: str  # the torchvision.datasets class that downloads it
    classes: tuple[str, ...]
    md5: tuple[str, ...] | None
    counts: tuple[int, int] = (60_000, 10_000)
    image_shape: tuple[int, int] = (28, 28)
    files: tuple[str, ...] = tuple(
        "train-images-idx3-ubyte train-labels-idx1-ubyte "
        "t10k-images-idx3-ubyte t10k-labels-idx1-ubyte".split()
    )
    env: str = "D2LITE_DATA"
    debian: str | None = None  # the Debian package, if there is one
    download_size: str = "~30 MB"

    def split(self, train: bool) -> tuple[str, str]:
        """``(images, labels)`` file names of one split."""
        images, labels = self.files[:2] if train else self.files[2:]
        return images, labels


FASHION_MNIST = IDXSpec(
    name="Fashion-MNIST",
    folder="fashion-mnist",
    torchvision="FashionMNIST",
    classes=tuple(
        "t-shirt,trouser,pullover,dress,coat,"
        "sandal,shirt,sneaker,bag,ankle boot".split(",")
    ),
    md5=tuple(
        "f4a8712d7a061bf5bd6d2ca38dc4d50a 9018921c3c673c538a1fc5bad174d6f9 "
        "8181f5470baa50b63fa0f6fddb340f0a "
        "15d484375f8d13e6eb1aabb0c3f46965".split()
    ),
    debian="dataset-fashion-mnist",
)
FASHION_MNIST_CLASSES: tuple[str, ...] = FASHION_MNIST.classes

#: LeCun's digits: the same IDX layout; MD5s of the decompressed upstream
#: files (torchvision lists those of the .gz files).
MNIST = IDXSpec(
    name="MNIST",
    folder="mnist",
    torchvision="MNIST",
    classes=tuple("0123456789"),
    md5=tuple(
        "6bbc9ace898e44ae57da46a324031adb a25bea736e30d166cdddb491f175f624 "
        "2646ac647ad5339dbf082846283269ea "
        "27ae3e4e09519cfbb04c329615203637".split()
    ),
    env="D2LITE_MNIST",
    download_size="~11 MB",
)

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class DataError(RuntimeError):
    """Base class of every data set error."""


FashionMNISTError = DataError  # its name before MNIST joined


class DataNotFoundError(DataError):
    """No usable copy of the data set where we looked."""


class IncompleteDatasetError(DataError):
    """A directory holds some of the four IDX files but not all of them."""


class CorruptFileError(DataError, ValueError):
    """An IDX file is truncated, padded, mis-compressed or mislabelled."""


def _fixes(spec: IDXSpec) -> str:
    apt = (
        f"  - install the Debian package, as root: apt-get install "
        f"{spec.debian}\n"
        if spec.debian
        else ""
    )
    return (
        f"{apt}  - go online and rerun: torchvision downloads the files "
        f"({spec.download_size}) into the per-user cache\n"
        f"  - or set {spec.env}=/path/to/dir holding the four files "
        f"{', '.join(spec.files)} (each raw or .gz)"
    )


def _reinstall(spec: IDXSpec, *notes: str) -> str:
    """``re-download or re-install it (as root: apt-get ...; notes)``."""
    how = "re-download it"
    if spec.debian:
        how = "re-download or re-install it"
        notes = (f"as root: apt-get install --reinstall {spec.debian}", *notes)
    return f"{how} ({'; '.join(notes)})" if notes else how


def _corrupt(spec: IDXSpec, path: Path, problem: str) -> CorruptFileError:
    return CorruptFileError(
        f"{path}: {problem}. The file is corrupt or not a {spec.name} IDX "
        f"file. Fix: {_reinstall(spec, 'delete a corrupt cache copy')}."
    )


def _incomplete(
    spec: IDXSpec, directory: Path, what: str, missing: list[str]
) -> IncompleteDatasetError:
    return IncompleteDatasetError(
        f"{spec.name} in {directory} ({what}) is incomplete; missing: "
        f"{', '.join(missing)}. A partial dataset is never used. Fix: copy "
        f"the missing files there (raw or .gz), or delete the directory so "
        f"it is ignored (a cache is re-downloaded).\nOther fixes:\n"
        f"{_fixes(spec)}"
    )


# ---------------------------------------------------------------------------
# Finding the files
# ---------------------------------------------------------------------------


def user_cache_dir(spec: IDXSpec) -> Path:
    """``$XDG_CACHE_HOME/d2lite/<folder>`` else ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lite" / spec.folder


def default_candidates(spec: IDXSpec) -> list[tuple[Path, str]]:
    """Implicit places to look, in order, as ``(directory, description)``."""
    places = [(user_cache_dir(spec), "per-user cache")]
    if spec.debian:
        places.append(
            (DATASETS_DIR / spec.folder, f"Debian package {spec.debian}")
        )
    return places


def _torchvision_download(spec: IDXSpec, cache_dir: Path) -> None:
    """Download with torchvision (MD5-checked) into ``cache_dir``."""
    import torchvision.datasets

    cache_dir.mkdir(parents=True, exist_ok=True)
    getattr(torchvision.datasets, spec.torchvision)(
        str(cache_dir), download=True
    )


def _file_in(directory: Path, name: str) -> Path | None:
    """``directory/name`` if it exists, else ``name.gz``, else None."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _scan(spec: IDXSpec, directory: Path, what: str) -> Path | None:
    """The layout of ``directory`` holding all four files, or None.

    Looks in ``directory`` and in torchvision's ``<Class>/raw/`` below it.

    Raises:
        IncompleteDatasetError: a layout holds some of the files only.
    """
    for layout in (directory, directory / spec.torchvision / "raw"):
        missing = [
            str(layout / name)
            for name in spec.files
            if _file_in(layout, name) is None
        ]
        if not missing:
            return layout
        if len(missing) < len(spec.files):
            raise _incomplete(spec, directory, what, missing)
    return None


def _as_path(value: Any, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a path (str or pathlib.Path), got {value!r} "
            f"({type(value).__name__}); pass e.g. "
            f"{name}='~/data/fashion-mnist'"
        )
    return Path(value).expanduser()


def _state(directory: Path, empty: str) -> str:
    return empty if directory.is_dir() else "does not exist"


def _explicit(spec: IDXSpec, directory: Path, what: str) -> Path:
    """Resolve a directory the user named: it must hold all four files."""
    found = _scan(spec, directory, what)
    if found is not None:
        return found
    state = _state(directory, "holds none of the four files")
    raise DataNotFoundError(
        f"{what}: {directory} {state}. Expected {', '.join(spec.files)} "
        f"(each raw or .gz), directly or in its {spec.torchvision}/raw/. "
        f"Fix: point it at the right directory, or unset it to search the "
        f"default places.\nOther fixes:\n{_fixes(spec)}"
    )


def find(
    spec: IDXSpec,
    root: PathLike | None = None,
    *,
    candidates: Sequence[tuple[PathLike, str]] | None = None,
    download: Callable[[Path], None] | bool = True,
) -> Path:
    """Return the directory holding the four IDX files of ``spec``.

    Args:
        spec: the data set, e.g. :data:`FASHION_MNIST` or :data:`MNIST`.
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
        return _explicit(spec, _as_path(root, "root"), "root argument")
    if os.environ.get(spec.env):
        env = Path(os.environ[spec.env]).expanduser()
        return _explicit(spec, env, f"${spec.env}")
    places = [f"  - ${spec.env}: not set"]
    if candidates is None:
        candidates = default_candidates(spec)
    for directory, what in candidates:
        directory = _as_path(directory, "candidate directory")
        found = _scan(spec, directory, what)
        if found is not None:
            return found
        places.append(
            f"  - {directory} ({what}): {_state(directory, 'no files')}"
        )
    return _download_or_fail(spec, download, places)


def _download_or_fail(
    spec: IDXSpec, download: Callable[[Path], None] | bool, places: list[str]
) -> Path:
    """Download into the per-user cache, or raise listing ``places``."""
    cache = user_cache_dir(spec)
    if download is False:
        places.append("  - download: disabled (download=False)")
    else:
        fetch = download
        if download is True:
            fetch = functools.partial(_torchvision_download, spec)
        try:
            fetch(cache)
        except Exception as err:  # offline: URLError, RuntimeError, OSError
            places.append(
                f"  - download with torchvision into {cache}: failed "
                f"({type(err).__name__}: {' '.join(str(err).split())})"
            )
        else:
            found = _scan(spec, cache, "after download")
            if found is not None:
                return found
            places.append(f"  - download into {cache}: left no files")
    raise DataNotFoundError(
        f"{spec.name} not found. Looked at:\n"
        + "\n".join(places)
        + f"\nFix one of:\n{_fixes(spec)}"
    )


def find_fashion_mnist(
    root: PathLike | None = None,
    *,
    candidates: Sequence[tuple[PathLike, str]] | None = None,
    download: Callable[[Path], None] | bool = True,
) -> Path:
    """Return the directory holding the four Fashion-MNIST IDX files.

    :func:`find` for :data:`FASHION_MNIST`: ``root``, then
    ``$D2LITE_DATA``, the per-user cache, Debian's package
    ``dataset-fashion-mnist``, then torchvision's download.
    """
    return find(FASHION_MNIST, root, candidates=candidates, download=download)


# ---------------------------------------------------------------------------
# Reading and verifying IDX files
# ---------------------------------------------------------------------------


def _read_bytes(spec: IDXSpec, path: Path) -> bytes:
    """The (decompressed) bytes of ``path``; gzip errors name the file."""
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise CorruptFileError(
            f"{path} is not a valid gzip file ({type(err).__name__}: {err}). "
            f"Fix: {_reinstall(spec)}, or "
            f"replace it by the decompressed file."
        ) from err


def _decode_idx(
    spec: IDXSpec, path: Path, data: bytes, ndim: int
) -> torch.Tensor:
    """Decode the bytes of one uint8 IDX file; shape as its header says.

    The IDX format: big-endian int32 magic ``0x000008NN`` (unsigned bytes,
    NN dimensions), one big-endian uint32 per dimension, then the bytes.
    The magic number must match and the file length must equal the
    declared size exactly (truncated or padded files raise).
    """
    magic, header = 0x0800 + ndim, 4 + 4 * ndim
    if len(data) >= 4 and data[:4] != struct.pack(">i", magic):
        (found,) = struct.unpack(">i", data[:4])
        kind = "images" if ndim == 3 else "labels"
        raise _corrupt(
            spec, path, f"magic number {found}, expected {magic} ({kind} file)"
        )
    if len(data) < header:
        raise _corrupt(
            spec,
            path,
            f"truncated: {len(data)} bytes, shorter than its header",
        )
    dims = struct.unpack(f">{ndim}I", data[4:header])
    declared, actual = math.prod(dims), len(data) - header
    if actual != declared:
        problem = "truncated" if actual < declared else "trailing bytes"
        raise _corrupt(
            spec,
            path,
            f"{problem}: the header declares "
            f"{declared} data bytes, the file has "
            f"{actual}",
        )
    buffer = bytearray(memoryview(data)[header:])
    return torch.frombuffer(buffer, dtype=torch.uint8).view(*dims)


def _read_split(
    spec: IDXSpec, directory: Path, train: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Read and verify one split of ``spec`` from ``directory`` (uncached).

    Returns:
        ``X`` uint8 ``(N, H, W)`` and ``y`` int64 ``(N,)``.
    """
    names = spec.split(train)
    paths = [_file_in(directory, name) for name in names]
    missing = [str(directory / n) for n, p in zip(names, paths) if p is None]
    if missing:
        raise _incomplete(spec, directory, "split", missing)
    tensors, digests = [], []
    for path, ndim in zip(paths, (3, 1)):
        data = _read_bytes(spec, path)
        tensors.append(_decode_idx(spec, path, data, ndim))
        digests.append(hashlib.md5(data).hexdigest())
    X, y = tensors  # (N, H, W), (N,)
    _check_split(spec, X, y, tuple(paths), spec.counts[not train])
    for name, path, digest in zip(names, paths, digests):
        md5 = spec.md5[spec.files.index(name)] if spec.md5 else digest
        if digest != md5:  # last: the checks above say more
            raise _corrupt(
                spec,
                path,
                f"the MD5 of its decompressed bytes "
                f"is {digest}, {spec.name}'s is {md5}",
            )
    return X, y.long()


def _check_split(
    spec: IDXSpec,
    X: torch.Tensor,
    y: torch.Tensor,
    paths: tuple[Path, Path],
    expected_count: int,
) -> None:
    """Structural checks of a decoded split; errors name the file(s)."""
    images, labels = paths
    if tuple(X.shape[1:]) != spec.image_shape:
        raise _corrupt(
            spec,
            images,
            f"images are {tuple(X.shape[1:])}, expected {spec.image_shape}",
        )
    if len(X) != len(y):
        raise CorruptFileError(
            f"{images} holds {len(X)} images but {labels} holds {len(y)} "
            f"labels; the two files do not belong together. Fix: "
            f"re-download or re-install both."
        )
    if len(X) != expected_count:
        raise _corrupt(
            spec,
            images,
            f"{len(X)} examples, {spec.name} has {expected_count}",
        )
    num_classes = len(spec.classes)
    if len(y) and int(y.max()) >= num_classes:
        raise _corrupt(
            spec, labels, f"label {int(y.max())} outside 0..{num_classes - 1}"
        )


@functools.lru_cache(maxsize=4)
def _read_split_cached(
    spec: IDXSpec, directory: Path, train: bool, stamp: tuple[Any, ...]
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`_read_split`, cached per spec, directory, split and stamps."""
    del stamp  # only part of the cache key: a replaced file is re-read
    return _read_split(spec, directory, train)


def _load_split(
    spec: IDXSpec, train: bool, root: PathLike | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The cached tensors of one split (shared: never modify them)."""
    if not isinstance(train, bool):
        raise TypeError(
            f"train must be True or False, got {train!r}; pass train=True "
            f"for the {spec.counts[0]:,} training examples, train=False for "
            f"the test set"
        )
    directory = find(spec, root).resolve()
    stamp = []  # (path, size, mtime) of the files: changes when they do
    for path in filter(
        None, (_file_in(directory, name) for name in spec.split(train))
    ):
        stat = path.stat()
        stamp.append((str(path), stat.st_size, stat.st_mtime_ns))
    return _read_split_cached(spec, directory, train, tuple(stamp))


def load_tensors(
    spec: IDXSpec, train: bool = True, *, root: PathLike | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One split of ``spec`` as tensors, decoded and verified once.

    Args:
        spec: the data set, e.g. :data:`FASHION_MNIST` or :data:`MNIST`.
        train: the training split (True) or the test split (False).
        root: directory holding the IDX files (default: searched, see
            :func:`find`).

    Returns:
        ``X`` uint8 ``(N, H, W)`` with pixels 0..255 and ``y`` int64
        ``(N,)`` of class indices (fresh copies: modify them freely).
    """
    X, y = _load_split(spec, train, root)
    return X.clone(), y.clone()


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
    return load_tensors(FASHION_MNIST, train, root=root)


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
        self.batch_size = check_int(
            "batch_size", batch_size, hint="e.g. batch_size=256"
        )
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

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __repr__(self) -> str:
        return (
            f"TensorLoader(num_examples={len(self.X)}, batch_size="
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
        """Copy a batch with NumPy (CPU): single-threaded, no dispatch
        (torch's threads only slow these small copies on busy cores)."""
        X, y = self.X.numpy(), self.y.numpy()
        if order is None:
            return (
                torch.from_numpy(X[start:stop].copy()),
                torch.from_numpy(y[start:stop].copy()),
            )
        idx = order[start:stop].numpy()
        return (
            torch.from_numpy(X.take(idx, axis=0)),
            torch.from_numpy(y.take(idx)),
        )

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
            X = F.interpolate(
                X,
                size=self.size,
                mode="bilinear",
                align_corners=False,
                antialias=shrink,
            )
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
        # shared uint8 (N, 28, 28), (N,)
        X, y = _load_split(FASHION_MNIST, train, root)
        if device is not None:  # move uint8 (4x smaller), convert there
            X, y = X.to(device), y.to(device)
        loaders.append(
            TensorLoader(
                X, y, batch_size, shuffle=train, resize=resize, device=device
            )
        )
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
    if (
        isinstance(valid_fraction, bool)
        or not isinstance(valid_fraction, numbers.Real)
        or not 0 < valid_fraction < 1
    ):
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
    return (
        X[train.to(X.device)],
        y[train.to(y.device)],
        X[valid.to(X.device)],
        y[valid.to(y.device)],
    )


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
    names = FASHION_MNIST.classes
    if not (is_int(label) and 0 <= label < len(names)):
        classes = ", ".join(f"{i}={c}" for i, c in enumerate(names))
        raise ValueError(
            f"labels must be class indices 0..{len(names) - 1}, got "
            f"{label!r}; the classes are {classes}"
        )
    return names[int(label)]
