"""The training loop of chapter 4, with callbacks around it.

``train`` is the loop the chapter writes by hand: for every epoch,
``net.train()``, then for every batch forward, loss, ``zero_grad``,
``backward``, ``step``, with running sums of the loss and of the correct
predictions; then ``net.eval()`` and an evaluation under
``torch.no_grad()``. Everything around that step (timing, the NaN guard,
the learning-rate schedule, the history, the best checkpoint, the live
plot, the progress bar, d2l's closing lines) is a callback
(:mod:`d2lite.callbacks`), and a notebook can pass its own. ``train_ch6``
is d2l's recipe as a preset. The running sums stay tensors on the device:
no host-device sync per batch.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from d2lite import callbacks as cbs
from d2lite._checks import check_int
from d2lite.callbacks import NonFiniteLossError
from d2lite.metrics import _count_correct, evaluate_loss_acc
from d2lite.utils import try_gpu

if TYPE_CHECKING:  # pragma: no cover
    import os

    import pandas as pd

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

_MAX_REPORT_EVERY = 50  # batches between metric reads, at most


class CallbackError(RuntimeError):
    """A callback's hook raised; the original error is ``__cause__``.

    Attributes:
        callback: The callback object.
        hook: The hook's name, e.g. "on_epoch_end".
        history: DataFrame of the epochs completed before.
    """

    def __init__(
        self, callback: object, hook: str, state: TrainState, error: Exception
    ) -> None:
        self.callback, self.hook, self.history = callback, hook, None
        where = f"epoch {state.epoch}" + (
            f", batch {state.batch}" if hook == "on_batch_end" else ""
        )
        super().__init__(
            f"callback {_name(callback)}.{hook} raised {type(error).__name__}: "
            f"{error} (at {where}); the epochs completed so far are in this "
            "error's .history"
        )


@dataclass(eq=False)
class TrainState:
    """What the loop shares with its callbacks.

    The loop sets ``epoch`` and ``batch`` (1-based), the last batch
    (``X``, ``y``, ``y_hat``, detached ``loss``), the running sums of the
    epoch and, after evaluation, ``metrics``: the epoch's row
    (``train_loss, train_acc, {eval_name}_loss, {eval_name}_acc``).
    Callbacks add to ``metrics`` and ``attrs``, append to ``history``, and
    may set ``stop_training`` to end training after the current epoch.
    """

    net: nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: LossFn
    device: torch.device
    num_epochs: int
    num_batches: int | None
    eval_name: str = "test"
    epoch: int = 0
    batch: int = 0
    X: torch.Tensor | None = None
    y: torch.Tensor | None = None
    y_hat: torch.Tensor | None = None
    loss: torch.Tensor | None = None
    loss_sum: torch.Tensor | float = 0.0  # sum of loss * B, 0-d tensor
    correct: torch.Tensor | int = 0  # correct predictions, 0-d tensor
    num_examples: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    stop_training: bool = False
    hook_seconds: float = 0.0  # time spent inside hooks so far

    @property
    def report_every(self) -> int:
        """Batches between metric reads (about five per epoch, at most 50)."""
        if not self.num_batches:
            return _MAX_REPORT_EVERY
        return max(1, min(_MAX_REPORT_EVERY, self.num_batches // 5))

    @property
    def train_loss(self) -> float:
        """Mean training loss of the epoch so far (a host-device sync)."""
        return float(self.loss_sum) / max(self.num_examples, 1)

    @property
    def train_acc(self) -> float:
        """Training accuracy of the epoch so far (a host-device sync)."""
        return float(self.correct) / max(self.num_examples, 1)

    def history_frame(self) -> pd.DataFrame:
        """The history as a DataFrame indexed by epoch, ``attrs`` attached."""
        import pandas as pd

        index = pd.RangeIndex(1, len(self.history) + 1, name="epoch")
        df = pd.DataFrame(self.history, index=index)
        df.attrs.update(self.attrs)
        return df


def _name(callback: object) -> str:
    return type(callback).__name__


class _Hooks:
    """Call one hook on every callback; wrap errors; time the hooks."""

    def __init__(self, callbacks: Sequence[object], state: TrainState) -> None:
        self.callbacks, self.state = list(callbacks), state

    def __call__(self, hook: str) -> None:
        state = self.state
        for callback in self.callbacks:
            method = getattr(callback, hook, None)
            if method is None:
                continue
            start = time.perf_counter()
            try:
                method(state)
            except NonFiniteLossError:
                raise
            except Exception as err:
                raise CallbackError(callback, hook, state, err) from err
            finally:
                state.hook_seconds += time.perf_counter() - start


# ----------------------------------------------------------------- checks


def _check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(
            f"lr must be a positive number, got {lr!r} of type "
            f"{type(lr).__name__}; e.g. lr=0.9 (sigmoid LeNet) or lr=0.1"
        )
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"lr must be a positive finite number, got {lr}; e.g. lr=0.1"
        )
    return float(lr)


def _check_flag(name: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{name} must be None, True or False, got {value!r}")
    return value


def _check_train_args(
    net: object,
    optimizer: object,
    loss_fn: object,
    scheduler: object,
    eval_name: object,
) -> None:
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"net must be a torch.nn.Module, got {type(net).__name__}; "
            "e.g. net = dl.lenet()"
        )
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got "
            f"{type(optimizer).__name__}; e.g. "
            "optimizer=torch.optim.SGD(net.parameters(), lr=0.1)"
        )
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {loss_fn!r}")
    if getattr(loss_fn, "reduction", "mean") == "sum":
        raise ValueError(
            "loss_fn must average over the batch (reduction='mean'), got "
            "reduction='sum'; use nn.CrossEntropyLoss()"
        )
    if scheduler is not None and not callable(
        getattr(scheduler, "step", None)
    ):
        raise TypeError(
            f"scheduler must have a step() method (a torch.optim.lr_scheduler"
            f" object) or be None, got {type(scheduler).__name__}"
        )
    if not isinstance(eval_name, str) or not eval_name.isidentifier():
        raise ValueError(
            f"eval_name must be a short identifier such as 'test' or "
            f"'valid', got {eval_name!r}"
        )


def _check_callbacks(callbacks: object) -> list[object]:
    """Return the callbacks as a list; raise naming any that is not one."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"callbacks must be a list of callback objects, got "
            f"{type(callbacks).__name__}; wrap a single one: callbacks=[cb]"
        )
    for i, callback in enumerate(callbacks):
        if isinstance(callback, type):
            raise TypeError(
                f"callbacks[{i}] is the class {callback.__name__}, not an "
                f"object; pass an instance: {callback.__name__}()"
            )
        if not any(callable(getattr(callback, h, None)) for h in cbs.HOOKS):
            raise TypeError(
                f"callbacks[{i}] ({_name(callback)}: {callback!r:.60}) has "
                f"none of the hooks {', '.join(cbs.HOOKS)}; a callback is an "
                "object with at least one of these methods, each taking the "
                "training state"
            )
    return list(callbacks)


# ----------------------------------------------------------- the loop


def _num_batches(train_iter: Batches) -> int | None:
    try:
        return len(train_iter)  # type: ignore[arg-type]
    except TypeError:
        return None


def _train_epoch(
    state: TrainState, train_iter: Batches, hooks: _Hooks
) -> None:
    """One pass over ``train_iter``: the canonical step, running sums."""
    net, optimizer, loss_fn = state.net, state.optimizer, state.loss_fn
    net.train()
    state.batch, state.num_examples = 0, 0
    state.loss_sum = torch.zeros((), device=state.device)
    state.correct = torch.zeros((), dtype=torch.int64, device=state.device)
    for X, y in train_iter:
        X = X.to(state.device, non_blocking=True)  # (B, C, H, W)
        y = y.to(state.device, non_blocking=True)  # (B,)
        y_hat = net(X)  # (B, num_classes)
        l = loss_fn(y_hat, y).mean()  # .mean(): also for reduction="none"
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        state.batch += 1
        state.X, state.y, state.y_hat, state.loss = (
            X,
            y,
            y_hat.detach(),
            l.detach(),
        )
        state.loss_sum += state.loss * y.numel()
        state.correct += _count_correct(state.y_hat, y)
        state.num_examples += y.numel()
        hooks("on_batch_end")
    if state.num_examples == 0:
        raise ValueError(
            "train_iter yielded no batches; pass a non-empty iterable of "
            "(X, y) batches (e.g. from dl.load_data_fashion_mnist)"
        )


def _evaluate(state: TrainState, test_iter: Batches) -> None:
    """Fill ``state.metrics`` with the epoch's training and eval metrics."""
    loss, acc = evaluate_loss_acc(
        state.net, test_iter, state.loss_fn, state.device
    )
    name = state.eval_name
    state.metrics = {
        "train_loss": state.train_loss,
        "train_acc": state.train_acc,
        f"{name}_loss": loss,
        f"{name}_acc": acc,
    }


def _in_jupyter() -> bool:
    from d2lite.plot import _kernel_shell

    return _kernel_shell() is not None


def _builtin_callbacks(
    scheduler: Any,
    checkpoint_path: Any,
    animate: bool | None,
    progress: bool | None,
) -> list[object]:
    """The callbacks that ``train``'s keyword arguments switch on."""
    in_jupyter = (
        _in_jupyter() if animate is None or progress is None else False
    )
    built: list[object] = [cbs.EpochTimer(), cbs.NonFiniteGuard()]
    if scheduler is not None:
        built.append(cbs.LRScheduler(scheduler))
    built.append(cbs.History())
    if checkpoint_path is not None:
        built.append(cbs.BestCheckpoint(checkpoint_path))
    if animate if animate is not None else in_jupyter:
        built.append(cbs.LivePlot())
    if progress if progress is not None else not in_jupyter:
        built.append(cbs.ProgressBar())
    return built


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
    """Train a classifier and return its per-epoch history.

    Args:
        net: Maps X (B, C, H, W) to logits (B, num_classes).
        train_iter: Re-iterable of batches ``(X, y)``, y of shape (B,).
        test_iter: Batches to evaluate on after every epoch.
        num_epochs: Number of passes over ``train_iter``.
        optimizer: Built on ``net.parameters()``.
        loss_fn: Batch-mean loss; ``nn.CrossEntropyLoss()`` if None.
        device: Where to train (the net is moved there); ``try_gpu()`` if None.
        scheduler: LR scheduler stepped once per epoch (adds an ``lr`` column).
        callbacks: Objects with any of the hooks of :mod:`d2lite.callbacks`,
            called after the built-in ones, in order.
        animate: Live plot; None means only in Jupyter. False turns it off.
        progress: tqdm bar per epoch; None means only outside Jupyter.
        eval_name: Name of the evaluation split in columns and messages.
        checkpoint_path: If given, the best model by eval accuracy is saved
            there (atomically) with its optimizer state and epoch.
        verbose: Print the final metrics and examples/sec as d2l does.

    Returns:
        DataFrame indexed by ``epoch`` (1..epochs run) with columns
        ``train_loss, train_acc, {eval_name}_loss, {eval_name}_acc,
        seconds`` (seconds of the training pass). ``attrs`` holds
        ``examples_per_sec`` (training passes only, batch fetching
        included), ``device`` and, with a checkpoint, ``best_epoch`` and
        ``best_acc``.

    Raises:
        NonFiniteLossError: if the loss becomes NaN or infinite.
        CallbackError: if a callback's hook raises.
        Both carry the epochs completed so far as ``.history``.
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    _check_train_args(net, optimizer, loss_fn, scheduler, eval_name)
    num_epochs = check_int("num_epochs", num_epochs, hint="e.g. num_epochs=10")
    animate, progress = (
        _check_flag("animate", animate),
        _check_flag("progress", progress),
    )
    user_callbacks = _check_callbacks(callbacks)
    device = try_gpu() if device is None else torch.device(device)
    net.to(device)
    state = TrainState(
        net,
        optimizer,
        loss_fn,
        device,
        num_epochs,
        _num_batches(train_iter),
        eval_name,
    )
    state.attrs["device"] = str(device)
    built = _builtin_callbacks(scheduler, checkpoint_path, animate, progress)
    summary = [cbs.Summary()] if verbose else []
    hooks = _Hooks(built + user_callbacks + summary, state)
    try:
        hooks("on_train_begin")
        for epoch in range(1, num_epochs + 1):
            state.epoch = epoch
            hooks("on_epoch_begin")
            _train_epoch(state, train_iter, hooks)
            _evaluate(state, test_iter)
            hooks("on_epoch_end")
            if state.stop_training:
                break
        hooks("on_train_end")
    except (NonFiniteLossError, CallbackError) as err:
        err.history = state.history_frame()
        raise
    finally:
        for callback in built:
            if isinstance(callback, cbs.ProgressBar):
                callback.close()
    return state.history_frame()


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
    callbacks: Sequence[object] | None = None,
    animate: bool | None = None,
    progress: bool | None = None,
    verbose: bool = True,
) -> pd.DataFrame:
    """Train with d2l's chapter-6 recipe: Xavier init, SGD(lr), cross-entropy.

    Args:
        net: Classifier mapping X (B, 1, H, W) to logits (B, 10).
        train_iter, test_iter: Batches ``(X, y)``.
        num_epochs: Passes over ``train_iter``.
        lr: SGD learning rate (d2l uses 0.9 for the sigmoid LeNet; ReLU
            networks need about 0.1 or less).
        device: ``try_gpu()`` if None.
        init: Re-initialise Conv2d/Linear weights with Xavier-uniform.
        callbacks, animate, progress, verbose: As in :func:`train`.

    Returns:
        The history DataFrame of :func:`train`.
    """
    lr = _check_lr(lr)
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"net must be a torch.nn.Module, got {type(net).__name__}; "
            "e.g. net = dl.lenet()"
        )
    if init:
        net.apply(_init_weights)
    device = try_gpu() if device is None else torch.device(device)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    return train(
        net,
        train_iter,
        test_iter,
        num_epochs,
        optimizer=optimizer,
        loss_fn=nn.CrossEntropyLoss(),
        device=device,
        callbacks=callbacks,
        animate=animate,
        progress=progress,
        verbose=verbose,
    )
