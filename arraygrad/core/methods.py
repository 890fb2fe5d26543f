"""Tensor methods and operators: thin bindings of the functions in ops, shape, indexing and
random, plus in-place variants, dtype conversion and moving between backends."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
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
    """Linearly interpolate from ``a`` towards ``end``: ``a + weight * (end - a)``.

    Args:
        a: the start tensor.
        end: the end tensor, broadcast against ``a``.
        weight: the interpolation weight, a number or a tensor broadcast against ``a``.

    Returns:
        The interpolated tensor.

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
    """Add ``value * tensor1 * tensor2`` (elementwise, broadcast) to ``a``.

    Args:
        a: the tensor added to.
        tensor1: the first factor.
        tensor2: the second factor.
        value: the scale of the product (default 1).

    Returns:
        ``a + value * tensor1 * tensor2``.

    Raises:
        TypeError: ``tensor1`` or ``tensor2`` is not a Tensor.
    """
    _tensor_arg("addcmul_", "tensor1", 1, tensor1)
    _tensor_arg("addcmul_", "tensor2", 2, tensor2)
    return ops.add(a, ops.mul(ops.mul(tensor1, tensor2), value))


def _addcdiv(a: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:
    """Add ``value * tensor1 / tensor2`` (elementwise, broadcast) to ``a``.

    Args:
        a: the tensor added to.
        tensor1: the numerator.
        tensor2: the denominator.
        value: the scale of the quotient (default 1).

    Returns:
        ``a + value * tensor1 / tensor2``.

    Raises:
        TypeError: ``tensor1`` or ``tensor2`` is not a Tensor.
    """
    _tensor_arg("addcdiv_", "tensor1", 1, tensor1)
    _tensor_arg("addcdiv_", "tensor2", 2, tensor2)
    return ops.add(a, ops.mul(ops.div(tensor1, tensor2), value))


def zero_(t: Tensor) -> Tensor:
    """Fill ``t`` with zeros in place (a non-leaf stays in the graph, with gradient 0 to its past).

    Args:
        t: the tensor to fill.

    Returns:
        ``t``, now all zeros.
    """
    return fill_(t, 0)


def fill_(t: Tensor, value: Any) -> Tensor:
    """Fill ``t`` with ``value`` in place; as in PyTorch, allowed on an expanded tensor.

    Every element gets the same value, so writing through an expanded (overlapping) tensor is fine.
    A 0-d tensor ``value`` is copied in as with ``copy_`` (its gradient flows).

    Args:
        t: the tensor to fill.
        value: a number or a 0-d tensor.

    Returns:
        ``t``, filled with ``value``.

    Raises:
        RuntimeError: ``value`` is a tensor with one or more dimensions.
        TypeError: ``value`` cannot be stored in ``t``'s dtype.
    """
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
    """Copy ``src`` into ``t`` in place, broadcast and converted to ``t``'s dtype and backend.

    When ``src`` requires grad, the gradient of ``t`` flows to it.

    Args:
        t: the destination tensor.
        src: the source tensor, broadcastable to ``t``'s shape.
        non_blocking: accepted for PyTorch compatibility; ignored (default False).

    Returns:
        ``t``, holding the values of ``src``.

    Raises:
        TypeError: ``src`` is not a Tensor.
        RuntimeError: ``src`` cannot be broadcast to ``t``'s shape.
    """
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
    """Convert ``t`` to another dtype and/or move it to another backend or device.

    Positional arguments may be a dtype (or ``float``/``int``/``bool``), a device or backend string
    (``"jax"``, ``"cpu"``, ``"cupy:1"``) or a tensor whose dtype and backend are taken:
    ``t.to(ag.float64)``, ``t.to("jax")``, ``t.to("cupy:1", ag.float32)``, ``t.to(other_tensor)``.
    Keywords ``dtype``, ``device`` and ``backend`` are accepted too; ``non_blocking`` and ``copy`` are
    accepted and ignored. The conversion is differentiable between floating dtypes and across backends.

    Args:
        t: the tensor to convert.

    Returns:
        The converted tensor, or ``t`` itself when nothing changes.

    Raises:
        TypeError: an unexpected keyword argument is given.
    """
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
    """Return ``t`` in host memory, as ``to("cpu")``.

    ``t`` itself when it is there already, else on its backend's CPU device (jax), or on the default
    backend (numpy when that is cupy too) for cupy tensors.

    Args:
        t: the tensor to move.
        memory_format: accepted for PyTorch compatibility; ignored (default None).

    Returns:
        The tensor in host memory.
    """
    return to(t, "cpu")


def _cuda(t: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
    """Return ``t`` on a CUDA device, as ``to("cuda")``.

    The backend is ``t``'s own when that reaches CUDA (jax on a GPU), else cupy, else jax.

    Args:
        t: the tensor to move.
        device: an int, ``"cuda:N"`` or a device; None for the current one (default None).
        non_blocking: accepted for PyTorch compatibility; ignored (default False).
        memory_format: accepted for PyTorch compatibility; ignored (default None).

    Returns:
        The tensor on the CUDA device.

    Raises:
        BackendUnavailableError: no backend reaches a CUDA device here.
    """
    if device is None:
        return to(t, "cuda")
    if isinstance(device, int) and not isinstance(device, bool):
        return to(t, f"cuda:{device}")
    return to(t, device)


def _to_dense(t: Tensor, dtype: Any = None) -> Tensor:
    """Return the dense form of ``t``: the tensor itself for a dense tensor, converted to ``dtype`` if given.

    Args:
        t: the tensor, dense or sparse COO (``arraygrad.sparse``).
        dtype: the dtype of the result; None keeps ``t``'s (default None).

    Returns:
        The dense tensor.
    """
    from arraygrad.sparse.coo import to_dense

    return to_dense(t, dtype)


def _to_sparse(t: Tensor, sparse_dim: int | None = None, *, layout: Any = None) -> Tensor:
    """Return the sparse COO form of ``t``, holding its nonzero elements.

    Args:
        t: the dense tensor.
        sparse_dim: the number of leading sparse dimensions; None for all of them (default None).
        layout: the sparse layout; only COO is produced (default None).

    Returns:
        The sparse COO tensor.
    """
    from arraygrad.sparse.coo import to_sparse

    return to_sparse(t, sparse_dim, layout=layout)


def _type_as(t: Tensor, other: Tensor) -> Tensor:
    """Return ``t`` converted to the dtype of ``other``.

    Args:
        t: the tensor to convert.
        other: the tensor whose dtype is taken.

    Returns:
        ``t`` in ``other``'s dtype (``t`` itself when it already has it).

    Raises:
        TypeError: ``other`` is not a Tensor.
    """
    return to_dtype(t, _tensor_arg("type_as", "other", 1, other).dtype)


# ---------------------------------------------------------------------- binding


def _view_as(a: Tensor, other: Tensor) -> Tensor:
    """Return a view of ``a`` with the shape of ``other``, as ``a.view(other.shape)``.

    Args:
        a: the tensor to view.
        other: the tensor whose shape is taken.

    Returns:
        A view of ``a`` sharing its memory, shaped like ``other``.

    Raises:
        TypeError: ``other`` is not a Tensor.
    """
    return shape.view(a, tuple(_tensor_arg("view_as", "other", 1, other).shape))


def _reshape_as(a: Tensor, other: Tensor) -> Tensor:
    """Return ``a`` reshaped to the shape of ``other``, as ``a.reshape(other.shape)``.

    Args:
        a: the tensor to reshape.
        other: the tensor whose shape is taken.

    Returns:
        ``a`` with ``other``'s shape (a view when possible, else a copy).

    Raises:
        TypeError: ``other`` is not a Tensor.
    """
    return shape.reshape(a, tuple(_tensor_arg("reshape_as", "other", 1, other).shape))


def _cast_method(dtype_name: str, what: str) -> Callable[[Tensor], Tensor]:
    """``Tensor.float``, ``Tensor.double``, ...: the method converting to one dtype, with its docstring."""
    target = getattr(dtypes, dtype_name)
    shown = dtype_name.rstrip("_")

    def cast(a: Tensor) -> Tensor:
        return to_dtype(a, target)

    cast.__doc__ = f"""Return ``a`` converted to {what} (``{shown}``), as ``a.to(arraygrad.{dtype_name})``.

    Args:
        a: the tensor to convert.

    Returns:
        ``a`` as ``{shown}``; ``a`` itself when it already has that dtype.
    """
    return cast


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
    T.view_as = _view_as
    T.reshape_as = _reshape_as
    T.T = property(lambda a: shape.permute(a, tuple(reversed(range(a.ndim)))),
                   doc="The tensor with its dimensions reversed (a view), as ``torch.Tensor.T``.")
    T.mT = property(lambda a: shape.transpose(a, -2, -1),
                    doc="The tensor with its last two dimensions swapped (a view), as ``torch.Tensor.mT``.")
    T.H = property(T.T.fget, doc="The conjugate transpose: for the real dtypes arraygrad has, the same as ``T``.")
    for method, dtype_name, what in (("float", "float32", "32-bit floating point"),
                                     ("double", "float64", "64-bit floating point"),
                                     ("half", "float16", "16-bit floating point"), ("bfloat16", "bfloat16", "bfloat16"),
                                     ("long", "int64", "64-bit integer"), ("int", "int32", "32-bit integer"),
                                     ("bool", "bool_", "boolean")):
        setattr(T, method, _cast_method(dtype_name, what))
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
