"""Repetition: ``repeat``, ``tile`` and ``repeat_interleave`` (copies)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core.shape._utils import _shape_arg
from arraygrad.core.shape.broadcasting import expand
from arraygrad.core.shape.copying import clone
from arraygrad.core.shape.reshaping import flatten, reshape, unsqueeze
from arraygrad.core.tensor import Tensor, _dim, _int_arg

__all__ = ["repeat", "tile", "repeat_interleave"]


def repeat(a: Tensor, *sizes: Any) -> Tensor:
    """Tile ``a`` by repeating it ``sizes[i]`` times along each dimension ``i``, as ``torch.Tensor.repeat``.

    The repeat counts are given after ``a`` as separate integers or as one tuple or list. There may be
    more counts than dimensions of ``a``: ``a`` is then treated as having leading dimensions of size 1.
    A count of 0 gives an empty dimension. The result is a new tensor with the data copied (also when
    every count is 1).

    Args:
        a: the input tensor.

    Returns:
        A tensor whose size along each dimension ``i`` is ``sizes[i]`` times the (padded) size of ``a``.

    Raises:
        RuntimeError: fewer counts than dimensions of ``a``, or a negative count.
        TypeError: a count is not an integer.

    Example:
        >>> import arraygrad as ag
        >>> ag.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    reps = _shape_arg(sizes, "repeat", "repeats")
    if len(reps) < a.ndim:
        raise RuntimeError(
            "repeat: number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    shape = (1,) * (len(reps) - a.ndim) + tuple(a.shape)
    if any(r < 0 for r in reps):
        result = [r * n for r, n in zip(reps, shape)]
        bad = next(n for n in result if n < 0)
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension {bad}: {result}")
    # (r0, n0, r1, n1, ...) broadcast, then merge each pair
    interleaved = []
    for n in shape:
        interleaved += [1, n]
    x = reshape(a, tuple(interleaved))
    target = []
    for r, n in zip(reps, shape):
        target += [r, n]
    x = expand(x, tuple(target))
    return _own_memory(reshape(x, tuple(r * n for r, n in zip(reps, shape))), a)


def tile(a: Tensor, dims: Sequence[int]) -> Tensor:
    """Tile ``a`` by repeating it ``dims[i]`` times along each dimension ``i``, as ``torch.tile``.

    The same as ``repeat``, except that ``dims`` may have fewer entries than ``a`` has dimensions:
    the missing leading counts are taken as 1. The result is a copy.

    Args:
        a: the input tensor.
        dims: the repeat count of each dimension, a sequence of non-negative ints, aligned with the last
            dimensions of ``a``.

    Returns:
        A tensor whose size along each dimension is the product of ``a``'s (padded) size and its count.

    Raises:
        RuntimeError: a negative count.
        TypeError: a count is not an integer.
    """
    dims = tuple(dims)
    if len(dims) < a.ndim:
        dims = (1,) * (a.ndim - len(dims)) + dims
    return repeat(a, dims)


def repeat_interleave(a: Tensor, repeats: int | Tensor, dim: int | None = None) -> Tensor:
    """Repeat each element (or slice) of ``a`` along ``dim``, as ``torch.repeat_interleave``.

    With an int ``repeats`` (or a one-element tensor) every slice along ``dim`` is repeated that many
    times in place, so ``[1, 2]`` with ``repeats=2`` gives ``[1, 1, 2, 2]``. With a 1-d tensor of
    counts, slice ``i`` is repeated ``repeats[i]`` times. With ``dim`` None, ``a`` is first flattened
    and the result is 1-d. The result is a copy (also for ``repeats`` of 1).

    Args:
        a: the input tensor.
        repeats: the number of repetitions, a non-negative int, or an integer tensor of one count per
            slice along ``dim`` (or of one element).
        dim: the dimension to repeat along, negative counting from the end; None for the flattened
            tensor (default None).

    Returns:
        A tensor whose size along ``dim`` is the sum of the repetitions.

    Raises:
        TypeError: ``repeats`` is not an integer or tensor, or ``dim`` is not an integer.
        RuntimeError: a negative count, a count tensor of more than 1 dimension or of a floating-point
            or complex dtype, or a count tensor whose length is not the size of ``dim``.
        IndexError: ``dim`` is out of range.
    """
    if dim is None:
        a, dim = reshape(a, (-1,)), 0
    d = _dim(dim, a.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        if repeats.is_floating_point() or repeats.dtype.is_complex:
            raise RuntimeError(f"repeat_interleave: repeats has to be Long or Int tensor, got {repeats.dtype}")
        if repeats.numel() != 1:
            return _repeat_each(a, repeats, d)
        repeats = int(repeats.item())
    repeats = _int_arg(repeats, "repeat_interleave", "repeats")
    if repeats < 0:
        raise RuntimeError("repeat_interleave: Repeats must be non-negative")
    x = unsqueeze(a, d + 1)
    shape = list(x.shape)
    shape[d + 1] = repeats
    x = expand(x, tuple(shape))
    return _own_memory(flatten(x, d, d + 1), a)


def _own_memory(out: Tensor, a: Tensor) -> Tensor:
    """``out``, or a copy of it when it is a view of ``a``'s memory (a repeat of counts 1, or of a
    size-1 dim): PyTorch's repeat functions always return new memory."""
    st_out, st_a = out._storage, a._storage
    return clone(out) if (st_out.base or st_out) is (st_a.base or st_a) else out


def _repeat_each(a: Tensor, repeats: Tensor, d: int) -> Tensor:
    """``repeat_interleave`` with one count per slice along ``d``: a gather of repeated indices."""
    from arraygrad.core import creation, dtypes
    from arraygrad.core.indexing import index_select

    counts = [int(c) for c in repeats.tolist()]
    if len(counts) != a.shape[d]:
        raise RuntimeError(
            "repeat_interleave: repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {len(counts)} and input.size({d}) = {a.shape[d]}"
        )
    if any(c < 0 for c in counts):
        raise RuntimeError("repeat_interleave: Repeats must be non-negative")
    positions = [i for i, c in enumerate(counts) for _ in range(c)]
    index = creation.tensor(positions, dtype=dtypes.int64, backend=a._backend)
    return index_select(a, d, index)
