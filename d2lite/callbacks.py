"""Callbacks: what :func:`d2lite.train` does around the training step, and
the state they see.

A callback is any object with some of the hooks of :class:`Callback`, each
taking the :class:`TrainState`; ``train``'s own behaviours are callbacks
too. Metrics are read every ``state.report_every`` batches, not per batch.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from d2lite.checkpoint import save_checkpoint
from d2lite.metrics import count_correct

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
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

    def start_epoch(self) -> None:
        """Zero the running sums (on the device)."""
        self.batch, self.num_examples = 0, 0
        self.loss_sum = torch.zeros((), device=self.device)
        self.correct = torch.zeros((), dtype=torch.int64, device=self.device)

    def add_batch(
        self, X: Tensor, y: Tensor, y_hat: Tensor, loss: Tensor
    ) -> None:
        """Keep the batch and add it to the running sums, without a sync."""
        self.batch += 1
        self.X, self.y, self.y_hat = X, y, y_hat.detach()
        self.loss = loss.detach()
        self.loss_sum += self.loss * y.numel()
        self.correct += count_correct(self.y_hat, y)
        self.num_examples += y.numel()

    def end_epoch(self, eval_loss: float, eval_acc: float) -> None:
        """Set ``metrics``: the epoch's training and evaluation figures."""
        self.metrics = {
            "train_loss": self.train_loss,
            "train_acc": self.train_acc,
            f"{self.eval_name}_loss": eval_loss,
            f"{self.eval_name}_acc": eval_acc,
        }

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


class Callback:
    """Optional base class: every hook does nothing until overridden.

    ``on_train_begin``; ``on_epoch_begin`` (``state.epoch`` is 1-based);
    ``on_batch_end`` after ``optimizer.step()`` (``state.batch``, 1-based);
    ``on_epoch_end`` after evaluation (``state.metrics`` holds the epoch's
    row); ``on_train_end`` after the last epoch or a callback's stop.
    """

    def on_train_begin(self, state: TrainState) -> None: ...
    def on_epoch_begin(self, state: TrainState) -> None: ...
    def on_batch_end(self, state: TrainState) -> None: ...
    def on_epoch_end(self, state: TrainState) -> None: ...
    def on_train_end(self, state: TrainState) -> None: ...


HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite.

    ``epoch`` and ``batch`` (1-based) name the first bad batch, ``value``
    its loss; ``history`` holds the epochs completed before.
    """

    def __init__(self, value: float, epoch: int, batch: int) -> None:
        self.value, self.epoch, self.batch = value, epoch, batch
        self.history: Any = None
        super().__init__(
            f"loss became {value} at epoch {epoch}, batch {batch}: training "
            "diverged. Lower the learning rate (e.g. lr=0.1, or lr=0.01 for "
            "a ReLU network); d2l's lr=0.9 is meant for the sigmoid LeNet."
        )


class CallbackError(RuntimeError):
    """A callback's hook raised; the original error is ``__cause__``.

    ``callback`` and ``hook`` name it; ``history`` holds the epochs
    completed before (a DataFrame).
    """

    def __init__(
        self, callback: object, hook: str, state: TrainState, error: Exception
    ) -> None:
        self.callback, self.hook, self.history = callback, hook, None
        batch = f", batch {state.batch}" if hook == "on_batch_end" else ""
        super().__init__(
            f"callback {type(callback).__name__}.{hook} raised "
            f"{type(error).__name__}: {error} (at epoch {state.epoch}{batch});"
            " the epochs completed so far are in this error's .history"
        )


def as_callbacks(callbacks: Any) -> list[object]:
    """``callbacks`` as a list, or a TypeError naming the slip: no list, a
    class instead of an object, an object without hooks."""
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
        if not any(callable(getattr(callback, h, None)) for h in HOOKS):
            raise TypeError(
                f"callbacks[{i}] ({type(callback).__name__}: {callback!r:.60})"
                f" has none of the hooks {', '.join(HOOKS)}; a callback "
                "is an object with at least one of these methods, each "
                "taking the training state"
            )
    return list(callbacks)


class Hooks:
    """Call one hook on every callback, in order, timed; an error gets the
    history so far. As a context manager it closes progress bars."""

    def __init__(self, state: TrainState, callbacks: Sequence[object]):
        self.state, self.callbacks = state, callbacks

    def __call__(self, hook: str) -> None:
        state = self.state
        for callback in self.callbacks:
            method = getattr(callback, hook, None)
            if method is None:
                continue
            start = time.perf_counter()
            try:
                method(state)
            except NonFiniteLossError as err:
                err.history = state.history_frame()
                raise
            except Exception as err:
                error = CallbackError(callback, hook, state, err)
                error.history = state.history_frame()
                raise error from err
            finally:
                state.hook_seconds += time.perf_counter() - start

    def __enter__(self) -> Hooks:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for callback in self.callbacks:
            if isinstance(callback, ProgressBar):
                callback.close()


def _is_report_batch(state: TrainState) -> bool:
    """True every ``report_every`` batches and at the epoch's last batch."""
    return state.batch % state.report_every == 0 or (
        state.batch == state.num_batches
    )


class EpochTimer(Callback):
    """Seconds of each training pass (``seconds``), ``examples_per_sec``.

    Batch fetching counts; the time inside other callbacks' hooks does not.
    """

    def __init__(self) -> None:
        self.seconds, self.num_examples = 0.0, 0

    def on_epoch_begin(self, state: TrainState) -> None:
        self.start, self.hooks_start = time.perf_counter(), state.hook_seconds
        self.end, self.hooks_end = self.start, self.hooks_start

    def on_batch_end(self, state: TrainState) -> None:
        if state.batch == state.num_batches and state.device.type == "cuda":
            torch.cuda.synchronize(state.device)  # count the queued work
        self.end, self.hooks_end = time.perf_counter(), state.hook_seconds

    def on_epoch_end(self, state: TrainState) -> None:
        seconds = self.end - self.start - (self.hooks_end - self.hooks_start)
        state.metrics["seconds"] = seconds
        self.seconds += seconds
        self.num_examples += state.num_examples
        state.attrs["examples_per_sec"] = (
            self.num_examples / self.seconds if self.seconds > 0 else math.inf
        )


class NonFiniteGuard(Callback):
    """Raise :class:`NonFiniteLossError` naming the first bad batch.

    Batch losses are kept (detached, no sync) and checked together every
    ``report_every`` batches and at the end of each epoch.
    """

    def __init__(self) -> None:
        self.pending: list[torch.Tensor] = []

    def on_batch_end(self, state: TrainState) -> None:
        self.pending.append(state.loss)
        if _is_report_batch(state):
            self.on_epoch_end(state)

    def on_epoch_end(self, state: TrainState) -> None:
        if not self.pending:
            return
        losses = torch.stack(self.pending)  # (k,)
        first = state.batch - len(self.pending) + 1
        self.pending = []
        bad = (~torch.isfinite(losses)).nonzero()
        if len(bad):
            i = int(bad[0, 0])
            raise NonFiniteLossError(losses[i].item(), state.epoch, first + i)


class LRScheduler(Callback):
    """Step a learning-rate scheduler once per epoch; record ``lr``."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def on_epoch_begin(self, state: TrainState) -> None:
        self.lr = state.optimizer.param_groups[0]["lr"]

    def on_epoch_end(self, state: TrainState) -> None:
        state.metrics["lr"] = self.lr
        self.scheduler.step()


class History(Callback):
    """Keep one row per epoch in ``state.history``."""

    def on_epoch_end(self, state: TrainState) -> None:
        state.history.append(dict(state.metrics))


class BestCheckpoint(Callback):
    """Save model, optimizer, epoch and eval accuracy when it is the best
    yet; ``state.attrs`` gets ``best_epoch``, ``best_acc``, ``best_path``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path, self.best = str(path), -math.inf

    def on_epoch_end(self, state: TrainState) -> None:
        name = f"{state.eval_name}_acc"
        if state.metrics[name] > self.best:
            self.best = state.metrics[name]
            extra = {"epoch": state.epoch, name: self.best}
            save_checkpoint(self.path, state.net, state.optimizer, **extra)
            state.attrs.update(
                best_epoch=state.epoch, best_acc=self.best, best_path=self.path
            )


class LivePlot(Callback):
    """d2l's live plot of train loss, train acc and eval acc.

    The x axis runs from 0 to ``num_epochs``, so the first epoch shows.
    The training curves are running averages over the epoch so far: they
    restart at each epoch boundary, hence the jumps there.
    """

    def on_train_begin(self, state: TrainState) -> None:
        from d2lite.plot import Animator

        self.animator = Animator(
            xlabel="epoch",
            ylabel="loss / accuracy",
            xlim=[0, state.num_epochs],
            legend=["train loss", "train acc", f"{state.eval_name} acc"],
        )

    def on_batch_end(self, state: TrainState) -> None:
        n = state.num_batches
        if n and state.batch < n and _is_report_batch(state):
            x = state.epoch - 1 + state.batch / n
            self.animator.add(x, (state.train_loss, state.train_acc, None))

    def on_epoch_end(self, state: TrainState) -> None:
        m = state.metrics
        acc = m[f"{state.eval_name}_acc"]
        self.animator.add(state.epoch, (m["train_loss"], m["train_acc"], acc))


class ProgressBar(Callback):
    """A tqdm bar per epoch with the running loss and accuracy."""

    bar: Any = None

    def on_epoch_begin(self, state: TrainState) -> None:
        from tqdm.auto import tqdm

        desc = f"epoch {state.epoch}/{state.num_epochs}"
        self.bar = tqdm(
            total=state.num_batches, desc=desc, unit="batch", leave=False
        )

    def on_batch_end(self, state: TrainState) -> None:
        if _is_report_batch(state):
            self.bar.update(state.batch - self.bar.n)
            self.bar.set_postfix(
                loss=f"{state.train_loss:.3f}", acc=f"{state.train_acc:.3f}"
            )

    def on_epoch_end(self, state: TrainState) -> None:
        self.close()

    on_train_end = on_epoch_end

    def close(self) -> None:
        """Close the bar (also called when training stops on an error)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Summary(Callback):
    """Print d2l's two closing lines (and where the best model went)."""

    def on_train_end(self, state: TrainState) -> None:
        if not state.history:
            return
        last, name, attrs = state.history[-1], state.eval_name, state.attrs
        print(
            f"loss {last['train_loss']:.3f}, train acc {last['train_acc']:.3f}, "
            f"{name} acc {last[f'{name}_acc']:.3f}\n"
            f"{attrs['examples_per_sec']:.1f} examples/sec on {state.device}"
        )
        if "best_path" in attrs:
            print(
                f"best {name} acc {attrs['best_acc']:.3f} at epoch "
                f"{attrs['best_epoch']}, saved to {attrs['best_path']}"
            )
