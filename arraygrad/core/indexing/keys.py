"""Index keys: the normalisation of ``x[key]``-style indices and the bounds checks shared by every
indexing op.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import dtypes, tracing
from arraygrad.core.tensor import Tensor

__all__ = ["check_index_bounds", "normalize_key"]

_BASIC = (int, slice, type(None), type(Ellipsis))


def check_index_bounds(op: str | None, index: Any, size: int, dim: int, backend: Any, *, negative: bool = False,
                       error: type[Exception] = RuntimeError) -> None:
    """Raise PyTorch's error when a value of the native integer array ``index`` lies outside
    ``[0, size)`` (``[-size, size)`` when ``negative``: ops that wrap negative indices like
    Python, as ``x[i]`` does).

    The one bounds check shared by indexing, gather/scatter, index_select/index_add and
    embedding: without it numpy and array-api-strict wrap negative indices silently and jax
    clamps or drops out-of-range ones. It costs one min and one max reduction (a host sync on
    jax); an empty index costs nothing.

    Raises:
        ``error`` (RuntimeError unless given): an index out of range, named with ``dim`` and ``size``.
    """
    if index.ndim and not math.prod(index.shape):
        return
    xp = backend.xp
    low = -size if negative else 0

    def check(lo: int, hi: int) -> None:
        if lo < low or hi >= size:
            bad = lo if lo < low else hi
            prefix = f"{op}: " if op else ""
            raise error(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {size}")

    lo_arr, hi_arr = xp.min(index), xp.max(index)
    if backend.is_traced(index):  # inside ag.compile: checked on the host after the program ran
        failed = xp.logical_or(xp.less(lo_arr, low), xp.greater_equal(hi_arr, size))
        tracing.check_later(failed, (lo_arr, hi_arr), check)
        return
    check(int(lo_arr), int(hi_arr))


def _index_array(op: str, a: Tensor, index: Any) -> Any:
    """The native array of an integer index tensor for ``a``, or PyTorch's error."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._backend is not a._backend:
        raise _mismatch(a, index)
    if index.dtype.is_floating_point or index.dtype.is_complex or index.dtype is dtypes.bool_:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {index.dtype}")
    return index._storage.array


def normalize_key(a: Tensor, key: Any) -> tuple[Any, ...]:
    """Turn a user's index into a tuple of ints, slices, None, Ellipsis and native arrays,
    checking bounds (jax would silently clamp) and naming the offending dimension."""
    if isinstance(key, list) and len(key) < 32 and any(
        isinstance(k, (list, tuple, slice, Tensor)) or k is None or k is Ellipsis for k in key
    ):
        # PyTorch (like NumPy before 1.23) reads a short list holding sequences, slices, None or
        # Ellipsis as a tuple of per-dimension indices: x[[[0, 1], [1, 0]]] is x[[0, 1], [1, 0]]
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated; use x[tuple(seq)] "
            "instead of x[seq] (PyTorch plans to read it as a tensor index, x[tensor(seq)])",
            UserWarning,
            stacklevel=3,
        )
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    backend = a._backend
    shape = a._storage.array.shape
    consuming = [k for k in key if k is not None and k is not Ellipsis]
    n_axes = 0
    for k in consuming:
        n_axes += k.ndim if isinstance(k, Tensor) and k.dtype is dtypes.bool_ else 1
    if n_axes > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out: list[Any] = []
    axis = 0
    for k in key:
        if k is None:
            out.append(None)
        elif k is Ellipsis:
            out.append(Ellipsis)
            axis = len(shape) - (n_axes - axis)  # the entries after it index the last axes
        elif isinstance(k, slice):
            if k.step == 0:
                raise ValueError("slice step cannot be zero")
            # clamp the bounds like Python does (the standard leaves out-of-range bounds open)
            start, stop, step = k.indices(shape[axis])
            out.append(slice(start, None if step < 0 and stop < 0 else stop, step))
            axis += 1
        elif isinstance(k, bool) or (isinstance(k, Tensor) and k.dtype is dtypes.bool_) or (
            isinstance(k, list) and k and all(isinstance(v, bool) for v in k)
        ):
            mask = k if isinstance(k, Tensor) else _index_tensor(k, a, dtypes.bool_)
            if mask._backend is not backend:
                raise _mismatch(a, mask)
            m = mask._storage.array
            if tuple(m.shape) != tuple(shape[axis : axis + m.ndim]):
                raise IndexError(
                    f"The shape of the mask {list(m.shape)} at index {axis} does not match the shape of the "
                    f"indexed tensor {list(shape[axis:axis + m.ndim])}"
                )
            out.append(m)
            axis += m.ndim
        elif isinstance(k, int) or (hasattr(k, "__index__") and not isinstance(k, (Tensor, list))):
            i = int(k.__index__()) if not isinstance(k, int) else k
            size = shape[axis]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {axis} with size {size}")
            out.append(i)
            axis += 1
        elif isinstance(k, (Tensor, list, tuple, range)) or hasattr(k, "shape"):
            # a range indexes like the list of its values, as in PyTorch
            idx = k if isinstance(k, Tensor) else _index_tensor(list(k) if type(k) is range else k, a, dtypes.int64)
            if idx._backend is not backend:
                raise _mismatch(a, idx)
            if idx.dtype.is_floating_point or idx.dtype.is_complex:
                raise IndexError(f"tensors used as indices must be long, int or bool tensors, got {idx.dtype}")
            arr = idx._storage.array
            check_index_bounds(None, arr, shape[axis], axis, backend, negative=True, error=IndexError)
            out.append(arr)
            axis += 1
        else:
            raise IndexError(
                f"only integers, slices, None, Ellipsis and integer or boolean tensors are valid indices "
                f"(got {type(k).__name__})"
            )
    if Ellipsis not in [k for k in out if not hasattr(k, "shape")]:
        out.append(Ellipsis)  # the standard wants a key that covers every axis
    return tuple(out)


def _index_tensor(k: Any, like: Tensor, dtype: dtypes.dtype) -> Tensor:
    from arraygrad.core.creation import tensor

    return tensor(k, dtype=dtype, backend=like._backend)


def _mismatch(a: Tensor, idx: Tensor) -> RuntimeError:
    return RuntimeError(
        f"indexing: tensor is on backend {a._backend.name!r} but the index is on {idx._backend.name!r}"
    )


def _split_ints(key: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A key with ints and index arrays as (ints-only key, the rest without the ints)."""
    selected: list[Any] = []
    for k in key:
        if k is None:
            continue
        if type(k) is int or k is Ellipsis:
            selected.append(k)
        elif hasattr(k, "shape") and k.ndim and str(k.dtype).endswith("bool"):
            selected.extend([slice(None)] * k.ndim)
        else:
            selected.append(slice(None))
    return tuple(selected), tuple(k for k in key if type(k) is not int)


def _is_basic(key: tuple[Any, ...]) -> bool:
    return all(isinstance(k, _BASIC) for k in key)
