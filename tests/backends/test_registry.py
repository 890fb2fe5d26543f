"""The backend registry: names, availability with reasons, the default backend (run time and
``ARRAYGRAD_BACKEND`` at import), errors for unknown or unusable backends, jax's x64 rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import arraygrad as ag
from arraygrad.backends import BackendUnavailableError


def test_available_reports_every_registered_backend_with_a_reason() -> None:
    status = ag.backends.available()
    assert list(status) == ["numpy", "strict", "jax", "cupy"] == ag.backends.names()
    assert status["numpy"] is None and status["strict"] is None and status["jax"] is None
    reason = status["cupy"]
    if reason is not None:
        assert isinstance(reason, str) and "cupy" in reason
        assert "pip install" in reason or "CUDA" in reason


def test_get_returns_one_shared_backend_object_per_name() -> None:
    numpy_backend = ag.backends.get("numpy")
    assert ag.backends.get("numpy") is numpy_backend
    assert ag.backends.get(numpy_backend) is numpy_backend
    assert numpy_backend.name == "numpy" and repr(numpy_backend) == "<arraygrad backend 'numpy'>"
    assert ag.tensor([1.0], backend="numpy").backend is numpy_backend


def test_unknown_backend_lists_the_registered_ones() -> None:
    for attempt in (
        lambda: ag.backends.get("torch"),
        lambda: ag.set_default_backend("torch"),
        lambda: ag.zeros(2, backend="torch"),
        lambda: ag.use_backend("torch").__enter__(),
    ):
        with pytest.raises(ValueError, match="unknown backend 'torch'; registered backends: numpy, strict, jax, cupy"):
            attempt()
    assert ag.get_default_backend() == "numpy"


def test_unusable_cupy_raises_with_its_reason() -> None:
    reason = ag.backends.available()["cupy"]
    if reason is None:
        pytest.skip("cupy is usable here")
    with pytest.raises(BackendUnavailableError) as info:
        ag.zeros(1, device="cuda")  # "cuda" tries cupy, then jax on a GPU: both reasons are given
    assert reason in str(info.value) and "arraygrad.cuda.is_available()" in str(info.value)
    for attempt in (
        lambda: ag.zeros(1, backend="cupy"),
        lambda: ag.tensor([1.0]).to("cupy"),
        lambda: ag.set_default_backend("cupy"),
    ):
        with pytest.raises(BackendUnavailableError) as info:
            attempt()
        assert str(info.value) == reason
    assert ag.get_default_backend() == "numpy"


def test_set_and_get_default_backend() -> None:
    assert ag.get_default_backend() == "numpy"  # the conftest fixture restores it after each test
    ag.set_default_backend("strict")
    assert ag.get_default_backend() == "strict"
    assert ag.zeros(1).backend.name == "strict"
    ag.set_default_backend("numpy")
    assert ag.zeros(1).backend.name == "numpy"


def test_use_backend_nests_and_restores_even_on_error() -> None:
    with ag.use_backend("jax") as be:
        assert be is ag.backends.get("jax")
        assert ag.ones(1).backend.name == "jax"
        with ag.use_backend("strict"):
            assert ag.ones(1).backend.name == "strict"
        assert ag.get_default_backend() == "jax"
    assert ag.get_default_backend() == "numpy"
    with pytest.raises(KeyError):
        with ag.use_backend("strict"):
            raise KeyError
    assert ag.get_default_backend() == "numpy"


def test_backend_fixture_sets_the_default(backend) -> None:
    assert ag.get_default_backend() == backend
    assert ag.zeros(1).backend.name == backend
    assert ag.randn(2).backend.name == backend


def test_device_index_beyond_the_devices_is_an_error() -> None:
    with pytest.raises(ValueError, match="device"):
        ag.zeros(1, device="jax:7")
    with pytest.raises(ValueError, match="only one device"):
        ag.zeros(1, device="numpy:1")
    with pytest.raises(ValueError, match="not an integer"):
        ag.zeros(1, backend="jax:x")


# ---------------------------------------------------------------------- fresh interpreters


def _run(code: str, **env: str) -> dict:
    full_env = {k: v for k, v in os.environ.items() if k not in ("ARRAYGRAD_BACKEND", "JAX_ENABLE_X64")}
    full_env.update(env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


FRESH = """
    import json, sys
    import numpy as np
    import arraygrad as ag
    result = {"jax_imported_by_import": "jax" in sys.modules, "default": ag.get_default_backend(),
              "zeros_backend": ag.zeros(1).backend.name}

    def outcome(fn):
        try:
            t = fn()
            return {"ok": t.dtype.name}
        except Exception as exc:
            return {"error": type(exc).__name__, "message": str(exc)}

    result["f32"] = outcome(lambda: ag.zeros(2, backend="jax"))
    result["f64"] = outcome(lambda: ag.zeros(2, dtype=ag.float64, backend="jax"))
    result["int_list"] = outcome(lambda: ag.tensor([1, 2], backend="jax"))
    result["to_jax_f64"] = outcome(lambda: ag.tensor([1.0], dtype=ag.float64, backend="numpy").to("jax"))
    result["to_jax_i64"] = outcome(lambda: ag.arange(3, backend="numpy").to("jax"))
    result["from_numpy_f64"] = outcome(lambda: ag.from_numpy(np.ones(2), backend="jax"))
    print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def fresh_strict_no_x64() -> dict:
    return _run(FRESH, ARRAYGRAD_BACKEND="strict", JAX_ENABLE_X64="0")


def test_arraygrad_backend_env_var_is_read_at_import(fresh_strict_no_x64) -> None:
    assert fresh_strict_no_x64["default"] == "strict"
    assert fresh_strict_no_x64["zeros_backend"] == "strict"


def test_importing_arraygrad_does_not_import_jax(fresh_strict_no_x64) -> None:
    assert fresh_strict_no_x64["jax_imported_by_import"] is False


def test_jax_without_x64_refuses_64_bit_dtypes_with_instructions(fresh_strict_no_x64) -> None:
    assert fresh_strict_no_x64["f32"] == {"ok": "float32"}
    for case in ("f64", "int_list"):
        outcome = fresh_strict_no_x64[case]
        assert outcome.get("error") == "TypeError", case
        assert "JAX_ENABLE_X64=1" in outcome["message"] and "64-bit" in outcome["message"]


@pytest.mark.parametrize("case", ["to_jax_f64", "to_jax_i64", "from_numpy_f64"])
def test_jax_without_x64_never_truncates_a_transfer(fresh_strict_no_x64, case) -> None:
    outcome = fresh_strict_no_x64[case]
    assert "JAX_ENABLE_X64=1" in outcome.get("message", ""), outcome


def test_unknown_backend_in_env_var_fails_at_import_listing_the_registered() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARRAYGRAD_BACKEND"}
    env["ARRAYGRAD_BACKEND"] = "bogus"
    out = subprocess.run([sys.executable, "-c", "import arraygrad"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == (
        "ValueError: ARRAYGRAD_BACKEND='bogus' is not a registered backend; registered backends: numpy, strict, jax, cupy"
    )
