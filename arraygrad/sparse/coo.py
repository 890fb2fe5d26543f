"""Sparse COO tensors: ``SparseTensor``, their construction, ``coalesce`` and conversion to and
from dense tensors.

A sparse tensor of shape ``size`` holds ``indices``, an int64 tensor of shape
``(sparse_dim, nnz)``, and ``values``, a dense tensor of shape ``(nnz, *size[sparse_dim:])``:
element ``indices[:, k]`` holds ``values[k]``; repeated indices add up (an *uncoalesced* tensor;
``coalesce()`` sums them and sorts the indices).

Design: ``SparseTensor`` subclasses ``Tensor`` so that ``isinstance(x, Tensor)`` holds, as in
PyTorch, but it has no dense storage: its ``_storage`` is a property that raises. Every dense op
reads its operands' ``_storage``, so a dense op that is not written for sparse tensors raises a
clear error naming the op, and can never compute on a wrong array. Dense tensors are untouched:
their ``_storage`` is still the plain slot, and they pay nothing. Autograd never sees a sparse
tensor: the sparse ops are written with dense ops on ``values`` (``index_select``, ``index_add``,
products), so gradients flow into ``values`` (and from there to whatever made them) through the
ordinary graph.
"""

from __future__ import annotations

import copy as _copy
import math
import sys
from typing import Any

from arraygrad.core import dtypes, indexing, shape
from arraygrad.core.creation import tensor as _tensor
from arraygrad.core.creation import zeros
from arraygrad.core.methods import to as _to
from arraygrad.core.methods import to_backend, to_dtype
from arraygrad.core.tensor import Size, Tensor, sparse_coo

__all__ = ["SparseTensor", "sparse_coo_tensor", "to_sparse", "to_dense"]


#: functions on the way to an op that are not the op (decorators' wrappers, Module.forward)
_NOT_OP_NAMES = frozenset({"wrapper", "inner", "decorated", "forward"})


def _unsupported_op() -> str:
    """The arraygrad function the user called that reached a sparse tensor's dense storage: the
    outermost public function of the chain of arraygrad frames above (for the error message)."""
    frame = sys._getframe(2)
    name = None
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("arraygrad."):
        code_name = frame.f_code.co_name
        if not code_name.startswith(("_", "<")) and code_name not in _NOT_OP_NAMES:
            name = code_name
        frame = frame.f_back  # type: ignore[assignment]
    return name or "this operation"


def unsupported(op: str) -> NotImplementedError:
    """The error for a dense op applied to a sparse tensor."""
    return NotImplementedError(
        f"{op}: not supported for tensors with layout {sparse_coo}; convert with .to_dense() first "
        "(sparse tensors support to_dense, coalesce, indices/values, t, sum, scalar * and /, and "
        "matrix products with a dense tensor)"
    )


class SparseTensor(Tensor):
    """A sparse tensor in COO format (``layout == arraygrad.sparse_coo``), as PyTorch's.

    Made by ``arraygrad.sparse_coo_tensor(indices, values, size)`` or ``dense.to_sparse()``;
    see the module docstring for the format. Gradients of ops on a sparse tensor flow to its
    ``values``; for a sparse leaf made with ``requires_grad=True``, ``.grad`` is a sparse tensor with
    the same indices.
    """

    __slots__ = ("_sp_indices", "_sp_values", "_sp_size", "_sp_coalesced")
    _sp_indices: Tensor
    _sp_values: Tensor
    _sp_size: tuple[int, ...]
    _sp_coalesced: bool

    is_sparse = True
    layout = sparse_coo

    def __new__(cls, *args: Any, **kwargs: Any) -> SparseTensor:
        raise TypeError("create sparse tensors with arraygrad.sparse_coo_tensor(indices, values, size) or "
                        "dense.to_sparse()")

    @classmethod
    def _make(cls, indices: Tensor, values: Tensor, size: tuple[int, ...], coalesced: bool) -> SparseTensor:
        """Fast internal constructor (no validation)."""
        t = object.__new__(cls)
        t._sp_indices = indices
        t._sp_values = values
        t._sp_size = tuple(size)
        t._sp_coalesced = coalesced or indices.shape[1] <= 1
        t._backend = values._backend
        t._output_nr = 0  # type: ignore[attr-defined]
        t._hooks = None  # type: ignore[assignment]
        t._retains = False  # type: ignore[has-type]
        return t

    # ------------------------------------------------------------------ no dense storage
    @property  # type: ignore[override]
    def _storage(self) -> Any:
        raise unsupported(_unsupported_op())

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        return Size(self._sp_size)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self._sp_size)
        return self._sp_size[dim]

    @property
    def ndim(self) -> int:
        return len(self._sp_size)

    def dim(self) -> int:
        return len(self._sp_size)

    ndimension = dim

    def numel(self) -> int:
        return math.prod(self._sp_size)

    nelement = numel

    def __len__(self) -> int:
        if not self._sp_size:
            raise TypeError("len() of a 0-d tensor")
        return self._sp_size[0]

    @property
    def dtype(self) -> dtypes.dtype:
        return self._sp_values.dtype

    @property
    def device(self) -> Any:
        return self._sp_values.device

    def sparse_dim(self) -> int:
        """The number of sparse dimensions (rows of ``indices``)."""
        return self._sp_indices.shape[0]

    def dense_dim(self) -> int:
        """The number of dense dimensions (trailing dimensions of each value)."""
        return len(self._sp_size) - self._sp_indices.shape[0]

    def _nnz(self) -> int:
        """The number of stored elements (duplicates counted until coalesced)."""
        return self._sp_indices.shape[1]

    def is_coalesced(self) -> bool:
        """Whether the indices are sorted and unique."""
        return self._sp_coalesced

    def _indices(self) -> Tensor:
        """The ``(sparse_dim, nnz)`` int64 indices, coalesced or not."""
        return self._sp_indices

    def _values(self) -> Tensor:
        """The ``(nnz, *dense_shape)`` values, coalesced or not (gradients flow through them)."""
        return self._sp_values

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor.

        Raises:
            RuntimeError: the tensor is not coalesced.
        """
        if not self._sp_coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._sp_indices

    def values(self) -> Tensor:
        """The values of a coalesced tensor.

        Raises:
            RuntimeError: the tensor is not coalesced.
        """
        if not self._sp_coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._sp_values

    # ------------------------------------------------------------------ autograd attributes
    @property
    def _rg(self) -> bool:  # type: ignore[override]
        return self._sp_values._rg

    @property  # type: ignore[override]
    def requires_grad(self) -> bool:
        return self._sp_values._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._sp_values.requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        self._sp_values.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self) -> Any:  # type: ignore[override]
        return self._sp_values.grad_fn

    @property  # type: ignore[override]
    def grad(self) -> SparseTensor | None:
        """The gradient of a sparse leaf: the gradient of the dense tensor it stands for, at its
        stored positions (a coalesced sparse tensor, as PyTorch's)."""
        g = self._sp_values.grad
        if g is None:
            return None
        if self._sp_coalesced:
            return SparseTensor._make(self._sp_indices, g, self._sp_size, True)
        # NOTE: every copy of a repeated index holds the same gradient (the dense gradient at that
        # position): summing the copies would count it several times, so their mean is kept
        summed = coalesce(SparseTensor._make(self._sp_indices, g, self._sp_size, False))
        ones = zeros((g.shape[0],), dtype=g.dtype, backend=g._backend) + 1
        counted = coalesce(SparseTensor._make(self._sp_indices, ones, self._sp_size[: self.sparse_dim()], False))
        counts = shape.reshape(counted._sp_values, (-1,) + (1,) * (g.ndim - 1))
        mean = summed._sp_values / counts
        return SparseTensor._make(summed._sp_indices, mean, self._sp_size, True)

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._sp_values.grad = None
        elif isinstance(value, SparseTensor) and value._nnz() == self._nnz():
            self._sp_values.grad = value._sp_values
        else:
            raise RuntimeError("assigned grad of a sparse tensor must be None or a sparse tensor with the same indices")

    @property  # type: ignore[override]
    def is_leaf(self) -> bool:
        return self._sp_values.grad_fn is None

    def detach_(self) -> SparseTensor:
        self._sp_values = self._sp_values.detach()
        return self

    def backward(self, *args: Any, **kwargs: Any) -> None:
        """Not supported: call ``backward`` on a dense result (e.g. ``out.sum()``)."""
        raise unsupported("backward")

    def register_hook(self, hook: Any) -> Any:
        """Not supported (a hook would see the values' gradient); hook the values instead."""
        raise unsupported("register_hook")

    def retain_grad(self) -> None:
        """Not supported for a non-leaf sparse tensor; retain the gradient of ``_values()`` instead."""
        raise unsupported("retain_grad")

    def detach(self) -> SparseTensor:
        return SparseTensor._make(self._sp_indices, self._sp_values.detach(), self._sp_size, self._sp_coalesced)

    def clone(self) -> SparseTensor:
        return SparseTensor._make(shape.clone(self._sp_indices), shape.clone(self._sp_values), self._sp_size,
                                  self._sp_coalesced)

    # ------------------------------------------------------------------ conversions
    def coalesce(self) -> SparseTensor:
        """This tensor with duplicate indices summed and the indices sorted (row-major order);
        itself when already coalesced. Differentiable with respect to the values."""
        return coalesce(self)

    def to_dense(self, dtype: Any = None) -> Tensor:
        """The dense tensor (duplicates summed). Differentiable with respect to the values."""
        return to_dense(self, dtype)

    def to_sparse(self, sparse_dim: int | None = None, *, layout: Any = None) -> SparseTensor:
        """Itself (already sparse)."""
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(f"to_sparse: cannot change sparse_dim of a sparse tensor ({self.sparse_dim()} to "
                               f"{sparse_dim})")
        return self

    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:
        """Convert the values' dtype and/or move indices and values to another backend/device
        (the arguments of ``Tensor.to``); itself when nothing changes."""
        values = _to(self._sp_values, *args, **kwargs)
        indices = self._sp_indices
        if values._backend is not indices._backend or values.device != indices.device:
            index = values.device.index if values.device.type != "cpu" else None
            indices = to_backend(indices, values._backend, index)
        if values is self._sp_values:
            return self
        return SparseTensor._make(indices, values, self._sp_size, self._sp_coalesced)

    def float(self) -> SparseTensor:  # type: ignore[override]
        return self.to(dtypes.float32)

    def double(self) -> SparseTensor:  # type: ignore[override]
        return self.to(dtypes.float64)

    def numpy(self, *, force: bool = False) -> Any:
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    # ------------------------------------------------------------------ sparse ops
    def t(self) -> SparseTensor:
        """The transpose of a 2-d sparse tensor (its indices' rows swapped; not coalesced)."""
        if self.ndim != 2 or self.sparse_dim() != 2:
            raise RuntimeError(f"t() expects a 2-D sparse tensor with 2 sparse dimensions, but got {self.ndim}-D")
        return self.transpose(0, 1)

    def transpose(self, dim0: int, dim1: int) -> SparseTensor:
        """Swap two sparse dimensions."""
        nd, sd = self.ndim, self.sparse_dim()
        d0, d1 = dim0 % nd if nd else 0, dim1 % nd if nd else 0
        if d0 >= sd or d1 >= sd:
            raise NotImplementedError(f"transpose: only sparse dimensions of a {sparse_coo} tensor can be swapped")
        order = list(range(sd))
        order[d0], order[d1] = order[d1], order[d0]
        size = list(self._sp_size)
        size[d0], size[d1] = size[d1], size[d0]
        rows = [self._sp_indices[i] for i in order]
        indices = shape.stack(rows, 0) if rows else self._sp_indices
        return SparseTensor._make(indices, self._sp_values, tuple(size), d0 == d1 and self._sp_coalesced)

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # type: ignore[override]
        """Sum of all elements (a 0-d dense tensor), or over ``dim`` (see ``arraygrad.sparse.sum``)."""
        from arraygrad.sparse.ops import sum as sparse_sum

        if keepdim:
            raise NotImplementedError(f"sum: keepdim=True is not supported for {sparse_coo} tensors")
        return sparse_sum(self, dim, dtype=dtype)

    def _scaled(self, factor: Any, op: str, divide: bool = False) -> SparseTensor:
        if isinstance(factor, Tensor):
            raise unsupported(op)
        values = self._sp_values / factor if divide else self._sp_values * factor
        return SparseTensor._make(self._sp_indices, values, self._sp_size, self._sp_coalesced)

    def __mul__(self, other: Any) -> SparseTensor:  # type: ignore[override]
        return self._scaled(other, "mul")

    __rmul__ = __mul__  # type: ignore[assignment]
    mul = __mul__  # type: ignore[assignment]

    def __truediv__(self, other: Any) -> SparseTensor:  # type: ignore[override]
        return self._scaled(other, "div", divide=True)

    div = __truediv__  # type: ignore[assignment]

    def __neg__(self) -> SparseTensor:  # type: ignore[override]
        return SparseTensor._make(self._sp_indices, -self._sp_values, self._sp_size, self._sp_coalesced)

    neg = __neg__  # type: ignore[assignment]

    # ------------------------------------------------------------------ Python protocols
    def __repr__(self) -> str:
        pad = " " * 7
        ind = repr(self._sp_indices).replace("\n", "\n" + pad + " " * 8)
        val = repr(self._sp_values).replace("\n", "\n" + pad + " " * 7)
        extra = "" if self.dtype is dtypes.float32 else f", dtype={self.dtype}"
        grad = ", requires_grad=True" if self.requires_grad and self.is_leaf else ""
        return (f"tensor(indices={ind},\n{pad}values={val},\n{pad}size={self._sp_size}, nnz={self._nnz()}{extra}, "
                f"layout={sparse_coo}{grad})")

    def __deepcopy__(self, memo: dict[int, Any]) -> SparseTensor:
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol"
            )
        new = SparseTensor._make(_copy.deepcopy(self._sp_indices, memo), _copy.deepcopy(self._sp_values, memo),
                                 self._sp_size, self._sp_coalesced)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._sp_indices, self._sp_values, self._sp_size, self._sp_coalesced))


def _rebuild(indices: Tensor, values: Tensor, size: tuple[int, ...], coalesced: bool) -> SparseTensor:
    return SparseTensor._make(indices, values, size, coalesced)


# ---------------------------------------------------------------------- construction


def _as_index_tensor(indices: Any, values: Tensor) -> Tensor:
    if isinstance(indices, SparseTensor):
        raise TypeError("sparse_coo_tensor: indices must be a dense tensor")
    if not isinstance(indices, Tensor):
        indices = _tensor(indices, backend=values._backend)
        if indices.numel() == 0:
            indices = indices.to(dtypes.int64)
    elif indices._backend is not values._backend:
        raise RuntimeError(f"sparse_coo_tensor: indices are on backend {indices._backend.name!r} and values on "
                           f"{values._backend.name!r}")
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is dtypes.bool_:
        raise RuntimeError(f"sparse_coo_tensor: indices must be an int64 tensor, got {indices.dtype}")
    if indices.dtype is not dtypes.int64:
        indices = to_dtype(indices, dtypes.int64)
    return indices.detach()


def sparse_coo_tensor(indices: Any, values: Any, size: Any = None, *, dtype: Any = None, device: Any = None,
                      requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None, backend: Any = None) -> SparseTensor:
    """A sparse COO tensor with ``values[k]`` at ``indices[:, k]``, as ``torch.sparse_coo_tensor``.

    Args:
        indices: ``(sparse_dim, nnz)`` integer indices (a tensor, array or nested list).
        values: ``(nnz, *dense_shape)`` values (a tensor or data). A tensor is used as is (no
            copy; gradients of the sparse tensor's ops flow back to it).
        size: the shape; default: the smallest that holds the indices, plus the values' dense shape.
        dtype: convert the values to this dtype.
        device: where to make the tensor (default: the values' backend).
        backend: where to make the tensor (default: the values' backend).
        requires_grad: make the sparse tensor a leaf that records operations.
        check_invariants: accepted for compatibility; the indices are always checked.
        is_coalesced: declare the indices sorted and unique (not checked).

    Returns:
        a :class:`SparseTensor`.

    Raises:
        RuntimeError: non-integer or non-2-d indices, nnz of indices and values differ, ``size`` of
            the wrong length, or an index negative or out of ``size``.
    """
    if isinstance(values, SparseTensor):
        raise TypeError("sparse_coo_tensor: values must be a dense tensor")
    if not isinstance(values, Tensor):
        values = _tensor(values, dtype=dtype, device=device, backend=backend)
    elif backend is not None or device is not None:
        values = _to(values, backend=backend, device=device)
    if dtype is not None:
        values = to_dtype(values, dtypes.as_dtype(dtype))
    index = _as_index_tensor(indices, values)
    if index.ndim != 2:
        raise RuntimeError(f"sparse_coo_tensor: indices must be sparse_dim x nnz, but got: {list(index.shape)}")
    sparse_dim, nnz = index.shape
    if values.ndim == 0 or values.shape[0] != nnz:
        got = values.shape[0] if values.ndim else "a 0-d tensor"
        raise RuntimeError(
            f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from values: {got}"
        )
    dense_shape = tuple(values.shape[1:])
    xp = index._backend.xp
    maxima = [int(v) for v in index._backend.to_numpy(xp.max(index._storage.array, axis=1))] if nnz else []
    if nnz and min(int(v) for v in index._backend.to_numpy(xp.min(index._storage.array, axis=1))) < 0:
        raise RuntimeError("sparse_coo_tensor: found a negative index")
    if size is None:
        size = tuple(m + 1 for m in maxima) if nnz else (0,) * sparse_dim
        size = size + dense_shape
    else:
        size = tuple(int(s) for s in size)
        if len(size) != sparse_dim + len(dense_shape):
            raise RuntimeError(
                f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                f"sparse_dim = {sparse_dim}, dense_dim = {len(dense_shape)}"
            )
        if tuple(size[sparse_dim:]) != dense_shape:
            raise RuntimeError(f"sparse_coo_tensor: values' dense shape {list(dense_shape)} does not match size "
                               f"{list(size)}")
        for d, m in enumerate(maxima):
            if m >= size[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                                   f"index {m}")
    # an alias of the values: marking the sparse tensor requires_grad must not change the caller's tensor
    stored = values.view(tuple(values.shape)) if values.requires_grad else values.detach()
    if requires_grad:
        stored = values.detach().requires_grad_(True)
    return SparseTensor._make(index, stored, size, bool(is_coalesced))


def _linear_index(indices: Tensor, sizes: tuple[int, ...]) -> Any:
    """Row-major positions of the index columns in a tensor of shape ``sizes`` (an int64 array)."""
    xp = indices._backend.xp
    arr = indices._storage.array
    i64 = indices._backend.native_dtype("int64")
    lin = xp.zeros((arr.shape[1],), dtype=i64)
    for d, n in enumerate(sizes):
        lin = xp.add(xp.multiply(lin, n), arr[d, :])
    return lin


def _unravel(lin: Any, sizes: tuple[int, ...], xp: Any) -> Any:
    rows = []
    for n in reversed(sizes):
        rows.append(xp.remainder(lin, n))
        lin = xp.floor_divide(lin, n)
    return xp.stack(rows[::-1], axis=0) if rows else xp.reshape(lin, (0, lin.shape[0]))


def coalesce(t: SparseTensor) -> SparseTensor:
    """``t`` with duplicate indices summed and the indices sorted (see ``SparseTensor.coalesce``)."""
    if t._sp_coalesced:
        return t
    be = t._backend
    xp = be.xp
    sizes = t._sp_size[: t.sparse_dim()]
    lin = _linear_index(t._sp_indices, sizes)
    ordered = xp.sort(lin)
    first = xp.concat([xp.ones((1,), dtype=xp.bool), xp.not_equal(ordered[1:], ordered[:-1])])
    unique = ordered[first]
    # each stored element's position among the unique indices: where its value is added
    group = xp.searchsorted(unique, lin)
    group = Tensor._wrap(xp.astype(group, be.native_dtype("int64")), be)
    values = t._sp_values
    summed = indexing.index_add(zeros((unique.shape[0], *values.shape[1:]), dtype=values.dtype, backend=be),
                                0, group, values)
    indices = Tensor._wrap(_unravel(unique, sizes, xp), be)
    return SparseTensor._make(indices, summed, t._sp_size, True)


def to_dense(t: Tensor, dtype: Any = None) -> Tensor:
    """A dense tensor equal to ``t`` (``t`` itself when it is dense); differentiable w.r.t. the values."""
    if not isinstance(t, SparseTensor):
        return t if dtype is None else to_dtype(t, dtypes.as_dtype(dtype))
    be = t._backend
    values = t._sp_values if dtype is None else to_dtype(t._sp_values, dtypes.as_dtype(dtype))
    sizes = t._sp_size[: t.sparse_dim()]
    if t._nnz() == 0:
        return zeros(t._sp_size, dtype=values.dtype, backend=be)
    lin = Tensor._wrap(_linear_index(t._sp_indices, sizes), be)
    flat = zeros((math.prod(sizes), *values.shape[1:]), dtype=values.dtype, backend=be)
    return shape.reshape(indexing.index_add(flat, 0, lin, values), t._sp_size)


def to_sparse(t: Tensor, sparse_dim: int | None = None, *, layout: Any = None) -> SparseTensor:
    """The sparse COO form of a dense tensor (coalesced): its nonzero entries, over the first
    ``sparse_dim`` dimensions (default: all). Differentiable w.r.t. ``t``'s values.

    Raises:
        RuntimeError: ``sparse_dim`` out of range, or a layout other than ``sparse_coo``.
    """
    if isinstance(t, SparseTensor):
        return t.to_sparse(sparse_dim)
    if layout is not None and layout is not sparse_coo:
        raise RuntimeError(f"to_sparse: only layout {sparse_coo} is supported, got {layout}")
    sd = t.ndim if sparse_dim is None else sparse_dim
    if not 0 <= sd <= t.ndim:
        raise RuntimeError(f"to_sparse: sparse_dim must be in [0, {t.ndim}], got {sparse_dim}")
    be = t._backend
    xp = be.xp
    arr = t._storage.array
    lead = tuple(arr.shape[:sd])
    flat_arr = xp.reshape(arr, (math.prod(lead), -1)) if sd < arr.ndim else xp.reshape(arr, (-1, 1))
    nonzero_rows = xp.any(xp.not_equal(flat_arr, xp.zeros((), dtype=arr.dtype)), axis=1)
    lin = xp.nonzero(nonzero_rows)[0]
    lin = xp.astype(lin, be.native_dtype("int64"))
    indices = Tensor._wrap(_unravel(lin, lead, xp), be)
    flat = shape.reshape(t, (math.prod(lead), *t.shape[sd:]))
    values = indexing.index_select(flat, 0, Tensor._wrap(lin, be))
    return SparseTensor._make(indices, values, tuple(t.shape), True)
