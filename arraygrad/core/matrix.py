"""Diagonal matrices and triangle indices: ``diag``, ``diag_embed``, ``diagflat``,
``tril_indices``, ``triu_indices``.

``diag_embed`` is the inverse of the ``diagonal`` view (zeros with the input written on a
diagonal); its gradient is that diagonal of the incoming gradient. ``diag`` and ``diagflat``
are written with it and ``diagonal``.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.creation import _finish, resolve
from arraygrad.core.shape import _diagonal_embed, diagonal
from arraygrad.core.tensor import Tensor, _dim, _int_arg


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """A tensor whose diagonals (over ``dim1`` and ``dim2`` of the result, ``offset`` above the
    main one when positive) hold the last dimension of ``input``; zeros elsewhere.

    ``diagonal(diag_embed(x, offset, dim1, dim2), offset, dim1, dim2)`` is ``x``.

    Returns:
        A tensor with one more dimension than ``input``; ``dim1`` and ``dim2`` have size
        ``input.shape[-1] + abs(offset)``.

    Raises:
        TypeError: ``offset`` is not an integer. IndexError: a dim is out of range.
        RuntimeError: ``dim1`` and ``dim2`` are the same (always so for a 0-d ``input``).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"diag_embed(): argument 'input' must be Tensor, not {type(input).__name__}")
    offset = _int_arg(offset, "diag_embed", "offset")
    # the dims index the result, which has one more dimension than the input (PyTorch's range checks)
    ndim = input.ndim + 1
    d1, d2 = _dim(dim1, ndim, "diag_embed"), _dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    src = input
    n = src.shape[-1] + abs(offset)
    shape = list(src.shape[:-1])
    for position in sorted((d1, d2)):
        shape.insert(position, n)
    return _diagonal_embed(src, tuple(shape), offset, d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """For a 1-d ``input``: the square matrix with ``input`` on its ``diagonal``-th diagonal.
    For a 2-d ``input``: a copy of that diagonal as a 1-d tensor.

    Raises:
        RuntimeError: ``input`` is neither 1-d nor 2-d.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"diag(): argument 'input' must be Tensor, not {type(input).__name__}")
    diagonal = _int_arg(diagonal, "diag", "diagonal")
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return _diagonal_copy(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def _diagonal_copy(a: Tensor, offset: int) -> Tensor:
    # a copy, not a view: writing into the result must not change the matrix (PyTorch's diag)
    return diagonal(a, offset, 0, 1).clone()


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """The square matrix with the flattened ``input`` on its ``offset``-th diagonal."""
    if not isinstance(input, Tensor):
        raise TypeError(f"diagflat(): argument 'input' must be Tensor, not {type(input).__name__}")
    offset = _int_arg(offset, "diagflat", "offset")
    return diag_embed(input.reshape(-1), offset)


def _triangle_indices(row: int, col: int, offset: int, lower: bool, dtype: Any, device: Any, backend: Any,
                      op: str) -> Tensor:
    row, col = _int_arg(row, op, "row"), _int_arg(col, op, "col")
    offset = _int_arg(offset, op, "offset")
    if row < 0:
        raise RuntimeError(f"{op}: row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"{op}: col must be non-negative, got{col}")
    dt = dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64
    if dt not in (dtypes.int32, dtypes.int64):
        raise RuntimeError(f"{op}: dtype must be int32 or int64 (torch.long), got {dt}")
    be, index = resolve(backend, device)
    xp = be.xp
    i64 = be.native_dtype("int64")
    rows = xp.reshape(xp.arange(row, dtype=i64), (row, 1))
    cols = xp.reshape(xp.arange(col, dtype=i64), (1, col))
    above = xp.subtract(cols, rows)
    keep = xp.less_equal(above, offset) if lower else xp.greater_equal(above, offset)
    r, c = xp.nonzero(keep)  # row-major order, as PyTorch lists them
    out = xp.stack([xp.astype(r, be.native_dtype(dt.name)), xp.astype(c, be.native_dtype(dt.name))])
    return _finish(out, be, index, False)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None, backend: Any = None) -> Tensor:
    """The (row, column) indices of the lower triangle (on and below the ``offset``-th
    diagonal) of a ``row`` x ``col`` matrix, as a ``2 x N`` tensor in row-major order.

    Args:
        row: the matrix size.
        col: the matrix size.
        offset: which diagonal bounds the triangle (positive: above the main one).
        dtype: int64 (default) or int32.
        device: where the result lives (as for the creation functions).
        backend: where the result lives (as for the creation functions).
        layout: accepted for compatibility (strided only).

    Raises:
        TypeError: a size or ``offset`` that is not an integer.
        RuntimeError: a negative size, or a dtype other than int32/int64.
    """
    return _triangle_indices(row, col, offset, True, dtype, device, backend, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None, backend: Any = None) -> Tensor:
    """The (row, column) indices of the upper triangle (on and above the ``offset``-th
    diagonal) of a ``row`` x ``col`` matrix, as a ``2 x N`` tensor; see :func:`tril_indices`."""
    return _triangle_indices(row, col, offset, False, dtype, device, backend, "triu_indices")
