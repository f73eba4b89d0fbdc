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
from d2lite.exercises.registry import Case, CheckFailed, exercise, short_repr
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


def _reference(net, batches, loss_fn, optimizer, skip: str = "") -> dict:
    """The chapter's epoch (under "right"), without ``skip`` (train,
    zero_grad or step); the numbers of common mistakes."""
    if skip != "train":
        net.train()
    sums, means, correct, n = 0.0, [], 0, 0
    for X, y in batches:
        y_hat = net(X)
        l = loss_fn(y_hat, y)
        if skip != "zero_grad":
            optimizer.zero_grad()
        l.backward()
        if skip != "step":
            optimizer.step()
        sums += l.item() * len(y)
        means.append(l.item())
        correct += (y_hat.argmax(dim=1) == y).sum().item()
        n += len(y)
    return {
        "right": (sums / n, correct / n),
        N_("loss summed over the examples, not averaged"): (sums, None),
        N_("sum of the batch losses, not their mean"): (sum(means), None),
        N_("mean of the batch losses, not weighted by batch size"): (
            sum(means) / len(means),
            None,
        ),
        N_("number of correct predictions, not the accuracy"): (
            None,
            correct,
        ),
    }


def _epoch(fn: Callable, case: tuple, *skip: str) -> tuple:
    """Run ``fn`` on a fresh, seeded setup; return its result and the net.

    The net arrives in eval mode, as after an evaluation.
    """
    _label, dropout, opt, sizes = case
    torch.manual_seed(0)
    layers = [nn.Flatten(), nn.Linear(12, 16), nn.ReLU()]
    net = nn.Sequential(
        *layers, *[nn.Dropout(0.5)] * dropout, nn.Linear(16, 3)
    ).eval()
    X = [torch.randn(size, 1, 3, 4) for size in sizes]  # (B, 1, 3, 4)
    batches = [(x, x.flatten(1)[:, :3].argmax(dim=1)) for x in X]  # y: (B,)
    if opt == "sgd":
        optimizer = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)  # dropout draws the same masks in every run
        return fn(net, batches, nn.CrossEntropyLoss(), optimizer, *skip), net


def _numbers(label: str, result: Any) -> tuple[float, float]:
    """The (mean loss, accuracy) pair the answer returned, as floats."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(
            label,
            received=result,
            detail=_(
                "train_epoch must return two numbers, (mean loss, "
                "accuracy), e.g. `return loss_sum / n, correct / n`; it "
                "returned {type} {value}"
            ).format(type=type(result).__name__, value=short_repr(result)),
        )
    numbers = []
    not_a_number = (
        N_(
            "the mean loss must be a Python number (use .item() on a "
            "one-element tensor), got {type}"
        ),
        N_(
            "the accuracy must be a Python number (use .item() on a "
            "one-element tensor), got {type}"
        ),
    )
    for message, value in zip(not_a_number, result):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CheckFailed(
                label,
                received=value,
                detail=_(message).format(type=type(value).__name__),
            )
        numbers.append(float(value))
    return numbers[0], numbers[1]


def _close(a: float | None, b: float | None) -> bool:
    """a and b agree to rounding; False when either is missing."""
    return (
        a is not None
        and b is not None
        and abs(a - b) <= 1e-5 * max(1.0, abs(b))
    )


#: train-ex6: what a mistake that the reference can replay tells.
_EX6_MISTAKES = (
    (N_("the network is not switched to training mode: call net.train() "
        "first (it arrives in evaluation mode, and dropout then does "
        "nothing)"), "train"),
    (N_("the gradients are not zeroed before each backward(): call "
        "optimizer.zero_grad() once per batch, or the gradients of earlier "
        "batches add up"), "zero_grad"),
    (N_("the parameters are not updated: call optimizer.step() after "
        "backward(), once per batch"), "step"),
)  # fmt: skip
#: train-ex6: which of the two numbers differ from the reference's.
_EX6_DIFFER = {
    ("mean loss",): N_("the mean loss differs"),
    ("accuracy",): N_("the accuracy differs"),
    ("mean loss", "accuracy"): N_("the mean loss and the accuracy differ"),
}


def _diagnose(case: tuple, loss: float, acc: float, ref: dict) -> str:
    """Say which common mistake the answer's numbers match."""
    for message, skip in _EX6_MISTAKES:
        wrong, _net = _epoch(_reference, case, skip)
        if _close(loss, wrong["right"][0]) and _close(acc, wrong["right"][1]):
            return _(message)
    for message, (wrong_loss, wrong_acc) in list(ref.items())[1:]:
        if _close(loss, wrong_loss) or _close(acc, wrong_acc):
            return _("the returned value is the {what}").format(
                what=_(message)
            )
    pairs = (("mean loss", loss), ("accuracy", acc))
    wrong = tuple(
        name
        for (name, got), want in zip(pairs, ref["right"])
        if not _close(got, want)
    )
    return _(
        "{what} from the reference epoch on the same batches; use the loss "
        "of each batch times its size, summed and divided by the number of "
        "examples, and correct predictions divided by the number of "
        "examples"
    ).format(what=_(_EX6_DIFFER[wrong]))


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
            result, net = _epoch(answer, case)
        except (NotImplementedError, CheckFailed):
            raise
        except Exception as err:
            raise CheckFailed(
                label,
                detail=_("your function raised {error}").format(
                    error=f"{type(err).__name__}: {err}"
                ),
            ) from err
        loss, acc = _numbers(label, result)
        ref, ref_net = _epoch(_reference, case)
        if not (
            _close(loss, ref["right"][0]) and _close(acc, ref["right"][1])
        ):
            raise CheckFailed(
                label,
                received=(loss, acc),
                detail=_(
                    "returned ({loss:.4f}, {acc:.4f}): {diagnosis}"
                ).format(
                    loss=loss,
                    acc=acc,
                    diagnosis=_diagnose(case, loss, acc, ref),
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
    # one real run: lr=0 never improves, so patience=2 stops after epoch 3
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
    return len(TRAIN_EX7) + 2
