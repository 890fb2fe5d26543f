"""Tensor creation: ``tensor``, ``zeros``, ``arange``... on the default or a chosen backend."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import backends
from arraygrad.backends.reference import Backend
from arraygrad.core import dtypes
from arraygrad.core.tensor import Tensor
from arraygrad.core.tensor import device as Device

_wrap = Tensor._wrap


def resolve(backend: Any = None, device: Any = None) -> tuple[Backend, int | None]:
    """The backend object and device index meant by ``backend=`` / ``device=`` arguments.

    ``device`` may name a backend (``"jax"``, ``"cupy:1"``), a device of the default backend
    (``"cpu"``), or CUDA (``"cuda:0"``: cupy, or jax when jax is the chosen backend).
    """
    if backend is not None and not isinstance(backend, str):
        chosen: Backend | None = backend
    elif backend is not None:
        name, index = backends.split_name(backend)
        chosen = backends.get(name)
        if device is None:
            return chosen, index
    else:
        chosen = None
    if device is None:
        return chosen or backends.default(), None
    dev = Device(device) if not isinstance(device, Device) else device
    if dev.type in backends.names():
        if chosen is not None and chosen.name != dev.type:
            raise ValueError(f"backend={chosen.name!r} conflicts with device={str(dev)!r}")
        return backends.get(dev.type), dev.index
    base = chosen or backends.default()
    if dev.type == "cpu":
        if base.name == "cupy":
            raise ValueError("device='cpu' on backend 'cupy': use backend='numpy' (or .cpu()) for host tensors")
        return base, None
    if dev.type in ("cuda", "gpu"):
        if base.name == "jax":
            return base, dev.index
        return backends.get("cupy"), dev.index
    raise ValueError(f"unknown device {str(dev)!r}; use 'cpu', 'cuda[:N]' or a backend name {backends.names()}")


def _place(array: Any, backend: Backend, index: int | None) -> Any:
    return array if index is None else backend.to_device(array, index)


def _finish(array: Any, backend: Backend, index: int | None, requires_grad: bool) -> Tensor:
    t = _wrap(_place(array, backend, index), backend)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data: Any) -> dtypes.dtype:
    """PyTorch's dtype for Python data: bool, int64, or the default float dtype."""
    kind = 0  # 0 bool, 1 int, 2 float, 3 complex
    seen = False
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        seen = True
        if isinstance(item, Tensor):
            d = item.dtype
            kind = max(kind, 3 if d.is_complex else 2 if d.is_floating_point else 0 if d is dtypes.bool_ else 1)
        elif isinstance(item, bool):
            pass
        elif isinstance(item, int):
            kind = max(kind, 1)
        elif isinstance(item, float):
            kind = max(kind, 2)
        elif isinstance(item, complex):
            kind = 3
        elif hasattr(item, "dtype"):
            d = dtypes.as_dtype(item.dtype)
            kind = max(kind, 3 if d.is_complex else 2 if d.is_floating_point else 0 if d is dtypes.bool_ else 1)
        else:
            raise TypeError(f"tensor: cannot make a tensor from an object of type {type(item).__name__}")
    if not seen:
        return dtypes.get_default_dtype()
    if kind == 3:
        return dtypes.complex128 if dtypes.get_default_dtype() is dtypes.float64 else dtypes.complex64
    return (dtypes.bool_, dtypes.int64, dtypes.get_default_dtype())[kind]


def _plain(data: Any) -> Any:
    """Nested lists with tensors replaced by Python values."""
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_plain(d) for d in data]
    return data


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           backend: Any = None) -> Tensor:
    """Make a new tensor (always a copy) from Python data, a numpy/jax/cupy array or a tensor.

    Args:
        data: a number, (nested) list/tuple, array or Tensor.
        dtype: arraygrad dtype; default inferred like PyTorch (floats -> float32, ints -> int64).
        device, backend: where to create it (default backend when omitted).
        requires_grad: make it a leaf that records operations.

    Raises:
        TypeError: unsupported data or dtype; ValueError: ragged nested lists.
    """
    be, index = resolve(backend, device)
    if isinstance(data, Tensor):
        src = data.detach()
        if dtype is not None:
            src = src.to(dtypes.as_dtype(dtype))
        out = src.to(be.name if index is None else f"{be.name}:{index}")
        arr = out._storage.array
        copied = be.copy(arr) if out._storage is data._storage else arr
        return _finish(copied, be, None, requires_grad)
    if hasattr(data, "dtype") and hasattr(data, "shape") and not isinstance(data, (list, tuple)):
        target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.as_dtype(data.dtype)
        try:
            arr = be.asarray(data if be.name == "cupy" else _host(data), be.native_dtype(target.name))
        except Exception as exc:
            raise TypeError(f"tensor: cannot convert {type(data).__name__} to backend {be.name!r}: {exc}") from None
        return _finish(be.copy(arr), be, index, requires_grad)  # never shares the caller's memory
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
    try:
        arr = be.asarray(_plain(data), be.native_dtype(target.name))
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"tensor: cannot make a {target} tensor from the given data: {exc}") from None
    return _finish(arr, be, index, requires_grad)


def _host(data: Any) -> Any:
    """cupy arrays are copied to the host when the target backend is not cupy (``get()``);
    every other array type is converted by the backend's ``asarray``."""
    if type(data).__module__.startswith("cupy") and hasattr(data, "get"):
        return data.get()
    return data


def as_tensor(data: Any, dtype: Any = None, device: Any = None, *, backend: Any = None) -> Tensor:
    """Like ``tensor`` but without a copy where none is needed: ``data`` itself when it already is
    a matching Tensor, and a tensor sharing a numpy array's memory on the numpy backend when the
    dtype matches (as ``torch.as_tensor``)."""
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.to(dtypes.as_dtype(dtype))
        if backend is not None or device is not None:
            be, index = resolve(backend, device)
            out = out.to(be.name if index is None else f"{be.name}:{index}")
        return out
    if type(data).__module__ == "numpy" and hasattr(data, "__array_interface__") and getattr(data, "ndim", 0):
        be, index = resolve(backend, device)
        if be.shares_host_memory and index is None and (
            dtype is None or be.native_dtype(dtypes.as_dtype(dtype).name) == data.dtype
        ) and data.dtype.name in be.dtypes:
            return from_numpy(data, backend=be)
    return tensor(data, dtype=dtype, device=device, backend=backend)


def from_numpy(array: Any, *, backend: Any = None) -> Tensor:
    """A tensor from a numpy array.

    On the numpy backend the tensor shares the array's memory both ways, as in PyTorch: writes
    into the array show in the tensor, and in-place tensor ops write into the array. On other
    backends the values are copied to the backend.

    Raises:
        TypeError: ``array`` is not a numpy array.
    """
    if not (hasattr(array, "__array_interface__") and hasattr(array, "dtype")):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    be, _ = resolve(backend, None)
    t = _wrap(be.from_numpy(array), be)
    if be.shares_host_memory:
        t._storage.pinned = True  # the caller's memory: written in place, never rebound
    return t


def from_dlpack(obj: Any, *, backend: Any = None) -> Tensor:
    be, _ = resolve(backend, None)
    return _wrap(be.from_dlpack(obj), be)


def _size(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(s if isinstance(s, int) else s.__index__() for s in size)
    except (TypeError, AttributeError):
        raise TypeError(f"{op}(): size must be a sequence of ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{op}(): trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _float_or(dtype: Any) -> dtypes.dtype:
    return dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          backend: Any = None) -> Tensor:
    """A tensor of zeros of the given shape (default float dtype)."""
    be, index = resolve(backend, device)
    arr = be.xp.zeros(_size(size, "zeros"), dtype=be.native_dtype(_float_or(dtype).name))
    return _finish(arr, be, index, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         backend: Any = None) -> Tensor:
    """A tensor of ones of the given shape (default float dtype)."""
    be, index = resolve(backend, device)
    arr = be.xp.ones(_size(size, "ones"), dtype=be.native_dtype(_float_or(dtype).name))
    return _finish(arr, be, index, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          backend: Any = None) -> Tensor:
    """An uninitialised tensor (zero-filled here: arrays of some backends cannot be left uninitialised)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad, backend=backend)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         backend: Any = None) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it like PyTorch)."""
    be, index = resolve(backend, device)
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(fill_value)
    arr = be.xp.full(_size((size,), "full"), fill_value, dtype=be.native_dtype(target.name))
    return _finish(arr, be, index, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, backend: Any = None) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``; int64 unless a bound is a float.

    Raises:
        RuntimeError: ``step`` is zero or has the wrong sign.
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign ({start}, {end}, {step})")
    be, index = resolve(backend, device)
    if dtype is None:
        dtype = dtypes.get_default_dtype() if any(isinstance(v, float) for v in (start, end, step)) else dtypes.int64
    target = dtypes.as_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    native = be.native_dtype(target.name)
    if target.is_floating_point:
        # computed as start + i * step in float64-free arithmetic: same values on every backend
        i = be.xp.arange(n, dtype=native)
        arr = be.xp.add(be.xp.multiply(i, step), start)
    else:
        arr = be.xp.arange(start, start + n * step, step, dtype=native)
    return _finish(arr, be, index, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, backend: Any = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    be, index = resolve(backend, device)
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    native = be.native_dtype(_float_or(dtype).name)
    arr = be.xp.linspace(start, end, steps, dtype=native)
    return _finish(arr, be, index, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, **kwargs: Any) -> Tensor:
    out = linspace(start, end, steps, **{k: v for k, v in kwargs.items() if k != "requires_grad"})
    res = out.new_full((), base) ** out
    return res.requires_grad_(kwargs.get("requires_grad", False))


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
        backend: Any = None) -> Tensor:
    """An ``n x m`` identity matrix."""
    be, index = resolve(backend, device)
    arr = be.xp.eye(n, m if m is not None else n, dtype=be.native_dtype(_float_or(dtype).name))
    return _finish(arr, be, index, requires_grad)


def _like(t: Tensor, dtype: Any, device: Any, backend: Any) -> tuple[Backend, int | None, dtypes.dtype]:
    if backend is None and device is None:
        be, index = t._backend, None
    else:
        be, index = resolve(backend, device)
    return be, index, dtypes.as_dtype(dtype) if dtype is not None else t.dtype


def zeros_like(t: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               backend: Any = None) -> Tensor:
    be, index, dt = _like(t, dtype, device, backend)
    return zeros(tuple(t.shape), dtype=dt, backend=be, requires_grad=requires_grad,
                 device=None if index is None else f"{be.name}:{index}")


def ones_like(t: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              backend: Any = None) -> Tensor:
    be, index, dt = _like(t, dtype, device, backend)
    return ones(tuple(t.shape), dtype=dt, backend=be, requires_grad=requires_grad,
                device=None if index is None else f"{be.name}:{index}")


def empty_like(t: Tensor, **kwargs: Any) -> Tensor:
    return zeros_like(t, **kwargs)


def full_like(t: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              backend: Any = None) -> Tensor:
    be, index, dt = _like(t, dtype, device, backend)
    return full(tuple(t.shape), fill_value, dtype=dt, backend=be, requires_grad=requires_grad,
                device=None if index is None else f"{be.name}:{index}")
