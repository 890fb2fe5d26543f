"""Diagonals and triangles of matrices: ``diagonal`` (a view), ``tril`` and ``triu``."""

from __future__ import annotations

from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _make_view, _wrap
from arraygrad.core.tensor import Tensor, _dim, _int_arg

__all__ = ["DiagonalBackward0", "DiagonalEmbedBackward0", "diagonal", "tril", "triu"]


class DiagonalBackward0(Node):
    __slots__ = ("shape", "offset", "dim1", "dim2")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_diagonal_embed(g, self.shape, self.offset, self.dim1, self.dim2),)


class DiagonalEmbedBackward0(Node):
    __slots__ = ("offset", "dim1", "dim2")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (diagonal(g, self.offset, self.dim1, self.dim2),)


def _diagonal_embed(g: Tensor, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> Tensor:
    """Zeros of ``shape`` with ``g`` on the diagonal that ``diagonal(offset, dim1, dim2)`` reads."""
    backend = g._backend
    zeros = backend.xp.zeros(shape, dtype=g._storage.array.dtype)
    out = backend.diagonal_put(zeros, offset, dim1, dim2, g._storage.array)
    if GRAD_MODE.enabled and g._rg:
        node = DiagonalEmbedBackward0((g,))
        node.offset, node.dim1, node.dim2 = offset, dim1, dim2
        return _wrap(out, backend, node)
    return _wrap(out, backend)


def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """Return a diagonal of ``a`` over the dims ``dim1`` and ``dim2``, as ``torch.diagonal``.

    ``offset`` 0 is the main diagonal, a positive ``offset`` one above it (towards larger ``dim2``
    indices) and a negative one below. The two dims are removed and the diagonal becomes the last
    dimension of the result, which is a view sharing memory with ``a``.

    Args:
        a: the input tensor, of at least 2 dimensions.
        offset: which diagonal to take, relative to the main one (default 0).
        dim1: the first dimension of the matrices (default 0).
        dim2: the second dimension of the matrices (default 1).

    Returns:
        A view of ``a`` holding the diagonal as its last dimension.

    Raises:
        IndexError: ``dim1`` or ``dim2`` is out of range.
        RuntimeError: ``dim1`` and ``dim2`` are the same dimension.
        TypeError: ``offset``, ``dim1`` or ``dim2`` is not an integer.

    Example:
        >>> import arraygrad as ag
        >>> ag.diagonal(ag.arange(9).reshape(3, 3), 1)
        tensor([1, 5])
    """
    offset = _int_arg(offset, "diagonal", "offset")
    d1, d2 = _dim(dim1, a.ndim, "diagonal"), _dim(dim2, a.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    step = views.DiagonalStep(int(offset), d1, d2)
    out = step.apply(a._backend, a._storage.array)
    if GRAD_MODE.enabled and a._rg:
        node = DiagonalBackward0((a,))
        node.shape, node.offset, node.dim1, node.dim2 = tuple(a.shape), int(offset), d1, d2
        return _make_view(a, step, out, node)
    return _make_view(a, step, out)


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """Return the lower triangle of the matrices of ``a``, with the other elements zeroed, as ``torch.tril``.

    The elements above the ``diagonal``-th diagonal of the last two dimensions are set to 0; leading
    dimensions are batch dimensions. ``diagonal`` 0 keeps the main diagonal, ``k > 0`` also keeps the
    ``k`` diagonals above it, and ``-k`` also zeroes the main diagonal and the ``k - 1`` below it.
    The result is a copy.

    Args:
        a: the input tensor, of at least 2 dimensions.
        diagonal: the last diagonal kept, relative to the main one (default 0).

    Returns:
        A new tensor of the shape and dtype of ``a``.

    Raises:
        RuntimeError: ``a`` has fewer than 2 dimensions.
        TypeError: ``diagonal`` is not an integer.
    """
    from arraygrad.core import creation

    diagonal = _int_arg(diagonal, "tril", "diagonal")
    if a.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    n, m = a.shape[-2], a.shape[-1]
    rows = creation.arange(n, backend=a._backend).reshape(n, 1)
    cols = creation.arange(m, backend=a._backend).reshape(1, m)
    return a.masked_fill((cols - rows) > diagonal, 0)


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """Return the upper triangle of the matrices of ``a``, with the other elements zeroed, as ``torch.triu``.

    The elements below the ``diagonal``-th diagonal of the last two dimensions are set to 0; leading
    dimensions are batch dimensions. ``diagonal`` 0 keeps the main diagonal, ``k > 0`` also zeroes the
    main diagonal and the ``k - 1`` above it, and ``-k`` also keeps the ``k`` diagonals below it.
    The result is a copy.

    Args:
        a: the input tensor, of at least 2 dimensions.
        diagonal: the first diagonal kept, relative to the main one (default 0).

    Returns:
        A new tensor of the shape and dtype of ``a``.

    Raises:
        RuntimeError: ``a`` has fewer than 2 dimensions.
        TypeError: ``diagonal`` is not an integer.
    """
    from arraygrad.core import creation

    diagonal = _int_arg(diagonal, "triu", "diagonal")
    if a.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    n, m = a.shape[-2], a.shape[-1]
    rows = creation.arange(n, backend=a._backend).reshape(n, 1)
    cols = creation.arange(m, backend=a._backend).reshape(1, m)
    return a.masked_fill((cols - rows) < diagonal, 0)
