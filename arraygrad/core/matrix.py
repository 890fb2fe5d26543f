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
    """Build a tensor whose diagonals hold the last dimension of ``input``, with zeros elsewhere.

    The diagonals run over ``dim1`` and ``dim2`` of the result, ``offset`` above the main one when
    positive. ``diagonal(diag_embed(x, offset, dim1, dim2), offset, dim1, dim2)`` is ``x``.

    Args:
        input: the tensor whose last dimension is written on the diagonals.
        offset: which diagonal: 0 the main one, positive above it, negative below (default 0).
        dim1: the first dimension of the result the diagonals run over (default -2).
        dim2: the second dimension of the result the diagonals run over (default -1).

    Returns:
        A tensor with one more dimension than ``input``; ``dim1`` and ``dim2`` have size
        ``input.shape[-1] + abs(offset)``.

    Raises:
        TypeError: ``input`` is not a Tensor, or ``offset`` is not an integer.
        IndexError: a dim is out of range.
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
    """Build a diagonal matrix from a 1-d ``input``, or extract a diagonal of a 2-d ``input``.

    For a 1-d ``input``: the square matrix with ``input`` on its ``diagonal``-th diagonal. For a 2-d
    ``input``: a copy (not a view) of that diagonal as a 1-d tensor.

    Args:
        input: a 1-d or 2-d tensor.
        diagonal: which diagonal: 0 the main one, positive above it, negative below (default 0).

    Returns:
        A square 2-d tensor of side ``len(input) + abs(diagonal)`` for a 1-d ``input``; a 1-d tensor
        for a 2-d ``input``.

    Raises:
        TypeError: ``input`` is not a Tensor, or ``diagonal`` is not an integer.
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
    """Build the square matrix with the flattened ``input`` on its ``offset``-th diagonal.

    Args:
        input: a tensor of any shape; it is flattened first.
        offset: which diagonal: 0 the main one, positive above it, negative below (default 0).

    Returns:
        A square 2-d tensor of side ``input.numel() + abs(offset)``, zero off that diagonal.

    Raises:
        TypeError: ``input`` is not a Tensor, or ``offset`` is not an integer.
    """
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
    """Return the (row, column) indices of the lower triangle of a ``row`` x ``col`` matrix.

    The triangle holds the elements on and below the ``offset``-th diagonal; the indices are listed
    in row-major order.

    Args:
        row: the number of rows of the matrix.
        col: the number of columns of the matrix.
        offset: which diagonal bounds the triangle: 0 the main one, positive above it, negative
            below (default 0).
        dtype: int64 or int32; None for int64 (default None).
        device: the device of the result, as for the creation functions (default None).
        layout: accepted for PyTorch compatibility; ignored (strided only) (default None).
        backend: the backend of the result; None for the default one (default None).

    Returns:
        A ``2 x N`` integer tensor: row indices in the first row, column indices in the second.

    Raises:
        TypeError: a size or ``offset`` that is not an integer.
        RuntimeError: a negative size, or a dtype other than int32/int64.
    """
    return _triangle_indices(row, col, offset, True, dtype, device, backend, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None, backend: Any = None) -> Tensor:
    """Return the (row, column) indices of the upper triangle of a ``row`` x ``col`` matrix.

    The triangle holds the elements on and above the ``offset``-th diagonal; the indices are listed
    in row-major order.

    Args:
        row: the number of rows of the matrix.
        col: the number of columns of the matrix.
        offset: which diagonal bounds the triangle: 0 the main one, positive above it, negative
            below (default 0).
        dtype: int64 or int32; None for int64 (default None).
        device: the device of the result, as for the creation functions (default None).
        layout: accepted for PyTorch compatibility; ignored (strided only) (default None).
        backend: the backend of the result; None for the default one (default None).

    Returns:
        A ``2 x N`` integer tensor: row indices in the first row, column indices in the second.

    Raises:
        TypeError: a size or ``offset`` that is not an integer.
        RuntimeError: a negative size, or a dtype other than int32/int64.
    """
    return _triangle_indices(row, col, offset, False, dtype, device, backend, "triu_indices")
