"""Host buffers: how a tensor's values reach MPI and come back (numpy memory, 16-bit floats widened to
float32) and the MPI datatype of each dtype."""

from __future__ import annotations

from typing import Any

from arraygrad import backends
from arraygrad.backends.reference import Backend
from arraygrad.core.tensor import Tensor
from arraygrad.distributed.c10d.process_group import _mpi

__all__ = ["host_backend", "mpi_datatype", "to_host", "empty_host", "from_host"]


def host_backend() -> Backend:
    """The backend whose arrays are host memory that MPI reads and writes (numpy's)."""
    return backends.get("numpy")


_MPI_TYPE_NAMES = {
    "bool": "C_BOOL", "int8": "INT8_T", "int16": "INT16_T", "int32": "INT32_T", "int64": "INT64_T",
    "uint8": "UINT8_T", "uint16": "UINT16_T", "uint32": "UINT32_T", "uint64": "UINT64_T",
    "float32": "FLOAT", "float64": "DOUBLE", "complex64": "C_FLOAT_COMPLEX", "complex128": "C_DOUBLE_COMPLEX",
}
# MPI has no 16-bit float type; these travel as float32 (exact both ways)
_WIDENED = {"float16": "float32", "bfloat16": "float32"}


def mpi_datatype(dtype_name: str) -> Any:
    """The MPI datatype of arraygrad dtype ``dtype_name`` (after widening 16-bit floats)."""
    return getattr(_mpi(), _MPI_TYPE_NAMES[_WIDENED.get(dtype_name, dtype_name)])


def _check_tensor(op: str, t: Any, what: str = "tensor") -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(t).__name__}")
    if t.is_sparse:
        raise RuntimeError(f"{op}: sparse tensors are not supported; use t.to_dense()")


def _path(*tensors: Tensor) -> str:
    for t in tensors:
        if t._backend.name != "numpy" or t.dtype.name in _WIDENED:
            return "host-staged"
    return "buffer"


def to_host(t: Tensor) -> Any:
    """``t``'s values as a contiguous host array MPI can read (16-bit floats widened to float32).

    On numpy a contiguous tensor's own memory is returned, not a copy: the caller only reads it.
    """
    host = host_backend()
    arr = t._backend.to_numpy(t._storage.array)
    wide = _WIDENED.get(t.dtype.name)
    if wide is not None:
        return host.xp.astype(arr, host.native_dtype(wide))
    if not host.is_row_major(arr):
        arr = host.contiguous_copy(arr)
    return arr


def empty_host(shape: tuple[int, ...], dtype_name: str) -> Any:
    """A new host array MPI can write into, for values of arraygrad dtype ``dtype_name``."""
    host = host_backend()
    return host.xp.empty(shape, dtype=host.native_dtype(_WIDENED.get(dtype_name, dtype_name)))


def from_host(t: Tensor, values: Any) -> None:
    """Make host array ``values`` (``t``'s shape) the values of ``t``, seen by all its aliases."""
    host = host_backend()
    shape = tuple(t._storage.array.shape)
    if tuple(values.shape) != shape:
        values = host.xp.reshape(values, shape)
    arr = t._backend.from_numpy(values, t._backend.native_dtype(t.dtype.name))
    t._set_array(arr)


def _spec(values: Any, dtype_name: str) -> list[Any]:
    return [values, mpi_datatype(dtype_name)]
