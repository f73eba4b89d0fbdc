"""Callbacks: what :func:`d2lite.train` does around the training step.

A callback is any object with some of the hooks below, each taking the
:class:`~d2lite.train.TrainState`; ``train``'s own behaviours are callbacks
too. Metrics are read every ``state.report_every`` batches, not per batch.
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
    """Step a learning-rate scheduler once per epoch; record ``lr``.

    ``ReduceLROnPlateau`` gets the eval accuracy in mode "max", else the
    training loss.
    """

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def on_epoch_begin(self, state: TrainState) -> None:
        self.lr = state.optimizer.param_groups[0]["lr"]

    def on_epoch_end(self, state: TrainState) -> None:
        m, sched = state.metrics, self.scheduler
        m["lr"] = self.lr
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            acc, loss = m[f"{state.eval_name}_acc"], m["train_loss"]
            sched.step(acc if sched.mode == "max" else loss)
        else:
            sched.step()


class History(Callback):
    """Keep one row per epoch in ``state.history``."""

    def on_epoch_end(self, state: TrainState) -> None:
        state.history.append(dict(state.metrics))


class BestCheckpoint(Callback):
    """Save model, optimizer, epoch and ``monitor`` when it is the best yet.

    ``monitor`` is a history column (``{eval_name}_acc`` if None), ``mode``
    "max" or "min"; ``state.attrs`` gets ``best_epoch``, ``best_acc`` (or
    ``best_loss``) and ``best_path``.
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
        if value > self.best if self.mode == "max" else value < self.best:
            self.best = value
            extra = {"epoch": state.epoch, monitor: value}
            save_checkpoint(self.path, state.net, state.optimizer, **extra)
            kind = "acc" if monitor.endswith("_acc") else "loss"
            state.attrs.update(
                best_epoch=state.epoch, best_path=str(self.path)
            )
            state.attrs[f"best_{kind}"] = value


class LivePlot(Callback):
    """d2l's live plot of train loss, train acc and eval acc.

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
        if "best_path" in attrs and "best_acc" in attrs:
            print(
                f"best {name} acc {attrs['best_acc']:.3f} at epoch "
                f"{attrs['best_epoch']}, saved to {attrs['best_path']}"
            )
