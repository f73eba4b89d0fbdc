"""d2l-en 1.0's data modules: ``DataModule`` (3.2), the synthetic
regression data (3.3) and Fashion-MNIST (4.2).

Batches come from tensors held in memory: no worker processes, no
per-image transforms. ``FashionMNIST`` loads the real data through
d2lite's search (``dl.find_fashion_mnist``: ``$D2LITE_DATA``, the cache,
Debian's package, a verified download), so it works offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch

import d2lite as dl
from d2lite.d2l1._oo import HyperParameters

_HINTS = {
    "batch_size": "take batch_size in __init__ and call "
    "self.save_hyperparameters() there (it stores the arguments)",
    "root": "call super().__init__() first in __init__",
    "num_workers": "call super().__init__() first in __init__",
    "train": "set self.train (and self.val) in __init__, as FashionMNIST "
    "does, or define get_dataloader(self, train) without them",
    "val": "set self.val (and self.train) in __init__, as FashionMNIST "
    "does, or define get_dataloader(self, train) without them",
}


class TensorBatches:
    """Minibatches of tensors sharing their first axis, re-iterable.

    Each batch is a tuple ``(X, y, ...)`` of slices; ``shuffle`` draws a
    new order every pass (from torch's global generator).
    """

    def __init__(
        self, tensors: Sequence[torch.Tensor], batch_size: int, shuffle: bool
    ) -> None:
        self.tensors = tuple(tensors)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.num_examples = len(self.tensors[0])

    def __len__(self) -> int:
        return -(-self.num_examples // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        order = torch.randperm(self.num_examples) if self.shuffle else None
        for i in range(0, self.num_examples, self.batch_size):
            if order is None:
                yield tuple(t[i : i + self.batch_size] for t in self.tensors)
            else:
                idx = order[i : i + self.batch_size]
                yield tuple(t[idx.to(t.device)] for t in self.tensors)


class DataModule(HyperParameters):
    """The base class of data (d2l's ``DataModule``).

    Subclasses define ``get_dataloader(train)``; ``train_dataloader`` and
    ``val_dataloader`` call it. ``root`` is d2l's default directory, for
    chapter code that downloads on its own; d2lite's data sets find
    their files without it. ``num_workers`` is kept for such code too.
    """

    def __init__(self, root: str = "../data", num_workers: int = 4) -> None:
        self.save_hyperparameters()

    def __getattr__(self, name: str) -> Any:
        # Only called for a missing attribute: say how it is usually set.
        if name in _HINTS:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}; "
                f"{_HINTS[name]}"
            )
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def get_dataloader(self, train: bool) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no get_dataloader(self, train); "
            "define it to return the training batches when train is True "
            "and the validation batches otherwise, e.g. "
            "return self.get_tensorloader((self.X, self.y), train, indices)"
        )

    def train_dataloader(self) -> Any:
        return self.get_dataloader(train=True)

    def val_dataloader(self) -> Any:
        return self.get_dataloader(train=False)

    def get_tensorloader(
        self,
        tensors: Sequence[torch.Tensor],
        train: bool,
        indices: Any = slice(0, None),
    ) -> TensorBatches:
        """Batches of ``self.batch_size`` from ``t[indices]`` of each tensor;
        shuffled when ``train``."""
        tensors = tuple(a[indices] for a in tensors)
        lengths = {len(a) for a in tensors}
        if len(lengths) != 1:
            shapes = ", ".join(str(tuple(a.shape)) for a in tensors)
            raise ValueError(
                f"get_tensorloader needs tensors of one length (examples "
                f"along the first axis), got shapes {shapes}"
            )
        batch_size = self.batch_size
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(
                f"batch_size must be an int, got {batch_size!r}; e.g. 32"
            )
        if batch_size < 1 or 0 in lengths:
            raise ValueError(
                f"get_tensorloader needs batch_size >= 1 and examples, got "
                f"batch_size={batch_size} and {lengths.pop()} examples"
            )
        return TensorBatches(tensors, batch_size, shuffle=train)


class SyntheticRegressionData(DataModule):
    """Synthetic data for linear regression: ``y = X w + b + noise``.

    ``X (n, len(w))`` and ``y (n, 1)``, n = num_train + num_val; the first
    ``num_train`` rows train, the rest validate.
    """

    def __init__(
        self,
        w: torch.Tensor,
        b: float,
        noise: float = 0.01,
        num_train: int = 1000,
        num_val: int = 1000,
        batch_size: int = 32,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        n = num_train + num_val
        self.X = torch.randn(n, len(w))  # (n, d)
        noise = torch.randn(n, 1) * noise
        self.y = torch.matmul(self.X, w.reshape(-1, 1)) + b + noise  # (n, 1)

    def get_dataloader(self, train: bool) -> TensorBatches:
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class ImageDataset(torch.utils.data.Dataset):
    """One split of an image data set: ``ds[i]`` is ``(X (1, h, w), y)``.

    Images are kept as uint8 ``(N, H, W)``; an item is scaled to [0, 1]
    and resized (bilinear) on access, as torchvision's dataset would.
    """

    def __init__(
        self, X: torch.Tensor, y: torch.Tensor, resize: tuple[int, int]
    ) -> None:
        self.X, self.y, self.resize = X, y, resize  # (N, H, W), (N,)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        img = self.X[i].float().div(255)[None]  # (1, H, W)
        if tuple(img.shape[-2:]) != self.resize:
            img = torch.nn.functional.interpolate(
                img[None], self.resize, mode="bilinear", antialias=True
            )[0]
        return img, int(self.y[i])


def _check_resize(resize: Any) -> tuple[int, int]:
    size = (resize, resize) if isinstance(resize, int) else resize
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(s, int) and s > 0 for s in size)
    ):
        raise ValueError(
            f"resize must be a (height, width) pair of positive ints, got "
            f"{resize!r}; e.g. resize=(224, 224)"
        )
    return int(size[0]), int(size[1])


class FashionMNIST(DataModule):
    """The Fashion-MNIST data set: 60,000 training and 10,000 validation
    images of 10 classes, batches ``X (B, 1, h, w)`` in [0, 1], ``y (B,)``.

    ``self.train`` and ``self.val`` are datasets (``len``, ``[i]``); the
    loaders serve them from memory, resized per batch.
    """

    def __init__(
        self, batch_size: int = 64, resize: tuple[int, int] = (28, 28)
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        size = _check_resize(resize)
        self.train = ImageDataset(*dl.load_fashion_mnist_tensors(True), size)
        self.val = ImageDataset(*dl.load_fashion_mnist_tensors(False), size)

    def text_labels(self, indices: Any) -> list[str]:
        """The class names of label indices (ints or an integer tensor)."""
        return dl.get_fashion_mnist_labels(indices)

    def get_dataloader(self, train: bool) -> dl.TensorLoader:
        data = self.train if train else self.val
        return dl.TensorLoader(
            data.X,
            data.y,
            self.batch_size,
            shuffle=train,
            resize=_check_resize(self.resize),
        )

    def visualize(
        self,
        batch: Sequence[torch.Tensor],
        nrows: int = 1,
        ncols: int = 8,
        labels: Sequence[str] = (),
    ) -> None:
        """Show the images of ``batch = (X, y)`` titled with their labels."""
        X, y = batch
        if not labels:
            labels = self.text_labels(y)
        dl.show_images(X.squeeze(1), nrows, ncols, titles=labels)
