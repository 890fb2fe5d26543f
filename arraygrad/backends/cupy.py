"""CuPy adapter (CUDA). CuPy's main namespace follows the array API standard; indexed
accumulation uses ``cupyx.scatter_add``."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad.backends import BackendUnavailableError
from arraygrad.backends.reference import Array, Backend, Key, _is_array


class CupyBackend(Backend):
    name = "cupy"
    fork_safe = False  # CUDA cannot be used again in a forked child
    writes_in_place = True
    has_cpu_device = False
    low_precision_note = "CuPy supports bfloat16 only from version 14 on, through the ml_dtypes package"

    def __init__(self) -> None:
        import cupy
        import cupyx

        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # the CUDA runtime raises its own error types
            raise BackendUnavailableError(f"backend 'cupy': no CUDA device ({exc})") from exc
        if count == 0:
            raise BackendUnavailableError("backend 'cupy': no CUDA device")
        self._device_count = int(count)  # fixed for the life of the process (CUDA_VISIBLE_DEVICES is read once)
        self._cupy = cupy
        self._cupyx = cupyx
        self.xp = cupy
        super().__init__()

    def _find_dtype(self, name: str) -> Any:
        if name != "bfloat16":
            return super()._find_dtype(name)
        # CuPy 14 takes ml_dtypes' bfloat16 (it has no bfloat16 of its own); older versions refuse it
        try:
            import ml_dtypes

            native = np.dtype(ml_dtypes.bfloat16)
            self._cupy.zeros(1, dtype=native)
        except Exception:  # ImportError, or CuPy's TypeError/NotImplementedError for an unknown dtype
            return None
        return native

    def device_of(self, array: Array) -> str:
        return f"cuda:{array.device.id}"

    def to_device(self, array: Array, index: int | None) -> Array:
        if index is None or array.device.id == index:
            return array
        if index < 0:
            raise ValueError("backend 'cupy' has no CPU device: move the tensor to a CPU backend (.cpu())")
        with self._cupy.cuda.Device(index):
            return self._cupy.asarray(array)

    # CUDA device queries for arraygrad.cuda
    def cuda_device_count(self) -> int:
        return self._device_count

    def cuda_device_properties(self, index: int) -> dict[str, Any]:
        props = self._cupy.cuda.runtime.getDeviceProperties(index)
        name = props["name"]
        return {
            "name": name.decode() if isinstance(name, bytes) else str(name),
            "major": int(props["major"]), "minor": int(props["minor"]),
            "total_memory": int(props["totalGlobalMem"]), "multi_processor_count": int(props["multiProcessorCount"]),
        }

    def cuda_memory_stats(self, index: int) -> dict[str, int]:
        # cupy's pool does not record a peak: the allocator installed here keeps one per device
        tracker = self._memory_tracker()
        with self._cupy.cuda.Device(index):
            pool = self._cupy.get_default_memory_pool()
            used, held = int(pool.used_bytes()), int(pool.total_bytes())
        peak = max(tracker.get(index, 0), used)
        return {"allocated_bytes": used, "peak_allocated_bytes": peak, "reserved_bytes": held}

    def cuda_reset_peak_memory(self, index: int) -> None:
        tracker = self._memory_tracker()
        with self._cupy.cuda.Device(index):
            tracker[index] = int(self._cupy.get_default_memory_pool().used_bytes())

    def cuda_empty_cache(self) -> None:
        self._cupy.get_default_memory_pool().free_all_blocks()

    def _memory_tracker(self) -> dict[int, int]:
        """Peak pool usage per device, recorded by an allocator wrapping cupy's pool from the first
        memory-statistics call on (a peak before that is not known)."""
        tracker: dict[int, int] | None = getattr(self, "_peaks", None)
        if tracker is None:
            tracker = self._peaks = {}
            pool = self._cupy.get_default_memory_pool()
            runtime = self._cupy.cuda.runtime

            def malloc(size: int) -> Any:
                memory = pool.malloc(size)
                dev = runtime.getDevice()
                used = int(pool.used_bytes())
                if used > tracker.get(dev, 0):
                    tracker[dev] = used
                return memory

            self._cupy.cuda.set_allocator(malloc)
        return tracker

    def synchronize(self) -> None:
        self._cupy.cuda.get_current_stream().synchronize()

    def asarray(self, data: Any, dtype: Any) -> Array:
        return self._cupy.asarray(data, dtype=dtype)

    def from_numpy(self, array: np.ndarray, dtype: Any = None) -> Array:
        return self._cupy.asarray(array, dtype=dtype)

    def to_numpy(self, array: Array) -> np.ndarray:
        return self._cupy.asnumpy(array)

    def copy(self, array: Array) -> Array:
        return self._cupy.array(array, copy=True, order="K")  # keeps the layout, so views can be re-taken

    def contiguous_copy(self, array: Array) -> Array:
        return self._cupy.array(array, copy=True, order="C")

    def strides(self, array: Array) -> tuple[int, ...] | None:
        item = array.itemsize
        return tuple(s // item for s in array.strides)

    def is_row_major(self, array: Array) -> bool:
        return bool(array.flags.c_contiguous)

    def data_ptr(self, array: Array) -> int | None:
        return int(array.data.ptr)

    def diagonal(self, x: Array, offset: int, dim1: int, dim2: int) -> Array:
        return self._cupy.diagonal(x, offset, dim1, dim2)  # a writable view in CuPy

    def getitem(self, x: Array, key: Key) -> Array:
        return x[key]

    def getitem_grad(self, shape: tuple[int, ...], key: Key, grad: Array) -> Array:
        out = self._cupy.zeros(shape, dtype=grad.dtype)
        if any(_is_array(k) for k in key):
            self._cupyx.scatter_add(out, key, grad)
        else:
            out[key] = grad
        return out

    def setitem(self, x: Array, key: Key, value: Array) -> Array:
        out = x.copy()
        out[key] = value
        return out

    def index_add(self, x: Array, axis: int, index: Array, source: Array) -> Array:
        out = x.copy()
        self._cupyx.scatter_add(out, (slice(None),) * axis + (index,), source)
        return out
