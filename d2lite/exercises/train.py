"""Hidden cases of the checked exercises of chapter 4, training.

The chapter on training calls ``dl.check("train-ex<N>",
answer)``. Expected values are computed here: steps per epoch are counted
on real :class:`d2lite.data.TensorLoader` objects, accuracies from the
matrices themselves, and the flip check compares the answer with
``torch.flip`` image by image.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from d2lite.exercises._cases import short_repr
from d2lite.exercises.registry import Case, CheckFailed, exercise

#: (num_examples, batch_size, drop_last) for train-ex1; None: the default.
_TRAIN_EX1_CONFIGS = (
    (60_000, 256, None),
    (48_000, 256, None),
    (48_000, 256, True),
    (48_000, 256, False),
    (10_000, 1024, None),
    (12_000, 1024, True),
    (60_000, 100, None),
    (60_000, 100, True),
    (60_000, 128, None),
    (5, 10, None),
    (5, 10, True),
    (1, 1, None),
    (257, 256, True),
)

#: Hand-made confusion matrices for train-ex2 (rows true, columns predicted).
_TRAIN_EX2_MATRICES = (
    ("3 classes, all correct", [[5, 0, 0], [0, 7, 0], [0, 0, 2]]),
    ("2 classes", [[3, 1], [2, 4]]),
    ("2 classes, all wrong", [[0, 4], [6, 0]]),
    ("1 class", [[7]]),
    ("unbalanced rows", [[90, 10, 0], [5, 0, 5], [0, 0, 1]]),
)


def _steps(num_examples: int, batch_size: int, drop_last: bool) -> int:
    """Optimiser steps per epoch, as :class:`TensorLoader` batches them."""
    import torch

    from d2lite.data import TensorLoader

    full = num_examples // batch_size
    if drop_last and full == 0:
        return 0  # TensorLoader refuses a loader without batches
    X = torch.zeros(num_examples, 1, 1, dtype=torch.uint8)  # (N, 1, 1)
    y = torch.zeros(num_examples, dtype=torch.int64)  # (N,)
    return len(TensorLoader(X, y, batch_size, drop_last=drop_last))


@exercise(
    "train-ex1",
    alias="steps_per_epoch",
    title="Optimiser steps in one epoch, with and without drop_last",
)
def _train_ex1() -> list[Case]:
    cases = []
    for n, b, drop_last in _TRAIN_EX1_CONFIGS:
        kwargs = {} if drop_last is None else {"drop_last": drop_last}
        label = f"num_examples={n}, batch_size={b}" + (
            "" if drop_last is None else f", drop_last={drop_last}"
        )
        cases.append(
            Case(
                args=(n, b),
                kwargs=kwargs,
                expected=_steps(n, b, bool(drop_last)),
                label=label,
            )
        )
    return cases


@exercise(
    "train-ex2",
    alias="accuracy_from_confusion",
    title="Overall accuracy from a confusion matrix",
)
def _train_ex2() -> list[Case]:
    import torch

    matrices = [
        (label, torch.tensor(rows)) for label, rows in _TRAIN_EX2_MATRICES
    ]
    generator = torch.Generator().manual_seed(0)
    counts = torch.randint(0, 30, (10, 10), generator=generator)
    counts += torch.diag(torch.randint(500, 1000, (10,), generator=generator))
    matrices.append(("10 classes, random counts", counts))
    cases = []
    for label, cm in matrices:
        expected = cm.diag().sum().item() / cm.sum().item()  # float64
        cases.append(
            Case(
                args=(cm.clone(),),
                expected=expected,
                label=f"{label}, cm of shape {tuple(cm.shape)}",
            )
        )
    return cases


def _flip_fraction(
    answer: Callable[..., Any], X: Any, p: float | None, label: str
) -> float:
    """Call ``answer`` on X (B, C, H, W); return the share of flipped images.

    Raises CheckFailed if the output is not a same-shaped tensor whose every
    image is either the input image or its left-right mirror, or if X was
    modified.
    """
    import torch

    original = X.clone()
    out = answer(X) if p is None else answer(X, p)
    if not torch.equal(X, original):
        raise CheckFailed(
            label,
            "X left unchanged",
            "X modified in place",
            detail="your function modified its input X; "
            "return a new tensor (torch.where or X.flip(-1) "
            "create one)",
        )
    if not isinstance(out, torch.Tensor):
        raise CheckFailed(
            label,
            received=out,
            detail="your function "
            f"returned a {type(out).__name__}, not a tensor",
        )
    if out.shape != X.shape:
        raise CheckFailed(
            label,
            received=tuple(out.shape),
            detail="the "
            f"output has shape {tuple(out.shape)}, the input "
            f"{tuple(X.shape)}: a flip keeps the shape",
        )
    same = (out == X).flatten(1).all(dim=1)  # (B,)
    mirrored = (out == X.flip(-1)).flatten(1).all(dim=1)  # (B,)
    bad = torch.nonzero(~(same | mirrored))
    if len(bad):
        i = int(bad[0, 0])
        hint = ""
        if (out[i] == X[i].flip(-2)).all() or (out[i] == X[i].flip(0)).all():
            hint = " (flipped along the wrong axis: left-right is the last)"
        raise CheckFailed(
            label,
            detail=f"image {i} of the output is "
            f"neither image {i} of X nor its left-right mirror"
            f"{hint}",
        )
    return mirrored.float().mean().item()


@exercise(
    "train-ex3",
    alias="random_hflip",
    kind="custom",
    title="A per-batch random horizontal flip",
)
def _train_ex3(answer: Any) -> int:
    import torch

    if not callable(answer):
        raise CheckFailed(
            "the answer",
            received=answer,
            detail="the "
            "answer must be a function random_hflip(X, p=0.5), "
            f"not a {type(answer).__name__}",
        )
    with torch.random.fork_rng(devices=[]):  # keep the caller's RNG state
        torch.manual_seed(0)
        small = torch.rand(64, 3, 6, 9)  # (B, C, H, W), H != W
        many = torch.rand(2000, 1, 8, 8)  # enough images to count flips
        checks = [
            (small, 0.0, "p=0 flips nothing", (0.0, 0.0)),
            (small, 1.0, "p=1 flips every image left-right", (1.0, 1.0)),
            (many, None, "default p=0.5: about half flipped", (0.4, 0.6)),
            (many, 0.2, "p=0.2: about a fifth flipped", (0.14, 0.26)),
            (many[:1], 1.0, "a batch of one image, p=1", (1.0, 1.0)),
        ]
        for X, p, label, (low, high) in checks:
            share = _flip_fraction(answer, X, p, label)
            if not low <= share <= high:
                expected = (
                    f"{low:.0%}"
                    if low == high
                    else f"between {low:.0%} and {high:.0%}"
                )
                raise CheckFailed(
                    label,
                    received=share,
                    detail=f"{share:.1%}"
                    " of the images were flipped; with this p "
                    f"the share must be {expected}",
                )
    return len(checks)


# ------------------------------------------------------------- train-ex6
#: (label, net kind, optimizer, batch sizes) of the hidden epochs.
_TRAIN_EX6_CASES = (
    (
        "a net with dropout, SGD with momentum, batches of 8, 8, 8 and 3",
        "dropout",
        "sgd",
        (8, 8, 8, 3),
    ),
    (
        "a net without dropout, Adam, batches of 5 and 2",
        "plain",
        "adam",
        (5, 2),
    ),
)


def _ex6_setup(kind: str, opt: str, sizes: tuple[int, ...]) -> tuple:
    """A fresh (net, batches, loss_fn, optimizer), the same for each seed.

    The net starts in eval mode, as after an evaluation.
    """
    import torch
    from torch import nn

    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(12, 16), nn.ReLU()]
    if kind == "dropout":
        layers.append(nn.Dropout(0.5))
    net = nn.Sequential(*layers, nn.Linear(16, 3)).eval()
    batches = []
    for size in sizes:
        X = torch.randn(size, 1, 3, 4)  # (B, 1, 3, 4)
        batches.append((X, X.flatten(1)[:, :3].argmax(dim=1)))  # y: (B,)
    if opt == "sgd":
        optimizer = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    return net, batches, nn.CrossEntropyLoss(), optimizer


def _ex6_reference(
    net: Any,
    batches: list,
    loss_fn: Any,
    optimizer: Any,
    *,
    train_mode: bool = True,
    zero_grad: bool = True,
    step: bool = True,
) -> dict:
    """The chapter's epoch; also the sums a common mistake returns instead."""
    if train_mode:
        net.train()
    sums, means, correct, n = 0.0, [], 0, 0
    for X, y in batches:
        y_hat = net(X)
        l = loss_fn(y_hat, y)
        if zero_grad:
            optimizer.zero_grad()
        l.backward()
        if step:
            optimizer.step()
        sums += l.item() * len(y)
        means.append(l.item())
        correct += (y_hat.argmax(dim=1) == y).sum().item()
        n += len(y)
    return {
        "right": (sums / n, correct / n),
        "loss summed over the examples, not averaged": (sums, None),
        "sum of the batch losses, not their mean": (sum(means), None),
        "mean of the batch losses, not weighted by batch size": (
            sum(means) / len(means),
            None,
        ),
        "number of correct predictions, not the accuracy": (None, correct),
    }


def _ex6_run(fn: Callable[..., Any], case: tuple, **variant: bool) -> tuple:
    """Run ``fn`` (or the reference) on a fresh setup; return result, net."""
    import torch

    _, kind, opt, sizes = case
    net, batches, loss_fn, optimizer = _ex6_setup(kind, opt, sizes)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)  # dropout draws the same masks in every run
        if fn is _ex6_reference:
            result = fn(net, batches, loss_fn, optimizer, **variant)
        else:
            result = fn(net, batches, loss_fn, optimizer)
    return result, net


def _ex6_numbers(label: str, result: Any) -> tuple[float, float]:
    """The (mean loss, accuracy) pair the answer returned, as floats."""
    import torch

    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(
            label,
            received=result,
            detail="train_epoch must "
            "return two numbers, (mean loss, accuracy), e.g. "
            "`return loss_sum / n, correct / n`; it returned "
            f"{type(result).__name__} {short_repr(result)}",
        )
    numbers = []
    for name, value in zip(("mean loss", "accuracy"), result):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CheckFailed(
                label,
                received=value,
                detail=f"the {name} "
                "must be a Python number (use .item() on a "
                f"one-element tensor), got {type(value).__name__}",
            )
        numbers.append(float(value))
    return numbers[0], numbers[1]


def _close(a: float | None, b: float | None) -> bool:
    """a and b agree to rounding; False when either is missing."""
    if a is None or b is None:
        return False
    return abs(a - b) <= 1e-5 * max(1.0, abs(b))


def _ex6_diagnose(
    answer: Callable[..., Any], case: tuple, loss: float, acc: float
) -> str:
    """Say which common mistake the answer's numbers match."""
    variants = {
        "the network is not switched to training mode: call net.train() "
        "first (it arrives in evaluation mode, and dropout then does "
        "nothing)": {"train_mode": False},
        "the gradients are not zeroed before each backward(): call "
        "optimizer.zero_grad() once per batch, or the gradients of earlier "
        "batches add up": {"zero_grad": False},
        "the parameters are not updated: call optimizer.step() after "
        "backward(), once per batch": {"step": False},
    }
    for message, variant in variants.items():
        ref, _ = _ex6_run(_ex6_reference, case, **variant)
        if _close(loss, ref["right"][0]) and _close(acc, ref["right"][1]):
            return message
    ref, _ = _ex6_run(_ex6_reference, case)
    right_loss, right_acc = ref["right"]
    for message, (wrong_loss, wrong_acc) in ref.items():
        if message != "right" and (
            _close(loss, wrong_loss) or _close(acc, wrong_acc)
        ):
            return f"the returned value is the {message}"
    wrong = [
        name
        for name, got, want in (
            ("mean loss", loss, right_loss),
            ("accuracy", acc, right_acc),
        )
        if not _close(got, want)
    ]
    verb = "differ" if len(wrong) > 1 else "differs"
    return (
        f"the {' and the '.join(wrong)} {verb} from the reference "
        "epoch on the same batches; use the loss of each batch times "
        "its size, summed and divided by the number of examples, and "
        "correct predictions divided by the number of examples"
    )


@exercise("train-ex6", kind="custom", title="An epoch of training, by hand")
def _train_ex6(answer: Any) -> int:
    import torch

    if not callable(answer):
        raise CheckFailed(
            "the answer",
            received=answer,
            detail="the answer "
            "must be a function train_epoch(net, train_iter, "
            f"loss_fn, optimizer), not a {type(answer).__name__}",
        )
    for case in _TRAIN_EX6_CASES:
        label = case[0]
        try:
            result, net = _ex6_run(answer, case)
        except (NotImplementedError, CheckFailed):
            raise
        except Exception as err:
            raise CheckFailed(
                label,
                detail=f"your function raised {type(err).__name__}: {err}",
            ) from err
        loss, acc = _ex6_numbers(label, result)
        ref, ref_net = _ex6_run(_ex6_reference, case)
        if not (
            _close(loss, ref["right"][0]) and _close(acc, ref["right"][1])
        ):
            raise CheckFailed(
                label,
                received=(loss, acc),
                detail=f"returned ({loss:.4f}, {acc:.4f}): "
                + _ex6_diagnose(answer, case, loss, acc),
            )
        for (name, p), q in zip(net.named_parameters(), ref_net.parameters()):
            if not torch.allclose(p, q, rtol=1e-4, atol=1e-6):
                raise CheckFailed(
                    label,
                    detail="the numbers are right, but "
                    f"parameter {name} after the epoch is not "
                    "what one optimizer.step() per batch gives",
                )
    return len(_TRAIN_EX6_CASES)


# ------------------------------------------------------------- train-ex7
#: (patience, validation accuracies epoch by epoch) of the hidden runs.
_TRAIN_EX7_CASES = (
    (2, (0.50, 0.60, 0.70, 0.80, 0.85)),
    (2, (0.50, 0.60, 0.60, 0.55, 0.70, 0.72)),
    (1, (0.50, 0.40, 0.90)),
    (3, (0.30, 0.50, 0.45, 0.48, 0.50, 0.40, 0.60)),
    (1, (0.70,)),
)


def _ex7_stop_epoch(patience: int, accs: tuple[float, ...]) -> int | None:
    """The epoch after which training stops, or None if it never does."""
    best, best_epoch = -1.0, 0
    for epoch, acc in enumerate(accs, start=1):
        if acc > best:
            best, best_epoch = acc, epoch
        elif epoch - best_epoch >= patience:
            return epoch
    return None


def _ex7_replay(callback: Any, accs: tuple[float, ...]) -> int | None:
    """Call the callback's hooks as dl.train would; return the stop epoch."""
    import torch
    from torch import nn

    from d2lite.train import TrainState

    state = TrainState(
        nn.Identity(),
        None,
        None,  # type: ignore[arg-type]
        torch.device("cpu"),
        len(accs),
        1,
        eval_name="valid",
    )
    for hook in ("on_train_begin",):
        if hasattr(callback, hook):
            getattr(callback, hook)(state)
    for epoch, acc in enumerate(accs, start=1):
        state.epoch = epoch
        if hasattr(callback, "on_epoch_begin"):
            callback.on_epoch_begin(state)
        state.metrics = {
            "train_loss": 1.0,
            "train_acc": 0.5,
            "valid_loss": 1.0,
            "valid_acc": acc,
        }
        state.history.append(dict(state.metrics))
        callback.on_epoch_end(state)
        if state.stop_training:
            return epoch
    return None


def _ex7_case(
    answer: Any, patience: int, accs: tuple, label: str, callback: Any = None
) -> Any:
    """Replay one run; raise CheckFailed saying too early/late/never."""
    try:
        callback = answer(patience) if callback is None else callback
        got = _ex7_replay(callback, accs)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as err:
        raise CheckFailed(
            label, detail=f"your callback raised {type(err).__name__}: {err}"
        ) from err
    want = _ex7_stop_epoch(patience, accs)
    if got != want:
        if got is None:
            what = "training was never stopped"
        elif want is None:
            what = (
                f"it stopped after epoch {got}, although the accuracy "
                "never went that long without improving"
            )
        else:
            what = (
                f"it stopped after epoch {got}, which is too "
                f"{'early' if got < want else 'late'}"
            )
        raise CheckFailed(
            label,
            received=got,
            detail=what + "; stop when "
            "the accuracy has not exceeded its best value for "
            "`patience` epochs in a row (equal is not better)",
        )
    return callback


@exercise("train-ex7", kind="custom", title="An early-stopping callback")
def _train_ex7(answer: Any) -> int:
    import torch
    from torch import nn

    if not isinstance(answer, type):
        raise CheckFailed(
            "the answer",
            received=answer,
            detail="the answer "
            "must be the class EarlyStopping itself (not an "
            f"object of it), got a {type(answer).__name__}",
        )
    for patience, accs in _TRAIN_EX7_CASES:
        label = (
            f"patience={patience}, valid acc by epoch "
            f"{', '.join(f'{a:.2f}' for a in accs)}"
        )
        _ex7_case(answer, patience, accs, label)
    patience, accs = _TRAIN_EX7_CASES[1]
    used = _ex7_case(answer, patience, _TRAIN_EX7_CASES[0][1], "a first run")
    _ex7_case(
        answer,
        patience,
        accs,
        "the same object used for a second "
        "training (reset what it keeps in on_train_begin)",
        used,
    )
    # one real run: lr=0 never improves, so patience=2 stops after epoch 3
    from d2lite.train import train

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        X, y = torch.rand(40, 1, 2, 2), torch.randint(0, 2, (40,))
        net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        history = train(
            net,
            [(X, y)],
            [(X, y)],
            6,
            callbacks=[answer(2)],
            optimizer=torch.optim.SGD(net.parameters(), lr=0.0),
            eval_name="valid",
            animate=False,
            progress=False,
            verbose=False,
        )
    if len(history) != 3:
        raise CheckFailed(
            "a real dl.train run with lr=0 (the accuracy "
            "never improves after epoch 1), patience=2",
            received=len(history),
            detail=f"training ran "
            f"{len(history)} epochs, which is too "
            f"{'few' if len(history) < 3 else 'many'}",
        )
    return len(_TRAIN_EX7_CASES) + 2
