"""Subscripting with gradients: ``x[key]`` (``getitem``), ``x[key] = v`` (``setitem``) and ``index_put``,
the functional update the other indexing ops are written with.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.indexing.keys import _index_tensor, _is_basic, _split_ints, normalize_key
from arraygrad.core.tensor import Tensor

__all__ = [
    "IndexBackward0", "SliceBackward0", "GatherBackward0", "IndexSelectBackward0", "EmbeddingBackward0", "named_node",
    "getitem", "IndexGradBackward0", "getitem_normalized", "index_grad", "IndexPutBackward0", "index_put", "setitem",
]

_wrap = Tensor._wrap


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
