"""NumPy adapter (CPU): NumPy 2's main namespace follows the array API standard; native
kernels replace the reference ones where they are faster."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad.backends.reference import Array, Backend, Key, _is_array


class NumpyBackend(Backend):
    name = "numpy"

    def __init__(self) -> None:
        self.xp = np
        super().__init__()

    def asarray(self, data: Any, dtype: Any) -> Array:
        return np.asarray(data, dtype=dtype)

    def from_numpy(self, array: np.ndarray, dtype: Any = None) -> Array:
        return array if dtype is None or array.dtype == dtype else array.astype(dtype)

    def to_numpy(self, array: Array) -> np.ndarray:
        return np.asarray(array)

    def getitem(self, x: Array, key: Key) -> Array:
        return np.asarray(x)[key]

    def getitem_grad(self, shape: tuple[int, ...], key: Key, grad: Array) -> Array:
        out = np.zeros(shape, dtype=grad.dtype)
        if any(_is_array(k) for k in key):
            np.add.at(out, key, grad)
        else:
            out[key] = grad
        return out

    def setitem(self, x: Array, key: Key, value: Array) -> Array:
        out = np.array(x, copy=True)
        out[key] = value
        return out

    def index_add(self, x: Array, axis: int, index: Array, source: Array) -> Array:
        out = np.array(x, copy=True)
        np.add.at(out, (slice(None),) * axis + (index,), source)
        return out
