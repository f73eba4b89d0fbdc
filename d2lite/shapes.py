"""Shape arithmetic, parameter tables and shape traces for CNNs.

* :func:`conv_output_size` and :func:`pool_output_size` are PyTorch's own
  output-size arithmetic (``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.AvgPool2d``),
  raising ``ValueError`` exactly where PyTorch refuses a configuration.
* :func:`param_table` lists where a model's parameters live, with the formula
  behind every count (``(5x5x1+1)x6 = 156``).
* :func:`shape_trace` runs a dummy input through a model and tabulates the
  output shape after every layer; when a layer refuses its input it raises
  :class:`ShapeMismatchError` with the trace so far and the fix.
"""

from __future__ import annotations

import bisect
import copy
import functools
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from d2lite._checks import check_int, is_int

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ShapeMismatchError",
    "conv_output_size",
    "param_table",
    "pool_output_size",
    "shape_trace",
]


# ---------------------------------------------------------------------------
# Output-size arithmetic
# ---------------------------------------------------------------------------


def _sizes(**values: Any) -> tuple[int, ...]:
    """The size arguments as ints (padding >= 0, the others >= 1), and
    the span of the dilated kernel, ``dilation * (kernel_size - 1) + 1``."""
    ints = {
        name: check_int(name, value, minimum=int(name != "padding"))
        for name, value in values.items()
    }
    span = ints["dilation"] * (ints["kernel_size"] - 1) + 1
    return (*ints.values(), span)


def conv_output_size(
    n: int,
    kernel_size: int,
    padding: int = 0,
    stride: int = 1,
    dilation: int = 1,
) -> int:
    """Output size of a convolution along one spatial dimension.

    ``floor((n + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``,
    exactly ``nn.Conv2d``'s arithmetic (for one of its two dimensions).

    Args:
        n: Input size (height or width), >= 1.
        kernel_size: Kernel size, >= 1.
        padding: Zero padding added on each side, >= 0.
        stride: Step between windows, >= 1.
        dilation: Spacing between kernel elements, >= 1.

    Returns:
        The output size, >= 1.

    Raises:
        TypeError: An argument is not an int (``bool`` is refused).
        ValueError: An argument is out of range, or the dilated kernel is
            larger than the padded input (PyTorch refuses that too).
    """
    n, kernel_size, padding, stride, dilation, span = _sizes(
        n=n,
        kernel_size=kernel_size,
        padding=padding,
        stride=stride,
        dilation=dilation,
    )
    padded = n + 2 * padding
    if padded < span:
        raise ValueError(
            f"kernel_size={kernel_size} with dilation={dilation} spans "
            f"{span} pixels, more than the padded input "
            f"n + 2*padding = {n} + 2*{padding} = {padded}; allowed: a "
            f"(dilated) kernel no larger than the padded input; use a "
            f"smaller kernel_size or dilation, more padding, or a larger n"
        )
    return (padded - span) // stride + 1


def pool_output_size(
    n: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    dilation: int = 1,
) -> int:
    """Output size of max/average pooling along one spatial dimension.

    Exactly the arithmetic of ``nn.MaxPool2d`` / ``nn.AvgPool2d``:
    ``floor`` (or ``ceil`` with ``ceil_mode=True``) of
    ``(n + 2*padding - dilation*(kernel_size - 1) - 1) / stride``, plus 1.
    With ``ceil_mode`` the last window must start inside the input or its
    left padding, otherwise it is dropped.

    Args:
        n: Input size (height or width), >= 1.
        kernel_size: Window size, >= 1.
        stride: Step between windows, >= 1; ``None`` means ``kernel_size``
            (PyTorch's default).
        padding: Implicit padding on each side, ``0 <= padding <=
            kernel_size / 2`` (PyTorch's rule).
        ceil_mode: Round up instead of down.
        dilation: Spacing between window elements (max pooling only), >= 1.

    Returns:
        The output size, >= 1.

    Raises:
        TypeError: An argument has the wrong type (``bool`` is not an int).
        ValueError: An argument is out of range, or no window fits.
    """
    n, kernel_size, padding, dilation, span = _sizes(
        n=n, kernel_size=kernel_size, padding=padding, dilation=dilation
    )
    stride = kernel_size if stride is None else stride
    stride = check_int("stride", stride, minimum=1)
    if not isinstance(ceil_mode, bool):
        raise TypeError(
            f"ceil_mode must be True or False, got {ceil_mode!r} "
            f"({type(ceil_mode).__name__})"
        )
    if padding > kernel_size // 2:
        raise ValueError(
            f"padding={padding} is more than half of kernel_size="
            f"{kernel_size}; PyTorch's pooling allows padding <= "
            f"kernel_size / 2 (here <= {kernel_size // 2}); use a smaller "
            f"padding or a larger kernel_size"
        )
    numerator = n + 2 * padding - span
    if ceil_mode:
        out = (numerator + stride - 1) // stride + 1
        if (out - 1) * stride >= n + padding:  # last window starts too late
            out -= 1
    else:
        out = numerator // stride + 1
    if out < 1:
        raise ValueError(
            f"kernel_size={kernel_size} with dilation={dilation} spans "
            f"{span} pixels, more than the padded input "
            f"n + 2*padding = {n} + 2*{padding} = {n + 2 * padding}, so the "
            f"output would have size {out}; allowed: a window that fits; use "
            f"a smaller kernel_size or a larger n"
        )
    return out


# ---------------------------------------------------------------------------
# Parameter table
# ---------------------------------------------------------------------------


def _fmt(number: int) -> str:
    """``48120`` -> ``'48,120'``."""
    return f"{number:,}"


def _plain_shape(shape: Sequence[int], fmt: Any = str) -> str:
    """``(6, 1, 5, 5)`` -> ``'6x1x5x5'``; a 0-d shape -> ``'1'``."""
    return "x".join(fmt(d) for d in shape) if len(shape) else "1"


def _check_module(model: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}; "
            f"pass the network itself, e.g. dl.lenet()"
        )


def _check_materialized(layer: str, pname: str, param: nn.Parameter) -> None:
    if isinstance(param, nn.parameter.UninitializedParameter):
        raise ValueError(
            f"parameter '{layer}.{pname}' of a lazy module is not "
            f"initialized yet, so it has no size; run one forward pass "
            f"(e.g. model(torch.zeros(1, 1, 28, 28))) before counting"
        )


_BATCH_NORMS = nn.modules.batchnorm._NormBase
_NORMS = (_BATCH_NORMS, nn.GroupNorm, nn.LayerNorm)


def _special_formula(
    module: nn.Module, params: list[tuple[str, nn.Parameter]]
) -> str | None:
    """Layer-type formula, or None when the generic sum must be used."""
    names, total = {n for n, _ in params}, sum(p.numel() for _, p in params)
    if isinstance(module, _NORMS) and names == {"weight", "bias"}:
        channels = dict(params)["weight"]  # (C,): weight and bias per channel
        if channels.dim() != 1:
            return None
        text, count = f"2x{_fmt(channels.numel())}", 2 * channels.numel()
    elif isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
        if names not in ({"weight"}, {"weight", "bias"}):
            return None
        if isinstance(module, nn.Linear):
            fan_in, text = module.in_features, _fmt(module.in_features)
            out = module.out_features
        else:
            groups, cin = module.groups, _fmt(module.in_channels)
            cin = cin if groups == 1 else f"({cin}/{groups})"
            text = f"{_plain_shape(module.kernel_size, _fmt)}x{cin}"
            fan_in = math.prod(module.kernel_size) * module.in_channels
            fan_in, out = fan_in // groups, module.out_channels
        bias = "bias" in names
        text = f"({text}+1)x{_fmt(out)}" if bias else f"{text}x{_fmt(out)}"
        count = (fan_in + bias) * out
    else:
        return None
    return f"{text} = {_fmt(total)}" if count == total else None


def _generic_formula(params: list[tuple[str, nn.Parameter]]) -> str:
    total = sum(p.numel() for _, p in params)
    terms = " + ".join(_plain_shape(p.shape, _fmt) for _, p in params)
    return f"{terms} = {_fmt(total)}"


def _module_row(
    layer: str, module: nn.Module, seen: dict[int, str]
) -> dict[str, Any]:
    """One table row; parameters already in ``seen`` are counted there."""
    new, shared = [], []
    for pname, param in module.named_parameters(recurse=False):
        _check_materialized(layer, pname, param)
        if id(param) in seen:
            shared.append(f"{pname} shared with '{seen[id(param)]}'")
        else:
            seen[id(param)] = f"{layer}.{pname}"
            new.append((pname, param))
    params = sum(p.numel() for _, p in new)
    if not new:
        formula = "0"
    else:
        formula = None if shared else _special_formula(module, new)
        formula = formula or _generic_formula(new)
    if shared:
        formula += f" ({'; '.join(shared)}: counted there)"
    weight = module._parameters.get("weight")
    return {
        "layer": layer,
        "type": type(module).__name__,
        "weight_shape": "-" if weight is None else _plain_shape(weight.shape),
        "params": params,
        "formula": formula,
    }


def _total_formula(counts: list[int], total: int) -> str:
    if not counts:
        return "no parameters = 0"
    if len(counts) == 1:
        return _fmt(total)
    if len(counts) <= 8:
        return " + ".join(_fmt(c) for c in counts) + f" = {_fmt(total)}"
    return f"sum over {len(counts)} layers = {_fmt(total)}"


def param_table(model: nn.Module) -> pd.DataFrame:
    """Where the parameters of ``model`` live, one row per owning module.

    Every module that owns parameters directly (``recurse=False``) gets a
    row, then a final ``layer="total"`` row. Shared parameters are counted
    once, where first met, exactly like ``model.parameters()``, so the total
    always equals ``sum(p.numel() for p in model.parameters())``.

    Args:
        model: Any ``nn.Module`` (lazy modules must have run once).

    Returns:
        A DataFrame with columns ``layer`` (qualified name, ``"(root)"`` for
        the model itself), ``type``, ``weight_shape`` (e.g. ``"6x1x5x5"`` or
        ``"-"``), ``params`` (int) and ``formula`` (e.g.
        ``"(5x5x1+1)x6 = 156"``, ``"(400+1)x120 = 48,120"``,
        ``"2x6 = 12"`` for batch norm). ``df.attrs["total"]`` holds the total.
    """
    import pandas as pd

    _check_module(model)
    seen: dict[int, str] = {}
    rows = []
    for name, module in model.named_modules():
        if next(module.named_parameters(recurse=False), None) is None:
            continue
        rows.append(_module_row(name or "(root)", module, seen))
    counts = [row["params"] for row in rows]
    total = sum(counts)
    rows.append(
        {
            "layer": "total",
            "type": "",
            "weight_shape": "",
            "params": total,
            "formula": _total_formula(counts, total),
        }
    )
    df = pd.DataFrame(rows, columns=list(rows[0]))
    df["params"] = df["params"].astype("int64")
    df.attrs["total"] = int(total)
    return df


# ---------------------------------------------------------------------------
# Shape trace
# ---------------------------------------------------------------------------


class ShapeMismatchError(RuntimeError):
    """A layer refused the output of the layer before it.

    Attributes:
        trace: The partial trace (DataFrame) up to the failing layer.
        layer: Qualified name of the failing layer.
        input_shape: The shape the failing layer received.
    """

    def __init__(
        self,
        message: str,
        *,
        trace: pd.DataFrame,
        layer: str,
        input_shape: tuple[int, ...] | None,
    ) -> None:
        super().__init__(message)
        self.trace = trace
        self.layer = layer
        self.input_shape = input_shape


_CATCH = (RuntimeError, ValueError, IndexError)


def _full_input_shape(input_shape: Any) -> tuple[int, ...]:
    """Validate ``input_shape``; a (C, H, W) 3-tuple gets batch size 1."""
    if isinstance(input_shape, torch.Tensor) or not isinstance(
        input_shape, (tuple, list, torch.Size)
    ):
        raise TypeError(
            f"input_shape must be a tuple of ints such as (1, 1, 28, 28), "
            f"got {input_shape!r} ({type(input_shape).__name__})"
        )
    if not 2 <= len(input_shape) <= 5:
        raise ValueError(
            f"input_shape must have 2 to 5 entries (batch first, e.g. "
            f"(1, 1, 28, 28), or (C, H, W) for batch 1), got {input_shape!r}"
        )
    for size in input_shape:
        rule = "ints" if not is_int(size) else ">= 1" if size < 1 else None
        if rule:
            raise (TypeError if rule == "ints" else ValueError)(
                f"input_shape entries must be {rule}, got {size!r} "
                f"({type(size).__name__}) in input_shape={input_shape!r}"
            )
    shape = tuple(int(s) for s in input_shape)
    return (1, *shape) if len(shape) == 3 else shape


def _shape_of(obj: Any) -> Any:
    """Tensor -> shape tuple; tuples/lists of tensors -> tuple of those."""
    if isinstance(obj, torch.Tensor):
        return tuple(obj.shape)
    if isinstance(obj, (tuple, list)):
        return tuple(_shape_of(o) for o in obj)
    return type(obj).__name__


def _sequential_layers(
    seq: nn.Sequential, prefix: str = ""
) -> Iterator[tuple[str, nn.Module]]:
    """Leaves of a Sequential, descending into nested Sequentials."""
    for child_name, child in seq.named_children():
        name = f"{prefix}{child_name}"
        if isinstance(child, nn.Sequential):
            yield from _sequential_layers(child, prefix=f"{name}.")
        else:
            yield name, child


class _Recorder:
    """Rows of the trace plus what the diagnosis needs."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.steps: list[tuple[nn.Module, Any, Any]] = []  # module, in, out

    def add(self, name: str, module: nn.Module, x_in: Any, y: Any) -> None:
        self.rows.append(
            {
                "layer": name,
                "type": type(module).__name__,
                "output_shape": _shape_of(y),
                "params": sum(p.numel() for p in module.parameters()),
            }
        )
        self.steps.append((module, _shape_of(x_in), _shape_of(y)))

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["layer", "type", "output_shape", "params"]
        df = pd.DataFrame(self.rows, columns=columns)
        df["params"] = df["params"].astype("int64")
        return df


def _run_sequential(model: nn.Sequential, X: torch.Tensor, rec: _Recorder):
    """Feed X through the leaves; returns (name, module, shape) on failure."""
    for name, layer in _sequential_layers(model):
        try:
            Y = layer(X)
        except _CATCH as err:
            return name, layer, tuple(X.shape), err
        rec.add(name, layer, X, Y)
        X = Y
    return None


def _run_hooked(model: nn.Module, X: torch.Tensor, rec: _Recorder):
    """Run model(X) with hooks on leaf modules; returns failure info."""
    pending: list[tuple[str, nn.Module, Any]] = []
    handles = []

    def make_hooks(name: str):
        def pre(module, args):
            pending.append((name, module, args[0] if args else None))

        def post(module, args, output):
            _, _, x_in = pending.pop()
            rec.add(name, module, x_in, output)

        return pre, post

    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            pre, post = make_hooks(name or type(module).__name__)
            handles.append(module.register_forward_pre_hook(pre))
            handles.append(module.register_forward_hook(post))
    try:
        model(X)
    except _CATCH as err:
        if pending:
            name, module, x_in = pending[-1]
            return name, module, _shape_of(x_in), err
        return f"{type(model).__name__}.forward", model, None, err
    finally:
        for handle in handles:
            handle.remove()
    return None


def _dummy_input(model: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    """Random input (seed 0) on the device and float dtype of ``model``."""
    first = next(model.parameters(), None)
    device = torch.device("cpu") if first is None else first.device
    dtype = torch.float32
    if first is not None and first.is_floating_point():
        dtype = first.dtype
    generator = torch.Generator().manual_seed(0)
    return torch.randn(shape, generator=generator, dtype=dtype).to(device)


def shape_trace(model: nn.Module, input_shape: Sequence[int]) -> pd.DataFrame:
    """Output shape after every layer for a dummy input (d2l's shape table).

    An ``nn.Sequential`` is walked child by child (nested Sequentials such as
    VGG blocks are entered, giving names like ``block1.0`` or ``0.1``);
    any other model is run whole, with forward hooks on its leaf modules.
    The model runs in eval mode under ``torch.no_grad()`` on a random input
    (fixed seed, on the model's device and dtype); every module's training
    flag is restored afterwards.

    Args:
        model: The network.
        input_shape: Input shape with the batch dimension, e.g.
            ``(1, 1, 28, 28)``. A 3-tuple is read as ``(C, H, W)`` and gets
            batch size 1 (so ``(1, 28, 28)`` means ``(1, 1, 28, 28)``).

    Returns:
        DataFrame with columns ``layer``, ``type``, ``output_shape`` (tuple)
        and ``params`` (parameters of that layer);
        ``df.attrs["input_shape"]`` is the full input shape used.

    Raises:
        ShapeMismatchError: A layer refused its input. The message shows the
            trace so far, the failing layer, what it got, what it expects and
            the fix; ``err.trace`` is the partial trace.
    """
    _check_module(model)
    shape = _full_input_shape(input_shape)
    X = _dummy_input(model, shape)  # e.g. (1, 1, 28, 28)
    modes = [(m, m.training) for m in model.modules()]
    rec = _Recorder()
    try:
        model.eval()
        with torch.no_grad():
            run = (
                _run_sequential
                if isinstance(model, nn.Sequential)
                else _run_hooked
            )
            failure = run(model, X, rec)
            trace = rec.frame()
            trace.attrs["input_shape"] = shape
            if failure is not None:  # diagnosed in eval mode too
                raise _mismatch(failure, rec, trace, X) from failure[3]
    finally:
        for module, training in modes:
            module.training = training
    return trace


# ---------------------------------------------------------------------------
# Diagnosis of a failing layer
# ---------------------------------------------------------------------------


def _expectation(
    module: nn.Module, got: Any, previous: str | None
) -> tuple[str, str]:
    """('what it got vs expects', 'generic fix') for the failing layer.

    ``previous`` names the layer before (None for the first layer).
    """
    if not _is_shape(got):
        return "", ""
    if isinstance(module, nn.Linear) and got:
        fan_in, expected = got[-1], module.in_features
        if len(got) > 2 and math.prod(got[1:]) == expected:
            return (
                f"it expects in_features={expected} on the last axis, but "
                f"the {_plain_shape(got[1:])} input is not flattened (got "
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
    conv_like = isinstance(module, nn.modules.conv._ConvNd)
    if len(got) < 2 or not (conv_like or isinstance(module, _BATCH_NORMS)):
        return "", ""
    attr = "in_channels" if conv_like else "num_features"
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
    if not conv_like:
        return "", ""
    spans = [
        d * (k - 1) + 1 for d, k in zip(module.dilation, module.kernel_size)
    ]
    return (
        f"its {_plain_shape(spans)} (dilated) kernel does not fit into the "
        f"{_plain_shape(got[2:])} (padded by {module.padding}) feature map",
        "use a larger input, more padding or fewer pooling layers before it",
    )


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(d, int) for d in value)


def _replay(
    modules: list[nn.Module], X: torch.Tensor, padding: int | None = None
) -> tuple[int, ...] | None:
    """Output shape of ``modules`` run in turn on ``X`` (a meta tensor).

    PyTorch does the arithmetic, on shapes only; None if a module refuses
    its input. ``padding`` replaces the first convolution's padding.
    """
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


def _flatten_fix(
    rec: _Recorder, module: nn.Module, got: Any, X: torch.Tensor
) -> str:
    """'16x5x5 = 400 needs a 32x32 input or padding=2 on ...' or ''.

    When a Linear layer gets the flattened output of a 4-d feature map of
    the wrong size, replay the layers that made it for other input sizes
    and other paddings of the first convolution.
    """
    if not (isinstance(module, nn.Linear) and X.dim() == 4 and got):
        return ""
    maps = [
        i
        for i, step in enumerate(rec.steps)
        if _is_shape(step[2]) and len(step[2]) == 4
    ]
    if not maps or math.prod(rec.steps[maps[-1]][2][1:]) != got[-1]:
        return ""
    out = rec.steps[maps[-1]][2]  # (B, C, H, W) that was flattened
    side = math.isqrt(module.in_features // out[1])
    modules = [step[0] for step in rec.steps[: maps[-1] + 1]]
    X = torch.empty(X.shape, dtype=X.dtype, device="meta")
    if side**2 * out[1] != module.in_features or _replay(modules, X) != out:
        return ""  # no square map fits, or the layers are not a chain

    def side_for(n: int, dim: int) -> int:  # output side for input side n
        shape = list(X.shape)
        shape[dim] = n
        replayed = _replay(modules, X.new_empty(shape))
        return -1 if replayed is None else replayed[dim]

    sizes = []
    for dim in (2, 3):  # the smallest input that gives `side`
        key = functools.partial(side_for, dim=dim)
        n = 1 + bisect.bisect_left(
            range(1, 4 * X.shape[dim] + 64), side, key=key
        )
        sizes.append(str(n) if side_for(n, dim) == side else None)
    options = [f"a {'x'.join(sizes)} input"] if None not in sizes else []
    first = next(
        (i for i, m in enumerate(modules) if isinstance(m, nn.Conv2d)), None
    )
    conv = None if first is None else modules[first]
    if conv is not None and not isinstance(conv.padding, str):
        span = max(conv.dilation) * (max(conv.kernel_size) - 1) + 1
        pad = next(
            (
                p
                for p in range(span + 1)
                if p != conv.padding[0]
                and (_replay(modules, X, p) or ())[2:] == (side, side)
            ),
            None,
        )
        if pad is not None:
            name = rec.rows[first]["layer"]
            options.append(
                f"padding={pad} on the first convolution ('{name}')"
            )
    if not options:
        return ""
    target = f"{out[1]}x{side}x{side} = {_fmt(module.in_features)}"
    return f"{target} needs {' or '.join(options)}"


def _mismatch(
    failure: tuple, rec: _Recorder, trace: pd.DataFrame, X: torch.Tensor
) -> ShapeMismatchError:
    name, module, got, err = failure
    shape, kind = tuple(X.shape), type(module).__name__
    previous = rec.rows[-1]["layer"] if rec.rows else None
    expects, generic_fix = _expectation(module, got, previous)
    fix = _flatten_fix(rec, module, got, X) if _is_shape(got) else ""
    fix = "; ".join(f for f in (fix, generic_fix) if f)
    table = trace.to_string(index=False) if len(trace) else "(no layer ran)"
    pytorch = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if got is None:  # failed in the model's own forward code
        where = (
            f"after '{previous}' (output {rec.rows[-1]['output_shape']})"
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
        f"shape {shape}.",
        "Trace up to the failing layer:",
        table,
        failing,
    ]
    if fix:
        lines.append(f"Fix: {fix}.")
    lines.append(f"PyTorch said: {type(err).__name__}: {pytorch}")
    return ShapeMismatchError(
        "\n".join(lines), trace=trace, layer=name, input_shape=got
    )
