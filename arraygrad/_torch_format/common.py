"""What reading and writing PyTorch's formats share: the legacy stream's magic numbers, the storage and
dtype names, the load limits, the two load errors, and how a file or path is recognised."""

from __future__ import annotations

import os
import pickle
from typing import Any

import numpy as np

__all__ = [
    "LEGACY_MAGIC", "LEGACY_PROTOCOL", "LEGACY_PREFIX", "STORAGE_DTYPES", "TORCH_DTYPES", "MAX_EXPANDED_BYTES",
    "MAX_INFLATION", "Refused", "LoadError", "host_dtype", "is_zip", "is_legacy", "os_fspath",
]

#: the first value of a legacy stream (``torch.serialization.MAGIC_NUMBER``)
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
#: what the legacy stream starts with: PROTO 2, LONG1 of 10 bytes, the magic number's bytes
LEGACY_PREFIX = b"\x80\x02\x8a\x0a" + LEGACY_MAGIC.to_bytes(10, "little")

#: modules whose globals are refused even when allowlisted (PyTorch's list)
_BLOCKED_MODULES = frozenset({"sys", "os", "posix", "nt"})

#: ``torch.<X>Storage`` -> arraygrad dtype name
STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128", "UntypedStorage": "uint8",
}
_DTYPE_STORAGES = {v: k for k, v in STORAGE_DTYPES.items() if k != "UntypedStorage"}
#: ``torch.<name>`` dtype globals -> arraygrad dtype name
TORCH_DTYPES = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64", "float16": "float16",
    "half": "float16", "bfloat16": "bfloat16", "int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
    "int16": "int16", "short": "int16", "int8": "int8", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
    "uint64": "uint64", "bool": "bool", "complex64": "complex64", "cfloat": "complex64",
    "complex128": "complex128", "cdouble": "complex128",
}
#: a broadcast tensor (zero strides) is copied densely; past this size that copy is refused
MAX_EXPANDED_BYTES = 1 << 30
#: compressed storages (which ``torch.save`` never writes) may inflate to this many times the file's
#: size (plus 64 MiB), not more: a zip bomb is refused before it is inflated
MAX_INFLATION = 32

class Refused(pickle.UnpicklingError):
    """A weights-only load met a global (or an opcode) it does not allow, or a global could not be
    found. ``refused`` names what a weights-only load refused (``"os.system"``), else None."""

    def __init__(self, message: str, refused: str | None = None) -> None:
        super().__init__(message)
        self.refused = refused


class LoadError(ValueError):
    """The file asks for something this loader cannot do (an unsupported dtype, mmap of a
    compressed record...)."""


def host_dtype(name: str) -> np.dtype:
    """The numpy dtype holding arraygrad dtype ``name`` on the host."""
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise LoadError("reading bfloat16 tensors needs the ml_dtypes package") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def is_zip(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a zip archive."""
    return head[:4] == b"PK\x03\x04"


def is_legacy(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a legacy ``torch.save`` stream."""
    return head[: len(LEGACY_PREFIX)] == LEGACY_PREFIX


def os_fspath(f: Any) -> str | None:
    """``f`` as a path string, or None for a file object."""
    try:
        return os.fsdecode(os.fspath(f))
    except TypeError:
        return None
