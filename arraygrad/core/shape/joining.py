"""Joining tensors: ``cat`` (``concat``, ``concatenate``), ``stack``, ``hstack`` and ``vstack``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _wrap
from arraygrad.core.shape.reshaping import unsqueeze
from arraygrad.core.tensor import Tensor, _dim

__all__ = ["CatBackward0", "cat", "concat", "concatenate", "stack", "hstack", "vstack"]


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
