"""Hidden cases of chapter 4, training: ``train-ex<N>``.

Steps per epoch are counted on real :class:`d2lite.data.TensorLoader`
objects, accuracies from the matrices; the flip check compares the answer
with ``torch.flip`` image by image.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch import nn

from d2lite.data import TensorLoader
from d2lite.exercises._i18n import N_, _
from d2lite.exercises.epoch import (
    close,
    diagnose,
    reference_epoch,
    returned_numbers,
    run_epoch,
)
from d2lite.exercises.registry import Case, CheckFailed, exercise
from d2lite.train import TrainState, train

#: (num_examples, batch_size, drop_last) for train-ex1; None: the default.
TRAIN_EX1 = (
    (60_000, 256, None), (48_000, 256, None), (48_000, 256, True),
    (48_000, 256, False), (10_000, 1024, None), (12_000, 1024, True),
    (60_000, 100, None), (60_000, 100, True), (60_000, 128, None),
    (5, 10, None), (5, 10, True), (1, 1, None), (257, 256, True),
)  # fmt: skip
#: Hand-made confusion matrices for train-ex2 (rows true, columns predicted).
TRAIN_EX2 = (
    (N_("3 classes, all correct"), [[5, 0, 0], [0, 7, 0], [0, 0, 2]]),
    (N_("2 classes"), [[3, 1], [2, 4]]),
    (N_("2 classes, all wrong"), [[0, 4], [6, 0]]),
    (N_("1 class"), [[7]]),
    (N_("unbalanced rows"), [[90, 10, 0], [5, 0, 5], [0, 0, 1]]),
)
#: (label, p, which images, range of the share flipped) for train-ex3.
TRAIN_EX3 = (
    (N_("p=0 flips nothing"), 0.0, "small", (0.0, 0.0)),
    (N_("p=1 flips every image left-right"), 1.0, "small", (1.0, 1.0)),
    (N_("default p=0.5: about half flipped"), None, "many", (0.4, 0.6)),
    (N_("p=0.2: about a fifth flipped"), 0.2, "many", (0.14, 0.26)),
    (N_("a batch of one image, p=1"), 1.0, "one", (1.0, 1.0)),
)
#: (label, dropout, optimizer, batch sizes) of train-ex6's hidden epochs.
TRAIN_EX6 = (
    (N_("a net with dropout, SGD with momentum, batches of 8, 8, 8 and 3"),
     True, "sgd", (8, 8, 8, 3)),
    (N_("a net without dropout, Adam, batches of 5 and 2"),
     False, "adam", (5, 2)),
)  # fmt: skip
#: (patience, validation accuracies epoch by epoch) of train-ex7's runs.
TRAIN_EX7 = (
    (2, (0.50, 0.60, 0.70, 0.80, 0.85)),
    (2, (0.50, 0.60, 0.60, 0.55, 0.70, 0.72)),
    (1, (0.50, 0.40, 0.90)),
    (3, (0.30, 0.50, 0.45, 0.48, 0.50, 0.40, 0.60)),
    (1, (0.70,)),
)


def _steps(num_examples: int, batch_size: int, drop_last: bool) -> int:
    """Optimiser steps per epoch, as :class:`TensorLoader` batches them."""

    if drop_last and num_examples < batch_size:
        return 0  # TensorLoader refuses a loader without batches
    X = torch.zeros(num_examples, 1, 1, dtype=torch.uint8)  # (N, 1, 1)
    y = torch.zeros(num_examples, dtype=torch.int64)  # (N,)
    return len(TensorLoader(X, y, batch_size, drop_last=drop_last))


@exercise("train-ex1")
def _train_ex1() -> list[Case]:
    """Optimiser steps in one epoch, with and without drop_last."""
    cases = []
    for n, b, drop in TRAIN_EX1:
        label = f"num_examples={n}, batch_size={b}"
        kwargs = {} if drop is None else {"drop_last": drop}
        label += "" if drop is None else f", drop_last={drop}"
        cases.append(Case((n, b), kwargs, _steps(n, b, bool(drop)), label))
    return cases


@exercise("train-ex2")
def _train_ex2() -> list[Case]:
    """Overall accuracy from a confusion matrix."""
    matrices = [(label, torch.tensor(cm)) for label, cm in TRAIN_EX2]
    generator = torch.Generator().manual_seed(0)
    counts = torch.randint(0, 30, (10, 10), generator=generator)
    counts += torch.diag(torch.randint(500, 1000, (10,), generator=generator))
    matrices.append((N_("10 classes, random counts"), counts))
    return [
        Case(
            args=(cm.clone(),),
            expected=cm.diag().sum().item() / cm.sum().item(),  # float64
            label=_("{label}, cm of shape {shape}").format(
                label=_(label), shape=tuple(cm.shape)
            ),
        )
        for label, cm in matrices
    ]


def _callable(answer: Any, what: str) -> None:
    if not callable(answer):
        raise CheckFailed(
            _("the answer"),
            received=answer,
            detail=_("the answer must be {what}, not a {type}").format(
                what=what, type=type(answer).__name__
            ),
        )


def _flip_share(
    answer: Callable, X: Any, p: float | None, label: str
) -> float:
    """Call ``answer`` on X (B, C, H, W); return the share of flipped images.

    Every output image must be its input image or its left-right mirror,
    and X must be left unchanged.
    """
    original = X.clone()
    out = answer(X) if p is None else answer(X, p)
    if not torch.equal(X, original):
        raise CheckFailed(
            label,
            _("X left unchanged"),
            _("X modified in place"),
            detail=_(
                "your function modified its input X; return a new tensor "
                "(torch.where or X.flip(-1) create one)"
            ),
        )
    if not isinstance(out, torch.Tensor):
        raise CheckFailed(
            label,
            received=out,
            detail=_("your function returned a {type}, not a tensor").format(
                type=type(out).__name__
            ),
        )
    if out.shape != X.shape:
        raise CheckFailed(
            label,
            received=tuple(out.shape),
            detail=_(
                "the output has shape {shape}, the input {input}: a flip "
                "keeps the shape"
            ).format(shape=tuple(out.shape), input=tuple(X.shape)),
        )
    same = (out == X).flatten(1).all(dim=1)  # (B,)
    mirrored = (out == X.flip(-1)).flatten(1).all(dim=1)  # (B,)
    bad = torch.nonzero(~(same | mirrored))
    if len(bad):
        i = int(bad[0, 0])
        axis = (out[i] == X[i].flip(-2)).all() or (
            out[i] == X[i].flip(0)
        ).all()
        neither = _(
            "image {i} of the output is neither image {i} of X nor its "
            "left-right mirror"
        )
        if axis:
            neither = _(
                "image {i} of the output is neither image {i} of X nor its "
                "left-right mirror (flipped along the wrong axis: "
                "left-right is the last)"
            )
        raise CheckFailed(label, detail=neither.format(i=i))
    return mirrored.float().mean().item()


@exercise("train-ex3")
def _train_ex3(answer: Any) -> int:
    """A per-batch random horizontal flip."""
    _callable(answer, _("a function random_hflip(X, p=0.5)"))
    with torch.random.fork_rng(devices=[]):  # keep the caller's RNG state
        torch.manual_seed(0)
        small = torch.rand(64, 3, 6, 9)  # (B, C, H, W), H != W
        many = torch.rand(2000, 1, 8, 8)  # enough images to count flips
        images = {"small": small, "many": many, "one": many[:1]}
        for label, p, which, (low, high) in TRAIN_EX3:
            label = _(label)
            share = _flip_share(answer, images[which], p, label)
            if not low <= share <= high:
                want = (
                    _("between {low:.0%} and {high:.0%}")
                    if low < high
                    else "{low:.0%}"
                ).format(low=low, high=high)
                raise CheckFailed(
                    label,
                    received=share,
                    detail=_(
                        "{share:.1%} of the images were flipped; with this "
                        "p the share must be {want}"
                    ).format(share=share, want=want),
                )
    return len(TRAIN_EX3)


@exercise("train-ex6")
def _train_ex6(answer: Any) -> int:
    """An epoch of training, by hand."""
    _callable(
        answer,
        _("a function train_epoch(net, train_iter, loss_fn, optimizer)"),
    )
    for case in TRAIN_EX6:
        label = _(case[0])
        try:
            result, net = run_epoch(answer, case)
        except (NotImplementedError, CheckFailed):
            raise
        except Exception as err:
            raise CheckFailed(
                label,
                detail=_("your function raised {error}").format(
                    error=f"{type(err).__name__}: {err}"
                ),
            ) from err
        loss, acc = returned_numbers(label, result)
        ref, ref_net = run_epoch(reference_epoch, case)
        if not (close(loss, ref["right"][0]) and close(acc, ref["right"][1])):
            raise CheckFailed(
                label,
                received=(loss, acc),
                detail=_(
                    "returned ({loss:.4f}, {acc:.4f}): {diagnosis}"
                ).format(
                    loss=loss,
                    acc=acc,
                    diagnosis=diagnose(case, loss, acc, ref),
                ),
            )
        for (name, p), q in zip(net.named_parameters(), ref_net.parameters()):
            if not torch.allclose(p, q, rtol=1e-4, atol=1e-6):
                raise CheckFailed(
                    label,
                    detail=_(
                        "the numbers are right, but parameter {name} after "
                        "the epoch is not what one optimizer.step() per "
                        "batch gives"
                    ).format(name=name),
                )
    return len(TRAIN_EX6)


def _stop_epoch(patience: int, accs: tuple[float, ...]) -> int | None:
    """The epoch after which training stops, or None if it never does."""
    best, best_epoch = -1.0, 0
    for epoch, acc in enumerate(accs, start=1):
        if acc > best:
            best, best_epoch = acc, epoch
        elif epoch - best_epoch >= patience:
            return epoch
    return None


def _replay(callback: Any, accs: tuple[float, ...]) -> int | None:
    """Call the callback's hooks as dl.train would; return the stop epoch."""

    state = TrainState(
        nn.Identity(),
        None,
        None,
        torch.device("cpu"),
        len(accs),
        1,
        eval_name="valid",
    )
    if hasattr(callback, "on_train_begin"):
        callback.on_train_begin(state)
    for epoch, acc in enumerate(accs, start=1):
        state.epoch = epoch
        if hasattr(callback, "on_epoch_begin"):
            callback.on_epoch_begin(state)
        state.metrics = {"train_loss": 1.0, "train_acc": 0.5,
                         "valid_loss": 1.0, "valid_acc": acc}  # fmt: skip
        state.history.append(dict(state.metrics))
        callback.on_epoch_end(state)
        if state.stop_training:
            return epoch
    return None


def _stops_right(
    make: Callable, patience: int, accs: tuple, label: str
) -> Any:
    """Replay one run of ``make()``; raise CheckFailed saying too early,
    too late or never; return the callback."""
    try:
        callback = make()
        got = _replay(callback, accs)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as err:
        raise CheckFailed(
            label,
            detail=_("your callback raised {error}").format(
                error=f"{type(err).__name__}: {err}"
            ),
        ) from err
    want = _stop_epoch(patience, accs)
    if got == want:
        return callback
    if got is None:
        what = _("training was never stopped")
    elif want is None:
        what = _(
            "it stopped after epoch {got}, although the accuracy never "
            "went that long without improving"
        )
    elif got < want:
        what = _("it stopped after epoch {got}, which is too early")
    else:
        what = _("it stopped after epoch {got}, which is too late")
    raise CheckFailed(
        label,
        received=got,
        detail=_(
            "{what}; stop when the accuracy has not exceeded its best "
            "value for `patience` epochs in a row (equal is not better)"
        ).format(what=what.format(got=got)),
    )


@exercise("train-ex7")
def _train_ex7(answer: Any) -> int:
    """An early-stopping callback."""

    if not isinstance(answer, type):
        raise CheckFailed(
            _("the answer"),
            received=answer,
            detail=_(
                "the answer must be the class EarlyStopping itself (not "
                "an object of it), got a {type}"
            ).format(type=type(answer).__name__),
        )

    for patience, accs in TRAIN_EX7:
        label = _("patience={patience}, valid acc by epoch {accs}").format(
            patience=patience, accs=", ".join(f"{a:.2f}" for a in accs)
        )
        _stops_right(partial(answer, patience), patience, accs, label)
    (_patience, first), (patience, second) = TRAIN_EX7[:2]
    used = _stops_right(
        partial(answer, patience), patience, first, _("a first run")
    )
    reuse = _(
        "the same object used for a second training (reset what it keeps "
        "in on_train_begin)"
    )
    _stops_right(lambda: used, patience, second, reuse)
    _train_ex7_real_run(answer)
    return len(TRAIN_EX7) + 2


def _train_ex7_real_run(answer: type) -> None:
    """One real run: lr=0 never improves, so patience=2 stops after 3."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        X, y = torch.rand(40, 1, 2, 2), torch.randint(0, 2, (40,))
        net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        optimizer = torch.optim.SGD(net.parameters(), lr=0.0)
        history = train(
            net,
            [(X, y)],
            [(X, y)],
            6,
            callbacks=[answer(2)],
            optimizer=optimizer,
            eval_name="valid",
            animate=False,
            progress=False,
            verbose=False,
        )
    if len(history) != 3:
        few = len(history) < 3
        raise CheckFailed(
            _(
                "a real dl.train run with lr=0 (the accuracy never improves "
                "after epoch 1), patience=2"
            ),
            received=len(history),
            detail=(
                _("training ran {count} epochs, which is too few")
                if few
                else _("training ran {count} epochs, which is too many")
            ).format(count=len(history)),
        )
