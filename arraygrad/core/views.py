"""Views and writes: PyTorch's memory model on every backend.

A view (``x[0]``, ``x.view(-1)``, ``x.t()``, ``x.diagonal()``...) is a tensor whose
``ViewStorage`` remembers the root ``Storage`` it was taken from and the *chain* of view steps
that leads there from the root. Writes follow one rule, whatever the backend:

* where the backend's arrays alias their views and may be written (numpy, cupy), a write goes
  into the memory itself (the array API's in-place ``__setitem__``), so the root, every view and
  the numpy bridge see it;
* where they cannot (jax, and the reference on array-api-strict, since the standard leaves
  view-ness to the library), a write is a functional update of the root array, and every live
  view is re-derived from the new root by replaying its chain.

On a mutable backend a root buffer starts *unpinned*: nobody outside arraygrad sees it, so a
write that covers the whole tensor (and no view of it is alive) may simply rebind the array, as
a functional backend does. A buffer is *pinned* (copied once, so that no other tensor can share
it) before the first write through a view, before ``.numpy()`` hands it out, and for
``share_memory_()``; from then on writes go into it in place.

Autograd follows PyTorch: an in-place change of a view of a tensor that requires grad is
recorded on the base (``CopySlices``), the view's own ``grad_fn`` is regenerated from the new
base, and the shared version counter catches saved tensors changed through any alias.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import INFERENCE_INPLACE_ERROR, Storage, Tensor, ViewStorage

# ---------------------------------------------------------------------- layouts


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def root_layout(storage: Storage, backend: Any) -> tuple[tuple[int, ...], int]:
    """(strides, offset) in elements of a root storage's array (row-major where the backend has no strides)."""
    arr = storage.array
    strides = backend.strides(arr)
    return (contiguous_strides(tuple(arr.shape)) if strides is None else strides), 0


def layout(storage: Storage, backend: Any) -> tuple[tuple[int, ...], int]:
    """(strides, offset) in elements of a storage's array within its root's memory. Computed when
    asked (views are made on hot paths; their layout is rarely needed)."""
    root = storage.base
    if root is None:
        return root_layout(storage, backend)
    arr = storage.array
    strides = backend.strides(arr)
    if strides is not None and math.prod(arr.shape):  # the library's own view: read its layout off it
        item = arr.itemsize
        return strides, (backend.data_ptr(arr) - backend.data_ptr(root.array)) // item
    shape = tuple(root.array.shape)
    strides, offset = root_layout(root, backend)
    for step in storage.chain:
        shape, strides, offset = step.layout(shape, strides, offset)
    return strides, offset


def is_contiguous(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """PyTorch's rule: row-major, ignoring dimensions of size 1; empty tensors are contiguous."""
    if math.prod(shape) == 0:
        return True
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def overlaps(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether two elements share memory (an expanded dimension): such views cannot be written."""
    return any(s == 0 and n > 1 for n, s in zip(shape, strides))


def view_strides(old_shape: tuple[int, ...], old_strides: tuple[int, ...],
                 new_shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The strides of ``new_shape`` as a view of memory laid out as (old_shape, old_strides), or
    None when no view exists (one of PyTorch's reshapes that copy). PyTorch's computeStride."""
    if not old_shape:
        return (1,) * len(new_shape)
    numel = math.prod(old_shape)
    if numel == 0:
        return old_strides if tuple(old_shape) == tuple(new_shape) else contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and old_strides[tensor_d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = old_strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


# ---------------------------------------------------------------------- view steps
# Each step knows how to take its view of an array (``apply``: an aliasing view on mutable
# backends), how to put a new value for the view back into a whole array functionally (``put``),
# how to take it differentiably of a tensor (``of``), and how it changes a memory layout.


class IndexStep:
    """Basic indexing (ints, slices, None, Ellipsis): ``x[0]``, ``x[:, 1:3]``, narrow, select, split."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def apply(self, backend: Any, x: Any) -> Any:
        return x[self.key]

    def put(self, backend: Any, x: Any, value: Any) -> Any:
        return backend.setitem(x, self.key, value)

    def of(self, t: Tensor) -> Tensor:
        from arraygrad.core.indexing import getitem_normalized

        return getitem_normalized(t, self.key)

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> tuple[Any, ...]:
        key = list(self.key)
        consuming = sum(1 for k in key if k is not None and k is not Ellipsis)
        if Ellipsis in key:
            i = key.index(Ellipsis)
            key[i : i + 1] = [slice(None)] * (len(shape) - consuming)
        key += [slice(None)] * (len(shape) - sum(1 for k in key if k is not None))
        out_shape: list[int] = []
        out_strides: list[int] = []
        axis = 0
        for k in key:
            if k is None:
                out_shape.append(1)
                out_strides.append(0)  # fixed below
                continue
            n, s = shape[axis], strides[axis]
            if isinstance(k, int):
                offset += (k % n if n else 0) * s
            else:
                start, stop, step = k.indices(n)
                out_shape.append(len(range(start, stop, step)))
                out_strides.append(s * step)
                offset += start * s  # even for an empty slice, as PyTorch counts it
            axis += 1
        for i in range(len(out_shape) - 1, -1, -1):  # a new axis: PyTorch's unsqueeze stride
            if out_shape[i] == 1 and out_strides[i] == 0:
                out_strides[i] = out_shape[i + 1] * out_strides[i + 1] if i + 1 < len(out_shape) else 1
        return tuple(out_shape), tuple(out_strides), offset


class PermuteStep:
    __slots__ = ("order", "inverse")

    def __init__(self, order: tuple[int, ...]) -> None:
        self.order = order
        inverse = [0] * len(order)
        for i, d in enumerate(order):
            inverse[d] = i
        self.inverse = tuple(inverse)

    def apply(self, backend: Any, x: Any) -> Any:
        return backend.xp.permute_dims(x, self.order)

    def put(self, backend: Any, x: Any, value: Any) -> Any:
        return backend.xp.permute_dims(value, self.inverse)

    def of(self, t: Tensor) -> Tensor:
        from arraygrad.core.shape import permute

        return permute(t, self.order)

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> tuple[Any, ...]:
        return tuple(shape[d] for d in self.order), tuple(strides[d] for d in self.order), offset


class ReshapeStep:
    __slots__ = ("shape", "old_shape")

    def __init__(self, shape: tuple[int, ...], old_shape: tuple[int, ...]) -> None:
        self.shape, self.old_shape = shape, old_shape

    def apply(self, backend: Any, x: Any) -> Any:
        return backend.reshape_view(x, self.shape)

    def put(self, backend: Any, x: Any, value: Any) -> Any:
        return backend.xp.reshape(value, self.old_shape)

    def of(self, t: Tensor) -> Tensor:
        from arraygrad.core.shape import reshape

        return reshape(t, self.shape)

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> tuple[Any, ...]:
        return self.shape, view_strides(shape, strides, self.shape), offset


class ExpandStep:
    """``expand``: its elements overlap, so only a part with no overlap (``e[0]``) or a fill may
    be written; ``put_chain`` writes such chains by position (see ``_put_by_position``)."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def apply(self, backend: Any, x: Any) -> Any:
        try:
            return backend.expand_view(x, self.shape)
        except (ValueError, TypeError):
            # checked only once the backend failed: each words a negative size differently
            negative = [n for n in self.shape if n < 0]
            if negative:
                raise RuntimeError(
                    f"Trying to create tensor with negative dimension {negative[0]}: {list(self.shape)}"
                ) from None
            raise

    def put(self, backend: Any, x: Any, value: Any) -> Any:  # pragma: no cover - put_chain goes by position
        raise AssertionError("expanded views are written by position")

    def of(self, t: Tensor) -> Tensor:
        from arraygrad.core.shape import expand

        return expand(t, self.shape)

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> tuple[Any, ...]:
        lead = len(self.shape) - len(shape)
        out = [0] * lead
        for i, (n, s) in enumerate(zip(shape, strides)):
            out.append(s if n == self.shape[lead + i] else 0)
        return self.shape, tuple(out), offset


class DiagonalStep:
    __slots__ = ("offset", "dim1", "dim2")

    def __init__(self, offset: int, dim1: int, dim2: int) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def apply(self, backend: Any, x: Any) -> Any:
        return backend.diagonal(x, self.offset, self.dim1, self.dim2)

    def put(self, backend: Any, x: Any, value: Any) -> Any:
        return backend.diagonal_put(x, self.offset, self.dim1, self.dim2, value)

    def of(self, t: Tensor) -> Tensor:
        from arraygrad.core.shape import diagonal

        return diagonal(t, self.offset, self.dim1, self.dim2)

    def layout(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> tuple[Any, ...]:
        d1, d2, k = self.dim1, self.dim2, self.offset
        n = max(0, min(shape[d1] - max(-k, 0), shape[d2] - max(k, 0)))
        if n:
            offset += k * strides[d2] if k >= 0 else -k * strides[d1]
        keep = [i for i in range(len(shape)) if i not in (d1, d2)]
        return (tuple(shape[i] for i in keep) + (n,), tuple(strides[i] for i in keep) + (strides[d1] + strides[d2],),
                offset)


def replay(backend: Any, array: Any, chain: tuple[Any, ...]) -> Any:
    """The view's array: the steps of ``chain`` applied to the root's ``array``."""
    for step in chain:
        array = step.apply(backend, array)
    return array


def put_chain(backend: Any, root: Any, chain: tuple[Any, ...], value: Any) -> Any:
    """A new root array equal to ``root`` except that the view ``chain`` now reads ``value``."""
    if not chain:
        return value
    if any(type(step) is ExpandStep for step in chain):
        return _put_by_position(backend, root, chain, value)
    step = chain[0]
    return step.put(backend, root, put_chain(backend, step.apply(backend, root), chain[1:], value))


def _put_by_position(backend: Any, root: Any, chain: tuple[Any, ...], value: Any) -> Any:
    """``put_chain`` for any chain: every element of the view is written at its position in the
    row-major root (the view's strides and offset). Positions repeat only in a fill, where all the
    values written are the same."""
    xp = backend.xp
    shape: tuple[int, ...] = tuple(root.shape)
    strides, offset = contiguous_strides(shape), 0
    for step in chain:
        shape, strides, offset = step.layout(shape, strides, offset)
    index = backend.native_dtype("int64") if backend.supports_float64 else xp.int32
    positions = xp.full(shape, offset, dtype=index)
    for axis, (n, stride) in enumerate(zip(shape, strides)):
        along = [1] * len(shape)
        along[axis] = n
        positions = xp.add(positions, xp.reshape(xp.multiply(xp.arange(n, dtype=index), stride), tuple(along)))
    flat = xp.reshape(root, (-1,))
    written = backend.setitem(flat, (xp.reshape(positions, (-1,)),), xp.reshape(value, (-1,)))
    return xp.reshape(written, tuple(root.shape))


def replay_tensor(t: Tensor, chain: tuple[Any, ...]) -> Tensor:
    """The view ``chain`` taken of tensor ``t`` with differentiable ops."""
    for step in chain:
        t = step.of(t)
    return t


# ---------------------------------------------------------------------- making views


def make_view(a: Tensor, step: Any, array: Any, grad_fn: Node | None = None, output_nr: int = 0) -> Tensor:
    """A tensor viewing ``a`` through ``step``, whose array (``step`` applied to ``a``'s) is ``array``."""
    src = a._storage
    backend = a._backend
    if src.base is None:
        root = src
        chain: tuple[Any, ...] = (step,)
        base_tensor = a
        storage = ViewStorage(array, root, chain, base_tensor)
    else:
        vs: Any = src
        root = vs.base
        chain = vs.chain + (step,)
        base_tensor = vs.base_tensor
        storage = ViewStorage(array, root, chain, base_tensor)
        storage.multi_output = vs.multi_output
    views = root._views
    if views is None:
        root._views = [weakref.ref(storage)]
    else:
        n = len(views)
        if n >= 16 and not n & (n - 1):  # at powers of two: amortised O(1) with many live views
            views[:] = [r for r in views if r() is not None]
        views.append(weakref.ref(storage))
    t = Tensor._alias(storage, backend)
    if grad_fn is not None:
        t.grad_fn, t._output_nr, t._rg = grad_fn, output_nr, True
        storage.owner = weakref.ref(t)  # so an in-place change of the base can regenerate its grad_fn
    return t


def live_views(root: Storage) -> list[ViewStorage]:
    views = root._views
    if not views:
        return []
    alive = [v for r in views if (v := r()) is not None]
    if len(alive) != len(views):
        root._views = [weakref.ref(v) for v in alive] or None
    return alive


# ---------------------------------------------------------------------- writing


def pin(storage: Storage, backend: Any) -> None:
    """Give a mutable backend's root buffer to this storage alone (one copy) so that writes may go
    into it in place; live views are re-taken from the copy."""
    root = storage.base or storage
    if root.pinned or not backend.writes_in_place:
        return
    root.array = backend.copy(root.array)
    for v in live_views(root):
        v.array = replay(backend, root.array, v.chain)
    root.pinned = True


def write(t: Tensor, array: Any, op: str = "in-place operation", fresh: bool = True,
          fill: bool = False) -> None:
    """Store ``array`` (``t``'s shape and dtype) as ``t``'s values, seen by every alias and view of
    its memory, and bump the shared version counter. ``fresh=False`` says that ``array`` may be
    another tensor's memory, so it is copied rather than adopted; ``fill=True`` that every element
    gets the same value, which PyTorch allows even where elements share memory (``expand``)."""
    st = t._storage
    root = st.base or st
    if root.inference and not GRAD_MODE.inference:
        raise RuntimeError(f"{op}: {INFERENCE_INPLACE_ERROR}")
    backend = t._backend
    if not fill and st is not root and overlaps(tuple(st.array.shape), layout(st, backend)[0]):
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )
    if backend.writes_in_place:
        if st is root and not root.pinned and not live_views(root):
            # nobody else can see this buffer: rebinding it is the write
            root.array = array if fresh else backend.copy(array)
        else:
            pin(root, backend)
            try:
                st.array[...] = array
            except ValueError as exc:  # a read-only buffer, e.g. from_numpy of a non-writable array
                raise RuntimeError(f"{op}: cannot write into this tensor's memory: {exc}") from None
    else:
        if st is root:
            root.array = array
        else:
            root.array = put_chain(backend, root.array, st.chain, array)  # type: ignore[attr-defined]
            st.array = array
        for v in live_views(root):
            if v is not st:
                v.array = replay(backend, root.array, v.chain)
    root._version += 1


def writes_into_memory(t: Tensor) -> bool:
    """Whether the next write of ``t`` goes into its current buffer (so an op about to be recorded
    must not save that buffer without copying it)."""
    if not t._backend.writes_in_place:
        return False
    st = t._storage
    root = st.base or st
    return st is not root or root.pinned or bool(live_views(root))


def base_of(t: Tensor) -> Tensor | None:
    """The tensor ``t`` is a view of (PyTorch's ``_base``), or None."""
    st = t._storage
    return st.base_tensor if st.base is not None else None  # type: ignore[attr-defined]


def in_graph(t: Tensor) -> bool:
    """Whether an in-place change of ``t`` must be recorded (in grad mode): ``t`` or its base requires grad."""
    if t._rg:
        return True
    base = base_of(t)
    return base is not None and base._rg


def check_inplace(t: Tensor, op: str = "in-place operation") -> None:
    """PyTorch's refusals of in-place changes to leaves that require grad (and views of them)."""
    if not GRAD_MODE.enabled:
        return
    if t._rg and t.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation. Wrap the update in "
            "'with arraygrad.no_grad():' or update '.data'."
        )
    base = base_of(t)
    if base is not None and base._rg:
        if base.grad_fn is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation."
            )
        if not t._rg:
            raise RuntimeError(
                f"{op}: a view was created in no_grad mode (or from .data / .detach()) and is being modified "
                "inplace with grad mode enabled; its base requires grad. Take the view with grad mode enabled."
            )
        multi = t._storage.multi_output  # type: ignore[attr-defined]
        if multi is not None:
            raise RuntimeError(
                f"{op}: {multi} is a view and is being modified inplace. This view is the output of a function "
                "that returns multiple views. Such functions do not allow the output views to be modified "
                "inplace. You should replace the inplace operation by an out-of-place one."
            )


class CopySlices(Node):
    """The base of a view after an in-place change of the view: the gradient of the old base is
    the incoming one with the view's region zeroed, the new value's is the view's region."""

    __slots__ = ("chain",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        gb = gv = None
        if self.needs(0):
            gb = zero_view(g, self.chain)
        if self.needs(1):
            gv = replay_tensor(g, self.chain)
        return gb, gv


class ZeroViewBackward0(Node):
    __slots__ = ("chain",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (zero_view(g, self.chain),)


def zero_view(g: Tensor, chain: tuple[Any, ...]) -> Tensor:
    """``g`` with the elements the view ``chain`` reads set to zero (a new tensor)."""
    backend = g._backend
    xp = backend.xp
    region = replay(backend, g._storage.array, chain)
    out = put_chain(backend, g._storage.array, chain, xp.zeros(region.shape, dtype=region.dtype))  # a new array
    if GRAD_MODE.enabled and g._rg:
        node = ZeroViewBackward0((g,))
        node.chain = chain
        return Tensor._wrap(out, backend, node)
    return Tensor._wrap(out, backend)


def commit(t: Tensor, result: Tensor, op: str, fresh: bool = True, fill: bool = False) -> Tensor:
    """Make ``t`` hold the values of ``result`` (same shape and dtype), recording the change for
    autograd when ``result`` or ``t``'s base is in the graph (``fresh`` and ``fill`` as for ``write``)."""
    st = t._storage
    base = base_of(t)
    recorded = GRAD_MODE.enabled and (result._rg or (base is not None and base._rg))
    if recorded and base is not None:
        node = CopySlices((base, result))  # the edges are taken now, from the base's old position
        node.chain = st.chain  # type: ignore[attr-defined]
    write(t, result._storage.array, op, fresh, fill)
    if not recorded:
        return t
    if base is None:
        t.grad_fn, t._output_nr, t._rg = result.grad_fn, result._output_nr, True
        root_tensor = t
    else:
        base.grad_fn, base._output_nr, base._rg = node, 0, True
        root_tensor = base
    # every view of the changed tensor now reads the new values: regenerate its grad_fn from the
    # base's new position, as PyTorch does
    for vs in live_views(st.base or st):
        owner = vs.owner() if vs.owner is not None else None
        if owner is not None and vs.base_tensor is root_tensor and (owner._rg or owner is t):
            regenerated = replay_tensor(root_tensor, vs.chain)
            owner.grad_fn, owner._output_nr, owner._rg = regenerated.grad_fn, regenerated._output_nr, True
    return t


class OverwriteBackward0(Node):
    """``t.copy_(src)`` / ``t.fill_(v)``: the old values get no gradient, the new ones all of it."""

    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return None, (g if self.needs(1) else None)


def overwrite(old: Tensor, value: Tensor) -> Tensor:
    """A tensor with the values of ``value`` (already of ``old``'s shape and dtype) that stands in
    the graph where ``old`` stood: the result of an in-place overwrite."""
    backend = value._backend
    out = value._storage.array
    if GRAD_MODE.enabled and (old._rg or value._rg):
        return Tensor._wrap(out, backend, OverwriteBackward0((old, value)))
    return Tensor._wrap(out, backend)


def snapshot(t: Tensor, saved: bool) -> Tensor:
    """``t`` as it is now, in a storage of its own, to be the input of the out-of-place op that
    computes an in-place result: bumping ``t``'s version afterwards does not invalidate the op's
    own backward. When the op may save it (``saved``) and the write will go into ``t``'s memory,
    the values are copied, as PyTorch keeps ``original_self``."""
    arr = t._storage.array
    if saved and writes_into_memory(t):
        arr = t._backend.copy(arr)
    snap = Tensor._alias(Storage(arr), t._backend)
    snap.grad_fn, snap._output_nr, snap._rg = t.grad_fn, t._output_nr, t._rg
    return snap


def assign(t: Tensor, array: Any, op: str, fill: bool = False) -> Tensor:
    """Overwrite ``t`` with the constant values ``array`` (a fresh array of ``t``'s shape and dtype):
    recorded when ``t`` or its base is in the graph (the old values then get no gradient).
    ``fill``: every value is the same (as for ``write``)."""
    if GRAD_MODE.enabled and in_graph(t):
        return commit(t, overwrite(snapshot(t, False), Tensor._wrap(array, t._backend)), op, fill=fill)
    write(t, array, op, fill=fill)
    return t
