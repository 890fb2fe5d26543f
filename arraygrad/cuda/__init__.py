"""``arraygrad.cuda``: what ``torch.cuda`` answers, for the backend that reaches CUDA devices.

That backend is cupy when it is usable, else jax when it sees a CUDA GPU (the same rule as
``device="cuda"``). Without one, ``is_available()`` is False, ``device_count()`` and the memory
counters are 0 and ``empty_cache()`` does nothing, as in PyTorch before CUDA starts; the calls that
need a device (``current_device``, ``set_device``, ``get_device_name``, ``synchronize``...) raise
a RuntimeError saying what is missing.

Random numbers: arraygrad has one generator whose streams are identical on every backend, so
there is no separate CUDA generator. ``manual_seed``/``manual_seed_all``/``seed``/``seed_all``
seed that one generator (as ``arraygrad.manual_seed``) and ``initial_seed`` reports its seed;
``torch.manual_seed(s); torch.cuda.manual_seed_all(s)`` thus gives the same numbers on a CPU and a
GPU. They work without a CUDA device too, as PyTorch's ``manual_seed`` does.
"""

from __future__ import annotations

from typing import Any

from arraygrad import backends
from arraygrad.backends.reference import Backend
from arraygrad.core import random as _random
from arraygrad.core.legacy import CUDA_TYPES as _LEGACY_TYPES
from arraygrad.core.tensor import device as _device
from arraygrad.cuda import amp

__all__ = [
    "current_device", "device", "device_count", "empty_cache", "get_device_capability", "get_device_name",
    "get_device_properties", "initial_seed", "is_available", "is_bf16_supported", "is_initialized",
    "manual_seed", "manual_seed_all", "max_memory_allocated", "max_memory_reserved", "memory_allocated",
    "memory_reserved", "reset_peak_memory_stats", "seed", "seed_all", "set_device", "synchronize",
]

# PyTorch's legacy CUDA tensor types (cuda.FloatTensor, cuda.LongTensor, ...; see arraygrad.core.legacy)
globals().update(_LEGACY_TYPES)
__all__ += list(_LEGACY_TYPES)


def is_available() -> bool:
    """Whether a backend can place tensors on a CUDA device (cupy, or jax on a GPU)."""
    return backends.cuda_available()


def is_initialized() -> bool:
    """Whether a CUDA backend is ready to use (the same as :func:`is_available`: backends start
    on first use)."""
    return is_available()


def device_count() -> int:
    """The number of CUDA devices the CUDA backend sees (0 without one)."""
    backend = _backend_or_none()
    return backend.cuda_device_count() if backend is not None else 0


def _backend_or_none() -> Backend | None:
    try:
        return backends.cuda_backend()
    except backends.BackendUnavailableError:
        return None


def _require(op: str) -> Backend:
    """The CUDA backend, or a RuntimeError naming ``op`` and why there is none."""
    try:
        return backends.cuda_backend()
    except backends.BackendUnavailableError as exc:
        raise RuntimeError(f"arraygrad.cuda.{op}: no CUDA device can be used: {exc}") from None


def _index(device: Any, op: str, backend: Backend) -> int:
    """The CUDA device index meant by ``device`` (None: the current one, an int, ``"cuda:N"``, a device)."""
    if device is None:
        index = backends.current_cuda_index()
    elif isinstance(device, int) and not isinstance(device, bool):
        index = device
    else:
        dev = device if isinstance(device, _device) else _device(device)
        if dev.type != "cuda":
            raise ValueError(f"arraygrad.cuda.{op}: expected a CUDA device, got {str(dev)!r}")
        index = backends.current_cuda_index() if dev.index is None else dev.index
    count = backend.cuda_device_count()
    if not 0 <= index < count:
        raise RuntimeError(f"arraygrad.cuda.{op}: invalid device ordinal {index}: there are {count} CUDA device(s)")
    return index


def current_device() -> int:
    """The index of the CUDA device that ``"cuda"`` means in this thread.

    Raises:
        RuntimeError: no CUDA device can be used.
    """
    _require("current_device")
    return backends.current_cuda_index()


def set_device(device: Any) -> None:
    """Make ``device`` (an int, ``"cuda:N"`` or a device) the one ``"cuda"`` means in this thread;
    a negative int does nothing, as in PyTorch.

    Raises:
        RuntimeError: no CUDA device can be used, or the index is beyond the devices.
    """
    if isinstance(device, int) and not isinstance(device, bool) and device < 0:
        return
    backend = _require("set_device")
    backends.set_current_cuda_index(_index(device, "set_device", backend))


class device:  # noqa: N801 - named like torch.cuda.device
    """Context manager that makes ``device`` the current CUDA device inside the block
    (``None`` or a negative int leaves it unchanged)."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self._previous: list[int] = []

    def __enter__(self) -> device:
        self._previous.append(backends.current_cuda_index())
        set_device(-1 if self.device is None else self.device)
        return self

    def __exit__(self, *exc: object) -> None:
        backends.set_current_cuda_index(self._previous.pop())


def synchronize(device: Any = None) -> None:
    """Wait for all queued work on the CUDA backend to finish.

    Raises:
        RuntimeError: no CUDA device can be used.
    """
    backend = _require("synchronize")
    _index(device, "synchronize", backend)
    backend.synchronize()


class _CudaDeviceProperties:
    """What :func:`get_device_properties` returns: ``name``, ``major``, ``minor``,
    ``total_memory`` (bytes) and ``multi_processor_count`` (None where the backend does not tell)."""

    def __init__(self, props: dict[str, Any]) -> None:
        self.name: str = props["name"]
        self.major: int | None = props["major"]
        self.minor: int | None = props["minor"]
        self.total_memory: int | None = props["total_memory"]
        self.multi_processor_count: int | None = props["multi_processor_count"]

    def __repr__(self) -> str:
        memory = "unknown" if self.total_memory is None else f"{self.total_memory // (1024 * 1024)}MB"
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={memory}, multi_processor_count={self.multi_processor_count})")


def get_device_properties(device: Any = None) -> _CudaDeviceProperties:
    """Name, compute capability, memory and multiprocessor count of a CUDA device.

    Raises:
        RuntimeError: no CUDA device can be used, or the index is beyond the devices.
    """
    return _properties(device, "get_device_properties")


def _properties(device: Any, op: str) -> _CudaDeviceProperties:
    backend = _require(op)
    return _CudaDeviceProperties(backend.cuda_device_properties(_index(device, op, backend)))


def get_device_name(device: Any = None) -> str:
    """The name of a CUDA device (e.g. ``"NVIDIA H100 80GB HBM3"``).

    Raises:
        RuntimeError: no CUDA device can be used, or the index is beyond the devices.
    """
    return _properties(device, "get_device_name").name


def get_device_capability(device: Any = None) -> tuple[int | None, int | None]:
    """The compute capability ``(major, minor)`` of a CUDA device.

    Raises:
        RuntimeError: no CUDA device can be used, or the index is beyond the devices.
    """
    props = _properties(device, "get_device_capability")
    return props.major, props.minor


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether the CUDA backend can create bfloat16 tensors (False without a CUDA device, and on
    cupy, which has no bfloat16)."""
    backend = _backend_or_none()
    return backend is not None and "bfloat16" in backend.dtypes


def empty_cache() -> None:
    """Hand the CUDA backend's cached, unused memory back to the driver (nothing without CUDA)."""
    backend = _backend_or_none()
    if backend is not None:
        backend.cuda_empty_cache()


def _memory(device: Any, key: str, op: str) -> int:
    backend = _backend_or_none()
    if backend is None:
        return 0  # PyTorch reports 0 before CUDA has allocated anything
    return backend.cuda_memory_stats(_index(device, op, backend))[key]


def memory_allocated(device: Any = None) -> int:
    """Bytes of device memory held by live arrays on a CUDA device (0 without CUDA)."""
    return _memory(device, "allocated_bytes", "memory_allocated")


def max_memory_allocated(device: Any = None) -> int:
    """The peak of :func:`memory_allocated` since :func:`reset_peak_memory_stats` (jax: since the
    process started; cupy: since the first memory-statistics call). 0 without CUDA."""
    return _memory(device, "peak_allocated_bytes", "max_memory_allocated")


def memory_reserved(device: Any = None) -> int:
    """Bytes of device memory the backend's allocator holds, in use or cached (0 without CUDA)."""
    return _memory(device, "reserved_bytes", "memory_reserved")


def max_memory_reserved(device: Any = None) -> int:
    """The memory the allocator holds now: neither cupy nor jax records a peak of it (0 without CUDA)."""
    return memory_reserved(device)


def reset_peak_memory_stats(device: Any = None) -> None:
    """Restart the peak that :func:`max_memory_allocated` reports from the current allocation
    (jax cannot, and warns). Nothing happens without CUDA."""
    backend = _backend_or_none()
    if backend is not None:
        backend.cuda_reset_peak_memory(_index(device, "reset_peak_memory_stats", backend))


def manual_seed(seed: int) -> None:
    """Seed arraygrad's one generator, which every backend draws from (see the module docstring)."""
    _random.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed arraygrad's one generator (there is no generator per device)."""
    _random.manual_seed(seed)


def seed() -> None:
    """Seed arraygrad's one generator with a non-deterministic number."""
    _random.seed()


def seed_all() -> None:
    """Seed arraygrad's one generator with a non-deterministic number."""
    _random.seed()


def initial_seed() -> int:
    """The seed of arraygrad's one generator."""
    return _random.initial_seed()
