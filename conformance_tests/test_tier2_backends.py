"""Tier 2: every registry row on every backend x dtype, compared with tier 1's numpy float64
reference (forward outputs and gradients), with result types checked.

Ids read ``test_tier2[exp-jax-float32]``. Backends that cannot run here are skipped with
their reason (``--require-backends`` makes that a failure).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance_tests.harness import BACKENDS, DTYPES, check_tier2
from conformance_tests.registry import OPS, OpSpec


def _params() -> list:
    params = []
    for spec in OPS:
        for backend in BACKENDS:
            for dtype in DTYPES:
                reason = spec.expected_failure(f"{backend}:{dtype}")
                marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                params.append(pytest.param(spec, backend, dtype, id=f"{spec.id}-{backend}-{dtype}", marks=marks))
    return params


@pytest.mark.parametrize("spec,backend,dtype", _params())
def test_tier2(spec: OpSpec, backend: str, dtype: str, backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, dtype)
    check_tier2(spec, backend, dtype)
