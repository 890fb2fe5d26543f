"""Sorting and selection: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``median``, running
extrema, ``unique``, ``searchsorted``, ``bincount``.

Every selecting op first computes integer indices with the backend's ``topk_indices`` kernel
(the first k of a stable sort: the standard's ``argsort`` in the reference, a partition on
numpy) and then takes its values with ``gather``, so the values' gradient scatters back
through the indices without a backward of its own, and ties resolve the same way on every
backend: equal elements keep their input order and NaN counts as the largest value, as in
PyTorch.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.indexing import gather
from arraygrad.core.ops import ValuesIndices, _backend_mismatch
from arraygrad.core.tensor import Tensor, _dim, _int_arg

_wrap = Tensor._wrap


class _ReturnType(ValuesIndices):
    """``(values, indices)`` with attribute access, printed like ``torch.return_types``."""

    _name = "return_type"

    def __repr__(self) -> str:
        return f"arraygrad.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class SortResult(_ReturnType):
    """What ``sort`` returns: ``(values, indices)``."""

    _name = "sort"


class TopkResult(_ReturnType):
    """What ``topk`` returns: ``(values, indices)``."""

    _name = "topk"


class KthvalueResult(_ReturnType):
    """What ``kthvalue`` returns: ``(values, indices)``."""

    _name = "kthvalue"


class MedianResult(_ReturnType):
    """What ``median(input, dim)`` and ``nanmedian(input, dim)`` return: ``(values, indices)``."""

    _name = "median"


class CummaxResult(_ReturnType):
    """What ``cummax`` returns: ``(values, indices)``."""

    _name = "cummax"


class CumminResult(_ReturnType):
    """What ``cummin`` returns: ``(values, indices)``."""

    _name = "cummin"


# ---------------------------------------------------------------------- array helpers


def _sortable(backend: Any, x: Any) -> Any:
    """``x`` in a dtype the standard's ``argsort`` accepts (bool is not real-valued there).

    Raises:
        RuntimeError: ``x`` is complex (complex numbers have no order; PyTorch refuses too).
    """
    if x.dtype in backend.complex_dtypes:
        raise RuntimeError("Sort does not support complex dtypes")
    if x.dtype == backend.dtypes["bool"]:
        return backend.xp.astype(x, backend.native_dtype("int8"))
    return x


def _argsort(backend: Any, x: Any, axis: int, descending: bool, k: int | None = None) -> Any:
    """int64 indices of the first ``k`` (default all) elements of the stable sort of the array
    ``x`` along ``axis``: equal elements keep their input order, NaN counts as the largest.
    The backend's ``topk_indices`` kernel (a partial sort where the library has one)."""
    x = _sortable(backend, x)
    return backend.topk_indices(x, x.shape[axis] if k is None else k, axis, descending)


def _take_along(x: Any, axis: int, start: int, stop: int) -> Any:
    return x[(slice(None),) * axis + (slice(start, stop), Ellipsis)]


def _sorted_pair(a: Tensor, dim: int, descending: bool, op: str, stop: int | None = None) -> tuple[Tensor, Tensor]:
    """(values, indices) of ``a`` sorted along ``dim``, the first ``stop`` of them when given.
    A 0-d input is treated as one element."""
    scalar = a.ndim == 0
    t = a.reshape(1) if scalar else a
    d = _dim(dim, t.ndim, op)
    backend = t._backend
    idx = _argsort(backend, t._storage.array, d, descending, stop)
    indices = _wrap(idx, backend)
    values = gather(t, d, indices)
    if scalar:
        values, indices = values.reshape(()), indices.reshape(())
    return values, indices


def _check_tensor(a: Any, op: str) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(a).__name__}")


# ---------------------------------------------------------------------- sort, argsort, topk, kthvalue


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:  # noqa: A002
    """Sort ``input`` along ``dim``.

    The sort is always stable (equal elements keep their order; ``stable`` is accepted for
    PyTorch compatibility); NaN counts as the largest value. The values' gradient flows back
    to the positions they came from.

    Args:
        input: the tensor to sort.
        dim: the dimension to sort along (default the last).
        descending: largest first.
        stable: accepted for compatibility; the sort is stable either way.

    Returns:
        ``(values, indices)`` with ``input``'s shape; ``indices`` is int64.

    Raises:
        IndexError: ``dim`` is out of range.
    """
    _check_tensor(input, "sort")
    values, indices = _sorted_pair(input, dim, descending, "sort")
    return SortResult((values, indices))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    """Return the int64 indices that sort ``input`` along ``dim``, as ``torch.argsort``.

    The sort is always stable (equal elements keep their order), whatever ``stable`` says; see ``sort``.

    Args:
        input: the tensor to sort; a 0-d tensor gives a 0-d index.
        dim: the dimension to sort along; negative counts from the end (default -1).
        descending: sort from largest to smallest (default False).
        stable: accepted for PyTorch compatibility; the sort is stable anyway (default False).

    Returns:
        An int64 tensor of ``input``'s shape.

    Raises:
        TypeError: ``input`` is not a tensor.
        IndexError: ``dim`` is out of range.
    """
    _check_tensor(input, "argsort")
    scalar = input.ndim == 0
    x = input._storage.array
    backend = input._backend
    if scalar:
        x = backend.xp.reshape(x, (1,))
    idx = _argsort(backend, x, _dim(dim, x.ndim, "argsort"), descending)
    return _wrap(backend.xp.reshape(idx, ()) if scalar else idx, backend)


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """Return ``input`` sorted in ascending order along its first dimension, as ``torch.msort``.

    Args:
        input: the tensor to sort.

    Returns:
        The values of ``sort(input, dim=0)``: a tensor of ``input``'s shape and dtype.

    Raises:
        TypeError: ``input`` is not a tensor.
    """
    _check_tensor(input, "msort")
    return sort(input, 0)[0]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:  # noqa: A002
    """Return the ``k`` largest (or, with ``largest=False``, smallest) elements along ``dim``, as ``torch.topk``.

    The result is always in sorted order (``sorted=False`` allows any order, so sorted is
    one); among equal elements the earlier one comes first.

    Args:
        input: the tensor to select from (not bool).
        k: how many elements to keep, in ``[0, input.shape[dim]]``.
        dim: the dimension to select along; negative counts from the end (default -1).
        largest: keep the largest elements; False keeps the smallest (default True).
        sorted: accepted for PyTorch compatibility; the result is always sorted (default True).

    Returns:
        ``(values, indices)``, of ``input``'s shape with ``dim`` of size ``k``; ``indices`` is int64.

    Raises:
        TypeError: ``input`` is not a tensor, or ``k`` is not an integer.
        RuntimeError: ``k`` is negative or larger than the dimension ("selected index k out of range"),
            or ``input`` is bool.
        IndexError: ``dim`` is out of range.
    """
    _check_tensor(input, "topk")
    if input.dtype == dtypes.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _dim(dim, input.ndim, "topk")
    size = input.shape[d] if input.ndim else 1
    k = _int_arg(k, "topk", "k")
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = _sorted_pair(input, d, largest, "topk", stop=k)
    return TopkResult((values, indices))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:  # noqa: A002
    """Return the ``k``-th smallest element (``k`` counts from 1) along ``dim`` and its index, as ``torch.kthvalue``.

    Args:
        input: the tensor to select from (not bool).
        k: the rank of the element to return, in ``[1, input.shape[dim]]``.
        dim: the dimension to select along; negative counts from the end (default -1).
        keepdim: keep ``dim`` with size 1 in the results instead of removing it (default False).

    Returns:
        ``(values, indices)``: ``input``'s shape without ``dim`` (size 1 with ``keepdim``); ``indices``
        is int64.

    Raises:
        TypeError: ``input`` is not a tensor, or ``k`` is not an integer.
        NotImplementedError: ``input`` is bool.
        RuntimeError: ``k`` is not in ``[1, size of dim]``.
        IndexError: ``dim`` is out of range or of size 0.
    """
    _check_tensor(input, "kthvalue")
    if input.dtype == dtypes.bool_:
        raise NotImplementedError('kthvalue: "kthvalue_cpu" not implemented for \'Bool\'')
    k = _int_arg(k, "kthvalue", "k")
    d = _dim(dim, input.ndim, "kthvalue")
    size = input.shape[d] if input.ndim else 1
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    k = int(k)
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return KthvalueResult(_select_position(input, d, keepdim, lambda backend, x, axis: k - 1))


def _select_position(a: Tensor, dim: int, keepdim: bool, position: Any) -> tuple[Tensor, Tensor]:
    """(values, indices) of the element at ``position`` of the ascending order along ``dim``.

    ``position(backend, x, dim)`` gives that position: an int, or an int64 array of ``x``'s
    shape with ``dim`` of size 1 (a position per row).
    """
    scalar = a.ndim == 0
    t = a.reshape(1) if scalar else a
    backend = t._backend
    xp = backend.xp
    x = t._storage.array
    pos = position(backend, x, dim)
    if isinstance(pos, int):
        # the first pos + 1 of the ascending order suffice (a partial sort where the backend has one)
        idx = _take_along(_argsort(backend, x, dim, False, pos + 1), dim, pos, pos + 1)
    else:
        order = _argsort(backend, x, dim, False)
        idx = gather(_wrap(order, backend), dim, _wrap(pos, backend))._storage.array
    indices = _wrap(idx, backend)
    values = gather(t, dim, indices)
    if scalar:
        return values.reshape(()), indices.reshape(())
    if not keepdim:
        values, indices = values.squeeze(dim), _wrap(xp.squeeze(idx, axis=dim), backend)
    return values, indices


def _median_position(ignore_nan: bool) -> Any:
    """The position of the lower median in each row's ascending order. NaNs sort last, in
    input order: a row with a NaN has its first NaN as the median (PyTorch's value and index),
    unless NaNs are ignored (then only an all-NaN row does)."""

    def position(backend: Any, x: Any, axis: int) -> Any:
        xp = backend.xp
        i64 = backend.native_dtype("int64")
        n = x.shape[axis]
        if x.dtype not in backend.float_dtypes:
            return (n - 1) // 2
        nans = xp.sum(xp.astype(xp.isnan(x), i64), axis=axis, keepdims=True)
        valid = xp.subtract(n, nans)
        if ignore_nan:
            return xp.where(valid > 0, xp.floor_divide(xp.subtract(valid, 1), 2), xp.zeros_like(valid))
        return xp.where(nans > 0, valid, xp.full_like(valid, (n - 1) // 2))

    return position


def _median(input: Tensor, dim: Any, keepdim: bool, ignore_nan: bool, op: str) -> Any:
    _check_tensor(input, op)
    if input.dtype == dtypes.bool_:
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f'{op}: "{kernel}" not implemented for \'Bool\'')
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0:
            from arraygrad.core.creation import full

            return full((), float("nan"), dtype=input.dtype, backend=input._backend)
        values, _ = _select_position(flat, 0, False, _median_position(ignore_nan))
        return values
    d = _dim(dim, input.ndim, op)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return MedianResult(_select_position(input, d, keepdim, _median_position(ignore_nan)))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """Return the median of ``input``: the lower of the two middle values for an even count, NaN where there is a NaN.

    ``median(input)`` gives a 0-d tensor over all elements (NaN for an empty input);
    ``median(input, dim, keepdim=False)`` gives ``(values, indices)`` along ``dim``. The gradient
    goes to the selected element.

    Args:
        input: the tensor to reduce (not bool).
        dim: the dimension to reduce along, or None for the median of all elements (default None).
        keepdim: with ``dim``, keep it with size 1 in the results instead of removing it (default False).

    Returns:
        A 0-d tensor of ``input``'s dtype when ``dim`` is None; otherwise ``(values, indices)``, of
        ``input``'s shape without ``dim`` (size 1 with ``keepdim``), ``indices`` int64.

    Raises:
        TypeError: ``input`` is not a tensor.
        IndexError: ``dim`` is out of range, or the dimension is empty.
        NotImplementedError: ``input`` is bool.
    """
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """Return the median of ``input`` ignoring NaN, as ``torch.nanmedian`` (NaN only where every value is NaN).

    The lower of the two middle non-NaN values is taken for an even count; otherwise it behaves as ``median``.

    Args:
        input: the tensor to reduce (not bool).
        dim: the dimension to reduce along, or None for the median of all elements (default None).
        keepdim: with ``dim``, keep it with size 1 in the results instead of removing it (default False).

    Returns:
        A 0-d tensor of ``input``'s dtype when ``dim`` is None; otherwise ``(values, indices)``, of
        ``input``'s shape without ``dim`` (size 1 with ``keepdim``), ``indices`` int64.

    Raises:
        TypeError: ``input`` is not a tensor.
        IndexError: ``dim`` is out of range, or the dimension is empty.
        NotImplementedError: ``input`` is bool.
    """
    return _median(input, dim, keepdim, True, "nanmedian")


# ---------------------------------------------------------------------- cummax, cummin


def _running_extremum(input: Tensor, dim: int, largest: bool, op: str) -> tuple[Tensor, Tensor]:
    """(values, indices) of the running maximum/minimum along ``dim``.

    A doubling scan (log2(n) steps of whole-array work): each step combines every position's
    summary with the one ``shift`` places earlier. The later summary wins when its value is
    NaN or at least as large (small), so ties and NaN pick the latest index, as PyTorch does.
    """
    _check_tensor(input, op)
    scalar = input.ndim == 0
    t = input.reshape(1) if scalar else input
    d = _dim(dim, t.ndim, op)
    backend = t._backend
    xp = backend.xp
    x = _sortable(backend, t._storage.array)
    n = x.shape[d]
    i64 = backend.native_dtype("int64")
    shape = [1] * x.ndim
    shape[d] = n
    idx = xp.broadcast_to(xp.reshape(xp.arange(n, dtype=i64), tuple(shape)), tuple(x.shape))
    vals = x
    floating = x.dtype in backend.float_dtypes
    shift = 1
    while shift < n:
        early_v = _take_along(vals, d, 0, n - shift)
        early_i = _take_along(idx, d, 0, n - shift)
        late_v = _take_along(vals, d, shift, n)
        late_i = _take_along(idx, d, shift, n)
        later = xp.greater_equal(late_v, early_v) if largest else xp.less_equal(late_v, early_v)
        if floating:
            later = xp.logical_or(later, xp.isnan(late_v))
        head_v, head_i = _take_along(vals, d, 0, shift), _take_along(idx, d, 0, shift)
        vals = xp.concat([head_v, xp.where(later, late_v, early_v)], axis=d)
        idx = xp.concat([head_i, xp.where(later, late_i, early_i)], axis=d)
        shift *= 2
    indices = _wrap(idx, backend)
    values = gather(t, d, indices)
    if scalar:
        return values.reshape(()), indices.reshape(())
    return values, indices


def cummax(input: Tensor, dim: int) -> CummaxResult:  # noqa: A002
    """Return the running maximum along ``dim`` and the index where it was reached, as ``torch.cummax``.

    On ties the latest index is given; NaN propagates. The gradient goes to the element each running
    value came from.

    Args:
        input: the tensor to scan.
        dim: the dimension to scan along; negative counts from the end.

    Returns:
        ``(values, indices)``, both of ``input``'s shape; ``indices`` is int64.

    Raises:
        TypeError: ``input`` is not a tensor.
        IndexError: ``dim`` is out of range.
    """
    return CummaxResult(_running_extremum(input, dim, True, "cummax"))


def cummin(input: Tensor, dim: int) -> CumminResult:  # noqa: A002
    """Return the running minimum along ``dim`` and the index where it was reached, as ``torch.cummin``.

    On ties the latest index is given; NaN propagates. The gradient goes to the element each running
    value came from.

    Args:
        input: the tensor to scan.
        dim: the dimension to scan along; negative counts from the end.

    Returns:
        ``(values, indices)``, both of ``input``'s shape; ``indices`` is int64.

    Raises:
        TypeError: ``input`` is not a tensor.
        IndexError: ``dim`` is out of range.
    """
    return CumminResult(_running_extremum(input, dim, False, "cummin"))


# ---------------------------------------------------------------------- unique


def _lexsort_rows(backend: Any, rows: Any) -> Any:
    """Stable int64 permutation sorting the rows of the 2-d ``rows`` lexicographically:
    a stable sort by each column, from the last column to the first."""
    xp = backend.xp
    i64 = backend.native_dtype("int64")
    perm = xp.arange(rows.shape[0], dtype=i64)
    for c in reversed(range(rows.shape[1])):
        column = xp.take(rows[:, c], perm, axis=0)
        perm = xp.take(perm, _argsort(backend, column, 0, False), axis=0)
    return perm


def _groups(backend: Any, x: Any, presorted: bool) -> tuple[Any, Any, Any]:
    """Unique entries of ``x`` (1-d: elements; 2-d: rows) as (uniques, inverse, counts).

    ``presorted``: group runs of equal neighbours only (``unique_consecutive``)."""
    xp = backend.xp
    i64 = backend.native_dtype("int64")
    n = x.shape[0]
    if presorted:
        perm, s = None, x
    else:
        perm = _argsort(backend, x, 0, False) if x.ndim == 1 else _lexsort_rows(backend, x)
        s = xp.take(x, perm, axis=0)
    if n == 0:
        empty = xp.zeros((0,), dtype=i64)
        return s, empty, empty
    differs = xp.not_equal(s[1:, ...], s[:-1, ...])
    if x.ndim == 2:
        differs = xp.any(differs, axis=1)
    is_new = xp.concat([xp.ones((1,), dtype=backend.dtypes["bool"]), differs])
    starts = xp.astype(xp.nonzero(is_new)[0], i64)
    uniques = xp.take(s, starts, axis=0)
    group = xp.subtract(xp.cumulative_sum(xp.astype(is_new, i64)), 1)
    inverse = group if perm is None else xp.take(group, xp.argsort(perm, stable=True), axis=0)
    ends = xp.concat([starts[1:], xp.asarray([n], dtype=i64)])
    return uniques, inverse, xp.subtract(ends, starts)


def _unique(input: Tensor, return_inverse: bool, return_counts: bool, dim: int | None, presorted: bool,
            op: str) -> Any:
    _check_tensor(input, op)
    backend = input._backend
    xp = backend.xp
    x = input._storage.array
    if dim is None:
        uniques, inverse, counts = _groups(backend, xp.reshape(x, (-1,)), presorted)
        inverse = xp.reshape(inverse, tuple(x.shape))
    else:
        d = _dim(dim, x.ndim, op)
        if x.ndim == 0:
            raise IndexError(f"{op}: a 0-d tensor has no dimension {dim} to take unique slices along")
        moved = xp.moveaxis(x, d, 0)
        rest = tuple(moved.shape[1:])
        width = 1
        for s in rest:
            width *= s
        rows = xp.reshape(moved, (moved.shape[0], width))
        uniques, inverse, counts = _groups(backend, rows, presorted)
        uniques = xp.moveaxis(xp.reshape(uniques, (uniques.shape[0], *rest)), 0, d)
    out = _wrap(uniques, backend)
    if not (return_inverse or return_counts):
        return out
    result: list[Tensor] = [out]
    if return_inverse:
        result.append(_wrap(inverse, backend))
    if return_counts:
        result.append(_wrap(counts, backend))
    return tuple(result)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None) -> Any:
    """The distinct elements of ``input`` (or distinct slices along ``dim``), in ascending order.

    Not differentiable (as in PyTorch). The result is sorted whatever ``sorted`` says (an
    unsorted order is permitted to be any order).

    Args:
        input: the tensor.
        sorted: accepted for compatibility; the uniques are always sorted.
        return_inverse: also return, for each element (slice), the index of its unique value.
        return_counts: also return how often each unique value occurs.
        dim: take unique slices along this dimension (lexicographic order); flatten when None.

    Returns:
        The uniques, or a tuple ``(uniques, inverse?, counts?)`` with the requested extras (int64).

    Raises:
        IndexError: ``dim`` is out of range.
    """
    return _unique(input, return_inverse, return_counts, dim, False, "unique")


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
                       dim: int | None = None) -> Any:
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one, as ``torch.unique_consecutive``.

    Unlike ``unique``, the input is not sorted first: equal values that are not neighbours stay apart.
    Not differentiable.

    Args:
        input: the tensor.
        return_inverse: also return, for each element (slice), the index of its run in the result
            (default False).
        return_counts: also return the length of each run (default False).
        dim: collapse runs of equal slices along this dimension; flatten when None (default None).

    Returns:
        The collapsed tensor, or a tuple ``(output, inverse?, counts?)`` with the requested extras (int64).

    Raises:
        TypeError: ``input`` is not a tensor.
        IndexError: ``dim`` is out of range, or ``input`` is 0-d and ``dim`` is given.
    """
    return _unique(input, return_inverse, return_counts, dim, True, "unique_consecutive")


# ---------------------------------------------------------------------- searchsorted, bincount


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,  # noqa: A002
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Return the indices at which ``input`` values would be inserted into ``sorted_sequence`` to keep it sorted.

    ``sorted_sequence`` is 1-d (shared by every value) or has ``input``'s leading dimensions
    (one sorted row per row of values). ``right``/``side="right"`` puts a value equal to an
    entry after it; ``sorter`` holds the indices that sort an unsorted ``sorted_sequence``.
    As ``torch.searchsorted``.

    Args:
        sorted_sequence: the sorted tensor (sorted along its last dimension, or by ``sorter``).
        input: a tensor or a Python number of values to place.
        out_int32: return int32 indices instead of int64 (default False).
        right: place a value equal to an entry after it instead of before (default False).
        side: ``"left"`` or ``"right"``, the same choice as ``right``; None follows ``right`` (default None).
        sorter: int64 indices that sort ``sorted_sequence`` along its last dimension, of its shape
            (default None: ``sorted_sequence`` is sorted already).

    Returns:
        int64 (int32 with ``out_int32``) indices of ``input``'s shape (0-d for a Python number).

    Raises:
        TypeError: ``sorted_sequence`` is not a tensor, or ``input`` is neither a tensor nor a number.
        RuntimeError: the leading dimensions do not match, ``side`` and ``right`` disagree,
            ``sorter`` has a different shape, or ``input`` is on another backend.
        ValueError: ``side`` is neither ``"left"`` nor ``"right"``.
        NotImplementedError: both ``sorted_sequence`` and ``input`` are bool.
    """
    _check_tensor(sorted_sequence, "searchsorted")
    if sorted_sequence.dtype == dtypes.bool_ and (
        isinstance(input, bool) or (isinstance(input, Tensor) and input.dtype == dtypes.bool_)
    ):
        raise NotImplementedError('searchsorted: "searchsorted_out_cpu" not implemented for \'Bool\'')
    backend = sorted_sequence._backend
    xp = backend.xp
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
    which = "right" if right or side == "right" else "left"
    if isinstance(input, Tensor):
        if input._backend is not backend:
            raise _backend_mismatch("searchsorted", sorted_sequence, input)
        values_dtype = input.dtype
        values = input._storage.array
    elif isinstance(input, (int, float)):
        values_dtype = dtypes.get_default_dtype() if isinstance(input, float) else dtypes.int64
        values = xp.asarray(input, dtype=backend.native_dtype(values_dtype.name))
    else:
        raise TypeError(
            f"searchsorted(): argument 'input' must be Tensor or Number, not {type(input).__name__}"
        )
    seq = sorted_sequence._storage.array
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError(
                f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
                f"{list(seq.shape)}and got sorter tensor {list(sorter.shape)}"
            )
        seq = gather(sorted_sequence, -1, sorter)._storage.array
    if seq.ndim != 1 and (values.ndim != seq.ndim or tuple(values.shape[:-1]) != tuple(seq.shape[:-1])):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {list(seq.shape)} and input value "
            f"tensor {list(values.shape)}"
        )
    common = backend.native_dtype(dtypes.promote(sorted_sequence.dtype, values_dtype).name)
    seq = seq if seq.dtype == common else xp.astype(seq, common)
    values = values if values.dtype == common else xp.astype(values, common)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, values, side=which)
    else:
        # the standard searches one 1-d sequence at a time: one search per row
        lead = tuple(seq.shape[:-1])
        seq_rows = xp.reshape(seq, (-1, seq.shape[-1]))
        value_rows = xp.reshape(values, (-1, values.shape[-1]))
        found = [xp.searchsorted(seq_rows[r, ...], value_rows[r, ...], side=which) for r in range(seq_rows.shape[0])]
        stacked = xp.stack(found) if found else xp.zeros((0, values.shape[-1]), dtype=backend.native_dtype("int64"))
        out = xp.reshape(stacked, lead + (values.shape[-1],))
    result_dtype = backend.native_dtype("int32" if out_int32 else "int64")
    return _wrap(out if out.dtype == result_dtype else xp.astype(out, result_dtype), backend)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """Return the bucket of each value of ``input`` given the 1-d sorted ``boundaries``, as ``torch.bucketize``.

    Equal to ``searchsorted(boundaries, input, right=right)``: bucket ``i`` holds the values between
    ``boundaries[i - 1]`` and ``boundaries[i]``.

    Args:
        input: a tensor or a Python number of values to place.
        boundaries: the 1-d tensor of increasing bucket boundaries.
        out_int32: return int32 indices instead of int64 (default False).
        right: put a value equal to a boundary in the bucket after it instead of before (default False).

    Returns:
        int64 (int32 with ``out_int32``) bucket indices of ``input``'s shape.

    Raises:
        TypeError: ``boundaries`` is not a tensor, or ``input`` is neither a tensor nor a number.
        RuntimeError: ``boundaries`` is not 1-d.
    """
    _check_tensor(boundaries, "bucketize")
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """Count how often each value ``0 .. max(input)`` occurs in the 1-d non-negative integer ``input``, as ``torch.bincount``.

    With ``weights``, each occurrence adds its weight instead of 1.

    Args:
        input: a 1-d tensor of non-negative integers.
        weights: a tensor of ``input``'s shape holding the weight of each element (default None:
            weight 1).
        minlength: the smallest length of the result; shorter counts are padded with zeros (default 0).

    Returns:
        A 1-d tensor of length ``max(max(input) + 1, minlength)``: int64 counts, or sums in the weights'
        dtype (float64 for integer weights). The sums are differentiable with respect to ``weights``.

    Raises:
        TypeError: ``input`` or ``weights`` is not a tensor.
        RuntimeError: ``input`` is not 1-d, not integer, or has a negative value; ``weights``
            has a different shape; ``minlength`` is negative.
    """
    _check_tensor(input, "bincount")
    backend = input._backend
    xp = backend.xp
    x = input._storage.array
    if input.ndim != 1 or input.dtype.is_floating_point or input.dtype.is_complex or input.dtype is dtypes.bool_:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    n = 0
    if x.shape[0]:
        lo, hi = int(xp.min(x)), int(xp.max(x))
        if lo < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        n = hi + 1
    n = max(n, int(minlength))
    i64 = backend.native_dtype("int64")
    idx = x if x.dtype == i64 else xp.astype(x, i64)
    if weights is None:
        counts = backend.getitem_grad((n,), (idx, Ellipsis), xp.ones(x.shape, dtype=i64))
        return _wrap(counts, backend)
    if not isinstance(weights, Tensor):
        raise TypeError(f"bincount(): argument 'weights' must be Tensor, not {type(weights).__name__}")
    if tuple(weights.shape) != tuple(x.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if not weights.dtype.is_floating_point:
        weights = weights.to(dtypes.float64)
    from arraygrad.core.creation import zeros
    from arraygrad.core.indexing import index_put

    return index_put(zeros(n, dtype=weights.dtype, backend=backend), (_wrap(idx, backend),), weights, accumulate=True)
