"""Extremum reductions: amax, amin, argmax, argmin, and max/min (overall, along a dim as
``(values, indices)``, or elementwise)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.ops._helpers import _wrap
from arraygrad.core.ops.binary import maximum, minimum, mul
from arraygrad.core.ops.reduction import _axes, _expand_reduced
from arraygrad.core.tensor import Tensor, _dim

__all__ = [
    "AmaxBackward0", "AminBackward0", "MaxBackward1", "MinBackward1", "check_nonempty_reduction", "amax", "amin",
    "argmax", "argmin", "max", "min", "ValuesIndices",
]


class AmaxBackward0(Node):
    __slots__ = ("axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, y = self.saved_tensors
        xp = g._backend.xp
        shape = tuple(x.shape)
        yk = y._storage.array if self.keepdim else xp.reshape(
            y._storage.array, tuple(1 if self.axes is None or i in self.axes else n for i, n in enumerate(shape))
        )
        hit = xp.astype(xp.equal(x._storage.array, yk), g._storage.array.dtype)
        count = xp.sum(hit, axis=self.axes, keepdims=True)
        # ties share the gradient equally, as PyTorch's amax/amin do
        share = _wrap(xp.divide(hit, count), g._backend)
        return (mul(_expand_reduced(g, shape, self.axes, self.keepdim), share),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


class MaxBackward1(AmaxBackward0):
    """Backward of ``max(a)`` over all elements (PyTorch's name)."""

    __slots__ = ()


class MinBackward1(AmaxBackward0):
    __slots__ = ()


_EXTREMUM_NODES = {"amax": AmaxBackward0, "amin": AminBackward0, "max": MaxBackward1, "min": MinBackward1}


def check_nonempty_reduction(op: str, shape: Sequence[int], axes: Sequence[int] | None,
                              whole: type[Exception] = RuntimeError) -> None:
    """PyTorch's errors for a reduction with no identity (max, argmax, median, mode...) over
    nothing: IndexError for an empty reduced dim; ``whole`` (RuntimeError for max/min/amax/amin,
    IndexError for argmax/argmin) when reducing every dim of an empty tensor. Only shapes are
    read, so it costs nothing on the array."""
    if math.prod(shape) != 0:
        return
    if axes is None:
        raise whole(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
            "with the 'dim' argument."
        )
    for i in axes:
        if shape[i] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {i} to have non-zero size.")


def _amax(a: Tensor, dim: Any, keepdim: bool, largest: bool, op: str) -> Tensor:
    backend = a._backend
    x = a._storage.array
    axes = _axes(dim, x.ndim, op)
    check_nonempty_reduction(op, x.shape, axes)
    out = (backend.xp.max if largest else backend.xp.min)(x, axis=axes, keepdims=keepdim)
    if GRAD_MODE.enabled and a._rg:
        node = _EXTREMUM_NODES[op]((a,))
        node.axes, node.keepdim = axes, keepdim
        res = _wrap(out, backend, node)
        node.save(a, Tensor._alias(res._storage, backend))
        return res
    return _wrap(out, backend)


def amax(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Take the maximum of ``a`` over ``dim``, as ``torch.amax``.

    When several elements reach the maximum, the gradient is shared equally between them.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; ``()`` or None reduces all of them (default ``()``).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the dtype of ``a`` holding the maximum values.

    Raises:
        RuntimeError: all dims of an empty tensor are reduced; a dim appears more than once.
        IndexError: a reduced dim has size 0, or a dim is out of range.
        TypeError: a dim is not an integer.
    """
    return _amax(a, None if dim == () else dim, keepdim, True, "amax")


def amin(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Take the minimum of ``a`` over ``dim``, as ``torch.amin``.

    When several elements reach the minimum, the gradient is shared equally between them.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; ``()`` or None reduces all of them (default ``()``).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the dtype of ``a`` holding the minimum values.

    Raises:
        RuntimeError: all dims of an empty tensor are reduced; a dim appears more than once.
        IndexError: a reduced dim has size 0, or a dim is out of range.
        TypeError: a dim is not an integer.
    """
    return _amax(a, None if dim == () else dim, keepdim, False, "amin")


def argmax(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Return the index of the maximum of ``a``, as ``torch.argmax``.

    With ``dim`` None the index is into the flattened tensor; ties give the first index. Not differentiable.

    Args:
        a: the input tensor (not bool).
        dim: the dim to search along; None searches all elements (default None).
        keepdim: keep the reduced dim with size 1; with ``dim`` None the result has ``a.ndim`` dims of size 1
            (default False).

    Returns:
        A new int64 Tensor of indices.

    Raises:
        RuntimeError: ``a`` is a bool tensor.
        IndexError: the searched elements are empty, or ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    return _argext(a, dim, keepdim, True)


def argmin(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Return the index of the minimum of ``a``, as ``torch.argmin``.

    With ``dim`` None the index is into the flattened tensor; ties give the first index. Not differentiable.

    Args:
        a: the input tensor (not bool).
        dim: the dim to search along; None searches all elements (default None).
        keepdim: keep the reduced dim with size 1; with ``dim`` None the result has ``a.ndim`` dims of size 1
            (default False).

    Returns:
        A new int64 Tensor of indices.

    Raises:
        RuntimeError: ``a`` is a bool tensor.
        IndexError: the searched elements are empty, or ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    return _argext(a, dim, keepdim, False)


def _argext(a: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor:
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    fn = xp.argmax if largest else xp.argmin
    op = "argmax" if largest else "argmin"
    if x.dtype == backend.dtypes["bool"]:
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        check_nonempty_reduction(op, x.shape, None, IndexError)
        out = fn(xp.reshape(x, (-1,)))
        if keepdim:
            out = xp.reshape(out, (1,) * x.ndim)
    else:
        axis = _dim(dim, x.ndim, op)
        check_nonempty_reduction(op, x.shape, (axis,) if x.ndim else None, IndexError)
        out = fn(x, axis=axis, keepdims=keepdim)
    i64 = backend.native_dtype("int64")
    return _wrap(out if out.dtype == i64 else xp.astype(out, i64), backend)


class _NoDim:
    """Default of max/min's ``dim``: PyTorch has max(a), but max(a, None) is a TypeError."""

    def __repr__(self) -> str:
        return "<no dim>"


_NO_DIM: Any = _NoDim()


def _check_extremum_dim(op: str, dim: Any) -> None:
    if dim is None:
        raise TypeError(f"{op}(): dim must be an int or a Tensor, not None; call {op}(input) for the overall {op}")


def max(a: Tensor, dim: Any = _NO_DIM, keepdim: bool = False) -> Any:  # noqa: A001 - PyTorch name
    """Take the maximum of ``a``: over all elements, along ``dim``, or elementwise, as ``torch.max``.

    ``max(a)`` returns the maximum element as a 0-d Tensor (ties share the gradient). ``max(a, dim)`` returns
    ``(values, indices)`` along ``dim``, a tuple also readable as ``.values`` and ``.indices``; the gradient
    goes to the selected element only. ``max(a, other)`` with a Tensor ``other`` is ``maximum(a, other)``.

    Args:
        a: the input tensor.
        dim: the dim to reduce, or a Tensor to compare with elementwise; leave it out for the overall maximum.
        keepdim: with an integer ``dim``, keep the reduced dim with size 1 (default False).

    Returns:
        A 0-d Tensor, a ``(values, indices)`` tuple (indices int64) or an elementwise Tensor, as above.

    Raises:
        TypeError: ``dim`` is given as None, or is not an integer.
        RuntimeError: ``a`` is empty and no ``dim`` is given, or ``a`` is a bool tensor and ``dim`` is given.
        IndexError: the reduced dim has size 0 or is out of range.

    Example:
        >>> import arraygrad as ag
        >>> x = ag.tensor([[1.0, 5.0], [4.0, 2.0]])
        >>> ag.max(x)
        tensor(5.)
        >>> ag.max(x, 1)
        (tensor([5., 4.]), tensor([1, 0]))
    """
    if isinstance(dim, Tensor):
        return maximum(a, dim)
    if dim is _NO_DIM:
        return _amax(a, None, False, True, "max")
    _check_extremum_dim("max", dim)
    return _values_indices(a, dim, keepdim, True)


def min(a: Tensor, dim: Any = _NO_DIM, keepdim: bool = False) -> Any:  # noqa: A001 - PyTorch name
    """Take the minimum of ``a``: over all elements, along ``dim``, or elementwise, as ``torch.min``.

    ``min(a)`` returns the minimum element as a 0-d Tensor (ties share the gradient). ``min(a, dim)`` returns
    ``(values, indices)`` along ``dim``, a tuple also readable as ``.values`` and ``.indices``; the gradient
    goes to the selected element only. ``min(a, other)`` with a Tensor ``other`` is ``minimum(a, other)``.

    Args:
        a: the input tensor.
        dim: the dim to reduce, or a Tensor to compare with elementwise; leave it out for the overall minimum.
        keepdim: with an integer ``dim``, keep the reduced dim with size 1 (default False).

    Returns:
        A 0-d Tensor, a ``(values, indices)`` tuple (indices int64) or an elementwise Tensor, as above.

    Raises:
        TypeError: ``dim`` is given as None, or is not an integer.
        RuntimeError: ``a`` is empty and no ``dim`` is given, or ``a`` is a bool tensor and ``dim`` is given.
        IndexError: the reduced dim has size 0 or is out of range.
    """
    if isinstance(dim, Tensor):
        return minimum(a, dim)
    if dim is _NO_DIM:
        return _amax(a, None, False, False, "min")
    _check_extremum_dim("min", dim)
    return _values_indices(a, dim, keepdim, False)


class ValuesIndices(tuple):  # type: ignore[type-arg]
    """``(values, indices)`` with attribute access, like ``torch.return_types.max``."""

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]


def _values_indices(a: Tensor, dim: int, keepdim: bool, largest: bool) -> ValuesIndices:
    from arraygrad.core.indexing import gather

    op = "max" if largest else "min"
    d = _dim(dim, a.ndim, op)
    check_nonempty_reduction(op, a._storage.array.shape, (d,) if a.ndim else None)
    idx = _argext(a, d, True, largest)
    values = gather(a, d, idx)  # the gradient goes to the selected element only
    if not keepdim:
        values, idx = squeeze(values, d), squeeze(idx, d)
    return ValuesIndices((values, idx))


# shape ops used above live in shape.py; imported at the end to avoid an import cycle
from arraygrad.core.shape import squeeze  # noqa: E402
