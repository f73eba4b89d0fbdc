"""Hidden cases of the checked exercises of chapter 4, training.

The notebook ``notebooks/04_training.ipynb`` calls ``dl.check("train-ex<N>",
answer)``. Expected values are computed here: steps per epoch are counted
on real :class:`d2lite.data.TensorLoader` objects, accuracies from the
matrices themselves, and the flip check compares the answer with
``torch.flip`` image by image.
"""
from __future__ import annotations

from typing import Any, Callable

from d2lite.exercises.registry import Case, CheckFailed, exercise

#: (num_examples, batch_size, drop_last) for train-ex1; None: the default.
_TRAIN_EX1_CONFIGS = (
    (60_000, 256, None), (48_000, 256, None), (48_000, 256, True),
    (48_000, 256, False), (10_000, 1024, None), (12_000, 1024, True),
    (60_000, 100, None), (60_000, 100, True), (60_000, 128, None),
    (5, 10, None), (5, 10, True), (1, 1, None), (257, 256, True),
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


@exercise("train-ex1", alias="steps_per_epoch",
          title="Optimiser steps in one epoch, with and without drop_last")
def _train_ex1() -> list[Case]:
    cases = []
    for n, b, drop_last in _TRAIN_EX1_CONFIGS:
        kwargs = {} if drop_last is None else {"drop_last": drop_last}
        label = f"num_examples={n}, batch_size={b}" + (
            "" if drop_last is None else f", drop_last={drop_last}")
        cases.append(Case(args=(n, b), kwargs=kwargs,
                          expected=_steps(n, b, bool(drop_last)),
                          label=label))
    return cases


@exercise("train-ex2", alias="accuracy_from_confusion",
          title="Overall accuracy from a confusion matrix")
def _train_ex2() -> list[Case]:
    import torch

    matrices = [(label, torch.tensor(rows))
                for label, rows in _TRAIN_EX2_MATRICES]
    generator = torch.Generator().manual_seed(0)
    counts = torch.randint(0, 30, (10, 10), generator=generator)
    counts += torch.diag(torch.randint(500, 1000, (10,),
                                       generator=generator))
    matrices.append(("10 classes, random counts", counts))
    cases = []
    for label, cm in matrices:
        expected = cm.diag().sum().item() / cm.sum().item()  # float64
        cases.append(Case(args=(cm.clone(),), expected=expected,
                          label=f"{label}, cm of shape {tuple(cm.shape)}"))
    return cases


def _flip_fraction(answer: Callable[..., Any], X: Any, p: float | None,
                   label: str) -> float:
    """Call ``answer`` on X (B, C, H, W); return the share of flipped images.

    Raises CheckFailed if the output is not a same-shaped tensor whose every
    image is either the input image or its left-right mirror, or if X was
    modified.
    """
    import torch

    original = X.clone()
    out = answer(X) if p is None else answer(X, p)
    if not torch.equal(X, original):
        raise CheckFailed(label, "X left unchanged", "X modified in place",
                          detail="your function modified its input X; "
                          "return a new tensor (torch.where or X.flip(-1) "
                          "create one)")
    if not isinstance(out, torch.Tensor):
        raise CheckFailed(label, received=out, detail="your function "
                          f"returned a {type(out).__name__}, not a tensor")
    if out.shape != X.shape:
        raise CheckFailed(label, received=tuple(out.shape), detail="the "
                          f"output has shape {tuple(out.shape)}, the input "
                          f"{tuple(X.shape)}: a flip keeps the shape")
    same = (out == X).flatten(1).all(dim=1)  # (B,)
    mirrored = (out == X.flip(-1)).flatten(1).all(dim=1)  # (B,)
    bad = torch.nonzero(~(same | mirrored))
    if len(bad):
        i = int(bad[0, 0])
        hint = ""
        if (out[i] == X[i].flip(-2)).all() or (out[i] == X[i].flip(0)).all():
            hint = " (flipped along the wrong axis: left-right is the last)"
        raise CheckFailed(label, detail=f"image {i} of the output is "
                          f"neither image {i} of X nor its left-right mirror"
                          f"{hint}")
    return mirrored.float().mean().item()


@exercise("train-ex3", alias="random_hflip", kind="custom",
          title="A per-batch random horizontal flip")
def _train_ex3(answer: Any) -> int:
    import torch

    if not callable(answer):
        raise CheckFailed("the answer", received=answer, detail="the "
                          "answer must be a function random_hflip(X, p=0.5), "
                          f"not a {type(answer).__name__}")
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
                expected = (f"{low:.0%}" if low == high
                            else f"between {low:.0%} and {high:.0%}")
                raise CheckFailed(label, received=share, detail=f"{share:.1%}"
                                  " of the images were flipped; with this p "
                                  f"the share must be {expected}")
    return len(checks)
