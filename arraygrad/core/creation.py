"""Tensor creation: ``tensor``, ``zeros``, ``arange``... on the default or a chosen backend."""

from __future__ import annotations

import math
import threading
from typing import Any

from arraygrad import backends
from arraygrad.backends.reference import Backend
from arraygrad.core import dtypes
from arraygrad.core.tensor import Tensor
from arraygrad.core.tensor import device as Device

_wrap = Tensor._wrap


def resolve(backend: Any = None, device: Any = None, current: Backend | None = None) -> tuple[Backend, int | None]:
    """The backend object and placement meant by ``backend=`` / ``device=`` arguments.

    ``device`` may name a backend (``"jax"``, ``"cupy:1"``) or a PyTorch device:

    - ``"cpu"``: the CPU device of ``backend``, else of ``current`` (the backend of the tensor being
      moved), else of the default backend; a backend without one (cupy) is replaced by the default
      backend, or numpy when the default is cupy too.
    - ``"cuda"``, ``"cuda:N"``, an int N: CUDA device N (default: ``arraygrad.cuda.current_device()``)
      of the first of these that has one: ``backend``/``current``, cupy, jax on a GPU.

    Returns:
        ``(backend, placement)``: placement None leaves arrays where the backend puts them, -1 is
        the backend's CPU device, N >= 0 its device N.

    Raises:
        ValueError: ``backend`` and ``device`` disagree, or an unknown backend name.
        RuntimeError: a device arraygrad has no backend for (``mps``, ``xpu``...), a malformed
            device, a CUDA index beyond the devices there.
        BackendUnavailableError: ``"cuda"`` and no backend reaches a CUDA device (the message says why).
    """
    chosen: Backend | None = None
    index: int | None = None
    if backend is not None and not isinstance(backend, str):
        chosen = backend
    elif backend is not None:
        name, index = backends.split_name(backend)
        chosen = backends.get(name)
    if device is None:
        if chosen is None and current is None and _DEFAULT_DEVICE.value is not None:
            device = _DEFAULT_DEVICE.value
        else:
            return chosen or current or backends.default(), index
    if isinstance(device, str) and device.partition(":")[0] in backends.names():
        name, index = backends.split_name(device)
        named = backends.get(name)
        if chosen is not None and chosen is not named:
            raise ValueError(f"backend={chosen.name!r} conflicts with device={device!r}")
        return named, index
    dev = device if isinstance(device, Device) else Device(device)
    base = chosen or current or backends.default()
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise RuntimeError(f"device {str(dev)!r}: there is only one CPU device, cpu:0")
        if base.has_cpu_device:
            return base, -1
        if chosen is not None:
            raise ValueError(f"device='cpu' on backend {chosen.name!r}: that backend has no CPU device; "
                             "use a CPU backend such as backend='numpy' (or .cpu())")
        host = backends.default()
        return (host if host.has_cpu_device else backends.get("numpy")), -1
    if dev.type == "cuda":
        target = backends.cuda_backend(base)
        if chosen is not None and target is not chosen:
            raise ValueError(f"backend={chosen.name!r} conflicts with device={str(dev)!r}: "
                             f"backend {chosen.name!r} has no CUDA device")
        n = target.cuda_device_count()
        cuda_index = backends.current_cuda_index() if dev.index is None else dev.index
        if cuda_index >= n:
            raise RuntimeError(f"device {str(dev)!r}: CUDA device index {cuda_index} is out of range; "
                               f"backend {target.name!r} sees {n} CUDA device(s)")
        return target, cuda_index
    raise RuntimeError(
        f"device {str(dev)!r} is not supported: arraygrad places tensors on 'cpu' and 'cuda[:N]' devices, "
        f"or on a backend by name {backends.names()}"
    )


class _DefaultDevice(threading.local):
    """The device factory functions create tensors on when none is given (ag.set_default_device):
    a device, a backend name, or None. Per thread, as PyTorch's: a new thread starts with None."""

    value: Any = None


_DEFAULT_DEVICE = _DefaultDevice()


def set_default_device(device: Any) -> None:
    """Set the device factory functions create tensors on when given neither ``device=`` nor ``backend=``.

    Applies to ``zeros``, ``tensor``, ``randn``... from now on, in the current thread. The device is
    checked now, so one that cannot be used fails here.

    Args:
        device: ``"cuda"``, ``"cpu"``, a backend name such as ``"jax"``, or a device; None goes back
            to the default backend's own placement.

    Raises:
        ValueError: an unknown backend name.
        RuntimeError: a device arraygrad has no backend for, a malformed device, or a CUDA index
            beyond the devices there.
        BackendUnavailableError: ``"cuda"`` and no backend reaches a CUDA device.
    """
    if device is None:
        _DEFAULT_DEVICE.value = None
        return
    if isinstance(device, str) and device.partition(":")[0] in backends.names():
        resolve(None, device)
        _DEFAULT_DEVICE.value = device
        return
    dev = device if isinstance(device, Device) else Device(device)
    resolve(None, dev, backends.default())
    _DEFAULT_DEVICE.value = dev


def get_default_device_setting() -> Any:
    """What :func:`set_default_device` last set (None when nothing is set)."""
    return _DEFAULT_DEVICE.value


def get_default_device() -> Device:
    """Return the device new tensors are created on when no ``device=`` is given, as ``torch.get_default_device()``.

    Returns:
        The device set by :func:`set_default_device`, else where the default backend puts new
        arrays (``cpu``, or ``cuda:0`` for jax on a GPU).
    """
    setting = _DEFAULT_DEVICE.value
    if isinstance(setting, Device) and not (setting.type == "cuda" and setting.index is None):
        return setting
    be, index = resolve(None, None)
    return Device(be.device_of(be.to_device(be.xp.zeros((), dtype=be.native_dtype("float32")), index)))


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
        elif isinstance(item, (bytes, bytearray, memoryview)):  # a sequence of byte values, as PyTorch reads it
            kind = max(kind, 1)
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
        dtype: arraygrad dtype; None infers it as PyTorch does (floats -> the default float dtype,
            ints -> int64, bools -> bool) (default None).
        device: where to create it; None for the default device (default None).
        requires_grad: make it a leaf that records operations (default False).
        backend: the backend to create it on; None for the default one (default None).

    Returns:
        A new tensor that shares no memory with ``data``.

    Raises:
        TypeError: unsupported data or dtype.
        ValueError: ragged nested lists.
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
    if isinstance(data, range):  # a sequence of ints, as PyTorch reads it
        data = list(data)
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
    try:
        arr = be.asarray(_plain(data), be.native_dtype(target.name))
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"tensor: cannot make a {target} tensor from the given data: {exc}") from None
    if isinstance(data, (bytearray, memoryview)):
        arr = be.copy(arr)  # a writable buffer: the array may share its memory; a new tensor never does
    return _finish(arr, be, index, requires_grad)


def _host(data: Any) -> Any:
    """cupy arrays are copied to the host when the target backend is not cupy (``get()``);
    every other array type is converted by the backend's ``asarray``."""
    if type(data).__module__.startswith("cupy") and hasattr(data, "get"):
        return data.get()
    return data


def as_tensor(data: Any, dtype: Any = None, device: Any = None, *, backend: Any = None) -> Tensor:
    """Convert ``data`` to a tensor without copying where no copy is needed, as ``torch.as_tensor``.

    ``data`` itself is returned when it already is a Tensor of the requested dtype and place; a
    numpy array becomes a tensor sharing its memory on the numpy backend when the dtype matches.
    Anything else is copied as by ``tensor``.

    Args:
        data: a number, (nested) list/tuple, array or Tensor.
        dtype: the dtype of the result; None keeps or infers it (default None).
        device: the device of the result; None for ``data``'s own or the default (default None).
        backend: the backend of the result; None for ``data``'s own or the default (default None).

    Returns:
        A tensor holding ``data``, sharing its memory where possible.
    """
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
        if be.shares_host_memory and index in (None, -1) and (
            dtype is None or be.native_dtype(dtypes.as_dtype(dtype).name) == data.dtype
        ) and data.dtype.name in be.dtypes:
            return from_numpy(data, backend=be)
    return tensor(data, dtype=dtype, device=device, backend=backend)


def from_numpy(array: Any, *, backend: Any = None) -> Tensor:
    """Create a tensor from a numpy array.

    On the numpy backend the tensor shares the array's memory both ways, as in PyTorch: writes
    into the array show in the tensor, and in-place tensor ops write into the array. On other
    backends the values are copied to the backend.

    Args:
        array: the numpy array.
        backend: the backend of the tensor; None for the default one (default None).

    Returns:
        The tensor holding ``array``'s values.

    Raises:
        TypeError: ``array`` is not a numpy array.
    """
    if not (hasattr(array, "__array_interface__") and hasattr(array, "dtype")):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    be, _ = resolve(backend, None, backends.default())  # never the default device: host data
    t = _wrap(be.from_numpy(array), be)
    if be.shares_host_memory:
        t._storage.pinned = True  # the caller's memory: written in place, never rebound
    return t


def from_dlpack(obj: Any, *, backend: Any = None) -> Tensor:
    """Create a tensor sharing the memory of a DLPack-capable array.

    The tensor stays on the array's own device (never the default device).

    Args:
        obj: an array supporting the DLPack protocol (``__dlpack__``).
        backend: the backend of the tensor; None for the default one (default None).

    Returns:
        The tensor sharing ``obj``'s memory.
    """
    be, _ = resolve(backend, None, backends.default())  # the array's own device, never the default device
    return _wrap(be.from_dlpack(obj), be)


def _size(sizes: tuple[Any, ...], op: str, size: Any = None) -> tuple[int, ...]:
    """The shape meant by a creation function's sizes, with PyTorch's errors: ``sizes`` are its
    positional arguments (``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])``, ``zeros(Size)``),
    ``size`` its ``size=`` keyword (a sequence).

    Raises:
        TypeError: no size, both forms, or a size that is not a sequence of ints (a float, a bool).
        RuntimeError: a negative size.
    """
    if size is not None:
        if sizes:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, not {type(size).__name__}")
        items = tuple(size)
    elif not sizes:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    elif len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        items = tuple(sizes[0])
    else:
        items = sizes
        for s in sizes:
            if isinstance(s, bool) or not hasattr(s, "__index__"):
                raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}")
    shape = []
    for pos, s in enumerate(items):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f"type {type(s).__name__} at pos {pos}")
        try:
            shape.append(s if isinstance(s, int) else s.__index__())
        except TypeError:  # a tensor that is not a one-element integer tensor
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f"type {type(s).__name__} at pos {pos}") from None
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {shape}")
    return tuple(shape)


def _float_or(dtype: Any) -> dtypes.dtype:
    return dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False, backend: Any = None) -> Tensor:
    """Create a tensor of zeros of the given shape.

    The shape is given as ints (``zeros(2, 3)``), one sequence (``zeros((2, 3))``, ``zeros(Size)``) or the
    ``size`` keyword.

    Args:
        size: the shape as a keyword (``zeros(size=(2, 3))``), instead of positional sizes (default None).
        dtype: the dtype of the result; None for the default float dtype (default None).
        layout: accepted for PyTorch compatibility; ignored (strided only) (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        pin_memory: accepted for PyTorch compatibility; ignored (default False).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The tensor of zeros.

    Raises:
        TypeError: a size that is not a sequence of ints, or sizes given twice.
        RuntimeError: a negative size.
    """
    shape = _size(sizes, "zeros", size)
    be, index = resolve(backend, device)
    arr = be.xp.zeros(shape, dtype=be.native_dtype(_float_or(dtype).name))
    return _finish(arr, be, index, requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False, pin_memory: bool = False, backend: Any = None) -> Tensor:
    """Create a tensor of ones of the given shape.

    The shape is given as ints (``ones(2, 3)``), one sequence (``ones((2, 3))``, ``ones(Size)``) or the
    ``size`` keyword.

    Args:
        size: the shape as a keyword (``ones(size=(2, 3))``), instead of positional sizes (default None).
        dtype: the dtype of the result; None for the default float dtype (default None).
        layout: accepted for PyTorch compatibility; ignored (strided only) (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        pin_memory: accepted for PyTorch compatibility; ignored (default False).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The tensor of ones.

    Raises:
        TypeError: a size that is not a sequence of ints, or sizes given twice.
        RuntimeError: a negative size.
    """
    shape = _size(sizes, "ones", size)
    be, index = resolve(backend, device)
    arr = be.xp.ones(shape, dtype=be.native_dtype(_float_or(dtype).name))
    return _finish(arr, be, index, requires_grad)


def empty(*sizes: Any, size: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False, memory_format: Any = None,
          backend: Any = None) -> Tensor:
    """Create an uninitialised tensor of the given shape (zero-filled here).

    The shape is given as ints (``empty(2, 3)``), one sequence (``empty((2, 3))``, ``empty(Size)``) or the
    ``size`` keyword.
    Arrays of some backends cannot be left uninitialised, so the values are zeros.

    Args:
        size: the shape as a keyword (``empty(size=(2, 3))``), instead of positional sizes (default None).
        dtype: the dtype of the result; None for the default float dtype (default None).
        layout: accepted for PyTorch compatibility; ignored (strided only) (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        pin_memory: accepted for PyTorch compatibility; ignored (default False).
        memory_format: accepted for PyTorch compatibility; ignored (default None).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The new tensor.

    Raises:
        TypeError: a size that is not a sequence of ints, or sizes given twice.
        RuntimeError: a negative size.
    """
    shape = _size(sizes, "empty", size)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad, backend=backend)


def full(size: Any, fill_value: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False, pin_memory: bool = False, backend: Any = None) -> Tensor:
    """Create a tensor of ``size`` filled with ``fill_value``.

    Args:
        size: the shape, a sequence of ints.
        fill_value: the value of every element.
        dtype: the dtype of the result; None infers it from ``fill_value`` as PyTorch does (bool,
            int64 or the default float dtype) (default None).
        layout: accepted for PyTorch compatibility; ignored (strided only) (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        pin_memory: accepted for PyTorch compatibility; ignored (default False).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The filled tensor.

    Raises:
        TypeError: ``size`` is not a sequence of ints.
        RuntimeError: a negative size.
    """
    shape = _size((), "full", size)
    be, index = resolve(backend, device)
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(fill_value)
    arr = be.xp.full(shape, fill_value, dtype=be.native_dtype(target.name))
    return _finish(arr, be, index, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, backend: Any = None) -> Tensor:
    """Create a 1-d tensor of values from ``start`` to ``end`` (exclusive) spaced by ``step``.

    ``arange(n)`` counts from 0 to ``n - 1``. The length is ``ceil((end - start) / step)``; floating
    values are computed as ``start + i * step``.

    Args:
        start: the first value, or the end (exclusive) when ``end`` is None.
        end: the end of the range, exclusive (default None).
        step: the spacing between values (default 1).
        dtype: the dtype of the result; None for int64, or the default float dtype when a bound or
            ``step`` is a float (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The 1-d tensor of values.

    Raises:
        RuntimeError: ``step`` is zero or has the wrong sign.
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign ({start}, {end}, {step})")
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
    """Create a 1-d tensor of ``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Args:
        start: the first value.
        end: the last value.
        steps: the number of values.
        dtype: the dtype of the result; None for the default float dtype (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The 1-d tensor of ``steps`` values.

    Raises:
        TypeError: ``steps`` is not an integer.
        RuntimeError: ``steps`` is negative.
    """
    steps = _steps(steps, "linspace")
    be, index = resolve(backend, device)
    native = be.native_dtype(_float_or(dtype).name)
    arr = be.xp.linspace(start, end, steps, dtype=native)
    return _finish(arr, be, index, requires_grad)


def _steps(steps: Any, op: str) -> int:
    """linspace/logspace's ``steps`` as a non-negative Python int."""
    if isinstance(steps, bool) or not hasattr(steps, "__index__"):
        raise TypeError(f"{op}(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    steps = steps.__index__()
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative")
    return steps


def logspace(start: float, end: float, steps: int, base: float = 10.0, **kwargs: Any) -> Tensor:
    """Create a 1-d tensor of ``steps`` values ``base ** x`` for ``x`` evenly spaced from ``start`` to ``end``.

    Both ends are included. The keywords ``dtype``, ``device``, ``requires_grad`` and ``backend``
    are those of ``linspace``.

    Args:
        start: the first exponent.
        end: the last exponent.
        steps: the number of values.
        base: the base of the powers (default 10.0).

    Returns:
        The 1-d tensor of ``steps`` values.

    Raises:
        TypeError: ``steps`` is not an integer.
        RuntimeError: ``steps`` is negative.
    """
    steps = _steps(steps, "logspace")
    out = linspace(start, end, steps, **{k: v for k, v in kwargs.items() if k != "requires_grad"})
    res = out.new_full((), base) ** out
    return res.requires_grad_(kwargs.get("requires_grad", False))


def _matrix_size(value: Any, name: str, position: int) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"eye(): argument '{name}' (position {position}) must be int, not {type(value).__name__}")
    value = value.__index__()
    if value < 0:
        raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {value}")
    return value


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
        backend: Any = None) -> Tensor:
    """Create an ``n x m`` identity matrix: ones on the main diagonal, zeros elsewhere.

    Args:
        n: the number of rows.
        m: the number of columns; None for ``n`` (default None).
        dtype: the dtype of the result; None for the default float dtype (default None).
        device: the device of the result (``"cpu"``, ``"cuda:N"``, or a backend name such as ``"jax"``);
            None for the default device (default None).
        requires_grad: make the result a leaf that records operations (default False).
        backend: the backend of the result, by name or object; None for the default one (default None).

    Returns:
        The 2-d tensor of shape ``(n, m)``.

    Raises:
        TypeError: ``n`` or ``m`` is not an integer.
        RuntimeError: ``n`` or ``m`` is negative.
    """
    n = _matrix_size(n, "n", 1)
    m = n if m is None else _matrix_size(m, "m", 2)
    be, index = resolve(backend, device)
    arr = be.xp.eye(n, m, dtype=be.native_dtype(_float_or(dtype).name))
    return _finish(arr, be, index, requires_grad)


def _like(t: Tensor, dtype: Any, device: Any, backend: Any) -> tuple[Backend, int | None, dtypes.dtype]:
    if backend is None and device is None:
        be, index = t._backend, None
    else:
        be, index = resolve(backend, device)
    return be, index, dtypes.as_dtype(dtype) if dtype is not None else t.dtype


def zeros_like(t: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               backend: Any = None) -> Tensor:
    """Create a tensor of zeros with the shape of ``t``, and its dtype and backend unless given.

    Args:
        t: the tensor whose shape (and by default dtype and backend) is taken.
        dtype: the dtype of the result; None for ``t``'s (default None).
        device: the device of the result; None (with ``backend`` None) for ``t``'s backend (default None).
        requires_grad: make the result a leaf that records operations (default False).
        backend: the backend of the result; None (with ``device`` None) for ``t``'s (default None).

    Returns:
        The new tensor, shaped like ``t``.
    """
    be, index, dt = _like(t, dtype, device, backend)
    return zeros(tuple(t.shape), dtype=dt, backend=be, requires_grad=requires_grad,
                 device=None if index is None else f"{be.name}:{index}")


def ones_like(t: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              backend: Any = None) -> Tensor:
    """Create a tensor of ones with the shape of ``t``, and its dtype and backend unless given.

    Args:
        t: the tensor whose shape (and by default dtype and backend) is taken.
        dtype: the dtype of the result; None for ``t``'s (default None).
        device: the device of the result; None (with ``backend`` None) for ``t``'s backend (default None).
        requires_grad: make the result a leaf that records operations (default False).
        backend: the backend of the result; None (with ``device`` None) for ``t``'s (default None).

    Returns:
        The new tensor, shaped like ``t``.
    """
    be, index, dt = _like(t, dtype, device, backend)
    return ones(tuple(t.shape), dtype=dt, backend=be, requires_grad=requires_grad,
                device=None if index is None else f"{be.name}:{index}")


def empty_like(t: Tensor, **kwargs: Any) -> Tensor:
    """Create an uninitialised (here zero-filled) tensor with the shape of ``t``.

    The keywords ``dtype``, ``device``, ``requires_grad`` and ``backend`` are those of ``zeros_like``.

    Args:
        t: the tensor whose shape (and by default dtype and backend) is taken.

    Returns:
        The new tensor, shaped like ``t``.
    """
    return zeros_like(t, **kwargs)


def full_like(t: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              backend: Any = None) -> Tensor:
    """Create a tensor filled with ``fill_value`` with the shape of ``t``, and its dtype and backend unless given.

    Args:
        t: the tensor whose shape (and by default dtype and backend) is taken.
        fill_value: the value of every element.
        dtype: the dtype of the result; None for ``t``'s (default None).
        device: the device of the result; None (with ``backend`` None) for ``t``'s backend (default None).
        requires_grad: make the result a leaf that records operations (default False).
        backend: the backend of the result; None (with ``device`` None) for ``t``'s (default None).

    Returns:
        The filled tensor, shaped like ``t``.
    """
    be, index, dt = _like(t, dtype, device, backend)
    return full(tuple(t.shape), fill_value, dtype=dt, backend=be, requires_grad=requires_grad,
                device=None if index is None else f"{be.name}:{index}")
