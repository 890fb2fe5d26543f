"""Hostile and damaged checkpoints, and saves that fail or are killed half-way.

``ag.load`` must stay bounded in memory by the file's size, never run code from a weights-only
load, and report every damaged or hostile file as one ``ValueError`` (or, for a global a
weights-only load refuses, ``pickle.UnpicklingError`` as PyTorch does) naming the file.
``ag.save`` must leave no partial file at its destination and report every write failure as an
``OSError``; a save killed with ``kill -9`` leaves a staging directory that the next save to the
same path removes.
"""

from __future__ import annotations

import errno
import io
import json
import os
import pathlib
import pickle
import random
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from typing import Any

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import torch

import arraygrad as ag
from arraygrad import _torch_format, serialization

FOUR_MB = 1 << 20  # float32 elements


def staging_entries(directory: pathlib.Path) -> list[str]:
    """What a save leaves next to its target while (or after being killed while) writing."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def run_python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)


def assert_one_clear_error(error: BaseException) -> None:
    """No chained safetensors / zipfile / json traceback behind the message."""
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


# ---------------------------------------------------------------------------------------- repeated references
def repeated_reference_file(path: pathlib.Path, references: int, tag: str = "tensor") -> int:
    """An arraygrad checkpoint whose metadata names one 4 MB stored tensor ``references`` times."""
    node = {"t": tag, "key": "a", "dtype": "float32", "shape": [FOUR_MB]}
    doc = {"format": serialization.FORMAT, "version": 1, "tree": {"t": "list", "v": [node] * references}}
    safetensors.numpy.save_file({"a": np.arange(FOUR_MB, dtype=np.float32)}, str(path),
                                metadata={"arraygrad": json.dumps(doc)})
    return path.stat().st_size


@pytest.mark.parametrize("tag", ["tensor", "ndarray"])
@pytest.mark.parametrize("how", ["path", "file object", "mmap"])
def test_repeated_references_load_the_stored_tensor_once(tag: str, how: str, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "repeated.safetensors"
    size = repeated_reference_file(path, 400, tag)
    tracemalloc.start()
    try:
        if how == "file object":
            with open(path, "rb") as fh:
                out = ag.load(fh)
        else:
            out = ag.load(path, mmap=how == "mmap")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(out) == 400 and all(item is out[0] for item in out)  # shared, as PyTorch shares a storage
    values = out[0] if tag == "ndarray" else out[0].numpy()
    np.testing.assert_array_equal(values, np.arange(FOUR_MB, dtype=np.float32))
    assert peak < 3 * size, f"loading a {size}-byte file took {peak} bytes"  # 400 copies: 1.6 GB


def test_a_complex_tensor_and_its_real_parts_named_by_one_entry(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "complex"
    nodes = [{"t": "tensor", "key": "a", "dtype": "complex64", "shape": [2]},
             {"t": "tensor", "key": "a", "dtype": "float32", "shape": [2, 2]}] * 3
    doc = {"format": serialization.FORMAT, "version": 1, "tree": {"t": "list", "v": nodes}}
    safetensors.numpy.save_file({"a": np.array([[1, 2], [3, 4]], np.float32)}, str(path),
                                metadata={"arraygrad": json.dumps(doc)})
    out = ag.load(path)
    assert out[0] is out[2] is out[4] and out[1] is out[3] is out[5]
    assert out[0].dtype == ag.complex64 and out[0].tolist() == [1 + 2j, 3 + 4j]
    assert out[1].dtype == ag.float32 and out[1].tolist() == [[1, 2], [3, 4]]


REPEATED_PEAK = textwrap.dedent("""
    import resource, sys
    import arraygrad as ag
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = ag.load(sys.argv[1])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(out), len({id(t) for t in out}), (after - before) * 1024)
""")


def test_a_thousand_references_stay_bounded_in_a_fresh_process(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "repeated.safetensors"
    size = repeated_reference_file(path, 1000)  # 4.2 MB; 4 GB and a PanicException before
    result = run_python(REPEATED_PEAK, str(path))
    assert result.returncode == 0, result.stderr
    count, distinct, growth = map(int, result.stdout.split())
    assert (count, distinct) == (1000, 1)
    assert growth < 20 * size, f"peak RSS grew by {growth} bytes loading a {size}-byte file"


# ---------------------------------------------------------------------------------------- safetensors panics
GENUINE_PANIC = textwrap.dedent("""
    import json, resource, struct, sys
    import arraygrad as ag
    path, n = sys.argv[1], 400 << 20
    header = json.dumps({"a": {"dtype": "U8", "shape": [n], "data_offsets": [0, n]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        f.truncate(8 + len(header) + n)  # sparse: no disk space, no time
    vm = int(next(line for line in open("/proc/self/status") if line.startswith("VmSize")).split()[1]) * 1024
    # room to map the file, not to copy it: safetensors' get_tensor then panics (pyo3 PanicException)
    resource.setrlimit(resource.RLIMIT_AS, (vm + n + (100 << 20), resource.RLIM_INFINITY))
    try:
        ag.load(path)
        print("loaded")
    except ValueError as exc:
        print("ValueError", exc)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT_AS (Linux)")
def test_a_genuine_safetensors_panic_becomes_a_value_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.safetensors"
    result = run_python(GENUINE_PANIC, str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith(f"ValueError ag.load: {path}: the safetensors library failed"), result.stdout
    assert "PanicException" in result.stdout


class PanicException(BaseException):
    """Stands for pyo3's ``pyo3_runtime.PanicException`` (not importable: pyo3 makes it at run time)."""


PanicException.__module__ = "pyo3_runtime"


class PanickingHandle:
    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> PanickingHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def _maybe(self, where: str) -> None:
        if self.where == where:
            raise PanicException("called `Option::unwrap()` on a `None` value")

    def metadata(self) -> dict[str, str] | None:
        self._maybe("metadata")
        doc = {"format": serialization.FORMAT, "version": 1,
               "tree": {"t": "tensor", "key": "a", "dtype": "float32", "shape": [2]}}
        return {"arraygrad": json.dumps(doc)}

    def keys(self) -> list[str]:
        self._maybe("keys")
        return ["a"]

    def get_tensor(self, key: str) -> np.ndarray:
        self._maybe("get_tensor")
        return np.ones(2, np.float32)


@pytest.mark.parametrize("where", ["safe_open", "metadata", "keys", "get_tensor"])
def test_safetensors_panics_anywhere_become_a_value_error(where: str, tmp_path: pathlib.Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt"
    ag.save({"a": ag.ones(2)}, path)

    def safe_open(*args: Any, **kwargs: Any) -> PanickingHandle:
        if where == "safe_open":
            raise PanicException("index out of bounds")
        return PanickingHandle(where)

    monkeypatch.setattr(safetensors, "safe_open", safe_open)
    with pytest.raises(ValueError) as info:
        ag.load(path)
    assert str(info.value).startswith(f"ag.load: {path}") and "PanicException" in str(info.value)
    assert_one_clear_error(info.value)


def test_keyboard_interrupt_while_loading_is_not_swallowed(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt"
    ag.save({"a": ag.ones(2)}, path)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors, "safe_open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ag.load(path)


# ---------------------------------------------------------------------------------------- kill -9 mid-save
SAVER = textwrap.dedent("""
    import sys, time
    import arraygrad as ag
    import safetensors.numpy
    from arraygrad import serialization

    path, fmt, mode = sys.argv[1:4]
    if mode == "stall":  # write half of the file, then wait to be killed
        def stalled_safetensors(tensors, filename, metadata=None):
            data = safetensors.numpy.save(tensors, metadata=metadata)
            with open(filename, "wb") as f:
                f.write(data[: len(data) // 2])
            print("WRITING", flush=True)
            time.sleep(120)

        def stalled_zip(prepared, tmp):
            with open(tmp, "wb") as f:
                f.write(prepared.pickled[: len(prepared.pickled) // 2])
            print("WRITING", flush=True)
            time.sleep(120)

        safetensors.numpy.save_file = stalled_safetensors
        serialization._write_zip_file = stalled_zip
    obj = {"w": ag.ones(4 << 20), "step": 2}  # 16 MB
    if fmt == "zip":
        obj["tags"] = {"a", "b"}  # a set: pickled into PyTorch's zip format
    print("READY", flush=True)
    for step in range(1000 if mode == "loop" else 1):
        obj["step"] = step + 2
        ag.save(obj, path)
    print("DONE", flush=True)
""")


def start_saver(path: pathlib.Path, fmt: str, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), fmt, mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "READY\n"
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)  # reaped: its pid is gone, as after a crash


@pytest.mark.skipif(os.name != "posix", reason="stale staging directories are found with flock (POSIX)")
@pytest.mark.parametrize("fmt", ["safetensors", "zip"])
def test_a_save_killed_mid_write_leaves_the_old_file_and_the_next_save_cleans_up(
    fmt: str, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "ckpt.pt"
    ag.save({"w": ag.zeros(3), "step": 1}, path)
    before = path.read_bytes()
    proc = start_saver(path, fmt, "stall")
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "WRITING\n"
        stale = staging_entries(tmp_path)
        assert len(stale) == 1 and stale[0].startswith(".ckpt.pt.")  # the save's staging directory, mid-write
        assert path.read_bytes() == before
        if fmt == "zip":  # while its process lives, a save to the same path leaves its staging alone
            ag.save({"w": ag.zeros(3), "step": 5}, path)
            before = path.read_bytes()
        else:  # and so does a save to another path
            ag.save({"other": ag.ones(1)}, tmp_path / "unrelated.pt")
        assert staging_entries(tmp_path) == stale
    finally:
        kill(proc)
    assert path.read_bytes() == before  # the killed save never renamed: the checkpoint there is intact
    assert staging_entries(tmp_path) == stale  # what kill -9 leaves behind
    ag.save({"w": ag.full((3,), 7.0), "step": 3}, path)
    assert staging_entries(tmp_path) == []
    back = ag.load(path)
    assert back["step"] == 3 and back["w"].tolist() == [7.0, 7.0, 7.0]


@pytest.mark.skipif(os.name != "posix", reason="stale staging directories are found with flock (POSIX)")
def test_kill_9_at_a_random_moment_of_real_saves(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ckpt"
    ag.save({"w": ag.zeros(3), "step": 1}, path)
    proc = start_saver(path, "safetensors", "loop")  # saves 16 MB checkpoints over and over
    time.sleep(random.Random(0).uniform(0.3, 0.8))
    kill(proc)
    back = ag.load(path)  # always a whole checkpoint: the first one or one of the loop's
    assert back["step"] == 1 or back["w"].shape == (4 << 20,)
    ag.save({"w": ag.zeros(3), "step": 1}, path)
    assert staging_entries(tmp_path) == []


# ---------------------------------------------------------------------------------------- write failures
def test_a_full_disk_is_an_os_error_naming_the_path(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt.safetensors"
    ag.save({"w": ag.ones(3)}, path)
    before = path.read_bytes()
    real_save_file = safetensors.numpy.save_file

    def onto_a_full_disk(tensors: dict, filename: str, metadata: dict | None = None) -> None:
        real_save_file(tensors, filename, metadata=metadata)
        with open(filename, "r+b") as f:  # a torn write...
            f.truncate(100)
        # ...and safetensors' own report of ENOSPC (its writer renames a temporary file over the
        # target, so it cannot be pointed at /dev/full)
        raise safetensors.SafetensorError(
            f'Error while serializing: I/O error: No space left on device (os error 28) at path "{filename}"'
        )

    monkeypatch.setattr(safetensors.numpy, "save_file", onto_a_full_disk)
    with pytest.raises(OSError) as info:
        ag.save({"w": ag.zeros(1 << 16)}, path)
    assert not isinstance(info.value, safetensors.SafetensorError)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert str(path) in str(info.value) and "No space left on device" in str(info.value)
    assert path.read_bytes() == before and staging_entries(tmp_path) == []


@pytest.mark.parametrize("failure", ["safetensors error without errno", "panic", "permission"])
def test_every_write_failure_is_an_os_error(failure: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt"
    ag.save([1], path)
    before = path.read_bytes()

    def failing(tensors: dict, filename: str, metadata: dict | None = None) -> None:
        if failure == "panic":
            raise PanicException("explicit panic")
        if failure == "permission":
            raise PermissionError(errno.EACCES, "Permission denied", filename)
        raise safetensors.SafetensorError("Error while serializing: something went wrong")

    monkeypatch.setattr(safetensors.numpy, "save_file", failing)
    with pytest.raises(OSError) as info:
        ag.save([2], path)
    assert str(path) in str(info.value)
    if failure == "permission":
        assert isinstance(info.value, PermissionError) and info.value.errno == errno.EACCES
    assert path.read_bytes() == before and staging_entries(tmp_path) == []


def test_a_full_disk_while_writing_a_zip_checkpoint(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux)")
    path = tmp_path / "ckpt"
    ag.save({1, 2}, path)
    before = path.read_bytes()

    def onto_a_full_disk(prepared: Any, tmp: str) -> None:
        with open("/dev/full", "wb") as out:
            _torch_format.write_zip(prepared, out)

    monkeypatch.setattr(serialization, "_write_zip_file", onto_a_full_disk)
    with pytest.raises(OSError) as info:
        ag.save({"tags": {1, 2}, "w": ag.ones(1 << 16)}, path)
    assert info.value.errno == errno.ENOSPC and str(path) in str(info.value)
    assert path.read_bytes() == before and staging_entries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user for permissions")
def test_a_read_only_directory_is_a_permission_error(tmp_path: pathlib.Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="ag.save: cannot write"):
            ag.save([1], tmp_path / "ckpt")
    finally:
        tmp_path.chmod(0o700)


# ---------------------------------------------------------------------------------------- deep nesting
def document_file(path: pathlib.Path, document_text: str) -> None:
    safetensors.numpy.save_file({"a": np.ones(2, np.float32)}, str(path), metadata={"arraygrad": document_text})


@pytest.mark.parametrize("depth", [101, 400, 200_000])
def test_deeply_nested_metadata_is_a_value_error(depth: int, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "deep"
    tree = '{"t":"list","v":[' * depth + "1" + "]}" * depth
    document_file(path, json.dumps({"format": serialization.FORMAT, "version": 1, "tree": None})[:-5] + tree + "}")
    with pytest.raises(ValueError) as info:
        ag.load(path)
    assert str(info.value).startswith(f"ag.load: {path} is not an arraygrad checkpoint (")
    assert "nested" in str(info.value)
    assert_one_clear_error(info.value)


def test_deep_dict_keys_are_a_value_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "deep_key"
    key = '{"t":"tuple","v":[' * 150 + "1" + "]}" * 150
    head = json.dumps({"format": serialization.FORMAT, "version": 1, "tree": None})[:-5]
    document_file(path, head + '{"t":"dict","v":[[' + key + ",1]]}}")
    with pytest.raises(ValueError, match="nested more than"):
        ag.load(path)


def test_objects_nested_deeper_than_the_limit_are_pickled_and_load_back(tmp_path: pathlib.Path) -> None:
    nested: list[Any] = [ag.ones(2)]
    for _ in range(149):
        nested = [nested]
    path = tmp_path / "deep"
    ag.save(nested, path)
    assert zipfile.is_zipfile(path)  # beyond the safetensors layout's depth: PyTorch's format
    back = ag.load(path)
    for _ in range(149):
        back = back[0]
    assert back[0].tolist() == [1.0, 1.0]
    shallow = [[[ag.ones(1)]]]
    ag.save(shallow, path)
    assert not zipfile.is_zipfile(path)


# ---------------------------------------------------------------------------------------- fuzzed safetensors files
def raw_safetensors(header: Any, data: bytes = b"", length: int | None = None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def ag_doc(tree: Any) -> dict[str, str]:
    return {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1, "tree": tree})}


def tensor_entry(dtype: str = "F32", shape: list[int] | None = None, offsets: list[int] | None = None) -> dict[str, Any]:
    return {"dtype": dtype, "shape": [2] if shape is None else shape, "data_offsets": offsets or [0, 8]}


GOOD = np.ones(2, np.float32).tobytes()
FUZZED: dict[str, bytes] = {
    "truncated data": raw_safetensors({"a": tensor_entry()}, GOOD[:5]),
    "header length past the end": raw_safetensors({"a": tensor_entry()}, GOOD, length=10_000),
    "header length 2**63": raw_safetensors({"a": tensor_entry()}, GOOD, length=1 << 63),
    "header length 0": raw_safetensors({"a": tensor_entry()}, GOOD, length=0),
    "header length cuts the json": raw_safetensors({"a": tensor_entry()}, GOOD, length=20),
    "negative offset": raw_safetensors({"a": tensor_entry(offsets=[-8, 0])}, GOOD),
    "reversed offsets": raw_safetensors({"a": tensor_entry(offsets=[8, 0])}, GOOD),
    "offsets past the data": raw_safetensors({"a": tensor_entry(offsets=[0, 800])}, GOOD),
    "shape and offsets disagree": raw_safetensors({"a": tensor_entry(shape=[3])}, GOOD),
    "shape overflows": raw_safetensors({"a": tensor_entry(shape=[1 << 62, 1 << 62])}, GOOD),
    "unknown dtype string": raw_safetensors({"a": tensor_entry(dtype="Q9")}, GOOD),
    "float8 (numpy has none)": raw_safetensors({"a": tensor_entry(dtype="F8_E4M3", shape=[8])}, GOOD),
    "float6": raw_safetensors({"a": tensor_entry(dtype="F6_E2M3", shape=[8], offsets=[0, 6])}, GOOD[:6]),
    "header is a list": raw_safetensors([1, 2], GOOD),
    "metadata is a list": raw_safetensors({"__metadata__": ["x"], "a": tensor_entry()}, GOOD),
    "metadata value is a number": raw_safetensors({"__metadata__": {"arraygrad": 5}, "a": tensor_entry()}, GOOD),
    "document is a list": raw_safetensors({"__metadata__": {"arraygrad": "[1, 2]"}, "a": tensor_entry()}, GOOD),
    "tree key is a list": raw_safetensors({"__metadata__": ag_doc({"t": "tensor", "key": ["a"], "dtype": "float32",
                                                                   "shape": [2]}), "a": tensor_entry()}, GOOD),
    "tree dtype is a dict": raw_safetensors({"__metadata__": ag_doc({"t": "tensor", "key": "a", "dtype": {},
                                                                     "shape": [2]}), "a": tensor_entry()}, GOOD),
    "tree shape negative": raw_safetensors({"__metadata__": ag_doc({"t": "tensor", "key": "a", "dtype": "float32",
                                                                    "shape": [-2]}), "a": tensor_entry()}, GOOD),
    "tree shape of bools": raw_safetensors({"__metadata__": ag_doc({"t": "tensor", "key": "a", "dtype": "float32",
                                                                    "shape": [True, True]}), "a": tensor_entry()}, GOOD),
    "tree dtype unknown": raw_safetensors({"__metadata__": ag_doc({"t": "tensor", "key": "a", "dtype": "float8",
                                                                   "shape": [2]}), "a": tensor_entry()}, GOOD),
    "tree ndarray of an object dtype": raw_safetensors(
        {"__metadata__": ag_doc({"t": "ndarray", "key": "a", "dtype": "object", "shape": [2]}), "a": tensor_entry()},
        GOOD),
    "tree tag is a list": raw_safetensors({"__metadata__": ag_doc({"t": ["list"], "v": []}), "a": tensor_entry()}, GOOD),
    "tree size of negatives": raw_safetensors({"__metadata__": ag_doc({"t": "size", "v": [-1]}), "a": tensor_entry()},
                                              GOOD),
    "tree dict key unhashable": raw_safetensors({"__metadata__": ag_doc({"t": "dict", "v": [[{"t": "list"}, 1]]}),
                                                 "a": tensor_entry()}, GOOD),
    "tree float of a list": raw_safetensors({"__metadata__": ag_doc({"t": "float", "v": ["nan"]}), "a": tensor_entry()},
                                            GOOD),
    "tree dtype node of a list": raw_safetensors({"__metadata__": ag_doc({"t": "dtype", "v": ["float32"]}),
                                                  "a": tensor_entry()}, GOOD),
}


@pytest.mark.parametrize("how", ["path", "file object"])
@pytest.mark.parametrize("name", list(FUZZED))
def test_fuzzed_safetensors_files_are_a_value_error_naming_the_file(name: str, how: str, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "fuzzed.safetensors"
    path.write_bytes(FUZZED[name])
    with pytest.raises(ValueError) as info:
        if how == "path":
            ag.load(path)
        else:
            with open(path, "rb") as fh:
                ag.load(fh)
    assert str(info.value).startswith(f"ag.load: {path}")
    assert_one_clear_error(info.value)


@pytest.mark.parametrize("cut", [9, 100, -200, -1])
def test_truncated_arraygrad_checkpoints(cut: int, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ckpt"
    ag.save({"w": ag.ones(100), "nested": {"b": [ag.zeros(2, dtype=ag.int64)]}}, path)
    data = path.read_bytes()
    assert len(data) > 400
    path.write_bytes(data[:cut])
    with pytest.raises(ValueError) as info:
        ag.load(path)
    assert str(info.value).startswith(f"ag.load: {path} is not an arraygrad checkpoint (")
    assert_one_clear_error(info.value)


# ---------------------------------------------------------------------------------------- PyTorch pickles that would run code
class RunsCode:
    """Pickles as a call that would create the marker file."""

    def __init__(self, how: str, marker: pathlib.Path) -> None:
        self.how, self.marker = how, marker

    def __reduce__(self) -> tuple[Any, ...]:
        if self.how == "os.system":
            return (os.system, (f"touch {self.marker}",))
        if self.how == "builtins.eval":
            return (eval, (f"open({str(self.marker)!r}, 'w').close()",))
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


class AnyClass:
    """An arbitrary class whose rebuilding would create the marker file."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = str(marker)

    def __setstate__(self, state: dict[str, Any]) -> None:
        pathlib.Path(state["marker"]).touch()


REFUSED = {  # payload -> the global the error must name
    "os.system": "posix.system" if os.name == "posix" else "nt.system",
    "builtins.eval": "eval",
    "pathlib.Path.touch": "getattr",  # protocol 2 pickles a method as getattr(class, name)
    "arbitrary class": f"{__name__}.AnyClass",
}


def torch_file_with(payload: str, marker: pathlib.Path, path: pathlib.Path, fmt: str) -> None:
    evil: Any = AnyClass(marker) if payload == "arbitrary class" else RunsCode(payload, marker)
    state = {"weight": torch.ones(2, 2), "extra": evil}
    torch.save(state, path, _use_new_zipfile_serialization=fmt == "zip")


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
@pytest.mark.parametrize("payload", list(REFUSED))
def test_code_running_torch_pickles_are_refused_and_run_nothing(payload: str, fmt: str, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch_file_with(payload, marker, path, fmt)
    with pytest.raises(pickle.UnpicklingError) as oracle:  # PyTorch's weights_only loader refuses it too
        torch.load(path)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError) as info:
        ag.load(path)
    message = str(info.value)
    assert message.startswith(f"ag.load: {path}: Weights only load failed")
    assert "PyTorch pickle checkpoint" in message and f"GLOBAL {REFUSED[payload]}" in message
    assert "weights_only=False" in message and "unsafe" in message
    assert isinstance(oracle.value, pickle.UnpicklingError)  # the same kind of error as PyTorch's
    assert not marker.exists()
    ag.load(path, weights_only=False)  # the explicit, unsafe opt-in: the payload is real
    assert marker.exists()


def test_a_global_from_an_unknown_module(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "unknown.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02cno_such_module_anywhere\nthing\n)R.")
    with pytest.raises(pickle.UnpicklingError) as info:
        ag.load(path)
    assert "GLOBAL no_such_module_anywhere.thing" in str(info.value) and "PyTorch pickle checkpoint" in str(info.value)
    with pytest.raises(pickle.UnpicklingError, match="cannot find the global no_such_module_anywhere.thing"):
        ag.load(path, weights_only=False)


BUILDS = {  # a BUILD on an object the allowlist shares would change it for the whole process
    "rename torch.float32": b"\x80\x02ctorch\nfloat32\n(N}Vname\nVint64\nstb.",
    "rewire torch.Size": b"\x80\x02ctorch\nSize\n(N}V__len__\nI5\nstb.",
    "state on a tensor": None,
}


@pytest.mark.parametrize("name", list(BUILDS))
def test_builds_on_shared_objects_are_refused(name: str, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "build.pt"
    body = BUILDS[name]
    if body is None:  # _rebuild_tensor_v2 on a storage, then BUILD that replaces its backend
        body = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((Vstorage\nctorch\nFloatStorage\nV0\nVcpu\nK\x02tQ"
                b"K\x00K\x02\x85K\x01\x85\x89tR(N}V_backend\nI0\nstb.")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", body)
        archive.writestr("archive/data/0", np.ones(2, np.float32).tobytes())
    with pytest.raises(pickle.UnpicklingError) as info:
        ag.load(path)
    assert "(pickle BUILD)" in str(info.value) and "PyTorch pickle checkpoint" in str(info.value)
    assert ag.float32.name == "float32" and len(ag.Size([1, 2])) == 2


def test_a_state_dict_metadata_build_still_loads(tmp_path: pathlib.Path) -> None:
    model = torch.nn.Linear(2, 2)
    path = tmp_path / "sd.pt"
    torch.save(model.state_dict(), path)  # an OrderedDict with _metadata: a BUILD on an OrderedDict
    back = ag.load(path)
    assert list(back) == ["weight", "bias"] and back._metadata[""]["version"] == 1


# ---------------------------------------------------------------------------------------- damaged zip archives
@pytest.fixture
def torch_zip(tmp_path: pathlib.Path) -> bytes:
    path = tmp_path / "good.pt"
    torch.save({"w": torch.arange(64, dtype=torch.float32), "b": torch.ones(3)}, path)
    return path.read_bytes()


def damaged(good: bytes, how: str) -> bytes:
    data = bytearray(good)
    if how.startswith("truncated at "):
        return bytes(data[: int(how.removeprefix("truncated at "))])
    if how == "central directory garbled":  # every entry's local header offset points nowhere
        at = good.find(b"PK\x01\x02")
        while at >= 0:
            data[at + 42: at + 46] = struct.pack("<I", 0x7FFFFFF0)
            at = good.find(b"PK\x01\x02", at + 4)
    elif how == "end record garbled":  # no end-of-central-directory record to be found
        start = good.rindex(b"PK\x05\x06")
        data[start: start + 4] = b"PK\x00\x00"
    elif how == "storage bytes flipped (bad CRC)":
        start = good.index(b"/data/0") + len("/data/0")
        start = good.index(b"\x00\x00\x80\x3f", start)  # 1.0 in the first storage
        data[start: start + 4] = b"\x00\x00\x00\x40"
    elif how == "unknown compression method":
        for marker in (b"PK\x03\x04", b"PK\x01\x02"):
            at = good.find(marker)
            while at >= 0:
                offset = 8 if marker == b"PK\x03\x04" else 10
                data[at + offset: at + offset + 2] = struct.pack("<H", 99)
                at = good.find(marker, at + 4)
    elif how == "encrypted flag":
        for marker in (b"PK\x03\x04", b"PK\x01\x02"):
            at = good.find(marker)
            while at >= 0:
                offset = 6 if marker == b"PK\x03\x04" else 8
                data[at + offset] |= 1
                at = good.find(marker, at + 4)
    return bytes(data)


DAMAGE = ["truncated at 10", "truncated at 200", "truncated at 1000", "truncated at -30", "central directory garbled",
          "end record garbled", "storage bytes flipped (bad CRC)", "unknown compression method", "encrypted flag"]


@pytest.mark.parametrize("weights_only", [True, False])
@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_torch_zips_are_a_value_error_naming_the_file(how: str, weights_only: bool, torch_zip: bytes,
                                                               tmp_path: pathlib.Path) -> None:
    data = damaged(torch_zip, how.replace("-30", str(len(torch_zip) - 30)))
    assert data != torch_zip
    path = tmp_path / "damaged.pt"
    path.write_bytes(data)
    with pytest.raises(ValueError) as info:
        ag.load(path, weights_only=weights_only)
    assert str(info.value).startswith(f"ag.load: {path}")
    assert_one_clear_error(info.value)
    with pytest.raises(ValueError) as from_object:
        ag.load(io.BytesIO(data), weights_only=weights_only)
    assert str(from_object.value).startswith("ag.load: <BytesIO>")


def test_a_zip_bomb_storage_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bomb.pt"
    numel = 24 << 20  # 96 MB of zeros, deflated to about 100 kB
    body = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((Vstorage\nctorch\nFloatStorage\nV0\nVcpu\nJ"
            + struct.pack("<i", numel) + b"tQK\x00J" + struct.pack("<i", numel) + b"\x85K\x01\x85\x89tR.")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", body)
        with archive.open("archive/data/0", "w") as record:
            for _ in range(numel * 4 >> 20):
                record.write(bytes(1 << 20))
    assert path.stat().st_size < (1 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than this file of its size can hold"):
            ag.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def repeated_rebuilds(path: pathlib.Path, references: int, offsets: bool) -> None:
    """A zip whose pickle rebuilds one 4 MB storage ``references`` times (each a dense copy), at
    offset 0 each time or at a new offset each time."""
    storage = b"(Vstorage\nctorch\nFloatStorage\nV0\nVcpu\nJ" + struct.pack("<i", FOUR_MB) + b"tQq\x01"
    body = b"\x80\x02]("
    for i in range(references):
        offset = i if offsets else 0
        body += (b"ctorch._utils\n_rebuild_tensor_v2\n(" + (storage if i == 0 else b"h\x01")
                 + b"J" + struct.pack("<i", offset) + b"J" + struct.pack("<i", FOUR_MB - references)
                 + b"\x85K\x01\x85\x89tR")
    body += b"e."
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", body)
        archive.writestr("archive/data/0", np.zeros(FOUR_MB, np.float32).tobytes())


@pytest.mark.parametrize("offsets", [False, True])
def test_a_torch_pickle_rebuilding_one_storage_a_thousand_times_is_refused(offsets: bool, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "repeated.pt"
    repeated_rebuilds(path, 1000, offsets)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than this file of its size can hold") as info:
            ag.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith(f"ag.load: {path}")
    assert peak < _torch_format.memory_budget(path.stat().st_size) + (64 << 20)  # not 4 GB
    repeated_rebuilds(path, 3, offsets)  # a few overlapping views of one storage are fine
    assert len(ag.load(path)) == 3


def test_a_pickle_building_one_big_bytes_object_over_and_over_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bytes.pt"
    big = b"B" + struct.pack("<I", 1 << 20) + b"x" * (1 << 20) + b"q\x01"  # 1 MB, memoised
    body = b"\x80\x02]((c__builtin__\nbytearray\n(" + big + b"tR" + b"c__builtin__\nbytearray\n(h\x01tR" * 5000 + b"e."
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", body)
    with pytest.raises(ValueError, match="more than this file of its size can hold"):
        ag.load(path)
