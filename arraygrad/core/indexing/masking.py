"""Boolean masks: ``masked_fill``, ``masked_select``, and the indices of a mask's non-zero elements
(``nonzero``, ``argwhere``).
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.indexing.subscript import getitem, named_node
from arraygrad.core.tensor import Tensor

__all__ = ["masked_fill", "masked_select", "nonzero", "argwhere"]

_wrap = Tensor._wrap


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
