"""Splitting a tensor into views: ``split``, ``chunk``, ``tensor_split`` and ``unbind``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _make_view
from arraygrad.core.shape.joining import cat
from arraygrad.core.shape.reshaping import squeeze
from arraygrad.core.tensor import Tensor, _dim, _int_arg

__all__ = ["SplitBackward0", "split", "builtins_sum", "chunk", "tensor_split", "unbind"]


class SplitBackward0(Node):
    """One node for all the pieces of a split: its backward concatenates their gradients once
    (zeros for pieces that got none), instead of one full-size scatter per piece."""

    __slots__ = ("axis", "sizes")

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        return len(self.sizes)

    def backward(self, grads: list[Any]) -> tuple[Any, ...]:
        from arraygrad.core.creation import zeros

        if len(self.sizes) == 1:  # the engine passes a lone output's gradient unwrapped
            return (grads,)
        ref = next(g for g in grads if g is not None)
        parts = []
        for g, n in zip(grads, self.sizes):
            if g is None:
                shape = list(ref.shape)
                shape[self.axis] = n
                g = zeros(tuple(shape), dtype=ref.dtype, backend=ref._backend)
            parts.append(g)
        return (cat(parts, self.axis),)


def split(a: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split ``a`` into pieces along ``dim``, as ``torch.split``.

    An int ``split_size_or_sections`` gives pieces of that size (the last one smaller when the size of
    ``dim`` is not a multiple of it); a sequence gives the size of each piece. The pieces are views
    sharing memory with ``a``; as in PyTorch, they may not be modified in place while ``a`` requires
    grad.

    Args:
        a: the input tensor, of at least 1 dimension.
        split_size_or_sections: the size of each piece (a positive int), or a sequence of sizes that
            sum to the size of ``dim``.
        dim: the dimension to split along, negative counting from the end (default 0).

    Returns:
        A tuple of views of ``a``, in order along ``dim``.

    Raises:
        RuntimeError: ``a`` is 0-d, the split size is not positive, or the sizes do not sum to the size
            of ``dim``.
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.

    Example:
        >>> import arraygrad as ag
        >>> tuple(len(p) for p in ag.split(ag.arange(5), 2))
        (2, 2, 1)
    """
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _dim(dim, a.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [step] * (n // step) + ([n % step] if n % step else [])
        if not sizes:
            sizes = [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins_sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
    x = a._storage.array
    steps, start = [], 0
    for size in sizes:
        steps.append(views.IndexStep((slice(None),) * d + (slice(start, start + size), Ellipsis)))
        start += size
    if not (GRAD_MODE.enabled and a._rg):
        return tuple(_make_view(a, s, x[s.key]) for s in steps)
    node = SplitBackward0((a,))
    node.axis, node.sizes = d, tuple(sizes)
    pieces = tuple(_make_view(a, s, x[s.key], node, k) for k, s in enumerate(steps))
    for k, piece in enumerate(pieces):
        piece._storage.multi_output = f"Output {k} of SplitBackward0"  # type: ignore[attr-defined]
    return pieces


def builtins_sum(values: Sequence[int]) -> int:
    total = 0
    for v in values:
        total += v
    return total


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split ``a`` into at most ``chunks`` pieces of equal size along ``dim``, as ``torch.chunk``.

    Each piece has ``ceil(a.shape[dim] / chunks)`` elements along ``dim`` and the last may be smaller,
    so fewer than ``chunks`` pieces can result (5 elements in 4 chunks give 3 pieces of 2, 2 and 1).
    The pieces are views sharing memory with ``a`` (see ``split``).

    Args:
        a: the input tensor, of at least 1 dimension.
        chunks: the number of pieces wanted, a positive int.
        dim: the dimension to split along, negative counting from the end (default 0).

    Returns:
        A tuple of views of ``a``, in order along ``dim``.

    Raises:
        RuntimeError: ``a`` is 0-d or ``chunks`` is not positive.
        IndexError: ``dim`` is out of range.
        TypeError: ``chunks`` or ``dim`` is not an integer.
    """
    chunks = _int_arg(chunks, "chunk", "chunks")
    if a.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = a.shape[_dim(dim, a.ndim, "chunk")]
    return split(a, max(1, -(-n // chunks)), dim)


def tensor_split(a: Tensor, sections: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split ``a`` into exactly ``sections`` pieces along ``dim``, as ``torch.tensor_split``.

    The sizes of the pieces differ by at most one, the first ones being larger (5 elements in 3
    sections give 2, 2 and 1); pieces may be empty when ``sections`` exceeds the size of ``dim``. Only
    an integer count is accepted (PyTorch also takes a list of split indices). The pieces are views
    sharing memory with ``a`` (see ``split``).

    Args:
        a: the input tensor, of at least 1 dimension.
        sections: the number of pieces, a positive int.
        dim: the dimension to split along, negative counting from the end (default 0).

    Returns:
        A tuple of ``sections`` views of ``a``, in order along ``dim``.

    Raises:
        RuntimeError: ``a`` is 0-d, or ``sections`` is below 1.
        IndexError: ``dim`` is out of range.
        TypeError: ``sections`` or ``dim`` is not an integer.
    """
    if a.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    sections = _int_arg(sections, "tensor_split", "sections")
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    n = a.shape[_dim(dim, a.ndim, "tensor_split")]
    base, extra = divmod(n, sections)
    return split(a, [base + 1] * extra + [base] * (sections - extra), dim)


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Return the slices of ``a`` along ``dim``, with that dimension removed, as ``torch.unbind``.

    The slices are views sharing memory with ``a``; as in PyTorch, they may not be modified in place
    while ``a`` requires grad.

    Args:
        a: the input tensor, of at least 1 dimension.
        dim: the dimension to remove, negative counting from the end (default 0).

    Returns:
        A tuple of ``a.shape[dim]`` views of ``a``, each of ``a``'s shape without ``dim``.

    Raises:
        IndexError: ``a`` is 0-d or ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    if a.ndim == 0:
        raise IndexError(f"unbind: Dimension specified as {dim} but tensor has no dimensions")
    d = _dim(dim, a.ndim, "unbind")
    pieces = tuple(squeeze(piece, d) for piece in split(a, 1, d))
    for k, piece in enumerate(pieces):
        if piece._storage.multi_output is not None:  # type: ignore[attr-defined]
            piece._storage.multi_output = f"Output {k} of UnbindBackward0"  # type: ignore[attr-defined]
    return pieces
