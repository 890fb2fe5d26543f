"""Tensor methods and operators: thin bindings of the functions in ops, shape, indexing and
random, plus in-place variants, dtype conversion and moving between backends."""

from __future__ import annotations

import inspect
import re
from typing import Any

from arraygrad import backends
from arraygrad.core import dtypes, indexing, legacy, matrix, ops, random, shape, sorting, views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.creation import resolve
from arraygrad.core.tensor import Tensor

_wrap = Tensor._wrap


# ---------------------------------------------------------------------- in-place ops


_check_inplace = views.check_inplace


def _commit(t: Tensor, result: Tensor, op: str, fresh: bool = True) -> Tensor:
    """Make ``t`` hold ``result`` (an out-of-place result): written into ``t``'s memory (every
    alias and view sees it), the version bumps and, when recorded, ``t`` (or the base it is a view
    of) moves onto the graph node of the change."""
    if result._storage.array.dtype != t._storage.array.dtype:
        rd, td = result.dtype, t.dtype
        # like PyTorch: a wider type of the same category is cast back (float32 += float64),
        # a higher category is refused (int += float)
        if dtypes.category(rd) > dtypes.category(td):
            raise RuntimeError(f"{op}: result type {rd} can't be cast to the desired output type {td}")
        result = to_dtype(result, td)
    if tuple(result._storage.array.shape) != tuple(t._storage.array.shape):
        raise RuntimeError(
            f"{op}: output with shape {tuple(t.shape)} doesn't match the broadcast shape {tuple(result.shape)}"
        )
    return views.commit(t, result, op, fresh)


def _records(t: Tensor, args: Any) -> bool:
    """Whether an in-place op on ``t`` with ``args`` will be recorded by autograd."""
    return GRAD_MODE.enabled and (views.in_graph(t) or any(isinstance(a, Tensor) and a._rg for a in args))


def _inplace_doc(fn: Any, name: str) -> str:
    """The docstring of the in-place method ``name``: ``fn``'s own, whose result is now ``self``."""
    head = f"In-place ``{fn.__name__}``: ``self`` is overwritten with the result and returned."
    doc = inspect.cleandoc(fn.__doc__ or "")
    if not doc:
        return head
    lines, kept, skipping = doc.splitlines(), [], False
    for line in lines:
        if re.match(r"^(Returns|Yields):\s*$", line):
            skipping = True
            kept += [line, "    ``self``, overwritten with the result."]
            continue
        if skipping and line and not line[0].isspace():
            skipping = False
            kept.append("")
        if not skipping:
            kept.append(line)
    return head + "\n\n" + "\n".join(kept)


def _inplace(fn: Any, name: str) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _check_inplace(self, name)
        snap = views.snapshot(self, _records(self, (*args, *kwargs.values())))
        return _commit(self, fn(snap, *args, **kwargs), name)

    method.__name__ = name
    method.__doc__ = _inplace_doc(fn, name)
    method.__wrapped__ = fn  # type: ignore[attr-defined]  # its signature, for help() and the type stub
    return method


def _tensor_arg(op: str, name: str, position: int, value: Any) -> Tensor:
    """``value``, which must be a Tensor: PyTorch's TypeError naming the argument otherwise."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}")
    return value


def _lerp(a: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``a + weight * (end - a)``.

    Raises:
        TypeError: ``end`` is not a Tensor.
        RuntimeError: ``end`` (or a tensor ``weight``) has another dtype than ``a`` (PyTorch
            does not promote here).
    """
    _tensor_arg("lerp_", "end", 1, end)
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other.dtype is not a.dtype:
            raise RuntimeError(f"lerp_: expected dtype {a.dtype} for `{name}` but got dtype {other.dtype}")
    return ops.add(a, ops.mul(ops.sub(end, a), weight))


def _addcmul(a: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:
    """``a + value * tensor1 * tensor2``."""
    _tensor_arg("addcmul_", "tensor1", 1, tensor1)
    _tensor_arg("addcmul_", "tensor2", 2, tensor2)
    return ops.add(a, ops.mul(ops.mul(tensor1, tensor2), value))


def _addcdiv(a: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:
    """``a + value * tensor1 / tensor2``."""
    _tensor_arg("addcdiv_", "tensor1", 1, tensor1)
    _tensor_arg("addcdiv_", "tensor2", 2, tensor2)
    return ops.add(a, ops.mul(ops.div(tensor1, tensor2), value))


def zero_(t: Tensor) -> Tensor:
    """Fill with zeros in place (a non-leaf stays in the graph, with gradient 0 to its past)."""
    return fill_(t, 0)


def fill_(t: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or a 0-d tensor) in place; like PyTorch's, allowed on an
    expanded tensor (every element gets the same value)."""
    return _fill(t, value, "fill_", uniform=True)


def _fill(t: Tensor, value: Any, op: str, uniform: bool) -> Tensor:
    _check_inplace(t, op)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return copy_(t, value)
    backend = t._backend
    arr = t._storage.array
    try:
        filled = backend.xp.full(arr.shape, value, dtype=arr.dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{op}: cannot fill a {t.dtype} tensor with {value!r}: {exc}") from None
    return views.assign(t, filled, op, fill=uniform)


def copy_(t: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted to this tensor's dtype and backend) into ``t``;
    when ``src`` requires grad, the gradient of ``t`` flows to it."""
    _check_inplace(t, "copy_")
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: expected a Tensor as source, got {type(src).__name__}")
    if src._backend is not t._backend:
        src = to_backend(src, t._backend, None)
    try:
        value = shape.expand(to_dtype(src, t.dtype), tuple(t.shape))
    except RuntimeError as exc:
        raise RuntimeError(f"copy_: source of shape {tuple(src.shape)} cannot be broadcast to {tuple(t.shape)}: "
                           f"{exc}") from None
    if not _records(t, (value,)):
        views.write(t, value._storage.array, "copy_", fresh=False)
        return t
    return _commit(t, views.overwrite(views.snapshot(t, False), value), "copy_", fresh=False)


# ---------------------------------------------------------------------- dtype and backend moves


class ToCopyBackward0(Node):
    __slots__ = ("src_dtype", "src_backend")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        if g._backend is not self.src_backend:
            g = to_backend(g, self.src_backend, None)
        return (to_dtype(g, self.src_dtype),)


def to_dtype(t: Tensor, dt: dtypes.dtype) -> Tensor:
    """``t`` converted to dtype ``dt`` (differentiable between floating dtypes)."""
    native = t._backend.native_dtype(dt.name)
    x = t._storage.array
    if x.dtype == native:
        return t
    out = t._backend.xp.astype(x, native)
    if GRAD_MODE.enabled and t._rg and dt.is_floating_point:
        node = ToCopyBackward0((t,))
        node.src_dtype, node.src_backend = t.dtype, t._backend
        return _wrap(out, t._backend, node)
    return _wrap(out, t._backend)


def to_backend(t: Tensor, backend: Any, index: int | None) -> Tensor:
    """``t`` moved to another backend or device: DLPack where the libraries allow, host copy otherwise."""
    src = t._backend
    dst = backends.get(backend)
    x = t._storage.array
    if dst is src:
        out = dst.to_device(x, index) if index is not None else x
        if out is x:
            return t
    else:
        out = None
        if src.device_of(x) != "cpu" or dst.name in ("cupy",):
            try:
                out = dst.from_dlpack(x)
            except Exception:
                out = None
        if out is None:
            out = dst.from_numpy(src.to_numpy(x))
        if index is not None:
            out = dst.to_device(out, index)
    if GRAD_MODE.enabled and t._rg:
        node = ToCopyBackward0((t,))
        node.src_dtype, node.src_backend = t.dtype, src
        return _wrap(out, dst, node)
    return _wrap(out, dst)


def to(t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert dtype and/or move backend/device: ``t.to(ag.float64)``, ``t.to("jax")``,
    ``t.to("cupy:1", ag.float32)``, ``t.to(other_tensor)``. Returns ``t`` itself when nothing changes."""
    dt = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    be = kwargs.pop("backend", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dt, be = dt or a.dtype, a._backend
        elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
            dt = a
        elif a is not None:
            dev = a
    out = t
    if be is not None or dev is not None:
        target, index = resolve(be, dev, t._backend)
        out = to_backend(out, target, index)
    if dt is not None:
        out = to_dtype(out, dtypes.as_dtype(dt))
    return out


def _cpu(t: Tensor, memory_format: Any = None) -> Tensor:
    """``t`` in host memory, as ``to("cpu")``: itself when it is there already, else on its backend's
    CPU device (jax), or on the default backend (numpy when that is cupy too) for cupy tensors."""
    return to(t, "cpu")


def _cuda(t: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
    """``t`` on CUDA device ``device`` (an int, ``"cuda:N"`` or a device; default: the current one), as
    ``to("cuda")``: its own backend when that reaches CUDA (jax on a GPU), else cupy, else jax.

    Raises:
        BackendUnavailableError: no backend reaches a CUDA device here.
    """
    if device is None:
        return to(t, "cuda")
    if isinstance(device, int) and not isinstance(device, bool):
        return to(t, f"cuda:{device}")
    return to(t, device)


def _to_dense(t: Tensor, dtype: Any = None) -> Tensor:
    """The tensor itself for a dense tensor (converted to ``dtype`` if given); see ``arraygrad.sparse``."""
    from arraygrad.sparse.coo import to_dense

    return to_dense(t, dtype)


def _to_sparse(t: Tensor, sparse_dim: int | None = None, *, layout: Any = None) -> Tensor:
    """The sparse COO form of this tensor (its nonzeros; see ``arraygrad.sparse.coo.to_sparse``)."""
    from arraygrad.sparse.coo import to_sparse

    return to_sparse(t, sparse_dim, layout=layout)


def _type_as(t: Tensor, other: Tensor) -> Tensor:
    """This tensor in ``other``'s dtype."""
    return to_dtype(t, _tensor_arg("type_as", "other", 1, other).dtype)


# ---------------------------------------------------------------------- binding


def _bind() -> None:
    T = Tensor
    # arithmetic operators
    T.__add__ = lambda a, b: ops.add(a, b)
    T.__radd__ = lambda a, b: ops.add(a, b)
    T.__sub__ = lambda a, b: ops.sub(a, b)
    T.__rsub__ = lambda a, b: ops.rsub(a, b)
    T.__mul__ = lambda a, b: ops.mul(a, b)
    T.__rmul__ = lambda a, b: ops.mul(a, b)
    T.__truediv__ = lambda a, b: ops.div(a, b)
    T.__rtruediv__ = lambda a, b: ops.rdiv(a, b)
    T.__floordiv__ = lambda a, b: ops.floor_divide(a, b)
    T.__rfloordiv__ = lambda a, b: ops.floor_divide(ops._as_operand(b, a), a)
    T.__mod__ = lambda a, b: ops.remainder(a, b)
    T.__rmod__ = lambda a, b: ops.remainder(ops._as_operand(b, a), a)
    T.__pow__ = lambda a, b: ops.pow(a, b)
    T.__rpow__ = lambda a, b: ops.rpow(a, b)
    T.__matmul__ = lambda a, b: ops.matmul(a, b)
    T.__rmatmul__ = lambda a, b: ops.matmul(b, a)
    T.__neg__ = lambda a: ops.neg(a)
    T.__pos__ = lambda a: a
    T.__abs__ = lambda a: ops.abs(a)
    T.__invert__ = lambda a: ops.bitwise_not(a)
    T.__and__ = lambda a, b: ops.bitwise_and(a, b)
    T.__or__ = lambda a, b: ops.bitwise_or(a, b)
    T.__xor__ = lambda a, b: ops.bitwise_xor(a, b)
    T.__rand__ = lambda a, b: ops.bitwise_and(a, b)
    T.__ror__ = lambda a, b: ops.bitwise_or(a, b)
    T.__rxor__ = lambda a, b: ops.bitwise_xor(a, b)
    # comparisons
    T.__eq__ = lambda a, b: ops.eq(a, b)  # type: ignore[assignment,method-assign]
    T.__ne__ = lambda a, b: ops.ne(a, b)  # type: ignore[assignment,method-assign]
    T.__lt__ = lambda a, b: ops.lt(a, b)
    T.__le__ = lambda a, b: ops.le(a, b)
    T.__gt__ = lambda a, b: ops.gt(a, b)
    T.__ge__ = lambda a, b: ops.ge(a, b)
    # indexing
    T.__getitem__ = indexing.getitem
    T.__setitem__ = indexing.setitem
    # in-place operators
    T.__iadd__ = _inplace(ops.add, "__iadd__")
    T.__isub__ = _inplace(ops.sub, "__isub__")
    T.__imul__ = _inplace(ops.mul, "__imul__")
    T.__itruediv__ = _inplace(ops.div, "__itruediv__")

    methods = {
        # arithmetic and math
        "add": ops.add, "sub": ops.sub, "subtract": ops.sub, "mul": ops.mul, "multiply": ops.mul,
        "div": ops.div, "divide": ops.div, "true_divide": ops.div, "floor_divide": ops.floor_divide,
        "remainder": ops.remainder, "fmod": ops.fmod, "pow": ops.pow, "neg": ops.neg, "negative": ops.neg,
        "abs": ops.abs, "absolute": ops.abs, "exp": ops.exp, "expm1": ops.expm1, "log": ops.log,
        "log1p": ops.log1p, "log2": ops.log2, "log10": ops.log10, "sqrt": ops.sqrt, "rsqrt": ops.rsqrt,
        "reciprocal": ops.reciprocal, "square": ops.square, "sin": ops.sin, "cos": ops.cos, "tan": ops.tan,
        "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu, "sign": ops.sign, "floor": ops.floor,
        "ceil": ops.ceil, "round": ops.round, "trunc": ops.trunc, "clamp": ops.clamp, "clip": ops.clamp,
        "maximum": ops.maximum, "minimum": ops.minimum, "softmax": ops.softmax, "log_softmax": ops.log_softmax,
        # comparisons and logic
        "eq": ops.eq, "ne": ops.ne, "lt": ops.lt, "le": ops.le, "gt": ops.gt, "ge": ops.ge,
        "greater": ops.gt, "less": ops.lt, "greater_equal": ops.ge, "less_equal": ops.le, "not_equal": ops.ne,
        "logical_and": ops.logical_and, "logical_or": ops.logical_or, "logical_xor": ops.logical_xor,
        "logical_not": ops.logical_not, "isnan": ops.isnan, "isinf": ops.isinf, "isfinite": ops.isfinite,
        "allclose": ops.allclose, "isclose": ops.isclose, "equal": ops.equal,
        # reductions
        "sum": ops.sum, "mean": ops.mean, "var": ops.var, "std": ops.std, "prod": ops.prod, "max": ops.max,
        "min": ops.min, "amax": ops.amax, "amin": ops.amin, "argmax": ops.argmax, "argmin": ops.argmin,
        "logsumexp": ops.logsumexp, "cumsum": ops.cumsum, "all": ops.all, "any": ops.any, "norm": ops.norm,
        "count_nonzero": ops.count_nonzero,
        # matmul
        "matmul": ops.matmul, "mm": ops.mm, "bmm": ops.bmm, "addmm": ops.addmm, "mv": ops.mv, "dot": ops.dot, "inner": ops.inner,
        "outer": ops.outer,
        # shape
        "reshape": shape.reshape, "view": shape.view, "narrow": shape.narrow, "select": shape.select,
        "diagonal": shape.diagonal, "permute": shape.permute, "transpose": shape.transpose,
        "swapaxes": shape.transpose, "swapdims": shape.transpose, "t": shape.t, "movedim": shape.movedim,
        "moveaxis": shape.movedim, "expand": shape.expand, "broadcast_to": shape.broadcast_to,
        "expand_as": shape.expand_as, "squeeze": shape.squeeze, "unsqueeze": shape.unsqueeze,
        "flatten": shape.flatten, "unflatten": shape.unflatten, "ravel": shape.ravel, "split": shape.split,
        "chunk": shape.chunk, "tensor_split": shape.tensor_split, "unbind": shape.unbind, "flip": shape.flip,
        "fliplr": shape.fliplr, "flipud": shape.flipud, "roll": shape.roll, "repeat": shape.repeat,
        "tile": shape.tile, "repeat_interleave": shape.repeat_interleave, "clone": shape.clone,
        "contiguous": shape.contiguous, "tril": shape.tril, "triu": shape.triu,
        # indexing
        "gather": indexing.gather, "scatter": indexing.scatter, "scatter_add": indexing.scatter_add,
        "index_select": indexing.index_select, "index_add": indexing.index_add, "masked_fill": indexing.masked_fill,
        "masked_select": indexing.masked_select, "take": indexing.take, "take_along_dim": indexing.take_along_dim,
        "nonzero": indexing.nonzero, "argwhere": indexing.argwhere, "index_put": indexing.index_put,
        # sorting, selection, diagonal matrices
        "sort": sorting.sort, "argsort": sorting.argsort, "msort": sorting.msort, "topk": sorting.topk,
        "kthvalue": sorting.kthvalue, "median": sorting.median, "nanmedian": sorting.nanmedian,
        "cummax": sorting.cummax, "cummin": sorting.cummin, "unique": sorting.unique,
        "unique_consecutive": sorting.unique_consecutive, "bincount": sorting.bincount,
        "diag": matrix.diag, "diag_embed": matrix.diag_embed, "diagflat": matrix.diagflat,
        "multinomial": random.multinomial,
        # conversion
        "to": to, "cpu": _cpu, "cuda": _cuda, "type_as": _type_as,
        "zero_": zero_, "fill_": fill_, "copy_": copy_,
        "uniform_": random.uniform_, "normal_": random.normal_,
    }
    for name, fn in methods.items():
        setattr(T, name, fn)
    T.to_dense = _to_dense
    T.to_sparse = _to_sparse
    T.view_as = lambda a, other: shape.view(a, tuple(_tensor_arg("view_as", "other", 1, other).shape))
    T.reshape_as = lambda a, other: shape.reshape(a, tuple(_tensor_arg("reshape_as", "other", 1, other).shape))
    T.T = property(lambda a: shape.permute(a, tuple(reversed(range(a.ndim)))))
    T.mT = property(lambda a: shape.transpose(a, -2, -1))
    T.H = T.T
    T.float = lambda a: to_dtype(a, dtypes.float32)
    T.double = lambda a: to_dtype(a, dtypes.float64)
    T.half = lambda a: to_dtype(a, dtypes.float16)
    T.bfloat16 = lambda a: to_dtype(a, dtypes.bfloat16)
    T.long = lambda a: to_dtype(a, dtypes.int64)
    T.int = lambda a: to_dtype(a, dtypes.int32)
    T.bool = lambda a: to_dtype(a, dtypes.bool_)
    legacy.bind()  # type(), new(), new_tensor(), new_zeros(), ...

    inplace = {
        "add_": ops.add, "sub_": ops.sub, "mul_": ops.mul, "div_": ops.div, "pow_": ops.pow,
        "clamp_": ops.clamp, "clip_": ops.clamp, "neg_": ops.neg, "exp_": ops.exp, "log_": ops.log,
        "sqrt_": ops.sqrt, "abs_": ops.abs, "relu_": ops.relu, "sigmoid_": ops.sigmoid, "tanh_": ops.tanh,
        "floor_": ops.floor, "ceil_": ops.ceil, "round_": ops.round, "masked_fill_": indexing.masked_fill,
        "scatter_": indexing.scatter, "scatter_add_": indexing.scatter_add, "index_add_": indexing.index_add,
        "maximum_": ops.maximum, "minimum_": ops.minimum, "lerp_": _lerp,
        "addcmul_": _addcmul,
        "addcdiv_": _addcdiv,
    }
    for name, fn in inplace.items():
        setattr(T, name, _inplace(fn, name))


_bind()
