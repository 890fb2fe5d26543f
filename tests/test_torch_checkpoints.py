"""ag.load of checkpoints written by PyTorch's own torch.save, in its zip format and its legacy
(``_use_new_zipfile_serialization=False``) format: a CNN state dict with BatchNorm, an optimizer
state dict, the tutorials' {epoch, model, optimizer, loss} dict, float16/bfloat16/int64/bool
tensors, non-contiguous tensors and tensors sharing one storage. The files are written with torch
here, then loaded in a subprocess in which ``import torch`` fails, to show that PyTorch is not
needed; the arraygrad model loaded from them gives the torch model's outputs. Hostile and broken
files (code-running pickles, bad data.pkl, truncated files, wrong storage sizes, huge shapes) are
refused with clear errors and run nothing."""

from __future__ import annotations

import copy
import io
import json
import pathlib
import pickle
import subprocess
import sys
import zipfile
from typing import Any

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch", reason="torch is not installed: it writes the reference checkpoints")

FORMATS = ("zip", "legacy")


def torch_save(obj: Any, path: pathlib.Path, fmt: str) -> None:
    torch.save(obj, path, _use_new_zipfile_serialization=fmt == "zip")


def torch_cnn() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 5),
    )


def ag_cnn() -> ag.nn.Module:
    return ag.nn.Sequential(
        ag.nn.Conv2d(3, 4, 3, padding=1, bias=False), ag.nn.BatchNorm2d(4), ag.nn.ReLU(), ag.nn.MaxPool2d(2),
        ag.nn.Flatten(), ag.nn.Linear(4 * 4 * 4, 5),
    )


def host(t: ag.Tensor) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def t_np(t: Any) -> np.ndarray:
    return t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Reference checkpoints written by torch, with what torch computes from them."""
    out = tmp_path_factory.mktemp("torch_files")
    model = torch_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(3):  # so that BatchNorm's running statistics and Adam's moments are not trivial
        opt.zero_grad()
        model(torch.from_numpy(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))).square().mean().backward()
        opt.step()
    model.eval()
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    np.save(out / "x.npy", x)
    np.save(out / "y.npy", model(torch.from_numpy(x)).detach().numpy())
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensors = {
        "float16": torch.linspace(-2, 2, 7).half(), "bfloat16": torch.linspace(-3, 3, 5).bfloat16(),
        "int64": torch.tensor([-(2**40), 0, 7]), "bool": torch.tensor([[True, False], [False, True]]),
        "float64": torch.tensor(2.5, dtype=torch.float64), "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "int8": torch.tensor([-128, 127], dtype=torch.int8), "complex64": torch.tensor([1 + 2j, -1j]),
        "uint16": torch.tensor([1, 65535], dtype=torch.uint16), "empty": torch.zeros(0, 3),
    }
    views = {
        "base": base, "transposed": base.t(), "row": base[2], "strided": base[1:, ::2],
        "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),
    }
    for fmt in FORMATS:
        torch_save(model.state_dict(), out / f"cnn_{fmt}.pt", fmt)
        torch_save(opt.state_dict(), out / f"adam_{fmt}.pt", fmt)
        torch_save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
                    "loss": 0.125}, out / f"tutorial_{fmt}.pt", fmt)
        torch_save(tensors, out / f"dtypes_{fmt}.pt", fmt)
        torch_save(views, out / f"views_{fmt}.pt", fmt)
        torch_save(torch.nn.Parameter(torch.ones(2)), out / f"param_{fmt}.pt", fmt)
    torch.save(torch.nn.Linear(2, 2), out / "whole_module.pt")
    return {"dir": out, "model": model, "opt": opt, "tensors": tensors, "views": views}


# ---------------------------------------------------------------------------------------- without PyTorch

NO_TORCH_SCRIPT = """
import sys
sys.modules["torch"] = None  # `import torch` now raises ImportError
import json, pathlib, pickle
import numpy as np
import arraygrad as ag

d = pathlib.Path(sys.argv[1])
report = {}
for fmt in ("zip", "legacy"):
    model = ag.nn.Sequential(
        ag.nn.Conv2d(3, 4, 3, padding=1, bias=False), ag.nn.BatchNorm2d(4), ag.nn.ReLU(), ag.nn.MaxPool2d(2),
        ag.nn.Flatten(), ag.nn.Linear(4 * 4 * 4, 5),
    )
    model.load_state_dict(ag.load(d / f"cnn_{fmt}.pt"))
    model.eval()
    np.save(d / f"ag_y_{fmt}.npy", model(ag.tensor(np.load(d / "x.npy"))).detach().numpy())
    ckpt = ag.load(d / f"tutorial_{fmt}.pt")
    opt = ag.optim.Adam(model.parameters(), lr=0.01)
    opt.load_state_dict(ckpt["optimizer_state_dict"])
    report[fmt] = {
        "keys": list(ckpt), "epoch": ckpt["epoch"], "loss": ckpt["loss"],
        "state": sorted(ckpt["optimizer_state_dict"]["state"][0]),
        "dtypes": {k: v.dtype.name for k, v in ag.load(d / f"dtypes_{fmt}.pt").items()},
    }
try:
    ag.load(d / "whole_module.pt", weights_only=False)
except pickle.UnpicklingError as exc:
    report["whole_module"] = str(exc)
report["torch_importable"] = True
try:
    import torch  # noqa: F401
except ImportError:
    report["torch_importable"] = False
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def without_torch(files: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", NO_TORCH_SCRIPT, str(files["dir"])], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_loading_needs_no_pytorch(without_torch: dict[str, Any]) -> None:
    assert without_torch["torch_importable"] is False


@pytest.mark.parametrize("fmt", FORMATS)
def test_cnn_state_dict_gives_the_torch_models_outputs_without_torch(
    fmt: str, files: dict[str, Any], without_torch: dict[str, Any]
) -> None:
    d = files["dir"]
    np.testing.assert_allclose(np.load(d / f"ag_y_{fmt}.npy"), np.load(d / "y.npy"), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tutorial_checkpoint_without_torch(fmt: str, without_torch: dict[str, Any]) -> None:
    report = without_torch[fmt]
    assert report["keys"] == ["epoch", "model_state_dict", "optimizer_state_dict", "loss"]
    assert report["epoch"] == 3 and report["loss"] == 0.125
    assert report["state"] == ["exp_avg", "exp_avg_sq", "step"]
    assert report["dtypes"] == {
        "float16": "float16", "bfloat16": "bfloat16", "int64": "int64", "bool": "bool", "float64": "float64",
        "uint8": "uint8", "int8": "int8", "complex64": "complex64", "uint16": "uint16", "empty": "float32",
    }


# ---------------------------------------------------------------------------------------- values


@pytest.mark.parametrize("fmt", FORMATS)
def test_state_dict_values_keys_and_metadata(fmt: str, files: dict[str, Any]) -> None:
    sd = ag.load(files["dir"] / f"cnn_{fmt}.pt")
    expected = files["model"].state_dict()
    assert type(sd) is type(expected) and list(sd) == list(expected)
    assert sd._metadata == expected._metadata  # per-module versions, as load_state_dict hooks use them
    for k, v in expected.items():
        assert sd[k].dtype.name == str(v.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(host(sd[k]), v.numpy())


@pytest.mark.parametrize("fmt", FORMATS)
def test_optimizer_state_dict_resumes_like_torch(fmt: str, files: dict[str, Any]) -> None:
    # arraygrad model + Adam resumed from torch's files take the same next step as torch
    d, tmodel, topt = files["dir"], files["model"], files["opt"]
    model = ag_cnn()
    model.load_state_dict(ag.load(d / f"cnn_{fmt}.pt"))
    opt = ag.optim.Adam(model.parameters(), lr=0.01)
    osd = ag.load(d / f"adam_{fmt}.pt")
    assert osd["param_groups"][0]["betas"] == (0.9, 0.999) and list(osd["state"]) == list(range(5))
    opt.load_state_dict(osd)
    tmodel2 = torch_cnn()
    tmodel2.load_state_dict(tmodel.state_dict())
    topt2 = torch.optim.Adam(tmodel2.parameters(), lr=0.01)
    topt2.load_state_dict(copy.deepcopy(topt.state_dict()))  # torch's load keeps the tensors
    x = np.load(d / "x.npy")
    for m, o, xin in ((model, opt, ag.tensor(x)), (tmodel2, topt2, torch.from_numpy(x))):
        m.train()
        o.zero_grad()
        m(xin).square().mean().backward()
        o.step()
    for p, q in zip(model.parameters(), tmodel2.parameters()):
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_dtypes(fmt: str, files: dict[str, Any]) -> None:
    back = ag.load(files["dir"] / f"dtypes_{fmt}.pt")
    for k, v in files["tensors"].items():
        assert back[k].dtype.name == str(v.dtype).removeprefix("torch."), k
        assert tuple(back[k].shape) == tuple(v.shape)
        actual = host(back[k].float()) if k == "bfloat16" else host(back[k])
        np.testing.assert_array_equal(actual, t_np(v))


@pytest.mark.parametrize("fmt", FORMATS)
def test_views_of_one_storage(fmt: str, files: dict[str, Any]) -> None:
    path = files["dir"] / f"views_{fmt}.pt"
    if fmt == "zip":  # base, transposed, row and strided are one storage in the file, expanded another
        with zipfile.ZipFile(path) as z:
            assert len([n for n in z.namelist() if "/data/" in n]) == 2
    back = ag.load(path)
    for k, v in files["views"].items():
        assert tuple(back[k].shape) == tuple(v.shape), k
        np.testing.assert_array_equal(host(back[k]), v.numpy())
    back["row"].add_(100)  # each loaded tensor is its own memory
    np.testing.assert_array_equal(host(back["base"]), files["views"]["base"].numpy())


@pytest.mark.parametrize("fmt", FORMATS)
def test_parameter_comes_back_as_a_parameter(fmt: str, files: dict[str, Any]) -> None:
    p = ag.load(files["dir"] / f"param_{fmt}.pt")
    assert type(p) is ag.nn.Parameter and p.requires_grad
    np.testing.assert_array_equal(host(p), [1.0, 1.0])


@pytest.mark.backends("numpy", "strict", "jax")
def test_map_location_and_backend(backend: str, files: dict[str, Any]) -> None:
    path = files["dir"] / "cnn_zip.pt"
    assert ag.load(path)["0.weight"].backend.name == backend  # saved on "cpu": the default backend
    for target in ("numpy", "strict", "jax"):
        assert ag.load(path, map_location=target)["0.weight"].backend.name == target
        assert ag.load(path, backend=target)["0.weight"].backend.name == target
    seen: list[str] = []
    sd = ag.load(path, map_location=lambda storage, location: seen.append(location) or storage.cpu())
    assert set(seen) == {"cpu"} and sd["0.weight"].backend.name == backend
    assert ag.load(path, map_location={"cpu": "strict"})["0.weight"].backend.name == "strict"


def test_file_objects_and_mmap(files: dict[str, Any]) -> None:
    path = files["dir"] / "cnn_zip.pt"
    expected = files["model"].state_dict()
    for sd in (ag.load(io.BytesIO(path.read_bytes())), ag.load(open(path, "rb")), ag.load(path, mmap=True)):
        for k, v in expected.items():
            np.testing.assert_array_equal(host(sd[k]), v.numpy())
    with pytest.raises(ValueError, match="mmap=True needs a zip checkpoint"):
        ag.load(files["dir"] / "cnn_legacy.pt", mmap=True)


def test_saved_on_an_unavailable_device(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "cuda.pt"
    write_zip(path, rebuild(4, 0, (4,), (1,), location="cuda:0"), {"0": np.ones(4, np.float32).tobytes()})
    try:
        ag.backends.get("cupy")
    except Exception:  # no CUDA here: the error says how to load onto the CPU
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            ag.load(path)
    for ml in ("cpu", {"cuda:0": "cpu"}, lambda storage, location: storage.cpu()):
        np.testing.assert_array_equal(host(ag.load(path, map_location=ml)), [1.0] * 4)


# ---------------------------------------------------------------------------------------- arraygrad -> torch


def test_torch_loads_arraygrad_pickled_checkpoints(tmp_path: pathlib.Path) -> None:
    obj = {"w": ag.arange(6, dtype=ag.float32).reshape(2, 3), "p": ag.nn.Parameter(ag.ones(2)), "tags": {"a", "b"},
           "dtype": ag.float64, "size": ag.Size([2, 3])}
    ag.save(obj, tmp_path / "ag.pt")  # a set: not weights-only, so PyTorch's zip format
    back = torch.load(tmp_path / "ag.pt")  # weights_only=True in torch: nothing but tensors and builtins
    assert back["tags"] == {"a", "b"} and back["dtype"] is torch.float64 and back["size"] == torch.Size([2, 3])
    assert torch.equal(back["w"], torch.arange(6.0).reshape(2, 3))
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].requires_grad
    mapped = torch.load(tmp_path / "ag.pt", mmap=True)  # storages are aligned as torch writes them
    assert torch.equal(mapped["w"], back["w"])


# ---------------------------------------------------------------------------------------- hostile and broken files


def _int(value: int) -> bytes:
    return pickle.dumps(value, protocol=2)[2:-1]  # BININT1 / BININT2 / BININT / LONG1, as torch.save writes


def _str(value: str) -> bytes:
    data = value.encode()
    return b"X" + len(data).to_bytes(4, "little") + data  # BINUNICODE


def rebuild(numel: int, offset: int, size: tuple[int, ...], stride: tuple[int, ...], storage: str = "FloatStorage",
            key: str = "0", location: str = "cpu") -> bytes:
    """The pickle opcodes of ``torch._utils._rebuild_tensor_v2`` on one storage, as torch.save writes them."""
    def ints(values: tuple[int, ...]) -> bytes:
        return b"(" + b"".join(_int(v) for v in values) + b"t"

    pid = b"(" + _str("storage") + b"ctorch\n" + storage.encode() + b"\n" + _str(key) + _str(location) + _int(numel)
    pid += b"tQ"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + _int(offset) + ints(size) + ints(stride)
            + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


def write_zip(path: pathlib.Path, body: bytes, storages: dict[str, bytes], byteorder: str = "little") -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02" + body + b".")
        z.writestr("archive/byteorder", byteorder)
        for key, data in storages.items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")


def test_the_hand_written_tensor_pickle_is_valid(tmp_path: pathlib.Path) -> None:
    # the builder the hostile files use makes a file both torch and arraygrad load
    path = tmp_path / "ok.pt"
    write_zip(path, rebuild(6, 1, (2, 2), (1, 2)), {"0": np.arange(6, dtype=np.float32).tobytes()})
    expected = torch.load(path)
    np.testing.assert_array_equal(host(ag.load(path)), expected.numpy())
    np.testing.assert_array_equal(expected.numpy(), [[1, 3], [2, 4]])


def test_big_endian_storages(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.pt"
    values = np.array([1.5, -2.0, 3.25], dtype=">f8")
    write_zip(path, rebuild(3, 0, (3,), (1,), storage="DoubleStorage"), {"0": values.tobytes()}, byteorder="big")
    back = ag.load(path)
    assert back.dtype is ag.float64
    np.testing.assert_array_equal(host(back), [1.5, -2.0, 3.25])
    np.testing.assert_array_equal(torch.load(path).numpy(), [1.5, -2.0, 3.25])


SYSTEM = b"cos\nsystem\n(V%s\ntR"
HOSTILE_GLOBALS = {
    "os.system": b"cos\nsystem\n(V%s\ntR",
    "posix.system": b"cposix\nsystem\n(V%s\ntR",
    "builtins.eval": b"c__builtin__\neval\n(Vopen(%r, 'w')\ntR",
    "subprocess.call": b"csubprocess\ncall\n((Vtouch\nV%s\nltR",
    "builtins.getattr": b"c__builtin__\ngetattr\n(cos\nsystem\nV__call__\ntR",
}


@pytest.mark.parametrize("where", ["zip", "legacy", "inside a state dict"])
@pytest.mark.parametrize("name", list(HOSTILE_GLOBALS))
def test_code_running_pickles_are_refused_and_run_nothing(name: str, where: str, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "pwned"
    opcodes = HOSTILE_GLOBALS[name]
    payload = opcodes.replace(b"%s", str(marker).encode()).replace(b"%r", repr(str(marker)).encode())
    path = tmp_path / "evil.pt"
    if where == "legacy":
        head = b"".join(pickle.dumps(v, protocol=2) for v in
                        (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}))
        path.write_bytes(head + b"\x80\x02" + payload + b"." + pickle.dumps([], protocol=2))
    elif where == "zip":
        write_zip(path, payload, {})
    else:  # hidden among real tensors
        write_zip(path, b"ccollections\nOrderedDict\n)R(" + _str("w") + rebuild(2, 0, (2,), (1,)) + _str("x") + payload + b"u",
                  {"0": np.ones(2, np.float32).tobytes()})
    with pytest.raises(pickle.UnpicklingError) as info:
        ag.load(path)
    message = str(info.value)
    assert message.startswith(f"ag.load: {path}: Weights only load failed")
    assert f"GLOBAL {name.removeprefix('builtins.')}" in message and "weights_only=False" in message
    assert not marker.exists()


def test_torch_refuses_the_same_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "evil.pt"
    write_zip(path, SYSTEM.replace(b"%s", str(tmp_path / "pwned").encode()), {})
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    assert not (tmp_path / "pwned").exists()


def broken_files(tmp_path: pathlib.Path, files: dict[str, Any]) -> dict[str, tuple[pathlib.Path, str]]:
    """name -> (file, a phrase the error must contain)."""
    good = (files["dir"] / "cnn_zip.pt").read_bytes()
    legacy = (files["dir"] / "cnn_legacy.pt").read_bytes()
    cases: dict[str, tuple[bytes, str]] = {
        "truncated zip": (good[: len(good) // 2], "not a valid PyTorch checkpoint"),
        "truncated legacy": (legacy[: len(legacy) - 100], "not a valid PyTorch checkpoint"),
        "legacy without its storages": (legacy[: len(legacy) // 2], "not a valid PyTorch checkpoint"),
        "text": (b"epoch: 3\nloss: 0.5\n" * 10, "is not an arraygrad checkpoint"),
    }
    out = {}
    for name, (data, phrase) in cases.items():
        out[name] = (tmp_path / name.replace(" ", "_"), phrase)
        out[name][0].write_bytes(data)
    zips: dict[str, tuple[bytes, dict[str, bytes], str]] = {
        "bad data.pkl": (b"\x00garbage\xff", {}, "not a valid PyTorch checkpoint"),
        "storage too short": (rebuild(6, 0, (6,), (1,)), {"0": b"\x00" * 20}, "holds 20 bytes"),
        "storage too long": (rebuild(6, 0, (6,), (1,)), {"0": b"\x00" * 28}, "holds 28 bytes"),
        "missing storage": (rebuild(6, 0, (6,), (1,)), {}, "missing from the archive"),
        "huge shape": (rebuild(4, 0, (10**12,), (1,)), {"0": b"\x00" * 16}, "its storage has 4"),
        "huge declared storage": (rebuild(10**15, 0, (4,), (1,)), {"0": b"\x00" * 16}, "holds 16 bytes"),
        "huge broadcast": (rebuild(1, 0, (10**6, 10**6), (0, 0)), {"0": b"\x00" * 4}, "refusing to expand"),
        "offset past the end": (rebuild(4, 4, (1,), (1,)), {"0": b"\x00" * 16}, "its storage has 4"),
        "negative stride": (rebuild(4, 3, (4,), (-1,)), {"0": b"\x00" * 16}, "bad tensor layout"),
        "not a storage id": (b"(" + _str("module") + _int(1) + b"tQ", {}, "only persistent ids of storages"),
        "huge bytearray": (b"c__builtin__\nbytearray\n(" + _int(10**12) + b"tR", {}, "bytearray from a size"),
        "two records": (_int(1), {}, ""),  # valid: a plain number
    }
    for name, (body, storages, phrase) in zips.items():
        path = tmp_path / name.replace(" ", "_").replace(".", "_")
        write_zip(path, body, storages)
        out[name] = (path, phrase)
    return out


BROKEN = [
    "truncated zip", "truncated legacy", "legacy without its storages", "text", "bad data.pkl", "storage too short",
    "storage too long", "missing storage", "huge shape", "huge declared storage", "huge broadcast",
    "offset past the end", "negative stride", "not a storage id", "huge bytearray",
]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_files_raise_a_clear_value_error_naming_the_path(
    name: str, files: dict[str, Any], tmp_path: pathlib.Path
) -> None:
    path, phrase = broken_files(tmp_path, files)[name]
    with pytest.raises(ValueError) as info:
        ag.load(path)
    assert str(info.value).startswith(f"ag.load: {path}")
    assert phrase in str(info.value)
    error = info.value  # one clear message, no chained zipfile/pickle traceback
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_a_zip_holding_a_plain_number(files: dict[str, Any], tmp_path: pathlib.Path) -> None:
    path, _ = broken_files(tmp_path, files)["two records"]
    assert ag.load(path) == 1


def test_missing_file_and_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        ag.load(tmp_path / "model.pt")
    assert str(tmp_path / "model.pt") in str(info.value)
    with pytest.raises(IsADirectoryError) as info2:
        ag.load(tmp_path)
    assert str(tmp_path) in str(info2.value)


def test_whole_torch_module_needs_torch(files: dict[str, Any], without_torch: dict[str, Any]) -> None:
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        ag.load(files["dir"] / "whole_module.pt")  # weights_only=True: refused like any class
    message = without_torch["whole_module"]  # weights_only=False without torch: cannot be rebuilt
    assert "cannot find the global torch.nn.modules.linear.Linear" in message and "state_dict()" in message
