"""CuPy adapter (CUDA). CuPy's main namespace follows the array API standard; indexed
accumulation uses ``cupyx.scatter_add``."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad.backends import BackendUnavailableError
from arraygrad.backends.reference import Array, Backend, Key, _is_array


class CupyBackend(Backend):
    name = "cupy"
    writes_in_place = True

    def __init__(self) -> None:
        import cupy
        import cupyx

        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # the CUDA runtime raises its own error types
            raise BackendUnavailableError(f"backend 'cupy': no CUDA device ({exc})") from exc
        if count == 0:
            raise BackendUnavailableError("backend 'cupy': no CUDA device")
        self._cupy = cupy
        self._cupyx = cupyx
        self.xp = cupy
        super().__init__()

    def device_of(self, array: Array) -> str:
        return f"cuda:{array.device.id}"

    def to_device(self, array: Array, index: int | None) -> Array:
        if index is None or array.device.id == index:
            return array
        with self._cupy.cuda.Device(index):
            return self._cupy.asarray(array)

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
