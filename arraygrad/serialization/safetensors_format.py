"""arraygrad's safetensors checkpoint layout: the encoder of weights-only objects into tensors plus a JSON
tree, and the reader of those checkpoints and of plain safetensors files."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from arraygrad import _torch_format as tf
from arraygrad.core import dtypes
from arraygrad.core.tensor import Size, Tensor
from arraygrad.serialization._placement import _BackendError, _MapLocationError, _Placement, _PlacementError
from arraygrad.serialization._utils import _is_safetensors_panic, _message

__all__ = ["FORMAT", "FORMAT_VERSION"]

#: the format marker in every checkpoint's metadata
FORMAT = "arraygrad.checkpoint"
#: the newest checkpoint layout this version writes and reads
FORMAT_VERSION = 1
#: the ``__metadata__`` key holding the JSON document
_META_KEY = "arraygrad"
#: metadata that plain-tensor files carry (Hugging Face's ``save_file(..., metadata={"format": "pt"})``)
_PLAIN_METADATA_KEYS = frozenset({"format"})

#: what safetensors can store (complex as pairs of reals); numpy arrays of other dtypes are refused
_ARRAY_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "bfloat16", "float32",
     "float64", "complex64", "complex128"}
)
_COMPLEX_PARTS = {"complex64": np.dtype("float32"), "complex128": np.dtype("float64")}
#: how deeply containers may nest in a weights-only checkpoint (deeper objects are pickled)
_MAX_DEPTH = 100
_ALLOWED = (
    "tensors, numpy arrays, dict, OrderedDict, list, tuple, str, int, float, bool and None; "
    "save a module's or optimizer's .state_dict()"
)


class _NotWeights(TypeError):
    """``obj`` holds something the safetensors layout cannot store (it is pickled instead)."""


class _Encoder:
    """Turns an object into a JSON tree plus a dict of host arrays (the safetensors tensors)."""

    def __init__(self) -> None:
        self.tensors: dict[str, np.ndarray] = {}

    def encode(self, obj: Any, where: str, name: tuple[str, ...], active: set[int]) -> Any:
        kind = type(obj)
        if obj is None or kind is bool or kind is int or kind is str:
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"t": "float", "v": repr(obj)}
        if isinstance(obj, Tensor):
            return self._array(obj.detach().numpy(), obj.dtype.name, "tensor", where, name)
        if isinstance(obj, np.ndarray):
            return self._array(obj, obj.dtype.name, "ndarray", where, name)
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf" and obj.dtype.itemsize <= 8:
            return self.encode(obj.item(), where, name, active)
        if isinstance(obj, dtypes.dtype):
            return {"t": "dtype", "v": obj.name}
        if kind is Size:
            return {"t": "size", "v": [int(s) for s in obj]}
        if kind in (dict, OrderedDict, list, tuple):
            if id(obj) in active:
                raise _NotWeights(f"{where}: an object that contains itself")
            if len(active) >= _MAX_DEPTH:  # ``load`` refuses deeper trees (they could exhaust its stack)
                raise _NotWeights(f"{where[:80]}...: containers nested more than {_MAX_DEPTH} levels deep")
            active.add(id(obj))
            try:
                return self._container(obj, kind, where, name, active)
            finally:
                active.discard(id(obj))
        raise _NotWeights(f"{where}: cannot store an object of type {_type_name(obj)} as weights ({_ALLOWED})")

    def _container(self, obj: Any, kind: type, where: str, name: tuple[str, ...], active: set[int]) -> Any:
        if kind is list or kind is tuple:
            items = [self.encode(v, f"{where}[{i}]", (*name, str(i)), active) for i, v in enumerate(obj)]
            return {"t": kind.__name__, "v": items}
        pairs = []
        for k, v in obj.items():
            sub = f"{where}[{k!r}]"
            pairs.append([_encode_key(k, where, len(active)), self.encode(v, sub, (*name, str(k)), active)])
        node: dict[str, Any] = {"t": "dict" if kind is dict else "odict", "v": pairs}
        meta = getattr(obj, "_metadata", None)
        if kind is OrderedDict and meta is not None:  # a Module.state_dict()'s per-module versions
            node["meta"] = self.encode(meta, f"{where}._metadata", (*name, "_metadata"), active)
        return node

    def _array(self, array: Any, dtype_name: str, tag: str, where: str, name: tuple[str, ...]) -> dict[str, Any]:
        array = np.asarray(array)
        if array.dtype.name not in _ARRAY_DTYPES:
            raise _NotWeights(f"{where}: an array of dtype {array.dtype}")
        if array.dtype.byteorder == ">":  # safetensors is little-endian
            array = array.astype(array.dtype.newbyteorder("<"))
        shape = [int(s) for s in array.shape]
        if not array.flags.c_contiguous:  # views, transposes, broadcasts: a dense copy
            array = np.ascontiguousarray(array).reshape(shape)
        part = _COMPLEX_PARTS.get(dtype_name)
        if part is not None:  # complex: stored as (..., 2) real/imaginary parts
            array = array.reshape(-1).view(part).reshape((*shape, 2))
        key = base = ".".join(name) or "tensor"
        n = 1
        while key in self.tensors or key == "__metadata__":
            n += 1
            key = f"{base}#{n}"
        self.tensors[key] = array
        return {"t": tag, "key": key, "dtype": dtype_name, "shape": shape}


def _encode_key(key: Any, where: str, depth: int) -> Any:
    kind = type(key)
    if key is None or kind is bool or kind is int or kind is str:
        return key
    if kind is float:
        return key if math.isfinite(key) else {"t": "float", "v": repr(key)}
    if kind is tuple:
        if depth >= _MAX_DEPTH:
            raise _NotWeights(f"{where[:80]}...: a dict key nested more than {_MAX_DEPTH} levels deep")
        return {"t": "tuple", "v": [_encode_key(k, where, depth + 1) for k in key]}
    if isinstance(key, np.generic) and key.dtype.kind in "biuf" and key.dtype.itemsize <= 8:
        return _encode_key(key.item(), where, depth)
    raise _NotWeights(f"{where}: a dict key of type {_type_name(key)}")


def _type_name(obj: Any) -> str:
    kind = type(obj)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _load_safetensors(path: str | None, data: bytes | None, name: str, placement: _Placement, mmap: bool) -> Any:
    def not_ours(reason: str) -> ValueError:
        return ValueError(f"ag.load: {name} is not an arraygrad checkpoint ({reason})")

    try:
        return _read_safetensors(path, data, name, placement, mmap)
    except _Corrupt as exc:
        raise not_ours(str(exc)) from None
    except _BackendError as exc:
        raise exc.error from None  # e.g. float64 on jax without x64: the backend's own message
    except (_PlacementError, _MapLocationError, _NewerVersion, _FlatError, MemoryError):
        raise  # MemoryError: the loaded objects are bounded by the file's size; this machine is short of memory
    except RecursionError:
        raise not_ours("objects nested too deeply") from None
    except Exception as exc:  # SafetensorError (bad header, truncated file...), a malformed tree
        raise not_ours(f"malformed checkpoint: {_message(exc)}") from None
    except BaseException as exc:
        if not _is_safetensors_panic(exc):
            raise  # KeyboardInterrupt, SystemExit
        raise ValueError(
            f"ag.load: {name}: the safetensors library failed while reading it ({type(exc).__name__}: "
            f"{_message(exc)}); the file is damaged or hostile, or this machine ran out of memory"
        ) from None


class _NewerVersion(ValueError):
    """The checkpoint was written by a newer arraygrad."""


class _FlatError(ValueError):
    """A plain safetensors file holds a tensor arraygrad cannot read."""


def _read_safetensors(path: str | None, data: bytes | None, name: str, placement: _Placement, mmap: bool) -> Any:
    try:
        handle: Any = safetensors.safe_open(path, framework="numpy") if data is None else _BytesHandle(data)
    except Exception as exc:  # SafetensorError: bad header, truncated file, not safetensors at all
        raise _Corrupt(f"not a valid safetensors file: {_message(exc)}") from None
    with handle as f:
        if mmap:
            assert path is not None
            f = _MappedHandle(f, path)
        metadata = f.metadata()
        if metadata is None or (_META_KEY not in metadata and set(metadata) <= _PLAIN_METADATA_KEYS):
            return _load_flat(f, name, placement)
        if _META_KEY not in metadata:
            raise _Corrupt(f"safetensors metadata without an arraygrad entry: keys {sorted(metadata)}")
        try:
            document = json.loads(metadata[_META_KEY])
        except ValueError as exc:
            raise _Corrupt(f"metadata is not valid JSON: {exc}") from None
        except RecursionError:  # the JSON parser recurses: depth is bounded by Python's stack
            raise _Corrupt(f"metadata nested more than {_MAX_DEPTH} levels deep") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise _Corrupt("unknown format marker")
        version = document.get("version")
        if type(version) is not int or version < 1:
            raise _Corrupt(f"bad format version {version!r}")
        if version > FORMAT_VERSION:
            raise _NewerVersion(
                f"ag.load: {name} was written by a newer arraygrad (checkpoint format version {version}; "
                f"this version reads up to {FORMAT_VERSION})"
            )
        return _Decoder(f, placement).decode(document.get("tree"), "obj", 0)


def _header(data: Any) -> tuple[int, dict[str, Any]]:
    """A safetensors file's header (already validated by safetensors) and where its data starts."""
    n = int.from_bytes(bytes(data[:8]), "little")
    return 8 + n, json.loads(bytes(data[8:8 + n]))


class _BytesHandle:
    """``safe_open``'s interface over a file object's bytes."""

    def __init__(self, data: bytes) -> None:
        self.tensors = safetensors.numpy.load(data)  # validates the whole file
        self.meta = _header(data)[1].get("__metadata__")
        self.order = [k for k in _header(data)[1] if k != "__metadata__"]

    def __enter__(self) -> _BytesHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def keys(self) -> list[str]:
        return sorted(self.tensors)

    def metadata(self) -> dict[str, str] | None:
        return self.meta

    def get_tensor(self, key: str) -> np.ndarray:
        return self.tensors[key]


#: safetensors dtype codes -> arraygrad dtype names
_SAFETENSORS_DTYPES = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "U16": "uint16", "I16": "int16", "U32": "uint32", "I32": "int32",
    "U64": "uint64", "I64": "int64", "F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64",
}


class _MappedHandle:
    """``safe_open``'s interface with tensors that view the memory-mapped file (copy-on-write)."""

    def __init__(self, handle: Any, path: str) -> None:
        self.handle, self.path = handle, path
        with open(path, "rb") as fh:
            head = fh.read(8)
            start = 8 + int.from_bytes(head, "little")
            fh.seek(0)
            self.start, self.entries = _header(fh.read(start))

    def keys(self) -> list[str]:
        return list(self.handle.keys())

    def metadata(self) -> dict[str, str] | None:
        return self.handle.metadata()

    def get_tensor(self, key: str) -> np.ndarray:
        entry = self.entries[key]
        shape = tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        if entry["dtype"] not in _SAFETENSORS_DTYPES:
            raise ValueError(f"dtype {entry['dtype']}, which arraygrad does not support")
        dt = tf.host_dtype(_SAFETENSORS_DTYPES[entry["dtype"]])
        if end == begin:
            return np.empty(shape, dtype=dt)
        return np.memmap(self.path, dtype=dt, mode="c", offset=self.start + begin, shape=shape)


class _Corrupt(Exception):
    pass


def _load_flat(f: Any, name: str, placement: _Placement) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for key in f.keys():
        try:
            array = f.get_tensor(key)
        except Exception as exc:
            raise _FlatError(f"ag.load: {name}: cannot read tensor {key!r} ({_message(exc)})") from None
        dtype_name = array.dtype.name
        if dtype_name not in dtypes.BY_NAME:
            raise _FlatError(f"ag.load: {name}: tensor {key!r} has dtype {dtype_name}, which arraygrad does not support")
        try:
            out[key] = placement.place_host(array, dtype_name)
        except _BackendError as exc:
            raise exc.error from None
    return out


class _Decoder:
    """Rebuilds the object from the metadata tree. Each stored tensor is read once: a tree that
    names one stored tensor several times gets the same object back each time (as tensors sharing
    a storage share it in PyTorch), so a small file cannot make loading take more memory than its
    tensors do."""

    def __init__(self, f: Any, placement: _Placement) -> None:
        self.f = f
        self.keys = set(f.keys())
        self.placement = placement
        self.hosts: dict[str, np.ndarray] = {}  # stored name -> the array read from the file
        self.built: dict[tuple[str, str, str], Any] = {}  # (stored name, tag, dtype) -> the object returned

    def decode(self, node: Any, where: str, depth: int) -> Any:
        kind = type(node)
        if node is None or kind in (bool, int, float, str):
            return node
        if kind is not dict or not isinstance(node.get("t"), str):
            raise _Corrupt(f"{where}: unexpected node {node!r:.80}")
        tag = node["t"]
        value = node.get("v")
        if depth >= _MAX_DEPTH and tag in ("list", "tuple", "dict", "odict"):
            raise _Corrupt(f"{where[:80]}...: containers nested more than {_MAX_DEPTH} levels deep")
        if tag in ("list", "tuple", "size"):
            if type(value) is not list:
                raise _Corrupt(f"{where}: {tag} without items")
            if tag == "size":
                if not all(type(v) is int and v >= 0 for v in value):
                    raise _Corrupt(f"{where}: bad Size")
                return Size(value)
            items = [self.decode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
            return items if tag == "list" else tuple(items)
        if tag in ("dict", "odict"):
            if type(value) is not list or not all(type(p) is list and len(p) == 2 for p in value):
                raise _Corrupt(f"{where}: {tag} without key/value pairs")
            out: dict[Any, Any] = {} if tag == "dict" else OrderedDict()
            for k, v in value:
                key = self.decode_key(k, where, depth + 1)
                out[key] = self.decode(v, f"{where}[{key!r}]", depth + 1)
            if "meta" in node and tag == "odict":
                out._metadata = self.decode(node["meta"], f"{where}._metadata", depth + 1)  # type: ignore[attr-defined]
            return out
        if tag == "float":
            if value not in ("nan", "inf", "-inf"):
                raise _Corrupt(f"{where}: bad float {value!r:.80}")
            return float(value)
        if tag == "dtype":
            if type(value) is not str or value not in dtypes.BY_NAME:
                raise _Corrupt(f"{where}: unknown dtype {value!r:.80}")
            return dtypes.BY_NAME[value]
        if tag in ("tensor", "ndarray"):
            return self.array(node, tag, where)
        raise _Corrupt(f"{where}: unknown node type {tag!r:.80}")

    def decode_key(self, node: Any, where: str, depth: int) -> Any:
        kind = type(node)
        if node is None or kind in (bool, int, float, str):
            return node
        if kind is dict and node.get("t") == "float":
            return self.decode(node, where, depth)
        if kind is dict and node.get("t") == "tuple" and type(node.get("v")) is list:
            if depth >= _MAX_DEPTH:
                raise _Corrupt(f"{where[:80]}...: a dict key nested more than {_MAX_DEPTH} levels deep")
            return tuple(self.decode_key(k, where, depth + 1) for k in node["v"])
        raise _Corrupt(f"{where}: bad dict key {node!r:.80}")

    def array(self, node: dict[str, Any], tag: str, where: str) -> Any:
        key, dtype_name, shape = node.get("key"), node.get("dtype"), node.get("shape")
        if type(key) is not str or key not in self.keys:
            raise _Corrupt(f"{where}: tensor {key!r:.80} is missing from the file")
        if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
            raise _Corrupt(f"{where}: bad shape {shape!r:.80}")
        if type(dtype_name) is not str or (tag == "tensor" and dtype_name not in dtypes.BY_NAME):
            raise _Corrupt(f"{where}: unknown dtype {dtype_name!r:.80}")
        if tag == "ndarray" and dtype_name not in _ARRAY_DTYPES:
            raise _Corrupt(f"{where}: unknown array dtype {dtype_name!r:.80}")
        array = self.hosts.get(key)
        if array is None:
            array = self.hosts[key] = self.f.get_tensor(key)
        part = _COMPLEX_PARTS.get(dtype_name)
        stored = [*shape, 2] if part is not None else shape
        expected = part if part is not None else tf.host_dtype(dtype_name)
        if list(array.shape) != stored or array.dtype != expected:
            raise _Corrupt(f"{where}: tensor {key!r} is {array.dtype}{list(array.shape)}, metadata says {dtype_name}{shape}")
        shared = self.built.get((key, tag, dtype_name))
        if shared is not None:
            return shared
        if part is not None:
            array = array.view(np.dtype(dtype_name)).reshape(shape)
        out = array if tag == "ndarray" else self.placement.place_host(array, dtype_name)
        self.built[(key, tag, dtype_name)] = out
        return out
