"""Reordering elements along dimensions: ``flip``, ``fliplr``, ``flipud`` and ``roll`` (copies)."""

from __future__ import annotations

from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _wrap
from arraygrad.core.shape.reshaping import reshape
from arraygrad.core.tensor import Tensor, _dim, _int_arg

__all__ = ["FlipBackward0", "flip", "fliplr", "flipud", "RollBackward0", "roll"]


class FlipBackward0(Node):
    __slots__ = ("axes",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (flip(g, self.axes),)


def flip(a: Tensor, dims: Any) -> Tensor:
    """Reverse the order of the elements of ``a`` along ``dims``, as ``torch.flip``.

    The result is a copy with memory of its own (unlike NumPy's ``flip``, and as in PyTorch); an empty
    ``dims`` gives a plain copy.

    Args:
        a: the input tensor.
        dims: a dimension or a sequence of dimensions to reverse, negative counting from the end.

    Returns:
        A new tensor of the shape of ``a`` with the elements reversed along ``dims``.

    Raises:
        RuntimeError: a dim appears more than once in ``dims``.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    axes = tuple(_dim(d, a.ndim, "flip") for d in ([dims] if isinstance(dims, int) else dims))
    if len(set(axes)) != len(axes):
        repeated = next(d for d in axes if axes.count(d) > 1)
        raise RuntimeError(f"flip: dim {repeated} appears multiple times in the list of dims")
    out = a._backend.xp.flip(a._storage.array, axis=axes) if axes else a._storage.array
    if a._backend.writes_in_place:
        out = a._backend.copy(out)  # a flipped tensor has memory of its own (NumPy's flip is a view)
    if GRAD_MODE.enabled and a._rg:
        node = FlipBackward0((a,))
        node.axes = axes
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


def fliplr(a: Tensor) -> Tensor:
    """Reverse the order of the columns (dim 1) of ``a``, as ``torch.fliplr``.

    The result is a copy (see ``flip``).

    Args:
        a: the input tensor, of at least 2 dimensions.

    Returns:
        A new tensor of the shape of ``a`` with dim 1 reversed.

    Raises:
        RuntimeError: ``a`` has fewer than 2 dimensions.
    """
    if a.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return flip(a, (1,))


def flipud(a: Tensor) -> Tensor:
    """Reverse the order of the rows (dim 0) of ``a``, as ``torch.flipud``.

    The result is a copy (see ``flip``).

    Args:
        a: the input tensor, of at least 1 dimension.

    Returns:
        A new tensor of the shape of ``a`` with dim 0 reversed.

    Raises:
        RuntimeError: ``a`` is 0-d.
    """
    if a.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(a, (0,))


class RollBackward0(Node):
    __slots__ = ("shifts", "axes")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        neg = tuple(-s for s in self.shifts)
        return (roll(g, neg, self.axes),)


def roll(a: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift the elements of ``a`` cyclically along ``dims``, as ``torch.roll``.

    Elements shifted past the end come back at the start. With ``dims`` None the tensor is rolled as if
    flattened and then given its shape back. The result is a copy.

    Args:
        a: the input tensor.
        shifts: the number of places to shift (an int, or a sequence with one shift per entry of
            ``dims``); negative shifts go backwards.
        dims: a dimension or a sequence of dimensions to roll along; None to roll the flattened tensor
            (default None).

    Returns:
        A new tensor of the shape of ``a`` with the elements shifted.

    Raises:
        RuntimeError: ``shifts`` and ``dims`` have different lengths.
        IndexError: ``a`` is 0-d while ``dims`` is given, or a dim is out of range.
        TypeError: a shift or dim is not an integer.

    Example:
        >>> import arraygrad as ag
        >>> ag.roll(ag.arange(5), 2)
        tensor([3, 4, 0, 1, 2])
    """
    if dims is None:
        flat = roll(reshape(a, (-1,)), shifts, 0)
        return reshape(flat, tuple(a.shape))
    sh = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    axes = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(sh) != len(axes):
        raise RuntimeError(f"roll: shifts and dims must have the same length, got {len(sh)} and {len(axes)}")
    sh = tuple(_int_arg(s, "roll", "shifts") for s in sh)
    if a.ndim == 0:
        raise IndexError(f"roll: Dimension specified as {axes[0]} but tensor has no dimensions")
    axes = tuple(_dim(d, a.ndim, "roll") for d in axes)
    out = a._backend.xp.roll(a._storage.array, shift=sh, axis=axes)
    if GRAD_MODE.enabled and a._rg:
        node = RollBackward0((a,))
        node.shifts, node.axes = sh, axes
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)
