"""Training loops (d2l's ``train_ch6`` and a general ``train``) and checkpoints.

The loop keeps per-batch work to the canonical step (as in pytorch/examples'
mnist): move the batch, ``zero_grad``, forward, loss, ``backward``, ``step``.
Metrics are gathered without a host-device sync per batch: the batch's loss
and logits are kept (detached) and reduced every few batches, where the NaN
guard, the progress bar and the live plot are updated too.
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from d2lite._checks import check_int
from d2lite.metrics import _count_correct, evaluate_accuracy_gpu
from d2lite.utils import Timer, try_gpu

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]

_MAX_FLUSH_EVERY = 50  # batches between metric reductions, at most


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


# ----------------------------------------------------------------- checks


def _check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(
            f"lr must be a positive number, got {lr!r} of type "
            f"{type(lr).__name__}; e.g. lr=0.9 (sigmoid LeNet) or lr=0.1"
        )
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr}; e.g. lr=0.1")
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
            f"net must be a torch.nn.Module, got {type(net).__name__}; " "e.g. net = dl.lenet()"
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
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"scheduler must have a step() method (a torch.optim.lr_scheduler"
            f" object) or be None, got {type(scheduler).__name__}"
        )
    if not isinstance(eval_name, str) or not eval_name.isidentifier():
        raise ValueError(
            f"eval_name must be a short identifier such as 'test' or "
            f"'valid', got {eval_name!r}"
        )


# ------------------------------------------------------ metric gathering


class _EpochMetrics:
    """Sum loss * B, correct predictions and examples over one epoch.

    Batches are appended without a sync and reduced in :meth:`flush`.
    """

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.loss_sum, self.correct, self.num_examples = 0.0, 0, 0
        self.num_flushed = 0  # batches already reduced
        self._losses: list[torch.Tensor] = []
        self._sizes: list[int] = []
        self._y_hats: list[torch.Tensor] = []
        self._ys: list[torch.Tensor] = []

    def append(self, l: torch.Tensor, y_hat: torch.Tensor, y: torch.Tensor) -> None:
        """Keep one batch's scalar loss, logits (B, C) and labels (B,)."""
        self._losses.append(l)
        self._sizes.append(y.shape[0])
        self._y_hats.append(y_hat)
        self._ys.append(y)

    def flush(self) -> None:
        """Reduce the pending batches; raise if a loss was not finite."""
        if not self._losses:
            return
        with torch.no_grad():
            losses = torch.stack(self._losses).float()  # (k,)
            sizes = torch.tensor(self._sizes, dtype=losses.dtype, device=losses.device)
            loss_sum = (losses * sizes).sum().item()
            if not math.isfinite(loss_sum):
                bad = int((~torch.isfinite(losses)).nonzero()[0, 0])
                raise NonFiniteLossError(
                    losses[bad].item(), self.epoch, self.num_flushed + bad + 1
                )
            correct = _count_correct(torch.cat(self._y_hats), torch.cat(self._ys))
            self.correct += int(correct.item())
        self.loss_sum += loss_sum
        self.num_examples += sum(self._sizes)
        self.num_flushed += len(self._losses)
        self._losses, self._sizes, self._y_hats, self._ys = [], [], [], []

    @property
    def num_pending(self) -> int:
        return len(self._losses)

    @property
    def train_loss(self) -> float:
        return self.loss_sum / max(self.num_examples, 1)

    @property
    def train_acc(self) -> float:
        return self.correct / max(self.num_examples, 1)


# ------------------------------------------------------------- reporting


def _in_jupyter() -> bool:
    from d2lite.plot import _kernel_shell

    return _kernel_shell() is not None


class _Reporter:
    """Drive the live plot (Animator) and the per-epoch tqdm bar."""

    def __init__(
        self,
        num_epochs: int,
        num_batches: int | None,
        eval_name: str,
        animate: bool | None,
        progress: bool | None,
    ) -> None:
        in_jupyter = _in_jupyter() if animate is None or progress is None else False
        self.num_epochs, self.num_batches = num_epochs, num_batches
        self.animator = None
        if animate if animate is not None else in_jupyter:
            from d2lite.plot import Animator

            self.animator = Animator(
                xlabel="epoch",
                xlim=[1, num_epochs],
                legend=["train loss", "train acc", f"{eval_name} acc"],
            )
        self.use_bar = progress if progress is not None else not in_jupyter
        self.bar: Any = None

    def start_epoch(self, epoch: int) -> None:
        if self.use_bar:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.num_batches,
                desc=f"epoch {epoch}/{self.num_epochs}",
                unit="batch",
                leave=False,
            )

    def batches_done(self, epoch: int, metrics: _EpochMetrics) -> None:
        if self.bar is not None:
            self.bar.update(metrics.num_flushed - self.bar.n)
            self.bar.set_postfix(loss=f"{metrics.train_loss:.3f}", acc=f"{metrics.train_acc:.3f}")
        mid_epoch = bool(self.num_batches) and metrics.num_flushed < self.num_batches
        if self.animator is not None and mid_epoch:
            x = epoch - 1 + metrics.num_flushed / self.num_batches
            self.animator.add(x, (metrics.train_loss, metrics.train_acc, None))

    def end_epoch(self, epoch: int, metrics: _EpochMetrics, eval_acc: float) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.animator is not None:
            self.animator.add(epoch, (metrics.train_loss, metrics.train_acc, eval_acc))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# ----------------------------------------------------------- the loops


def _num_batches(train_iter: Batches) -> int | None:
    try:
        return len(train_iter)  # type: ignore[arg-type]
    except TypeError:
        return None


def _train_epoch(
    net: nn.Module,
    train_iter: Batches,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    epoch: int,
    reporter: _Reporter,
) -> tuple[_EpochMetrics, float]:
    """Run one training pass; return its metrics and training seconds.

    The seconds cover the whole batch loop (fetching batches included) but
    not the progress bar and plot updates.
    """
    num_batches = reporter.num_batches
    flush_every = (
        max(1, min(_MAX_FLUSH_EVERY, num_batches // 5)) if num_batches else _MAX_FLUSH_EVERY
    )
    metrics = _EpochMetrics(epoch)
    net.train()
    reporter.start_epoch(epoch)
    non_blocking = device.type != "cpu"  # host-to-device copies may overlap
    timer = Timer()
    for X, y in train_iter:
        X, y = X.to(device, non_blocking=non_blocking), y.to(device, non_blocking=non_blocking)
        optimizer.zero_grad()
        y_hat = net(X)  # (B, C)
        l = loss_fn(y_hat, y)
        if l.dim():  # a per-example loss (reduction="none")
            l = l.mean()
        l.backward()
        optimizer.step()
        metrics.append(l.detach(), y_hat.detach(), y)
        if metrics.num_pending == flush_every:
            metrics.flush()
            timer.stop()
            reporter.batches_done(epoch, metrics)
            timer.start()
    metrics.flush()
    timer.stop()
    reporter.batches_done(epoch, metrics)
    if metrics.num_examples == 0:
        raise ValueError(
            "train_iter yielded no batches; pass a non-empty iterable of "
            "(X, y) batches (e.g. from dl.load_data_fashion_mnist)"
        )
    return metrics, timer.sum()


def _step_scheduler(scheduler: Any, train_loss: float, eval_acc: float) -> None:
    """Step an LR scheduler once per epoch.

    ``ReduceLROnPlateau`` gets the eval accuracy when its mode is "max",
    else the training loss.
    """
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(eval_acc if scheduler.mode == "max" else train_loss)
    else:
        scheduler.step()


def _history_frame(rows: list[dict[str, float]], attrs: Mapping[str, Any]) -> "pd.DataFrame":
    import pandas as pd

    index = pd.RangeIndex(1, len(rows) + 1, name="epoch")
    df = pd.DataFrame(rows, index=index)
    df.attrs.update(attrs)
    return df


def train(
    net: nn.Module,
    train_iter: Batches,
    test_iter: Batches,
    num_epochs: int,
    *,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    scheduler: Any = None,
    animate: bool | None = None,
    progress: bool | None = None,
    eval_name: str = "test",
    checkpoint_path: str | os.PathLike[str] | None = None,
    verbose: bool = True,
) -> "pd.DataFrame":
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
        animate: Live plot; None means only in Jupyter. False turns it off.
        progress: tqdm bar per epoch; None means only outside Jupyter.
        eval_name: Name of the evaluation split in columns and messages.
        checkpoint_path: If given, the best model by eval accuracy is saved
            there (atomically) with its optimizer state and epoch.
        verbose: Print the final metrics and examples/sec as d2l does.

    Returns:
        DataFrame indexed by ``epoch`` (1..num_epochs) with columns
        ``train_loss, train_acc, {eval_name}_acc, seconds`` (seconds of the
        training pass). ``attrs`` holds ``examples_per_sec`` (training
        passes only, batch fetching included), ``device`` and, with a
        checkpoint, ``best_epoch`` and ``best_acc``.

    Raises:
        NonFiniteLossError: if the loss becomes NaN or infinite.
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    _check_train_args(net, optimizer, loss_fn, scheduler, eval_name)
    num_epochs = check_int("num_epochs", num_epochs, hint="e.g. num_epochs=10")
    animate, progress = _check_flag("animate", animate), _check_flag("progress", progress)
    device = try_gpu() if device is None else torch.device(device)
    net.to(device)
    reporter = _Reporter(num_epochs, _num_batches(train_iter), eval_name, animate, progress)
    rows: list[dict[str, float]] = []
    attrs: dict[str, Any] = {"device": str(device)}
    best_acc, num_examples, seconds = -1.0, 0, 0.0
    try:
        for epoch in range(1, num_epochs + 1):
            lr = optimizer.param_groups[0]["lr"]
            try:
                metrics, epoch_seconds = _train_epoch(
                    net, train_iter, loss_fn, optimizer, device, epoch, reporter
                )
            except NonFiniteLossError as err:
                err.history = _history_frame(rows, attrs)
                raise
            eval_acc = evaluate_accuracy_gpu(net, test_iter, device)
            reporter.end_epoch(epoch, metrics, eval_acc)
            num_examples += metrics.num_examples
            seconds += epoch_seconds
            row = {
                "train_loss": metrics.train_loss,
                "train_acc": metrics.train_acc,
                f"{eval_name}_acc": eval_acc,
                "seconds": epoch_seconds,
            }
            if scheduler is not None:
                row["lr"] = lr
                _step_scheduler(scheduler, metrics.train_loss, eval_acc)
            rows.append(row)
            if checkpoint_path is not None and eval_acc > best_acc:
                best_acc = eval_acc
                save_checkpoint(
                    checkpoint_path,
                    net,
                    optimizer,
                    epoch=epoch,
                    **{f"{eval_name}_acc": eval_acc},
                )
                attrs.update(best_epoch=epoch, best_acc=eval_acc)
    finally:
        reporter.close()
    attrs["examples_per_sec"] = num_examples / seconds if seconds > 0 else float("inf")
    history = _history_frame(rows, attrs)
    if verbose:
        _print_summary(history, eval_name, checkpoint_path)
    return history


def _print_summary(history: "pd.DataFrame", eval_name: str, checkpoint_path: Any) -> None:
    """Print d2l's two closing lines (and where the best model went)."""
    last = history.iloc[-1]
    print(
        f"loss {last['train_loss']:.3f}, train acc {last['train_acc']:.3f}, "
        f"{eval_name} acc {last[f'{eval_name}_acc']:.3f}"
    )
    print(f"{history.attrs['examples_per_sec']:.1f} examples/sec on " f"{history.attrs['device']}")
    if checkpoint_path is not None:
        print(
            f"best {eval_name} acc {history.attrs['best_acc']:.3f} at epoch "
            f"{history.attrs['best_epoch']}, saved to {checkpoint_path}"
        )


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
    animate: bool | None = None,
    progress: bool | None = None,
    verbose: bool = True,
) -> "pd.DataFrame":
    """Train with d2l's chapter-6 recipe: Xavier init, SGD(lr), cross-entropy.

    Args:
        net: Classifier mapping X (B, 1, H, W) to logits (B, 10).
        train_iter, test_iter: Batches ``(X, y)``.
        num_epochs: Passes over ``train_iter``.
        lr: SGD learning rate (d2l uses 0.9 for the sigmoid LeNet; ReLU
            networks need about 0.1 or less).
        device: ``try_gpu()`` if None.
        init: Re-initialise Conv2d/Linear weights with Xavier-uniform.
        animate, progress, verbose: As in :func:`train`.

    Returns:
        The history DataFrame of :func:`train`.
    """
    lr = _check_lr(lr)
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"net must be a torch.nn.Module, got {type(net).__name__}; " "e.g. net = dl.lenet()"
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
        animate=animate,
        progress=progress,
        verbose=verbose,
    )


# ----------------------------------------------------------- checkpoints

_RESERVED = ("model", "optimizer")


def _plain(key: str, value: Any) -> Any:
    """Return ``value`` as types ``torch.load(weights_only=True)`` accepts."""
    if value is None or isinstance(value, (bool, str, torch.Tensor)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(key, v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _plain(key, v) for k, v in value.items()}
    raise TypeError(
        f"checkpoint entry {key!r} has type {type(value).__name__}, which "
        "torch.load(weights_only=True) cannot read back; store numbers, "
        "strings, tensors, or lists/dicts of them"
    )


def save_checkpoint(
    path: str | os.PathLike[str],
    net: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    **extra: Any,
) -> Path:
    """Save the net (and optimizer) state atomically.

    The file is written to a temporary file in the same directory, then
    moved over ``path`` with ``os.replace``, so an interrupted save never
    leaves a truncated checkpoint.

    Args:
        path: Destination file (parent directories are created).
        net: Its ``state_dict()`` is stored under "model".
        optimizer: Its ``state_dict()`` is stored under "optimizer".
        **extra: Plain values to store too, e.g. ``epoch=3, test_acc=0.8``.

    Returns:
        The path written.
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    clash = [k for k in extra if k in _RESERVED]
    if clash:
        raise ValueError(f"extra keys {clash} are reserved for the states; rename them")
    payload: dict[str, Any] = {"model": net.state_dict()}
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    payload.update({k: _plain(k, v) for k, v in extra.items()})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _check_state_match(
    path: Path, own: Mapping[str, torch.Tensor], saved: Mapping[str, Any]
) -> None:
    """Raise RuntimeError naming missing, unexpected and mis-shaped keys."""
    missing = sorted(set(own) - set(saved))
    unexpected = sorted(set(saved) - set(own))
    mis_shaped = [
        f"{k}: checkpoint {tuple(saved[k].shape)} vs net {tuple(own[k].shape)}"
        for k in own
        if k in saved and tuple(saved[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or mis_shaped:
        raise RuntimeError(
            f"checkpoint {path} does not match the network: missing keys "
            f"{missing}, unexpected keys {unexpected}, shape mismatches "
            f"{mis_shaped}; build the same architecture that was saved "
            "(e.g. the same dl.lenet variant) before loading"
        )


def load_checkpoint(
    path: str | os.PathLike[str],
    net: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: Any = "cpu",
) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`.

    Uses ``torch.load(..., weights_only=True)``, which never runs pickled
    code.

    Args:
        path: The checkpoint file.
        net: If given, its state is restored (keys and shapes must match).
        optimizer: If given, its state is restored.
        map_location: Where tensors are loaded ("cpu" by default).

    Returns:
        The whole checkpoint dict ("model", "optimizer", extra entries).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        RuntimeError: if the net's state dict does not match.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {path}; save one with dl.save_checkpoint(path,"
            " net) or train(..., checkpoint_path=path)"
        )
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise RuntimeError(
            f"{path} is not a d2lite checkpoint (no 'model' entry); write it "
            "with dl.save_checkpoint"
        )
    if net is not None:
        _check_state_match(path, net.state_dict(), ckpt["model"])
        net.load_state_dict(ckpt["model"])
    if optimizer is not None:
        if "optimizer" not in ckpt:
            raise RuntimeError(
                f"checkpoint {path} holds no optimizer state; load it without "
                "optimizer= or save it with save_checkpoint(path, net, optimizer)"
            )
        optimizer.load_state_dict(ckpt["optimizer"])
    return ckpt
