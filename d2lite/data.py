"""Data sets as specs: find, verify, decode; batches in memory; labels.

An :class:`IDXSpec` is a data set as data. :func:`find` looks for its files
(``root``, ``$D2LITE_DATA``, the per-user cache, Debian's package,
torchvision's download); :func:`load_tensors` decodes a split once per
process and verifies it: the MD5 of each file's decompressed bytes (Debian
re-compresses) catches truncation, a wrong file and stray labels alike.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import os
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from numbers import Integral
from pathlib import Path
from typing import Any, Union

import torch
from torch.nn import functional as F

PathLike = Union[str, "os.PathLike[str]"]
Size2 = int | Sequence[int]
DATASETS_DIR = Path("/usr/share/datasets")  # Debian's dataset-* packages


@dataclasses.dataclass(frozen=True)
class IDXSpec:
    """An IDX image data set: ``files`` and ``md5`` (of the decompressed
    bytes) list train images, train labels, test images, test labels."""

    name: str  # in messages: "Fashion-MNIST"
    folder: str  # of the cache and of /usr/share/datasets
    torchvision: str  # the torchvision.datasets class that downloads it
    classes: tuple[str, ...]
    md5: tuple[str, ...]
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


class DataNotFoundError(RuntimeError):
    """No complete copy of the data set where we looked."""


class CorruptFileError(RuntimeError, ValueError):
    """A data file is not what its checksum says: truncated, mis-compressed
    or another file."""


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


def _scan(spec: IDXSpec, directory: Path) -> tuple[Path | None, str]:
    """``directory`` or its ``<Class>/raw/`` if it holds all four files,
    else None and what is wrong there (a partial copy is never used)."""
    for layout in (directory, directory / spec.torchvision / "raw"):
        missing = [n for n in spec.files if _file_in(layout, n) is None]
        if not missing:
            return layout, ""
        if len(missing) < len(spec.files):
            return None, f"{layout} is partial, missing {', '.join(missing)}"
    state = "holds none of the four files" if directory.is_dir() else ""
    return None, f"{directory} {state or 'does not exist'}"


def find(
    spec: IDXSpec, root: PathLike | None = None, *, download: bool = True
) -> Path:
    """The directory holding the four IDX files of ``spec``: ``root``, else
    ``$<spec.env>`` (each must hold them), else the per-user cache, else
    Debian's folder, else torchvision's download into the cache."""
    env, cache = os.environ.get(spec.env), user_cache_dir(spec)
    if root is not None or env:  # the user named it: no fallback
        what = "root argument" if root is not None else f"${spec.env}"
        found, problem = _scan(spec, Path(root or env).expanduser())
        if found is None:
            raise DataNotFoundError(
                f"{what}: {problem}. Expected {', '.join(spec.files)} (each "
                f"raw or .gz), directly or in its {spec.torchvision}/raw/. "
                f"Fix: point it at the right directory, or unset it to "
                f"search the default places.\nOther fixes:\n{_fixes(spec)}"
            )
        return found
    places = [(cache, "per-user cache")]
    if spec.debian:
        places.append((DATASETS_DIR / spec.folder, f"Debian {spec.debian}"))
    looked = [f"  - ${spec.env}: not set"]
    for directory, what in places:
        found, problem = _scan(spec, directory)
        if found is not None:
            return found
        looked.append(f"  - {what}: {problem}")
    if not download:
        looked.append("  - download: disabled (download=False)")
    else:
        try:
            _torchvision_download(spec, cache)
        except Exception as err:  # offline: URLError, RuntimeError, OSError
            looked.append(
                f"  - download with torchvision into {cache}: failed "
                f"({type(err).__name__}: {' '.join(str(err).split())})"
            )
        else:
            found, problem = _scan(spec, cache)
            if found is not None:
                return found
            looked.append(f"  - download: {problem}")
    raise DataNotFoundError(
        f"{spec.name} not found. Looked at:\n"
        + "\n".join(looked)
        + f"\nFix one of:\n{_fixes(spec)}"
    )


def find_fashion_mnist(
    root: PathLike | None = None, *, download: bool = True
) -> Path:
    """:func:`find` for Fashion-MNIST."""
    return find(FASHION_MNIST, root, download=download)


# ------------------------------------------------- decoding and verifying


def _corrupt(spec: IDXSpec, path: Path, problem: str, also: str = ""):
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


def _decode(spec: IDXSpec, path: Path, md5: str) -> torch.Tensor:
    """One uint8 IDX file (raw or .gz; big-endian int32 magic 0x0800 + ndim,
    a uint32 per dimension, the bytes) as a tensor, verified by ``md5``."""
    try:
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        problem = f"not a valid gzip file ({type(err).__name__}: {err})"
        also = ", or replace it by the decompressed file"
        raise _corrupt(spec, path, problem, also) from err
    digest = hashlib.md5(data).hexdigest()
    if digest != md5:  # truncated, padded, another file: one message
        problem = f"the MD5 of its decompressed bytes is {digest}"
        raise _corrupt(spec, path, f"{problem}, {spec.name}'s is {md5}")
    ndim = data[3]  # (N, H, W) images or (N,) labels
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    X = torch.frombuffer(bytearray(data[4 + 4 * ndim :]), dtype=torch.uint8)
    return X.view(*dims)


def _read_split(
    spec: IDXSpec, directory: Path, train: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode and verify one split: X uint8 ``(N, H, W)``, y int64 ``(N,)``."""
    first = 0 if train else 2
    X, y = (
        _decode(spec, _file_in(directory, spec.files[i]), spec.md5[i])
        for i in (first, first + 1)
    )
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


def _as_tensors(
    X: torch.Tensor, y: torch.Tensor, device: torch.device | str | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images float32 ``(N, C, H, W)`` (uint8 scaled to [0, 1]), labels
    int64 ``(N,)``, on ``device``."""
    if len(y) != len(X):  # else the last batch's sizes differ, far away
        raise ValueError(
            f"y must hold one label per image of X: X has {len(X)} "
            f"images, y has {len(y)} labels; slice both alike"
        )
    if device is not None:  # move uint8 (4x smaller), convert there
        X, y = X.to(device), y.to(device)
    if X.dim() == 3:
        X = X.unsqueeze(1)  # (N, H, W) -> (N, 1, H, W)
    if X.dtype == torch.uint8:
        X = X.float().div_(255)  # (N, C, H, W) in [0, 1]
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
        self.batch_size = batch_size
        size = (resize, resize) if isinstance(resize, int) else resize
        self.size = None if size is None else tuple(size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.transform = transform
        self._clamp = X.dtype == torch.uint8
        self.X, self.y = _as_tensors(X, y, device)  # (N, C, H, W), (N,)
        self._generator = (
            None if seed is None else torch.Generator().manual_seed(seed)
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
            if not isinstance(X, torch.Tensor):  # a transform without return
                raise TypeError(
                    f"transform must return the batch, a tensor (B, C, H, "
                    f"W); it returned {type(X).__name__}"
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
    options = {"resize": resize, "device": device}
    X, y = load_tensors(FASHION_MNIST, True, root=root)  # (60000, 28, 28)
    train_iter = TensorLoader(X, y, batch_size, shuffle=True, **options)
    X, y = load_tensors(FASHION_MNIST, False, root=root)  # (10000, 28, 28)
    return train_iter, TensorLoader(X, y, batch_size, **options)


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
    n = len(X)
    num_valid = round(n * valid_fraction)
    if not 0 < num_valid < n:  # e.g. 20 (percent): an empty training set
        raise ValueError(
            f"valid_fraction must be a fraction in (0, 1) that leaves both "
            f"splits non-empty, got valid_fraction={valid_fraction} for {n} "
            f"examples; e.g. valid_fraction=0.2"
        )
    generator = torch.Generator().manual_seed(seed)
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
        labels = labels.flatten().tolist()
    names = FASHION_MNIST.classes
    labels = [labels] if isinstance(labels, Integral) else list(labels)
    for label in labels:
        if not (isinstance(label, Integral) and 0 <= label < len(names)):
            classes = ", ".join(f"{i}={c}" for i, c in enumerate(names))
            raise ValueError(  # logits or probabilities, most likely
                f"labels must be class indices 0..{len(names) - 1}, got "
                f"{label!r} (for scores y_hat pass y_hat.argmax(dim=1)); the "
                f"classes are {classes}"
            )
    return [names[int(label)] for label in labels]
