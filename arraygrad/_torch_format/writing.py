"""Writing PyTorch's zip layout: pickling as ``torch.save`` does, then the archive's records."""

from __future__ import annotations

import io
import pickle
import secrets
import struct
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from arraygrad._torch_format.common import _DTYPE_STORAGES
from arraygrad.core import dtypes
from arraygrad.core.tensor import Size, Tensor
from arraygrad.core.tensor import device as Device

__all__ = ["PreparedZip", "prepare_zip", "write_zip"]


class _TorchGlobal:
    """A reference to ``module.name`` written as a pickle GLOBAL without importing it."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:  # pickle wants reduce functions to be callable
        raise TypeError(f"{self.module}.{self.name} is only a name written into a checkpoint")


_REBUILD_TENSOR_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_TENSOR_V3 = _TorchGlobal("torch._utils", "_rebuild_tensor_v3")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_ORDERED_DICT = _TorchGlobal("collections", "OrderedDict")


class _StorageOut:
    def __init__(self, key: str, dtype_name: str, numel: int) -> None:
        self.key, self.dtype_name, self.numel = key, dtype_name, numel


class _PlainTensor:
    """A parameter's data, pickled as a plain tensor."""

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


class _Writer(pickle._Pickler):  # type: ignore[name-defined,misc]
    """Pickles like ``torch.save``: tensors as ``_rebuild_tensor_v2`` calls on storages (persistent
    ids), dtypes as ``torch.float32``-style globals, ``Size`` and ``device`` as PyTorch's."""

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        self.storages: dict[str, np.ndarray] = {}
        self.param_type: Any = None

    def save_torch_global(self, obj: _TorchGlobal) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())  # type: ignore[attr-defined]
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch[_TorchGlobal] = save_torch_global  # type: ignore[assignment]

    def save_dtype(self, obj: dtypes.dtype) -> None:
        self.write(pickle.GLOBAL + f"torch\n{obj.name}\n".encode())  # type: ignore[attr-defined]
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch[dtypes.dtype] = save_dtype  # type: ignore[assignment]

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _StorageOut):
            if obj.dtype_name not in _DTYPE_STORAGES:  # stored as bytes (``_rebuild_tensor_v3``)
                return ("storage", _TorchGlobal("torch.storage", "UntypedStorage"), obj.key, "cpu", obj.numel)
            return ("storage", _TorchGlobal("torch", _DTYPE_STORAGES[obj.dtype_name]), obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _PlainTensor):
            return self._tensor(obj.tensor, False)
        if isinstance(obj, Tensor):
            if self.param_type is None:
                from arraygrad.nn import Parameter

                self.param_type = Parameter
            if isinstance(obj, self.param_type):
                return (_REBUILD_PARAMETER, (_PlainTensor(obj), obj.requires_grad, OrderedDict()))
            return self._tensor(obj, obj.requires_grad)
        if type(obj) is Size:
            return (_TorchGlobal("torch", "Size"), (tuple(int(s) for s in obj),))
        if type(obj) is Device:
            return (_TorchGlobal("torch", "device"), (str(obj),))
        return NotImplemented

    def _tensor(self, t: Tensor, requires_grad: bool) -> tuple[Any, ...]:
        name = t.dtype.name
        host = np.ascontiguousarray(t.detach().numpy())
        if host.dtype.byteorder == ">":
            host = host.astype(host.dtype.newbyteorder("<"))
        key = str(len(self.storages))
        self.storages[key] = host
        shape = tuple(int(s) for s in host.shape)
        strides, step = [], 1
        for n in reversed(shape):
            strides.append(step)
            step *= max(n, 1)
        stride = tuple(reversed(strides))
        if name not in _DTYPE_STORAGES:
            storage = _StorageOut(key, name, int(host.nbytes))
            return (_REBUILD_TENSOR_V3, (storage, 0, shape, stride, requires_grad, OrderedDict(), t.dtype))
        storage = _StorageOut(key, name, int(host.size))
        return (_REBUILD_TENSOR_V2, (storage, 0, shape, stride, requires_grad, OrderedDict()))


#: storages start at multiples of this in the archive, as PyTorch writes them (lets them be mapped)
_ALIGNMENT = 64


class PreparedZip:
    """An object pickled for the zip format: ``data.pkl``'s bytes and the storages it names."""

    def __init__(self, pickled: bytes, storages: dict[str, np.ndarray]) -> None:
        self.pickled, self.storages = pickled, storages


def prepare_zip(obj: Any, protocol: int = 2) -> PreparedZip:
    """Pickle ``obj`` as ``torch.save`` does (raises pickling errors before anything is written)."""
    buffer = io.BytesIO()
    writer = _Writer(buffer, protocol)
    writer.dump(obj)
    return PreparedZip(buffer.getvalue(), writer.storages)


def write_zip(prepared: PreparedZip, out: Any) -> None:
    """Write a prepared object to the binary file ``out`` in ``torch.save``'s zip layout."""
    records: list[tuple[str, Any]] = [
        ("data.pkl", prepared.pickled), (".format_version", b"1"), (".storage_alignment", str(_ALIGNMENT).encode()),
        ("byteorder", b"little"),
    ]
    records += [(f"data/{key}", array) for key, array in prepared.storages.items()]
    records += [("version", b"3\n"), (".data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, payload in records:
            info = zipfile.ZipInfo(f"archive/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            if isinstance(payload, np.ndarray):
                # pad the local header's extra field so that the bytes start aligned, as PyTorch does
                start = archive.start_dir + 30 + len(info.filename.encode("utf-8")) + 4
                pad = (-start) % _ALIGNMENT
                info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # "FB": PyTorch's padding tag
                payload = payload.tobytes()
            archive.writestr(info, payload)
