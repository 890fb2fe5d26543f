"""Checkpoints: ``ag.save(obj, path)`` and ``ag.load(path, backend=None)``.

A checkpoint is one `safetensors <https://huggingface.co/docs/safetensors>`_ file:

- every tensor (and numpy array) in ``obj`` is a safetensors tensor, named by its path in the
  object (``"0.weight"`` for a module's state dict, ``"state.0.exp_avg"`` for an optimizer's);
  a flat state dict's tensors are named exactly by its keys, so ``safetensors.torch.load_file``
  reads ``ag.save(model.state_dict(), path)`` straight into a PyTorch state dict;
- everything else -- the nesting of dicts (key order and key types included: an optimizer's
  ``int`` parameter indices stay ``int``), lists and tuples, Python numbers, strings, bools,
  ``None``, each tensor's dtype, a format marker and version -- is one JSON document in the
  file's ``__metadata__`` (under the key ``"arraygrad"``).

There is no pickle anywhere: loading a checkpoint never runs code from the file.

What can be saved: tensors (any backend; saved from a detached host copy, as PyTorch saves them,
so a tensor that requires grad comes back as a plain tensor), numpy arrays, dict / OrderedDict
(with a state dict's ``_metadata``), list, tuple, ``ag.Size``, ``ag.float32``-like dtypes, str,
int, float (nan and inf included), bool, None, and numpy scalars (saved as Python numbers).
Anything else (a function, a Module, a set, a namedtuple, a defaultdict...) raises ``TypeError``
naming where it is in the object, before the file is touched. Tensors reached twice are stored
twice (no sharing is recorded). Shared containers are stored twice; a container that contains
itself is refused.

Plain safetensors files load as a flat dict of tensors: a file without arraygrad metadata (no
``__metadata__`` at all, or only the ``{"format": "pt"}`` that Hugging Face tools write), such as
one written by ``safetensors.torch.save_file(torch_model.state_dict(), path)``, loads as
``{name: tensor}`` in the file's (sorted) key order, so ``model.load_state_dict(ag.load(path))``
works when the names match.

Writes are atomic: the file is written to a temporary file in the target's directory, flushed and
fsynced, then renamed over the target; if anything fails the temporary file is removed and an
earlier file at ``path`` is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import secrets
import stat
from collections import OrderedDict
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from arraygrad.core import dtypes
from arraygrad.core.creation import resolve
from arraygrad.core.tensor import Size, Tensor

__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]

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
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64",
     "complex64", "complex128"}
)
_COMPLEX_PARTS = {"complex64": np.dtype("float32"), "complex128": np.dtype("float64")}
_ALLOWED = (
    "tensors, numpy arrays, dict, OrderedDict, list, tuple, str, int, float, bool and None; "
    "save a module's or optimizer's .state_dict()"
)


# ---------------------------------------------------------------------------------------- save
def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Save ``obj`` (a state dict, an optimizer state dict, or nested dicts/lists/tuples of
    tensors and plain values) to ``path`` as a safetensors file; see the module docstring.

    Raises:
        TypeError: ``obj`` holds something that cannot be saved (the message names where:
            ``obj['layers'][2]: cannot save an object of type function``), or ``path`` is not a
            path. Nothing is written then.
        OSError: the file cannot be written; an earlier file at ``path`` is unchanged.
    """
    path = _fspath(path, "save")
    encoder = _Encoder()
    tree = encoder.encode(obj, "obj", (), set())
    document = {"format": FORMAT, "version": FORMAT_VERSION, "tree": tree}
    metadata = {_META_KEY: json.dumps(document, allow_nan=False, separators=(",", ":"))}
    _atomic_write(path, encoder.tensors, metadata)


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
                raise TypeError(f"{where}: cannot save an object that contains itself")
            active.add(id(obj))
            try:
                return self._container(obj, kind, where, name, active)
            finally:
                active.discard(id(obj))
        raise TypeError(f"{where}: cannot save an object of type {_type_name(obj)} (ag.save stores {_ALLOWED})")

    def _container(self, obj: Any, kind: type, where: str, name: tuple[str, ...], active: set[int]) -> Any:
        if kind is list or kind is tuple:
            items = [self.encode(v, f"{where}[{i}]", (*name, str(i)), active) for i, v in enumerate(obj)]
            return {"t": kind.__name__, "v": items}
        pairs = []
        for k, v in obj.items():
            sub = f"{where}[{k!r}]"
            pairs.append([_encode_key(k, where), self.encode(v, sub, (*name, str(k)), active)])
        node: dict[str, Any] = {"t": "dict" if kind is dict else "odict", "v": pairs}
        meta = getattr(obj, "_metadata", None)
        if kind is OrderedDict and meta is not None:  # a Module.state_dict()'s per-module versions
            node["meta"] = self.encode(meta, f"{where}._metadata", (*name, "_metadata"), active)
        return node

    def _array(self, array: Any, dtype_name: str, tag: str, where: str, name: tuple[str, ...]) -> dict[str, Any]:
        array = np.asarray(array)
        if array.dtype.name not in _ARRAY_DTYPES:
            raise TypeError(f"{where}: cannot save an array of dtype {array.dtype}")
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


def _encode_key(key: Any, where: str) -> Any:
    kind = type(key)
    if key is None or kind is bool or kind is int or kind is str:
        return key
    if kind is float:
        return key if math.isfinite(key) else {"t": "float", "v": repr(key)}
    if kind is tuple:
        return {"t": "tuple", "v": [_encode_key(k, where) for k in key]}
    if isinstance(key, np.generic) and key.dtype.kind in "biuf" and key.dtype.itemsize <= 8:
        return _encode_key(key.item(), where)
    raise TypeError(
        f"{where}: cannot save a dict key of type {_type_name(key)} ({key!r}); keys may be str, int, float, "
        "bool, None or tuples of those"
    )


def _type_name(obj: Any) -> str:
    kind = type(obj)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _fspath(path: Any, op: str) -> str:
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(
            f"ag.{op}: path must be a str or os.PathLike, got {type(path).__name__} (file objects are not supported)"
        ) from None
    return os.fsdecode(path)


def _atomic_write(path: str, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write the safetensors file to a temporary file next to ``path``, fsync it, rename it over
    ``path``; on any failure remove the temporary file and leave ``path`` alone."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "ag.save: is a directory", path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "ag.save: no such directory", directory)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never clobber a file; mode 0o666 minus the umask is what a plain open() would give
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
    try:
        try:  # the permissions of the file being replaced, else those of a new file
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = stat.S_IMODE(os.stat(tmp).st_mode)
        safetensors.numpy.save_file(tensors, tmp, metadata=metadata)
        os.chmod(tmp, mode)  # safetensors (re)creates the file as 0o600
        with open(tmp, "r+b") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":  # make the rename itself durable
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


# ---------------------------------------------------------------------------------------- load
def load(path: str | os.PathLike[str], backend: Any = None) -> Any:
    """Load what ``save`` stored at ``path``; tensors are created on ``backend`` (a name such as
    ``"jax"`` or ``"cupy:1"``, or a Backend; default: the default backend), whatever backend they
    were saved from. Containers come back as they were saved (tuples as tuples, OrderedDicts as
    OrderedDicts, dict key order and key types kept); numpy arrays come back as numpy arrays.

    A plain safetensors file (no arraygrad metadata, e.g. from ``safetensors.torch.save_file``)
    loads as a flat dict ``{name: tensor}``.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is not an arraygrad checkpoint or plain safetensors file (corrupt,
            truncated, another format, or foreign metadata), or holds a dtype arraygrad lacks
            (the message names the path).
    """
    path = _fspath(path, "load")
    be, index = resolve(backend, None)  # an unknown/unavailable backend fails before any reading
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "ag.load: no such file", path)
    with open(path, "rb"):  # permission errors, directories...: the usual OSError, not "corrupt"
        pass

    def not_ours(reason: str) -> ValueError:
        return ValueError(f"ag.load: {path} is not an arraygrad checkpoint ({reason})")

    try:
        handle = safetensors.safe_open(path, framework="numpy")
    except Exception as exc:  # SafetensorError: bad header, truncated file, not safetensors at all
        raise not_ours(f"not a valid safetensors file: {_message(exc)}") from None
    with handle as f:
        metadata = f.metadata()
        if metadata is None or (_META_KEY not in metadata and set(metadata) <= _PLAIN_METADATA_KEYS):
            return _load_flat(f, path, be, index)
        if _META_KEY not in metadata:
            raise not_ours(f"safetensors metadata without an arraygrad entry: keys {sorted(metadata)}")
        try:
            document = json.loads(metadata[_META_KEY])
        except ValueError as exc:
            raise not_ours(f"metadata is not valid JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise not_ours("unknown format marker")
        version = document.get("version")
        if type(version) is not int or version < 1:
            raise not_ours(f"bad format version {version!r}")
        if version > FORMAT_VERSION:
            raise ValueError(
                f"ag.load: {path} was written by a newer arraygrad (checkpoint format version {version}; "
                f"this version reads up to {FORMAT_VERSION})"
            )
        decoder = _Decoder(f, be, index)
        try:
            return decoder.decode(document.get("tree"), "obj")
        except _BackendError as exc:
            raise exc.error from None  # e.g. float64 on jax without x64: the backend's own message
        except Exception as exc:
            raise not_ours(f"malformed checkpoint: {_message(exc)}") from None


class _BackendError(Exception):
    """Carries an error raised while creating a tensor on the target backend (not a file problem)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _Corrupt(Exception):
    pass


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."


def _to_tensor(array: np.ndarray, dtype_name: str, be: Any, index: int | None) -> Tensor:
    try:
        native = be.native_dtype(dtype_name)
        out = be.from_numpy(array, native)
        if index is not None:
            out = be.to_device(out, index)
    except Exception as exc:
        raise _BackendError(exc) from exc
    return Tensor._wrap(out, be)


def _load_flat(f: Any, path: str, be: Any, index: int | None) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for key in f.keys():
        try:
            array = f.get_tensor(key)
        except Exception as exc:
            raise ValueError(f"ag.load: {path}: cannot read tensor {key!r} ({_message(exc)})") from None
        name = array.dtype.name
        if name not in dtypes.BY_NAME:
            raise ValueError(f"ag.load: {path}: tensor {key!r} has dtype {name}, which arraygrad does not support")
        try:
            out[key] = _to_tensor(array, name, be, index)
        except _BackendError as exc:
            raise exc.error from None
    return out


class _Decoder:
    def __init__(self, f: Any, be: Any, index: int | None) -> None:
        self.f = f
        self.keys = set(f.keys())
        self.be = be
        self.index = index

    def decode(self, node: Any, where: str) -> Any:
        kind = type(node)
        if node is None or kind in (bool, int, float, str):
            return node
        if kind is not dict or not isinstance(node.get("t"), str):
            raise _Corrupt(f"{where}: unexpected node {node!r:.80}")
        tag = node["t"]
        value = node.get("v")
        if tag in ("list", "tuple", "size"):
            if type(value) is not list:
                raise _Corrupt(f"{where}: {tag} without items")
            if tag == "size":
                if not all(type(v) is int for v in value):
                    raise _Corrupt(f"{where}: bad Size")
                return Size(value)
            items = [self.decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return items if tag == "list" else tuple(items)
        if tag in ("dict", "odict"):
            if type(value) is not list or not all(type(p) is list and len(p) == 2 for p in value):
                raise _Corrupt(f"{where}: {tag} without key/value pairs")
            out: dict[Any, Any] = {} if tag == "dict" else OrderedDict()
            for k, v in value:
                key = self.decode_key(k, where)
                out[key] = self.decode(v, f"{where}[{key!r}]")
            if "meta" in node and tag == "odict":
                out._metadata = self.decode(node["meta"], f"{where}._metadata")  # type: ignore[attr-defined]
            return out
        if tag == "float":
            if value not in ("nan", "inf", "-inf"):
                raise _Corrupt(f"{where}: bad float {value!r}")
            return float(value)
        if tag == "dtype":
            if value not in dtypes.BY_NAME:
                raise _Corrupt(f"{where}: unknown dtype {value!r}")
            return dtypes.BY_NAME[value]
        if tag in ("tensor", "ndarray"):
            return self.array(node, tag, where)
        raise _Corrupt(f"{where}: unknown node type {tag!r}")

    def decode_key(self, node: Any, where: str) -> Any:
        kind = type(node)
        if node is None or kind in (bool, int, float, str):
            return node
        if kind is dict and node.get("t") == "float":
            return self.decode(node, where)
        if kind is dict and node.get("t") == "tuple" and type(node.get("v")) is list:
            return tuple(self.decode_key(k, where) for k in node["v"])
        raise _Corrupt(f"{where}: bad dict key {node!r:.80}")

    def array(self, node: dict[str, Any], tag: str, where: str) -> Any:
        key, dtype_name, shape = node.get("key"), node.get("dtype"), node.get("shape")
        if key not in self.keys:
            raise _Corrupt(f"{where}: tensor {key!r} is missing from the file")
        if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
            raise _Corrupt(f"{where}: bad shape {shape!r}")
        if tag == "tensor" and dtype_name not in dtypes.BY_NAME:
            raise _Corrupt(f"{where}: unknown dtype {dtype_name!r}")
        array = self.f.get_tensor(key)
        part = _COMPLEX_PARTS.get(dtype_name)  # type: ignore[arg-type]
        stored = [*shape, 2] if part is not None else shape
        if list(array.shape) != stored or array.dtype != (part if part is not None else np.dtype(dtype_name)):
            raise _Corrupt(f"{where}: tensor {key!r} is {array.dtype}{list(array.shape)}, metadata says {dtype_name}{shape}")
        if part is not None:
            array = array.view(np.dtype(dtype_name)).reshape(shape)
        if tag == "ndarray":
            return array
        return _to_tensor(array, dtype_name, self.be, self.index)
