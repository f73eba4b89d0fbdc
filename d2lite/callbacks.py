"""Callbacks: what :func:`d2lite.train` does around the training step.

A callback is any object with some of the hooks ``on_train_begin``,
``on_epoch_begin``, ``on_batch_end``, ``on_epoch_end`` and
``on_train_end``; each takes the :class:`~d2lite.train.TrainState`. The
loop calls every callback's hook in order. The built-in behaviours of
``train`` are callbacks too: the epoch timer, the NaN guard, the
learning-rate schedule, the history, the best checkpoint, the live plot,
the progress bar and d2l's closing lines.

Metrics are read every ``state.report_every`` batches (a host-device sync
each time), never after every batch.
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING, Any

import torch

from d2lite.checkpoint import save_checkpoint

if TYPE_CHECKING:  # pragma: no cover
    from d2lite.train import TrainState

HOOKS = (
    "on_train_begin",
    "on_epoch_begin",
    "on_batch_end",
    "on_epoch_end",
    "on_train_end",
)


class Callback:
    """Optional base class: every hook does nothing until overridden."""

    def on_train_begin(self, state: TrainState) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, state: TrainState) -> None:
        """Before the epoch's first batch; ``state.epoch`` is 1-based."""

    def on_batch_end(self, state: TrainState) -> None:
        """After ``optimizer.step()``; ``state.batch`` is 1-based."""

    def on_epoch_end(self, state: TrainState) -> None:
        """After evaluation; ``state.metrics`` holds the epoch's row."""

    def on_train_end(self, state: TrainState) -> None:
        """After the last epoch (or after a callback stopped training)."""


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite.

    Attributes:
        epoch: 1-based epoch of the first non-finite loss.
        batch: 1-based batch index within that epoch.
        value: The loss value (nan, inf or -inf).
        history: DataFrame of the epochs completed before (may be empty).
    """

    def __init__(self, value: float, epoch: int, batch: int) -> None:
        self.value, self.epoch, self.batch = value, epoch, batch
        self.history: Any = None
        super().__init__(
            f"loss became {value} at epoch {epoch}, batch {batch}: training "
            "diverged. Lower the learning rate (e.g. lr=0.1, or lr=0.01 for "
            "a ReLU network); d2l's lr=0.9 is meant for the sigmoid LeNet."
        )


def _is_report_batch(state: TrainState) -> bool:
    """True every ``report_every`` batches and at the epoch's last batch."""
    return state.batch % state.report_every == 0 or (
        state.batch == state.num_batches
    )


class EpochTimer(Callback):
    """Seconds of each training pass (``seconds``), examples per second.

    Time spent inside the other callbacks' hooks is not counted; fetching
    batches is.
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
        hooks = self.hooks_end - self.hooks_start
        seconds = self.end - self.start - hooks
        state.metrics["seconds"] = seconds
        self.seconds += seconds
        self.num_examples += state.num_examples
        rate = (
            self.num_examples / self.seconds if self.seconds > 0 else math.inf
        )
        state.attrs["examples_per_sec"] = rate


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
            self._check(state)

    def on_epoch_end(self, state: TrainState) -> None:
        self._check(state)

    def _check(self, state: TrainState) -> None:
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
    """Step a learning-rate scheduler once per epoch; record ``lr``.

    ``ReduceLROnPlateau`` is given the evaluation accuracy when its mode is
    "max", else the training loss.
    """

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def on_epoch_begin(self, state: TrainState) -> None:
        self.lr = state.optimizer.param_groups[0]["lr"]

    def on_epoch_end(self, state: TrainState) -> None:
        state.metrics["lr"] = self.lr
        if isinstance(
            self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau
        ):
            acc = state.metrics[f"{state.eval_name}_acc"]
            loss = state.metrics["train_loss"]
            self.scheduler.step(acc if self.scheduler.mode == "max" else loss)
        else:
            self.scheduler.step()


class History(Callback):
    """Keep one row per epoch in ``state.history``."""

    def on_epoch_end(self, state: TrainState) -> None:
        state.history.append(dict(state.metrics))


class BestCheckpoint(Callback):
    """Save the model whenever ``monitor`` is the best so far.

    The file (written atomically by :func:`save_checkpoint`) holds the
    model, the optimizer, the epoch and the monitored value;
    ``state.attrs`` gets ``best_epoch`` and ``best_acc`` (or ``best_loss``).

    Args:
        path: The checkpoint file.
        monitor: A history column; ``{eval_name}_acc`` if None.
        mode: "max" for accuracies, "min" for losses.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str | None = None,
        mode: str = "max",
    ) -> None:
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.path, self.monitor, self.mode = path, monitor, mode
        self.best = -math.inf if mode == "max" else math.inf

    def on_epoch_end(self, state: TrainState) -> None:
        monitor = self.monitor or f"{state.eval_name}_acc"
        if monitor not in state.metrics:
            raise KeyError(
                f"BestCheckpoint(monitor={monitor!r}): no such column; the "
                f"history has {sorted(state.metrics)}"
            )
        value = state.metrics[monitor]
        better = value > self.best if self.mode == "max" else value < self.best
        if not better:
            return
        self.best = value
        save_checkpoint(
            self.path,
            state.net,
            state.optimizer,
            epoch=state.epoch,
            **{monitor: value},
        )
        kind = "acc" if monitor.endswith("_acc") else "loss"
        state.attrs.update(
            {
                "best_epoch": state.epoch,
                f"best_{kind}": value,
                "best_path": str(self.path),
            }
        )


class LivePlot(Callback):
    """d2l's live plot: training loss and accuracy, evaluation accuracy.

    The x axis runs from 0 to ``num_epochs``, so the first epoch shows.
    """

    def on_train_begin(self, state: TrainState) -> None:
        from d2lite.plot import Animator

        self.animator = Animator(
            xlabel="epoch",
            xlim=[0, state.num_epochs],
            legend=["train loss", "train acc", f"{state.eval_name} acc"],
        )

    def on_batch_end(self, state: TrainState) -> None:
        if (
            state.num_batches
            and state.batch < state.num_batches
            and _is_report_batch(state)
        ):
            x = state.epoch - 1 + state.batch / state.num_batches
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

        self.bar = tqdm(
            total=state.num_batches,
            desc=f"epoch {state.epoch}/{state.num_epochs}",
            unit="batch",
            leave=False,
        )

    def on_batch_end(self, state: TrainState) -> None:
        if _is_report_batch(state):
            self.bar.update(state.batch - self.bar.n)
            self.bar.set_postfix(
                loss=f"{state.train_loss:.3f}", acc=f"{state.train_acc:.3f}"
            )

    def on_epoch_end(self, state: TrainState) -> None:
        self.close()

    def on_train_end(self, state: TrainState) -> None:
        self.close()

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
        last, name = state.history[-1], state.eval_name
        print(
            f"loss {last['train_loss']:.3f}, train acc {last['train_acc']:.3f}, "
            f"{name} acc {last[f'{name}_acc']:.3f}"
        )
        print(
            f"{state.attrs['examples_per_sec']:.1f} examples/sec on "
            f"{state.device}"
        )
        if "best_path" in state.attrs and "best_acc" in state.attrs:
            print(
                f"best {name} acc {state.attrs['best_acc']:.3f} at epoch "
                f"{state.attrs['best_epoch']}, saved to {state.attrs['best_path']}"
            )
