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

import math
from typing import TYPE_CHECKING, Any, Iterator, Sequence

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


def _kernel_span(kernel_size: int, dilation: int) -> int:
    """Pixels covered by a dilated kernel: ``d * (k - 1) + 1``."""
    return dilation * (kernel_size - 1) + 1


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
    n = check_int("n", n, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    stride = check_int("stride", stride, minimum=1)
    dilation = check_int("dilation", dilation, minimum=1)
    span = _kernel_span(kernel_size, dilation)
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
    n = check_int("n", n, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride = kernel_size if stride is None else stride
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    dilation = check_int("dilation", dilation, minimum=1)
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
    span = _kernel_span(kernel_size, dilation)
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


def _shape_text(shape: Sequence[int]) -> str:
    """``(6, 1, 5, 5)`` -> ``'6x1x5x5'``; a 0-d shape -> ``'1'``."""
    return "x".join(_fmt(d) for d in shape) if len(shape) else "1"


def _plain_shape(shape: Sequence[int]) -> str:
    """``(6, 1, 5, 5)`` -> ``'6x1x5x5'`` (no separators); 0-d -> ``'1'``."""
    return "x".join(str(d) for d in shape) if len(shape) else "1"


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


def _conv_formula(module: nn.Module, names: set[str]) -> tuple[str, int]:
    kernel = "x".join(_fmt(k) for k in module.kernel_size)
    groups, out = module.groups, module.out_channels
    cin = _fmt(module.in_channels)
    if groups != 1:
        cin = f"({cin}/{groups})"
    per_out = math.prod(module.kernel_size) * (module.in_channels // groups)
    if "bias" in names:
        return f"({kernel}x{cin}+1)x{_fmt(out)}", (per_out + 1) * out
    return f"{kernel}x{cin}x{_fmt(out)}", per_out * out


def _linear_formula(module: nn.Linear, names: set[str]) -> tuple[str, int]:
    fan_in, out = module.in_features, module.out_features
    if "bias" in names:
        return f"({_fmt(fan_in)}+1)x{_fmt(out)}", (fan_in + 1) * out
    return f"{_fmt(fan_in)}x{_fmt(out)}", fan_in * out


_NORMS = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm)


def _special_formula(
    module: nn.Module, params: list[tuple[str, nn.Parameter]]
) -> str | None:
    """Layer-type formula, or None when the generic sum must be used."""
    names = {name for name, _ in params}
    total = sum(p.numel() for _, p in params)
    text, count = None, None
    if isinstance(module, nn.modules.conv._ConvNd):
        if names in ({"weight"}, {"weight", "bias"}):
            text, count = _conv_formula(module, names)
    elif isinstance(module, nn.Linear):
        if names in ({"weight"}, {"weight", "bias"}):
            text, count = _linear_formula(module, names)
    elif isinstance(module, _NORMS) and names == {"weight", "bias"}:
        weight = dict(params)["weight"]
        if weight.dim() == 1:  # (C,): weight and bias, one each per channel
            text, count = f"2x{_fmt(weight.numel())}", 2 * weight.numel()
    if text is None or count != total:
        return None
    return f"{text} = {_fmt(total)}"


def _generic_formula(params: list[tuple[str, nn.Parameter]]) -> str:
    total = sum(p.numel() for _, p in params)
    terms = " + ".join(_shape_text(p.shape) for _, p in params)
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


def param_table(model: nn.Module) -> "pd.DataFrame":
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
    rows.append({
        "layer": "total",
        "type": "",
        "weight_shape": "",
        "params": total,
        "formula": _total_formula(counts, total),
    })
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
        trace: "pd.DataFrame",
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
        if not is_int(size):
            raise TypeError(
                f"input_shape entries must be ints, got {size!r} "
                f"({type(size).__name__}) in input_shape={input_shape!r}"
            )
        if size < 1:
            raise ValueError(
                f"input_shape entries must be >= 1, got {size} in "
                f"input_shape={input_shape!r}"
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
        self.rows.append({
            "layer": name,
            "type": type(module).__name__,
            "output_shape": _shape_of(y),
            "params": sum(p.numel() for p in module.parameters()),
        })
        self.steps.append((module, _shape_of(x_in), _shape_of(y)))

    def frame(self) -> "pd.DataFrame":
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


def shape_trace(
    model: nn.Module, input_shape: Sequence[int]
) -> "pd.DataFrame":
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
            if isinstance(model, nn.Sequential):
                failure = _run_sequential(model, X, rec)
            else:
                failure = _run_hooked(model, X, rec)
    finally:
        for module, training in modes:
            module.training = training
    trace = rec.frame()
    trace.attrs["input_shape"] = shape
    if failure is not None:
        raise _mismatch(failure, rec, trace, shape) from failure[3]
    return trace


# ---------------------------------------------------------------------------
# Diagnosis of a failing layer
# ---------------------------------------------------------------------------


def _expectation(module: nn.Module, got: Any,
                 previous: str | None) -> tuple[str, str]:
    """('what it got vs expects', 'generic fix') for the failing layer.

    ``previous`` names the layer before (None for the first layer).
    """
    if not isinstance(got, tuple) or not all(isinstance(d, int) for d in got):
        return "", ""
    if isinstance(module, nn.Linear) and got:
        fan_in = got[-1]
        if len(got) > 2 and math.prod(got[1:]) == module.in_features:
            return (
                f"it expects in_features={module.in_features} on the last "
                f"axis, but the {'x'.join(map(str, got[1:]))} input is not "
                f"flattened (got {fan_in} features, expected "
                f"{module.in_features})",
                "add nn.Flatten() before it",
            )
        if fan_in != module.in_features:
            return (
                f"it expects in_features={module.in_features}: got {fan_in} "
                f"features, expected {module.in_features}",
                f"build it with in_features={fan_in}, or change the layers "
                f"before it so that they produce {module.in_features} "
                f"features",
            )
    conv_like = isinstance(module, nn.modules.conv._ConvNd)
    norm_like = isinstance(module, nn.modules.batchnorm._NormBase)
    if (conv_like or norm_like) and len(got) >= 2:
        expected = module.in_channels if conv_like else module.num_features
        attr = "in_channels" if conv_like else "num_features"
        channels = got[1]
        if channels != expected:
            source = (f"give the images {expected} channel(s)"
                      if previous is None
                      else f"make '{previous}' output {expected} channels")
            return (
                f"it expects {attr}={expected}: got {channels} channels, "
                f"expected {expected}",
                f"build it with {attr}={channels}, or {source}",
            )
        if conv_like:
            kernel = "x".join(
                str(module.dilation[i] * (k - 1) + 1)
                for i, k in enumerate(module.kernel_size)
            )
            return (
                f"its {kernel} (dilated) kernel does not fit into the "
                f"{'x'.join(map(str, got[2:]))} (padded by "
                f"{module.padding}) feature map",
                "use a larger input, more padding or fewer pooling layers "
                "before it",
            )
    return "", ""


_PRESERVING = (
    nn.modules.batchnorm._NormBase,
    nn.GroupNorm,
    nn.LocalResponseNorm,
    nn.modules.dropout._DropoutNd,
    nn.Identity,
)


def _preserves_shape(module: nn.Module) -> bool:
    activation = type(module).__module__ == "torch.nn.modules.activation"
    return (activation and not isinstance(module, nn.MultiheadAttention)) or (
        isinstance(module, _PRESERVING)
    )


def _pair(value: Any) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _predict_size(modules: list[nn.Module], n: int, dim: int,
                  padding0: int | None = None) -> int | None:
    """Spatial size along ``dim`` (0: H, 1: W) after ``modules``, or None.

    ``padding0`` overrides the padding of the first convolution.
    """
    first_conv = True
    try:
        for module in modules:
            if isinstance(module, nn.Conv2d):
                if isinstance(module.padding, str):
                    return None
                pad = _pair(module.padding)[dim]
                if first_conv and padding0 is not None:
                    pad = padding0
                first_conv = False
                n = conv_output_size(
                    n, module.kernel_size[dim], padding=pad,
                    stride=module.stride[dim], dilation=module.dilation[dim])
            elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
                dilation = getattr(module, "dilation", 1)
                stride = module.stride or module.kernel_size
                n = pool_output_size(
                    n, _pair(module.kernel_size)[dim],
                    stride=_pair(stride)[dim],
                    padding=_pair(module.padding)[dim],
                    ceil_mode=module.ceil_mode,
                    dilation=_pair(dilation)[dim])
            elif not (_preserves_shape(module)
                      or isinstance(module, nn.Flatten)):
                return None
    except (ValueError, TypeError):
        return None
    return n


def _flatten_source(rec: _Recorder, fan_in: int) -> int | None:
    """Index of the last 4-d output feeding (through Flatten) ``fan_in``."""
    for i in range(len(rec.steps) - 1, -1, -1):
        module, _, out = rec.steps[i]
        if isinstance(out, tuple) and len(out) == 4 and all(
            isinstance(d, int) for d in out
        ):
            return i if math.prod(out[1:]) == fan_in else None
        if not (isinstance(module, nn.Flatten) or _preserves_shape(module)):
            return None
    return None


def _is_chain(rec: _Recorder, shape: tuple[int, ...], upto: int) -> bool:
    """Whether steps 0..upto feed each other in order, starting at X."""
    previous: Any = shape
    for _, x_in, out in rec.steps[: upto + 1]:
        if x_in != previous:
            return False
        previous = out
    return True


def _flatten_fix(rec: _Recorder, module: nn.Module, got: Any,
                 shape: tuple[int, ...]) -> str:
    """'16x5x5 = 400 needs a 32x32 input or padding=2 on ...' or ''."""
    if not isinstance(module, nn.Linear) or len(shape) != 4 or not got:
        return ""
    src = _flatten_source(rec, got[-1])
    if src is None or not _is_chain(rec, shape, src):
        return ""
    _, channels, height, width = rec.steps[src][2]
    if channels < 1:
        return ""
    side = math.isqrt(module.in_features // channels)
    if side * side * channels != module.in_features:
        return ""
    modules = [step[0] for step in rec.steps[: src + 1]]
    if (_predict_size(modules, shape[2], 0), _predict_size(
            modules, shape[3], 1)) != (height, width):
        return ""  # the arithmetic does not reproduce the trace: no advice
    target = f"{channels}x{side}x{side} = {_fmt(module.in_features)} needs"
    options = []
    sizes = [_closest_input(modules, shape[2 + d], d, side) for d in (0, 1)]
    if None not in sizes:
        options.append(f"a {sizes[0]}x{sizes[1]} input")
    pad = _padding_fix(modules, rec, shape, side)
    if pad:
        options.append(pad)
    if not options:
        return ""
    return f"{target} {' or '.join(options)}"


def _closest_input(modules: list[nn.Module], n0: int, dim: int,
                   side: int) -> int | None:
    found = [n for n in range(1, 4 * n0 + 64)
             if _predict_size(modules, n, dim) == side]
    return min(found) if found else None  # the size that floors nothing


def _padding_fix(modules: list[nn.Module], rec: _Recorder,
                 shape: tuple[int, ...], side: int) -> str:
    index = next((i for i, m in enumerate(modules)
                  if isinstance(m, nn.Conv2d)), None)
    if index is None or isinstance(modules[index].padding, str):
        return ""
    conv = modules[index]
    limit = max(conv.dilation) * (max(conv.kernel_size) - 1) + 1
    for pad in range(0, limit + 1):
        if pad != conv.padding[0] and all(
            _predict_size(modules, shape[2 + d], d, padding0=pad) == side
            for d in (0, 1)
        ):
            name = rec.rows[index]["layer"]
            return f"padding={pad} on the first convolution ('{name}')"
    return ""


def _mismatch(failure: tuple, rec: _Recorder, trace: "pd.DataFrame",
              shape: tuple[int, ...]) -> ShapeMismatchError:
    name, module, got, err = failure
    kind = type(module).__name__
    previous = rec.rows[-1]["layer"] if rec.rows else None
    expects, generic_fix = _expectation(module, got, previous)
    fix = _flatten_fix(rec, module, got, shape)
    fix = "; ".join(f for f in (fix, generic_fix) if f)
    table = trace.to_string(index=False) if len(trace) else "(no layer ran)"
    pytorch = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if got is None:  # failed in the model's own forward code
        where = (f"after '{previous}' (output {rec.rows[-1]['output_shape']})"
                 if previous else "before any layer ran")
        failing = (f"-> {kind}.forward failed outside its layers, {where}; "
                   f"check the reshaping code there.")
    else:
        failing = (f"-> '{name}' ({kind}) got input of shape {got}"
                   + (f"; {expects}." if expects else "."))
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
