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

    def add_at(self, out: Array, key: Key, value: Array) -> Array:
        out[key] += value  # ``out`` is a fresh array the caller owns: no temporary needed
        return out

    # max pooling with non-overlapping windows (stride == kernel, no padding or dilation, sizes
    # divisible: the usual 2x2 pooling) is a reshape; everything else uses the reference kernel
    def max_pool(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> tuple[Array, Array]:
        windows = self._tiles(x, kernel, stride, padding, dilation)
        if windows is None:
            return super().max_pool(x, kernel, stride, padding, dilation)
        return windows.max(axis=-1), windows.argmax(axis=-1)

    def max_pool_grad(self, g: Array, offsets: Array, x_shape: tuple[int, ...], kernel: tuple[int, ...],
                      stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
                      dilation: tuple[int, ...]) -> Array:
        if not self._tiled(x_shape, kernel, stride, padding, dilation):
            return super().max_pool_grad(g, offsets, x_shape, kernel, stride, padding, dilation)
        nd = len(kernel)
        cols = np.zeros(tuple(g.shape) + (int(np.prod(kernel)),), dtype=g.dtype)
        np.put_along_axis(cols, offsets[..., None], g[..., None], axis=-1)
        # (N, C, *out, *kernel) -> (N, C, out0, k0, out1, k1, ...) -> (N, C, *spatial)
        cols = cols.reshape(tuple(g.shape) + tuple(kernel))
        order = (0, 1) + tuple(a for i in range(nd) for a in (2 + i, 2 + nd + i))
        return cols.transpose(order).reshape(x_shape)

    @staticmethod
    def _tiled(x_shape: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> bool:
        return (tuple(stride) == tuple(kernel) and all(d == 1 for d in dilation)
                and all(lo == 0 and hi == 0 for lo, hi in padding)
                and all(n % k == 0 for n, k in zip(x_shape[2:], kernel)))

    def _tiles(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> Array | None:
        """(N, C, *out, prod(kernel)) windows, in the reference's offset order, or None."""
        if not self._tiled(tuple(x.shape), kernel, stride, padding, dilation):
            return None
        nd = len(kernel)
        out = tuple(n // k for n, k in zip(x.shape[2:], kernel))
        split = tuple(x.shape[:2]) + tuple(d for o, k in zip(out, kernel) for d in (o, k))
        order = (0, 1) + tuple(2 + 2 * i for i in range(nd)) + tuple(3 + 2 * i for i in range(nd))
        return np.asarray(x).reshape(split).transpose(order).reshape(tuple(x.shape[:2]) + out + (-1,))

