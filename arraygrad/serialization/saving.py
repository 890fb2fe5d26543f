"""``save``: weights-only objects to a safetensors checkpoint, anything else to PyTorch's zip format."""

from __future__ import annotations

import json
import os
import pickle
from typing import Any, BinaryIO

import safetensors
import safetensors.numpy

import arraygrad.serialization as _package
from arraygrad import _torch_format as tf
from arraygrad.serialization._atomic import _atomic_write
from arraygrad.serialization.safetensors_format import _META_KEY, FORMAT, FORMAT_VERSION, _Encoder, _NotWeights

__all__ = ["save"]


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
            # looked up on the package, so that a replacement set there (``serialization._write_zip_file``) is used
            _atomic_write(path, lambda tmp: _package._write_zip_file(prepared, tmp))
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
