"""d2l-en 1.0's ``Trainer`` (3.2, 3.4, 6.7): fits a ``Module`` to a
``DataModule``.

``fit`` prepares the data and the model, asks the model for its optimizer
and calls ``fit_epoch`` ``max_epochs`` times. ``fit_epoch`` is the
chapters' loop (training steps, then validation steps under
``torch.no_grad()``); nothing in it reads a value back from the device,
so on a GPU the batches queue up without waiting. A chapter may replace
any method with ``@d2l.add_to_class(d2l.Trainer)``, as d2l's do.
"""

from __future__ import annotations

from typing import Any

import torch

from d2lite.d2l1._oo import HyperParameters
from d2lite.d2l1._ops import gpu
from d2lite.d2l1._ops import num_gpus as count_gpus

_MODEL_METHODS = ("training_step", "validation_step", "configure_optimizers")


def _check_count(name: str, value: Any, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(
            f"{name} must be an int >= 0, got {value!r}; e.g. {example}"
        )


def _batch_count(loader: Any, which: str) -> int:
    try:
        return len(loader)
    except TypeError:
        raise TypeError(
            f"{which}() returned a {type(loader).__name__}, which has no "
            "len(); the trainer needs the number of batches: return a "
            "loader (e.g. self.get_tensorloader(...)), not a generator"
        ) from None


class Trainer(HyperParameters):
    """The class that trains models with data (d2l's ``Trainer``).

    ``num_gpus`` GPUs are used if there are that many (at most the first
    one, as in d2l); ``gradient_clip_val > 0`` clips the gradient norm.
    """

    def __init__(
        self, max_epochs: int, num_gpus: int = 0, gradient_clip_val: float = 0
    ) -> None:
        _check_count("max_epochs", max_epochs, "Trainer(max_epochs=10)")
        _check_count("num_gpus", num_gpus, "Trainer(10, num_gpus=1)")
        self.save_hyperparameters()
        self.gpus = [gpu(i) for i in range(min(num_gpus, count_gpus()))]

    def prepare_data(self, data: Any) -> None:
        if not callable(getattr(data, "train_dataloader", None)):
            raise TypeError(
                f"fit(model, data) needs a d2l.DataModule as data (with "
                f"train_dataloader and val_dataloader), got "
                f"{type(data).__name__}; e.g. data = d2l.FashionMNIST(256)"
            )
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = _batch_count(
            self.train_dataloader, "train_dataloader"
        )
        if self.num_train_batches == 0:
            raise ValueError(
                "train_dataloader() has no batches; check num_train and "
                "batch_size of the data"
            )
        self.num_val_batches = (
            _batch_count(self.val_dataloader, "val_dataloader")
            if self.val_dataloader is not None
            else 0
        )

    def prepare_model(self, model: Any) -> None:
        missing = [m for m in _MODEL_METHODS if not hasattr(model, m)]
        if missing or not hasattr(model, "board"):
            raise TypeError(
                f"fit(model, data) needs a d2l.Module as model, got "
                f"{type(model).__name__} (without {', '.join(missing) or 'board'}"
                "); derive it from d2l.Module or d2l.Classifier and set "
                "self.net in __init__"
            )
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if self.gpus:
            model.to(self.gpus[0])
        self.model = model

    def fit(self, model: Any, data: Any) -> None:
        """Train ``model`` on ``data`` for ``max_epochs`` epochs.

        A trainer may fit several models in turn (3.7 and 5.2 do): each
        fit starts at epoch 0 with the model's fresh optimizer.
        """
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        for epoch in range(self.max_epochs):
            self.epoch = epoch
            self.fit_epoch()

    def prepare_batch(self, batch: Any) -> Any:
        if self.gpus:
            batch = [a.to(self.gpus[0], non_blocking=True) for a in batch]
        return batch

    def fit_epoch(self) -> None:
        """One pass of training steps, then one of validation steps."""
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
                raise TypeError(
                    f"{type(self.model).__name__}.training_step must return "
                    f"the batch's loss (a tensor with a gradient), got "
                    f"{loss!r:.80}; end it with `return l`"
                )
            self.optim.zero_grad()
            loss.backward()
            with torch.no_grad():
                if self.gradient_clip_val > 0:
                    self.clip_gradients(self.gradient_clip_val, self.model)
                self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        with torch.no_grad():
            for batch in self.val_dataloader:
                self.model.validation_step(self.prepare_batch(batch))
                self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val: float, model: Any) -> None:
        """Scale the gradients so that their joint norm is at most
        ``grad_clip_val`` (computed on the device: no sync)."""
        grads = [
            p.grad
            for p in model.parameters()
            if p.requires_grad and p.grad is not None
        ]
        if not grads:
            return
        norm = torch.sqrt(sum(torch.sum(g**2) for g in grads))
        scale = torch.clamp(grad_clip_val / norm, max=1.0)
        for g in grads:
            g.mul_(scale)
