"""The optimizer registry (``optimizers.py``): tier 1 (arraygrad's numpy float64 trajectory vs an
independent float64 reference: a numpy rule, or torch.optim), tier 2 (every backend x dtype
follows the numpy float64 trajectory), the numpy rules themselves against torch.optim where
torch is installed, the scheduler lr sequences vs closed forms, and a self-test showing that a
wrong update is caught.

Ids read ``test_optim_tier1[SGD:nesterov_weight_decay]`` and ``test_optim_tier2[Adam:amsgrad-jax-float32]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import arraygrad as ag
from conformance_tests import optimizers
from conformance_tests.harness import BACKENDS, DTYPES, Mismatch, compare
from conformance_tests.optimizers import (
    NUMPY_RULES,
    OPTIMIZERS,
    SCHEDULERS,
    OptimSpec,
    SchedulerSpec,
    check_optim_tier1,
    check_optim_tier2,
    check_scheduler,
)


def _marks(spec: OptimSpec | SchedulerSpec, column: str) -> list:
    reason = spec.expected_failure(column) if isinstance(spec, OptimSpec) else spec.xfail.get(column)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id, marks=_marks(s, "tier1")) for s in OPTIMIZERS])
def test_optim_tier1(spec: OptimSpec) -> None:
    if spec.reference == "torch" and optimizers.torch_unavailable():
        pytest.skip(optimizers.torch_unavailable())
    check_optim_tier1(spec)


@pytest.mark.parametrize("spec,backend,dtype", [
    pytest.param(s, b, d, id=f"{s.id}-{b}-{d}", marks=_marks(s, f"{b}:{d}"))
    for s in OPTIMIZERS for b in BACKENDS for d in DTYPES
])
def test_optim_tier2(spec: OptimSpec, backend: str, dtype: str,
                     backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, dtype)
    check_optim_tier2(spec, backend, dtype)


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id) for s in OPTIMIZERS if s.reference == "numpy"])
def test_numpy_rule_matches_torch(spec: OptimSpec) -> None:
    """The hand-written numpy rules follow torch.optim (checks the references themselves)."""
    reason = optimizers.torch_unavailable()
    if reason:
        pytest.skip(reason)
    want = optimizers.torch_trajectory(spec.name, spec.kwargs)
    got = optimizers.numpy_trajectory(NUMPY_RULES[spec.cls], spec.kwargs)
    for step, (ps, ws) in enumerate(zip(got, want), 1):
        for p, w in zip(ps, ws):
            compare(p, w, 1e-9, 1e-12, f"{spec.id} numpy rule vs torch.optim after step {step}")


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id, marks=_marks(s, "*")) for s in SCHEDULERS])
def test_scheduler_closed_form(spec: SchedulerSpec) -> None:
    check_scheduler(spec)


def test_optimizer_registry_ids_are_unique() -> None:
    assert len(optimizers.by_id()) == len(OPTIMIZERS)


def test_every_class_has_a_reference_rule_or_torch() -> None:
    required = {ag.optim.SGD, ag.optim.Adam, ag.optim.AdamW, ag.optim.RMSprop, ag.optim.Adagrad}
    assert required <= set(NUMPY_RULES)


def test_trajectory_moves() -> None:
    """The problem is not at a stationary point: every parameter changes every step."""
    traj = optimizers.anchor(OPTIMIZERS[0])
    prev = optimizers.START
    for ps in traj:
        assert all(not np.array_equal(p, q) for p, q in zip(ps, prev))
        prev = ps


class _DriftingSGD(ag.optim.SGD):
    """SGD whose update on strict is 0.1 % too large."""

    def step(self, closure=None):  # type: ignore[no-untyped-def]
        for group in self.param_groups:
            group["lr"] = 0.05 * (1.001 if group["params"][0].backend.name == "strict" else 1.0)
        return super().step(closure)


def test_optim_tier2_catches_a_drifting_update() -> None:
    spec = OptimSpec(_DriftingSGD, {"lr": 0.05}, "selftest")
    assert check_optim_tier2(spec, "numpy", "float64") <= 1.0
    with pytest.raises(Mismatch, match="exceeds tolerance"):
        check_optim_tier2(spec, "strict", "float64")


def test_optim_tier1_catches_a_wrong_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(NUMPY_RULES, ag.optim.SGD, lambda p, g, st, t, lr, **kw: p - 1.001 * lr * g)
    with pytest.raises(Mismatch, match="numpy reference"):
        check_optim_tier1(OptimSpec(ag.optim.SGD, {"lr": 0.05}, "selftest"))
