"""Each backend's kernels (native overrides, or the inherited reference) against the
reference ``Backend`` methods run on the same backend, and against plain numpy
(``test_kernel_override[index_add:axis0_duplicates-jax]``; float32 values, see KERNEL_DTYPE)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance_tests.harness import BACKENDS
from conformance_tests.kernels import (
    KERNEL_CASES,
    KERNEL_DTYPE,
    KERNELS,
    PLUMBING,
    KernelCase,
    check_kernel_case,
    overridden_kernels,
)


def _params() -> list:
    params = []
    for case in KERNEL_CASES:
        for backend in BACKENDS:
            reason = case.expected_failure(backend)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            params.append(pytest.param(case, backend, id=f"{case.id}-{backend}", marks=marks))
    return params


@pytest.mark.parametrize("case,backend", _params())
def test_kernel_override(case: KernelCase, backend: str, backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, None if case.kernel == "random_bits" else KERNEL_DTYPE)
    check_kernel_case(case, backend, KERNEL_DTYPE)


def test_every_kernel_has_cases() -> None:
    assert {c.kernel for c in KERNEL_CASES} == set(KERNELS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_override_is_checked(backend: str) -> None:
    """A backend may only override kernels this suite checks (or adapter plumbing): a new
    native kernel must come with a case in kernels.py."""
    unchecked = overridden_kernels(backend) - set(KERNELS) - PLUMBING
    assert not unchecked, f"backend {backend!r} overrides kernels without a conformance check: {sorted(unchecked)}"
