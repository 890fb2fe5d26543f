"""Checkpoints: ``ag.save(obj, f)`` and ``ag.load(f, map_location=None, *, weights_only=True, mmap=None,
backend=None)``, used as ``torch.save`` / ``torch.load``.

Public surface (``ag.save``, ``ag.load``, ``ag.serialization.*``):

- ``save(obj, f, pickle_protocol=2)``: ``f`` is a path (``str`` / ``os.PathLike``, written
  atomically) or a writable binary file object (``open(p, "wb")``, ``io.BytesIO``).
- ``load(f, map_location=None, *, weights_only=True, mmap=None, backend=None)``: ``f`` is a path or
  a readable binary file object; see ``load`` for ``map_location`` (a device string, an
  ``ag.device``, a dict or a callable, mapped onto arraygrad's backends and devices), ``mmap`` and
  ``backend``.
- ``add_safe_globals(list)``, ``safe_globals(list)`` (a context manager), ``get_safe_globals()``,
  ``clear_safe_globals()``: the classes and functions ``weights_only=True`` may rebuild beyond the
  default allowlist, as in PyTorch.

What ``save`` writes depends on ``obj``:

1. Weights only -- tensors (any backend; saved from a detached host copy, as PyTorch saves them,
   so a tensor that requires grad comes back as a plain tensor), numpy arrays, dict / OrderedDict
   (with a state dict's ``_metadata``), list, tuple, ``ag.Size``, dtypes, str, int, float (nan and
   inf included), bool, None and numpy scalars (saved as Python numbers) -- becomes one
   `safetensors <https://huggingface.co/docs/safetensors>`_ file. Every tensor is a safetensors
   tensor named by its path in the object (``"0.weight"`` for a module's state dict,
   ``"state.0.exp_avg"`` for an optimizer's); a flat state dict's tensors are named exactly by its
   keys, so ``safetensors.torch.load_file`` reads ``ag.save(model.state_dict(), path)`` straight into
   a PyTorch state dict. Everything else -- the nesting of dicts (key order and key types: an
   optimizer's ``int`` parameter indices stay ``int``), lists, tuples, plain values, each tensor's
   dtype, a format marker and version -- is one JSON document in the file's ``__metadata__``
   (under the key ``"arraygrad"``). Loading such a file never unpickles anything. Tensors reached
   twice, and shared containers, are stored twice.
2. Anything else -- a whole ``Module``, an optimizer, a set, a namedtuple, your own classes, an
   object that contains itself -- is pickled into PyTorch's own zip format (``archive/data.pkl``
   plus one ``archive/data/<key>`` record per tensor, ``byteorder`` and version records), with
   tensors pickled exactly as ``torch.save`` pickles them (``torch._utils._rebuild_tensor_v2`` on a
   storage, parameters through ``_rebuild_parameter``, dtypes as ``torch.float32``, ``Size`` and
   ``device`` as ``torch.Size`` / ``torch.device``). That format was chosen over a private pickle
   because one reader then serves both PyTorch's files and ours, and ``torch.load`` reads
   arraygrad's files too (with its own ``weights_only`` rules; arraygrad's classes need arraygrad
   importable there). Pickling happens in memory first: an object that cannot be pickled (a
   lambda) raises pickle's error and nothing is written.

``load`` reads both, plus plain safetensors files and PyTorch's files -- the zip format and the
legacy format of ``torch.save(..., _use_new_zipfile_serialization=False)`` -- without PyTorch
installed. Pickled files go through a restricted unpickler that, by default
(``weights_only=True``, as PyTorch >= 2.6), rebuilds only tensors and parameters (storages of
every PyTorch dtype, views of one storage with offsets and strides, big-endian files),
``OrderedDict``, ``Counter``, sets, ``complex``, bytes, dtypes, ``torch.Size``, ``torch.device``,
numbers, strings and containers, plus globals allowed with ``add_safe_globals``; any other global
raises ``pickle.UnpicklingError`` naming it and saying how to allow it, before any of it runs.
Modules ``os``, ``sys``, ``posix`` and ``nt`` are refused even when allowlisted. A tensor's layout
is checked against its storage's size, and each storage's record against its declared size,
before any memory is touched; a broadcast (zero-stride) tensor is copied densely, refused past
1 GiB. Loaded tensors each own their memory: tensors that shared one storage in the file come back
equal in value but no longer sharing. A weights-only load also refuses a pickle BUILD (state set
on an object) except on dicts, OrderedDicts and allowlisted classes, so a file cannot change the
shared objects it is handed (``torch.float32``, ``torch.Size``), and what a file rebuilds is
bounded by its size: four times the file's size plus 64 MiB (tensor copies, bytes, containers),
plus 1 GiB of broadcast expansion, and compressed storages (which ``torch.save`` never writes)
inflate to at most 32 times the file's size plus 64 MiB; a file asking for more (the same storage
rebuilt a thousand times, a zip bomb) raises ``ValueError``. ``weights_only=False`` unpickles
anything, running code from the file: only for files you trust.

In an arraygrad checkpoint, metadata that names one stored tensor several times gets the same
object back each time (as tensors sharing a storage share it in PyTorch), so loading takes no more
memory than the file's tensors; containers may nest 100 levels deep (deeper objects are saved in
the pickled format). Every damaged or hostile file -- truncated, a wrong header length, bad
offsets, unknown dtypes, shapes that disagree with the data, malformed or too deeply nested
metadata, a damaged zip archive, even a panic inside the safetensors library -- raises one
``ValueError`` naming the file.

Plain safetensors files load as a flat dict of tensors: a file without arraygrad metadata (no
``__metadata__`` at all, or only the ``{"format": "pt"}`` that Hugging Face tools write), such as
one written by ``safetensors.torch.save_file(torch_model.state_dict(), path)``, loads as
``{name: tensor}`` in the file's (sorted) key order, so ``model.load_state_dict(ag.load(path))``
works when the names match.

Writes to a path are atomic: the file is written to a temporary file in a staging directory
``.<name>.<pid>.<random>.tmp`` beside the target, flushed and fsynced, then renamed over the
target; if anything fails the staging directory is removed, an earlier file at the path is left as
it was, and the failure is an ``OSError`` naming the path (with its ``errno``: ``ENOSPC`` for a
full disk). A process killed mid-save (``kill -9``) leaves its staging directory behind; the next
save to the same path removes those whose process is gone and whose ``flock`` is free (on POSIX
systems).
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import pickle
import re
import secrets
import stat
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np
import safetensors
import safetensors.numpy

from arraygrad import _torch_format as tf
from arraygrad._torch_format import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from arraygrad.core import dtypes
from arraygrad.core.creation import resolve
from arraygrad.core.tensor import Size, Tensor
from arraygrad.core.tensor import device as Device

__all__ = [
    "save", "load", "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals", "FORMAT",
    "FORMAT_VERSION",
]

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


# ---------------------------------------------------------------------------------------- save
def save(obj: Any, f: str | os.PathLike[str] | BinaryIO, pickle_module: Any = None, pickle_protocol: int = 2) -> None:
    """Save ``obj`` to ``f`` (a path or a writable binary file object), like ``torch.save``.

    Weights-only objects (state dicts, optimizer state dicts, nested dicts/lists/tuples of tensors,
    numpy arrays and plain values) become a safetensors file; anything else (a whole Module, an
    optimizer, a set, your own classes...) is pickled into PyTorch's zip format, which then needs
    ``load(..., weights_only=False)`` or ``add_safe_globals``. See the module docstring.

    Args:
        obj: what to save.
        f: a path (written atomically) or a binary file object opened for writing.
        pickle_module: ``None`` or the standard ``pickle`` module (PyTorch's default); other
            pickle modules are not supported.
        pickle_protocol: the pickle protocol of the zip format's ``data.pkl`` (PyTorch's default 2).

    Raises:
        TypeError: ``f`` is neither a path nor a writable file object, or ``pickle_module`` is
            another module.
        pickle.PicklingError, AttributeError: ``obj`` holds something that cannot be pickled (a
            lambda, a local class...). Nothing is written then.
        OSError: the file cannot be written (also when the safetensors library reports it);
            the message names the path, ``errno`` is kept where known, and an earlier file at the
            path is unchanged.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError(f"ag.save: only the standard pickle module is supported, got {pickle_module!r}")
    path = tf.os_fspath(f)
    if path is None and not callable(getattr(f, "write", None)):
        raise TypeError(f"ag.save: f must be a str, os.PathLike or a writable binary file object, got {type(f).__name__}")
    encoder = _Encoder()
    try:
        tree = encoder.encode(obj, "obj", (), set())
    except _NotWeights:  # something only pickle can hold: PyTorch's zip format
        prepared = tf.prepare_zip(obj, pickle_protocol)  # pickling errors surface before any writing
        if path is None:
            tf.write_zip(prepared, f)
        else:
            _atomic_write(path, lambda tmp: _write_zip_file(prepared, tmp))
        return
    document = {"format": FORMAT, "version": FORMAT_VERSION, "tree": tree}
    metadata = {_META_KEY: json.dumps(document, allow_nan=False, separators=(",", ":"))}
    if path is None:
        f.write(safetensors.numpy.save(encoder.tensors, metadata=metadata))  # type: ignore[union-attr]
        return
    _atomic_write(path, lambda tmp: safetensors.numpy.save_file(encoder.tensors, tmp, metadata=metadata))


def _write_zip_file(prepared: Any, tmp: str) -> None:
    with open(tmp, "wb") as out:
        tf.write_zip(prepared, out)


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


def _atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Write the file with ``write(temporary path)`` next to ``path``, fsync it, rename it over
    ``path``; on any failure remove the temporary file and leave ``path`` alone.

    The temporary file lives in a staging directory ``.<name>.<pid>.<random>.tmp`` beside
    ``path`` (safetensors' writer makes a temporary file of its own beside the file it is given,
    which then lands there too), locked with ``flock`` while it is written. A process killed in
    the middle (``kill -9``, a power cut) leaves that directory behind; the next save to the same
    path removes every such directory whose process is gone and whose lock is free.

    Raises:
        OSError: the file cannot be written (a full disk, no permission...), with the error's
            ``errno`` where it is known and a message naming ``path``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "ag.save: is a directory", path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "ag.save: no such directory", directory)
    base = os.path.basename(path)
    _remove_stale_staging(directory, base)
    staging = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    try:
        os.mkdir(staging, 0o700)
    except OSError as exc:
        raise _write_error(exc, path) from None
    lock = _lock(staging, blocking=True)
    tmp = os.path.join(staging, base)
    try:
        # O_EXCL: never clobber a file; mode 0o666 minus the umask is what a plain open() would give
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
        try:  # the permissions of the file being replaced, else those of a new file
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = stat.S_IMODE(os.stat(tmp).st_mode)
        _run_writer(write, tmp, path)
        os.chmod(tmp, mode)  # safetensors (re)creates the file as 0o600
        with open(tmp, "r+b") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove_staging(staging)
        raise _write_error(exc, path) from None
    except BaseException:
        _remove_staging(staging)
        raise
    finally:
        if lock is not None:
            os.close(lock)
    _remove_staging(staging)
    if os.name == "posix":  # make the rename itself durable
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _run_writer(write: Callable[[str], None], tmp: str, path: str) -> None:
    """``write(tmp)``, with the safetensors library's own errors turned into ``OSError``."""
    try:
        write(tmp)
    except safetensors.SafetensorError as exc:  # "I/O error: No space left on device (os error 28)"
        raise _write_error(exc, path) from None
    except BaseException as exc:
        if not _is_safetensors_panic(exc):
            raise
        raise _write_error(exc, path) from None


def _write_error(exc: BaseException, path: str) -> OSError:
    """An ``OSError`` naming ``path`` for a failed write, keeping the ``errno`` where known."""
    code = exc.errno if isinstance(exc, OSError) else None
    reason = (exc.strerror if isinstance(exc, OSError) else None) or _message(exc)
    if code is None:
        found = re.search(r"os error (\d+)", str(exc))
        code = int(found.group(1)) if found else None
    message = f"ag.save: cannot write {path}: {reason}"
    return OSError(code, message, path) if code is not None else OSError(message)


#: a staging directory's name after ``.<file name>.``: ``<pid>.<12 hex digits>.tmp``
_STAGING = re.compile(r"(\d+)\.[0-9a-f]{12}\.tmp")


def _remove_stale_staging(directory: str, base: str) -> None:
    """Remove the staging directories of earlier saves to ``directory/base`` whose process died
    mid-write. Only where ``flock`` exists: a directory is stale when its process is not running
    on this machine and nobody holds its lock (a lock dies with its process, even on ``kill -9``;
    the process check keeps the moment between ``mkdir`` and ``flock`` safe)."""
    if os.name != "posix":
        return
    prefix = f".{base}."
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix)]
    except OSError:
        return
    for n in names:
        found = _STAGING.fullmatch(n, len(prefix))
        if found is None or _running(int(found.group(1))):
            continue
        staging = os.path.join(directory, n)
        if os.path.islink(staging) or not os.path.isdir(staging):
            continue
        lock = _lock(staging, blocking=False)
        if lock is None:  # held by a live writer, or no locking here: leave it
            continue
        try:
            _remove_staging(staging)
        finally:
            os.close(lock)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def _lock(staging: str, blocking: bool) -> int | None:
    """An exclusive ``flock`` on the directory (its descriptor), or None where none can be had."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    try:
        fd = os.open(staging, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def _remove_staging(staging: str) -> None:
    """Remove a staging directory and the files in it (never following links or subdirectories)."""
    with contextlib.suppress(OSError):
        for entry in os.listdir(staging):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(staging, entry))
        os.rmdir(staging)


# ---------------------------------------------------------------------------------------- load
def load(f: str | os.PathLike[str] | BinaryIO, map_location: Any = None, *, weights_only: bool | None = True,
         mmap: bool | None = None, backend: Any = None) -> Any:
    """Load what ``save`` (or ``torch.save``, or ``safetensors``) stored in ``f``, like ``torch.load``.

    Reads arraygrad's safetensors checkpoints, plain safetensors files (as a flat
    ``{name: tensor}`` dict), and PyTorch's zip and legacy checkpoints -- without PyTorch.
    Containers come back as they were saved (tuples as tuples, OrderedDicts as OrderedDicts, dict
    key order and key types kept); numpy arrays saved by arraygrad come back as numpy arrays.

    Args:
        f: a path, or a binary file object opened for reading (``open(p, "rb")``, ``io.BytesIO``).
        map_location: where tensors go: ``None`` (where they were saved: the default backend for
            ``"cpu"``), a device string or ``ag.device`` (``"cpu"``, ``"cuda:0"``, a backend name
            such as ``"jax"``), a dict from saved locations to devices (``{"cuda:0": "cpu"}``), or a
            callable ``fn(storage, location)`` returning ``storage`` (keep) or ``storage.cpu()`` /
            ``storage.cuda(i)`` / ``storage.to(device)``.
        weights_only: ``True`` (default, as PyTorch >= 2.6): unpickle only tensors, containers,
            numbers, strings and the globals allowed with ``add_safe_globals``. ``False``: full
            unpickling, which runs code from the file -- only for files you trust. (``None`` means
            ``True``.) Safetensors files never run code either way.
        mmap: map the file's tensor bytes into memory instead of reading them (copy-on-write: the
            tensors are writable, the file is never changed). Works for safetensors files and zip
            checkpoints given by path; on the numpy backend contiguous tensors then view the
            mapped file; other backends copy into their own memory.
        backend: the backend to create tensors on (a name such as ``"jax"`` or a Backend), combined
            with ``map_location``; default: the default backend.

    Returns:
        The saved object, with its tensors on the chosen backend and device.

    Raises:
        FileNotFoundError: there is no file at the path. IsADirectoryError: it is a directory.
        pickle.UnpicklingError: a pickled checkpoint needs a global that ``weights_only=True``
            refuses (the message names it and says how to allow it), or a global that cannot be found.
        ValueError: the file is not a checkpoint (corrupt, truncated, another format, hostile:
            metadata nested too deeply, a pickle rebuilding more than its size can hold), holds a
            dtype arraygrad lacks, or ``mmap=True`` was asked where it cannot work; the message
            names the path.
        RuntimeError: tensors were saved on a device that is not available and no
            ``map_location`` says where else to put them.
        TypeError: ``f``, ``map_location`` or ``backend`` has a wrong type.
    """
    weights_only = True if weights_only is None else bool(weights_only)
    placement = _Placement(map_location, backend)  # an unknown backend/device fails before any reading
    path = tf.os_fspath(f)
    data: bytes | None = None
    if path is not None:
        name = path
        if not os.path.exists(path):
            raise FileNotFoundError(errno.ENOENT, "ag.load: no such file", path)
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, "ag.load: is a directory, not a checkpoint file", path)
        with open(path, "rb") as fh:  # permission errors...: the usual OSError, not "corrupt"
            head = fh.read(512)
    else:
        if not callable(getattr(f, "read", None)):
            raise TypeError(f"ag.load: f must be a str, os.PathLike or a readable binary file object, got {type(f).__name__}")
        if mmap:
            raise ValueError("ag.load: mmap=True needs the path of a file, not a file object")
        name = str(getattr(f, "name", None) or f"<{type(f).__name__}>")
        raw = f.read()  # type: ignore[union-attr]
        if isinstance(raw, str):
            raise TypeError(f"ag.load: {name} is opened in text mode; open it in binary mode ('rb')")
        data = bytes(raw)
        head = data[:512]
    if tf.is_zip(head) or tf.is_legacy(head):
        if mmap and not tf.is_zip(head):
            raise ValueError(f"ag.load: {name}: mmap=True needs a zip checkpoint (this is PyTorch's legacy format)")
        return _load_pickled(path if data is None else data, path, name, placement, weights_only, bool(mmap))
    if len(head) >= 262 and head[257:262] == b"ustar":
        raise ValueError(f"ag.load: {name} is a tar-format PyTorch checkpoint (PyTorch < 0.4), which is not supported")
    return _load_safetensors(path, data, name, placement, bool(mmap))


class _Placement:
    """Turns ``map_location`` and ``backend`` into the backend and device index of each tensor."""

    def __init__(self, map_location: Any, backend: Any) -> None:
        if map_location is not None and not isinstance(map_location, (str, Device, dict)) and not callable(map_location):
            raise TypeError(
                "ag.load: map_location must be a str, an ag.device, a dict or a callable, got "
                f"{type(map_location).__name__}"
            )
        self.map_location, self.backend = map_location, backend
        self.fixed = resolve(backend, map_location) if isinstance(map_location, (str, Device)) else None
        if self.fixed is None:
            resolve(backend, None)
        self.cache: dict[str, tuple[Any, int | None]] = {}

    def target(self, storage: tf.LoadedStorage) -> tuple[Any, int | None]:
        if self.fixed is not None:
            return self.fixed
        saved, ml = storage.location, self.map_location
        spec: Any = saved
        if isinstance(ml, dict):
            spec = ml.get(saved, saved)
        elif ml is not None:
            moved = ml(storage, saved)
            if isinstance(moved, tf.LoadedStorage) and moved.target is not None:
                spec = moved.target
            elif moved is not None and not isinstance(moved, tf.LoadedStorage):
                raise _MapLocationError(
                    f"ag.load: map_location returned {type(moved).__name__}, expected the storage it was given"
                )
        if spec == "cpu" or (ml is None and self.backend is not None):
            spec = None  # host tensors: the chosen (or default) backend
        key = str(spec)
        if key not in self.cache:
            try:
                self.cache[key] = resolve(self.backend, spec)
            except Exception as exc:
                if spec != saved:
                    raise
                raise _PlacementError(
                    f"ag.load: tensors were saved on {saved!r}, which is not available here ({exc}); pass "
                    "map_location='cpu' (or another device or backend) to load them elsewhere"
                ) from None
        return self.cache[key]

    def place(self, host: np.ndarray, dtype_name: str, storage: tf.LoadedStorage) -> Tensor:
        be, index = self.target(storage)
        return _to_tensor(host, dtype_name, be, index)

    def place_host(self, host: np.ndarray, dtype_name: str) -> Tensor:
        return self.place(host, dtype_name, tf.LoadedStorage(host, dtype_name, "cpu"))


def _load_pickled(source: Any, path: str | None, name: str, placement: _Placement, weights_only: bool,
                  mmap: bool) -> Any:
    """Load a PyTorch zip or legacy checkpoint (``source``: a path, or the file's bytes)."""

    def context(fetch: Callable[[str, str, int], np.ndarray], copy: bool, budget: int) -> tf.Context:
        return tf.Context(name, fetch, placement.place, copy, budget)

    try:
        if isinstance(source, str):
            with open(source, "rb") as fh:
                head = fh.read(len(tf.LEGACY_PREFIX))
                if tf.is_legacy(head):
                    return tf.load_legacy(head + fh.read(), name, weights_only, context)
            return tf.load_zip(source, source, weights_only, mmap, context)
        if tf.is_legacy(source):
            return tf.load_legacy(source, name, weights_only, context)
        return tf.load_zip(io.BytesIO(source), name, weights_only, False, context)
    except _BackendError as exc:
        raise exc.error from None  # e.g. float64 on jax without x64: the backend's own message
    except tf.Refused as exc:
        raise pickle.UnpicklingError(f"ag.load: {name}: {exc}") from None
    except tf.LoadError as exc:
        raise ValueError(f"ag.load: {name}: {exc}") from None
    except (_PlacementError, _MapLocationError, MemoryError):
        raise  # MemoryError: the file is within its budget, this machine is just short of memory
    except RecursionError:  # objects nested past Python's recursion limit
        raise ValueError(f"ag.load: {name} is not a valid PyTorch checkpoint (objects nested too deeply)") from None
    except Exception as exc:  # a bad zip, a truncated or malformed pickle, storages that do not fit
        if not weights_only and not isinstance(exc, _FILE_ERRORS):
            raise  # an error raised by the file's own objects while they were rebuilt
        raise ValueError(f"ag.load: {name} is not a valid PyTorch checkpoint ({_message(exc)})") from None


#: what a damaged zip archive or pickle stream raises, with any ``weights_only``
_FILE_ERRORS = (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, zlib.error, struct.error, KeyError,
                NotImplementedError, OverflowError, UnicodeDecodeError)


class _PlacementError(RuntimeError):
    """Tensors were saved on a device that is not available here."""


class _MapLocationError(TypeError):
    """A ``map_location`` callable returned something other than a storage."""


def _is_safetensors_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is a panic inside the safetensors library (pyo3's ``PanicException``, which
    derives from BaseException, not Exception, and is not importable under a stable name)."""
    kind = type(exc)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


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
    if dtype_name not in dtypes.BY_NAME:
        raise tf.LoadError(f"a tensor has dtype {dtype_name}, which arraygrad does not support")
    try:
        native = be.native_dtype(dtype_name)
        out = be.from_numpy(np.asarray(array), native)
        if index is not None:
            out = be.to_device(out, index)
    except Exception as exc:
        raise _BackendError(exc) from exc
    return Tensor._wrap(out, be)


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
