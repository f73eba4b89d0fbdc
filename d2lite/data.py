"""Data sets as specs: find, verify, decode; batches in memory; labels.

An :class:`IDXSpec` is a data set as data. :func:`find` looks for its files
(``root``, ``$D2LITE_DATA``, the per-user cache, Debian's package,
torchvision's download); :func:`load_tensors` decodes and verifies a split
once per process (MD5s of the decompressed bytes: Debian re-compresses).
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

PathLike = Union[str, "os.PathLike[str]"]
Size2 = int | Sequence[int]
DATASETS_DIR = Path("/usr/share/datasets")  # Debian's dataset-* packages


@dataclasses.dataclass(frozen=True)
class IDXSpec:
    """An IDX image data set: ``files`` and ``md5`` (of the decompressed
    bytes; None: unchecked) list train images, train labels, test images,
    test labels; ``counts`` is ``(train, test)``."""

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

#: LeCun's digits; MD5s of the decompressed upstream files.
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


class DataError(RuntimeError):
    """Base class of every data set error."""


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
    )
    return (
        f"{apt if spec.debian else ''}  - go online and rerun: torchvision "
        f"downloads the files ({spec.download_size}) into the per-user cache"
        f"\n  - or set {spec.env}=/path/to/dir holding the four files "
        f"{', '.join(spec.files)} (each raw or .gz)"
    )


def _corrupt(
    spec: IDXSpec, path: Path, problem: str, also: str = ""
) -> CorruptFileError:
    how = "re-download it (delete a corrupt cache copy)"
    if spec.debian:
        how = (
            f"re-download or re-install it (as root: apt-get install "
            f"--reinstall {spec.debian}; delete a corrupt cache copy)"
        )
    return CorruptFileError(
        f"{path}: {problem}. The file is corrupt or not a {spec.name} IDX "
        f"file. Fix: {how}{also}."
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


# ------------------------------------------------------- finding the files


def user_cache_dir(spec: IDXSpec) -> Path:
    """``$XDG_CACHE_HOME/d2lite/<folder>`` else ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lite" / spec.folder


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
    """``directory`` or its ``<Class>/raw/`` if it holds all four files;
    raises IncompleteDatasetError if one holds some only."""
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


def find(
    spec: IDXSpec,
    root: PathLike | None = None,
    *,
    candidates: Sequence[tuple[PathLike, str]] | None = None,
    download: Callable[[Path], None] | bool = True,
) -> Path:
    """The directory holding the four IDX files of ``spec``.

    ``root``, else ``$<spec.env>`` (each must hold the files), else the
    ``(directory, description)`` candidates (default: the per-user cache,
    Debian's folder), else ``download(cache_dir)`` (True: torchvision's).
    """
    env, cache = os.environ.get(spec.env), user_cache_dir(spec)
    explicit = root is not None or bool(env)
    places = [f"  - ${spec.env}: not set"]
    if explicit:  # the user named it: no fallback
        what = "root argument" if root is not None else f"${spec.env}"
        candidates = [(env if root is None else root, what)]
    elif candidates is None:
        debian = (DATASETS_DIR / spec.folder, f"Debian package {spec.debian}")
        candidates = [(cache, "per-user cache")] + [debian] * bool(spec.debian)
    for directory, what in candidates:
        directory = _as_path(
            directory, "root" if explicit else "candidate directory"
        )
        found = _scan(spec, directory, what)
        if found is not None:
            return found
        empty = "holds none of the four files" if explicit else "no files"
        state = empty if directory.is_dir() else "does not exist"
        if explicit:
            raise DataNotFoundError(
                f"{what}: {directory} {state}. Expected "
                f"{', '.join(spec.files)} (each raw or .gz), directly or in "
                f"its {spec.torchvision}/raw/. Fix: point it at the right "
                f"directory, or unset it to search the default places.\n"
                f"Other fixes:\n{_fixes(spec)}"
            )
        places.append(f"  - {directory} ({what}): {state}")
    if download is True:
        download = functools.partial(_torchvision_download, spec)
    if download is False:
        places.append("  - download: disabled (download=False)")
    else:
        try:
            download(cache)
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


def find_fashion_mnist(root: PathLike | None = None, **options: Any) -> Path:
    """:func:`find` for Fashion-MNIST (``candidates=``, ``download=``)."""
    return find(FASHION_MNIST, root, **options)


# ------------------------------------------------- decoding and verifying


def _decode(spec: IDXSpec, path: Path, ndim: int) -> tuple[torch.Tensor, str]:
    """One uint8 IDX file (raw or .gz; big-endian int32 magic 0x0800 + ndim,
    a uint32 per dimension, the bytes) as a tensor, and its bytes' MD5."""
    data = path.read_bytes()
    try:
        data = gzip.decompress(data) if path.suffix == ".gz" else data
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        problem = f"not a valid gzip file ({type(err).__name__}: {err})"
        also = ", or replace it by the decompressed file"
        raise _corrupt(spec, path, problem, also) from err
    magic, header = 0x0800 + ndim, 4 + 4 * ndim
    if len(data) >= 4 and data[:4] != struct.pack(">i", magic):
        (found,) = struct.unpack(">i", data[:4])
        kind = "images" if ndim == 3 else "labels"
        problem = f"magic number {found}, expected {magic} ({kind} file)"
        raise _corrupt(spec, path, problem)
    if len(data) < header:
        problem = f"truncated: {len(data)} bytes, shorter than its header"
        raise _corrupt(spec, path, problem)
    dims = struct.unpack(f">{ndim}I", data[4:header])
    declared, actual = math.prod(dims), len(data) - header
    if actual != declared:
        kind = "truncated" if actual < declared else "trailing bytes"
        problem = f"{kind}: the header declares {declared} data bytes"
        raise _corrupt(spec, path, f"{problem}, the file has {actual}")
    buffer = bytearray(memoryview(data)[header:])  # one copy, writable
    X = torch.frombuffer(buffer, dtype=torch.uint8).view(*dims)
    return X, hashlib.md5(data).hexdigest()


def _read_split(
    spec: IDXSpec, directory: Path, train: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode and verify one split: X uint8 ``(N, H, W)``, y int64 ``(N,)``."""
    names = spec.files[:2] if train else spec.files[2:]
    paths = [_file_in(directory, name) for name in names]
    missing = [str(directory / n) for n, p in zip(names, paths) if p is None]
    if missing:
        raise _incomplete(spec, directory, "split", missing)
    (X, X_md5), (y, y_md5) = (
        _decode(spec, p, d) for p, d in zip(paths, (3, 1))
    )
    images, labels = paths
    if len(X) != len(y):
        raise CorruptFileError(
            f"{images} holds {len(X)} images but {labels} holds {len(y)} "
            f"labels; the two files do not belong together. Fix: "
            f"re-download or re-install both."
        )
    n, k, shape = spec.counts[not train], len(spec.classes), X.shape[1:]
    if shape != spec.image_shape:
        problem = f"images are {tuple(shape)}, expected {spec.image_shape}"
        raise _corrupt(spec, images, problem)
    if len(X) != n:
        raise _corrupt(spec, images, f"{len(X)} examples, {spec.name} has {n}")
    if len(y) and int(y.max()) >= k:
        raise _corrupt(
            spec, labels, f"label {int(y.max())} outside 0..{k - 1}"
        )
    expected = spec.md5[2 * (not train) :][:2] if spec.md5 else (X_md5, y_md5)
    for path, digest, md5 in zip(paths, (X_md5, y_md5), expected):
        if digest != md5:  # last: the checks above say more
            problem = f"the MD5 of its decompressed bytes is {digest}"
            raise _corrupt(spec, path, f"{problem}, {spec.name}'s is {md5}")
    return X, y.long()


@functools.lru_cache(maxsize=4)
def _read_split_cached(
    spec: IDXSpec, directory: Path, train: bool, stamp: tuple[Any, ...]
) -> tuple[torch.Tensor, torch.Tensor]:
    del stamp  # only part of the cache key: a replaced file is re-read
    return _read_split(spec, directory, train)


def load_tensors(
    spec: IDXSpec, train: bool = True, *, root: PathLike | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One split of ``spec`` (found by :func:`find`), decoded once: fresh
    copies of X uint8 ``(N, H, W)`` in 0..255 and y int64 ``(N,)``."""
    if not isinstance(train, bool):
        raise TypeError(
            f"train must be True or False, got {train!r}; pass train=True "
            f"for the {spec.counts[0]:,} training examples, train=False for "
            f"the test set"
        )
    directory = find(spec, root).resolve()
    names = spec.files[:2] if train else spec.files[2:]
    paths = filter(None, (_file_in(directory, name) for name in names))
    stamp = tuple((p, p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    X, y = _read_split_cached(spec, directory, train, stamp)
    return X.clone(), y.clone()


def load_fashion_mnist_tensors(
    train: bool = True, *, root: PathLike | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST's 60,000 training (or 10,000 test) examples: X uint8
    ``(N, 28, 28)``, y int64 ``(N,)`` in 0..9 (fresh copies)."""
    return load_tensors(FASHION_MNIST, train, root=root)


# ------------------------------------------------------ iterating in batches


def _check_resize(resize: Any) -> tuple[int, int] | None:
    """``None``, an int ``n`` (-> ``(n, n)``) or positive ``(h, w)``."""
    if resize is None:
        return None
    size = (resize, resize) if is_int(resize) else resize
    if not (isinstance(size, (tuple, list)) and len(size) == 2):
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


def _as_tensors(
    X: Any, y: Any, device: torch.device | str | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images float32 ``(N, C, H, W)`` (uint8 scaled to [0, 1]), labels
    int64 ``(N,)``, on ``device``."""
    for name, value in (("X", X), ("y", y)):
        if not isinstance(value, torch.Tensor):
            what = "images" if name == "X" else "labels"
            raise TypeError(
                f"{name} must be a torch.Tensor of {what}, got "
                f"{type(value).__name__}; convert it with "
                f"torch.as_tensor({name})"
            )
    if device is not None:  # move uint8 (4x smaller), convert there
        X, y = X.to(device), y.to(device)
    if X.dim() == 3:
        X = X.unsqueeze(1)  # (N, H, W) -> (N, 1, H, W)
    if X.dim() != 4:
        raise ValueError(
            f"X must have shape (N, H, W) or (N, C, H, W), got "
            f"{tuple(X.shape)}; reshape it, e.g. X.reshape(-1, 1, 28, 28)"
        )
    if X.dtype == torch.uint8:
        X = X.float().div_(255)  # (N, C, H, W) in [0, 1]
    elif not X.is_floating_point():
        raise TypeError(
            f"X must be uint8 (pixels 0..255) or floating point (in [0, 1]), "
            f"got dtype {X.dtype}; convert it, e.g. X.to(torch.uint8)"
        )
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(
            f"y must hold integer class labels, got dtype {y.dtype}; "
            f"convert it with y.long()"
        )
    if y.dim() != 1 or len(y) != len(X):
        raise ValueError(
            f"y must have shape (N,) with N={len(X)} (the number of "
            f"images in X), got {tuple(y.shape)}; pass one label per image"
        )
    return X.detach().float().contiguous(), y.long().contiguous()


class TensorLoader:
    """Batches ``(X, y)`` of in-memory tensors, d2l's ``train_iter``: X
    float32 ``(B, C, h, w)``, y int64 ``(B,)``, fresh tensors.

    ``X`` is uint8 (scaled to [0, 1]) or float, ``(N, H, W)`` or
    ``(N, C, H, W)``; ``y`` integer ``(N,)``. Re-iterable; a shuffled
    loader draws a new order per epoch (from ``seed``, else torch's
    global generator). ``resize`` is bilinear (antialiased when shrinking),
    then ``transform`` maps each batch; ``device`` holds the data once.
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
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.transform = transform
        self._clamp = isinstance(X, torch.Tensor) and X.dtype == torch.uint8
        self.X, self.y = _as_tensors(X, y, device)  # (N, C, H, W), (N,)
        self._generator = (
            None if seed is None else torch.Generator().manual_seed(int(seed))
        )
        if len(self) == 0:
            raise ValueError(
                f"drop_last=True with batch_size={self.batch_size} > "
                f"{len(self.X)} examples yields no batch; use a smaller "
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
        on_cpu, order = self.X.device.type == "cpu", None
        if self.shuffle:  # (N,) this epoch's order, moved once per epoch
            order = torch.randperm(len(self.X), generator=self._generator)
            order = order if on_cpu else order.to(self.X.device)
        take = self._take_numpy if on_cpu else self._take_torch
        b = self.batch_size
        for start in range(0, len(self) * b, b):
            X, y = take(order, start, start + b)  # (B, C, H, W), (B,)
            yield self._finish(X), y

    def _take_numpy(
        self, order: torch.Tensor | None, start: int, stop: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch copied by NumPy (CPU): single-threaded, no dispatch."""
        X, y = self.X.numpy(), self.y.numpy()
        if order is None:
            X, y = X[start:stop].copy(), y[start:stop].copy()
        else:
            idx = order[start:stop].numpy()
            X, y = X.take(idx, axis=0), y.take(idx)
        return torch.from_numpy(X), torch.from_numpy(y)

    def _take_torch(
        self, order: torch.Tensor | None, start: int, stop: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch copied by torch on the data's device (GPU)."""
        if order is None:
            return self.X[start:stop].clone(), self.y[start:stop].clone()
        idx = order[start:stop]
        return self.X.index_select(0, idx), self.y.index_select(0, idx)

    def _finish(self, X: torch.Tensor) -> torch.Tensor:
        """Resize (bilinear) and transform one batch ``(B, C, H, W)``."""
        if self.size is not None and tuple(X.shape[-2:]) != self.size:
            shrink = self.size[0] < X.shape[-2] or self.size[1] < X.shape[-1]
            X = F.interpolate(X, self.size, mode="bilinear", antialias=shrink)
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
    """d2l's ``(train_iter, test_iter)`` of Fashion-MNIST: X float32
    ``(B, 1, h, w)`` in [0, 1], y int64 ``(B,)``; train is shuffled."""
    check_int("batch_size", batch_size, hint="e.g. batch_size=256")
    _check_resize(resize)
    train_iter, test_iter = (
        TensorLoader(
            *load_tensors(FASHION_MNIST, train, root=root),  # (N, 28, 28)
            batch_size,
            shuffle=train,
            resize=resize,
            device=device,
        )
        for train in (True, False)
    )
    return train_iter, test_iter


# ------------------------------------------------------- splits and labels


def split_train_valid(
    X: torch.Tensor,
    y: torch.Tensor,
    valid_fraction: float = 0.2,
    *,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split ``X (N, ...)``, ``y (N,)`` at random (same seed, same split)
    into ``(X_train, y_train, X_valid, y_valid)``, each in the original
    order, with ``round(N * valid_fraction)`` examples for validation."""
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
    train, valid = order[num_valid:].sort()[0], order[:num_valid].sort()[0]
    X_train, y_train, X_valid, y_valid = (
        t[i.to(t.device)] for i in (train, valid) for t in (X, y)
    )
    return X_train, y_train, X_valid, y_valid


def get_fashion_mnist_labels(labels: Any) -> list[str]:
    """Names of class indices (an int, ints, or an integer tensor of any
    shape), e.g. ``[9, 0]`` -> ``['ankle boot', 't-shirt']``."""
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
    names, result = FASHION_MNIST.classes, []
    for label in labels:
        if not (is_int(label) and 0 <= label < len(names)):
            classes = ", ".join(f"{i}={c}" for i, c in enumerate(names))
            raise ValueError(
                f"labels must be class indices 0..{len(names) - 1}, got "
                f"{label!r}; the classes are {classes}"
            )
        result.append(names[int(label)])
    return result
