"""Rebuilding a file's objects: storages, tensors and parameters on them, and the weights-only allowlist of
globals mapped onto arraygrad's objects."""

from __future__ import annotations

import codecs
import collections
import math
import pickle
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from arraygrad._torch_format.common import MAX_EXPANDED_BYTES, STORAGE_DTYPES, TORCH_DTYPES, LoadError, host_dtype
from arraygrad.core import dtypes
from arraygrad.core.tensor import Size, Tensor
from arraygrad.core.tensor import device as Device

__all__ = ["StorageType", "LoadedStorage", "Context", "memory_budget"]


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
