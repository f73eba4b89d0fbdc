"""The training loop of chapter 4, with callbacks around it.

``train`` is the chapter's loop: per epoch ``net.train()``, then per batch
forward, loss, ``zero_grad``, ``backward``, ``step``, with running sums kept
on the device (no host-device sync per batch); then ``net.eval()`` and an
evaluation under ``torch.no_grad()``. Everything around the step is a
callback (:mod:`d2lite.callbacks`); ``train_ch6`` is d2l's recipe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from d2lite import callbacks as cbs
from d2lite._checks import check_int, check_lr, check_net
from d2lite.callbacks import NonFiniteLossError
from d2lite.metrics import count_correct, evaluate_loss_acc
from d2lite.utils import try_gpu

if TYPE_CHECKING:  # pragma: no cover
    import os

    import pandas as pd

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class CallbackError(RuntimeError):
    """A callback's hook raised; the original error is ``__cause__``.

    ``callback`` and ``hook`` name it; ``history`` holds the epochs
    completed before (a DataFrame).
    """

    def __init__(
        self, callback: object, hook: str, state: TrainState, error: Exception
    ) -> None:
        self.callback, self.hook, self.history = callback, hook, None
        where = f"epoch {state.epoch}" + (
            f", batch {state.batch}" if hook == "on_batch_end" else ""
        )
        super().__init__(
            f"callback {type(callback).__name__}.{hook} raised "
            f"{type(error).__name__}: {error} (at {where}); the epochs "
            "completed so far are in this error's .history"
        )


@dataclass(eq=False)
class TrainState:
    """What the loop shares with its callbacks.

    The loop sets ``epoch`` and ``batch`` (1-based), the last batch (``X``,
    ``y``, ``y_hat``, detached ``loss``), the epoch's running sums and,
    after evaluation, ``metrics``: the epoch's row. Callbacks add to
    ``metrics`` and ``attrs``, append to ``history``, and may set
    ``stop_training`` to end training after the current epoch.
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
    X: torch.Tensor | None = None  # (B, C, H, W)
    y: torch.Tensor | None = None  # (B,)
    y_hat: torch.Tensor | None = None  # (B, num_classes)
    loss: torch.Tensor | None = None  # 0-d, detached
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
        return max(1, min(50, (self.num_batches or 250) // 5))

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


def _hook_caller(
    callbacks: Sequence[object], state: TrainState
) -> Callable[[str], None]:
    """A function calling one hook on every callback, in order, timed."""

    def call(hook: str) -> None:
        for callback in callbacks:
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

    return call


def _check_args(
    net: object,
    optimizer: object,
    loss_fn: object,
    scheduler: object,
    eval_name: object,
    flags: dict[str, object],
    callbacks: object,
) -> list[object]:
    """Raise naming the first bad argument; return the callbacks as a list."""
    check_net(net)
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
    if scheduler is not None and not callable(getattr(scheduler, "step", 0)):
        raise TypeError(
            f"scheduler must have a step() method (a torch.optim.lr_scheduler"
            f" object) or be None, got {type(scheduler).__name__}"
        )
    if not isinstance(eval_name, str) or not eval_name.isidentifier():
        raise ValueError(
            f"eval_name must be a short identifier such as 'test' or "
            f"'valid', got {eval_name!r}"
        )
    for name, value in flags.items():
        if value is not None and not isinstance(value, bool):
            raise TypeError(
                f"{name} must be None, True or False, got {value!r}"
            )
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
                f"callbacks[{i}] ({type(callback).__name__}: {callback!r:.60})"
                f" has none of the hooks {', '.join(cbs.HOOKS)}; a callback "
                "is an object with at least one of these methods, each "
                "taking the training state"
            )
    return list(callbacks)


def _train_epoch(
    state: TrainState, train_iter: Batches, hooks: Callable[[str], None]
) -> None:
    """One pass over ``train_iter``: the chapter's step, running sums."""
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
        state.X, state.y, state.y_hat = X, y, y_hat.detach()
        state.loss = l.detach()
        state.loss_sum += state.loss * y.numel()
        state.correct += count_correct(state.y_hat, y)
        state.num_examples += y.numel()
        hooks("on_batch_end")
    if state.num_examples == 0:
        raise ValueError(
            "train_iter yielded no batches; pass a non-empty iterable of "
            "(X, y) batches (e.g. from dl.load_data_fashion_mnist)"
        )


def _builtin_callbacks(
    scheduler: Any, checkpoint_path: Any, animate: Any, progress: Any
) -> list[object]:
    """The callbacks that ``train``'s keyword arguments switch on."""
    in_jupyter = False
    if animate is None or progress is None:
        from d2lite.plot import _kernel_shell

        in_jupyter = _kernel_shell() is not None
    built: list[object] = [cbs.EpochTimer(), cbs.NonFiniteGuard()]
    if scheduler is not None:
        built.append(cbs.LRScheduler(scheduler))
    built.append(cbs.History())
    if checkpoint_path is not None:
        built.append(cbs.BestCheckpoint(checkpoint_path))
    if in_jupyter if animate is None else animate:
        built.append(cbs.LivePlot())
    if not in_jupyter if progress is None else progress:
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
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    flags = {"animate": animate, "progress": progress}
    user_callbacks = _check_args(
        net, optimizer, loss_fn, scheduler, eval_name, flags, callbacks
    )
    num_epochs = check_int("num_epochs", num_epochs, hint="e.g. num_epochs=10")
    device = try_gpu() if device is None else torch.device(device)
    net.to(device)
    try:
        num_batches = len(train_iter)  # type: ignore[arg-type]
    except TypeError:  # an iterable without len()
        num_batches = None
    state = TrainState(
        net, optimizer, loss_fn, device, num_epochs, num_batches, eval_name
    )
    state.attrs["device"] = str(device)
    built = _builtin_callbacks(scheduler, checkpoint_path, animate, progress)
    summary = [cbs.Summary()] if verbose else []
    hooks = _hook_caller(built + user_callbacks + summary, state)
    try:
        hooks("on_train_begin")
        for epoch in range(1, num_epochs + 1):
            state.epoch = epoch
            hooks("on_epoch_begin")
            _train_epoch(state, train_iter, hooks)
            loss, acc = evaluate_loss_acc(net, test_iter, loss_fn, device)
            state.metrics = {
                "train_loss": state.train_loss,
                "train_acc": state.train_acc,
                f"{eval_name}_loss": loss,
                f"{eval_name}_acc": acc,
            }
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
    **kwargs: Any,
) -> pd.DataFrame:
    """d2l's chapter-6 recipe: Xavier init (``init``), SGD(lr), cross-entropy.

    d2l's lr 0.9 suits the sigmoid LeNet; ReLU networks need about 0.1.
    The other keywords (``callbacks``, ``animate``, ``progress``,
    ``verbose``, ...) and the history returned are :func:`train`'s.
    """
    lr = check_lr(lr, "e.g. lr=0.9 (sigmoid LeNet) or lr=0.1")
    check_net(net)
    if init:
        net.apply(_init_weights)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    return train(
        net,
        train_iter,
        test_iter,
        num_epochs,
        optimizer=optimizer,
        device=device,
        **kwargs,
    )
