"""d2l-en 1.0's ``Module`` (3.2) and ``Classifier`` (4.3).

A ``Module`` is a network that knows its loss (``loss``), its optimizer
(``configure_optimizers``) and how to take a training or validation step;
a ``Trainer`` drives it. Losses and accuracies are plotted on ``board``
as tensors, so no step waits for the device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lite.d2l1._board import ProgressBoard
from d2lite.d2l1._oo import HyperParameters


class Module(nn.Module, HyperParameters):
    """The base class of models (d2l's ``Module``).

    Subclasses set ``self.net`` (or define ``forward``), define ``loss``
    and get ``configure_optimizers`` (SGD with ``self.lr``) from here.
    """

    def __init__(
        self, plot_train_per_epoch: int = 2, plot_valid_per_epoch: int = 1
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} has no loss(y_hat, y); define one (e.g. "
            "with @d2l.add_to_class) or derive the model from d2l.Classifier,"
            " whose loss is the cross-entropy"
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        net = getattr(self, "net", None)
        if net is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no self.net and no forward(X); "
                "set self.net = nn.Sequential(...) in __init__ (after "
                "super().__init__()) or define forward"
            )
        return net(X)

    def plot(self, key: str, value: Any, train: bool) -> None:
        """Plot ``value`` (a tensor is fine: no sync) as train_/val_``key``."""
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            raise RuntimeError(
                f"{type(self).__name__}.plot needs the trainer that fits the "
                "model: training_step and validation_step run inside "
                "trainer.fit(model, data); outside it, compute the loss "
                "with model.loss(model(X), y)"
            )
        self.board.xlabel = "epoch"
        if train:
            x = trainer.train_batch_idx / trainer.num_train_batches
            n = trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = trainer.epoch + 1
            n = trainer.num_val_batches / self.plot_valid_per_epoch
        if isinstance(value, torch.Tensor):
            value = value.detach()
        label = ("train_" if train else "val_") + key
        self.board.draw(x, value, label, every_n=max(1, int(n)))

    def training_step(self, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", l, train=True)
        return l

    def validation_step(self, batch: Sequence[torch.Tensor]) -> None:
        l = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", l, train=False)

    def configure_optimizers(self) -> Any:
        lr = getattr(self, "lr", None)
        if lr is None:
            raise AttributeError(
                f"{type(self).__name__} has no lr for its optimizer; take "
                "lr in __init__ and call self.save_hyperparameters(), or "
                "define configure_optimizers"
            )
        return torch.optim.SGD(self.parameters(), lr=lr)

    def apply_init(
        self,
        inputs: Sequence[torch.Tensor],
        init: Callable[[nn.Module], None] | None = None,
    ) -> None:
        """Run ``inputs`` once (sizing lazy layers), then ``net.apply(init)``."""
        if isinstance(inputs, torch.Tensor):
            raise TypeError(
                "apply_init takes a list of inputs, got a tensor; write "
                "model.apply_init([X], init)"
            )
        with torch.no_grad():
            self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


class Classifier(Module):
    """The base class of classification models (d2l's ``Classifier``).

    ``loss`` is the cross-entropy of logits ``Y_hat (B, C)`` and labels
    ``Y (B,)``; validation plots the loss and the accuracy.
    """

    def validation_step(self, batch: Sequence[torch.Tensor]) -> None:
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(
        self, Y_hat: torch.Tensor, Y: torch.Tensor, averaged: bool = True
    ) -> torch.Tensor:
        """The fraction of correct predictions (a 0-d tensor; no sync).

        With ``averaged=False``, one 0./1. per example (B,).
        """
        Y_hat = Y_hat.reshape(-1, Y_hat.shape[-1])  # (B, C)
        preds = Y_hat.argmax(dim=1).type(Y.dtype)  # (B,)
        compare = (preds == Y.reshape(-1)).type(torch.float32)  # (B,)
        return compare.mean() if averaged else compare

    def loss(
        self, Y_hat: torch.Tensor, Y: torch.Tensor, averaged: bool = True
    ) -> torch.Tensor:
        """Cross-entropy of logits (B, C) and labels (B,)."""
        Y_hat = Y_hat.reshape(-1, Y_hat.shape[-1])
        Y = Y.reshape(-1)
        return F.cross_entropy(
            Y_hat, Y, reduction="mean" if averaged else "none"
        )

    def layer_summary(self, X_shape: Sequence[int]) -> None:
        """Print each layer of ``self.net`` and its output shape."""
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, "output shape:\t", X.shape)
