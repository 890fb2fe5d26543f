"""Reading PyTorch's zip archives and legacy streams: records, storages' bytes, and the object's pickle."""

from __future__ import annotations

import io
import lzma
import os
import pickle
import pickletools
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

import arraygrad._torch_format as _package  # ``unpickle`` is looked up there, where it can be replaced
from arraygrad._torch_format.common import LEGACY_MAGIC, LEGACY_PROTOCOL, MAX_INFLATION, STORAGE_DTYPES, LoadError, host_dtype
from arraygrad._torch_format.rebuild import Context, StorageType, _ascii, memory_budget

__all__ = ["load_zip", "load_legacy"]


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
        return _package.unpickle(io.BytesIO(pickled), ctx, weights_only)


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


def load_legacy(data: bytes, path: str, weights_only: bool, make_context: Callable[..., Context]) -> Any:
    """Load a legacy (pre-1.6 layout) ``torch.save`` stream held in ``data``."""
    stream = io.BytesIO(data)
    budget = memory_budget(len(data))
    header_ctx = make_context(_no_storage, True, budget)
    magic = _package.unpickle(stream, header_ctx, True)
    if magic != LEGACY_MAGIC:
        raise pickle.UnpicklingError("invalid magic number")
    protocol = _package.unpickle(stream, header_ctx, True)
    if protocol != LEGACY_PROTOCOL:
        raise pickle.UnpicklingError(f"invalid protocol version {protocol!r}")
    sys_info = _package.unpickle(stream, header_ctx, True)
    if type(sys_info) is not dict:
        raise pickle.UnpicklingError("bad system info record")
    big_endian = sys_info.get("little_endian", True) is False
    start = stream.tell()
    end = _pickle_end(data, start)  # where the object's pickle stops, found without running it
    stream.seek(end)
    keys = _package.unpickle(stream, header_ctx, True)
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
    result = _package.unpickle(stream, ctx, weights_only)
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
