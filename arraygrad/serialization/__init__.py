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

The package holds ``saving`` (``save``), ``loading`` (``load``) and ``safetensors_format`` (the
checkpoint layout, written and read), with private modules for atomic writes (``_atomic``) and for
placing loaded tensors (``_placement``); every public name is importable from here.
"""

from __future__ import annotations

import os  # reached as ``serialization.os``

from arraygrad import _torch_format as tf  # reached as ``serialization.tf``
from arraygrad._torch_format import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from arraygrad.serialization.loading import load
from arraygrad.serialization.safetensors_format import FORMAT, FORMAT_VERSION
from arraygrad.serialization.saving import _write_zip_file, save

__all__ = [
    "save", "load", "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals", "FORMAT",
    "FORMAT_VERSION",
]
