"""Differentiable shape ops: reshape, permute, expand, cat, flip, roll, pad and their composites.

The ops PyTorch makes views (``view``, ``reshape`` where the memory allows, ``permute``,
``transpose``, ``expand``, ``squeeze``, ``split``, ``narrow``, ``diagonal``...) return views
here too (``arraygrad.core.views``): writes through them change the tensor they were taken of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import views
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor, _dim, _int_arg

_wrap = Tensor._wrap
_make_view = views.make_view


def _shape_arg(shape: Any, op: str, arg: str = "size") -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` like PyTorch.

    Raises:
        TypeError: an entry that is not an integer (a float would otherwise be truncated).
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    out = []
    for pos, s in enumerate(shape):
        if type(s) is not int:
            if isinstance(s, bool) or not hasattr(s, "__index__"):
                raise TypeError(f"{op}(): argument '{arg}' (position 1) must be tuple of ints, but found element of "
                                f"type {type(s).__name__} at pos {pos}")
            s = s.__index__()
        out.append(s)
    return tuple(out)


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


class CatBackward0(Node):
    __slots__ = ("axis", "sizes")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        out: list[Any] = []
        start = 0
        for i, n in enumerate(self.sizes):
            if self.needs(i):
                key = (slice(None),) * self.axis + (slice(start, start + n),)
                out.append(g[key])
            else:
                out.append(None)
            start += n
        return tuple(out)


def _tensor_list(tensors: Any, op: str) -> list[Tensor]:
    """The tensors of ``cat``/``stack``'s first argument, with PyTorch's errors for anything else."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    if not tensors:
        # PyTorch's kinds: ValueError from cat, RuntimeError from stack
        raise (ValueError if op == "cat" else RuntimeError)(f"{op}: expected a non-empty list of Tensors")
    return list(tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate ``tensors`` along the existing dimension ``dim``, as ``torch.cat``.

    All tensors must have the same number of dimensions and the same sizes except along ``dim``. The
    result has the promoted dtype of the inputs and memory of its own (the data is copied).
    ``concat`` and ``concatenate`` are the same function.

    Args:
        tensors: a non-empty list or tuple of tensors on the same backend.
        dim: the dimension to concatenate along, negative counting from the end (default 0).

    Returns:
        A new tensor whose size along ``dim`` is the sum of the inputs' sizes there.

    Raises:
        TypeError: ``tensors`` is not a list or tuple, or an element is not a tensor.
        ValueError: ``tensors`` is empty.
        RuntimeError: the backends differ, or the ranks or the sizes outside ``dim`` differ.
        IndexError: ``dim`` is out of range.
    """
    from arraygrad.core import dtypes
    from arraygrad.core.ops import _backend_mismatch, op_error

    tensors = _tensor_list(tensors, "cat")
    first = tensors[0]
    backend = first._backend
    for t in tensors[1:]:
        if t._backend is not backend:
            raise _backend_mismatch("cat", first, t)
    axis = _dim(dim, first.ndim, "cat")
    ref = tuple(first.shape)
    for i, t in enumerate(tensors):
        shape = tuple(t.shape)
        if len(shape) != len(ref):
            raise RuntimeError(f"cat: Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
        for j, (a, b) in enumerate(zip(shape, ref)):
            if j != axis and a != b:
                raise RuntimeError(
                    f"cat: Sizes of tensors must match except in dimension {axis}. Expected size {b} but got size {a} "
                    f"for tensor number {i} in the list (shapes {ref} and {shape})"
                )
    common = first.dtype
    for t in tensors[1:]:
        common = dtypes.promote(common, t.dtype)
    native = backend.native_dtype(common.name)
    xp = backend.xp
    arrays = [t._storage.array if t._storage.array.dtype == native else xp.astype(t._storage.array, native)
              for t in tensors]
    try:
        out = xp.concat(arrays, axis=axis)
    except Exception as exc:
        raise op_error("cat", exc, *tensors) from None
    if GRAD_MODE.enabled and any(t._rg for t in tensors):
        node = CatBackward0(tensors)
        node.axis = axis
        node.sizes = tuple(t.shape[axis] for t in tensors)
        return _wrap(out, backend, node)
    return _wrap(out, backend)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of the same shape along a new dimension ``dim``, as ``torch.stack``.

    Each tensor is unsqueezed at ``dim`` and the results are concatenated (see ``cat``), so the
    result has memory of its own and the promoted dtype of the inputs.

    Args:
        tensors: a non-empty list or tuple of tensors of the same shape.
        dim: the position of the new dimension, in ``[-ndim - 1, ndim]`` for inputs of ``ndim`` dims
            (default 0).

    Returns:
        A new tensor of shape ``shape[:dim] + (len(tensors),) + shape[dim:]``.

    Raises:
        TypeError: ``tensors`` is not a list or tuple, or an element is not a tensor.
        RuntimeError: ``tensors`` is empty, the shapes differ, or the backends differ.
        IndexError: ``dim`` is out of range.
    """
    tensors = _tensor_list(tensors, "stack")
    shape = tuple(tensors[0].shape)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got {shape} at entry 0 and {tuple(t.shape)} "
                f"at entry {i}"
            )
    d = _dim(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def _nonempty_list(tensors: Any, op: str) -> Any:
    """``tensors`` itself; PyTorch's RuntimeError when it is an empty list."""
    if isinstance(tensors, (list, tuple)) and not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate tensors horizontally, as ``torch.hstack``.

    The tensors are joined along dim 1, or along dim 0 when the first one is 1-d (see ``cat``); the
    result is a copy. Unlike PyTorch, 0-d tensors are not promoted to 1-d and raise IndexError.

    Args:
        tensors: a non-empty list or tuple of tensors.

    Returns:
        A new tensor with the inputs side by side.

    Raises:
        TypeError: ``tensors`` is not a list or tuple, or an element is not a tensor.
        RuntimeError: ``tensors`` is empty, or the shapes or backends do not fit together.
        IndexError: the tensors are 0-d.
    """
    tensors = _tensor_list(_nonempty_list(tensors, "hstack"), "hstack")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate tensors vertically, as ``torch.vstack``.

    The tensors are joined along dim 0 after each 1-d tensor of length ``n`` is made a row of shape
    ``(1, n)`` (see ``cat``); the result is a copy. A 0-d tensor becomes one element of shape
    ``(1,)``, so 0-d inputs give a 1-d result (PyTorch gives a column).

    Args:
        tensors: a non-empty list or tuple of tensors.

    Returns:
        A new tensor with the inputs stacked as rows.

    Raises:
        TypeError: ``tensors`` is not a list or tuple, or an element is not a tensor.
        RuntimeError: ``tensors`` is empty, or the shapes or backends do not fit together.
    """
    tensors = _tensor_list(_nonempty_list(tensors, "vstack"), "vstack")
    return cat([t if t.ndim > 1 else unsqueeze(t, 0) for t in tensors], 0)


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


class ConstantPadNdBackward0(Node):
    __slots__ = ("key",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (g[self.key],)


def pad(a: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions of ``a``, as ``torch.nn.functional.pad``.

    ``pad`` lists (left, right) amounts starting from the last dimension: ``(1, 2)`` adds 1 element
    before and 2 after the last dimension, ``(1, 1, 2, 2)`` also pads the one before it by 2 on each
    side. A negative amount crops instead. The modes are ``'constant'`` (fill with ``value``),
    ``'reflect'`` (mirror without repeating the edge element), ``'replicate'`` (repeat the edge
    element) and ``'circular'`` (wrap around); each works on any number of dimensions. The result is a
    new tensor (also when every amount is 0).

    Args:
        a: the input tensor.
        pad: the padding amounts, an even-length sequence of ints of at most ``2 * a.ndim`` entries.
        mode: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'`` (default ``'constant'``).
        value: the fill value of ``'constant'`` mode; None means 0. Other modes accept only None or 0
            (default None).

    Returns:
        The padded tensor, of the dtype of ``a``: ``value`` is converted to it (an integer tensor padded
        with ``value=0.7`` gets 0, a bool one gets True for any nonzero ``value``).

    Raises:
        TypeError: a padding amount that is not an integer.
        RuntimeError: odd ``len(pad)``, too many padded dims, a negative amount that leaves a dimension
            smaller than nothing (smaller than one element outside ``'constant'``), reflect padding not
            smaller than the dimension, circular padding larger than it, or a nonzero ``value``
            outside ``'constant'`` mode.
        NotImplementedError: an unknown mode.

    Example:
        >>> import arraygrad as ag
        >>> import arraygrad.nn.functional as F
        >>> F.pad(ag.tensor([1, 2, 3]), (2, 1), mode="reflect")
        tensor([3, 2, 1, 2, 3, 2])
    """
    pad = list(_shape_arg((pad,), "pad", "pad"))
    if len(pad) % 2:
        raise RuntimeError("pad: Padding length must be divisible by 2")
    if len(pad) // 2 > a.ndim:
        raise RuntimeError(
            "pad: Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {a.ndim}"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        axis = a.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        n = a.shape[axis]
        smallest = 0 if mode == "constant" else 1
        if n + left + right < smallest:
            raise RuntimeError(
                f"pad: the input size {n}, plus negative padding {left} and {right} resulted in an output size "
                f"of {n + left + right}, which is invalid. Check dimension {axis} of your input."
            )
        widths[axis] = (left, right)
    if mode == "constant":
        return _constant_pad(a, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    # the other modes gather from the input: the index arrays give the gradient for free
    from arraygrad.core import creation
    from arraygrad.core.ops import where

    out = a
    for axis, (left, right) in enumerate(widths):
        if left == 0 and right == 0:
            continue
        n = out.shape[axis]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(
                f"pad: Padding size should be less than the corresponding input dimension, but got: padding "
                f"({left}, {right}) at dimension {axis} of input {list(a.shape)}"
            )
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError("pad: Padding value causes wrapping around more than once.")
        pos = creation.arange(-left, n + right, backend=a._backend)
        if mode == "replicate":
            idx = pos.clamp(0, n - 1)
        elif mode == "circular":
            idx = pos % n
        else:
            period = 2 * (n - 1) if n > 1 else 1
            m = pos % period
            idx = where(m >= n, period - m, m)
        out = out[(slice(None),) * axis + (idx,)]
    return clone(a) if out is a else out  # nothing to pad: still a new tensor, as PyTorch's


def _constant_pad(a: Tensor, widths: list[tuple[int, int]], value: float) -> Tensor:
    from arraygrad.core.ops import _scalar_in_kind, _scalar_pair

    xp = a._backend.xp
    # the result keeps a's dtype, as PyTorch's: the value is converted to it (0.7 -> 0 for integers)
    x, fill = _scalar_pair(a, _scalar_in_kind(a, value))
    # crop first (negative widths), then place the rest into a filled array
    crop = tuple(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n) for (lo, hi), n in zip(widths, x.shape))
    src = a if all(lo >= 0 and hi >= 0 for lo, hi in widths) else a[crop]
    x = src._storage.array if x.dtype == src._storage.array.dtype else xp.astype(src._storage.array, x.dtype)
    widths = [(lo if lo > 0 else 0, hi if hi > 0 else 0) for lo, hi in widths]
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
    key = tuple(slice(lo, lo + n) for n, (lo, hi) in zip(x.shape, widths))
    out = src._backend.setitem(xp.full(shape, fill, dtype=x.dtype), key, x)
    if GRAD_MODE.enabled and src._rg:
        node = ConstantPadNdBackward0((src,))
        node.key = key
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


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
