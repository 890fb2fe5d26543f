"""Reorderings of dimensions: ``permute``, ``transpose`` (``swapaxes``, ``swapdims``), ``t`` and ``movedim``
(``moveaxis``), all views of their input.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _make_view, _shape_arg
from arraygrad.core.shape.reshaping import reshape
from arraygrad.core.tensor import Tensor, _dim

__all__ = [
    "PermuteBackward0", "TransposeBackward0", "TBackward0", "permute", "transpose", "swapaxes", "swapdims", "t",
    "movedim", "moveaxis",
]


class PermuteBackward0(Node):
    __slots__ = ("inverse",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (permute(g, self.inverse),)


class TransposeBackward0(PermuteBackward0):
    __slots__ = ()


class TBackward0(PermuteBackward0):
    __slots__ = ()


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions of ``a`` so that output dim ``i`` is input dim ``dims[i]``, as ``torch.permute``.

    The order is given after ``a`` as separate integers (``permute(a, 2, 0, 1)``) or as one tuple or
    list; negative dims count from the end. The result is a view sharing memory with ``a``.

    Args:
        a: the input tensor.

    Returns:
        A view of ``a`` whose shape is ``a``'s sizes in the new order.

    Raises:
        RuntimeError: the number of dims given differs from ``a.ndim``, or they are not a permutation of
            the dimensions of ``a``.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    wanted = _shape_arg(dims, "permute", "dims")
    if len(wanted) != a.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {a.ndim} is not equal to len(dims) = {len(wanted)}"
        )
    order = tuple(_dim(d, a.ndim, "permute") for d in wanted)
    if sorted(order) != list(range(a.ndim)):
        raise RuntimeError(f"permute: dims {list(dims)} are not a permutation of {a.ndim} dimensions")
    return _permute(a, order, PermuteBackward0)


def _permute(a: Tensor, order: tuple[int, ...], node_cls: type[PermuteBackward0]) -> Tensor:
    step = views.PermuteStep(order)
    out = step.apply(a._backend, a._storage.array)
    if GRAD_MODE.enabled and a._rg:
        node = node_cls((a,))
        node.inverse = step.inverse
        return _make_view(a, step, out, node)
    return _make_view(a, step, out)


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` of ``a``, as ``torch.transpose``.

    The result is a view sharing memory with ``a`` (for a tensor of fewer than 2 dimensions with both
    dims 0 or -1, a view of the same shape). ``swapaxes`` and ``swapdims`` are the same function.

    Args:
        a: the input tensor.
        dim0: the first dimension to swap (negative counts from the end).
        dim1: the second dimension to swap (negative counts from the end).

    Returns:
        A view of ``a`` with ``dim0`` and ``dim1`` exchanged.

    Raises:
        IndexError: ``dim0`` or ``dim1`` is out of range.
        TypeError: ``dim0`` or ``dim1`` is not an integer.
    """
    if a.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return reshape(a, tuple(a.shape))  # a view, as PyTorch's (not the input object)
    order = list(range(a.ndim))
    d0, d1 = _dim(dim0, a.ndim, "transpose"), _dim(dim1, a.ndim, "transpose")
    order[d0], order[d1] = order[d1], order[d0]
    return _permute(a, tuple(order), TransposeBackward0)


swapaxes = swapdims = transpose


def t(a: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions, as ``torch.t``.

    A 2-d tensor gets its two dimensions swapped, as a view sharing memory with ``a``; a 0-d or 1-d
    tensor gives a view of the same shape.

    Args:
        a: the input tensor, of at most 2 dimensions.

    Returns:
        The transposed view of ``a`` (of the same shape when it has fewer than 2 dimensions).

    Raises:
        RuntimeError: ``a`` has more than 2 dimensions.
    """
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    return _permute(a, (1, 0), TBackward0) if a.ndim == 2 else reshape(a, tuple(a.shape))


def movedim(a: Tensor, source: Any, destination: Any) -> Tensor:
    """Move the dimensions ``source`` of ``a`` to the positions ``destination``, as ``torch.movedim``.

    The other dimensions keep their relative order. The result is a view sharing memory with ``a``
    (a ``permute`` of it). ``moveaxis`` is the same function.

    Args:
        a: the input tensor.
        source: the dimension to move, or a sequence of them (negative counts from the end).
        destination: where each dimension of ``source`` ends up, an int or a sequence of the same length
            as ``source``.

    Returns:
        A view of ``a`` with the dimensions moved.

    Raises:
        IndexError: a dim of ``source`` or ``destination`` is out of range.
        RuntimeError: ``source`` and ``destination`` of different lengths, or a dim repeated in either.
        TypeError: a dim is not an integer.
    """
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_dim(s, a.ndim, "movedim") for s in src]
    dst = [_dim(d, a.ndim, "movedim") for d in dst]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the same "
                           f"number of dims as destination ({dst} dims)")
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(a, order)


moveaxis = movedim
