"""``Backend``, the base class of every adapter: dtypes, devices, host transfer, memory layout and
the hooks of ``ag.compile``, with the kernel families of the sibling modules as its bases."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from arraygrad.backends.reference._types import Array, Key
from arraygrad.backends.reference.conv import ConvKernels
from arraygrad.backends.reference.indexing import IndexingKernels
from arraygrad.backends.reference.normalization import NormalizationKernels
from arraygrad.backends.reference.optimizer import OptimizerKernels
from arraygrad.backends.reference.random import RandomKernels
from arraygrad.backends.reference.recurrent import RecurrentKernels

__all__ = ["DTYPE_NAMES", "FLOAT_NAMES", "Backend", "TracedValueError"]

DTYPE_NAMES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
)
FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")


class TracedValueError(RuntimeError):
    """A traced placeholder was asked for its value on the host (``.item()``, ``.numpy()``, a Python
    ``if`` on a tensor) while ``ag.compile`` traced a function."""


class Backend(IndexingKernels, ConvKernels, RandomKernels, NormalizationKernels, RecurrentKernels, OptimizerKernels):
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
