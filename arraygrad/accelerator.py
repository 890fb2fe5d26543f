"""``arraygrad.accelerator``: PyTorch's device-agnostic accelerator API (``torch.accelerator``).

arraygrad's only accelerator is CUDA (cupy, or jax on a GPU; see ``arraygrad.cuda``). Without
one, ``is_available()`` is False, ``current_accelerator()`` is None, ``device_count()`` is 0 and the
calls that need a device raise PyTorch's RuntimeError.
"""

from __future__ import annotations

from typing import Any

from arraygrad import cuda
from arraygrad.core.tensor import device as _device

__all__ = [
    "current_accelerator", "current_device_idx", "current_device_index", "device_count", "device_index",
    "empty_cache", "is_available", "max_memory_allocated", "memory_allocated", "reset_peak_memory_stats",
    "set_device_idx", "set_device_index", "synchronize",
]

_NONE_AVAILABLE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """Whether an accelerator (a CUDA device) can be used."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    """``device(type='cuda')`` when arraygrad can reach CUDA, else None (``check_available`` is
    accepted for PyTorch's signature: the answer is already checked)."""
    return _device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of accelerator devices (0 without one)."""
    return cuda.device_count()


def _require() -> None:
    if not cuda.is_available():
        raise RuntimeError(_NONE_AVAILABLE)


def current_device_index() -> int:
    """The index of the current accelerator device.

    Raises:
        RuntimeError: no accelerator is available.
    """
    _require()
    return cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device: Any, /) -> None:
    """Make ``device`` (an int, ``"cuda:N"`` or a device) the current accelerator device.

    Raises:
        RuntimeError: no accelerator is available, or the index is beyond the devices.
    """
    _require()
    cuda.set_device(device)


set_device_idx = set_device_index


class device_index:  # noqa: N801 - named like torch.accelerator.device_index
    """Context manager: ``device`` (an int, or None to change nothing) is the current accelerator
    device inside the block."""

    def __init__(self, device: int | None, /) -> None:
        self._inner = cuda.device(device)
        self._device = device

    def __enter__(self) -> None:
        if self._device is not None:
            _require()
            self._inner.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._device is not None:
            self._inner.__exit__(*exc)


def synchronize(device: Any = None, /) -> None:
    """Wait for all queued work on the accelerator to finish.

    Raises:
        RuntimeError: no accelerator is available.
    """
    _require()
    cuda.synchronize(device)


def empty_cache() -> None:
    """Hand cached, unused accelerator memory back to the driver (nothing without one)."""
    cuda.empty_cache()


def memory_allocated(device_index: Any = None, /) -> int:
    """Bytes held by live arrays on an accelerator device (0 without one)."""
    return cuda.memory_allocated(device_index)


def max_memory_allocated(device_index: Any = None, /) -> int:
    """The peak of :func:`memory_allocated` (see ``arraygrad.cuda.max_memory_allocated``)."""
    return cuda.max_memory_allocated(device_index)


def reset_peak_memory_stats(device_index: Any = None, /) -> None:
    """Restart the peak that :func:`max_memory_allocated` reports."""
    cuda.reset_peak_memory_stats(device_index)
