"""PyTorch's namespaces that ported programs touch: ``utils.data``, ``cuda``, ``accelerator``,
``backends.*`` flags, the global switches, ``onnx``, the ``nn.modules.<file>`` import paths and the
start-up errors, each checked against PyTorch (CPU build) where PyTorch can run it here."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.utils.data

import arraygrad as ag
from arraygrad import backends

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------- utils.data

# PyTorch's deprecated DataPipes and their helpers: not provided
DATAPIPE_NAMES = {
    "DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "argument_validation", "datapipes",
    "functional_datapipe", "graph", "graph_settings", "guaranteed_datapipes_determinism", "non_deterministic",
    "runtime_validation", "runtime_validation_disabled",
}


def _public(module: Any) -> set[str]:
    return {n for n in dir(module) if not n.startswith("_")}


def test_utils_data_has_torchs_public_names() -> None:
    missing = _public(torch.utils.data) - _public(ag.utils.data)
    assert missing == DATAPIPE_NAMES
    import arraygrad.utils.data as by_import

    assert ag.utils.data is by_import
    assert set(ag.utils.data.__all__) == set(ag.data.__all__) - {"transforms"}
    for name in ag.utils.data.__all__:
        assert getattr(ag.utils.data, name) is getattr(ag.data, name), name


def test_utils_data_submodules_are_arraygrad_data_modules() -> None:
    from arraygrad.utils.data._utils.collate import default_collate as deep_collate
    from arraygrad.utils.data.dataloader import DataLoader as loader_from_path
    from arraygrad.utils.data.dataloader import default_collate
    from arraygrad.utils.data.dataset import Dataset as dataset_from_path
    from arraygrad.utils.data.distributed import DistributedSampler
    from arraygrad.utils.data.sampler import RandomSampler

    from arraygrad.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split

    assert loader_from_path is DataLoader is ag.data.DataLoader
    assert default_collate is deep_collate is ag.data.default_collate
    assert dataset_from_path is Dataset and Subset is ag.data.Subset and random_split is ag.data.random_split
    assert DistributedSampler is ag.data.DistributedSampler and RandomSampler is ag.data.RandomSampler
    assert TensorDataset is ag.data.TensorDataset
    for name in ("dataloader", "dataset", "sampler", "distributed"):
        ours = importlib.import_module(f"arraygrad.utils.data.{name}")
        assert ours is importlib.import_module(f"arraygrad.data.{name}") is getattr(ag.utils.data, name)
        theirs = getattr(torch.utils.data, name)
        defined_there = {  # the classes and functions PyTorch defines in that file
            n for n, v in vars(theirs).items()
            if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == theirs.__name__
        }
        assert defined_there and defined_there <= set(dir(ours)), (name, defined_there - set(dir(ours)))


def test_utils_data_loader_batches_like_torch() -> None:
    data = [[float(i), float(2 * i)] for i in range(10)]
    ours = ag.utils.data.DataLoader(ag.utils.data.TensorDataset(ag.tensor(data), ag.arange(10)), batch_size=4)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(data), torch.arange(10)), batch_size=4)
    for (xa, ya), (xt, yt) in zip(ours, theirs, strict=True):
        assert xa.tolist() == xt.tolist() and ya.tolist() == yt.tolist()
    batch = {"a": [1, 2], "b": (1.0, 2.0)}
    collated, reference = ag.utils.data.dataloader.default_collate([batch]), torch.utils.data.default_collate([batch])
    assert collated["a"][0].tolist() == reference["a"][0].tolist()
    parts = ag.utils.data.random_split(range(10), [0.7, 0.3], generator=ag.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in torch.utils.data.random_split(range(10), [0.7, 0.3])]


# ---------------------------------------------------------------------- cuda


def test_cuda_names_exist_in_torch() -> None:
    for name in ag.cuda.__all__:
        assert hasattr(torch.cuda, name), name
        assert hasattr(ag.cuda, name), name


def _no_cuda() -> None:
    if ag.cuda.is_available():
        pytest.skip("a CUDA device is reachable here: these are the answers without one")


def test_cuda_answers_without_a_gpu_match_torch() -> None:
    _no_cuda()
    assert ag.cuda.is_available() is torch.cuda.is_available() is False
    assert ag.cuda.device_count() == torch.cuda.device_count() == 0
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved"):
        assert getattr(ag.cuda, name)() == getattr(torch.cuda, name)() == 0, name
    assert ag.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    assert ag.cuda.empty_cache() is torch.cuda.empty_cache() is None
    ag.cuda.reset_peak_memory_stats()  # accepted, like every counter without CUDA


@pytest.mark.parametrize(
    "call",
    ["current_device", "synchronize", "get_device_name", "get_device_capability", "get_device_properties", "set_device"],
)
def test_cuda_calls_that_need_a_device_raise_without_one(call: str) -> None:
    _no_cuda()
    args = (0,) if call == "set_device" else ()
    with pytest.raises(RuntimeError, match=f"arraygrad.cuda.{call}: no CUDA device can be used: .*is_available"):
        getattr(ag.cuda, call)(*args)
    with pytest.raises(RuntimeError):
        with ag.cuda.device(0):
            pass


def test_cuda_seeding_seeds_the_one_generator() -> None:
    ag.cuda.manual_seed(3)
    a = ag.randn(4).tolist()
    ag.manual_seed(3)
    assert ag.randn(4).tolist() == a
    ag.cuda.manual_seed_all(5)
    assert ag.cuda.initial_seed() == ag.initial_seed() == 5
    ag.cuda.seed()
    ag.cuda.seed_all()
    assert isinstance(ag.cuda.initial_seed(), int)


class _TwoGpus(backends.get("numpy").__class__):  # type: ignore[misc]
    name = "cupy"
    has_cpu_device = False

    def __init__(self) -> None:
        super().__init__()
        self.reset: list[int] = []
        self.synced = 0

    def cuda_device_count(self) -> int:
        return 2

    def device_of(self, array: Any) -> str:
        return "cuda:0"

    def to_device(self, array: Any, index: int | None) -> Any:
        return array

    def cuda_device_properties(self, index: int) -> dict[str, Any]:
        return {"name": f"GPU {index}", "major": 8, "minor": 6, "total_memory": 8 * 2**30, "multi_processor_count": 84}

    def cuda_memory_stats(self, index: int) -> dict[str, int]:
        return {"allocated_bytes": 100 + index, "peak_allocated_bytes": 300 + index, "reserved_bytes": 1000 + index}

    def cuda_reset_peak_memory(self, index: int) -> None:
        self.reset.append(index)

    def synchronize(self) -> None:
        self.synced += 1


@pytest.fixture
def two_gpus(monkeypatch: pytest.MonkeyPatch) -> _TwoGpus:
    fake = _TwoGpus()
    monkeypatch.setitem(backends._INSTANCES, "cupy", fake)
    monkeypatch.setattr(backends._cuda_index, "value", 0, raising=False)
    return fake


def test_cuda_with_stand_in_gpus(two_gpus: _TwoGpus) -> None:
    cuda = ag.cuda
    assert cuda.is_available() and cuda.device_count() == 2 and cuda.current_device() == 0
    cuda.set_device(1)
    assert cuda.current_device() == 1 and cuda.get_device_name() == "GPU 1"
    assert ag.zeros(1, device="cuda").backend is two_gpus
    with cuda.device(0):
        assert cuda.current_device() == 0
    assert cuda.current_device() == 1
    cuda.set_device("cuda:0")
    assert cuda.get_device_capability(1) == (8, 6) and cuda.get_device_name(ag.device("cuda:1")) == "GPU 1"
    props = cuda.get_device_properties(0)
    assert (props.name, props.total_memory, props.multi_processor_count) == ("GPU 0", 8 * 2**30, 84)
    assert "GPU 0" in repr(props)
    assert (cuda.memory_allocated(), cuda.max_memory_allocated(1), cuda.memory_reserved(0)) == (100, 301, 1000)
    cuda.reset_peak_memory_stats(1)
    cuda.synchronize()
    assert two_gpus.reset == [1] and two_gpus.synced == 1
    with pytest.raises(RuntimeError, match="invalid device ordinal 2"):
        cuda.set_device(2)
    with pytest.raises(ValueError, match="expected a CUDA device"):
        cuda.get_device_name("cpu")
    assert cuda.is_bf16_supported() is ("bfloat16" in two_gpus.dtypes)


# ---------------------------------------------------------------------- accelerator


def test_accelerator_names_exist_in_torch() -> None:
    for name in ag.accelerator.__all__:
        assert hasattr(torch.accelerator, name), name
    for name in ("is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
                 "synchronize"):
        assert hasattr(ag.accelerator, name), name


def test_accelerator_without_one_matches_torch() -> None:
    _no_cuda()
    assert ag.accelerator.is_available() is torch.accelerator.is_available() is False
    # (a CUDA build of torch names cuda as its build-time accelerator even without a GPU; asked whether one
    # is available, it answers None, as arraygrad does without one)
    assert ag.accelerator.current_accelerator() is torch.accelerator.current_accelerator(check_available=True) is None
    assert ag.accelerator.device_count() == torch.accelerator.device_count() == 0
    for call, args in (("current_device_index", ()), ("set_device_index", (0,)), ("synchronize", ())):
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch.accelerator, call)(*args)
        with pytest.raises(RuntimeError) as ours:
            getattr(ag.accelerator, call)(*args)
        # a CPU build of torch says this; a CUDA build without a GPU blames the missing driver instead
        assert str(ours.value) == "Cannot access accelerator device when none is available.", call
        if torch.version.cuda is None:
            assert str(ours.value) == str(theirs.value), call


def test_accelerator_with_stand_in_gpus(two_gpus: _TwoGpus) -> None:
    acc = ag.accelerator
    assert acc.is_available() and acc.current_accelerator() == ag.device("cuda") and acc.device_count() == 2
    acc.set_device_index(1)
    assert acc.current_device_index() == 1 == ag.cuda.current_device()
    with acc.device_index(0):
        assert acc.current_device_index() == 0
    assert acc.current_device_index() == 1
    acc.synchronize()
    assert two_gpus.synced == 1 and acc.memory_allocated(0) == 100


# ---------------------------------------------------------------------- torch.backends flags


@pytest.fixture
def restore_flags() -> Any:
    from arraygrad.backends import flags

    saved = dict(flags._state), dict(vars(flags.cudnn)), dict(vars(flags.cuda.matmul)), dict(vars(flags.mkldnn))
    cudnn_names = set(vars(flags.cudnn))
    torch_precision = torch.get_float32_matmul_precision()
    yield flags
    flags._state.update(saved[0])
    for obj, values in zip((flags.cudnn, flags.cuda.matmul, flags.mkldnn), saved[1:]):
        for key, value in values.items():
            object.__setattr__(obj, key, value)
    for extra in set(vars(flags.cudnn)) - cudnn_names:
        delattr(flags.cudnn, extra)
    torch.set_float32_matmul_precision(torch_precision)


FLAG_DEFAULTS = [
    "cuda.matmul.allow_tf32", "cuda.matmul.allow_fp16_reduced_precision_reduction",
    "cuda.matmul.allow_bf16_reduced_precision_reduction", "cudnn.enabled", "cudnn.benchmark", "cudnn.deterministic",
    "cudnn.allow_tf32",
]


@pytest.mark.parametrize("path", FLAG_DEFAULTS)
def test_flag_defaults_match_torch(path: str) -> None:
    ours, theirs = ag.backends, torch.backends
    for part in path.split("."):
        ours, theirs = getattr(ours, part), getattr(theirs, part)
    assert ours == theirs


def test_flags_are_stored_and_unknown_ones_refused(restore_flags: Any) -> None:
    ag.backends.cudnn.benchmark = True
    ag.backends.cudnn.deterministic = True
    assert ag.backends.cudnn.benchmark and ag.backends.cudnn.deterministic
    with ag.backends.cudnn.flags(enabled=False):
        assert ag.backends.cudnn.enabled is False and ag.backends.cudnn.benchmark is False
    assert ag.backends.cudnn.enabled and ag.backends.cudnn.benchmark
    ag.backends.cudnn.benchmark_limit = 4  # the cudnn module stores what it is given, as PyTorch's
    assert ag.backends.cudnn.benchmark_limit == 4
    for ours, theirs in ((ag.backends.cuda.matmul, torch.backends.cuda.matmul),):
        with pytest.raises(AttributeError, match="Unknown attribute foo") as refused:
            theirs.foo = 1
        with pytest.raises(AttributeError, match=str(refused.value)):
            ours.foo = 1  # type: ignore[attr-defined]


def test_availability_answers(restore_flags: Any) -> None:
    assert ag.backends.cudnn.is_available() is False and ag.backends.cudnn.version() is None
    assert ag.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert ag.backends.mps.is_built() is False
    assert ag.backends.mkldnn.is_available() is False and ag.backends.openmp.is_available() is False
    cupy_installed = importlib.util.find_spec("cupy") is not None
    if not cupy_installed and not any(backends._module_exists(m) for m in backends._JAX_CUDA_MODULES):
        assert ag.backends.cuda.is_built() is False
    else:
        assert ag.backends.cuda.is_built() is True


def test_matmul_precision_and_allow_tf32_are_one_setting_as_in_torch(restore_flags: Any) -> None:
    assert ag.get_float32_matmul_precision() == "highest"
    for value in ("high", "medium", "highest"):
        ag.set_float32_matmul_precision(value)
        torch.set_float32_matmul_precision(value)
        assert ag.get_float32_matmul_precision() == value
        assert ag.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    ag.backends.cuda.matmul.allow_tf32 = True
    assert ag.get_float32_matmul_precision() == "high"
    with pytest.warns(UserWarning, match="low is not one of 'highest', 'high', or 'medium'"):
        ag.set_float32_matmul_precision("low")
    assert ag.get_float32_matmul_precision() == "high"


def test_deterministic_algorithms_switch(restore_flags: Any) -> None:
    assert ag.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled() is False
    ag.use_deterministic_algorithms(True, warn_only=True)
    assert ag.are_deterministic_algorithms_enabled() and ag.is_deterministic_algorithms_warn_only_enabled()
    ag.use_deterministic_algorithms(False)
    assert not ag.are_deterministic_algorithms_enabled() and not ag.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError):
        torch.use_deterministic_algorithms("yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be bool"):
        ag.use_deterministic_algorithms("yes")  # type: ignore[arg-type]


def test_num_threads(restore_flags: Any) -> None:
    for bad in (0, -1):
        with pytest.raises(RuntimeError) as theirs:
            torch.set_num_threads(bad)
        with pytest.raises(RuntimeError) as ours:
            ag.set_num_threads(bad)
        assert str(ours.value) == str(theirs.value)
    before = ag.get_num_threads()
    assert isinstance(before, int) and before >= 1
    if importlib.util.find_spec("threadpoolctl") is None:
        with pytest.warns(UserWarning, match="threadpoolctl"):
            ag.set_num_threads(1)
        return
    try:
        ag.set_num_threads(1)
        assert ag.get_num_threads() == 1
    finally:
        ag.set_num_threads(before)
    assert ag.get_num_threads() == before


# ---------------------------------------------------------------------- nn.modules paths


def _shared_nn_classes() -> list[str]:
    return sorted(n for n in set(dir(ag.nn)) & set(dir(torch.nn)) if inspect.isclass(getattr(torch.nn, n)))


@pytest.mark.parametrize("name", _shared_nn_classes())
def test_nn_class_is_importable_from_torchs_module_path(name: str) -> None:
    path = getattr(torch.nn, name).__module__.replace("torch", "arraygrad", 1)
    assert getattr(importlib.import_module(path), name) is getattr(ag.nn, name), path
    if name in dir(torch.nn.modules):
        assert getattr(importlib.import_module("arraygrad.nn.modules"), name) is getattr(ag.nn, name)


PRIVATE_PATHS = [
    "modules.loss._Loss", "modules.loss._WeightedLoss", "modules.batchnorm._BatchNorm", "modules.batchnorm._NormBase",
    "modules.instancenorm._InstanceNorm", "modules.conv._ConvNd", "modules.conv._ConvTransposeNd",
    "modules.pooling._MaxPoolNd", "modules.pooling._AvgPoolNd", "modules.pooling._AdaptiveAvgPoolNd",
    "modules.pooling._AdaptiveMaxPoolNd", "modules.dropout._DropoutNd", "modules.module.Module",
    "modules.linear.NonDynamicallyQuantizableLinear", "modules.activation.MultiheadAttention",
    "modules.rnn.RNNBase", "modules.rnn.RNNCellBase", "parameter.Parameter",
]


@pytest.mark.parametrize("path", PRIVATE_PATHS)
def test_nn_base_classes_at_torchs_paths(path: str) -> None:
    module, _, name = path.rpartition(".")
    ours = getattr(importlib.import_module(f"arraygrad.nn.{module}"), name)
    theirs = getattr(importlib.import_module(f"torch.nn.{module}"), name)
    ours_bases = {b.__name__ for b in ours.__mro__}
    # the same place in the hierarchy: every PyTorch base arraygrad also defines is a base here too
    for base in theirs.__mro__[1:]:
        if base.__name__ in ("Module", "Linear", "_Loss", "_NormBase", "_ConvNd", "_BatchNorm", "RNNBase"):
            assert base.__name__ in ours_bases, (path, base.__name__)


def test_non_dynamically_quantizable_linear_is_the_attention_projection() -> None:
    from arraygrad.nn.modules.linear import Linear, NonDynamicallyQuantizableLinear

    assert issubclass(NonDynamicallyQuantizableLinear, Linear)
    ours = ag.nn.MultiheadAttention(4, 2)
    assert type(ours.out_proj) is NonDynamicallyQuantizableLinear
    out_line = [line.strip() for line in repr(torch.nn.MultiheadAttention(4, 2)).splitlines() if "out_proj" in line]
    assert out_line == [line.strip() for line in repr(ours).splitlines() if "out_proj" in line]


# ---------------------------------------------------------------------- onnx


def test_onnx_export_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match=r"^arraygrad\.onnx\.export is not supported: "):
        ag.onnx.export(ag.nn.Linear(2, 2), (ag.zeros(1, 2),), "model.onnx")
    assert ag.onnx.is_in_onnx_export() is torch.onnx.is_in_onnx_export() is False


# ---------------------------------------------------------------------- start-up errors and install hints


def _import_arraygrad(backend: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARRAYGRAD_BACKEND"}
    env["ARRAYGRAD_BACKEND"] = backend
    return subprocess.run([sys.executable, "-c", "import arraygrad"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_backend_whose_library_is_missing_fails_at_import() -> None:
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("cupy is installed here, so ARRAYGRAD_BACKEND=cupy gets past import")
    out = _import_arraygrad("cupy")
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last == (
        "arraygrad.backends.BackendUnavailableError: backend 'cupy' needs a library that is not installed (cupy); "
        f"install it with: {backends.install_hint('cupy')}"
    )


def test_known_installed_backend_imports_without_loading_it() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, arraygrad; print('jax' in sys.modules)"],
        env={**{k: v for k, v in os.environ.items() if k != "ARRAYGRAD_BACKEND"}, "ARRAYGRAD_BACKEND": "jax"},
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


_PIP = re.compile(r"pip install ((?:-e \"\.\[\w+\]\")|(?:'[^']+'(?: '[^']+')*)|[\w.-]+)")


@pytest.mark.parametrize("name", backends.names())
def test_install_hints_are_valid_pip_commands(name: str) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    # the user-facing documentation: the README and the site's pages (backends.md has the install table)
    readme = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    hint = backends.install_hint(name)
    commands = _PIP.findall(hint)
    assert commands, hint
    assert hint.count("pip install") == len(commands), hint
    for command in commands:
        words = shlex.split(command)
        if words[0] == "-e":
            extra = re.fullmatch(r"\.\[(\w+)\]", words[1])
            assert extra and re.search(rf"^{extra.group(1)} = \[", pyproject, re.M), command
            assert f'pip install -e ".[{extra.group(1)}]"' in readme
        else:
            for requirement in words:
                assert re.fullmatch(r"[A-Za-z0-9_.-]+(>=[\d.]+)?", requirement), requirement
                assert f'"{requirement}' in pyproject or requirement in readme, requirement


def test_unknown_backend_everywhere_lists_the_registered_ones() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="registered backends: numpy, strict, jax, cupy"):
            backends.install_hint("torch")


def test_the_namespace_modules_import_no_array_library() -> None:
    from tests.test_architecture import forbidden_imports

    package = ROOT / "arraygrad"
    files = [package / "accelerator.py", package / "onnx.py", *sorted((package / "cuda").rglob("*.py")),
             *sorted((package / "utils").rglob("*.py"))]
    for path in files:
        assert forbidden_imports(path.read_text()) == [], path
