"""pytest options and fixtures of the conformance suite."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance_tests import harness


def required_backends(config: pytest.Config) -> set[str]:
    names = {n.strip() for n in (config.getoption("--require-backends") or "").split(",") if n.strip()}
    unknown = names - set(harness.BACKENDS)
    if unknown:
        raise pytest.UsageError(
            f"--require-backends: unknown backend(s) {sorted(unknown)}; known: {', '.join(harness.BACKENDS)}"
        )
    return names


def pytest_configure(config: pytest.Config) -> None:
    required_backends(config)  # reject typos before collecting anything
    harness.enable_jax_compilation_cache()


@pytest.fixture
def backend_gate(request: pytest.FixtureRequest) -> Callable[[str, str | None], None]:
    """``gate(backend, dtype)``: skip the test with the reason when ``backend`` cannot run
    ``dtype`` here, or fail it when the backend was required with ``--require-backends``."""
    required = required_backends(request.config)

    def gate(backend: str, dtype: str | None = None) -> None:
        reason = harness.unavailable_reason(backend, dtype)
        if reason is None:
            return
        if backend in required:
            pytest.fail(f"required backend {backend!r} cannot run{f' {dtype}' if dtype else ''}: {reason}", pytrace=False)
        pytest.skip(f"{backend}{f':{dtype}' if dtype else ''}: {reason}")

    return gate
