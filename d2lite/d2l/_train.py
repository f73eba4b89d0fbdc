"""d2l's training helpers of chapters 3 and 6, on d2lite's loop and metrics.

``train_ch6`` is ``dl.train_ch6`` with d2l's printed lines and return value;
``train_ch3`` and ``train_epoch_ch3`` follow d2l's softmax-regression loop
(any loss reduction, an optimizer or a hand-written updater).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

import d2lite as dl
from d2lite._checks import check_int, check_lr, check_net

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Updater = torch.optim.Optimizer | Callable[[int], object]


def _net_device(net: object) -> torch.device | None:
    """The device of a module's first parameter; None for a plain function."""
    if isinstance(net, nn.Module):
        for p in net.parameters():
            return p.device
    return None


def sgd(params: Sequence[torch.Tensor], lr: float, batch_size: int) -> None:
    """Minibatch SGD step in place: ``param -= lr * param.grad / batch_size``.

    The gradients are zeroed afterwards. ``batch_size`` turns the gradient of
    a summed loss (``l.sum().backward()``) into that of the batch mean.
    """
    lr = check_lr(lr)
    batch_size = check_int(
        "batch_size", batch_size, hint="e.g. sgd([W, b], lr, X.shape[0])"
    )
    with torch.no_grad():
        for i, param in enumerate(params):
            if param.grad is None:
                raise ValueError(
                    f"params[{i}] (shape {tuple(param.shape)}) has no gradient; "
                    "create it with requires_grad=True and call l.sum().backward()"
                    " before sgd"
                )
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def evaluate_accuracy(
    net: Callable[[torch.Tensor], torch.Tensor], data_iter: Batches
) -> float:
    """Return the accuracy of ``net`` on ``data_iter`` (d2l's chapter-3 helper).

    The batches go to the device of the net's parameters (CPU for a plain
    function, as in d2l's from-scratch models); a module is evaluated in
    eval mode and then put back in the mode it was in.
    """
    return dl.evaluate_accuracy_gpu(net, data_iter)


def _check_ch3_args(net: object, loss: object, updater: object) -> None:
    if not callable(net):
        raise TypeError(
            f"net must be a module or a function X -> y_hat, got {net!r}"
        )
    if not callable(loss):
        raise TypeError(
            f"loss must be callable (y_hat, y) -> loss, got {loss!r}; e.g. "
            "loss = nn.CrossEntropyLoss(reduction='none')"
        )
    if not isinstance(updater, torch.optim.Optimizer) and not callable(
        updater
    ):
        raise TypeError(
            f"updater must be a torch.optim.Optimizer or a function of the batch "
            f"size, got {updater!r}; e.g. torch.optim.SGD(net.parameters(), lr=0.1)"
        )


def train_epoch_ch3(
    net: Callable, train_iter: Batches, loss: Loss, updater: Updater
) -> tuple[float, float]:
    """Train one epoch; return ``(train_loss, train_acc)`` (d2l's chapter 3).

    Args:
        net: Maps X (B, ...) to y_hat (B, C); a module is put in train mode.
        train_iter: Batches ``(X, y)``, y of shape (B,).
        loss: Per-example (reduction="none", shape (B,)) or batch-mean loss.
        updater: A ``torch.optim.Optimizer`` (gets the mean loss's gradient)
            or a function ``updater(batch_size)`` such as d2l's ``sgd``
            (gets the summed loss's gradient, as in d2l).

    Returns:
        Mean loss per example and accuracy over the epoch.
    """
    _check_ch3_args(net, loss, updater)
    if isinstance(net, nn.Module):
        net.train()
    device = _net_device(net)
    metric = dl.Accumulator(3)  # loss sum, correct, examples
    for X, y in train_iter:
        if device is not None:
            X, y = X.to(device), y.to(device)
        y_hat = net(X)  # (B, C)
        l = loss(y_hat, y)
        if not isinstance(l, torch.Tensor):
            raise TypeError(
                f"loss must return a tensor, it returned {type(l).__name__}"
            )
        l_sum = l.sum() if l.dim() else l * y.numel()  # a mean times B
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            (l_sum / y.numel()).backward()
            updater.step()
        else:
            l_sum.backward()
            updater(X.shape[0])
        metric.add(
            float(l_sum.detach()), dl.accuracy(y_hat.detach(), y), y.numel()
        )
    if metric[2] == 0:
        raise ValueError(
            "train_iter yielded no examples; pass a non-empty iterable of (X, y)"
            " batches, e.g. from d2l.load_data_fashion_mnist(256)"
        )
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(
    net: Callable,
    train_iter: Batches,
    test_iter: Batches,
    loss: Loss,
    num_epochs: int,
    updater: Updater,
) -> None:
    """Train for ``num_epochs`` with a live plot (d2l's chapter 3); returns None.

    The plot (train loss, train acc, test acc per epoch) updates in Jupyter;
    a script draws it off screen. Unlike d2l's package, it does not assert on
    the final accuracy.
    """
    _check_ch3_args(net, loss, updater)
    num_epochs = check_int("num_epochs", num_epochs, hint="e.g. num_epochs=10")
    animator = dl.Animator(
        xlabel="epoch",
        xlim=[1, num_epochs] if num_epochs > 1 else None,
        ylim=[0.3, 0.9],
        legend=["train loss", "train acc", "test acc"],
    )
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        animator.add(epoch + 1, train_metrics + (test_acc,))


def predict_ch3(net: Callable, test_iter: Batches, n: int = 6) -> None:
    """Show the first ``n`` images of ``test_iter`` titled true / predicted label."""
    n = check_int("n", n, hint="e.g. n=6")
    try:
        X, y = next(iter(test_iter))  # (B, 1, H, W), (B,)
    except StopIteration:
        raise ValueError(
            "test_iter yielded no batch; pass e.g. test_iter"
        ) from None
    if n > len(X):
        raise ValueError(
            f"n={n} but the first batch holds {len(X)} images; pass n <= {len(X)}"
        )
    device = _net_device(net)
    was_training = isinstance(net, nn.Module) and net.training
    if isinstance(net, nn.Module):
        net.eval()
    try:
        with torch.no_grad():
            y_hat = net(X if device is None else X.to(device))  # (B, C)
    finally:
        if was_training:
            net.train()
    trues = dl.get_fashion_mnist_labels(y)
    preds = dl.get_fashion_mnist_labels(y_hat.argmax(dim=1))
    titles = [true + "\n" + pred for true, pred in zip(trues, preds)]
    dl.show_images(X[:n].reshape(n, *X.shape[-2:]), 1, n, titles=titles[:n])


def train_ch6(
    net: nn.Module,
    train_iter: Batches,
    test_iter: Batches,
    num_epochs: int,
    lr: float,
    device: torch.device | str | None = None,
) -> None:
    """Train with d2l's chapter-6 recipe and print d2l's lines; returns None.

    Xavier-uniform init of Conv2d/Linear weights, SGD(lr), cross-entropy,
    as ``dl.train_ch6`` (a live plot in Jupyter, a progress bar on stderr in
    a script). Prints ``training on <device>``, then the final loss and
    accuracies and the examples/sec. ``device`` defaults to ``try_gpu()``.
    """
    check_net(net, "e.g. net = nn.Sequential(...)")
    check_int("num_epochs", num_epochs, hint="e.g. num_epochs=10")
    lr = check_lr(lr)
    device = try_gpu() if device is None else torch.device(device)
    print("training on", device)
    dl.train_ch6(net, train_iter, test_iter, num_epochs, lr, device)


# ---------------------------------------------------------------- devices


def num_gpus() -> int:
    """Return the number of CUDA GPUs."""
    return torch.cuda.device_count()


def try_gpu(i: int = 0) -> torch.device:
    """Return GPU ``i`` if it exists, else the CPU (d2l's rule).

    Without CUDA, ``try_gpu()`` returns Apple's ``mps`` where it is available
    (as ``dl.try_gpu``); ``try_gpu(i)`` for a GPU that does not exist
    returns the CPU, as d2l's does.
    """
    i = check_int(
        "i", i, minimum=0, hint="i is the GPU index: try_gpu() for the first"
    )
    if i < num_gpus() or (i == 0 and num_gpus() == 0):
        return dl.try_gpu(i)
    return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Return every CUDA GPU, or ``[cpu]`` if there is none."""
    return [torch.device(f"cuda:{i}") for i in range(num_gpus())] or [
        torch.device("cpu")
    ]
