"""``load``: arraygrad's checkpoints, plain safetensors files and PyTorch's zip and legacy checkpoints."""

from __future__ import annotations

import errno
import io
import os
import pickle
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from arraygrad import _torch_format as tf
from arraygrad.serialization._placement import _BackendError, _MapLocationError, _Placement, _PlacementError
from arraygrad.serialization._utils import _message
from arraygrad.serialization.safetensors_format import _load_safetensors

__all__ = ["load"]


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
