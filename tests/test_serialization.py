"""ag.save / ag.load: safetensors checkpoints with a JSON description of everything that is not a
tensor. Round trips of state dicts, optimizer state dicts and nested structures on every backend,
loading onto another backend, file objects, map_location and mmap, atomic writes, clear errors for
bad files, objects beyond weights (pickled in PyTorch's zip format, loaded only with
weights_only=False or allowlisted globals), and PyTorch interop through safetensors in both
directions. Files written by PyTorch itself are tested in test_torch_checkpoints.py."""

from __future__ import annotations

import ast
import collections
import io
import json
import math
import mmap
import os
import pathlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import arraygrad as ag
from arraygrad import serialization

# ---------------------------------------------------------------------------------------- helpers


def host(t: ag.Tensor) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def assert_same_tensor(actual: object, expected: ag.Tensor, backend: str) -> None:
    assert isinstance(actual, ag.Tensor), type(actual)
    assert actual.backend.name == backend
    assert actual.dtype == expected.dtype
    assert tuple(actual.shape) == tuple(expected.shape)
    assert not actual.requires_grad
    np.testing.assert_array_equal(host(actual), host(expected))


def assert_same(actual: object, expected: object, backend: str) -> None:
    """Deep equality that also checks container types, key order, key types and tensor dtypes."""
    if isinstance(expected, ag.Tensor):
        assert_same_tensor(actual, expected, backend)
        return
    assert type(actual) is type(expected), (type(actual), type(expected))
    if isinstance(expected, dict):
        assert list(actual) == list(expected)  # same keys, same order
        assert [type(k) for k in actual] == [type(k) for k in expected]
        for k in expected:
            assert_same(actual[k], expected[k], backend)
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same(a, e, backend)
    elif isinstance(expected, np.ndarray):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual)
    elif isinstance(expected, float):
        assert actual == expected and math.copysign(1, actual) == math.copysign(1, expected)
    else:
        assert actual == expected


def mlp() -> ag.nn.Module:
    ag.manual_seed(0)
    return ag.nn.Sequential(ag.nn.Linear(3, 5), ag.nn.ReLU(), ag.nn.Linear(5, 2))


def tmp_files(directory: pathlib.Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------------------------------- round trips


def test_save_and_load_are_exported() -> None:
    assert ag.save is serialization.save and ag.load is serialization.load


def test_module_state_dict_round_trip(backend: str, tmp_path: pathlib.Path) -> None:
    model = mlp()
    sd = model.state_dict()
    path = tmp_path / "model.safetensors"
    ag.save(sd, path)
    back = ag.load(path)
    assert type(back) is OrderedDict
    assert list(back) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert_same(back, sd, backend)
    assert back._metadata == sd._metadata  # per-module versions for load_state_dict hooks
    fresh = ag.nn.Sequential(ag.nn.Linear(3, 5), ag.nn.ReLU(), ag.nn.Linear(5, 2))
    fresh.load_state_dict(back)
    x = ag.randn(4, 3)
    np.testing.assert_array_equal(host(fresh(x)), host(model(x)))


def test_flat_state_dict_keys_are_the_safetensors_names(tmp_path: pathlib.Path) -> None:
    sd = mlp().state_dict()
    ag.save(sd, tmp_path / "m.safetensors")
    raw = safetensors.numpy.load_file(str(tmp_path / "m.safetensors"))
    assert sorted(raw) == sorted(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(raw[k], host(v))


@pytest.mark.parametrize(
    "dtype", [ag.float32, ag.float64, ag.int64, ag.bool, ag.int32, ag.uint8], ids=lambda d: d.name
)
@pytest.mark.parametrize("shape", [(), (0, 3), (2, 3, 4)], ids=str)
def test_dtypes_and_shapes_round_trip(backend: str, dtype: ag.dtype, shape: tuple[int, ...], tmp_path: pathlib.Path) -> None:
    data = np.arange(math.prod(shape)).reshape(shape) % 7 - 2
    t = ag.tensor(data, dtype=dtype)
    ag.save({"t": t, "list": [t, t]}, tmp_path / "x")
    back = ag.load(tmp_path / "x")
    assert_same(back, {"t": t, "list": [t, t]}, backend)


@pytest.mark.backends("numpy", "jax")
@pytest.mark.parametrize("dtype", [ag.complex64, ag.complex128], ids=lambda d: d.name)
def test_complex_tensors_round_trip(backend: str, dtype: ag.dtype, tmp_path: pathlib.Path) -> None:
    for t in (ag.tensor([[1 + 2j, -3.5j], [0.25, 4]], dtype=dtype), ag.tensor(1 - 1j, dtype=dtype)):
        ag.save(t, tmp_path / "c")
        assert_same(ag.load(tmp_path / "c"), t, backend)


def test_nested_structures_round_trip(backend: str, tmp_path: pathlib.Path) -> None:
    t = ag.randn(2, 3)
    obj = {
        "tensor": t,
        "scalar": ag.tensor(2.5),
        "numbers": [0, -1, 2**80, 0.1, 1e-300, -0.0, float("nan"), float("inf"), float("-inf"), True, False, None],
        "strings": ("plain", "ünïcødé ✓", "", "with \"quotes\" and \n newline"),
        "nested": {"a": [{"b": (t, [ag.ones(1)])}], "empty": {}, "empty_list": [], "empty_tuple": ()},
        7: "int key",
        2.5: "float key",
        True: "bool key",
        None: "None key",
        ("tuple", 3): "tuple key",
        "ordered": OrderedDict([("z", 1), ("a", ag.zeros(2))]),
        "numpy": np.arange(6, dtype=np.int16).reshape(2, 3),
        "dtype": ag.float64,
        "size": ag.Size([2, 3]),
    }
    ag.save(obj, tmp_path / "nested")
    assert_same(ag.load(tmp_path / "nested"), obj, backend)


@pytest.mark.parametrize("obj", [None, 3, "text", [1, 2], (1, (2, 3)), {}], ids=repr)
def test_plain_values_at_the_top_level(obj: object, tmp_path: pathlib.Path) -> None:
    ag.save(obj, tmp_path / "v")
    assert_same(ag.load(tmp_path / "v"), obj, "numpy")


def test_a_single_tensor_at_the_top_level(backend: str, tmp_path: pathlib.Path) -> None:
    t = ag.arange(5)
    ag.save(t, tmp_path / "t")
    assert_same(ag.load(tmp_path / "t"), t, backend)


def test_numpy_scalars_are_saved_as_python_numbers(tmp_path: pathlib.Path) -> None:
    ag.save({"f": np.float32(1.5), "i": np.int64(7), "b": np.bool_(True), np.int32(3): "k"}, tmp_path / "s")
    back = ag.load(tmp_path / "s")
    assert back == {"f": 1.5, "i": 7, "b": True, 3: "k"}
    assert [type(v) for v in back.values()] == [float, int, bool, str] and type(next(reversed(back))) is int


def test_key_order_is_kept_not_sorted(tmp_path: pathlib.Path) -> None:
    keys = ["zeta", "alpha", "mid", "10", "9", "b.a", "a"]
    obj = {k: ag.tensor(float(i)) for i, k in enumerate(keys)}
    ag.save(obj, tmp_path / "order")
    assert list(ag.load(tmp_path / "order")) == keys


def test_colliding_tensor_names_get_distinct_entries(tmp_path: pathlib.Path) -> None:
    # "a.b" and ["a"]["b"] flatten to the same name; "__metadata__" is reserved by safetensors
    obj = {"a.b": ag.tensor([1.0]), "a": {"b": ag.tensor([2.0])}, "__metadata__": ag.tensor([3.0])}
    ag.save(obj, tmp_path / "c")
    assert_same(ag.load(tmp_path / "c"), obj, "numpy")


@pytest.mark.backends("numpy", "strict", "jax")
@pytest.mark.parametrize("target", ["numpy", "strict", "jax"])
def test_load_onto_another_backend(backend: str, target: str, tmp_path: pathlib.Path) -> None:
    sd = mlp().state_dict()
    sd["steps"] = ag.tensor(3)
    sd["mask"] = ag.tensor([True, False])
    ag.save(sd, tmp_path / "m")
    assert_same(ag.load(tmp_path / "m", backend=target), sd, target)
    with ag.use_backend(target):  # the default backend when backend= is omitted
        assert_same(ag.load(tmp_path / "m"), sd, target)


def test_unknown_backend_is_refused_before_reading(tmp_path: pathlib.Path) -> None:
    ag.save({"a": ag.ones(1)}, tmp_path / "m")
    with pytest.raises(ValueError, match="nope"):
        ag.load(tmp_path / "m", backend="nope")


def test_backend_errors_on_load_are_not_reported_as_a_bad_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # e.g. float64 on jax without jax_enable_x64: the backend's own error, not "not a checkpoint"
    ag.save({"w": ag.ones(2, dtype=ag.float64)}, tmp_path / "m")
    numpy_backend = ag.backends.get("numpy")

    def refuse(array: np.ndarray, dtype: object = None) -> None:
        raise TypeError("float64 needs x64")

    monkeypatch.setattr(numpy_backend, "from_numpy", refuse)
    with pytest.raises(TypeError, match="float64 needs x64"):
        ag.load(tmp_path / "m", backend="numpy")


def test_non_contiguous_and_broadcast_tensors_are_saved_densely(backend: str, tmp_path: pathlib.Path) -> None:
    base = ag.arange(12, dtype=ag.float64).reshape(3, 4)
    obj = {
        "transposed": base.t(),
        "strided": base[:, ::2],
        "broadcast": ag.broadcast_to(ag.tensor([1.0, 2.0]), (3, 2)),
        "expanded_scalar": ag.broadcast_to(ag.tensor(5.0), (2, 2)),
        "numpy_view": np.arange(12.0).reshape(3, 4).T[::2],
    }
    ag.save(obj, tmp_path / "nc")
    assert_same(ag.load(tmp_path / "nc"), obj, backend)


def test_tensors_requiring_grad_are_saved_detached(tmp_path: pathlib.Path) -> None:
    leaf = ag.randn(3, requires_grad=True)
    nonleaf = leaf * 2
    ag.save({"leaf": leaf, "nonleaf": nonleaf, "param": ag.nn.Parameter(ag.ones(2))}, tmp_path / "g")
    back = ag.load(tmp_path / "g")
    for k in back:
        assert type(back[k]) is ag.Tensor and not back[k].requires_grad and back[k].grad_fn is None
    np.testing.assert_array_equal(host(back["nonleaf"]), host(nonleaf))


def test_path_may_be_str_or_pathlike(tmp_path: pathlib.Path) -> None:
    ag.save([1], str(tmp_path / "s"))
    assert ag.load(str(tmp_path / "s")) == [1]
    assert ag.load(tmp_path / "s") == [1]


@pytest.mark.parametrize("obj", [{"w": ag.arange(6).reshape(2, 3), "n": 1}, {"w": ag.ones(2), "s": {1, 2}}],
                         ids=["safetensors", "zip"])
def test_file_objects_round_trip(obj: dict, tmp_path: pathlib.Path) -> None:
    buffer = io.BytesIO()
    ag.save(obj, buffer)
    buffer.seek(0)
    assert_same(ag.load(buffer), obj, "numpy")
    with open(tmp_path / "f", "wb") as out:
        ag.save(obj, out)
    with open(tmp_path / "f", "rb") as src:
        assert_same(ag.load(src), obj, "numpy")
    assert_same(ag.load(tmp_path / "f"), obj, "numpy")  # the same bytes as a path


def test_wrong_kinds_of_file_argument(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TypeError, match="ag.save: f must be a str, os.PathLike or a writable binary file object"):
        ag.save([1], 3)
    with pytest.raises(TypeError, match="ag.load: f must be a str, os.PathLike or a readable binary file object"):
        ag.load(3.5)
    ag.save([1], tmp_path / "t")
    with open(tmp_path / "t", encoding="latin-1") as text, pytest.raises(TypeError, match="binary mode"):
        ag.load(text)
    with pytest.raises(ValueError, match="mmap=True needs the path of a file"):
        ag.load(io.BytesIO((tmp_path / "t").read_bytes()), mmap=True)


@pytest.mark.parametrize("obj", [{"w": ag.arange(6, dtype=ag.float32).reshape(2, 3), "e": ag.zeros(0)},
                                 {"w": ag.arange(6, dtype=ag.float32).reshape(2, 3), "e": ag.zeros(0), "s": {1}}],
                         ids=["safetensors", "zip"])
def test_mmap_gives_writable_copy_on_write_tensors(obj: dict, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m"
    ag.save(obj, path)
    before = path.read_bytes()
    back = ag.load(path, mmap=True)
    base = back["w"]._storage.array
    while getattr(base, "base", None) is not None:
        base = base.base
    assert isinstance(base, mmap.mmap)  # the tensor views the mapped file
    assert_same(back, obj, "numpy")
    back["w"].add_(1)  # private to this process: the file is unchanged
    np.testing.assert_array_equal(host(back["w"]), host(obj["w"]) + 1)
    assert path.read_bytes() == before


@pytest.mark.backends("numpy", "strict", "jax")
@pytest.mark.parametrize("how", ["str", "device", "dict", "callable", "backend name"])
def test_map_location(backend: str, how: str, tmp_path: pathlib.Path) -> None:
    ag.save({"w": ag.ones(2)}, tmp_path / "m")
    target = {"numpy": "strict", "strict": "jax", "jax": "numpy"}[backend]
    map_location = {
        "str": "cpu", "device": ag.device("cpu"), "dict": {"cpu": "cpu"},
        "callable": lambda storage, location: storage, "backend name": target,
    }[how]
    back = ag.load(tmp_path / "m", map_location=map_location)
    assert back["w"].backend.name == (target if how == "backend name" else backend)
    seen = []
    ag.load(tmp_path / "m", map_location=lambda storage, location: seen.append(location))
    assert seen == ["cpu"]


def test_bad_map_location(tmp_path: pathlib.Path) -> None:
    ag.save({"w": ag.ones(2)}, tmp_path / "m")
    with pytest.raises(TypeError, match="map_location must be a str, an ag.device, a dict or a callable"):
        ag.load(tmp_path / "m", map_location=3)
    with pytest.raises((ValueError, RuntimeError), match="tpu"):
        ag.load(tmp_path / "m", map_location="tpu")
    with pytest.raises(TypeError, match="map_location returned int"):
        ag.load(tmp_path / "m", map_location=lambda storage, location: 3)


def test_new_file_gets_umask_permissions_and_replaced_file_keeps_its_mode(tmp_path: pathlib.Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "p"
    ag.save([1], path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    ag.save([2], path)
    assert path.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------------------------------- optimizer state


def test_optimizer_state_dict_round_trip_and_resume(backend: str, tmp_path: pathlib.Path) -> None:
    def make() -> tuple[ag.nn.Module, ag.optim.Optimizer]:
        model = mlp()
        return model, ag.optim.Adam(
            [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.01}], lr=0.1
        )

    ag.manual_seed(1)
    xs = [ag.randn(4, 3) for _ in range(4)]

    def step(model: ag.nn.Module, opt: ag.optim.Optimizer, x: ag.Tensor) -> None:
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()

    model, opt = make()
    for x in xs[:2]:
        step(model, opt, x)
    osd = opt.state_dict()
    ag.save({"model": model.state_dict(), "optim": osd, "epoch": 2}, tmp_path / "ckpt")
    back = ag.load(tmp_path / "ckpt")
    assert_same(back["optim"], osd, backend)
    assert list(back["optim"]["state"]) == [0, 1, 2, 3] and all(type(k) is int for k in back["optim"]["state"])
    assert back["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)

    model2, opt2 = make()
    model2.load_state_dict(back["model"])
    opt2.load_state_dict(back["optim"])
    for x in xs[2:]:
        step(model, opt, x)
        step(model2, opt2, x)
    for p, q in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(host(p), host(q))


def test_optimizer_like_dict_with_int_keys(tmp_path: pathlib.Path) -> None:
    obj = {
        "state": {
            3: {"step": ag.tensor(5.0), "exp_avg": ag.ones(2), "note": None},
            0: {"step": 7, "momentum_buffer": ag.zeros(2, 2)},
            "extra": {"mu_product": 0.9999},
        },
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 3], "nesterov": False, "foreach": None}],
    }
    ag.save(obj, tmp_path / "o")
    back = ag.load(tmp_path / "o")
    assert_same(back, obj, "numpy")
    assert list(back["state"]) == [3, 0, "extra"]


# ---------------------------------------------------------------------------------------- atomic writes


def test_failed_write_leaves_the_previous_file_and_no_temp_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt.safetensors"
    ag.save({"w": ag.ones(3)}, path)
    before = path.read_bytes()
    real_save_file = safetensors.numpy.save_file
    written: list[str] = []

    def half_then_crash(tensors: dict, filename: str, metadata: dict | None = None) -> None:
        real_save_file(tensors, filename, metadata=metadata)
        data = pathlib.Path(filename).read_bytes()
        pathlib.Path(filename).write_bytes(data[: len(data) // 2])  # a torn write...
        written.append(filename)
        raise OSError(28, "No space left on device")  # ...then the disk fills up

    monkeypatch.setattr(safetensors.numpy, "save_file", half_then_crash)
    with pytest.raises(OSError, match="No space left"):
        ag.save({"w": ag.zeros(1000)}, path)
    # the temporary file was in a staging directory next to the target (the same file system)
    assert written and os.path.dirname(os.path.dirname(written[0])) == str(tmp_path)
    assert path.read_bytes() == before
    assert tmp_files(tmp_path) == []
    assert_same(ag.load(path), {"w": ag.ones(3)}, "numpy")


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_failure_at_fsync_or_rename_leaves_the_previous_file(
    where: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt"
    ag.save([1], path)
    before = path.read_bytes()

    def boom(*args: object) -> None:
        raise KeyboardInterrupt if where == "replace" else OSError(5, "I/O error")

    monkeypatch.setattr(serialization.os, where, boom)
    with pytest.raises(KeyboardInterrupt if where == "replace" else OSError):
        ag.save([2], path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert tmp_files(tmp_path) == []


def test_unpicklable_object_touches_no_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ckpt"
    ag.save([1], path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        ag.save([2, lambda x: x], path)  # PyTorch's error too: pickle cannot store a lambda
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]


def test_save_into_a_missing_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such directory"):
        ag.save([1], tmp_path / "missing" / "ckpt")


# ---------------------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nothing.safetensors"
    with pytest.raises(FileNotFoundError) as info:
        ag.load(path)
    assert str(path) in str(info.value)


def _write_safetensors(path: pathlib.Path, metadata: dict[str, str] | None) -> None:
    safetensors.numpy.save_file({"a": np.ones(2, np.float32)}, str(path), metadata=metadata)


def _corrupt_files(tmp_path: pathlib.Path) -> dict[str, pathlib.Path]:
    good = tmp_path / "good"
    ag.save({"w": ag.ones(100), "n": 3}, good)
    data = good.read_bytes()
    files = {
        "random bytes": os.urandom(256),
        "truncated": data[: len(data) - 10],
        "header only": data[:12],
        "empty": b"",
        "json": json.dumps({"w": [1, 2, 3]}).encode(),
        "pickle-like": b"\x80\x04\x95" + os.urandom(50),
    }
    out = {}
    for name, content in files.items():
        out[name] = tmp_path / name.replace(" ", "_")
        out[name].write_bytes(content)
    for name, metadata in {
        "foreign metadata": {"author": "someone", "format": "pt"},
        "metadata not json": {"arraygrad": "{not json"},
        "wrong marker": {"arraygrad": json.dumps({"format": "other", "version": 1, "tree": None})},
        "bad version": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": "1", "tree": None})},
        "missing tensor": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1,
                                                   "tree": {"t": "tensor", "key": "zzz", "dtype": "float32", "shape": [2]}})},
        "dtype mismatch": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1,
                                                   "tree": {"t": "tensor", "key": "a", "dtype": "int64", "shape": [2]}})},
        "shape mismatch": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1,
                                                   "tree": {"t": "tensor", "key": "a", "dtype": "float32", "shape": [3]}})},
        "unknown node": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1,
                                                 "tree": {"t": "pickle", "v": "cos\nsystem\n"}})},
        "bad dict": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1,
                                             "tree": {"t": "dict", "v": [[["list", "key"], 1]]}})},
        "bad list": {"arraygrad": json.dumps({"format": serialization.FORMAT, "version": 1, "tree": {"t": "list"}})},
    }.items():
        out[name] = tmp_path / name.replace(" ", "_")
        _write_safetensors(out[name], metadata)
    return out


CORRUPT = [
    "random bytes", "truncated", "header only", "empty", "json", "pickle-like", "foreign metadata",
    "metadata not json", "wrong marker", "bad version", "missing tensor", "dtype mismatch", "shape mismatch",
    "unknown node", "bad dict", "bad list",
]


@pytest.mark.parametrize("kind", CORRUPT)
def test_bad_file_raises_a_clear_value_error(kind: str, tmp_path: pathlib.Path) -> None:
    path = _corrupt_files(tmp_path)[kind]
    with pytest.raises(ValueError) as info:
        ag.load(path)
    assert str(info.value).startswith(f"ag.load: {path} is not an arraygrad checkpoint (")
    error = info.value  # no chained safetensors/json traceback
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_checkpoint_from_a_newer_version(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "new"
    doc = {"format": serialization.FORMAT, "version": serialization.FORMAT_VERSION + 1, "tree": None}
    _write_safetensors(path, {"arraygrad": json.dumps(doc)})
    with pytest.raises(ValueError, match="newer arraygrad"):
        ag.load(path)


def test_a_directory_is_not_a_checkpoint(tmp_path: pathlib.Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        ag.load(tmp_path)
    assert str(tmp_path) in str(info.value)


# ---------------------------------------------------------------------------------------- objects beyond weights


class Thing:
    def __init__(self) -> None:
        self.value = ag.arange(3)


Point = collections.namedtuple("Point", "x y")


def is_zip(path: pathlib.Path) -> bool:
    return path.read_bytes()[:4] == b"PK\x03\x04"


@pytest.mark.parametrize(
    ("obj", "refused"),
    [
        ({"a": {1: Thing()}}, "test_serialization.Thing"),
        ({"m": ag.nn.Linear(2, 2)}, "arraygrad.nn.modules.linear.Linear"),
        ({"p": Point(1, 2)}, "test_serialization.Point"),
        ({"d": collections.defaultdict(list, {1: [2]})}, "collections.defaultdict"),
        ({"x": np.array(["a", "b"])}, "numpy"),
    ],
    ids=["class", "module", "namedtuple", "defaultdict", "str array"],
)
def test_objects_beyond_weights_need_weights_only_false(obj: object, refused: str, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "x"
    ag.save(obj, path)
    assert is_zip(path)  # PyTorch's zip format, not safetensors
    with pytest.raises(pickle.UnpicklingError) as info:
        ag.load(path)
    message = str(info.value)
    assert message.startswith(f"ag.load: {path}: Weights only load failed") and refused in message
    assert "weights_only=False" in message and "add_safe_globals" in message
    back = ag.load(path, weights_only=False)
    assert type(back) is dict and list(back) == list(obj)


def test_whole_module_and_optimizer_round_trip(tmp_path: pathlib.Path) -> None:
    model = mlp()
    opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    (model(ag.randn(4, 3)) ** 2).mean().backward()
    opt.step()
    ag.save({"model": model, "optimizer": opt}, tmp_path / "whole")
    back = ag.load(tmp_path / "whole", weights_only=False)
    model2, opt2 = back["model"], back["optimizer"]
    assert type(model2) is ag.nn.Sequential and type(model2[0].weight) is ag.nn.Parameter
    assert model2[0].weight.requires_grad
    assert opt2.param_groups[0]["params"][0] is model2[0].weight  # one object, as pickled
    x = ag.randn(4, 3)
    np.testing.assert_array_equal(host(model2(x)), host(model(x)))
    for m, o in ((model, opt), (model2, opt2)):  # both continue identically
        o.zero_grad()
        (m(x) ** 2).mean().backward()
        o.step()
    for p, q in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(host(p), host(q))


def test_safe_globals(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "t"
    ag.save({"thing": Thing()}, path)
    serialization.clear_safe_globals()
    with serialization.safe_globals([Thing]):
        assert serialization.get_safe_globals() == [Thing]
        back = ag.load(path)
        assert type(back["thing"]) is Thing
        np.testing.assert_array_equal(host(back["thing"].value), [0, 1, 2])
    assert serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Thing"):
        ag.load(path)
    serialization.add_safe_globals([(Thing, f"{Thing.__module__}.Thing")])
    try:
        assert type(ag.load(path)["thing"]) is Thing
    finally:
        serialization.clear_safe_globals()
    with pytest.raises(TypeError, match="add_safe_globals"):
        serialization.add_safe_globals([3])


def test_weights_only_builtins_load_by_default(tmp_path: pathlib.Path) -> None:
    # what PyTorch's weights_only loader allows beyond the safetensors layout
    obj = {"s": {1, 2}, "c": 1 + 2j, "b": b"bytes", "k": {frozenset([1]): ag.ones(1)}, "dev": ag.device("cpu")}
    ag.save(obj, tmp_path / "x")
    assert is_zip(tmp_path / "x")
    back = ag.load(tmp_path / "x")
    assert back["s"] == {1, 2} and back["c"] == 1 + 2j and back["b"] == b"bytes" and back["dev"] == ag.device("cpu")
    np.testing.assert_array_equal(host(back["k"][frozenset([1])]), [1.0])


def test_self_containing_object(tmp_path: pathlib.Path) -> None:
    loop: list = [1]
    loop.append({"again": loop})
    ag.save(loop, tmp_path / "x")  # pickled: the cycle is kept
    back = ag.load(tmp_path / "x")
    assert back[0] == 1 and back[1]["again"] is back
    shared = [ag.ones(1)]
    ag.save({"a": shared, "b": shared}, tmp_path / "y")  # shared, not cyclic: stored twice
    back = ag.load(tmp_path / "y")
    assert back["a"] is not back["b"]
    assert_same(back, {"a": shared, "b": shared}, "numpy")


def test_loading_a_safetensors_checkpoint_never_unpickles(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sd = mlp().state_dict()
    ag.save(sd, tmp_path / "m")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(serialization.tf, "unpickle", refuse)
    assert_same(ag.load(tmp_path / "m"), sd, "numpy")


def test_no_array_library_imports_in_serialization() -> None:
    sources = [path for module in (serialization, serialization.tf)
               for path in sorted(pathlib.Path(module.__file__).parent.glob("*.py"))]
    assert len(sources) > 2  # both are packages: every submodule is scanned
    for source in sources:
        tree = ast.parse(source.read_text())
        imported = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"dill", "cloudpickle", "marshal", "shelve", "jax", "cupy", "torch"}


# ---------------------------------------------------------------------------------------- plain safetensors / PyTorch


def test_plain_safetensors_file_loads_as_a_flat_dict(backend: str, tmp_path: pathlib.Path) -> None:
    arrays = {"b": np.arange(3, dtype=np.int64), "a": np.ones((2, 2), np.float32), "m": np.array([True, False])}
    for metadata in (None, {"format": "np"}):
        safetensors.numpy.save_file(arrays, str(tmp_path / "plain"), metadata=metadata)
        back = ag.load(tmp_path / "plain")
        assert type(back) is dict and sorted(back) == ["a", "b", "m"]
        for k, v in arrays.items():
            assert_same_tensor(back[k], ag.tensor(v), backend)


def test_plain_safetensors_file_with_an_unsupported_dtype(tmp_path: pathlib.Path) -> None:
    header = json.dumps({"x": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}).encode()
    header += b" " * (-len(header) % 8)
    path = tmp_path / "f8"
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\x00\x01")
    for use_mmap in (False, True):
        with pytest.raises(ValueError, match=f"ag.load: {path}: cannot read tensor 'x'"):
            ag.load(path, mmap=use_mmap)


def _torch_mlp():  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch", reason="torch is not installed: PyTorch interop not tested")
    torch.manual_seed(0)
    return torch, torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))


@pytest.mark.backends("numpy", "jax")
def test_pytorch_checkpoint_loads_into_an_arraygrad_model(backend: str, tmp_path: pathlib.Path) -> None:
    torch, tmodel = _torch_mlp()
    import safetensors.torch

    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for metadata in (None, {"format": "pt"}):  # plain save_file, and what Hugging Face tools write
        path = tmp_path / "torch_model.safetensors"
        safetensors.torch.save_file(tmodel.state_dict(), str(path), metadata=metadata)
        model = ag.nn.Sequential(ag.nn.Linear(3, 5), ag.nn.ReLU(), ag.nn.Linear(5, 2))
        model.load_state_dict(ag.load(path))
        assert model[0].weight.backend.name == backend
        expected = tmodel(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(host(model(ag.tensor(x))), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.backends("numpy", "strict", "jax")
def test_arraygrad_checkpoint_loads_into_a_pytorch_model(backend: str, tmp_path: pathlib.Path) -> None:
    torch, tmodel = _torch_mlp()
    import safetensors.torch

    model = mlp()
    path = tmp_path / "ag_model.safetensors"
    ag.save(model.state_dict(), path)
    loaded = safetensors.torch.load_file(str(path))
    assert sorted(loaded) == sorted(model.state_dict())
    tmodel.load_state_dict(loaded)
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        tmodel(torch.from_numpy(x)).detach().numpy(), host(model(ag.tensor(x))), rtol=1e-6, atol=1e-6
    )


def test_pytorch_reads_int64_and_bool_tensors(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch", reason="torch is not installed: PyTorch interop not tested")
    import safetensors.torch

    ag.save({"i": ag.tensor([1, -2**40]), "b": ag.tensor([True, False]), "s": ag.tensor(1.5, dtype=ag.float64)},
            tmp_path / "d")
    loaded = safetensors.torch.load_file(str(tmp_path / "d"))
    assert loaded["i"].tolist() == [1, -2**40] and str(loaded["i"].dtype) == "torch.int64"
    assert loaded["b"].tolist() == [True, False] and loaded["s"].shape == () and loaded["s"].item() == 1.5


# ---------------------------------------------------------------------------------------- plain pickle


@pytest.mark.parametrize("dtype", [ag.float32, ag.float16, ag.bfloat16, ag.int64, ag.bool], ids=lambda d: d.name)
def test_tensors_pickle_with_dtype_shape_values_and_requires_grad(dtype: ag.dtype) -> None:
    t = ag.tensor([[1.0, 0.0, -2.5]]).to(dtype)
    back = pickle.loads(pickle.dumps(t))
    assert back.dtype == dtype and tuple(back.shape) == (1, 3) and not back.requires_grad
    np.testing.assert_array_equal(host(back), host(t))
    if dtype.is_floating_point:
        leaf = pickle.loads(pickle.dumps(t.requires_grad_()))
        assert leaf.requires_grad and leaf.grad_fn is None


def test_a_module_and_its_optimizer_pickle(tmp_path: pathlib.Path) -> None:
    model = mlp()
    opt = ag.optim.Adam(model.parameters(), lr=0.01)
    (model(ag.randn(2, 3)) ** 2).sum().backward()
    opt.step()
    model2, opt2 = pickle.loads(pickle.dumps((model, opt)))
    assert type(model2[0].weight) is ag.nn.Parameter and opt2.param_groups[0]["params"][0] is model2[0].weight
    x = ag.randn(2, 3)
    np.testing.assert_array_equal(host(model2(x)), host(model(x)))
