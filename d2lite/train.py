"""The training loop of chapter 2, with callbacks around it.

``train`` is the chapter's loop; everything around the step is one line:
a hook that calls the callbacks (:mod:`d2lite.callbacks`), or the state
keeping running sums on the device (no host-device sync per batch).
``train_ch6`` is d2l's recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from d2lite import callbacks as cbs
from d2lite._checks import check_module
from d2lite.callbacks import TrainState
from d2lite.metrics import evaluate_loss_acc
from d2lite.plot import in_jupyter
from d2lite.utils import try_gpu

if TYPE_CHECKING:  # pragma: no cover
    import os

    import pandas as pd

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def train(
    net: nn.Module,
    train_iter: Batches,
    test_iter: Batches,
    num_epochs: int,
    *,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn | None = None,
    device: torch.device | str | None = None,
    scheduler: Any = None,
    callbacks: Sequence[object] | None = None,
    animate: bool | None = None,
    progress: bool | None = None,
    eval_name: str = "test",
    checkpoint_path: str | os.PathLike[str] | None = None,
    verbose: bool = True,
) -> pd.DataFrame:
    """Train ``net`` (X (B, C, H, W) -> logits (B, num_classes)); its history.

    ``loss_fn`` averages over the batch (cross-entropy if None); ``device``
    is ``try_gpu()`` if None. ``scheduler`` steps once per epoch (an ``lr``
    column); ``callbacks`` run after the built-in ones; ``animate`` (live
    plot, default: in Jupyter) and ``progress`` (tqdm bar, default: outside
    Jupyter); ``checkpoint_path`` keeps the best model by eval accuracy;
    ``verbose`` prints d2l's closing lines.

    Returns a DataFrame indexed by ``epoch`` with columns ``train_loss,
    train_acc, {eval_name}_loss, {eval_name}_acc, seconds`` and ``attrs``
    ``examples_per_sec``, ``device`` (and ``best_epoch``, ``best_acc``).
    Raises NonFiniteLossError or CallbackError, both with ``.history``.
    """
    loss_fn = _check(net, loss_fn)
    device = try_gpu() if device is None else torch.device(device)
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    state = TrainState(
        net.to(device), optimizer, loss_fn, device, num_epochs, num_batches
    )
    state.eval_name = eval_name
    state.attrs["device"] = str(device)
    chosen = (scheduler, checkpoint_path, animate, progress, verbose)
    with cbs.Hooks(state, _callbacks(callbacks, *chosen)) as hook:
        hook("on_train_begin")
        for epoch in range(1, num_epochs + 1):
            state.epoch = epoch
            hook("on_epoch_begin")
            net.train()
            state.start_epoch()  # zero the running sums
            for X, y in train_iter:
                X = X.to(device, non_blocking=True)  # (B, C, H, W)
                y = y.to(device, non_blocking=True)  # (B,)
                y_hat = net(X)  # (B, num_classes)
                l = loss_fn(y_hat, y).mean()  # also for reduction="none"
                optimizer.zero_grad()
                l.backward()
                optimizer.step()
                state.add_batch(X, y, y_hat, l)  # sums on the device
                hook("on_batch_end")
            loss, acc = evaluate_loss_acc(net, test_iter, loss_fn, device)
            state.end_epoch(loss, acc)  # state.metrics: the epoch's row
            hook("on_epoch_end")
            if state.stop_training:
                break
        hook("on_train_end")
    return state.history_frame()


def _check(net: Any, loss_fn: LossFn | None) -> LossFn:
    """The loss function (cross-entropy if None), after the checks that
    catch the course's slips: the model factory instead of the model, and
    a summed loss (its gradient grows with the batch size)."""
    check_module("net", net)
    if getattr(loss_fn, "reduction", "mean") == "sum":
        raise ValueError(
            "loss_fn must average over the batch (reduction='mean'), got "
            "reduction='sum'; use nn.CrossEntropyLoss()"
        )
    return nn.CrossEntropyLoss() if loss_fn is None else loss_fn


def _callbacks(callbacks: Any, *chosen: Any) -> list[object]:
    """The built-in callbacks the keywords switch on, then the user's."""
    scheduler, checkpoint_path, animate, progress, verbose = chosen
    notebook = in_jupyter() if animate is None or progress is None else False
    built: list[object] = [cbs.EpochTimer(), cbs.NonFiniteGuard()]
    if scheduler is not None:
        built.append(cbs.LRScheduler(scheduler))
    built.append(cbs.History())
    if checkpoint_path is not None:
        built.append(cbs.BestCheckpoint(checkpoint_path))
    if notebook if animate is None else animate:
        built.append(cbs.LivePlot())
    if not notebook if progress is None else progress:
        built.append(cbs.ProgressBar())
    user = [] if callbacks is None else cbs.as_callbacks(callbacks)
    return built + user + ([cbs.Summary()] if verbose else [])


def _init_weights(module: nn.Module) -> None:
    """Xavier-uniform init of Conv2d and Linear weights (d2l's recipe)."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)


def train_ch6(
    net: nn.Module,
    train_iter: Batches,
    test_iter: Batches,
    num_epochs: int,
    lr: float,
    device: torch.device | str | None = None,
    *,
    init: bool = True,
    **kwargs: Any,
) -> pd.DataFrame:
    """d2l's chapter-6 recipe: Xavier init (``init``), SGD(lr), cross-entropy.

    d2l's lr 0.9 suits the sigmoid LeNet; ReLU networks need about 0.1.
    The other keywords (``callbacks``, ``animate``, ``progress``,
    ``verbose``, ...) and the history returned are :func:`train`'s.
    """
    check_module("net", net)
    if init:
        net.apply(_init_weights)
    sgd = torch.optim.SGD(net.parameters(), lr=lr)
    kwargs["device"] = device
    return train(
        net, train_iter, test_iter, num_epochs, optimizer=sgd, **kwargs
    )
