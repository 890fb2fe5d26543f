"""PyTorch's checkpoint formats, read and written without PyTorch (used by ``arraygrad.serialization``).

Two formats hold pickled objects:

- the zip archive ``torch.save`` writes since PyTorch 1.6: ``<prefix>/data.pkl`` (the pickled
  object; each tensor is a call of ``torch._utils._rebuild_tensor_v2`` on a *storage*, named by a
  persistent id ``("storage", torch.FloatStorage, key, location, numel)``), ``<prefix>/data/<key>``
  (each storage's raw bytes), ``<prefix>/byteorder`` and version records;
- the legacy stream (``_use_new_zipfile_serialization=False``): the pickles of a magic number, a
  protocol version and a system-info dict, the pickled object, the pickled list of storage keys,
  then each storage as an 8-byte element count followed by its bytes.

Unpickling goes through ``_Unpickler``, whose ``find_class`` only hands out the globals PyTorch's
``weights_only`` loader allows -- tensor and parameter rebuild functions, storage classes, dtypes,
``torch.Size``, ``torch.device``, ``OrderedDict``, ``Counter``, ``set``, ``complex``, ``bytearray``,
``_codecs.encode`` -- mapped onto arraygrad's own objects, plus whatever the user allowlisted with
``add_safe_globals`` / ``safe_globals``. Anything else raises ``pickle.UnpicklingError`` naming the
global before any of it runs. A weights-only load (``_WeightsUnpickler``) also refuses BUILD on
anything but dicts, OrderedDicts and allowlisted classes, and counts what it rebuilds against a
budget set by the file's size (``memory_budget``). With ``weights_only=False`` other globals are
imported as usual.

Writing (``write_zip``) produces the same zip layout, with tensors pickled exactly as PyTorch
pickles them, so ``torch.load`` reads arraygrad's pickled checkpoints too.

One submodule per part: ``common`` (the formats' constants and errors), ``allowlist`` (globals the
user allows), ``rebuild`` (storages, tensors and the default allowlist), ``unpickler``, ``reading``
(zip and legacy) and ``writing`` (zip); every name is importable from here.
"""

from __future__ import annotations

from arraygrad._torch_format.allowlist import (
    WEIGHTS_ONLY_HINT,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)
from arraygrad._torch_format.common import (
    LEGACY_MAGIC,
    LEGACY_PREFIX,
    LEGACY_PROTOCOL,
    MAX_EXPANDED_BYTES,
    MAX_INFLATION,
    STORAGE_DTYPES,
    TORCH_DTYPES,
    LoadError,
    Refused,
    host_dtype,
    is_legacy,
    is_zip,
    os_fspath,
)
from arraygrad._torch_format.reading import load_legacy, load_zip
from arraygrad._torch_format.rebuild import Context, LoadedStorage, StorageType, memory_budget
from arraygrad._torch_format.unpickler import unpickle
from arraygrad._torch_format.writing import PreparedZip, prepare_zip, write_zip

__all__ = [
    "LEGACY_MAGIC", "LEGACY_PROTOCOL", "LEGACY_PREFIX", "STORAGE_DTYPES", "TORCH_DTYPES", "MAX_EXPANDED_BYTES",
    "MAX_INFLATION", "Refused", "LoadError", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
    "safe_globals", "WEIGHTS_ONLY_HINT", "StorageType", "LoadedStorage", "Context", "memory_budget", "unpickle",
    "host_dtype", "load_zip", "load_legacy", "PreparedZip", "prepare_zip", "write_zip", "is_zip", "is_legacy",
    "os_fspath",
]
