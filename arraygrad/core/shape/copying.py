"""Copies that stay in the autograd graph: ``clone`` and ``contiguous``."""

from __future__ import annotations

from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _wrap
from arraygrad.core.tensor import Tensor

__all__ = ["CloneBackward0", "clone", "contiguous"]


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (g,)


def clone(a: Tensor) -> Tensor:
    """Return a copy of ``a`` with memory of its own, as ``torch.clone``.

    The copy is part of the autograd graph: gradients flow back to ``a``. Writes to the copy do not
    affect ``a``.

    Args:
        a: the input tensor.

    Returns:
        A new tensor with the shape, dtype and values of ``a``.
    """
    out = a._backend.copy(a._storage.array)
    if GRAD_MODE.enabled and a._rg:
        return _wrap(out, a._backend, CloneBackward0((a,)))
    return _wrap(out, a._backend)


def contiguous(a: Tensor, memory_format: Any = None) -> Tensor:
    """Return ``a`` with row-major (C-contiguous) memory, as ``torch.Tensor.contiguous``.

    When ``a`` is already contiguous it is returned itself; otherwise its data is copied into a new
    row-major tensor, through which gradients flow back to ``a``.

    Args:
        a: the input tensor.
        memory_format: accepted for PyTorch compatibility; ignored (default None).

    Returns:
        ``a`` itself, or a contiguous copy of it.
    """
    if a.is_contiguous():
        return a
    out = a._backend.contiguous_copy(a._storage.array)
    if GRAD_MODE.enabled and a._rg:
        return _wrap(out, a._backend, CloneBackward0((a,)))
    return _wrap(out, a._backend)
