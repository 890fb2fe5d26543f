"""Indexing with gradients: ``x[key]``, ``x[key] = v``, gather/scatter and friends.

Every gradient of an indexing op is an indexed accumulation (repeated indices add up), done by
the backend's ``getitem_grad`` / ``index_add`` kernels; ``index_put`` is the one functional
update primitive, and gather, scatter, index_select, index_add are written with it and getitem.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import dtypes, tracing, views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor, _dim, _int_arg

_wrap = Tensor._wrap
_BASIC = (int, slice, type(None), type(Ellipsis))


def check_index_bounds(op: str | None, index: Any, size: int, dim: int, backend: Any, *, negative: bool = False,
                       error: type[Exception] = RuntimeError) -> None:
    """Raise PyTorch's error when a value of the native integer array ``index`` lies outside
    ``[0, size)`` (``[-size, size)`` when ``negative``: ops that wrap negative indices like
    Python, as ``x[i]`` does).

    The one bounds check shared by indexing, gather/scatter, index_select/index_add and
    embedding: without it numpy and array-api-strict wrap negative indices silently and jax
    clamps or drops out-of-range ones. It costs one min and one max reduction (a host sync on
    jax); an empty index costs nothing.

    Raises:
        ``error`` (RuntimeError unless given): an index out of range, named with ``dim`` and ``size``.
    """
    if index.ndim and not math.prod(index.shape):
        return
    xp = backend.xp
    low = -size if negative else 0

    def check(lo: int, hi: int) -> None:
        if lo < low or hi >= size:
            bad = lo if lo < low else hi
            prefix = f"{op}: " if op else ""
            raise error(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {size}")

    lo_arr, hi_arr = xp.min(index), xp.max(index)
    if backend.is_traced(index):  # inside ag.compile: checked on the host after the program ran
        failed = xp.logical_or(xp.less(lo_arr, low), xp.greater_equal(hi_arr, size))
        tracing.check_later(failed, (lo_arr, hi_arr), check)
        return
    check(int(lo_arr), int(hi_arr))


def _index_array(op: str, a: Tensor, index: Any) -> Any:
    """The native array of an integer index tensor for ``a``, or PyTorch's error."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._backend is not a._backend:
        raise _mismatch(a, index)
    if index.dtype.is_floating_point or index.dtype.is_complex or index.dtype is dtypes.bool_:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {index.dtype}")
    return index._storage.array


def normalize_key(a: Tensor, key: Any) -> tuple[Any, ...]:
    """Turn a user's index into a tuple of ints, slices, None, Ellipsis and native arrays,
    checking bounds (jax would silently clamp) and naming the offending dimension."""
    if isinstance(key, list) and len(key) < 32 and any(
        isinstance(k, (list, tuple, slice, Tensor)) or k is None or k is Ellipsis for k in key
    ):
        # PyTorch (like NumPy before 1.23) reads a short list holding sequences, slices, None or
        # Ellipsis as a tuple of per-dimension indices: x[[[0, 1], [1, 0]]] is x[[0, 1], [1, 0]]
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated; use x[tuple(seq)] "
            "instead of x[seq] (PyTorch plans to read it as a tensor index, x[tensor(seq)])",
            UserWarning,
            stacklevel=3,
        )
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    backend = a._backend
    shape = a._storage.array.shape
    consuming = [k for k in key if k is not None and k is not Ellipsis]
    n_axes = 0
    for k in consuming:
        n_axes += k.ndim if isinstance(k, Tensor) and k.dtype is dtypes.bool_ else 1
    if n_axes > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out: list[Any] = []
    axis = 0
    for k in key:
        if k is None:
            out.append(None)
        elif k is Ellipsis:
            out.append(Ellipsis)
            axis = len(shape) - (n_axes - axis)  # the entries after it index the last axes
        elif isinstance(k, slice):
            if k.step == 0:
                raise ValueError("slice step cannot be zero")
            # clamp the bounds like Python does (the standard leaves out-of-range bounds open)
            start, stop, step = k.indices(shape[axis])
            out.append(slice(start, None if step < 0 and stop < 0 else stop, step))
            axis += 1
        elif isinstance(k, bool) or (isinstance(k, Tensor) and k.dtype is dtypes.bool_) or (
            isinstance(k, list) and k and all(isinstance(v, bool) for v in k)
        ):
            mask = k if isinstance(k, Tensor) else _index_tensor(k, a, dtypes.bool_)
            if mask._backend is not backend:
                raise _mismatch(a, mask)
            m = mask._storage.array
            if tuple(m.shape) != tuple(shape[axis : axis + m.ndim]):
                raise IndexError(
                    f"The shape of the mask {list(m.shape)} at index {axis} does not match the shape of the "
                    f"indexed tensor {list(shape[axis:axis + m.ndim])}"
                )
            out.append(m)
            axis += m.ndim
        elif isinstance(k, int) or (hasattr(k, "__index__") and not isinstance(k, (Tensor, list))):
            i = int(k.__index__()) if not isinstance(k, int) else k
            size = shape[axis]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {axis} with size {size}")
            out.append(i)
            axis += 1
        elif isinstance(k, (Tensor, list, tuple, range)) or hasattr(k, "shape"):
            # a range indexes like the list of its values, as in PyTorch
            idx = k if isinstance(k, Tensor) else _index_tensor(list(k) if type(k) is range else k, a, dtypes.int64)
            if idx._backend is not backend:
                raise _mismatch(a, idx)
            if idx.dtype.is_floating_point or idx.dtype.is_complex:
                raise IndexError(f"tensors used as indices must be long, int or bool tensors, got {idx.dtype}")
            arr = idx._storage.array
            check_index_bounds(None, arr, shape[axis], axis, backend, negative=True, error=IndexError)
            out.append(arr)
            axis += 1
        else:
            raise IndexError(
                f"only integers, slices, None, Ellipsis and integer or boolean tensors are valid indices "
                f"(got {type(k).__name__})"
            )
    if Ellipsis not in [k for k in out if not hasattr(k, "shape")]:
        out.append(Ellipsis)  # the standard wants a key that covers every axis
    return tuple(out)


def _index_tensor(k: Any, like: Tensor, dtype: dtypes.dtype) -> Tensor:
    from arraygrad.core.creation import tensor

    return tensor(k, dtype=dtype, backend=like._backend)


def _mismatch(a: Tensor, idx: Tensor) -> RuntimeError:
    return RuntimeError(
        f"indexing: tensor is on backend {a._backend.name!r} but the index is on {idx._backend.name!r}"
    )


def _split_ints(key: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A key with ints and index arrays as (ints-only key, the rest without the ints)."""
    selected: list[Any] = []
    for k in key:
        if k is None:
            continue
        if type(k) is int or k is Ellipsis:
            selected.append(k)
        elif hasattr(k, "shape") and k.ndim and str(k.dtype).endswith("bool"):
            selected.extend([slice(None)] * k.ndim)
        else:
            selected.append(slice(None))
    return tuple(selected), tuple(k for k in key if type(k) is not int)


def _is_basic(key: tuple[Any, ...]) -> bool:
    return all(isinstance(k, _BASIC) for k in key)


class IndexBackward0(Node):
    __slots__ = ("shape", "key")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (index_grad(g, self.shape, self.key),)


class SliceBackward0(IndexBackward0):
    __slots__ = ()


# PyTorch's names for the ops whose single node is an indexing node (the backward is the same)
class GatherBackward0(IndexBackward0):
    __slots__ = ()


class IndexSelectBackward0(IndexBackward0):
    __slots__ = ()


class EmbeddingBackward0(IndexBackward0):
    __slots__ = ()


def named_node(t: Tensor, base: type[Node], name_cls: type[Node]) -> Tensor:
    """Give ``t``'s node the PyTorch name of the op that made it: ``name_cls`` is a subclass of
    the node's class ``base`` that adds no state or behaviour, so switching the class is safe."""
    if type(t.grad_fn) is base:
        t.grad_fn.__class__ = name_cls
    return t


def getitem(a: Tensor, key: Any) -> Tensor:
    """``a[key]`` with NumPy/PyTorch semantics; the gradient scatters back (adding repeats)."""
    if isinstance(key, int) and a.ndim and -a._storage.array.shape[0] <= key < a._storage.array.shape[0]:
        nkey: tuple[Any, ...] = (key, Ellipsis)  # fast path: x[i]
    else:
        nkey = normalize_key(a, key)
    x = a._storage.array
    basic = _is_basic(nkey)
    if not basic and any(type(k) is int for k in nkey):
        # PyTorch applies integer indices first, as a select; NumPy would treat them as
        # advanced indices, which moves dims when a slice separates them from an array
        selected, rest = _split_ints(nkey)
        return getitem_normalized(getitem_normalized(a, selected), rest)
    try:
        out = x[nkey] if basic else a._backend.getitem(x, nkey)
    except IndexError:
        raise
    except Exception as exc:
        raise IndexError(f"index: invalid index {key!r} for tensor of shape {tuple(x.shape)}: {exc}") from None
    node = None
    if GRAD_MODE.enabled and a._rg:
        node = (SliceBackward0 if basic else IndexBackward0)((a,))
        node.shape, node.key = tuple(x.shape), nkey
    if basic:  # a view, as in PyTorch; advanced indexing copies
        return views.make_view(a, views.IndexStep(nkey), out, node)
    return _wrap(out, a._backend, node)


class IndexGradBackward0(Node):
    __slots__ = ("key",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (getitem_normalized(g, self.key),)


def getitem_normalized(a: Tensor, key: tuple[Any, ...]) -> Tensor:
    """``a[key]`` for a key already normalised (used by backward formulas)."""
    x = a._storage.array
    basic = _is_basic(key)
    out = x[key] if basic else a._backend.getitem(x, key)
    node = None
    if GRAD_MODE.enabled and a._rg:
        node = (SliceBackward0 if basic else IndexBackward0)((a,))
        node.shape, node.key = tuple(x.shape), key
    if basic:
        return views.make_view(a, views.IndexStep(key), out, node)
    return _wrap(out, a._backend, node)


def index_grad(g: Tensor, shape: tuple[int, ...], key: tuple[Any, ...]) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices accumulate)."""
    out = g._backend.getitem_grad(shape, key, g._storage.array)
    if GRAD_MODE.enabled and g._rg:
        node = IndexGradBackward0((g,))
        node.key = key
        return _wrap(out, g._backend, node)
    return _wrap(out, g._backend)


class IndexPutBackward0(Node):
    __slots__ = ("key", "accumulate", "vshape")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        from arraygrad.core.ops import sum_to

        gx = gv = None
        if self.needs(0):
            gx = g if self.accumulate else index_put(g, self.key, 0.0, normalized=True)
        if len(self.next) > 1 and self.needs(1):
            gv = sum_to(getitem_normalized(g, self.key), self.vshape)
        return (gx,) if len(self.next) == 1 else (gx, gv)


def index_put(a: Tensor, key: Any, values: Any, accumulate: bool = False, *, normalized: bool = False) -> Tensor:
    """A new tensor equal to ``a`` with ``values`` written (or added, if ``accumulate``) at ``key``.

    Raises:
        TypeError: ``values`` is not a tensor.
        RuntimeError: ``values`` has another dtype than ``a``, cannot be broadcast to the indexed
            shape, or is on another backend.
    """
    from arraygrad.core.ops import _backend_mismatch

    if not normalized:
        # the public op: PyTorch takes only a tensor of ``a``'s own dtype (``a[key] = v`` and the
        # ops built on this one convert or check values themselves)
        if not isinstance(values, Tensor):
            raise TypeError(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}")
        if values.dtype != a.dtype:
            raise RuntimeError(
                "index_put: Index put requires the source and destination dtypes match, got "
                f"{a.dtype} for the destination and {values.dtype} for the source."
            )
    nkey = key if normalized else normalize_key(a, key)
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    vt = values if isinstance(values, Tensor) else None
    if vt is not None:
        if vt._backend is not backend:
            raise _backend_mismatch("index_put", a, vt)
        v = vt._storage.array
        if v.dtype != x.dtype:
            v = xp.astype(v, x.dtype)
    else:
        v = xp.asarray(values, dtype=x.dtype)
    target_shape = tuple((x[nkey] if _is_basic(nkey) else backend.getitem(x, nkey)).shape)
    try:
        vb = xp.broadcast_to(v, target_shape)
    except Exception:
        raise RuntimeError(
            f"index_put: shape mismatch: value tensor of shape {tuple(v.shape)} cannot be broadcast to indexing "
            f"result of shape {target_shape}"
        ) from None
    if accumulate:
        out = xp.add(x, backend.getitem_grad(tuple(x.shape), nkey, vb))
    else:
        out = backend.setitem(x, nkey, vb)
    inputs = (a,) if vt is None else (a, vt)
    if GRAD_MODE.enabled and (a._rg or (vt is not None and vt._rg)):
        node = IndexPutBackward0(inputs)
        node.key, node.accumulate, node.vshape = nkey, accumulate, tuple(v.shape)
        return _wrap(out, backend, node)
    return _wrap(out, backend)


def setitem(a: Tensor, key: Any, value: Any) -> None:
    """``a[key] = value``, written into ``a``'s memory (every view sees it) and recorded by autograd
    like PyTorch: a basic key copies into the view ``a[key]``, an advanced one is ``index_put_``."""
    from arraygrad.core.methods import _commit, _fill, copy_

    views.check_inplace(a, "setitem")
    nkey = normalize_key(a, key)
    if _is_basic(nkey):
        target = getitem_normalized(a, nkey)
        if isinstance(value, Tensor):
            copy_(target, value)
        elif isinstance(value, (bool, int, float, complex)):
            _fill(target, value, "setitem", uniform=False)  # PyTorch refuses x[k] = v where elements repeat
        else:
            copy_(target, _index_tensor(value, a, a.dtype))
        return
    snap = views.snapshot(a, False)
    result = index_put(snap, nkey, value, normalized=True)
    _commit(a, result, "setitem")


def _gather_key(a: Tensor, dim: int, index: Tensor, op: str, *, negative: bool = False,
                error: type[Exception] = RuntimeError) -> tuple[Any, ...]:
    """The normalised advanced-indexing key equivalent to ``gather(a, dim, index)``; the index
    values must lie in ``[0, a.shape[dim])`` (``[-size, size)`` when ``negative``)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    d = _dim(dim, a.ndim, op)  # PyTorch checks the dim first
    if index.ndim != a.ndim:
        raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as input ({index.ndim} vs {a.ndim})")
    if index.dtype.is_floating_point or index.dtype.is_complex or index.dtype is dtypes.bool_:
        raise RuntimeError(f"{op}: expected an integer index tensor, got {index.dtype}")
    if index._backend is not a._backend:
        raise _mismatch(a, index)
    backend = a._backend
    xp = backend.xp
    arr = index._storage.array
    a_shape = a._storage.array.shape
    check_index_bounds(op, arr, a_shape[d] if a.ndim else 1, d, backend, negative=negative, error=error)
    i64 = backend.native_dtype("int64")
    key: list[Any] = []
    for ax in range(a.ndim):
        n = arr.shape[ax]
        if ax == d:
            key.append(arr)
            continue
        if n > a_shape[ax]:
            raise RuntimeError(
                f"{op}: size of index ({tuple(index.shape)}) must not exceed the input size ({tuple(a.shape)}) at "
                f"dimension {ax}"
            )
        shape = [1] * a.ndim
        shape[ax] = n
        key.append(xp.reshape(xp.arange(n, dtype=i64), tuple(shape)))
    return (*key, Ellipsis)  # a 0-d input (and index, whose value is 0) gives (Ellipsis,): the input


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j][k] = a[i][index[i][j][k]][k]`` (for dim 1), like ``torch.gather``.

    Raises:
        RuntimeError: an index outside ``[0, a.shape[dim])`` (negative ones included, as in
            PyTorch), index of another rank or too large in another dim. IndexError: bad ``dim``.
    """
    return named_node(getitem_normalized(a, _gather_key(a, dim, index, "gather")), IndexBackward0, GatherBackward0)


def take_along_dim(a: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Select values along ``dim`` at ``indices`` (broadcast against ``a``); flattened when dim is None.
    Negative indices count from the end, as in PyTorch.

    Raises:
        RuntimeError: an index outside ``[-size, size)`` (as PyTorch's gather kernel reports it).
    """
    from arraygrad.core.shape import broadcast_shapes, expand, reshape

    if dim is None:
        flat = reshape(a, (-1,))
        key = _gather_key(flat, 0, reshape(indices, (-1,)), "take_along_dim", negative=True)
        return named_node(getitem_normalized(flat, key), IndexBackward0, GatherBackward0)
    d = _dim(dim, a.ndim, "take_along_dim")
    a_shape, i_shape = list(a.shape), list(indices.shape)
    a_shape[d] = i_shape[d] = 1
    common = list(broadcast_shapes(a_shape, i_shape))
    ta, ti = common.copy(), common.copy()
    ta[d], ti[d] = a.shape[d], indices.shape[d]
    # PyTorch wraps negative indices here (unlike gather)
    source = expand(a, tuple(ta))
    key = _gather_key(source, d, expand(indices, tuple(ti)), "take_along_dim", negative=True)
    return named_node(getitem_normalized(source, key), IndexBackward0, GatherBackward0)


def scatter(a: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
    """Out-of-place ``torch.scatter``: ``a`` with ``src`` (or ``value``) written at ``index`` along ``dim``.

    Raises:
        RuntimeError: an index outside ``[0, a.shape[dim])`` (negative ones included, as in PyTorch).
    """
    return _scatter("scatter", a, dim, index, src, value, reduce)


def _scatter(op: str, a: Tensor, dim: int, index: Tensor, src: Any, value: Any, reduce: str | None) -> Tensor:
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: give src (a tensor) or value (a number)")
    if not isinstance(src, Tensor) and (op != "scatter" or not isinstance(src, (bool, int, float, complex))):
        kind = "Tensor" if op != "scatter" else "Tensor or Number"
        raise TypeError(f"{op}(): argument 'src' must be {kind}, not {type(src).__name__}")
    key = _gather_key(a, dim, index, op)
    if isinstance(src, Tensor):
        if src._storage.array.dtype != a._storage.array.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype ({a.dtype} vs {src.dtype})")
        if src.ndim:
            _dim(dim, src.ndim, op)  # PyTorch range-checks dim against src first (IndexError)
        if src.ndim != index.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor")
        if any(i > n for i, n in zip(index.shape, src.shape)):
            raise RuntimeError(
                f"{op}(): Expected index {list(index.shape)} to be no larger than self {list(a.shape)} apart from "
                f"dimension {_dim(dim, a.ndim, op)} and to be no larger size than src {list(src.shape)}"
            )
        src = src[tuple(slice(0, n) for n in index.shape)]
    return index_put(a, key, src, accumulate=reduce == "add", normalized=True)


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Out-of-place ``torch.scatter_add``: repeated indices accumulate (index bounds as ``scatter``)."""
    return _scatter("scatter_add", a, dim, index, src, None, "add")


def _dim_index_key(op: str, a: Tensor, dim: int, index: Tensor) -> tuple[Any, ...]:
    """The normalised key selecting the 1-d ``index`` along ``dim`` (index_select, index_add),
    whose values must lie in ``[0, a.shape[dim])`` as in PyTorch."""
    arr = _index_array(op, a, index)
    if arr.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got {arr.ndim}-d")
    d = _dim(dim, a.ndim, op)
    shape = a._storage.array.shape
    # NOTE: PyTorch's index_select raises IndexError along dim 0 (its row-lookup kernel) and
    # RuntimeError along the others; index_add raises RuntimeError everywhere
    error = IndexError if op == "index_select" and d == 0 else RuntimeError
    check_index_bounds(op, arr, shape[d] if shape else 1, d, a._backend, error=error)
    if arr.ndim == 0:
        arr = a._backend.xp.reshape(arr, (1,))
    if not shape:  # a 0-d tensor: the index (all zeros, checked above) selects the tensor itself
        return (Ellipsis,)
    return (slice(None),) * d + (arr, Ellipsis)


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``a`` along ``dim`` at the 1-d ``index``.

    Raises:
        RuntimeError: an index outside ``[0, a.shape[dim])`` (negative ones included, as in
            PyTorch; IndexError along dim 0, as PyTorch) or not an integer tensor.
        IndexError: ``index`` not 1-d, or bad ``dim``.
    """
    key = _dim_index_key("index_select", a, dim, index)
    return named_node(getitem_normalized(a, key), IndexBackward0, IndexSelectBackward0)


def index_add(a: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """Out-of-place ``torch.index_add``: ``source`` (times ``alpha``) added to ``a`` along ``dim`` at ``index``.

    Raises:
        TypeError: ``source`` is not a tensor.
        RuntimeError: an index outside ``[0, a.shape[dim])`` (negative ones included, as in
            PyTorch), or ``source`` is not ``a``'s shape with ``dim`` of the index's length
            (no broadcasting, as in PyTorch). IndexError: bad ``dim``.
    """
    key = _dim_index_key("index_add", a, dim, index)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source._storage.array.dtype != a._storage.array.dtype:
        raise RuntimeError(f"index_add(): self ({a.dtype}) and source ({source.dtype}) must have the same scalar type")
    _check_index_add_source(a, _dim(dim, a.ndim, "index_add"), index, source)
    if alpha != 1:
        source = source * alpha
    return index_put(a, key, source, accumulate=True, normalized=True)


def _check_index_add_source(a: Tensor, d: int, index: Tensor, source: Tensor) -> None:
    """PyTorch's shape rules for ``index_add``'s ``source`` (no broadcasting): ``a``'s shape with
    dim ``d`` of ``index``'s length."""
    if source.ndim == 0 and d > 0:
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim 0")
    count = 1 if source.ndim == 0 else source.shape[d] if d < source.ndim else None
    if count is not None and count != index.numel():
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.numel()}) should be equal to source.size(dim) ({count})"
        )
    mine, theirs = list(a.shape), list(source.shape)
    if mine and theirs and d < len(theirs):
        del mine[d], theirs[d]
    if mine != theirs:
        raise RuntimeError(
            "index_add_(): source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(a.shape)} source.shape = {list(source.shape)}"
        )


def check_embedding_indices(indices: Tensor, num_embeddings: int) -> None:
    """PyTorch's IndexError for ``embedding`` indices outside ``[0, num_embeddings)`` (plain
    indexing would wrap negative ones)."""
    check_index_bounds("embedding", indices._storage.array, num_embeddings, 0, indices._backend, error=IndexError)


def masked_fill(a: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``a`` with ``value`` where ``mask`` is True (mask broadcasts against ``a``)."""
    from arraygrad.core.ops import MaskedFillBackward0, WhereBackward0, broadcast_mismatch, where

    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_fill(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, got {value.ndim} dims")
        value = value.to(a.dtype)
    elif a.dtype.is_floating_point:
        value = float(value)
    if not isinstance(mask, Tensor) or mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_fill: expected a bool tensor as mask")
    try:
        out = where(mask, value, a)
    except RuntimeError:
        mismatch = broadcast_mismatch([mask._storage.array.shape, a._storage.array.shape])
        if mismatch is None:
            raise
        raise RuntimeError(f"masked_fill: {mismatch}") from None
    if tuple(out.shape) != tuple(a.shape):
        raise RuntimeError(f"masked_fill: mask of shape {tuple(mask.shape)} does not broadcast to {tuple(a.shape)}")
    return named_node(out, WhereBackward0, MaskedFillBackward0)


def masked_select(a: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``a`` where the bool ``mask`` (broadcast against ``a``) is True, as a 1-d tensor.

    Raises:
        RuntimeError: ``mask`` is not a bool tensor, or does not broadcast against ``a``.
    """
    from arraygrad.core.shape import broadcast_tensors

    if isinstance(mask, Tensor) and mask.dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    a2, m2 = broadcast_tensors(a, mask)
    return getitem(a2, m2)


def take(a: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``a`` at ``index`` (output has ``index``'s shape).

    Raises:
        TypeError: ``index`` is not a tensor. RuntimeError: ``index`` is not int64.
        IndexError: an index outside ``[-numel, numel)``.
    """
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    return getitem(a.reshape(-1), index)


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of non-zero elements: an (n, ndim) int64 tensor, or a tuple of 1-d tensors."""
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    if x.ndim == 0:
        x = xp.reshape(x, (1,))
    idx = xp.nonzero(x)
    i64 = backend.native_dtype("int64")
    idx = [i if i.dtype == i64 else xp.astype(i, i64) for i in idx]
    if as_tuple:
        return tuple(_wrap(i, backend) for i in idx)
    return _wrap(xp.stack(idx, axis=1), backend)


def argwhere(a: Tensor) -> Tensor:
    return nonzero(a)


def one_hot(a: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dimension of size ``num_classes``.

    Raises:
        TypeError: ``num_classes`` is not an integer.
        RuntimeError: ``a`` is not an integer tensor, or a class is negative or >= num_classes.
    """
    num_classes = _int_arg(num_classes, "one_hot", "num_classes")
    if a.dtype.is_floating_point or a.dtype is dtypes.bool_:
        raise RuntimeError(f"one_hot is only applicable to index tensor of integer dtype, got {a.dtype}")
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    if a.numel():
        lo, hi = int(xp.min(x)), int(xp.max(x))
        if lo < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {lo}")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError(f"one_hot: class value {hi} is out of range for num_classes={num_classes}")
    elif num_classes == -1:
        raise RuntimeError("one_hot: can not infer total number of classes from empty tensor")
    classes = xp.arange(num_classes, dtype=x.dtype)
    hot = xp.equal(xp.expand_dims(x, axis=-1), classes)
    return _wrap(xp.astype(hot, backend.native_dtype("int64")), backend)
