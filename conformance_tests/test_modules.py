"""The module registry (``modules.py``): tier 1 and tier 2 for every row, the registry's own
well-formedness, and self-tests showing the module checks fail on the faults they exist to
catch (a wrong parameter gradient, a backend computing something else, a running statistic
updated differently, a different dropout mask).

Ids read ``test_module_tier1[Conv2d:circular]`` and
``test_module_tier2[BatchNorm1d:train-jax-float32]``; backends that cannot run here are
skipped with their reason (``--require-backends`` makes that a failure).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from conformance_tests import harness
from conformance_tests.harness import (
    BACKENDS,
    DTYPES,
    Mismatch,
    check_module_tier1,
    check_module_tier2,
    module_state,
)
from conformance_tests.modules import MODULES, ModuleSpec, by_id, inp
from conformance_tests.samples import f32


def _tier1_params() -> list:
    params = []
    for spec in MODULES:
        reason = spec.expected_failure("tier1")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(spec, id=spec.id, marks=marks))
    return params


def _tier2_params() -> list:
    params = []
    for spec in MODULES:
        for backend in BACKENDS:
            for dtype in DTYPES:
                reason = spec.expected_failure(f"{backend}:{dtype}")
                marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                params.append(pytest.param(spec, backend, dtype, id=f"{spec.id}-{backend}-{dtype}", marks=marks))
    return params


@pytest.mark.parametrize("spec", _tier1_params())
def test_module_tier1(spec: ModuleSpec) -> None:
    check_module_tier1(spec)


@pytest.mark.parametrize("spec,backend,dtype", _tier2_params())
def test_module_tier2(spec: ModuleSpec, backend: str, dtype: str,
                      backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, dtype)
    check_module_tier2(spec, backend, dtype)


# ---------------------------------------------------------------------- the registry itself

_TOL_KEYS = {f"{q}:{d}" for q in ("forward", "grad", "state") for d in DTYPES}
_XFAIL_KEYS = {"tier1", "*", *BACKENDS, *(f"{b}:{d}" for b in BACKENDS for d in DTYPES)}


def test_module_registry_ids_are_unique() -> None:
    assert len(by_id()) == len(MODULES)


def test_module_rows_are_well_formed() -> None:
    """Rows name arraygrad.nn layers, have one float32-exact sample, valid grad indices and
    override/xfail keys, and seeded rows run in training mode (else the seed is pointless)."""
    problems = []
    for spec in MODULES:
        if not (issubclass(spec.cls, nn.Module) and getattr(nn, spec.cls.__name__, None) is spec.cls):
            problems.append(f"{spec.id}: {spec.cls!r} is not a public arraygrad.nn layer")
        samples = spec.sample_list
        if len(samples) != 1:
            problems.append(f"{spec.id}: {len(samples)} samples (one per row keeps jax's compile time down)")
        for i, sample in enumerate(samples):
            floats = harness.float_arrays(sample)
            if any(not np.array_equal(f32(x), x) for x in floats):
                problems.append(f"{spec.id} sample {i}: float input not exactly representable in float32")
            if spec.grad is not None and any(g >= len(floats) for g in spec.grad):
                problems.append(f"{spec.id} sample {i}: grad indices {spec.grad} but {len(floats)} float inputs")
        if set(spec.tol) - _TOL_KEYS:
            problems.append(f"{spec.id}: unknown tolerance keys {sorted(set(spec.tol) - _TOL_KEYS)}")
        if set(spec.xfail) - _XFAIL_KEYS:
            problems.append(f"{spec.id}: unknown xfail keys {sorted(set(spec.xfail) - _XFAIL_KEYS)}")
        if spec.seed is not None and not spec.train:
            problems.append(f"{spec.id}: seeded but in eval mode")
    assert not problems, "\n".join(problems)


def test_module_state_is_float64_made_and_float32_exact() -> None:
    """The shared state holds float32-exact float64 values (so float32 and float64 instances
    get the same numbers) and no constant floating entry (norm weights, biases, running
    statistics are randomised)."""
    problems = []
    for spec in MODULES:
        for name, value in module_state(spec).items():
            if value.dtype.kind != "f":
                continue
            if value.dtype != np.float64 or not np.array_equal(f32(value), value):
                problems.append(f"{spec.id}: {name} is {value.dtype} / not float32-exact")
            if value.size > 1 and np.all(value == value.reshape(-1)[0]):
                problems.append(f"{spec.id}: {name} is constant")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------- the checks catch faults


class _ScaledGrad(ag.autograd.Function):
    """Identity forward; backward scales the gradient by ``factor``."""

    @staticmethod
    def forward(ctx, x, factor):  # type: ignore[no-untyped-def]
        ctx.factor = factor
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def]
        return grad * ctx.factor, None


class _WrongBiasGrad(nn.Module):
    """``x @ W.T + b`` whose bias gradient is off by 1 % (a small parameter among larger ones)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(ag.randn(6, 5))
        self.bias = nn.Parameter(ag.randn(6))

    def forward(self, x):  # type: ignore[no-untyped-def]
        return x @ self.weight.T + _ScaledGrad.apply(self.bias, 1.01)


class _StrictDiffers(nn.Linear):
    """A Linear that computes something else on ``strict``."""

    def forward(self, x):  # type: ignore[no-untyped-def]
        out = super().forward(x)
        return out * 1.001 if x.backend.name == "strict" else out


class _StrictStatistics(nn.BatchNorm1d):
    """A BatchNorm1d whose running mean drifts on ``strict`` after the forward."""

    def forward(self, x):  # type: ignore[no-untyped-def]
        out = super().forward(x)
        if x.backend.name == "strict":
            with ag.no_grad():
                self.running_mean.add_(1e-3)
        return out


class _StrictMask(nn.Dropout):
    """A Dropout whose mask on ``strict`` comes from a different seed."""

    def forward(self, x):  # type: ignore[no-untyped-def]
        if x.backend.name == "strict":
            ag.manual_seed(424242)
        return super().forward(x)


def test_module_tier1_catches_a_wrong_parameter_gradient() -> None:
    spec = ModuleSpec(_WrongBiasGrad, inp(3, 5), variant="selftest_wrong_bias_grad")
    with pytest.raises(Mismatch, match="parameter bias vs finite differences"):
        check_module_tier1(spec)


def test_module_tier1_passes_a_right_gradient() -> None:
    spec = ModuleSpec(nn.Linear, inp(3, 5), (5, 6), variant="selftest_right")
    assert check_module_tier1(spec) <= 1.0


def test_module_tier2_catches_a_backend_that_computes_something_else() -> None:
    spec = ModuleSpec(_StrictDiffers, inp(3, 4), (4, 5), variant="selftest_strict_differs")
    assert check_module_tier2(spec, "numpy", "float32") <= 1.0
    with pytest.raises(Mismatch, match="exceeds tolerance"):
        check_module_tier2(spec, "strict", "float64")


def test_module_tier2_catches_a_running_statistic_updated_differently() -> None:
    spec = ModuleSpec(_StrictStatistics, inp(4, 3), (3,), train=True, variant="selftest_statistics")
    assert check_module_tier2(spec, "numpy", "float64") <= 1.0
    with pytest.raises(Mismatch, match="state entry 'running_mean' after the forward"):
        check_module_tier2(spec, "strict", "float64")


def test_module_tier2_catches_a_different_dropout_mask() -> None:
    spec = ModuleSpec(_StrictMask, inp(4, 6), (0.5,), train=True, seed=1234, variant="selftest_mask")
    assert check_module_tier2(spec, "numpy", "float32") <= 1.0
    with pytest.raises(Mismatch, match="dropout mask differs"):
        check_module_tier2(spec, "strict", "float32")
