"""The registry is well formed, and the harness does fail on the faults it exists to catch
(wrong gradient, a backend computing something else, a foreign array, a changed dtype)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from conformance_tests import harness
from conformance_tests.harness import Mismatch, check_tier1, check_tier2, compare
from conformance_tests.registry import OPS, RANDOM_OPS, OpSpec, by_id, unary
from conformance_tests.samples import S, f32, normal


def test_registry_ids_are_unique() -> None:
    assert len(by_id()) == len(OPS)
    assert len({s.id for s in RANDOM_OPS}) == len(RANDOM_OPS)


def test_samples_are_well_formed() -> None:
    """Every row has samples; float inputs are float32-exact; grad indices exist; rows that
    take gradients have a floating input to take them for."""
    problems = []
    for spec in OPS:
        samples = spec.sample_list
        if not samples:
            problems.append(f"{spec.id}: no samples")
        for i, sample in enumerate(samples):
            floats = harness.float_arrays(sample)
            for x in floats:
                if not np.array_equal(f32(x), x, equal_nan=True):
                    problems.append(f"{spec.id} sample {i}: float input not exactly representable in float32")
            if spec.grad is not None and any(g >= len(floats) for g in spec.grad):
                problems.append(f"{spec.id} sample {i}: grad indices {spec.grad} but {len(floats)} float inputs")
        if spec.differentiable and not any(harness.grad_indices(spec, s) for s in samples):
            problems.append(f"{spec.id}: differentiable but no sample has a floating input")
    assert not problems, "\n".join(problems)


class _WrongExp(ag.autograd.Function):
    """exp with a backward that is off by 1 %: tier 1 must notice."""

    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def]
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def]
        (y,) = ctx.saved_tensors
        return grad * y * 1.01


def test_tier1_catches_a_wrong_gradient() -> None:
    spec = OpSpec("exp", _WrongExp.apply, unary(shapes=((2, 3),)), variant="wrong_backward")
    with pytest.raises(Mismatch, match="finite differences"):
        check_tier1(spec)


def test_tier1_catches_a_wrong_gradient_in_random_direction_mode() -> None:
    spec = OpSpec("exp", _WrongExp.apply, unary(shapes=((6, 7),)), variant="wrong_backward_large")
    with pytest.raises(Mismatch, match="directional derivative"):
        check_tier1(spec)


def test_tier1_passes_a_right_gradient() -> None:
    spec = OpSpec("exp", ag.exp, unary(shapes=((6, 7), (2, 3))), variant="harness_selftest")
    assert check_tier1(spec) <= 1.0


def test_tier2_catches_a_backend_that_computes_something_else() -> None:
    def fn(x):  # type: ignore[no-untyped-def]
        return x * 1.001 if x.backend.name == "strict" else x * 1.0

    spec = OpSpec("mul", fn, unary(shapes=((3,),)), variant="strict_differs")
    assert check_tier2(spec, "numpy", "float32") <= 1.0
    with pytest.raises(Mismatch, match="exceeds tolerance"):
        check_tier2(spec, "strict", "float64")


def test_tier2_catches_a_result_from_another_backend() -> None:
    spec = OpSpec("Tensor.to", lambda x: (x * 2.0).to("numpy"), unary(shapes=((3,),)), kind="nograd", variant="moves")
    with pytest.raises(Mismatch, match="backend 'numpy', expected 'strict'"):
        check_tier2(spec, "strict", "float32")


def test_tier2_catches_a_changed_dtype() -> None:
    spec = OpSpec("Tensor.to", lambda x: x.to(ag.float64), unary(shapes=((3,),)), kind="nograd", variant="upcasts")
    with pytest.raises(Mismatch, match="dtype float64, expected float32"):
        check_tier2(spec, "numpy", "float32")


def test_tier2_catches_a_wrong_gradient_on_one_backend() -> None:
    class Scale(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):  # type: ignore[no-untyped-def]
            return grad * (2.0 if grad.backend.name == "numpy" else -2.0)

    spec = OpSpec("mul", Scale.apply, lambda r: [S(normal(r, 3))], variant="grad_sign")
    with pytest.raises(Mismatch, match="gradient of input 0"):
        check_tier2(spec, "strict", "float64")


def test_compare_reports_the_worst_ratio() -> None:
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 2.0]), 1e-3, 0.0, "x") == 0.0
    assert compare(np.array([1.0005]), np.array([1.0]), 1e-3, 0.0, "x") == pytest.approx(0.5)
    with pytest.raises(Mismatch):
        compare(np.array([np.nan]), np.array([1.0]), 1.0, 1.0, "x")
    with pytest.raises(Mismatch):
        compare(np.array([1, 2]), np.array([1, 3]), 1.0, 1.0, "x")
    with pytest.raises(Mismatch, match="shape"):
        compare(np.zeros(2), np.zeros(3), 1.0, 1.0, "x")


def test_unavailable_backend_has_a_reason() -> None:
    for backend in harness.BACKENDS:
        reason = harness.unavailable_reason(backend)
        assert reason is None or reason.strip(), backend
        if reason is not None:
            with pytest.raises(harness.BackendUnavailable):
                harness.require(backend)


def test_evaluate_classifies_outcomes() -> None:
    def fail() -> float:
        raise Mismatch("off by one")

    def unavailable() -> float:
        raise harness.BackendUnavailable("cupy", "no CUDA device")

    assert harness.evaluate(lambda: 0.25).status == "pass"
    assert harness.evaluate(lambda: 0.25).ratio == 0.25
    assert harness.evaluate(fail).status == "FAIL"
    assert "off by one" in harness.evaluate(fail).detail
    assert harness.evaluate(fail, "known bug").status == "xfail"
    assert harness.evaluate(lambda: 0.0, "known bug").status == "XPASS"
    skipped = harness.evaluate(unavailable, "known bug")
    assert (skipped.status, skipped.detail) == ("skip", "no CUDA device")


def test_tier1_catches_a_forward_that_differs_from_its_numpy_expectation() -> None:
    spec = OpSpec("exp", ag.exp, unary(shapes=((3,),)), kind="nograd", variant="wrong_expect",
                  expect=lambda x: np.exp(x) * 1.001)
    with pytest.raises(Mismatch, match="independent numpy expectation"):
        check_tier1(spec)


def test_rows_with_expectations_are_checked_in_tier1() -> None:
    assert all(spec.in_tier1 for spec in OPS if spec.expect is not None)
    assert sum(spec.expect is not None for spec in OPS) >= 40


def test_tier2_catches_an_op_that_modifies_its_input() -> None:
    spec = OpSpec("Tensor.mul_", lambda x: x.mul_(2.0), unary(shapes=((3,),)), kind="nograd", variant="no_clone")
    with pytest.raises(Mismatch, match="input tensor 0 was modified"):
        check_tier2(spec, "strict", "float32")
