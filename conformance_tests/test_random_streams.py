"""Seeded random functions give the same values on every backend as on numpy
(``ag.manual_seed(s)``; bit-identical where no transcendental function is involved)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance_tests.harness import BACKENDS, DTYPES, check_random
from conformance_tests.registry import RANDOM_OPS, RandomSpec


def _params() -> list:
    params = []
    for spec in RANDOM_OPS:
        for backend in BACKENDS:
            if backend == "numpy":
                continue  # the anchor every other backend is compared with
            for dtype in DTYPES if spec.float_dtypes else ("int64",):
                reason = spec.expected_failure(f"{backend}:{dtype}")
                marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                params.append(pytest.param(spec, backend, dtype, id=f"{spec.id}-{backend}-{dtype}", marks=marks))
    return params


@pytest.mark.parametrize("spec,backend,dtype", _params())
def test_random_stream(spec: RandomSpec, backend: str, dtype: str,
                       backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, dtype if spec.float_dtypes else "int64")
    check_random(spec, backend, dtype)
