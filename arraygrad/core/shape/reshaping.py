"""Reshapes: ``reshape``, ``view``, ``squeeze``, ``unsqueeze``, ``flatten``, ``unflatten`` and ``ravel``.

Each is a view of its input when the memory allows it (``reshape`` otherwise copies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _make_view, _shape_arg, _wrap
from arraygrad.core.tensor import Tensor, _dim

__all__ = [
    "ViewBackward0", "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "reshape", "view", "squeeze",
    "unsqueeze", "flatten", "unflatten", "ravel",
]


class ViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (reshape(g, self.shape),)


# PyTorch's names for the nodes of reshapes that squeeze or unsqueeze (the backward is the same)
class UnsqueezeBackward0(ViewBackward0):
    __slots__ = ()


class SqueezeBackward0(ViewBackward0):
    """``squeeze()`` of every size-1 dim (``SqueezeBackward1``: of the dims given)."""

    __slots__ = ()


class SqueezeBackward1(ViewBackward0):
    __slots__ = ()


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """Return the elements of ``a`` in row-major order with a new shape, as ``torch.reshape``.

    The result is a view sharing memory with ``a`` whenever the strides of ``a`` allow it (always for
    a contiguous tensor); otherwise the data is copied into a tensor of its own, as in PyTorch.

    The new shape is given after ``a``, either as separate integers (``reshape(a, 2, 3)``) or as one
    tuple or list (``reshape(a, (2, 3))``); one entry may be -1, which is inferred from the number of
    elements.

    Args:
        a: the input tensor.

    Returns:
        A tensor with the requested shape and the elements of ``a`` (a view when possible, else a copy).

    Raises:
        RuntimeError: the shape does not match the number of elements of ``a``, or has more than one -1.
        TypeError: an entry of the shape is not an integer.

    Example:
        >>> import arraygrad as ag
        >>> x = ag.arange(6)
        >>> y = ag.reshape(x, (2, 3))
        >>> y[0, 0] = 9
        >>> x
        tensor([9, 1, 2, 3, 4, 5])
    """
    return _reshape(a, _shape_arg(shape, "reshape", "shape"), "reshape")


def view(a: Tensor, *shape: Any) -> Tensor:
    """Return a view of ``a`` with a new shape that shares its memory, as ``torch.Tensor.view``.

    The shape is given after ``a`` as separate integers or as one tuple or list; one entry may be -1,
    which is inferred from the number of elements. Unlike ``reshape``, no copy is ever made: writes
    through the result change ``a``.

    Args:
        a: the input tensor.

    Returns:
        A view of ``a`` with the requested shape.

    Raises:
        RuntimeError: the shape does not match the number of elements of ``a`` (or has more than one
            -1), or no view exists because the memory of ``a`` is not laid out for it
            (``a.t().view(-1)``): use ``reshape`` there.
        TypeError: an entry of the shape is not an integer.
    """
    return _reshape(a, _shape_arg(shape, "view"), "view")


def _reshape(a: Tensor, new: tuple[int, ...], op: str, node_cls: type[ViewBackward0] = ViewBackward0) -> Tensor:
    x = a._storage.array
    old = tuple(x.shape)
    n = math.prod(old)
    if new != old:
        known = math.prod(s for s in new if s != -1)
        if new.count(-1) > 1 or (-1 in new and (known == 0 or n % known)) or (-1 not in new and known != n):
            raise RuntimeError(f"shape '{list(new)}' is invalid for input of size {n}")
        if -1 in new:
            new = tuple(n // known if s == -1 else s for s in new)
    backend = a._backend
    # row-major memory always has the view; otherwise PyTorch's stride rule decides
    row_major = backend.is_row_major(x) if backend.writes_in_place else a._storage.base is None
    if not row_major and views.view_strides(old, views.layout(a._storage, backend)[0], new) is None:
        if op == "view":
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead."
            )
        # PyTorch copies here; the copy is a tensor of its own
        copied = backend.xp.reshape(backend.contiguous_copy(x), new)
        return _wrap(copied, backend, _view_node(a, old, node_cls))
    out = backend.reshape_view(x, new) if new != old else x[...]
    return _make_view(a, views.ReshapeStep(new, old), out, _view_node(a, old, node_cls))


def _view_node(a: Tensor, old: tuple[int, ...], node_cls: type[ViewBackward0] = ViewBackward0) -> ViewBackward0 | None:
    if not (GRAD_MODE.enabled and a._rg):
        return None
    node = node_cls((a,))
    node.shape = old
    return node


def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 from ``a``, as ``torch.squeeze``.

    With ``dim`` None every dimension of size 1 is removed; otherwise only those of the dims named in
    ``dim`` that have size 1 (a named dim of another size is kept, without error). The result is a
    view sharing memory with ``a``.

    Args:
        a: the input tensor.
        dim: a dimension or a tuple/list of dimensions to squeeze, negative counting from the end; None
            for all size-1 dimensions (default None).

    Returns:
        A view of ``a`` without the squeezed dimensions.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    shape = tuple(a.shape)
    if dim is None:
        dims = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = {_dim(d, a.ndim, "squeeze") for d in ([dim] if isinstance(dim, int) else dim)}
        dims = {d for d in dims if a.ndim and shape[d] == 1}
    new = tuple(n for i, n in enumerate(shape) if i not in dims)
    return _reshape(a, new, "squeeze", SqueezeBackward0 if dim is None else SqueezeBackward1)


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 into ``a`` at position ``dim``, as ``torch.unsqueeze``.

    The result is a view sharing memory with ``a``.

    Args:
        a: the input tensor.
        dim: the position of the new dimension in the result, in ``[-a.ndim - 1, a.ndim]``; negative
            counts from the end of the result.

    Returns:
        A view of ``a`` with one more dimension.

    Raises:
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    d = _dim(dim, a.ndim + 1, "unsqueeze")
    shape = list(a.shape)
    shape.insert(d, 1)
    return _reshape(a, tuple(shape), "unsqueeze", UnsqueezeBackward0)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the dimensions ``start_dim`` to ``end_dim`` of ``a`` into one, as ``torch.flatten``.

    The result is a ``reshape`` of ``a``: a view sharing memory with it when its strides allow,
    otherwise a copy. A 0-d tensor becomes a 1-d tensor of one element.

    Args:
        a: the input tensor.
        start_dim: the first dimension to merge (default 0).
        end_dim: the last dimension to merge, included (default -1).

    Returns:
        A tensor whose dims ``start_dim..end_dim`` are replaced by one dim of their product.

    Raises:
        RuntimeError: ``start_dim`` comes after ``end_dim``.
        IndexError: ``start_dim`` or ``end_dim`` is out of range.
        TypeError: ``start_dim`` or ``end_dim`` is not an integer.
    """
    if a.ndim == 0:
        _dim(start_dim, 0, "flatten"), _dim(end_dim, 0, "flatten")  # a 0-d tensor still takes only dims -1 and 0
        return reshape(a, (1,))
    s, e = _dim(start_dim, a.ndim, "flatten"), _dim(end_dim, a.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(a.shape)
    return reshape(a, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(a: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` of ``a`` into the dimensions ``sizes``, as ``torch.unflatten``.

    One entry of ``sizes`` may be -1, inferred from the size of ``dim``. The result is a
    ``reshape`` of ``a``: a view sharing memory with it when its strides allow, otherwise a copy.

    Args:
        a: the input tensor.
        dim: the dimension to split (negative counts from the end).
        sizes: the sizes that replace ``dim``, a sequence of ints whose product is ``a.shape[dim]``.

    Returns:
        A tensor with ``dim`` replaced by the dims of ``sizes``.

    Raises:
        RuntimeError: the product of ``sizes`` is not the size of ``dim``.
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` or an entry of ``sizes`` is not an integer.
    """
    d = _dim(dim, a.ndim, "unflatten")
    shape = tuple(a.shape)
    sizes = list(_shape_arg((sizes,), "unflatten", "sizes"))
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes[sizes.index(-1)] = shape[d] // known if known else 0
    if math.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[d]})")
    return reshape(a, shape[:d] + tuple(sizes) + shape[d + 1 :])


def ravel(a: Tensor) -> Tensor:
    """Flatten ``a`` to one dimension in row-major order, as ``torch.ravel``.

    The result is a view sharing memory with ``a`` when its strides allow (always for a contiguous
    tensor), otherwise a copy.

    Args:
        a: the input tensor.

    Returns:
        A 1-d tensor of ``a.numel()`` elements.
    """
    return reshape(a, (-1,))
