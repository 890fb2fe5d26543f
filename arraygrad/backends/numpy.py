"""NumPy adapter (CPU): NumPy 2's main namespace follows the array API standard; native
kernels replace the reference ones where they are faster."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad.backends import numpy_low_precision
from arraygrad.backends.reference import Array, Backend, Key, _is_array, ignore_floating_point_warnings

ignore_floating_point_warnings(r"arraygrad\.")


class NumpyBackend(Backend):
    name = "numpy"
    writes_in_place = True
    shares_host_memory = True

    low_precision_note = "bfloat16 on numpy needs the ml_dtypes package: pip install ml_dtypes"

    def __init__(self) -> None:
        self.xp = numpy_low_precision.make_namespace()
        super().__init__()
        # shared-memory segments made by to_shared, by start address: (size, segment)
        self._segments: dict[int, tuple[int, Any]] = {}

    def _find_dtype(self, name: str) -> Any:
        if name == "bfloat16":  # numpy has none; ml_dtypes adds it
            return numpy_low_precision.BFLOAT16
        return super()._find_dtype(name)

    def copy(self, array: Array) -> Array:
        return np.array(array, copy=True, order="K")  # keeps the layout, so views can be re-taken

    def contiguous_copy(self, array: Array) -> Array:
        return np.array(array, copy=True, order="C")

    def strides(self, array: Array) -> tuple[int, ...] | None:
        item = array.itemsize
        return tuple(s // item for s in array.strides)

    def is_row_major(self, array: Array) -> bool:
        return bool(array.flags.c_contiguous)

    def data_ptr(self, array: Array) -> int | None:
        return int(array.__array_interface__["data"][0])

    def reshape_view(self, x: Array, shape: tuple[int, ...]) -> Array:
        return np.reshape(x, shape, copy=False)

    def expand_view(self, x: Array, shape: tuple[int, ...]) -> Array:
        # np.broadcast_to's view is read-only; this one can be written through (views.write refuses
        # writes where elements repeat, except fills)
        lead = len(shape) - x.ndim
        strides = (0,) * lead + tuple(0 if n != m else s for n, m, s in zip(x.shape, shape[lead:], x.strides))
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    def diagonal(self, x: Array, offset: int, dim1: int, dim2: int) -> Array:
        # np.diagonal's view is read-only; this one can be written through
        start = [slice(None)] * x.ndim
        start[dim1], start[dim2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
        corner = x[tuple(start)]
        n = max(0, min(corner.shape[dim1], corner.shape[dim2]))
        keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
        shape = tuple(x.shape[i] for i in keep) + (n,)
        strides = tuple(x.strides[i] for i in keep) + (x.strides[dim1] + x.strides[dim2],)
        return np.lib.stride_tricks.as_strided(corner, shape, strides, writeable=x.flags.writeable)

    def is_shared(self, array: Array) -> bool:
        return self.segment_of(array) is not None

    def to_shared(self, array: Array) -> Array:
        import atexit
        from multiprocessing import shared_memory

        segment = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
        atexit.register(_unlink, segment)  # the creator removes the name; mappings stay valid
        out: np.ndarray = np.ndarray(array.shape, dtype=array.dtype, buffer=segment.buf)
        out[...] = array
        self._segments[int(out.__array_interface__["data"][0])] = (max(array.nbytes, 1), segment)
        return out

    def attach_shared(self, name: str, offset: int, shape: tuple[int, ...], strides: tuple[int, ...],
                      dtype: str) -> Array:
        """The array another process placed in shared memory with ``to_shared`` (segment ``name``,
        ``offset`` bytes in, with byte ``strides``)."""
        from multiprocessing import shared_memory

        start = None
        for ptr, (_, seg) in self._segments.items():
            if seg.name == name:
                segment, start = seg, ptr
        if start is None:
            # the creating process owns the name (and removes it at exit); this one only maps it
            segment = shared_memory.SharedMemory(name=name)
            whole: np.ndarray = np.ndarray((segment.size,), dtype=np.uint8, buffer=segment.buf)
            start = int(whole.__array_interface__["data"][0])
            self._segments[start] = (segment.size, segment)
        return np.ndarray(shape, dtype=np.dtype(dtype), buffer=segment.buf, offset=offset, strides=strides)

    def segment_of(self, array: Array) -> tuple[str, int] | None:
        """(segment name, byte offset of ``array`` in it) for an array in shared memory."""
        if not self._segments:
            return None
        ptr = int(array.__array_interface__["data"][0])
        for start, (size, segment) in self._segments.items():
            if start <= ptr < start + size:
                return segment.name, ptr - start
        return None

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

    def topk_indices(self, x: Array, k: int, axis: int, largest: bool) -> Array:
        # a partition (linear time) finds the k-th value; everything strictly better plus the
        # earliest equal ones are the k winners, and only those get sorted (same order as the reference)
        n = x.shape[axis]
        if k == 0 or k >= n or x.dtype.kind not in "fiu":
            return super().topk_indices(x, k, axis, largest)
        moved = np.moveaxis(x, axis, -1)
        rows = moved.reshape(-1, n)
        kth = n - k if largest else k - 1
        threshold = np.partition(rows, kth, axis=-1)[:, kth : kth + 1]  # NaN partitions as the largest
        better = rows > threshold if largest else rows < threshold
        equal = rows == threshold
        if rows.dtype.kind == "f":
            nan, nan_threshold = np.isnan(rows), np.isnan(threshold)
            better |= (nan & ~nan_threshold) if largest else (~nan & nan_threshold)
            equal |= nan & nan_threshold
        needed = k - better.sum(axis=-1, keepdims=True)
        chosen = better | (equal & (np.cumsum(equal, axis=-1) <= needed))
        winners = np.nonzero(chosen)[1].reshape(-1, k)  # ascending index within each row
        order = super().topk_indices(np.take_along_axis(rows, winners, -1), k, 1, largest)
        picked = np.take_along_axis(winners, order, -1).astype(np.int64, copy=False)
        return np.moveaxis(picked.reshape(*moved.shape[:-1], k), -1, axis)

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



def _unlink(segment: Any) -> None:
    try:
        segment.unlink()
    except FileNotFoundError:
        pass
