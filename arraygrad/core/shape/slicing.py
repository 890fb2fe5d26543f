"""Views of part of one dimension: ``narrow`` and ``select``."""

from __future__ import annotations

from arraygrad.core.tensor import Tensor, _dim, _int_arg

__all__ = ["narrow", "select"]


def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Return ``length`` elements of ``a`` along ``dim`` starting at ``start``, as ``torch.narrow``.

    The result is a view sharing memory with ``a``. A negative ``start`` counts from the end of the
    dimension.

    Args:
        a: the input tensor, of at least 1 dimension.
        dim: the dimension to narrow, negative counting from the end.
        start: the index of the first element kept, in ``[-a.shape[dim], a.shape[dim]]``.
        length: the number of elements kept, non-negative.

    Returns:
        A view of ``a`` whose size along ``dim`` is ``length``.

    Raises:
        RuntimeError: ``a`` is 0-d, or ``start + length`` exceeds the size of the dimension (or
            ``length`` is negative).
        IndexError: ``dim`` or ``start`` is out of range.
        TypeError: ``dim``, ``start`` or ``length`` is not an integer.
    """
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _dim(dim, a.ndim, "narrow")
    n = a.shape[d]
    start, length = _int_arg(start, "narrow", "start"), _int_arg(length, "narrow", "length")
    if not -n <= start <= n:
        raise IndexError(f"narrow: start ({start}) out of range (expected to be in range of [{-n}, {n}])")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return a[(slice(None),) * d + (slice(start, start + length),)]


def select(a: Tensor, dim: int, index: int) -> Tensor:
    """Return the slice of ``a`` at ``index`` along ``dim``, with that dimension removed, as ``torch.select``.

    The result is a view sharing memory with ``a``; ``select(a, 0, i)`` is ``a[i]``.

    Args:
        a: the input tensor, of at least 1 dimension.
        dim: the dimension to index, negative counting from the end.
        index: the position along ``dim``, negative counting from the end.

    Returns:
        A view of ``a`` with one dimension fewer.

    Raises:
        IndexError: ``a`` is 0-d, or ``dim`` or ``index`` is out of range.
        TypeError: ``dim`` or ``index`` is not an integer.
    """
    d = _dim(dim, a.ndim, "select")
    index = _int_arg(index, "select", "index")
    n = a.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(a.shape)} at dimension {d}")
    return a[(slice(None),) * d + (int(index),)]
