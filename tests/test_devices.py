"""Devices as PyTorch names them: ``ag.device``, ``"cpu"`` and ``"cuda"`` placement, the tensor's
device properties, and which backend ``"cuda"`` means.

No GPU is reachable here, so the CUDA rules are tested with stand-in backends that report CUDA
devices (a numpy backend registered as ``cupy``, and the jax backend told it sees a GPU); the
no-GPU errors are tested for real.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import torch

import arraygrad as ag
from arraygrad import backends
from arraygrad.backends.numpy import NumpyBackend
from arraygrad.core.creation import resolve

# ---------------------------------------------------------------------- ag.device against torch.device


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("cuda", 3), ("mps",), ("meta",)])
def test_device_parses_like_torch(args: tuple[Any, ...]) -> None:
    ours, theirs = ag.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert ag.device(ours) == ours


@pytest.mark.parametrize(
    "args", [("gpu",), ("CUDA",), ("",), ("cuda:x",), ("cuda:-1",), ("cuda:01",), ("cpu:1:2",), ("cuda:1", 0), ("cuda", -1)]
)
def test_bad_device_raises_torchs_error(args: tuple[Any, ...]) -> None:
    with pytest.raises(RuntimeError) as theirs:
        torch.device(*args)
    with pytest.raises(RuntimeError) as ours:
        ag.device(*args)
    expected = str(theirs.value).replace(", privateuseone", ", privateuseone, tpu")  # jax's TPUs
    assert str(ours.value) == expected


def test_device_argument_types_are_checked() -> None:
    for args in [(1.0,), ("cuda", "x")]:
        with pytest.raises(TypeError):
            torch.device(*args)
        with pytest.raises(TypeError):
            ag.device(*args)


def test_device_equality_and_hash_follow_torch() -> None:
    pairs = [("cuda", "cuda:0"), ("cpu", "cpu:0"), ("cuda:1", "cuda:1"), ("cpu", "cpu")]
    for a, b in pairs:
        assert (ag.device(a) == ag.device(b)) == (torch.device(a) == torch.device(b)), (a, b)
        assert (hash(ag.device(a)) == hash(ag.device(b))) == (torch.device(a) == torch.device(b))
    for spec in ("cpu", "cuda:0"):  # a device never equals a string, in PyTorch either
        assert (ag.device(spec) == spec) is (torch.device(spec) == spec) is False
    assert pickle.loads(pickle.dumps(ag.device("cuda:1"))) == ag.device("cuda:1")


def test_integer_device_needs_an_accelerator() -> None:
    with pytest.raises(RuntimeError) as ours:
        ag.device(0)
    if torch.version.cuda is not None:
        # a CUDA build of torch takes 0 for cuda:0 even without a GPU; a CPU build raises like arraygrad
        assert torch.device(0) == torch.device("cuda", 0)
        assert "accelerator" in str(ours.value)
        return
    with pytest.raises(RuntimeError) as theirs:
        torch.device(0)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------- tensor properties


def test_tensor_device_properties_match_torch_on_cpu(backend: str) -> None:
    ours, theirs = ag.zeros(2), torch.zeros(2)
    assert repr(ours.device) == repr(theirs.device) == "device(type='cpu')"
    for name in ("is_cuda", "is_cpu", "is_xpu", "is_mps", "is_meta"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.get_device() == theirs.get_device() == -1


# ---------------------------------------------------------------------- "cpu"


@pytest.mark.parametrize("name", ["numpy", "strict", "jax"])
def test_cpu_keeps_a_tensor_on_its_backend(name: str) -> None:
    x = ag.tensor([1.0, 2.0], backend=name)
    assert x.cpu() is x and x.to("cpu") is x and x.to(ag.device("cpu")) is x
    assert x.to(device="cpu").backend.name == name


@pytest.mark.parametrize("name", ["numpy", "strict", "jax"])
def test_creating_on_cpu_uses_the_default_backend(name: str) -> None:
    with ag.use_backend(name):
        for t in (ag.zeros(2, device="cpu"), ag.tensor([1.0], device=ag.device("cpu")), ag.randn(3, device="cpu")):
            assert t.backend.name == name and t.device == ag.device("cpu")
    assert ag.ones(2, device="cpu", backend="strict").backend.name == "strict"


def test_module_cpu_keeps_parameters_where_they_are() -> None:
    model = ag.nn.Linear(2, 3).to("jax")
    weight = model.weight
    assert model.cpu() is model and model.weight is weight
    assert model.weight.backend.name == "jax" and model.weight.is_cpu


def test_only_one_cpu_device() -> None:
    with pytest.raises(RuntimeError, match="only one CPU device"):
        ag.zeros(1, device="cpu:1")


def test_devices_without_a_backend_are_refused() -> None:
    for spec in ("mps", "xpu", "meta"):
        with pytest.raises(RuntimeError, match=f"device '{spec}' is not supported"):
            ag.zeros(1, device=spec)


# ---------------------------------------------------------------------- "cuda" without a GPU


def _no_cuda() -> None:
    if ag.cuda.is_available():
        pytest.skip("a CUDA device is reachable here: the no-GPU errors cannot happen")


def test_cuda_without_a_gpu_says_what_is_missing() -> None:
    _no_cuda()
    x = ag.zeros(2)
    attempts = [
        lambda: x.cuda(), lambda: x.cuda(1), lambda: x.to("cuda"), lambda: x.to(ag.device("cuda:0")),
        lambda: ag.zeros(3, device="cuda"), lambda: ag.nn.Linear(2, 2).cuda(), lambda: ag.nn.Linear(2, 2).to("cuda"),
    ]
    for attempt in attempts:
        with pytest.raises(backends.BackendUnavailableError) as info:
            attempt()
        message = str(info.value)
        assert "device 'cuda'" in message and "cupy:" in message and "jax:" in message
        assert "arraygrad.cuda.is_available()" in message


# ---------------------------------------------------------------------- "cuda" with stand-in GPUs


class FakeCupy(NumpyBackend):
    """numpy arrays presented as if on two CUDA devices, registered under the name ``cupy``."""

    name = "cupy"
    has_cpu_device = False

    def cuda_device_count(self) -> int:
        return 2

    def device_of(self, array: Any) -> str:
        return "cuda:0"

    def to_device(self, array: Any, index: int | None) -> Any:
        if index is not None and index < 0:
            raise ValueError("backend 'cupy' has no CPU device")
        return array

    def cuda_device_properties(self, index: int) -> dict[str, Any]:
        return {"name": f"Fake GPU {index}", "major": 9, "minor": 0, "total_memory": 2**30,
                "multi_processor_count": 132}

    def cuda_memory_stats(self, index: int) -> dict[str, int]:
        return {"allocated_bytes": 512 * (index + 1), "peak_allocated_bytes": 2048, "reserved_bytes": 4096}


@pytest.fixture
def fake_cupy(monkeypatch: pytest.MonkeyPatch) -> FakeCupy:
    fake = FakeCupy()
    monkeypatch.setitem(backends._INSTANCES, "cupy", fake)
    monkeypatch.setattr(backends._cuda_index, "value", 0, raising=False)
    return fake


@pytest.fixture
def jax_gpu(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The jax backend, told that it sees one CUDA GPU (its arrays stay on the CPU)."""
    jax_backend = backends.get("jax")
    monkeypatch.setattr(jax_backend, "cuda_device_count", lambda: 1)
    monkeypatch.setattr(backends._cuda_index, "value", 0, raising=False)
    return jax_backend


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "_cupy_reason", lambda: "backend 'cupy': no CUDA device")


def test_cuda_means_cupy_when_it_is_usable(fake_cupy: FakeCupy) -> None:
    x = ag.tensor([1.0, 2.0])
    for moved in (x.cuda(), x.to("cuda"), x.to(ag.device("cuda", 1)), x.cuda(1)):
        assert moved.backend is fake_cupy and moved.is_cuda and moved.get_device() == 0
        assert not moved.is_cpu and moved.tolist() == [1.0, 2.0]
    assert ag.zeros(3, device="cuda").backend is fake_cupy
    assert resolve(None, "cuda:1") == (fake_cupy, 1)
    assert resolve(None, "cuda") == (fake_cupy, 0)


def test_cuda_then_cpu_comes_back_to_the_default_backend(fake_cupy: FakeCupy) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.cuda()
    back = y.cpu()
    assert back.backend.name == "numpy" and back.is_cpu and back.tolist() == [1.0, 2.0]
    back.sum().backward()  # the moves are differentiable
    assert x.grad.tolist() == [1.0, 1.0]
    with ag.use_backend("strict"):
        assert y.cpu().backend.name == "strict" and y.to("cpu").backend.name == "strict"
        assert ag.zeros(1, device="cpu").backend.name == "strict"
    with ag.use_backend("cupy"):  # the default has no CPU device: numpy is the host
        assert ag.zeros(1, device="cpu").backend.name == "numpy"
    with pytest.raises(ValueError, match="has no CPU device"):
        ag.zeros(1, device="cpu", backend="cupy")


def test_cuda_index_beyond_the_devices_is_an_error(fake_cupy: FakeCupy) -> None:
    with pytest.raises(RuntimeError, match="CUDA device index 5 is out of range; backend 'cupy' sees 2"):
        ag.zeros(1, device="cuda:5")


def test_module_cuda_moves_parameters_and_keeps_them(fake_cupy: FakeCupy) -> None:
    model = ag.nn.Linear(2, 3)
    weight = model.weight
    assert model.cuda() is model and model.weight is weight
    assert all(p.backend is fake_cupy for p in model.parameters())
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")
    assert device == ag.device("cuda")
    model.to(device).cpu()
    assert all(p.backend.name == "numpy" for p in model.parameters())


def test_cuda_means_jax_on_a_gpu_when_cupy_cannot(no_cupy: None, jax_gpu: Any) -> None:
    x = ag.tensor([1.0, 2.0])
    assert x.cuda().backend is jax_gpu and x.to("cuda").backend is jax_gpu
    assert ag.zeros(2, device="cuda").backend is jax_gpu
    assert ag.cuda.is_available() and ag.cuda.device_count() == 1


def test_cuda_keeps_a_tensor_whose_backend_reaches_cuda(fake_cupy: FakeCupy, jax_gpu: Any) -> None:
    on_jax = ag.tensor([1.0], backend="jax")
    assert on_jax.cuda().backend is jax_gpu  # not moved to cupy
    assert ag.tensor([1.0]).cuda().backend is fake_cupy  # numpy has no CUDA device: cupy first
    with ag.use_backend("jax"):
        assert ag.zeros(1, device="cuda").backend is jax_gpu


def test_explicit_backend_without_cuda_conflicts(fake_cupy: FakeCupy) -> None:
    with pytest.raises(ValueError, match="backend 'numpy' has no CUDA device"):
        ag.zeros(1, device="cuda", backend="numpy")


def test_jax_names_gpu_devices_cuda() -> None:
    class Dev:
        def __init__(self, platform: str, index: int) -> None:
            self.platform, self.id = platform, index

    class Arr:
        def __init__(self, dev: Dev) -> None:
            self._dev = dev

        def devices(self) -> set[Dev]:
            return {self._dev}

    jax_backend = backends.get("jax")
    assert jax_backend.device_of(Arr(Dev("gpu", 1))) == "cuda:1"
    assert jax_backend.device_of(Arr(Dev("cpu", 0))) == "cpu"
    assert ag.device(jax_backend.device_of(Arr(Dev("tpu", 2)))) == ag.device("tpu", 2)


# ---------------------------------------------------------------------- default device


def test_default_device_is_cpu_as_in_torch(backend: str) -> None:
    assert repr(ag.get_default_device()) == repr(torch.get_default_device()) == "device(type='cpu')"


def test_set_default_device_applies_to_factories_only() -> None:
    try:
        ag.set_default_device("jax")
        assert ag.zeros(1).backend.name == "jax" and ag.randn(2).backend.name == "jax"
        assert ag.zeros(1, backend="numpy").backend.name == "numpy"
        assert ag.tensor([1.0]).backend.name == "jax"
    finally:
        ag.set_default_device(None)
    assert ag.zeros(1).backend.name == "numpy"


def test_device_as_context_manager_sets_the_default_device() -> None:
    with ag.device("cpu"):
        assert ag.get_default_device() == ag.device("cpu")
        assert ag.zeros(1).device == ag.device("cpu")
    assert ag.get_default_device() == ag.device("cpu")


def test_set_default_device_to_cuda_fails_now_without_a_gpu() -> None:
    _no_cuda()
    with pytest.raises(backends.BackendUnavailableError):
        ag.set_default_device("cuda")
    assert ag.zeros(1).backend.name == "numpy"


def test_default_device_cuda_with_a_stand_in_gpu(fake_cupy: FakeCupy) -> None:
    try:
        with ag.device("cuda"):
            assert ag.zeros(1).backend is fake_cupy
            assert ag.get_default_device() == ag.device("cuda:0")
    finally:
        ag.set_default_device(None)
    assert ag.zeros(1).backend.name == "numpy"
