"""Output sizes (PyTorch's arithmetic), parameter tables with formulas and
shape traces of CNNs, with the fix when a layer refuses its input."""

from __future__ import annotations

import bisect
import copy
import functools
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from d2lite._checks import check_module

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_CONV = nn.modules.conv._ConvNd
_BATCH_NORMS = nn.modules.batchnorm._NormBase
_NORMS = (_BATCH_NORMS, nn.GroupNorm, nn.LayerNorm)
_CATCH = (RuntimeError, ValueError, IndexError)


def _output_size(*sizes: int, pool: bool = False, ceil_mode=False) -> int:
    """PyTorch's output size along one axis for (n, kernel_size, padding,
    stride, dilation), of a convolution or (``pool``) a pooling; an error
    where PyTorch would refuse the layer or the input."""
    n, kernel_size, padding, stride, dilation = sizes
    if pool and padding > kernel_size // 2:  # the formula would not say
        raise ValueError(
            f"padding={padding} is more than half of kernel_size="
            f"{kernel_size}, which PyTorch's pooling refuses; use padding <= "
            f"{kernel_size // 2} or a larger kernel_size"
        )
    span = dilation * (kernel_size - 1) + 1
    out = (n + 2 * padding - span + (stride - 1) * ceil_mode) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1  # the last window would start in the right padding
    if out >= 1:
        return out
    fix = (
        f", so the output would have size {out}; allowed: a window that "
        f"fits; use a smaller kernel_size or a larger n"
        if pool
        else "; allowed: a (dilated) kernel no larger than the padded input; "
        "use a smaller kernel_size or dilation, more padding, or a larger n"
    )
    raise ValueError(
        f"kernel_size={kernel_size} with dilation={dilation} spans {span} "
        f"pixels, more than the padded input n + 2*padding = {n} + "
        f"2*{padding} = {n + 2 * padding}{fix}"
    )


def conv_output_size(
    n: int,
    kernel_size: int,
    padding: int = 0,
    stride: int = 1,
    dilation: int = 1,
) -> int:
    """``nn.Conv2d``'s output size along one axis of input size ``n``:
    ``(n + 2*padding - dilation*(kernel_size - 1) - 1) // stride + 1``."""
    return _output_size(n, kernel_size, padding, stride, dilation)


def pool_output_size(
    n: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    dilation: int = 1,
) -> int:
    """``nn.MaxPool2d``/``nn.AvgPool2d``'s output size along one axis;
    ``stride=None`` means ``kernel_size``, ``ceil_mode`` rounds up."""
    stride = kernel_size if stride is None else stride
    sizes = n, kernel_size, padding, stride, dilation
    return _output_size(*sizes, pool=True, ceil_mode=bool(ceil_mode))


def _plain(shape: Sequence[int], spec: str = "") -> str:
    """``(6, 1, 5, 5)`` -> ``'6x1x5x5'`` (``spec=','``: ``'1,024x...'``)."""
    return "x".join(f"{d:{spec}}" for d in shape) if len(shape) else "1"


def _formula(module: nn.Module | None, params: list[tuple]) -> str:
    """``'(5x5x1+1)x6 = 156'``, ``'2x6 = 12'`` (norms) or a sum of shapes."""
    names, total = {n for n, _ in params}, sum(p.numel() for _, p in params)
    text, count = None, None
    weight = dict(params).get("weight")
    if isinstance(module, _NORMS) and names == {"weight", "bias"}:
        if weight.dim() == 1:  # (C,): a scale and a shift per channel
            text, count = f"2x{weight.numel():,}", 2 * weight.numel()
    elif isinstance(module, (nn.Linear, _CONV)) and "weight" in names:
        if isinstance(module, nn.Linear):
            fan_in, out = module.in_features, module.out_features
            text = f"{fan_in:,}"
        else:
            groups, out = module.groups, module.out_channels
            cin = f"{module.in_channels:,}"
            cin = cin if groups == 1 else f"({cin}/{groups})"
            text = f"{_plain(module.kernel_size, ',')}x{cin}"
            fan_in = math.prod(module.kernel_size) * module.in_channels
            fan_in //= groups
        bias = "bias" in names
        text = f"({text}+1)x{out:,}" if bias else f"{text}x{out:,}"
        count = (fan_in + bias) * out if names <= {"weight", "bias"} else -1
    if count != total:
        text = " + ".join(_plain(p.shape, ",") for _, p in params)
    return f"{text} = {total:,}"


def _row(layer: str, module: nn.Module, seen: dict[int, str]) -> tuple:
    """One table row; parameters already in ``seen`` are counted there."""
    new, shared = [], []
    for pname, param in module.named_parameters(recurse=False):
        if id(param) in seen:
            shared.append(f"{pname} shared with '{seen[id(param)]}'")
        else:
            seen[id(param)] = f"{layer}.{pname}"
            new.append((pname, param))
    formula = _formula(None if shared else module, new) if new else "0"
    if shared:
        formula += f" ({'; '.join(shared)}: counted there)"
    weight = module._parameters.get("weight")
    shape = "-" if weight is None else _plain(weight.shape)
    params = sum(p.numel() for _, p in new)
    return layer, type(module).__name__, shape, params, formula


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    """``rows`` under the space-separated ``columns``; params as int64."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns.split())
    df["params"] = df["params"].astype("int64")
    return df


def param_table(model: nn.Module) -> pd.DataFrame:
    """Columns layer, type, weight_shape, params, formula: a row per module
    owning parameters (shared ones count once), a "total" row and
    ``attrs["total"]``."""
    check_module("model", model)
    seen: dict[int, str] = {}
    rows = [
        _row(name or "(root)", module, seen)
        for name, module in model.named_modules()
        if next(module.named_parameters(recurse=False), None) is not None
    ]
    counts = [row[3] for row in rows]
    total = sum(counts)
    if not counts:
        formula = "no parameters = 0"
    elif len(counts) == 1:
        formula = f"{total:,}"
    elif len(counts) <= 8:
        formula = " + ".join(f"{c:,}" for c in counts) + f" = {total:,}"
    else:
        formula = f"sum over {len(counts)} layers = {total:,}"
    rows.append(("total", "", "", total, formula))
    df = _frame(rows, "layer type weight_shape params formula")
    df.attrs["total"] = int(total)
    return df


class ShapeMismatchError(RuntimeError):
    """A layer refused its input; ``trace`` (the partial trace), ``layer``
    (its name) and ``input_shape`` (what it got) say where."""

    trace: pd.DataFrame
    layer: str
    input_shape: Any


def _shape_of(obj: Any) -> Any:
    """Tensor -> shape tuple; tuples/lists of tensors -> tuple of those."""
    if isinstance(obj, torch.Tensor):
        return tuple(obj.shape)
    if isinstance(obj, (tuple, list)):
        return tuple(_shape_of(o) for o in obj)
    return type(obj).__name__


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(d, int) for d in value)


def _leaves(seq: nn.Sequential, prefix: str = "") -> Iterator[tuple]:
    """(name, layer) of a Sequential, entering nested Sequentials."""
    for name, child in seq.named_children():
        if isinstance(child, nn.Sequential):
            yield from _leaves(child, prefix=f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child


# A step is (name, module, input shape, output shape); a failure is
# (name, module, input shape or None, the error).


def _run_sequential(model: nn.Sequential, X: torch.Tensor, steps: list):
    for name, layer in _leaves(model):
        try:
            Y = layer(X)
        except _CATCH as err:
            return name, layer, tuple(X.shape), err
        steps.append((name, layer, _shape_of(X), _shape_of(Y)))
        X = Y
    return None


def _run_hooked(model: nn.Module, X: torch.Tensor, steps: list):
    """Run ``model(X)`` with hooks on its leaf modules."""
    running, handles = [], []  # the leaf being run: (name, module, input)

    def pre(name: str, module: nn.Module, args: tuple) -> None:
        running.append((name, module, args[0] if args else None))

    def post(name: str, module: nn.Module, args: tuple, Y: Any) -> None:
        x_in = _shape_of(running.pop()[2])
        steps.append((name, module, x_in, _shape_of(Y)))

    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            name = name or type(module).__name__
            handles += [
                module.register_forward_pre_hook(functools.partial(pre, name)),
                module.register_forward_hook(functools.partial(post, name)),
            ]
    try:
        model(X)
    except _CATCH as err:
        if running:
            name, module, x_in = running[-1]
            return name, module, _shape_of(x_in), err
        return f"{type(model).__name__}.forward", model, None, err
    finally:
        for handle in handles:
            handle.remove()
    return None


def shape_trace(model: nn.Module, input_shape: Sequence[int]) -> pd.DataFrame:
    """Columns layer, type, output_shape, params after every leaf layer (a
    Sequential's, else hooked) in eval mode for a random (B, C, H, W)-like
    input; (C, H, W) gets batch 1. Raises :class:`ShapeMismatchError`."""
    check_module("model", model)
    shape = tuple(input_shape)
    shape = (1, *shape) if len(shape) == 3 else shape  # (C, H, W): batch 1
    first = next(model.parameters(), torch.zeros(0, dtype=torch.float32))
    dtype = first.dtype if first.is_floating_point() else torch.float32
    generator = torch.Generator().manual_seed(0)
    # X: (B, C, H, W)-like, on the model's device and in its float dtype
    X = torch.randn(shape, generator=generator, dtype=dtype).to(first.device)
    modes = [(m, m.training) for m in model.modules()]
    steps: list = []
    try:
        model.eval()
        with torch.no_grad():
            run = _run_sequential
            run = run if isinstance(model, nn.Sequential) else _run_hooked
            failure = run(model, X, steps)
            rows = [
                (n, type(m).__name__, out, _numel(m)) for n, m, _, out in steps
            ]
            trace = _frame(rows, "layer type output_shape params")
            trace.attrs["input_shape"] = shape
            if failure is not None:  # diagnosed in eval mode too
                raise _mismatch(failure, steps, trace, X) from failure[3]
    finally:
        for module, training in modes:
            module.training = training
    return trace


def _numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _expectation(module: nn.Module, got: Any, previous: str | None):
    """('what it got vs expects', 'generic fix'), or ('', '')."""
    if isinstance(module, nn.Linear) and got:
        fan_in, expected = got[-1], module.in_features
        if len(got) > 2 and math.prod(got[1:]) == expected:
            return (
                f"it expects in_features={expected} on the last axis, but "
                f"the {_plain(got[1:])} input is not flattened (got "
                f"{fan_in} features, expected {expected})",
                "add nn.Flatten() before it",
            )
        if fan_in != expected:
            return (
                f"it expects in_features={expected}: got {fan_in} "
                f"features, expected {expected}",
                f"build it with in_features={fan_in}, or change the layers "
                f"before it so that they produce {expected} features",
            )
    conv = isinstance(module, _CONV)
    if len(got) < 2 or not (conv or isinstance(module, _BATCH_NORMS)):
        return "", ""
    attr = "in_channels" if conv else "num_features"
    expected, channels = getattr(module, attr), got[1]
    if channels != expected:
        source = (
            f"give the images {expected} channel(s)"
            if previous is None
            else f"make '{previous}' output {expected} channels"
        )
        return (
            f"it expects {attr}={expected}: got {channels} channels, "
            f"expected {expected}",
            f"build it with {attr}={channels}, or {source}",
        )
    if not conv:
        return "", ""
    spans = [
        d * (k - 1) + 1 for d, k in zip(module.dilation, module.kernel_size)
    ]
    return (
        f"its {_plain(spans)} (dilated) kernel does not fit into the "
        f"{_plain(got[2:])} (padded by {module.padding}) feature map",
        "use a larger input, more padding or fewer pooling layers before it",
    )


def _replay(modules: list, X: torch.Tensor, padding: int | None = None):
    """Output shape of ``modules`` run in turn on the meta tensor ``X``,
    or None; ``padding`` replaces the first ``nn.Conv2d``'s padding."""
    try:
        for module in modules:
            if padding is not None and isinstance(module, nn.Conv2d):
                module = copy.copy(module)  # the caller's layer is unchanged
                module.padding, padding = (padding, padding), None
            tensors = dict(module.named_parameters())
            tensors.update(module.named_buffers())
            meta = {name: t.to("meta") for name, t in tensors.items()}
            X = torch.func.functional_call(module, meta, (X,))
    except (*_CATCH, TypeError):
        return None
    return tuple(X.shape) if isinstance(X, torch.Tensor) else None


def _flatten_fix(steps: list, module: nn.Module, got: Any, X: Any) -> str:
    """``'16x5x5 = 400 needs a 32x32 input or padding=2 on ...'`` or ``''``:
    the layers before a Linear fed a flattened map of the wrong size are
    replayed for other input sizes and first-convolution paddings."""
    maps = [
        i for i, s in enumerate(steps) if _is_shape(s[3]) and len(s[3]) == 4
    ]
    if not (isinstance(module, nn.Linear) and X.dim() == 4 and got and maps):
        return ""
    out = steps[maps[-1]][3]  # (B, C, H, W) that was flattened
    modules = [step[1] for step in steps[: maps[-1] + 1]]
    side = math.isqrt(module.in_features // out[1])
    X = torch.empty(X.shape, dtype=X.dtype, device="meta")
    if (
        math.prod(out[1:]) != got[-1]
        or side**2 * out[1] != module.in_features  # no square map fits
        or _replay(modules, X) != out  # the layers are not a chain
    ):
        return ""

    def side_for(n: int, dim: int) -> int:  # output side for input side n
        shape = [*X.shape[:dim], n, *X.shape[dim + 1 :]]
        return (_replay(modules, X.new_empty(shape)) or [-1] * 4)[dim]

    sizes = []
    for dim in (2, 3):  # the smallest input side that gives `side`
        key = functools.partial(side_for, dim=dim)
        sides = range(1, 4 * X.shape[dim] + 64)
        n = 1 + bisect.bisect_left(sides, side, key=key)
        sizes.append(str(n) if key(n) == side else None)
    options = [f"a {'x'.join(sizes)} input"] if None not in sizes else []
    convs = [i for i, m in enumerate(modules) if isinstance(m, nn.Conv2d)]
    conv = modules[convs[0]] if convs else None
    if conv is not None and not isinstance(conv.padding, str):
        span = max(conv.dilation) * (max(conv.kernel_size) - 1) + 1
        pads = [
            p
            for p in range(span + 1)
            if (_replay(modules, X, p) or ())[2:] == (side, side)
            and p != conv.padding[0]
        ]
        where = f"on the first convolution ('{steps[convs[0]][0]}')"
        options += [f"padding={pads[0]} {where}"] if pads else []
    if not options:
        return ""
    target = f"{out[1]}x{side}x{side} = {module.in_features:,}"
    return f"{target} needs {' or '.join(options)}"


def _mismatch(failure: tuple, steps: list, trace: Any, X: torch.Tensor):
    name, module, got, err = failure
    kind = type(module).__name__
    previous = steps[-1][0] if steps else None
    fix = expects = ""
    if _is_shape(got):
        expects, fix = _expectation(module, got, previous)
        fix = "; ".join(
            f for f in (_flatten_fix(steps, module, got, X), fix) if f
        )
    table = trace.to_string(index=False) if len(trace) else "(no layer ran)"
    pytorch = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if got is None:  # failed in the model's own forward code
        where = (
            f"after '{previous}' (output {steps[-1][3]})"
            if previous
            else "before any layer ran"
        )
        failing = (
            f"-> {kind}.forward failed outside its layers, {where}; "
            f"check the reshaping code there."
        )
    else:
        failing = f"-> '{name}' ({kind}) got input of shape {got}" + (
            f"; {expects}." if expects else "."
        )
    lines = [
        f"shape_trace: layer '{name}' ({kind}) failed for an input of "
        f"shape {tuple(X.shape)}.",
        "Trace up to the failing layer:",
        table,
        failing,
        *([f"Fix: {fix}."] if fix else []),
        f"PyTorch said: {type(err).__name__}: {pytorch}",
    ]
    error = ShapeMismatchError("\n".join(lines))
    error.trace, error.layer, error.input_shape = trace, name, got
    return error
