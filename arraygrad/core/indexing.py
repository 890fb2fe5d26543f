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
    """Return a copy of ``a`` with ``values`` written (or added, if ``accumulate``) at ``key``, as ``torch.index_put``.

    ``key`` is any index that ``a[key]`` accepts (ints, slices, None, Ellipsis, integer or bool tensors);
    ``values`` is broadcast to the shape of ``a[key]``. Without ``accumulate``, which value is kept where
    ``key`` repeats a position is unspecified; with it, repeated positions add up. The gradient flows to
    ``a`` (zero at the written positions unless ``accumulate``) and to ``values``.

    Args:
        a: the tensor to update (the result is a new tensor).
        key: the positions to write, an index as in ``a[key]``.
        values: a tensor of ``a``'s dtype and backend, broadcastable to the shape of ``a[key]``.
        accumulate: add ``values`` to the existing entries instead of replacing them (default False).
        normalized: ``key`` is already in the normalised internal form and ``values`` may be a
            number or a tensor of another dtype (converted to ``a``'s); for internal callers (default False).

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        TypeError: ``values`` is not a tensor.
        RuntimeError: ``values`` has another dtype than ``a``, cannot be broadcast to the indexed
            shape, or is on another backend.
        IndexError: ``key`` indexes too many dimensions, holds an index out of range or a float
            tensor, or a bool mask of the wrong shape.
        ValueError: a slice of ``key`` has step 0.
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
    """Collect the values of ``a`` along ``dim`` at the positions given by ``index``, as ``torch.gather``.

    For a 3-d input and ``dim=1``, ``out[i][j][k] = a[i][index[i][j][k]][k]``. ``index`` has the rank of
    ``a`` and may be smaller than ``a`` in every dimension but ``dim``; it is not broadcast. The gradient
    adds back into ``a`` at the gathered positions (repeated positions accumulate).

    Args:
        a: the source tensor.
        dim: the dimension to index along; negative counts from the end.
        index: integer tensor of positions in ``[0, a.shape[dim])`` (negative values are refused, as in PyTorch).

    Returns:
        A tensor of ``index``'s shape and ``a``'s dtype.

    Raises:
        TypeError: ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``dim`` is out of range.
        RuntimeError: ``index`` has another rank than ``a``, is not an integer tensor, is on another
            backend, holds a position outside ``[0, a.shape[dim])``, or is larger than ``a`` in a
            dimension other than ``dim``.

    Example:
        >>> import arraygrad as ag
        >>> ag.gather(ag.tensor([[1, 2], [3, 4]]), 1, ag.tensor([[1, 0], [0, 0]]))
        tensor([[2, 1],
                [3, 3]])
    """
    return named_node(getitem_normalized(a, _gather_key(a, dim, index, "gather")), IndexBackward0, GatherBackward0)


def take_along_dim(a: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Pick values of ``a`` along ``dim`` at ``indices``, as ``torch.take_along_dim``.

    Outside ``dim``, ``a`` and ``indices`` broadcast against each other; along ``dim`` the result has
    ``indices``' length. With ``dim=None`` both are flattened first. Negative indices count from the end
    (unlike ``gather``), as in PyTorch.

    Args:
        a: the source tensor.
        indices: integer tensor of positions along ``dim``, of ``a``'s rank (any shape when ``dim`` is None).
        dim: the dimension to index along, or None to index the flattened ``a`` with the flattened
            ``indices`` (default None).

    Returns:
        A tensor of ``a``'s dtype: the broadcast shape with ``indices``' size along ``dim``, or the 1-d
        tensor of ``indices.numel()`` values when ``dim`` is None.

    Raises:
        TypeError: ``dim`` is not an integer or None.
        IndexError: ``dim`` is out of range.
        RuntimeError: ``indices`` is not an integer tensor, holds a position outside ``[-size, size)``,
            has another number of dimensions than ``a`` (with ``dim`` given), or does not broadcast
            against ``a`` outside ``dim``.
    """
    from arraygrad.core.shape import broadcast_shapes, expand, reshape

    if dim is None:
        flat = reshape(a, (-1,))
        key = _gather_key(flat, 0, reshape(indices, (-1,)), "take_along_dim", negative=True)
        return named_node(getitem_normalized(flat, key), IndexBackward0, GatherBackward0)
    d = _dim(dim, a.ndim, "take_along_dim")
    if indices.ndim != a.ndim:
        raise RuntimeError(
            "take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{a.ndim} dimensions for input, and {indices.ndim} dimensions for indices"
        )
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
    """Return a copy of ``a`` with ``src`` (or ``value``) written along ``dim`` at ``index``, as ``torch.scatter``.

    For a 3-d input and ``dim=1``, ``out[i][index[i][j][k]][k] = src[i][j][k]``. A tensor ``src`` is read
    only over ``index``'s shape (its leading block); a number is written at every position of ``index``.
    Where ``index`` repeats a position, which value is kept is unspecified unless ``reduce="add"``, which
    adds the values to the existing entries instead.

    Args:
        a: the tensor to update (the result is a new tensor).
        dim: the dimension to index along; negative counts from the end.
        index: integer tensor of positions in ``[0, a.shape[dim])``, of ``a``'s rank and no larger than
            ``a`` outside ``dim`` (nor than ``src`` anywhere).
        src: a tensor of ``a``'s dtype and rank, or a number, to write (default None: use ``value``).
        value: a number to write when ``src`` is not given (default None).
        reduce: None to replace the entries or ``"add"`` to add to them (default None).

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        ValueError: ``reduce`` is neither None nor ``"add"``.
        TypeError: neither ``src`` nor ``value`` is given, ``src`` is neither a tensor nor a number,
            ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``dim`` is out of range for ``a`` or ``src``.
        RuntimeError: ``index`` holds a position outside ``[0, a.shape[dim])``, is not an integer
            tensor, or has a bad rank or size; ``src`` has another dtype than ``a``.

    Example:
        >>> import arraygrad as ag
        >>> ag.scatter(ag.zeros(4), 0, ag.tensor([3, 1]), ag.tensor([1.0, 2.0]))
        tensor([0., 2., 0., 1.])
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
    """Return a copy of ``a`` with ``src`` added along ``dim`` at ``index``, as ``torch.scatter_add``.

    For a 3-d input and ``dim=1``, ``out[i][index[i][j][k]][k] += src[i][j][k]``; repeated positions
    accumulate. ``src`` is read only over ``index``'s shape.

    Args:
        a: the tensor to add into (the result is a new tensor).
        dim: the dimension to index along; negative counts from the end.
        index: integer tensor of positions in ``[0, a.shape[dim])``, of ``a``'s rank and no larger than
            ``a`` outside ``dim`` (nor than ``src`` anywhere).
        src: the tensor of values to add, of ``a``'s dtype and rank.

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        TypeError: ``src`` or ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``dim`` is out of range for ``a`` or ``src``.
        RuntimeError: ``index`` holds a position outside ``[0, a.shape[dim])``, is not an integer
            tensor, or has a bad rank or size; ``src`` has another dtype than ``a``.

    Example:
        >>> import arraygrad as ag
        >>> ag.scatter_add(ag.zeros(3), 0, ag.tensor([0, 0, 2]), ag.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
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
    """Select the entries of ``a`` along ``dim`` at the positions of a 1-d ``index``, as ``torch.index_select``.

    Args:
        a: the source tensor.
        dim: the dimension to index along; negative counts from the end.
        index: a 0-d or 1-d integer tensor of positions in ``[0, a.shape[dim])`` (negative values are refused).

    Returns:
        A new tensor of ``a``'s dtype and shape, except that ``dim`` has ``index``'s length.

    Raises:
        TypeError: ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``index`` has more than one dimension, ``dim`` is out of range, or (along dim 0,
            as in PyTorch) a position is out of range.
        RuntimeError: a position outside ``[0, a.shape[dim])`` along a dim other than 0, ``index`` not
            an integer tensor, or on another backend.
    """
    key = _dim_index_key("index_select", a, dim, index)
    return named_node(getitem_normalized(a, key), IndexBackward0, IndexSelectBackward0)


def index_add(a: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """Return a copy of ``a`` with ``alpha * source`` added along ``dim`` at ``index``, as ``torch.index_add``.

    Slice ``k`` of ``source`` along ``dim`` is added to slice ``index[k]`` of ``a``; repeated positions
    accumulate.

    Args:
        a: the tensor to add into (the result is a new tensor).
        dim: the dimension to index along; negative counts from the end.
        index: a 0-d or 1-d integer tensor of positions in ``[0, a.shape[dim])`` (negative values are refused).
        source: a tensor of ``a``'s dtype and shape except along ``dim``, where its length is
            ``index.numel()``; it is not broadcast.
        alpha: factor applied to ``source`` before adding (default 1).

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        TypeError: ``index`` or ``source`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``index`` has more than one dimension, or ``dim`` is out of range.
        RuntimeError: a position outside ``[0, a.shape[dim])``, ``index`` not an integer tensor or on
            another backend, ``source`` of another dtype or of the wrong shape.

    Example:
        >>> import arraygrad as ag
        >>> ag.index_add(ag.zeros(3), 0, ag.tensor([0, 2]), ag.tensor([1.0, 5.0]), alpha=2)
        tensor([ 2.,  0., 10.])
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
    """Return a copy of ``a`` with ``value`` wherever the bool ``mask`` is True, as ``torch.masked_fill``.

    Args:
        a: the source tensor (the result is a new tensor).
        mask: a bool tensor that broadcasts to ``a``'s shape (the result keeps ``a``'s shape).
        value: the fill value: a number, or a 0-d tensor, converted to ``a``'s dtype.

    Returns:
        A new tensor of ``a``'s shape and dtype; the gradient flows to ``a`` where ``mask`` is False
        (and to a tensor ``value`` from where it is True).

    Raises:
        TypeError: ``mask`` is not a tensor.
        RuntimeError: ``mask`` is not a bool tensor or does not broadcast to ``a``'s shape, or
            ``value`` is a tensor with dimensions.

    Example:
        >>> import arraygrad as ag
        >>> ag.masked_fill(ag.tensor([1.0, 2.0, 3.0]), ag.tensor([True, False, True]), 0.0)
        tensor([0., 2., 0.])
    """
    from arraygrad.core.ops import MaskedFillBackward0, WhereBackward0, _scalar_in_kind, broadcast_mismatch, where

    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_fill(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, got {value.ndim} dims")
        value = value.to(a.dtype)
    elif a.dtype.is_floating_point:
        value = float(value)
    else:
        value = _scalar_in_kind(a, value)
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
    """Return the elements of ``a`` where the bool ``mask`` is True, as a 1-d tensor, as ``torch.masked_select``.

    ``a`` and ``mask`` are broadcast against each other first; the elements come in row-major order.

    Args:
        a: the source tensor.
        mask: a bool tensor broadcastable with ``a``.

    Returns:
        A 1-d tensor of ``a``'s dtype with one element per True entry of the broadcast mask.

    Raises:
        RuntimeError: ``mask`` is not a bool tensor, or does not broadcast against ``a``.
    """
    from arraygrad.core.shape import broadcast_tensors

    if isinstance(mask, Tensor) and mask.dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    a2, m2 = broadcast_tensors(a, mask)
    return getitem(a2, m2)


def take(a: Tensor, index: Tensor) -> Tensor:
    """Return the elements of the flattened ``a`` at ``index``, as ``torch.take``.

    Args:
        a: the source tensor, read in row-major order.
        index: an int64 tensor of positions in ``[-a.numel(), a.numel())``; negative ones count from the end.

    Returns:
        A tensor of ``index``'s shape and ``a``'s dtype.

    Raises:
        TypeError: ``index`` is not a tensor.
        RuntimeError: ``index`` is not int64.
        IndexError: a position outside ``[-a.numel(), a.numel())``.
    """
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    return getitem(a.reshape(-1), index)


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    """Return the indices of the non-zero elements of ``a``, as ``torch.nonzero``.

    The indices come in row-major order. A 0-d ``a`` has no dimensions to index: the result has one
    row (non-zero) or none, and zero columns; with ``as_tuple`` it is read as a 1-d tensor of one
    element, as PyTorch does.

    Args:
        a: the tensor to search.
        as_tuple: return one 1-d index tensor per dimension instead of one 2-d tensor (default False).

    Returns:
        An int64 tensor of shape ``(n, a.ndim)`` holding the index of each of the ``n`` non-zero
        elements, or with ``as_tuple`` a tuple of ``a.ndim`` int64 tensors of shape ``(n,)``.

    Example:
        >>> import arraygrad as ag
        >>> ag.nonzero(ag.tensor([[0, 1], [2, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    i64 = backend.native_dtype("int64")
    if x.ndim == 0:
        if not as_tuple:  # PyTorch's (1, 0) or (0, 0)
            return _wrap(xp.zeros((1 if bool(x) else 0, 0), dtype=i64), backend)
        x = xp.reshape(x, (1,))
    idx = xp.nonzero(x)
    idx = [i if i.dtype == i64 else xp.astype(i, i64) for i in idx]
    if as_tuple:
        return tuple(_wrap(i, backend) for i in idx)
    return _wrap(xp.stack(idx, axis=1), backend)


def argwhere(a: Tensor) -> Tensor:
    """Return the indices of the non-zero elements of ``a`` as one 2-d tensor, as ``torch.argwhere``.

    Args:
        a: the tensor to search.

    Returns:
        An int64 tensor of shape ``(n, a.ndim)``, one row per non-zero element in row-major order
        (as ``nonzero(a)``).
    """
    return nonzero(a)


def one_hot(a: Tensor, num_classes: int = -1) -> Tensor:
    """Encode the integer class labels of ``a`` as one-hot vectors, as ``torch.nn.functional.one_hot``.

    Args:
        a: an integer tensor of class labels, each in ``[0, num_classes)``.
        num_classes: the number of classes; -1 takes the largest label plus one (default -1).

    Returns:
        An int64 tensor of shape ``a.shape + (num_classes,)`` with 1 at each label's position and 0 elsewhere.

    Raises:
        TypeError: ``num_classes`` is not an integer.
        RuntimeError: ``a`` is not an integer tensor, a label is negative or not below
            ``num_classes``, or ``a`` is empty and ``num_classes`` is -1.

    Example:
        >>> import arraygrad as ag
        >>> ag.nn.functional.one_hot(ag.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
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
