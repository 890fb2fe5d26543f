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
"""

from __future__ import annotations

import _compat_pickle
import codecs
import collections
import contextlib
import io
import lzma
import math
import os
import pickle
import pickletools
import secrets
import struct
import sys
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from arraygrad.core import dtypes
from arraygrad.core.tensor import Size, Tensor
from arraygrad.core.tensor import device as Device

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


# ---------------------------------------------------------------------------------------- allowlist
_user_globals: list[Any] = []


def _entry_path(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str):
        return entry[1], entry[0]
    module, name = getattr(entry, "__module__", None), getattr(entry, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        raise TypeError(f"add_safe_globals: expected a class or function (or (obj, 'module.name')), got {entry!r}")
    return f"{module}.{name}", entry


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes/functions in ``load(..., weights_only=True)``, like PyTorch's
    ``torch.serialization.add_safe_globals``.

    Args:
        safe_globals: classes or functions, or ``(obj, "module.name")`` pairs naming the path a
            file refers to it by.

    Raises:
        TypeError: an entry is neither a class/function nor such a pair.
    """
    for entry in safe_globals:
        _entry_path(entry)
    for entry in safe_globals:
        if entry not in _user_globals:
            _user_globals.append(entry)


def get_safe_globals() -> list[Any]:
    """The globals added with ``add_safe_globals`` (and open ``safe_globals`` blocks)."""
    return list(_user_globals)


def clear_safe_globals() -> None:
    """Forget every global added with ``add_safe_globals``."""
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """A ``with`` block inside which ``safe_globals`` are allowed by ``load(weights_only=True)``;
    those not already allowed before are removed again on exit."""
    added = [g for g in safe_globals if g not in _user_globals]
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        for g in added:
            with contextlib.suppress(ValueError):
                _user_globals.remove(g)


def _user_allowed() -> dict[str, Any]:
    return dict(_entry_path(g) for g in _user_globals)


WEIGHTS_ONLY_HINT = (
    "Re-running ag.load with weights_only=False (the explicit, unsafe opt-in) will likely succeed, but it can "
    "result in arbitrary code execution: do it only if you got the file from a trusted source."
)


def _refused(full_path: str) -> Refused:
    shown = full_path[len("builtins."):] if full_path.startswith("builtins.") else full_path
    return Refused(
        f"Weights only load failed: this PyTorch pickle checkpoint needs the unsupported global GLOBAL {shown}, "
        f"which is not an allowed global by default. {WEIGHTS_ONLY_HINT} Alternatively, to load with "
        f"weights_only=True, allowlist it if you trust it: ag.serialization.add_safe_globals([{shown}]) or the "
        f"`with ag.serialization.safe_globals([{shown}]):` context manager.",
        refused=full_path,
    )


# ---------------------------------------------------------------------------------------- rebuilding
class StorageType:
    """What a file's ``torch.FloatStorage`` (or ``torch.UntypedStorage``) global stands for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dtype_name = STORAGE_DTYPES[name]

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class LoadedStorage:
    """One storage of a file: a 1-d host array of its elements and where it was saved
    (``location``, e.g. ``"cpu"``). A callable ``map_location`` receives it with the location and
    may return it (keep the default placement) or ``storage.cpu()`` / ``storage.cuda(i)`` /
    ``storage.to(device)`` (place it there)."""

    def __init__(self, array: np.ndarray, dtype_name: str, location: str) -> None:
        self.array, self.dtype_name, self.location = array, dtype_name, location
        self.target: Any = None  # a device chosen by map_location

    def _moved(self, target: Any) -> LoadedStorage:
        out = LoadedStorage(self.array, self.dtype_name, self.location)
        out.target = target
        return out

    def cpu(self) -> LoadedStorage:
        """This storage, placed on the CPU (the default backend's host device)."""
        return self._moved("cpu")

    def cuda(self, device: Any = None) -> LoadedStorage:
        """This storage, placed on CUDA device ``device`` (index or name)."""
        return self._moved(device if isinstance(device, (str, Device)) else f"cuda:{device or 0}")

    def to(self, device: Any) -> LoadedStorage:
        """This storage, placed on ``device``."""
        return self._moved(device)

    def nbytes(self) -> int:
        """The size of the storage in bytes."""
        return int(self.array.nbytes)

    def size(self) -> int:
        """The number of elements."""
        return int(self.array.size)


class Context:
    """Everything the rebuild functions need while one file is unpickled.

    ``budget`` is how many bytes the objects rebuilt from the file may take in all (tensor copies,
    bytes, containers); see ``memory_budget``.
    """

    def __init__(self, path: str, fetch: Callable[[str, str, int], np.ndarray], place: Callable[..., Any],
                 copy: bool, budget: int | None = None) -> None:
        self.path = path
        self.fetch = fetch  # (key, dtype name, numel) -> 1-d host array, validated
        self.place = place  # (host array, dtype name, LoadedStorage) -> Tensor
        self.copy = copy  # False with mmap: contiguous tensors view the mapped file
        self.storages: dict[str, LoadedStorage] = {}
        self.budget = budget
        self.used = 0
        self.expanded = 0  # bytes of broadcast tensors beyond their stored elements

    def charge(self, nbytes: int, what: str) -> None:
        """Count ``nbytes`` more against the budget; refuse once the file has asked for more."""
        self.used += nbytes
        if self.budget is not None and self.used > self.budget:
            raise LoadError(
                f"{what} would bring the loaded objects to {self.used} bytes, more than this file of its size "
                f"can hold (at most {self.budget} bytes); a checkpoint that rebuilds the same data over and over "
                "is refused"
            )


    def expand(self, nbytes: int, what: str) -> None:
        """Count the bytes a broadcast tensor takes beyond its stored elements (``MAX_EXPANDED_BYTES``
        in all)."""
        self.expanded += nbytes
        if self.expanded > MAX_EXPANDED_BYTES:
            raise LoadError(
                f"{what} is a broadcast view; expanding the file's broadcast tensors takes more than "
                f"{MAX_EXPANDED_BYTES} bytes, more than this file of its size can hold"
            )


def memory_budget(file_size: int) -> int:
    """How many bytes the objects loaded from a pickled file of ``file_size`` bytes may take
    (broadcast tensors' expansion aside, which ``MAX_EXPANDED_BYTES`` bounds).

    A real checkpoint's tensors take about the file's size (views of one storage that overlap, and
    the pickled containers, take some more); a hostile one can name one stored tensor thousands of
    times, or build one big container again and again. Loading is therefore bounded: four times
    the file's size plus 64 MiB.
    """
    return 4 * file_size + (64 << 20)


def _load_storage(ctx: Context, pid: Any) -> LoadedStorage:
    if type(pid) is not tuple or not pid or _ascii(pid[0]) != "storage":
        raise pickle.UnpicklingError(f"only persistent ids of storages are allowed, got {pid!r:.80}")
    if len(pid) not in (5, 6):
        raise pickle.UnpicklingError(f"malformed storage id {pid!r:.120}")
    storage_type, key, location, numel = pid[1:5]
    view = pid[5] if len(pid) == 6 else None
    if not isinstance(storage_type, StorageType):
        raise pickle.UnpicklingError(f"storage id names {storage_type!r:.80}, not a storage class")
    key, location = _ascii(key), _ascii(location)
    if type(key) is not str or type(location) is not str or type(numel) is not int or numel < 0:
        raise pickle.UnpicklingError(f"malformed storage id {pid!r:.120}")
    if key not in ctx.storages:
        ctx.storages[key] = LoadedStorage(ctx.fetch(key, storage_type.dtype_name, numel),
                                          storage_type.dtype_name, location)
    storage = ctx.storages[key]
    if storage.dtype_name != storage_type.dtype_name:
        raise pickle.UnpicklingError(f"storage {key!r} is read as both {storage.dtype_name} and {storage_type.dtype_name}")
    if view is not None:  # a legacy storage view: (view key, offset, size) in elements
        if type(view) is not tuple or len(view) != 3 or not all(type(v) is int and v >= 0 for v in view[1:]):
            raise pickle.UnpicklingError(f"malformed storage view {view!r:.80}")
        _, offset, size = view
        if offset + size > storage.array.size:
            raise pickle.UnpicklingError(f"storage view {view!r} runs past the end of storage {key!r}")
        out = LoadedStorage(storage.array[offset:offset + size], storage.dtype_name, location)
        return out
    return storage


def _ascii(value: Any) -> Any:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _rebuild_tensor(ctx: Context, storage: Any, offset: Any, size: Any, stride: Any,
                    requires_grad: bool = False) -> Tensor:
    if not isinstance(storage, LoadedStorage):
        raise pickle.UnpicklingError(f"a tensor's storage must come from the file, got {type(storage).__name__}")
    size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if len(size) != len(stride) or type(offset) is not int or offset < 0 or min(size + stride, default=0) < 0:
        raise pickle.UnpicklingError(f"bad tensor layout: offset {offset!r}, size {size}, stride {stride}")
    base = storage.array
    numel = math.prod(size)
    if numel == 0:
        host = np.empty(size, dtype=base.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= base.size:
            raise pickle.UnpicklingError(
                f"tensor of size {list(size)}, stride {list(stride)} at offset {offset} needs {last + 1} elements "
                f"but its storage has {base.size}"
            )
        if numel > base.size and numel * base.itemsize > MAX_EXPANDED_BYTES:
            raise pickle.UnpicklingError(
                f"tensor of size {list(size)} ({numel} elements) is a broadcast view of {base.size} stored elements; "
                f"refusing to expand it past {MAX_EXPANDED_BYTES} bytes"
            )
        item = base.itemsize
        view = np.lib.stride_tricks.as_strided(base[offset:], size, [s * item for s in stride], writeable=False)
        if not ctx.copy and view.flags.c_contiguous:  # mmap: the mapped (copy-on-write) memory itself
            host = base[offset:offset + numel].reshape(size)
        else:  # a writable tensor of its own, whatever the storage's layout
            what = f"tensor of size {list(size)}"
            ctx.charge(min(numel, base.size) * item, what)
            if numel > base.size:
                ctx.expand((numel - base.size) * item, what)
            host = np.array(view, copy=True, order="C")
    t = ctx.place(host, storage.dtype_name, storage)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _int_tuple(value: Any, what: str) -> tuple[int, ...]:
    if type(value) not in (tuple, list, Size) or not all(type(v) is int for v in value):
        raise pickle.UnpicklingError(f"bad tensor {what} {value!r:.80}")
    return tuple(value)


def _rebuild_parameter(data: Any, requires_grad: Any = True, backward_hooks: Any = None, state: Any = None) -> Any:
    from arraygrad.nn import Parameter

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter's data must be a tensor, got {type(data).__name__}")
    return Parameter(data, requires_grad=bool(requires_grad))


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    if not callable(func) or type(args) is not tuple:
        raise pickle.UnpicklingError("bad tensor subclass record")
    out = func(*args)
    if new_type is not _TORCH_TENSOR and new_type is not type(out):
        raise pickle.UnpicklingError(f"tensor subclass {new_type!r:.80} is not supported")
    return out


_TORCH_TENSOR = object()  # what the global ``torch.Tensor`` stands for


def _bytearray(*args: Any) -> bytearray:
    # bytearray(n) would allocate n bytes from one number in the file
    if args and type(args[0]) is int:
        raise pickle.UnpicklingError("bytearray from a size is not allowed in a checkpoint")
    return bytearray(*args)


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    # protocol-2 pickles store bytes as _codecs.encode(latin-1 text, "latin1"); nothing else is needed
    if type(text) is not str or encoding not in ("latin1", "latin-1", "utf-8"):
        raise pickle.UnpicklingError(f"_codecs.encode is only allowed on text with latin1, got {encoding!r:.40}")
    return codecs.encode(text, encoding)


def _make_device(spec: Any, index: Any = None) -> Device:
    return Device(str(spec), index if type(index) is int else None)


def _dtype(name: str) -> Any:
    try:
        return dtypes.BY_NAME[name]
    except KeyError:
        raise LoadError(f"the file holds dtype {name}, which arraygrad does not support") from None


def _allowed_globals(ctx: Context) -> dict[str, Any]:
    """The globals a weights-only load may use: PyTorch's allowlist, mapped onto arraygrad."""
    def tensor_v2(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False,
                  backward_hooks: Any = None, metadata: Any = None) -> Tensor:
        return _rebuild_tensor(ctx, storage, offset, size, stride, bool(requires_grad))

    def tensor_v1(storage: Any, offset: Any, size: Any, stride: Any) -> Tensor:
        return _rebuild_tensor(ctx, storage, offset, size, stride)

    def tensor_v3(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, backward_hooks: Any,
                  dtype: Any, metadata: Any = None) -> Tensor:
        # PyTorch's form for dtypes without a legacy storage class (uint16...): bytes plus a dtype
        if not isinstance(storage, LoadedStorage) or not isinstance(dtype, dtypes.dtype):
            raise pickle.UnpicklingError("bad _rebuild_tensor_v3 record")
        dt = host_dtype(dtype.name)
        raw = storage.array
        if raw.dtype != np.uint8 or raw.size % dt.itemsize:
            raise pickle.UnpicklingError(f"a {dtype.name} tensor on a storage of {raw.size} {raw.dtype} elements")
        typed = LoadedStorage(raw.view(dt), dtype.name, storage.location)
        return _rebuild_tensor(ctx, typed, offset, size, stride, bool(requires_grad))

    out: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": collections.Counter,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.complex": complex,
        "builtins.bytearray": _bytearray,
        "_codecs.encode": _encode,
        "torch._utils._rebuild_tensor_v2": tensor_v2,
        "torch._utils._rebuild_tensor": tensor_v1,
        "torch._utils._rebuild_tensor_v3": tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Tensor": _TORCH_TENSOR,
        "torch.Size": Size,
        "torch.device": _make_device,
    }
    for name in STORAGE_DTYPES:
        out[f"torch.{name}"] = StorageType(name)
        out[f"torch.storage.{name}"] = out[f"torch.{name}"]
    for torch_name, name in TORCH_DTYPES.items():
        if name in dtypes.BY_NAME:
            out[f"torch.{torch_name}"] = dtypes.BY_NAME[name]
    return out


class _Rebuilding:
    """What both unpicklers share: storages come from the file, and globals are looked up in the
    weights-only allowlist first."""

    ctx: Context
    weights_only: bool
    allowed: dict[str, Any]
    user: dict[str, Any]

    def _setup(self, ctx: Context, weights_only: bool) -> None:
        self.ctx = ctx
        self.weights_only = weights_only
        self.allowed = _allowed_globals(ctx)
        self.user = _user_allowed() if weights_only else {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _compat_pickle.NAME_MAPPING:  # protocol-2 names (``__builtin__.set``)
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full_path = f"{module}.{name}"
        if full_path in self.allowed:
            return self.allowed[full_path]
        if not self.weights_only:
            try:
                return super().find_class(module, name)  # type: ignore[misc]
            except (ImportError, AttributeError) as exc:
                hint = ""
                if module.split(".")[0] == "torch":
                    hint = " (a PyTorch object other than a tensor, e.g. a whole torch.nn.Module: save its state_dict())"
                raise Refused(f"cannot find the global {full_path} the file refers to: {exc}{hint}") from None
        if module.split(".")[0] in _BLOCKED_MODULES:
            raise Refused(
                f"Weights only load failed: this PyTorch pickle checkpoint needs the unsupported GLOBAL {full_path}, "
                f"whose module {module} is blocked. {WEIGHTS_ONLY_HINT}",
                refused=full_path,
            )
        if full_path in self.user:
            return self.user[full_path]
        raise _refused(full_path)

    def persistent_load(self, pid: Any) -> Any:
        return _load_storage(self.ctx, pid)


class _FullUnpickler(_Rebuilding, pickle.Unpickler):
    """``weights_only=False``: any global is imported, as plain ``pickle`` does (runs code from the file)."""

    def __init__(self, file: Any, ctx: Context) -> None:
        super().__init__(file, encoding="utf-8")
        self._setup(ctx, False)


class _WeightsUnpickler(_Rebuilding, pickle._Unpickler):  # type: ignore[name-defined,misc]
    """``weights_only=True``: only allowlisted globals, and no opcode may change an object it did not
    build itself.

    The C unpickler applies a pickle's BUILD (``__setstate__`` or attribute assignment) to any
    object on its stack -- also to the shared objects the allowlist hands out, such as
    ``torch.float32`` (arraygrad's dtype) or the class ``torch.Size``, which a hostile file could
    then rename or rewire for the whole process. This pure-Python unpickler (the same opcodes,
    with its dispatch table) allows BUILD only on dicts and OrderedDicts (a state dict's
    ``_metadata``) and on instances of classes allowed with ``add_safe_globals``, as PyTorch's
    weights-only unpickler does, and counts what REDUCE and NEWOBJ build against the file's
    memory budget.
    """

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, file: Any, ctx: Context) -> None:
        super().__init__(file, encoding="utf-8")
        self._setup(ctx, True)
        self.user_types = tuple(v for v in self.user.values() if isinstance(v, type))

    def load_build(self) -> None:
        inst = self.stack[-2]  # type: ignore[attr-defined]
        if type(inst) not in (dict, OrderedDict) and not (self.user_types and isinstance(inst, self.user_types)):
            kind = type(inst)
            raise Refused(
                "Weights only load failed: this PyTorch pickle checkpoint sets the state of an object of type "
                f"{kind.__module__}.{kind.__qualname__} (pickle BUILD), which is only allowed on dicts, "
                f"OrderedDicts and classes allowed with add_safe_globals. {WEIGHTS_ONLY_HINT}",
                refused=f"BUILD on {kind.__module__}.{kind.__qualname__}",
            )
        super().load_build()  # type: ignore[misc]

    dispatch[pickle.BUILD[0]] = load_build  # type: ignore[assignment]

    def _charge_top(self) -> None:
        built = self.stack[-1]  # type: ignore[attr-defined]
        if isinstance(built, (str, bytes, bytearray, tuple, list, dict, set, frozenset)):
            self.ctx.charge(sys.getsizeof(built), f"a {type(built).__name__}")

    def load_reduce(self) -> None:
        super().load_reduce()  # type: ignore[misc]
        self._charge_top()

    dispatch[pickle.REDUCE[0]] = load_reduce  # type: ignore[assignment]

    def load_newobj(self) -> None:
        super().load_newobj()  # type: ignore[misc]
        self._charge_top()

    dispatch[pickle.NEWOBJ[0]] = load_newobj  # type: ignore[assignment]

    def load_newobj_ex(self) -> None:
        super().load_newobj_ex()  # type: ignore[misc]
        self._charge_top()

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex  # type: ignore[assignment]


def unpickle(data: Any, ctx: Context, weights_only: bool) -> Any:
    """Unpickle one object from the file object ``data``."""
    if weights_only:
        return _WeightsUnpickler(data, ctx).load()
    return _FullUnpickler(data, ctx).load()


# ---------------------------------------------------------------------------------------- host arrays
def host_dtype(name: str) -> np.dtype:
    """The numpy dtype holding arraygrad dtype ``name`` on the host."""
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise LoadError("reading bfloat16 tensors needs the ml_dtypes package") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def _from_bytes(raw: Any, dtype_name: str, numel: int, big_endian: bool, what: str) -> np.ndarray:
    dt = host_dtype(dtype_name)
    if len(raw) != numel * dt.itemsize:
        raise pickle.UnpicklingError(
            f"{what} holds {len(raw)} bytes, but {numel} elements of {dtype_name} need {numel * dt.itemsize}"
        )
    array = np.frombuffer(raw, dtype=dt.newbyteorder(">") if big_endian and dt.itemsize > 1 else dt)
    if big_endian and dt.itemsize > 1:
        array = array.astype(dt)
    return array


# ---------------------------------------------------------------------------------------- zip reading
def _zip_prefix(archive: zipfile.ZipFile) -> str:
    names = archive.namelist()
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkl) != 1:
        raise pickle.UnpicklingError("not a torch.save zip archive (no <archive>/data.pkl record)")
    return pkl[0][: -len("data.pkl")]


def _data_offset(path: str, info: zipfile.ZipInfo) -> int:
    """Where a stored (uncompressed) record's bytes begin in the file."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise pickle.UnpicklingError(f"record {info.filename!r} has a bad local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def load_zip(source: Any, path: str, weights_only: bool, mmap: bool, make_context: Callable[..., Context]) -> Any:
    """Load a ``torch.save`` zip archive from ``source`` (a path or a seekable binary file)."""
    size = os.path.getsize(source) if isinstance(source, str) else len(source.getbuffer())
    budget = memory_budget(size)
    max_inflated, inflated = MAX_INFLATION * size + (64 << 20), [0]
    with zipfile.ZipFile(source) as archive:
        prefix = _zip_prefix(archive)
        names = set(archive.namelist())
        big_endian = False
        if prefix + "byteorder" in names:
            order = _read_record(archive, prefix + "byteorder", 16).decode("ascii", "replace").strip()
            if order not in ("little", "big"):
                raise pickle.UnpicklingError(f"unknown byte order {order!r}")
            big_endian = order == "big"

        def fetch(key: str, dtype_name: str, numel: int) -> np.ndarray:
            name = f"{prefix}data/{key}"
            if name not in names:
                raise pickle.UnpicklingError(f"storage {key!r} is missing from the archive")
            info = archive.getinfo(name)
            dt = host_dtype(dtype_name)
            if info.file_size != numel * dt.itemsize:
                raise pickle.UnpicklingError(
                    f"storage {key!r} holds {info.file_size} bytes, but {numel} elements of {dtype_name} "
                    f"need {numel * dt.itemsize}"
                )
            if mmap and info.compress_type == zipfile.ZIP_STORED and not big_endian and numel:
                return np.memmap(path, dtype=dt, mode="c", offset=_data_offset(path, info), shape=(numel,))
            if mmap and info.compress_type != zipfile.ZIP_STORED:
                raise LoadError(f"mmap=True needs uncompressed storages (record {name!r} is compressed)")
            ctx.charge(info.file_size, f"storage {key!r}")
            if info.compress_type != zipfile.ZIP_STORED:  # torch.save never compresses; a zip bomb does
                inflated[0] += info.file_size
                if inflated[0] > max_inflated:
                    raise LoadError(
                        f"compressed storage {key!r} inflates to {info.file_size} bytes: the storages would take more "
                        f"than this file of its size can hold ({max_inflated} bytes)"
                    )
            return _from_bytes(_read_record(archive, name, info.file_size), dtype_name, numel, big_endian,
                               f"storage {key!r}")

        ctx = make_context(fetch, not mmap, budget)
        pickled = _read_record(archive, prefix + "data.pkl", budget)
        ctx.charge(len(pickled), "data.pkl")
        return unpickle(io.BytesIO(pickled), ctx, weights_only)


def _read_record(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """The bytes of one record, refused when it declares more than ``limit`` bytes; a damaged
    record (bad CRC, bad compressed data, an unsupported compression method) raises LoadError."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise LoadError(f"record {name!r} declares {info.file_size} bytes, more than its file can hold ({limit})")
    try:
        with archive.open(info) as record:
            data = record.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError,
            struct.error, lzma.LZMAError) as exc:
        raise LoadError(f"cannot read record {name!r}: {type(exc).__name__}: {exc}") from None
    if len(data) != info.file_size:
        raise LoadError(f"record {name!r} holds {len(data)} bytes, its directory entry says {info.file_size}")
    return data


# ---------------------------------------------------------------------------------------- legacy reading
def load_legacy(data: bytes, path: str, weights_only: bool, make_context: Callable[..., Context]) -> Any:
    """Load a legacy (pre-1.6 layout) ``torch.save`` stream held in ``data``."""
    stream = io.BytesIO(data)
    budget = memory_budget(len(data))
    header_ctx = make_context(_no_storage, True, budget)
    magic = unpickle(stream, header_ctx, True)
    if magic != LEGACY_MAGIC:
        raise pickle.UnpicklingError("invalid magic number")
    protocol = unpickle(stream, header_ctx, True)
    if protocol != LEGACY_PROTOCOL:
        raise pickle.UnpicklingError(f"invalid protocol version {protocol!r}")
    sys_info = unpickle(stream, header_ctx, True)
    if type(sys_info) is not dict:
        raise pickle.UnpicklingError("bad system info record")
    big_endian = sys_info.get("little_endian", True) is False
    start = stream.tell()
    end = _pickle_end(data, start)  # where the object's pickle stops, found without running it
    stream.seek(end)
    keys = unpickle(stream, header_ctx, True)
    if type(keys) is not list or not all(type(k) is str for k in keys):
        raise pickle.UnpicklingError("bad storage key list")
    storages_start = stream.tell()
    stream.seek(start)
    itemsizes = _scan_storage_types(stream)  # the storages' element sizes, without running the pickle
    layout = _LegacyLayout(data, keys, itemsizes, big_endian, storages_start)

    def fetch(key: str, dtype_name: str, numel: int) -> np.ndarray:
        return layout.get(key, dtype_name, numel)

    ctx = make_context(fetch, True, budget)
    stream.seek(start)
    result = unpickle(stream, ctx, weights_only)
    if stream.tell() != end:
        raise pickle.UnpicklingError("the object's pickle did not end where expected")
    return result


def _no_storage(key: str, dtype_name: str, numel: int) -> np.ndarray:
    raise pickle.UnpicklingError("unexpected storage reference in a header record")


def _pickle_end(data: bytes, start: int) -> int:
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        for opcode, _, _ in pickletools.genops(stream):
            if opcode.name == "STOP":
                return stream.tell()
    except Exception as exc:
        raise pickle.UnpicklingError(f"corrupt pickle: {exc}") from None
    raise pickle.UnpicklingError("the pickle has no end")


class _Inert:
    """Stands for every global while the legacy object pickle is scanned for its storages: it
    accepts any construction, state, item or append, and does nothing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Inert:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return _Inert()

    def __setstate__(self, state: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass


class _Scanner(pickle.Unpickler):
    """Reads a legacy object pickle only to learn each storage's type (needed to find the
    storages' bytes, which follow the pickle); every other global is an inert stand-in."""

    def __init__(self, file: Any) -> None:
        super().__init__(file, encoding="utf-8")
        self.itemsizes: dict[str, int] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module in ("torch", "torch.storage") and name in STORAGE_DTYPES:
            return StorageType(name)
        return type("_Inert", (_Inert,), {})  # a class of its own: a BUILD on it touches nothing shared

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is tuple and len(pid) >= 3 and _ascii(pid[0]) == "storage" and isinstance(pid[1], StorageType):
            key = _ascii(pid[2])
            if type(key) is str:
                size = host_dtype(pid[1].dtype_name).itemsize
                if self.itemsizes.setdefault(key, size) != size:
                    raise pickle.UnpicklingError(f"storage {key!r} is named with two different types")
        return _Inert()


def _scan_storage_types(stream: Any) -> dict[str, int]:
    scanner = _Scanner(stream)
    scanner.load()
    return scanner.itemsizes


class _LegacyLayout:
    """Where each legacy storage's bytes are: they follow the key list in its order, each an
    8-byte element count then the elements, whose size is known from the storage's type."""

    def __init__(self, data: bytes, keys: list[str], itemsizes: dict[str, int], big_endian: bool, pos: int) -> None:
        self.data, self.big_endian = data, big_endian
        self.spans: dict[str, tuple[int, int, int]] = {}  # key -> (start, element count, item size)
        for key in keys:
            if key not in itemsizes:
                raise pickle.UnpicklingError(f"storage {key!r} is listed but no tensor uses it")
            if pos + 8 > len(data):
                raise pickle.UnpicklingError(f"the file ends inside storage {key!r}")
            count = int.from_bytes(data[pos:pos + 8], "big" if big_endian else "little", signed=True)
            pos += 8
            if count < 0 or pos + count * itemsizes[key] > len(data):
                raise pickle.UnpicklingError(f"storage {key!r} declares {count} elements, more than the file holds")
            self.spans[key] = (pos, count, itemsizes[key])
            pos += count * itemsizes[key]

    def get(self, key: str, dtype_name: str, numel: int) -> np.ndarray:
        if key not in self.spans:
            raise pickle.UnpicklingError(f"storage {key!r} is not in the file's storage list")
        start, count, itemsize = self.spans[key]
        if count != numel or itemsize != host_dtype(dtype_name).itemsize:
            raise pickle.UnpicklingError(f"storage {key!r} holds {count} elements, its record says {numel} of {dtype_name}")
        return _from_bytes(self.data[start:start + count * itemsize], dtype_name, numel, self.big_endian,
                           f"storage {key!r}")


# ---------------------------------------------------------------------------------------- zip writing
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
