"""Convolution and pooling with gradients of any order.

The backend kernels (``conv``, ``conv_grad_input``, ``conv_grad_weight``, pooling) do the
array work. Here each kernel is one differentiable primitive whose backward is written with
the others: the input gradient of a convolution is a transposed convolution, its weight
gradient is a "weight convolution", and each of those two differentiates back into the first
— so ``create_graph=True`` works through convolutions. Max pooling and its gradient form the
same kind of pair (scatter to the argmax / gather from it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import ops, shape
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor

_wrap = Tensor._wrap
Pads = tuple[tuple[int, int], ...]


class _ConvParams:
    __slots__ = ("stride", "padding", "dilation", "groups")

    def __init__(self, stride: tuple[int, ...], padding: Pads, dilation: tuple[int, ...], groups: int) -> None:
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def args(self) -> tuple[Any, ...]:
        return self.stride, self.padding, self.dilation, self.groups


def _tuple(value: int | Sequence[int], n: int, name: str, op: str) -> tuple[int, ...]:
    """``value`` as ``n`` ints (an int is repeated); RuntimeError naming ``op`` and ``name``
    for a sequence of another length, as PyTorch."""
    if isinstance(value, int):
        return (value,) * n
    entries = (value,) if isinstance(value, float) else tuple(value)
    for v in entries:
        if not hasattr(type(v), "__index__") or isinstance(v, bool):
            # PyTorch's parser refuses 2.5 where it wants ints; int() would truncate silently
            raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, but found element of type "
                            f"{type(v).__name__} ({v!r})")
    out = tuple(int(v) for v in entries)
    if len(out) != n:
        raise RuntimeError(f"{op}: {name} must be a single int or a tuple of {n} ints, got {name}={value!r}")
    return out


def check_window(op: str, kernel: tuple[int, ...] | None, stride: tuple[int, ...], padding: tuple[int, ...],
                 dilation: tuple[int, ...], output_padding: tuple[int, ...] | None = None) -> None:
    """The sign checks PyTorch makes on the window arguments of every convolution, pooling,
    unfold and fold (Python ints only, so they cost nothing next to the kernel). Without them a
    zero stride divides by zero in the output-size arithmetic and a negative one builds a
    backend-specific broken array."""
    if kernel is not None and any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got kernel_size={kernel}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got stride={stride}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={padding}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation={dilation}")
    if output_padding is not None and any(p < 0 for p in output_padding):
        raise RuntimeError(f"{op}: negative output_padding is not supported, got output_padding={output_padding}")


#: PyTorch's scalar type names, used in its dtype-mismatch messages ("expected scalar type Float")
_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}


def scalar_name(dtype: Any) -> str:
    """PyTorch's name of ``dtype`` in error messages: ``Float``, ``Double``, ``Long``, ..."""
    name = getattr(dtype, "name", str(dtype))
    return _SCALAR_NAMES.get(name, name)


# ---------------------------------------------------------------------- convolution primitives


class ConvolutionBackward0(Node):
    __slots__ = ("p",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, w = self.saved_tensors
        gx = conv_transpose_raw(g, w, tuple(x.shape), self.p) if self.needs(0) else None
        gw = conv_weight_raw(x, g, tuple(w.shape), self.p) if self.needs(1) else None
        return gx, gw


def conv_raw(x: Tensor, w: Tensor, p: _ConvParams) -> Tensor:
    """Convolution without bias on already validated arguments."""
    out = x._backend.conv(x._storage.array, w._storage.array, *p.args())
    if GRAD_MODE.enabled and (x._rg or w._rg):
        node = ConvolutionBackward0((x, w))
        node.p = p
        node.save(x, w)
        return _wrap(out, x._backend, node)
    return _wrap(out, x._backend)


class ConvTransposeBackward0(Node):
    __slots__ = ("p",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        y, w = self.saved_tensors
        # with output_padding >= stride the last rows of the output lie beyond every window of y: they
        # get no gradient, and a convolution of g over them would make more outputs than y has
        geometry = list(zip(g.shape[2:], y.shape[2:], self.p.stride, self.p.dilation, w.shape[2:], self.p.padding))
        if any((m + lo + hi - d * (k - 1) - 1) // s + 1 > n for m, n, s, d, k, (lo, hi) in geometry):
            g = g[(slice(None), slice(None), *(slice(0, min(m, (n - 1) * s + d * (k - 1) + 1 - lo - hi))
                                               for m, n, s, d, k, (lo, hi) in geometry))]
        gy = conv_raw(g, w, self.p) if self.needs(0) else None
        gw = conv_weight_raw(g, y, tuple(w.shape), self.p) if self.needs(1) else None
        return gy, gw


def conv_transpose_raw(y: Tensor, w: Tensor, x_shape: tuple[int, ...], p: _ConvParams) -> Tensor:
    """The adjoint of ``conv_raw`` in its input: maps a (N, O, *out) tensor to ``x_shape``."""
    out = y._backend.conv_grad_input(y._storage.array, w._storage.array, x_shape, *p.args())
    if GRAD_MODE.enabled and (y._rg or w._rg):
        node = ConvTransposeBackward0((y, w))
        node.p = p
        node.save(y, w)
        return _wrap(out, y._backend, node)
    return _wrap(out, y._backend)


class ConvWeightBackward0(Node):
    __slots__ = ("p",)

    def backward(self, gw: Tensor) -> tuple[Any, ...]:
        x, g = self.saved_tensors
        dx = conv_transpose_raw(g, gw, tuple(x.shape), self.p) if self.needs(0) else None
        dg = conv_raw(x, gw, self.p) if self.needs(1) else None
        return dx, dg


def conv_weight_raw(x: Tensor, g: Tensor, w_shape: tuple[int, ...], p: _ConvParams) -> Tensor:
    """The gradient of ``<g, conv_raw(x, w)>`` with respect to ``w`` (bilinear in x and g)."""
    out = x._backend.conv_grad_weight(x._storage.array, g._storage.array, w_shape, *p.args())
    if GRAD_MODE.enabled and (x._rg or g._rg):
        node = ConvWeightBackward0((x, g))
        node.p = p
        node.save(x, g)
        return _wrap(out, x._backend, node)
    return _wrap(out, x._backend)


# ---------------------------------------------------------------------- public convolutions


def _check_conv(op: str, x: Tensor, w: Tensor, bias: Tensor | None, nd: int, groups: int, transposed: bool) -> None:
    if x.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-d input (N, C, ...), got shape {tuple(x.shape)}")
    if w.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-d weight, got shape {tuple(w.shape)}")
    if 0 in w.shape:
        raise RuntimeError(f"{op}: expected a non-empty weight, got weight of size {list(w.shape)}")
    if x._backend is not w._backend:
        raise ops._backend_mismatch(op, x, w)
    if groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got {groups}")
    if transposed and w.shape[0] % groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(w.shape)} instead"
        )
    in_ch = w.shape[0] if transposed else w.shape[1] * groups
    if x.shape[1] != in_ch:
        raise RuntimeError(
            f"{op}: input of shape {tuple(x.shape)} has {x.shape[1]} channels, but the weight of shape "
            f"{tuple(w.shape)} with groups={groups} expects {in_ch}"
        )
    if not transposed and w.shape[0] % groups:
        raise RuntimeError(f"{op}: out_channels ({w.shape[0]}) must be divisible by groups ({groups})")
    if bias is not None:
        out_ch = w.shape[1] * groups if transposed else w.shape[0]
        if tuple(bias.shape) != (out_ch,):
            raise RuntimeError(f"{op}: bias must have shape ({out_ch},), got {tuple(bias.shape)}")
    if x.dtype != w.dtype:
        # PyTorch refuses the mix rather than casting one side (a float64 batch on float32
        # weights is almost always a data-pipeline mistake that would silently cost precision)
        raise RuntimeError(
            f"{op}: expected scalar type {scalar_name(x.dtype)} but found {scalar_name(w.dtype)}: the input "
            f"({x.dtype.name}) and the weight ({w.dtype.name}) must have the same dtype"
        )
    if bias is not None and bias.dtype != x.dtype and not transposed:
        raise RuntimeError(
            f"{op}: Input type ({x.dtype.name}) and bias type ({bias.dtype.name}) should be the same"
        )


def _add_bias(out: Tensor, bias: Tensor | None, nd: int) -> Tensor:
    if bias is None:
        return out
    return ops.add(out, shape.reshape(bias, (1, -1) + (1,) * nd))


def _conv_padding(padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
                  nd: int, op: str) -> Pads:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise RuntimeError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    pads = _tuple(padding, nd, "padding", op)
    check_window(op, None, stride, pads, dilation)
    return tuple((p, p) for p in pads)


def convnd(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any, dilation: Any,
           groups: int, nd: int, op: str) -> Tensor:
    """N-d convolution (cross-correlation, as PyTorch) with PyTorch's argument conventions."""
    _check_conv(op, x, weight, bias, nd, groups, transposed=False)
    kernel = tuple(weight.shape[2:])
    st = _tuple(stride, nd, "stride", op)
    dl = _tuple(dilation, nd, "dilation", op)
    if isinstance(padding, str):
        check_window(op, None, st, (), dl)
    pads = _conv_padding(padding, kernel, st, dl, nd, op)
    for i in range(nd):
        span = dl[i] * (kernel[i] - 1) + 1
        if x.shape[2 + i] + pads[i][0] + pads[i][1] < span:
            raise RuntimeError(
                f"{op}: input of shape {tuple(x.shape)} (padded size {x.shape[2 + i] + sum(pads[i])} in spatial "
                f"dim {i}) is smaller than the kernel's span {span}"
            )
    return _add_bias(conv_raw(x, weight, _ConvParams(st, pads, dl, groups)), bias, nd)


def conv_transposend(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
                     output_padding: Any, groups: int, dilation: Any, nd: int, op: str) -> Tensor:
    """N-d transposed convolution: the adjoint of ``convnd`` (weight shape (C_in, C_out/groups, *k))."""
    _check_conv(op, x, weight, bias, nd, groups, transposed=True)
    kernel = tuple(weight.shape[2:])
    st = _tuple(stride, nd, "stride", op)
    dl = _tuple(dilation, nd, "dilation", op)
    pd = _tuple(padding, nd, "padding", op)
    op_pad = _tuple(output_padding, nd, "output_padding", op)
    check_window(op, None, st, pd, dl, op_pad)
    for i in range(nd):
        if op_pad[i] >= max(st[i], dl[i]):
            raise RuntimeError(f"{op}: output_padding must be smaller than either stride or dilation, got {op_pad}")
    out_sp = tuple((x.shape[2 + i] - 1) * st[i] - 2 * pd[i] + dl[i] * (kernel[i] - 1) + op_pad[i] + 1 for i in range(nd))
    if any(s <= 0 for s in out_sp):
        raise RuntimeError(f"{op}: computed output size {out_sp} is too small")
    out_shape = (x.shape[0], weight.shape[1] * groups) + out_sp
    p = _ConvParams(st, tuple((q, q) for q in pd), dl, groups)
    if bias is not None and bias.dtype != x.dtype:
        bias = bias.to(x.dtype)  # PyTorch's transposed convolution casts the bias to the input's dtype
    return _add_bias(conv_transpose_raw(x, weight, out_shape, p), bias, nd)


# ---------------------------------------------------------------------- pooling


def _pool_geometry(x: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, op: str) -> tuple[tuple[int, ...], tuple[int, ...], Pads, Pads, tuple[int, ...]]:
    """kernel, stride, user padding, padding incl. the extra ceil_mode cells, dilation."""
    if x.ndim not in (nd + 1, nd + 2):
        # PyTorch's avg_pool2d reads dim -3 before checking the rank: an IndexError there
        kind = IndexError if op == "avg_pool2d" and x.ndim < 3 else RuntimeError
        raise kind(f"{op}: expected a {nd + 1}-d or {nd + 2}-d input, got shape {tuple(x.shape)}")
    k = _tuple(kernel_size, nd, "kernel_size", op)
    st = _tuple(stride if stride is not None and stride != [] else k, nd, "stride", op)
    pd = _tuple(padding, nd, "padding", op)
    dl = _tuple(dilation, nd, "dilation", op)
    check_window(op, k, st, pd, dl)
    for i in range(nd):
        if pd[i] > k[i] // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, got padding={pd} kernel={k}")
    sizes = x.shape[-nd:]
    extra = []
    for i in range(nd):
        span = dl[i] * (k[i] - 1) + 1
        room = sizes[i] + 2 * pd[i] - span
        if room < 0:
            raise RuntimeError(f"{op}: input of shape {tuple(x.shape)} is too small for kernel {k}")
        out = (-(-room // st[i]) if ceil_mode else room // st[i]) + 1
        if ceil_mode and (out - 1) * st[i] >= sizes[i] + pd[i]:
            out -= 1  # the last window must start inside the input or left padding (PyTorch's rule)
        extra.append(max(0, (out - 1) * st[i] + span - (sizes[i] + 2 * pd[i])))
    user = tuple((p, p) for p in pd)
    total = tuple((p, p + e) for p, e in zip(pd, extra))
    return k, st, user, total, dl


def _batched(x: Tensor, nd: int) -> tuple[Tensor, bool]:
    if x.ndim == nd + 1:
        return shape.unsqueeze(x, 0), True
    return x, False


class MaxPoolBackward0(Node):
    __slots__ = ("offsets", "args", "x_shape")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_pool_scatter(g, self.offsets, self.x_shape, self.args),)


class MaxPool2DWithIndicesBackward0(MaxPoolBackward0):
    __slots__ = ()


class MaxPool3DWithIndicesBackward0(MaxPoolBackward0):
    __slots__ = ()


#: PyTorch's node names by the number of pooled dims (1-d pooling has no node of its own there)
_MAX_POOL_NODES = {2: MaxPool2DWithIndicesBackward0, 3: MaxPool3DWithIndicesBackward0}


class PoolScatterBackward0(Node):
    __slots__ = ("offsets", "args")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_pool_select(g, self.offsets, self.args),)


def _pool_scatter(g: Tensor, offsets: Any, x_shape: tuple[int, ...], args: tuple[Any, ...]) -> Tensor:
    out = g._backend.max_pool_grad(g._storage.array, offsets, x_shape, *args)
    if GRAD_MODE.enabled and g._rg:
        node = PoolScatterBackward0((g,))
        node.offsets, node.args = offsets, args
        return _wrap(out, g._backend, node)
    return _wrap(out, g._backend)


def _pool_select(x: Tensor, offsets: Any, args: tuple[Any, ...]) -> Tensor:
    out = x._backend.pool_select(x._storage.array, offsets, *args)
    if GRAD_MODE.enabled and x._rg:
        node = MaxPoolBackward0((x,))
        node.offsets, node.args, node.x_shape = offsets, args, tuple(x.shape)
        return _wrap(out, x._backend, node)
    return _wrap(out, x._backend)


def max_poolnd(x: Tensor, nd: int, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False, op: str = "max_pool") -> Any:
    """Max pooling over the last ``nd`` dims; with ``return_indices`` also the flat index of each
    maximum within its input plane (as PyTorch, usable by ``max_unpool``)."""
    k, st, _, pads, dl = _pool_geometry(x, nd, kernel_size, stride, padding, dilation, ceil_mode, op)
    xb, unbatched = _batched(x, nd)
    values, offsets = xb._backend.max_pool(xb._storage.array, k, st, pads, dl)
    args = (k, st, pads, dl)
    if GRAD_MODE.enabled and xb._rg:
        node = _MAX_POOL_NODES.get(nd, MaxPoolBackward0)((xb,))
        node.offsets, node.args, node.x_shape = offsets, args, tuple(xb.shape)
        out = _wrap(values, xb._backend, node)
    else:
        out = _wrap(values, xb._backend)
    if unbatched:
        out = shape.squeeze(out, 0)
    if not return_indices:
        return out
    idx = _flat_indices(xb, offsets, k, st, pads, dl)
    if unbatched:
        idx = shape.squeeze(idx, 0)
    return out, idx


def _flat_indices(x: Tensor, offsets: Any, k: tuple[int, ...], st: tuple[int, ...], pads: Pads,
                  dl: tuple[int, ...]) -> Tensor:
    """Window offsets -> flat positions in the (unpadded) input plane."""
    backend = x._backend
    xp = backend.xp
    i64 = backend.native_dtype("int64")
    nd = len(k)
    offsets = xp.astype(offsets, i64)
    flat = xp.zeros(offsets.shape, dtype=i64)
    rem = offsets
    for i in range(nd):
        inner = math.prod(k[i + 1 :])
        ki = xp.floor_divide(rem, inner)
        rem = xp.remainder(rem, inner)
        n_out = offsets.shape[2 + i]
        pos_shape = [1] * offsets.ndim
        pos_shape[2 + i] = n_out
        start = xp.reshape(xp.multiply(xp.arange(n_out, dtype=i64), st[i]), tuple(pos_shape))
        coord = xp.add(xp.subtract(start, pads[i][0]), xp.multiply(ki, dl[i]))
        flat = xp.add(xp.multiply(flat, x.shape[2 + i]), coord)
    return _wrap(flat, backend)


class AvgPoolBackward0(Node):
    __slots__ = ("args", "x_shape", "divisor")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_avg_pool_grad(g, self.x_shape, self.args, self.divisor),)


class AvgPool2DBackward0(AvgPoolBackward0):
    __slots__ = ()


class AvgPool3DBackward0(AvgPoolBackward0):
    __slots__ = ()


_AVG_POOL_NODES = {4: AvgPool2DBackward0, 5: AvgPool3DBackward0}  # by the batched input's ndim


class AvgPoolGradBackward0(Node):
    __slots__ = ("args", "divisor")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_avg_pool(g, self.args, self.divisor),)


def _avg_pool(x: Tensor, args: tuple[Any, ...], divisor: Any) -> Tensor:
    out = x._backend.avg_pool(x._storage.array, *args, divisor)
    if GRAD_MODE.enabled and x._rg:
        node = _AVG_POOL_NODES.get(x.ndim, AvgPoolBackward0)((x,))
        node.args, node.x_shape, node.divisor = args, tuple(x.shape), divisor
        return _wrap(out, x._backend, node)
    return _wrap(out, x._backend)


def _avg_pool_grad(g: Tensor, x_shape: tuple[int, ...], args: tuple[Any, ...], divisor: Any) -> Tensor:
    out = g._backend.avg_pool_grad(g._storage.array, x_shape, *args, divisor)
    if GRAD_MODE.enabled and g._rg:
        node = AvgPoolGradBackward0((g,))
        node.args, node.divisor = args, divisor
        return _wrap(out, g._backend, node)
    return _wrap(out, g._backend)


def avg_poolnd(x: Tensor, nd: int, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
               op: str = "avg_pool") -> Tensor:
    """Average pooling over the last ``nd`` dims with PyTorch's padding/ceil_mode/divisor rules."""
    k, st, user, pads, _ = _pool_geometry(x, nd, kernel_size, stride, padding, 1, ceil_mode, op)
    xb, unbatched = _batched(x, nd)
    backend = xb._backend
    xp = backend.xp
    args = (k, st, pads)
    dt = xb._storage.array.dtype
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero, got divisor_override=0")
        divisor: Any = xp.asarray(float(divisor_override), dtype=dt)
    else:
        # count, per window, the cells that PyTorch divides by: the input (plus the explicit
        # padding when count_include_pad), never the extra cells added by ceil_mode
        if count_include_pad:
            plane = xp.ones((1, 1) + tuple(s + lo + hi for s, (lo, hi) in zip(xb.shape[2:], user)), dtype=dt)
            region = tuple((0, total[1] - given[1]) for total, given in zip(pads, user))
        else:
            plane = xp.ones((1, 1) + tuple(xb.shape[2:]), dtype=dt)
            region = pads
        divisor = backend.avg_pool(plane, k, st, region, xp.asarray(1.0, dtype=dt))
    out = _avg_pool(xb, args, divisor)
    return shape.squeeze(out, 0) if unbatched else out


def check_adaptive_rank(op: str, x: Tensor, output_size: Any, nd: int) -> None:
    """The input of an adaptive pooling must have ``nd + 1`` or ``nd + 2`` dims. PyTorch's 2-d
    and 3-d forms first fill a sequence ``output_size``'s None entries from the input's sizes,
    which fails with a ValueError on an input with too few dims; that kind is kept here."""
    if x.ndim in (nd + 1, nd + 2):
        return
    if nd > 1 and not isinstance(output_size, int) and x.ndim <= len(tuple(output_size)):
        raise ValueError(f"{op}: Input dimension should be at least {nd + 1}, got input of shape {tuple(x.shape)}")
    raise RuntimeError(
        f"{op}: expected a {nd + 1}-d (unbatched) or {nd + 2}-d (batched) input, got input of shape {tuple(x.shape)}"
    )


def _int_size(value: Any, op: str, name: str = "output_size") -> int:
    """``value`` as an int; a TypeError naming ``name`` for a float (PyTorch's parser)."""
    if not hasattr(type(value), "__index__") or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, but found element of type "
                        f"{type(value).__name__} ({value!r})")
    return int(value)


def check_adaptive_size(op: str, x: Tensor, sizes: tuple[int, ...], outs: tuple[int, ...]) -> None:
    """PyTorch's checks of an adaptive pooling: no negative output size, no empty input plane."""
    if any(o < 0 for o in outs):
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but received {outs}"
        )
    if any(s == 0 for s in sizes):
        raise RuntimeError(
            f"{op}: Expected input to have non-zero size for non-batch dimensions, but input has sizes "
            f"{list(x.shape)}"
        )


def adaptive_avg_poolnd(x: Tensor, output_size: Any, nd: int, op: str) -> Tensor:
    """Adaptive average pooling as products with averaging matrices (exact PyTorch windows:
    ``start = floor(i * n / out)``, ``end = ceil((i + 1) * n / out)``)."""
    from arraygrad.core.creation import tensor

    check_adaptive_rank(op, x, output_size, nd)
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"{op}: not implemented for an input of dtype {x.dtype.name}")
    sizes = tuple(x.shape[-nd:])
    single = isinstance(output_size, (int, float)) or output_size is None
    outs = (output_size,) * nd if single else tuple(output_size)
    if len(outs) != nd:
        raise RuntimeError(f"{op}: output_size must be an int or a tuple of {nd} entries, got {output_size!r}")
    outs = tuple(sizes[i] if o is None else _int_size(o, op) for i, o in enumerate(outs))
    check_adaptive_size(op, x, sizes, outs)
    out = x
    for i in range(nd):
        n, m = sizes[i], outs[i]
        rows = []
        for j in range(m):
            start, end = (j * n) // m, -(-((j + 1) * n) // m)
            rows.append([1.0 / (end - start) if start <= c < end else 0.0 for c in range(n)])
        axis = x.ndim - nd + i
        moved = shape.movedim(out, axis, -1)
        if m == 0:  # an empty output, as PyTorch allows (a slice: no product with an empty matrix)
            out = shape.movedim(moved[..., :0], -1, axis)
            continue
        avg = tensor(rows, dtype=x.dtype, backend=x._backend)  # (m, n)
        out = shape.movedim(ops.matmul(moved, shape.t(avg)), -1, axis)
    return out
