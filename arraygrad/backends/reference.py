"""The reference backend: every kernel the array API standard lacks, written with standard ops only.

``Backend`` is the base class of every adapter. Its kernels use nothing but ``self.xp``, a
namespace of the array API standard, so they are the specification: the numpy, jax and cupy
adapters override a kernel only where a native path is faster, and the conformance suite
checks each override against the method defined here.

``StrictBackend`` runs this class on array-api-strict, which rejects anything outside the
standard; running the whole test suite on it proves that arraygrad's core only uses the
standard.
"""

from __future__ import annotations

import math
import warnings
from types import ModuleType
from typing import Any

import numpy as np

Array = Any
Key = tuple[Any, ...]

_MASK32 = 0xFFFFFFFF
# Threefry-2x32 rotation constants (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_PARITY = 0x1BD11BDA

DTYPE_NAMES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
)
FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")


def threefry2x32(xp: ModuleType, key: tuple[int, int], c0: Array, c1: Array) -> tuple[Array, Array]:
    """Threefry-2x32 with 20 rounds on uint32 arrays ``c0``, ``c1`` (the counter words).

    Uses only uint32 addition (which wraps modulo 2**32 in every array library), shifts,
    OR and XOR, so every backend computes the same bits.
    """
    u32 = xp.uint32
    k0, k1 = xp.asarray(key[0], dtype=u32), xp.asarray(key[1], dtype=u32)
    ks = (k0, k1, xp.bitwise_xor(xp.bitwise_xor(k0, k1), xp.asarray(_KEY_PARITY, dtype=u32)))
    shifts = {r: (xp.asarray(r, dtype=u32), xp.asarray(32 - r, dtype=u32)) for pair in _ROTATIONS for r in pair}
    x0 = xp.add(c0, ks[0])
    x1 = xp.add(c1, ks[1])
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            left, right = shifts[r]
            x0 = xp.add(x0, x1)
            x1 = xp.bitwise_or(xp.bitwise_left_shift(x1, left), xp.bitwise_right_shift(x1, right))
            x1 = xp.bitwise_xor(x1, x0)
        x0 = xp.add(x0, ks[(group + 1) % 3])
        x1 = xp.add(xp.add(x1, ks[(group + 2) % 3]), xp.asarray(group + 1, dtype=u32))
    return x0, x1


class TracedValueError(RuntimeError):
    """A traced placeholder was asked for its value on the host (``.item()``, ``.numpy()``, a Python
    ``if`` on a tensor) while ``ag.compile`` traced a function."""


class Backend:
    """Base adapter: array namespace plus the kernels the standard lacks.

    Subclasses set ``name`` and ``xp`` and may override any kernel with a native one that
    gives the same results.
    """

    name: str = "reference"
    xp: ModuleType
    #: whether 64-bit dtypes may be created (jax without x64 cannot)
    supports_float64: bool = True
    #: whether a forked child process may run this backend's code (a DataLoader worker started
    #: with 'fork' gets its dataset's tensors as host arrays when this is False)
    fork_safe: bool = True
    #: whether views alias their base's memory and writes may go into it in place (numpy, cupy).
    #: Otherwise a write is a functional update and views are re-taken from the new array; the
    #: reference works that way because the standard leaves view-ness to each library.
    writes_in_place: bool = False
    #: whether ``to_numpy`` returns the array's own memory (numpy): ``Tensor.numpy()`` shares it
    shares_host_memory: bool = False
    #: why float16/bfloat16 may be missing, for the error raised when one is asked for
    low_precision_note: str = "the array API standard defines only float32 and float64"

    def __init__(self) -> None:
        self.dtypes: dict[str, Any] = {}
        for dname in DTYPE_NAMES:
            native = self._find_dtype(dname)
            if isinstance(native, type):  # numpy-style scalar types: arrays report np.dtype objects
                native = np.dtype(native)
            if native is not None:
                self.dtypes[dname] = native
        # reverse map, used to turn an array's dtype back into arraygrad's dtype name
        self.dtype_names: dict[Any, str] = {v: k for k, v in self.dtypes.items()}
        # sets of native dtypes by kind, for cheap checks on the hot path
        self.float_dtypes = frozenset(self.dtypes[n] for n in FLOAT_NAMES if n in self.dtypes)
        self.complex_dtypes = frozenset(self.dtypes[n] for n in ("complex64", "complex128") if n in self.dtypes)
        self.int_dtypes = frozenset(
            self.dtypes[n] for n in DTYPE_NAMES if n.startswith(("int", "uint")) and n in self.dtypes
        )

    def __repr__(self) -> str:
        return f"<arraygrad backend {self.name!r}>"

    # ------------------------------------------------------------------ dtypes and devices
    def _find_dtype(self, name: str) -> Any:
        """This backend's dtype for arraygrad dtype ``name``, or None where the library has none."""
        return getattr(self.xp, name, None)

    def native_dtype(self, name: str) -> Any:
        """Return this backend's dtype object for arraygrad dtype ``name``.

        Raises:
            TypeError: the backend's library has no such dtype (float16/bfloat16 on array-api-strict).
        """
        try:
            return self.dtypes[name]
        except KeyError:
            if name in ("float16", "bfloat16"):
                raise TypeError(
                    f"backend {self.name!r} has no {name} dtype ({self.low_precision_note}); "
                    f"use a backend that has it, e.g. ag.use_backend('numpy') or 'jax'"
                ) from None
            raise TypeError(f"backend {self.name!r} has no dtype {name!r}") from None

    def device_of(self, array: Array) -> str:
        """A string naming the device ``array`` lives on (``"cpu"``, ``"cuda:0"``...)."""
        return "cpu"

    def to_device(self, array: Array, index: int | None) -> Array:
        """``array`` on device ``index`` of this backend: -1 is its CPU device, N >= 0 its device N
        (a CUDA device where the backend has them), None leaves it where it is."""
        if index not in (None, -1, 0):
            raise ValueError(f"backend {self.name!r} has only one device (cpu); asked for device {index}")
        return array

    def synchronize(self) -> None:
        """Wait until queued work on this backend has finished (no-op on synchronous CPUs)."""

    # ------------------------------------------------------------------ compiled programs (ag.compile)
    #: whether ``compile_program`` can turn a function of arrays into one compiled program (jax);
    #: elsewhere ``ag.compile`` runs the function eagerly
    can_compile: bool = False

    def is_traced(self, array: Array, like: Any = None) -> bool:
        """Whether ``array`` is a placeholder of a program being compiled (never, without compiling);
        with ``like`` (a placeholder), only of the same program as ``like``."""
        return False

    def trace_program(self, fn: Any, args: tuple[Any, ...], donate: tuple[int, ...]) -> tuple[Any, list[Any]]:
        """Trace ``fn`` (a function of arrays, nested in tuples and lists) on ``args``.

        Returns a function that compiles the trace (and returns the program, called with arrays
        of the same shapes and dtypes) and the arrays the trace captured as constants. The
        arguments at positions ``donate`` may be reused for the outputs: the caller must not use
        them after a call.
        """
        raise NotImplementedError(f"backend {self.name!r} cannot compile programs")

    #: exceptions the library raises when a traced placeholder's value is needed on the host
    host_read_errors: tuple[type[BaseException], ...] = ()

    def fetch(self, arrays: list[Array]) -> list[Any]:
        """Host values (numpy scalars or arrays) of several arrays, in one transfer where possible."""
        return [self.to_numpy(a) for a in arrays]


    # ------------------------------------------------------------------ CUDA devices (arraygrad.cuda)
    #: whether arrays can live in host memory on this backend (not cupy's)
    has_cpu_device: bool = True

    def cuda_device_count(self) -> int:
        """How many CUDA devices this backend can place arrays on (none here)."""
        return 0

    def cuda_device_properties(self, index: int) -> dict[str, Any]:
        """``name``, ``major``, ``minor``, ``total_memory`` and ``multi_processor_count`` of CUDA
        device ``index`` (None where the library does not tell)."""
        raise RuntimeError(f"backend {self.name!r} has no CUDA device")

    def cuda_memory_stats(self, index: int) -> dict[str, int]:
        """``allocated_bytes``, ``peak_allocated_bytes`` and ``reserved_bytes`` of this process on
        CUDA device ``index`` (0 where nothing was allocated)."""
        return {"allocated_bytes": 0, "peak_allocated_bytes": 0, "reserved_bytes": 0}

    def cuda_reset_peak_memory(self, index: int) -> None:
        """Start counting ``peak_allocated_bytes`` afresh from the current allocation."""

    def cuda_empty_cache(self) -> None:
        """Hand cached, unused device memory back to the driver."""

    # ------------------------------------------------------------------ host transfer
    def asarray(self, data: Any, dtype: Any) -> Array:
        """Create an array on this backend from Python data or a host (numpy) array."""
        if isinstance(data, np.ndarray):
            return self.from_numpy(data, dtype)
        if hasattr(data, "__array__") and not hasattr(data, "__array_namespace__"):
            return self.from_numpy(np.asarray(data), dtype)
        if hasattr(data, "__array_namespace__") and data.__array_namespace__() is not self.xp:
            return self.from_numpy(np.asarray(data), dtype)
        return self.xp.asarray(data, dtype=dtype)

    def from_numpy(self, array: np.ndarray, dtype: Any = None) -> Array:
        out = self.xp.from_dlpack(np.ascontiguousarray(array).reshape(array.shape))  # keeps 0-d as 0-d
        if dtype is not None and out.dtype != dtype:
            out = self.xp.astype(out, dtype)
        return out

    def copy(self, array: Array) -> Array:
        """An array with the same values that no other tensor shares."""
        return self.xp.asarray(array, copy=True)

    def contiguous_copy(self, array: Array) -> Array:
        """A copy laid out row-major (``Tensor.contiguous()``, ``reshape`` that cannot be a view)."""
        return self.copy(array)

    def to_numpy(self, array: Array) -> np.ndarray:
        """Copy (or alias, where the library allows) ``array`` into a numpy array on the host."""
        return np.from_dlpack(array)

    # ------------------------------------------------------------------ memory layout and views
    def strides(self, array: Array) -> tuple[int, ...] | None:
        """Element strides of ``array`` in memory, or None where the library has none (row-major)."""
        return None

    def is_row_major(self, array: Array) -> bool:
        """Whether ``array``'s memory is row-major (always, where the library has no strides)."""
        return True

    def data_ptr(self, array: Array) -> int | None:
        """The address of ``array``'s first element, or None where the library does not tell."""
        return None

    def reshape_view(self, x: Array, shape: tuple[int, ...]) -> Array:
        """``x`` reshaped; on backends that write in place, a view of ``x``'s memory (the caller
        has checked that one exists)."""
        return self.xp.reshape(x, shape)

    def expand_view(self, x: Array, shape: tuple[int, ...]) -> Array:
        """``x`` broadcast to ``shape``; on backends that write in place, a view of ``x``'s memory
        that can be written through (only a part of it with no repeated element is)."""
        return self.xp.broadcast_to(x, shape)

    def _diagonal_key(self, x: Array, offset: int, dim1: int, dim2: int) -> tuple[Array, Key, tuple[int, ...]]:
        xp = self.xp
        keep = tuple(i for i in range(x.ndim) if i not in (dim1, dim2))
        order = keep + (dim1, dim2)
        n = max(0, min(x.shape[dim1] - max(-offset, 0), x.shape[dim2] - max(offset, 0)))
        rows = xp.add(xp.arange(n, dtype=xp.int64), max(-offset, 0))
        cols = xp.add(xp.arange(n, dtype=xp.int64), max(offset, 0))
        return xp.permute_dims(x, order), (Ellipsis, rows, cols), order

    def diagonal(self, x: Array, offset: int, dim1: int, dim2: int) -> Array:
        """The diagonal of ``x`` over ``dim1`` and ``dim2`` as the last dimension (``torch.diagonal``)."""
        moved, key, _ = self._diagonal_key(x, offset, dim1, dim2)
        return self.getitem(moved, key)

    def diagonal_put(self, x: Array, offset: int, dim1: int, dim2: int, value: Array) -> Array:
        """A new array equal to ``x`` with its diagonal (as ``diagonal`` reads it) set to ``value``."""
        moved, key, order = self._diagonal_key(x, offset, dim1, dim2)
        if key[1].shape[0] == 0:
            return self.copy(x)  # an empty diagonal: nothing to write
        inverse = [0] * len(order)
        for i, d in enumerate(order):
            inverse[d] = i
        return self.xp.permute_dims(self.setitem(moved, key, value), tuple(inverse))

    def is_shared(self, array: Array) -> bool:
        """Whether ``array`` lives in memory shared between processes."""
        return False

    def to_shared(self, array: Array) -> Array:
        """A copy of ``array`` in memory shared between processes."""
        raise RuntimeError(f"backend {self.name!r} cannot place arrays in shared memory")

    def from_dlpack(self, obj: Any) -> Array:
        return self.xp.from_dlpack(obj)

    # ------------------------------------------------------------------ indexing kernels
    def getitem(self, x: Array, key: Key) -> Array:
        """``x[key]`` with NumPy semantics for any mix of ints, slices, None, Ellipsis and
        integer/boolean index arrays (already normalised: a tuple; arrays are native arrays).

        The standard only guarantees basic indexing plus limited integer-array indexing, so
        the general case is written with ``take`` on a flattened group of axes.
        """
        xp = self.xp
        if not any(_is_array(k) for k in key):
            return x[key]
        x, key = _expand_none(xp, x, key)
        key = _bools_to_ints(xp, key)
        key = _expand_ellipsis(key, x.ndim)
        adv_axes = [i for i, k in enumerate(key) if _is_array(k) or isinstance(k, int)]
        # ints become 0-d index arrays: with other index arrays present NumPy treats them alike
        idx = [
            xp.asarray(key[i], dtype=xp.int64) if isinstance(key[i], int) else key[i] for i in adv_axes
        ]
        for j, i in enumerate(adv_axes):
            idx[j] = _normalize_index(xp, idx[j], x.shape[i], i)
        # apply the slices first, leaving advanced axes whole
        basic = tuple(slice(None) if i in adv_axes else k for i, k in enumerate(key))
        x = x[basic]
        idx = list(xp.broadcast_arrays(*idx))
        bshape = tuple(idx[0].shape)
        sizes = [x.shape[i] for i in adv_axes]
        flat = xp.zeros(bshape, dtype=xp.int64)
        for j, size in enumerate(sizes):
            flat = xp.add(xp.multiply(flat, size), idx[j])
        rest_axes = [i for i in range(x.ndim) if i not in adv_axes]
        moved = xp.permute_dims(x, tuple(adv_axes) + tuple(rest_axes))
        rest_shape = tuple(x.shape[i] for i in rest_axes)
        moved = xp.reshape(moved, (math.prod(sizes),) + rest_shape)
        out = xp.take(moved, xp.reshape(flat, (-1,)), axis=0)
        out = xp.reshape(out, bshape + rest_shape)
        contiguous = adv_axes == list(range(adv_axes[0], adv_axes[-1] + 1))
        if contiguous and adv_axes[0] > 0:
            nb, first = len(bshape), adv_axes[0]
            order = tuple(range(nb, nb + first)) + tuple(range(nb)) + tuple(range(nb + first, out.ndim))
            out = xp.permute_dims(out, order)
        return out

    def getitem_grad(self, shape: tuple[int, ...], key: Key, grad: Array) -> Array:
        """Gradient of ``x[key]``: zeros of ``shape`` with ``grad`` added at ``key``, summing
        the contributions of repeated indices."""
        xp = self.xp
        if not any(_is_array(k) for k in key):
            out = xp.zeros(shape, dtype=grad.dtype)
            key, grad = _without_none(out, key, grad)
            out[key] = grad
            return out
        n = math.prod(shape)
        positions = self.getitem(xp.reshape(xp.arange(n, dtype=xp.int64), shape), key)
        flat = self.index_add(
            xp.zeros((n,), dtype=grad.dtype), 0, xp.reshape(positions, (-1,)), xp.reshape(grad, (-1,))
        )
        return xp.reshape(flat, shape)

    def setitem(self, x: Array, key: Key, value: Array) -> Array:
        """A new array equal to ``x`` with ``x[key] = value`` (``x`` itself is not modified);
        ``value`` has the shape of ``x[key]``. Where an index repeats, the last value written wins."""
        xp = self.xp
        out = xp.asarray(x, copy=True)
        if not any(_is_array(k) for k in key):
            key, value = _without_none(out, key, value)
            out[key] = value
            return out
        n = math.prod(x.shape)
        positions = xp.reshape(self.getitem(xp.reshape(xp.arange(n, dtype=xp.int64), x.shape), key), (-1,))
        if positions.shape[0] == 0:  # an all-False mask or an empty index writes nothing
            return out
        value = xp.reshape(xp.broadcast_to(value, self.getitem(x, key).shape), (-1,))
        return xp.reshape(_put_last_wins(xp, xp.reshape(out, (-1,)), positions, value), x.shape)

    def index_add(self, x: Array, axis: int, index: Array, source: Array) -> Array:
        """``x`` plus ``source`` added along ``axis`` at ``index`` (like ``torch.index_add``);
        repeated indices accumulate. Returns a new array."""
        xp = self.xp
        n, k = x.shape[axis], index.shape[0]
        if k == 0:
            return xp.asarray(x, copy=True)
        x_front = xp.moveaxis(x, axis, 0)
        src = xp.reshape(xp.moveaxis(source, axis, 0), (k, -1))
        # The sources of each distinct target are summed by a one-hot matmul over the m <= k
        # distinct targets (not over all n rows), then each row finds its sum by binary search.
        # NOTE: a one-hot matmul sums exactly like a loop, but a non-finite source value
        # spreads NaN over its whole column; native overrides do not have that caveat.
        targets, inverse = xp.unique_inverse(index)
        m = targets.shape[0]
        onehot = xp.astype(
            xp.equal(xp.reshape(inverse, (k, 1)), xp.reshape(xp.arange(m, dtype=inverse.dtype), (1, m))),
            src.dtype,
        )
        sums = xp.matmul(xp.matrix_transpose(onehot), src)  # (m, prod of the other dims)
        rows = xp.arange(n, dtype=targets.dtype)
        found = xp.clip(xp.searchsorted(targets, rows), 0, m - 1)
        hit = xp.reshape(xp.equal(xp.take(targets, found), rows), (n, 1))
        added = xp.where(hit, xp.take(sums, found, axis=0), xp.zeros((n, sums.shape[1]), dtype=sums.dtype))
        return xp.moveaxis(xp.add(x_front, xp.reshape(added, x_front.shape)), 0, axis)

    def add_at(self, out: Array, key: Key, value: Array) -> Array:
        """``out[key] += value`` for a fresh array ``out`` this backend owns (basic key, no
        repeated positions); returns the result (a new array on immutable backends)."""
        out[key] = self.xp.add(out[key], value)
        return out

    def set_at(self, out: Array, key: Key, value: Array) -> Array:
        """``out[key] = value`` for a fresh array ``out`` (basic key); returns the result."""
        out[key] = value
        return out

    # ------------------------------------------------------------------ convolution and pooling
    # Layout is PyTorch's: x (N, C, *spatial), w (O, C // groups, *kernel). ``padding`` is one
    # (low, high) pair per spatial dim. Windows are gathered with one strided slice per kernel
    # offset (im2col), so a convolution is a single matmul; gradients scatter the same slices back.

    def conv(self, x: Array, w: Array, stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
             dilation: tuple[int, ...], groups: int) -> Array:
        xp = self.xp
        n = x.shape[0]
        o = w.shape[0]
        cols, out_sp = self._conv_cols(x, tuple(w.shape[2:]), stride, padding, dilation, groups)
        wg = xp.reshape(w, (groups, o // groups, -1))
        out = xp.matmul(wg, cols)  # (g, O/g, N * out): one matrix product per group
        return _channels_last_to_first(xp, xp.reshape(out, (o, n) + out_sp))

    def conv_grad_input(self, g: Array, w: Array, x_shape: tuple[int, ...], stride: tuple[int, ...],
                        padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int) -> Array:
        xp = self.xp
        n, c = x_shape[0], x_shape[1]
        o, kernel = w.shape[0], tuple(w.shape[2:])
        out_sp = tuple(g.shape[2:])
        wg = xp.reshape(w, (groups, o // groups, -1))
        gg = xp.reshape(_channels_last_to_first(xp, g), (groups, o // groups, -1))
        cols = xp.reshape(xp.matmul(xp.matrix_transpose(wg), gg), (c, math.prod(kernel), n) + out_sp)
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        gpad = _col2im(self, [cols[:, j, ...] for j in range(cols.shape[1])], (c, n) + padded, kernel, stride,
                       dilation, out_sp)
        return _crop(_channels_last_to_first(xp, gpad), padding)

    def conv_grad_weight(self, x: Array, g: Array, w_shape: tuple[int, ...], stride: tuple[int, ...],
                         padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int) -> Array:
        xp = self.xp
        o = w_shape[0]
        cols, _ = self._conv_cols(x, tuple(w_shape[2:]), stride, padding, dilation, groups)
        gg = xp.reshape(_channels_last_to_first(xp, g), (groups, o // groups, -1))
        return xp.reshape(xp.matmul(gg, xp.matrix_transpose(cols)), w_shape)

    def _conv_cols(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                   padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...],
                   groups: int) -> tuple[Array, tuple[int, ...]]:
        """im2col in the layout that makes a convolution one matrix product per group:
        (groups, C/groups * prod(kernel), N * prod(out))."""
        xp = self.xp
        n, c = x.shape[0], x.shape[1]
        xpad = _channels_last_to_first(xp, _pad_value(self, x, padding, 0.0))  # (C, N, *padded)
        out_sp = _out_shape(tuple(xpad.shape[2:]), kernel, stride, dilation)
        cols = xp.stack([xpad[_window_key(off, stride, dilation, out_sp)] for off in _offsets(kernel)], axis=1)
        return xp.reshape(cols, (groups, (c // groups) * math.prod(kernel), n * math.prod(out_sp))), out_sp

    def where_or_zero(self, mask: Array, x: Array) -> Array:
        """``x`` where the bool ``mask`` (same shape) holds, 0 elsewhere: the backward of relu, of
        clamp with number bounds and of every op whose gradient passes or stops per element."""
        xp = self.xp
        return xp.where(mask, x, xp.zeros((), dtype=x.dtype))

    def max_pool(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> tuple[Array, Array]:
        """Window maxima and, per output, the window offset (0 .. prod(kernel)-1) of the first maximum."""
        xp = self.xp
        xpad = _pad_value(self, x, padding, -math.inf)
        out_sp = _out_shape(tuple(xpad.shape[2:]), kernel, stride, dilation)
        cols = _im2col(xp, xpad, kernel, stride, dilation, out_sp)
        return xp.max(cols, axis=2), xp.argmax(cols, axis=2)

    def max_pool_grad(self, g: Array, offsets: Array, x_shape: tuple[int, ...], kernel: tuple[int, ...],
                      stride: tuple[int, ...], padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> Array:
        xp = self.xp
        kp = math.prod(kernel)
        picks = xp.equal(xp.expand_dims(offsets, axis=2), xp.reshape(
            xp.arange(kp, dtype=offsets.dtype), (1, 1, kp) + (1,) * (offsets.ndim - 2)))
        cols = xp.where(picks, xp.expand_dims(g, axis=2), xp.zeros((), dtype=g.dtype))
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        gpad = _col2im(self, [cols[:, :, j, ...] for j in range(kp)], tuple(x_shape[:2]) + padded, kernel, stride,
                       dilation, tuple(g.shape[2:]))
        return _crop(gpad, padding)

    def pool_select(self, x: Array, offsets: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                    padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> Array:
        """The value of ``x`` at each window's ``offsets`` (the adjoint of ``max_pool_grad``)."""
        xp = self.xp
        xpad = _pad_value(self, x, padding, 0.0)
        cols = _im2col(xp, xpad, kernel, stride, dilation, tuple(offsets.shape[2:]))
        return xp.squeeze(xp.take_along_axis(cols, xp.expand_dims(offsets, axis=2), axis=2), axis=2)

    def avg_pool(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[tuple[int, int], ...], divisor: Array) -> Array:
        """Window sums (zero padding) divided by ``divisor`` (broadcastable to the output)."""
        xp = self.xp
        xpad = _pad_value(self, x, padding, 0.0)
        ones = (1,) * len(kernel)
        out_sp = _out_shape(tuple(xpad.shape[2:]), kernel, stride, ones)
        cols = _im2col(xp, xpad, kernel, stride, ones, out_sp)
        return xp.divide(xp.sum(cols, axis=2), divisor)

    def avg_pool_grad(self, g: Array, x_shape: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                      padding: tuple[tuple[int, int], ...], divisor: Array) -> Array:
        xp = self.xp
        kp = math.prod(kernel)
        share = xp.divide(g, divisor)
        cols = xp.broadcast_to(xp.expand_dims(share, axis=2), tuple(g.shape[:2]) + (kp,) + tuple(g.shape[2:]))
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        gpad = _col2im(self, [cols[:, :, j, ...] for j in range(kp)], tuple(x_shape[:2]) + padded, kernel, stride,
                       (1,) * len(kernel), tuple(g.shape[2:]))
        return _crop(gpad, padding)


    # ------------------------------------------------------------------ selection
    def topk_indices(self, x: Array, k: int, axis: int, largest: bool) -> Array:
        """int64 indices of the first ``k`` elements along ``axis`` in stable sorted order:
        descending with NaN first when ``largest``, else ascending with NaN last; equal
        elements in index order (``torch.topk``'s order). ``x`` is real-valued (not bool)."""
        xp = self.xp
        if largest:
            # descending and stable: ascending on the reversed array, reversed back
            reversed_order = xp.argsort(xp.flip(x, axis=axis), axis=axis, stable=True)
            order = xp.subtract(xp.asarray(x.shape[axis] - 1, dtype=reversed_order.dtype),
                                xp.flip(reversed_order, axis=axis))
        else:
            order = xp.argsort(x, axis=axis, stable=True)
        order = order[(slice(None),) * axis + (slice(0, k), Ellipsis)]
        i64 = self.native_dtype("int64")
        return order if order.dtype == i64 else xp.astype(order, i64)

    # ------------------------------------------------------------------ random bits
    def random_bits(self, key: tuple[int, int], counter: int, n: int) -> Array:
        """``n`` uint32 values: Threefry-2x32 of counters ``counter .. counter+ceil(n/2)-1``
        under ``key``. Identical on every backend."""
        xp = self.xp
        blocks = (n + 1) // 2
        lo_start = counter & _MASK32
        lo = xp.add(xp.arange(blocks, dtype=xp.uint32), xp.asarray(lo_start, dtype=xp.uint32))
        carry = xp.astype(xp.less(lo, xp.asarray(lo_start, dtype=xp.uint32)), xp.uint32)
        hi = xp.add(carry, xp.asarray((counter >> 32) & _MASK32, dtype=xp.uint32))
        x0, x1 = threefry2x32(xp, key, hi, lo)
        return xp.reshape(xp.stack([x0, x1], axis=1), (-1,))[:n]

    # -- batch normalization in training mode (one graph node; see nn/_fused_norm.py)
    def batch_norm_forward(self, x: Array, weight: Array | None, bias: Array | None,
                           eps: float) -> tuple[Array, Array, Array]:
        """Normalize ``x`` (N, C, *) per channel over every other dim with the batch's statistics, then
        scale by ``weight`` (C,) and shift by ``bias`` (C,) when given. Returns ``(y, mean, var)``: the
        output (x's shape), the channel means (C,) and the biased channel variances (C,)."""
        xp = self.xp
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean = xp.mean(x, axis=axes, keepdims=True)
        centered = xp.subtract(x, mean)
        var = xp.mean(xp.multiply(centered, centered), axis=axes, keepdims=True)
        y = xp.multiply(centered, xp.divide(xp.ones((), dtype=x.dtype), xp.sqrt(xp.add(var, eps))))
        if weight is not None:
            y = xp.multiply(y, xp.reshape(weight, bshape))
        if bias is not None:
            y = xp.add(y, xp.reshape(bias, bshape))
        return y, xp.reshape(mean, (x.shape[1],)), xp.reshape(var, (x.shape[1],))

    def batch_norm_backward(self, dy: Array, x: Array, mean: Array, var: Array, weight: Array | None,
                            eps: float) -> tuple[Array, Array, Array]:
        """Gradients of ``batch_norm_forward`` for upstream ``dy``, from its input ``x``, its ``mean``
        and ``var`` and the ``weight`` (or None): ``(dx, dweight, dbias)``, with
        ``dx = weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))`` (means over all dims but 1)."""
        xp = self.xp
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        count = math.prod(x.shape) // x.shape[1]
        invstd = xp.divide(xp.ones((), dtype=x.dtype), xp.sqrt(xp.add(var, eps)))
        xhat = xp.multiply(xp.subtract(x, xp.reshape(mean, bshape)), xp.reshape(invstd, bshape))
        dbias = xp.sum(dy, axis=axes)
        dweight = xp.sum(xp.multiply(dy, xhat), axis=axes)
        inner = xp.subtract(xp.subtract(dy, xp.reshape(xp.divide(dbias, count), bshape)),
                            xp.multiply(xhat, xp.reshape(xp.divide(dweight, count), bshape)))
        scale = invstd if weight is None else xp.multiply(invstd, weight)
        return xp.multiply(inner, xp.reshape(scale, bshape)), dweight, dbias

    # -- LSTM over a whole sequence (one graph node per layer and direction; see nn/_fused_rnn.py)
    def lstm_forward(self, xw: Array, h0: Array, c0: Array, w_hh: Array, reverse: bool) -> tuple[Array, Array, Array]:
        """The LSTM recurrence over time-major input projections ``xw`` (T, N, 4H) (``x W_ih^T`` plus
        both biases), from ``h0``, ``c0`` (N, H) with ``w_hh`` (4H, H), gates in PyTorch's order i, f,
        g, o; ``reverse`` runs from the last step to the first. Returns ``(hs, cs, gates)``: the
        hidden and cell state after each step (T, N, H), at the step's own position, and the
        activated gates (T, N, 4H), which the backward kernel needs."""
        xp = self.xp
        n_steps, n_hidden = xw.shape[0], h0.shape[-1]
        w_t = xp.matrix_transpose(w_hh)
        h, c = h0, c0
        hs: list[Array] = [h0] * n_steps
        cs: list[Array] = [c0] * n_steps
        gates: list[Array] = [xw[0, ...]] * n_steps
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            z = xp.add(xw[t, ...], xp.matmul(h, w_t))
            i = _sigmoid(xp, z[:, :n_hidden])
            f = _sigmoid(xp, z[:, n_hidden: 2 * n_hidden])
            g = xp.tanh(z[:, 2 * n_hidden: 3 * n_hidden])
            o = _sigmoid(xp, z[:, 3 * n_hidden:])
            c = xp.add(xp.multiply(f, c), xp.multiply(i, g))
            h = xp.multiply(o, xp.tanh(c))
            hs[t], cs[t], gates[t] = h, c, xp.concat([i, f, g, o], axis=-1)
        return xp.stack(hs, axis=0), xp.stack(cs, axis=0), xp.stack(gates, axis=0)

    def lstm_backward(self, dhs: Array, dc_n: Array, hs: Array, cs: Array, gates: Array, h0: Array, c0: Array,
                      w_hh: Array, reverse: bool) -> tuple[Array, Array, Array, Array]:
        """Gradients of ``lstm_forward`` for upstream ``dhs`` (T, N, H) (the hidden states; the last
        one's gradient included) and ``dc_n`` (N, H) (the final cell state): ``(dxw, dh0, dc0,
        dw_hh)``. The recurrence runs backwards once; the weight gradient is one matrix product over
        all steps."""
        xp = self.xp
        n_steps, n_hidden = hs.shape[0], h0.shape[-1]
        order = list(range(n_steps - 1, -1, -1) if reverse else range(n_steps))
        dh_carry, dc = xp.zeros_like(h0), dc_n
        dz: list[Array] = [gates[0, ...]] * n_steps
        for k in range(n_steps - 1, -1, -1):
            t = order[k]
            c_prev = c0 if k == 0 else cs[order[k - 1], ...]
            gt = gates[t, ...]
            i, f = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden]
            g, o = gt[:, 2 * n_hidden: 3 * n_hidden], gt[:, 3 * n_hidden:]
            dh = xp.add(dhs[t, ...], dh_carry)
            tc = xp.tanh(cs[t, ...])
            dc = xp.add(dc, xp.multiply(xp.multiply(dh, o), xp.subtract(1.0, xp.multiply(tc, tc))))
            dzt = xp.concat([
                xp.multiply(xp.multiply(dc, g), xp.multiply(i, xp.subtract(1.0, i))),
                xp.multiply(xp.multiply(dc, c_prev), xp.multiply(f, xp.subtract(1.0, f))),
                xp.multiply(xp.multiply(dc, i), xp.subtract(1.0, xp.multiply(g, g))),
                xp.multiply(xp.multiply(dh, tc), xp.multiply(o, xp.subtract(1.0, o))),
            ], axis=-1)
            dc = xp.multiply(dc, f)
            dh_carry = xp.matmul(dzt, w_hh)
            dz[t] = dzt
        dxw = xp.stack(dz, axis=0)
        # h_{t-1} of every step, in step order: the weight gradient is one product over all of them
        h_prev = xp.stack([h0 if k == 0 else hs[order[k - 1], ...] for k in range(n_steps)], axis=0)
        dz_steps = xp.stack([dz[t] for t in order], axis=0)
        rows = n_steps * h0.shape[0]
        dw = xp.matmul(xp.matrix_transpose(xp.reshape(dz_steps, (rows, 4 * n_hidden))),
                       xp.reshape(h_prev, (rows, n_hidden)))
        return dxw, dh_carry, dc, dw

    # -- GRU over a whole sequence (one graph node per layer and direction; see nn/_fused_rnn.py)
    def gru_forward(self, xw: Array, h0: Array, w_hh: Array, b_hh: Array | None,
                    reverse: bool) -> tuple[Array, Array, Array]:
        """The GRU recurrence over time-major input projections ``xw`` (T, N, 3H) (``x W_ih^T + b_ih``),
        from ``h0`` (N, H) with ``w_hh`` (3H, H) and ``b_hh`` (3H,) or None, gates in PyTorch's order
        r, z, n (``n = tanh(x_n + r * (h W_hn^T + b_hn))``); ``reverse`` runs from the last step to the
        first. Returns ``(hs, gates, h_n_proj)``: the hidden state after each step (T, N, H) at the
        step's own position, the activated gates r, z, n (T, N, 3H) and ``h W_hn^T + b_hn`` of each
        step (T, N, H), which the backward kernel needs."""
        xp = self.xp
        n_steps, n_hidden = xw.shape[0], h0.shape[-1]
        w_t = xp.matrix_transpose(w_hh)
        h = h0
        hs: list[Array] = [h0] * n_steps
        gates: list[Array] = [xw[0, ...]] * n_steps
        hns: list[Array] = [h0] * n_steps
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            hw = xp.matmul(h, w_t)
            if b_hh is not None:
                hw = xp.add(hw, b_hh)
            x_t = xw[t, ...]
            r = _sigmoid(xp, xp.add(x_t[:, :n_hidden], hw[:, :n_hidden]))
            z = _sigmoid(xp, xp.add(x_t[:, n_hidden: 2 * n_hidden], hw[:, n_hidden: 2 * n_hidden]))
            h_n = hw[:, 2 * n_hidden:]
            n = xp.tanh(xp.add(x_t[:, 2 * n_hidden:], xp.multiply(r, h_n)))
            h = xp.add(n, xp.multiply(z, xp.subtract(h, n)))
            hs[t], gates[t], hns[t] = h, xp.concat([r, z, n], axis=-1), h_n
        return xp.stack(hs, axis=0), xp.stack(gates, axis=0), xp.stack(hns, axis=0)

    def gru_backward(self, dhs: Array, hs: Array, gates: Array, h_n_proj: Array, h0: Array, w_hh: Array,
                     reverse: bool) -> tuple[Array, Array, Array, Array]:
        """Gradients of ``gru_forward`` for upstream ``dhs`` (T, N, H) (every hidden state's, the last
        one's included): ``(dxw, dh0, dw_hh, db_hh)``. The recurrence runs backwards once; the weight
        gradient is one matrix product over all steps."""
        xp = self.xp
        n_steps, n_hidden = hs.shape[0], h0.shape[-1]
        order = list(range(n_steps - 1, -1, -1) if reverse else range(n_steps))
        dh_carry = xp.zeros_like(h0)
        dxw: list[Array] = [gates[0, ...]] * n_steps
        dhw: list[Array] = [gates[0, ...]] * n_steps
        for k in range(n_steps - 1, -1, -1):
            t = order[k]
            h_prev = h0 if k == 0 else hs[order[k - 1], ...]
            gt = gates[t, ...]
            r, z, n = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden], gt[:, 2 * n_hidden:]
            dh = xp.add(dhs[t, ...], dh_carry)
            dn = xp.multiply(xp.multiply(dh, xp.subtract(1.0, z)), xp.subtract(1.0, xp.multiply(n, n)))
            dz = xp.multiply(xp.multiply(dh, xp.subtract(h_prev, n)), xp.multiply(z, xp.subtract(1.0, z)))
            dr = xp.multiply(xp.multiply(dn, h_n_proj[t, ...]), xp.multiply(r, xp.subtract(1.0, r)))
            dxw[t] = xp.concat([dr, dz, dn], axis=-1)
            dhw[t] = xp.concat([dr, dz, xp.multiply(dn, r)], axis=-1)
            dh_carry = xp.add(xp.multiply(dh, z), xp.matmul(dhw[t], w_hh))
        # h_{t-1} of every step, in step order: the weight gradient is one product over all of them
        h_prev_all = xp.stack([h0 if k == 0 else hs[order[k - 1], ...] for k in range(n_steps)], axis=0)
        dhw_steps = xp.stack([dhw[t] for t in order], axis=0)
        rows = n_steps * h0.shape[0]
        flat = xp.reshape(dhw_steps, (rows, 3 * n_hidden))
        dw = xp.matmul(xp.matrix_transpose(flat), xp.reshape(h_prev_all, (rows, n_hidden)))
        return xp.stack(dxw, axis=0), dh_carry, dw, xp.sum(flat, axis=0)

    # -- optimizer updates: one call per parameter group (foreach style; see arraygrad/optim)
    # The reference computes new arrays; ``in_place=True`` lets a backend whose arrays may be written
    # (numpy) update the given parameter and state arrays themselves and return those same objects.
    def sgd_update(self, params: list[Array], grads: list[Array], momentum_buffers: list[Array | None], *,
                   lr: Any, momentum: float, dampening: float, weight_decay: float, nesterov: bool, maximize: bool,
                   in_place: bool = False) -> tuple[list[Array], list[Array | None]]:
        """One SGD step for every parameter of a group, as ``torch.optim.SGD``.

        For each parameter: ``g = ±grad + weight_decay * param``; with momentum, ``buf = g`` on
        the first step (``momentum_buffer`` None) and ``buf = momentum * buf + (1 - dampening) * g``
        after, then ``g = g + momentum * buf`` (Nesterov) or ``g = buf``; finally
        ``param - lr * g``.

        Args:
            params: the parameters' arrays.
            grads: their gradients (same shapes and dtypes; never written).
            momentum_buffers: the momentum buffers, None for a parameter before its first step
                (all None without momentum).
            lr: the learning rate (a Python number, or a traced scalar under ``ag.compile``).
            momentum: the momentum factor (0 for plain SGD).
            dampening: the dampening of the momentum.
            weight_decay: the L2 penalty added to the gradient.
            nesterov: whether to use Nesterov momentum.
            maximize: whether to ascend the gradient instead of descending it.
            in_place: whether the arrays of ``params`` and ``momentum_buffers`` may be written;
                the reference never writes them.

        Returns:
            ``(new_params, new_momentum_buffers)``, lists in the order of ``params`` (buffers
            stay None without momentum). Where a backend updated an array in place the list
            holds that same array object.
        """
        xp = self.xp
        new_params: list[Array] = []
        new_buffers: list[Array | None] = []
        for param, grad, buf in zip(params, grads, momentum_buffers):
            if maximize:
                grad = xp.negative(grad)
            if weight_decay != 0:
                grad = xp.add(grad, xp.multiply(param, weight_decay))
            if momentum != 0:
                if buf is None:
                    buf = grad
                else:
                    scaled = grad if dampening == 0 else xp.multiply(grad, 1 - dampening)
                    buf = xp.add(xp.multiply(buf, momentum), scaled)
                grad = xp.add(grad, xp.multiply(buf, momentum)) if nesterov else buf
            new_params.append(xp.subtract(param, xp.multiply(grad, lr)))
            new_buffers.append(buf)
        return new_params, new_buffers

    def adam_update(self, params: list[Array], grads: list[Array], exp_avgs: list[Array], exp_avg_sqs: list[Array],
                    max_exp_avg_sqs: list[Array | None], steps: list[Any], *, lr: Any, beta1: float, beta2: float,
                    eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                    decoupled_weight_decay: bool = False,
                    in_place: bool = False) -> tuple[list[Array], list[Array], list[Array], list[Array | None]]:
        """One Adam step for every parameter of a group, as ``torch.optim.Adam``.

        For each parameter: ``m = m + (1 - beta1) (g - m)``, ``v = beta2 v + (1 - beta2) g^2``
        (``vmax = max(vmax, v)`` with AMSGrad, used in place of ``v``), then
        ``param - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)`` with ``bc_i = 1 - beta_i**step``,
        computed as ``param - (lr sqrt(bc2)/bc1) * m / (sqrt(v) + eps sqrt(bc2))``. Weight decay
        adds ``weight_decay * param`` to the gradient or, decoupled (AdamW), first scales the
        parameter by ``1 - lr * weight_decay``.

        Args:
            params: the parameters' arrays.
            grads: their gradients (same shapes and dtypes; never written).
            exp_avgs: the running averages of the gradient.
            exp_avg_sqs: the running averages of the squared gradient.
            max_exp_avg_sqs: AMSGrad's running maxima of ``exp_avg_sqs`` (None entries without amsgrad).
            steps: each parameter's step number, counting from 1 (this step included).
            lr: the learning rate (a Python number, or a traced scalar under ``ag.compile``).
            beta1: the decay of the gradient's running average.
            beta2: the decay of the squared gradient's running average.
            eps: added to the denominator for numerical stability.
            weight_decay: the weight decay factor.
            amsgrad: whether to use the AMSGrad variant.
            maximize: whether to ascend the gradient instead of descending it.
            decoupled_weight_decay: whether the weight decay scales the parameter (AdamW) instead
                of entering the gradient.
            in_place: whether the parameter and state arrays may be written; the reference never
                writes them.

        Returns:
            ``(new_params, new_exp_avgs, new_exp_avg_sqs, new_max_exp_avg_sqs)``, lists in the
            order of ``params``. Where a backend updated an array in place the list holds that
            same array object.
        """
        xp = self.xp
        out: tuple[list[Array], list[Array], list[Array], list[Array | None]] = ([], [], [], [])
        for param, grad, exp_avg, exp_avg_sq, vmax, step in zip(params, grads, exp_avgs, exp_avg_sqs,
                                                                 max_exp_avg_sqs, steps):
            if maximize:
                grad = xp.negative(grad)
            if weight_decay != 0:
                if decoupled_weight_decay:
                    param = xp.multiply(param, 1 - lr * weight_decay)
                else:
                    grad = xp.add(grad, xp.multiply(param, weight_decay))
            exp_avg = xp.add(exp_avg, xp.multiply(xp.subtract(grad, exp_avg), 1 - beta1))
            exp_avg_sq = xp.add(xp.multiply(exp_avg_sq, beta2), xp.multiply(xp.multiply(grad, grad), 1 - beta2))
            second = exp_avg_sq
            if amsgrad:
                vmax = xp.maximum(vmax, exp_avg_sq)
                second = vmax
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            # m / (sqrt(v)/s + eps) == s * m / (sqrt(v) + eps * s): one array operation fewer
            denom = xp.add(xp.sqrt(second), eps * bias_correction2_sqrt)
            step_size = lr * bias_correction2_sqrt / bias_correction1
            param = xp.subtract(param, xp.multiply(xp.divide(exp_avg, denom), step_size))
            for results, value in zip(out, (param, exp_avg, exp_avg_sq, vmax)):
                results.append(value)
        return out

    def adamw_update(self, params: list[Array], grads: list[Array], exp_avgs: list[Array], exp_avg_sqs: list[Array],
                     max_exp_avg_sqs: list[Array | None], steps: list[Any], *, lr: Any, beta1: float, beta2: float,
                     eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                     in_place: bool = False) -> tuple[list[Array], list[Array], list[Array], list[Array | None]]:
        """One AdamW step for every parameter of a group, as ``torch.optim.AdamW``: ``adam_update``
        with decoupled weight decay (each parameter is first scaled by ``1 - lr * weight_decay``).

        Args:
            params: the parameters' arrays.
            grads: their gradients (same shapes and dtypes; never written).
            exp_avgs: the running averages of the gradient.
            exp_avg_sqs: the running averages of the squared gradient.
            max_exp_avg_sqs: AMSGrad's running maxima of ``exp_avg_sqs`` (None entries without amsgrad).
            steps: each parameter's step number, counting from 1 (this step included).
            lr: the learning rate (a Python number, or a traced scalar under ``ag.compile``).
            beta1: the decay of the gradient's running average.
            beta2: the decay of the squared gradient's running average.
            eps: added to the denominator for numerical stability.
            weight_decay: the decoupled weight decay factor.
            amsgrad: whether to use the AMSGrad variant.
            maximize: whether to ascend the gradient instead of descending it.
            in_place: whether the parameter and state arrays may be written.

        Returns:
            ``(new_params, new_exp_avgs, new_exp_avg_sqs, new_max_exp_avg_sqs)``, as ``adam_update``.
        """
        return self.adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr=lr, beta1=beta1,
                                beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                                decoupled_weight_decay=True, in_place=in_place)


def _sigmoid(xp: ModuleType, x: Array) -> Array:
    """``1 / (1 + exp(-x))`` without overflow (``ops.sigmoid``'s formula)."""
    e = xp.exp(xp.negative(xp.abs(x)))
    return xp.where(x >= 0, xp.divide(1.0, xp.add(e, 1.0)), xp.divide(e, xp.add(e, 1.0)))


def _out_shape(padded: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
               dilation: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation))


def _offsets(kernel: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every kernel offset, in row-major order (the order of the flattened kernel)."""
    out: list[tuple[int, ...]] = [()]
    for k in kernel:
        out = [o + (i,) for o in out for i in range(k)]
    return out


def _window_key(offset: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
                out_sp: tuple[int, ...]) -> Key:
    return (slice(None), slice(None)) + tuple(
        slice(k * d, k * d + s * (o - 1) + 1, s) for k, s, d, o in zip(offset, stride, dilation, out_sp)
    )


def _im2col(xp: ModuleType, xpad: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
            dilation: tuple[int, ...], out_sp: tuple[int, ...]) -> Array:
    """(N, C, prod(kernel), *out): the input value under each kernel offset at each output position."""
    return xp.stack([xpad[_window_key(off, stride, dilation, out_sp)] for off in _offsets(kernel)], axis=2)


def _col2im(backend: Backend, pieces: list[Array], padded_shape: tuple[int, ...], kernel: tuple[int, ...],
            stride: tuple[int, ...], dilation: tuple[int, ...], out_sp: tuple[int, ...]) -> Array:
    """The adjoint of the window gathering: add each kernel offset's piece (shaped like the
    first two dims of ``padded_shape`` plus ``out_sp``) back where it was read from."""
    out = backend.xp.zeros(padded_shape, dtype=pieces[0].dtype)
    for piece, off in zip(pieces, _offsets(kernel)):
        out = backend.add_at(out, _window_key(off, stride, dilation, out_sp), piece)
    return out


def _channels_last_to_first(xp: ModuleType, x: Array) -> Array:
    """Swap the first two axes: (N, C, ...) <-> (C, N, ...)."""
    return xp.permute_dims(x, (1, 0) + tuple(range(2, x.ndim)))


def _pad_value(backend: Backend, x: Array, padding: tuple[tuple[int, int], ...], value: float) -> Array:
    if all(lo == 0 and hi == 0 for lo, hi in padding):
        return x
    shape = tuple(x.shape[:2]) + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding))
    out = backend.xp.full(shape, value, dtype=x.dtype)
    key = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], padding))
    return backend.set_at(out, key, x)


def _crop(x: Array, padding: tuple[tuple[int, int], ...]) -> Array:
    return x[(slice(None), slice(None)) + tuple(slice(lo, x.shape[2 + i] - hi) for i, (lo, hi) in enumerate(padding))]


def _drop_none(key: Key) -> Key:
    return tuple(k for k in key if k is not None)


def _without_none(x: Array, key: Key, value: Array) -> tuple[Key, Array]:
    """``__setitem__`` of the standard takes no ``None``: drop it from the key and reshape
    ``value`` (shaped like ``x[key]``) to the shape of ``x[key without None]``."""
    if not any(k is None for k in key):
        return key, value
    key = _drop_none(key)
    return key, value.__array_namespace__().reshape(value, x[key].shape)


def _is_array(k: Any) -> bool:
    return hasattr(k, "shape") and hasattr(k, "dtype")


def _expand_ellipsis(key: Key, ndim: int) -> Key:
    """Replace ``...`` (or pad the end) with full slices so the key covers every axis.
    Expects a key without None and without boolean arrays: each entry consumes one axis."""
    consumed = sum(1 for k in key if k is not Ellipsis)
    fill = (slice(None),) * (ndim - consumed)
    for pos, k in enumerate(key):
        if k is Ellipsis:
            return key[:pos] + fill + key[pos + 1 :]
    return key + fill


def _expand_none(xp: ModuleType, x: Array, key: Key) -> tuple[Array, Key]:
    """Insert the axes asked for by ``None`` first, so the rest of the key has no None."""
    if not any(k is None for k in key):
        return x, key
    n_new = sum(k is None for k in key)
    key = _bools_to_ints(xp, key)
    consumed = sum(1 for k in key if k is not Ellipsis)  # None entries count as new axes
    fill = (slice(None),) * (x.ndim + n_new - consumed)
    for pos, k in enumerate(key):
        if k is Ellipsis:
            key = key[:pos] + fill + key[pos + 1 :]
            break
    else:
        key = key + fill
    shape, src = [], 0
    for k in key:
        if k is None:
            shape.append(1)
        else:
            shape.append(x.shape[src])
            src += 1
    return xp.reshape(x, tuple(shape)), tuple(slice(None) if k is None else k for k in key)


def _bools_to_ints(xp: ModuleType, key: Key) -> Key:
    out: list[Any] = []
    for k in key:
        if _is_array(k) and k.dtype == xp.bool:
            if k.ndim == 0:
                raise IndexError("indexing with a 0-d boolean array is not supported; use a 1-d or larger mask")
            out.extend(xp.nonzero(k))
        else:
            out.append(k)
    return tuple(out)


def _put_last_wins(xp: ModuleType, flat: Array, positions: Array, values: Array) -> Array:
    """``flat`` with ``flat[positions] = values``; where a position repeats, the last write wins.

    The standard has no scatter, so each element looks its last writer up in the stably sorted
    positions by binary search: O((n + k) log k) instead of a k x n comparison matrix.
    """
    order = xp.argsort(positions, stable=True)
    ordered = xp.take(positions, order)
    targets = xp.arange(flat.shape[0], dtype=positions.dtype)
    last = xp.subtract(xp.searchsorted(ordered, targets, side="right"), 1)
    found = xp.clip(last, 0, None)
    hit = xp.logical_and(xp.greater_equal(last, 0), xp.equal(xp.take(ordered, found), targets))
    return xp.where(hit, xp.take(values, xp.take(order, found)), flat)


def _normalize_index(xp: ModuleType, idx: Array, size: int, axis: int) -> Array:
    """Wrap negative indices and check bounds (jax would clamp out-of-range indices silently)."""
    if idx.dtype != xp.int64:
        idx = xp.astype(idx, xp.int64)
    if math.prod(idx.shape) == 0:
        return idx
    lo, hi = int(xp.min(idx)), int(xp.max(idx))
    if lo < -size or hi >= size:
        bad = hi if hi >= size else lo
        raise IndexError(f"index {bad} is out of bounds for dimension {axis} with size {size}")
    return xp.where(idx < 0, xp.add(idx, size), idx)


#: numpy's RuntimeWarnings for IEEE floating-point exceptions (log(0), 0/0, overflow) and empty means
FLOATING_POINT_WARNINGS = r"(divide by zero|invalid value|overflow|underflow) encountered|Mean of empty slice"


def ignore_floating_point_warnings(module: str) -> None:
    """Ignore numpy's floating-point RuntimeWarnings raised from modules matching ``module``.

    PyTorch returns the IEEE result (``log(0) = -inf``, ``0/0 = nan``) silently, where numpy warns
    on every such op. A warnings filter keyed on the module that triggers the warning costs nothing
    per op and leaves warnings from the user's own numpy code alone.
    """
    warnings.filterwarnings("ignore", message=FLOATING_POINT_WARNINGS, category=RuntimeWarning, module=module)


class StrictBackend(Backend):
    """The reference kernels on array-api-strict: the proof that core code is standard-only."""

    name = "strict"
    low_precision_note = "array-api-strict implements only the array API standard's dtypes, which lack float16 and bfloat16"

    def __init__(self) -> None:
        import array_api_strict

        self.xp = array_api_strict
        super().__init__()
        # array-api-strict calls numpy, so its numpy warnings are raised from its own modules
        ignore_floating_point_warnings(r"array_api_strict\.")
