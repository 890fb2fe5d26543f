"""Broadcasting: ``expand``, ``broadcast_to``, ``expand_as``, ``broadcast_shapes`` and ``broadcast_tensors``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _make_view, _shape_arg
from arraygrad.core.shape.reshaping import reshape
from arraygrad.core.tensor import Tensor

__all__ = ["ExpandBackward0", "expand", "broadcast_to", "expand_as", "broadcast_shapes", "broadcast_tensors"]


class ExpandBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        from arraygrad.core.ops import sum_to

        return (sum_to(g, self.shape),)


def expand(a: Tensor, *sizes: Any) -> Tensor:
    """Broadcast ``a`` to a larger shape without copying data, as ``torch.Tensor.expand``.

    The sizes are given after ``a`` as separate integers or as one tuple or list. They are matched with
    the dims of ``a`` from the right; new leading dims may be added, a size of -1 keeps the size of that
    dimension, and only dimensions of size 1 may grow. The result is a view sharing memory with ``a``:
    the elements along a grown dimension are the same memory location.

    Args:
        a: the input tensor.

    Returns:
        A view of ``a`` with the expanded shape.

    Raises:
        RuntimeError: fewer sizes than dimensions of ``a``, or a dimension of size other than 1 would
            have to change.
        TypeError: a size is not an integer.
    """
    new = list(_shape_arg(sizes, "expand"))
    old = tuple(a._storage.array.shape)
    lead = len(new) - len(old)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(new)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(old)})"
        )
    for i, n in enumerate(old):
        if new[i + lead] == -1:
            new[i + lead] = n
        elif n != 1 and new[i + lead] != n:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({new[i + lead]}) must match the existing size ({n}) "
                f"at non-singleton dimension {i + lead}. Target sizes: {list(sizes)}. Tensor sizes: {list(old)}"
            )
    target = tuple(new)
    if math.prod(target) == math.prod(old):
        return reshape(a, target)  # only new or unit dims: a writable view like any reshape
    step = views.ExpandStep(target)
    out = step.apply(a._backend, a._storage.array)
    if GRAD_MODE.enabled and a._rg:
        node = ExpandBackward0((a,))
        node.shape = old
        return _make_view(a, step, out, node)
    return _make_view(a, step, out)


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast ``a`` to ``shape`` without copying data, as ``torch.broadcast_to``.

    The same as ``expand`` with ``shape`` as one tuple: the result is a view sharing memory with
    ``a``, and -1 keeps a dimension's size.

    Args:
        a: the input tensor.
        shape: the target shape, a sequence of ints.

    Returns:
        A view of ``a`` with shape ``shape``.

    Raises:
        RuntimeError: ``shape`` has fewer dims than ``a``, or a dimension of size other than 1 would
            have to change.
        TypeError: an entry of ``shape`` is not an integer.
    """
    return expand(a, tuple(shape))


def expand_as(a: Tensor, other: Tensor) -> Tensor:
    """Broadcast ``a`` to the shape of ``other`` without copying data, as ``torch.Tensor.expand_as``.

    The result is a view sharing memory with ``a``; see ``expand`` for the broadcasting rule.

    Args:
        a: the input tensor.
        other: the tensor whose shape ``a`` is expanded to.

    Returns:
        A view of ``a`` with the shape of ``other``.

    Raises:
        TypeError: ``other`` is not a tensor.
        RuntimeError: ``a`` cannot be expanded to the shape of ``other``.
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"expand_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    return expand(a, tuple(other.shape))


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """Compute the shape that tensors of the given shapes broadcast to, as ``torch.broadcast_shapes``.

    Each positional argument is a shape (a sequence of ints); an int counts as a 1-d shape and None is
    skipped. No tensor is created. With no shapes the result is ``()``.

    Returns:
        The broadcast shape as a tuple of ints.

    Raises:
        RuntimeError: shapes that cannot be broadcast together, or an argument that is not a shape.
        ValueError: a negative size that would be broadcast.
        TypeError: a size that is not an integer.

    Example:
        >>> import arraygrad as ag
        >>> ag.broadcast_shapes((2, 1), (3,), 1)
        (2, 3)
    """
    # the checks run in PyTorch's order, so each bad input gets PyTorch's exception kind
    shapes = tuple((s,) if isinstance(s, int) else s for s in shapes if s is not None)
    for s in shapes:
        if not isinstance(s, Sequence):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
    out: list[Any] = [1] * max((len(s) for s in shapes), default=0)
    for arg, s in enumerate(shapes):
        for j in range(-1, -1 - len(s), -1):
            n = s[j]
            if n == out[j]:
                continue
            if out[j] == 1:
                if n < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                out[j] = n
            if n != 1 and out[j] != n:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at {j}! Mismatching argument at index "
                    f"{arg} had {tuple(s)}; but expected shape should be broadcastable to {out}"
                )
    for pos, n in enumerate(out):
        if type(n) is not int and (isinstance(n, bool) or not hasattr(n, "__index__")):
            raise TypeError(f"torch.Size() takes an iterable of 'int' (item {pos} is '{type(n).__name__}')")
    return tuple(int(n) for n in out)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Expand the given tensors to their common broadcast shape, as ``torch.broadcast_tensors``.

    Each positional argument is a tensor. The results are views sharing memory with their inputs (no
    data is copied; an input that already has the broadcast shape is returned as it is).

    Returns:
        A tuple with one tensor per input, in order, all of the broadcast shape.

    Raises:
        TypeError: an argument that is not a tensor.
        RuntimeError: shapes that cannot be broadcast, or tensors on different backends.
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    for t in tensors[1:]:
        if t._backend is not tensors[0]._backend:
            from arraygrad.core.ops import _backend_mismatch

            raise _backend_mismatch("broadcast_tensors", tensors[0], t)
    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)
