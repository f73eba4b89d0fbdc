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

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Updater = torch.optim.Optimizer | Callable[[int], object]
try_gpu = dl.try_gpu  # GPU i if it exists, else Apple's mps (i=0), else cpu


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
    with torch.no_grad():
        for i, param in enumerate(params):
            if param.grad is None:  # else: "unsupported operand NoneType"
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
    if isinstance(net, nn.Module):
        net.train()
    device = _net_device(net)
    metric = dl.Accumulator(3)  # loss sum, correct, examples
    for X, y in train_iter:
        if device is not None:
            X, y = X.to(device), y.to(device)
        y_hat = net(X)  # (B, C)
        l = loss(y_hat, y)
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
    X, y = next(iter(test_iter))  # (B, 1, H, W), (B,)
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
    device = try_gpu() if device is None else torch.device(device)
    print("training on", device)
    dl.train_ch6(net, train_iter, test_iter, num_epochs, lr, device)


# ---------------------------------------------------------------- devices


def num_gpus() -> int:
    """Return the number of CUDA GPUs."""
    return torch.cuda.device_count()


def try_all_gpus() -> list[torch.device]:
    """Return every CUDA GPU, or ``[cpu]`` if there is none."""
    return [torch.device(f"cuda:{i}") for i in range(num_gpus())] or [
        torch.device("cpu")
    ]
