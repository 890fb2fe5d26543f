"""The compiled-step tier (``compiled_steps.py``): 20 compiled training steps equal 20 eager
ones on every backend and dtype (within tolerance on jax, which compiles; exactly elsewhere).

Ids read ``test_compiled_step[lenet_adam-jax-float32]``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance_tests.compiled_steps import WORKLOADS, Workload, check
from conformance_tests.harness import BACKENDS, DTYPES


@pytest.mark.parametrize("workload,backend,dtype", [
    pytest.param(w, b, d, id=f"{w.name}-{b}-{d}") for w in WORKLOADS for b in BACKENDS for d in DTYPES
])
def test_compiled_step(workload: Workload, backend: str, dtype: str,
                       backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, dtype)
    check(workload, backend, dtype)
