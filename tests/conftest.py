"""Shared fixtures: every backend-sensitive unit test runs on numpy, strict (array-api-strict)
and jax; cupy is reported as skipped with the registry's reason when it cannot run here."""

from __future__ import annotations

import os

# jax reads this when it is first imported; float64 tests need it on.
os.environ["JAX_ENABLE_X64"] = "1"

import pytest  # noqa: E402

import arraygrad as ag  # noqa: E402
from tests.helpers import BACKENDS  # noqa: E402


def _unavailable_reason(name: str) -> str | None:
    return ag.backends.available()[name]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "backends(*names): run the `backend` fixture only on these backends (default: all; the closest "
        "marker wins, so a test can widen its module's choice)",
    )


def _parametrized_directly(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0]
        names = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        if name in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and not _parametrized_directly(metafunc, "backend"):
        marker = metafunc.definition.get_closest_marker("backends")
        metafunc.parametrize("backend", marker.args if marker else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest):
    """The name of the backend under test, set as arraygrad's default for the test."""
    name = request.param
    reason = _unavailable_reason(name)
    if reason is not None:
        pytest.skip(f"{name}: {reason}")
    with ag.use_backend(name):
        yield name


@pytest.fixture(autouse=True)
def _clean_global_state():
    """Leave grad mode, default dtype, default backend and the RNG as each test found them."""
    mode = ag.is_grad_enabled()
    dtype = ag.get_default_dtype()
    default = ag.get_default_backend()
    state = ag.get_rng_state()
    yield
    ag.set_grad_enabled(mode)
    ag.set_default_dtype(dtype)
    ag.set_default_backend(default)
    ag.set_rng_state(state)
