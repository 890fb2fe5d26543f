"""The loss registry (``losses.py``): tier 1 (gradients wrt the prediction, and the second input
of pairwise losses, vs finite differences) and tier 2 (every backend x dtype vs the numpy float64
reference) for every row, through the module checks of ``harness``; and the registry's own
well-formedness.

Ids read ``test_loss_tier1[CrossEntropyLoss:weight_ignore_index-mean]`` and
``test_loss_tier2[KLDivLoss:log_target-batchmean-jax-float32]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from arraygrad import nn
from conformance_tests import harness
from conformance_tests.harness import BACKENDS, DTYPES, check_module_tier1, check_module_tier2
from conformance_tests.losses import LOSSES, LossSpec, by_id
from conformance_tests.modules import Sub
from conformance_tests.samples import f32

# KLDivLoss(reduction='mean') warns (as PyTorch does) that 'batchmean' is the true divergence
pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")


def _marks(spec: LossSpec, column: str) -> list:
    reason = spec.expected_failure(column)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id, marks=_marks(s, "tier1")) for s in LOSSES])
def test_loss_tier1(spec: LossSpec) -> None:
    check_module_tier1(spec)


@pytest.mark.parametrize("spec,backend,dtype", [
    pytest.param(s, b, d, id=f"{s.id}-{b}-{d}", marks=_marks(s, f"{b}:{d}"))
    for s in LOSSES for b in BACKENDS for d in DTYPES
])
def test_loss_tier2(spec: LossSpec, backend: str, dtype: str, backend_gate: Callable[[str, str | None], None]) -> None:
    backend_gate(backend, dtype)
    check_module_tier2(spec, backend, dtype)


_XFAIL_KEYS = {"tier1", "*", *BACKENDS, *(f"{b}:{d}" for b in BACKENDS for d in DTYPES)}


def test_loss_registry_ids_are_unique() -> None:
    assert len(by_id()) == len(LOSSES)


def test_loss_rows_are_well_formed() -> None:
    """Rows name public arraygrad.nn losses, have one float32-exact sample whose gradient inputs
    exist, and no gradient for integer targets."""
    problems = []
    for spec in LOSSES:
        if getattr(nn, spec.cls.__name__, None) is not spec.cls:
            problems.append(f"{spec.id}: {spec.cls!r} is not a public arraygrad.nn class")
        if spec.reduction not in ("none", "mean", "sum", "batchmean"):
            problems.append(f"{spec.id}: unknown reduction {spec.reduction!r}")
        (sample,) = spec.sample_list
        floats = harness.float_arrays(sample)
        if any(not np.array_equal(f32(x), x) for x in floats):
            problems.append(f"{spec.id}: float input not exactly representable in float32")
        if not spec.grad or any(g >= len(floats) for g in spec.grad):
            problems.append(f"{spec.id}: grad indices {spec.grad} but {len(floats)} float inputs")
        if set(spec.xfail) - _XFAIL_KEYS:
            problems.append(f"{spec.id}: unknown xfail keys {sorted(set(spec.xfail) - _XFAIL_KEYS)}")
    assert not problems, "\n".join(problems)


def test_every_reduction_sees_the_same_sample() -> None:
    """Rows of one option set differ only in the reduction (so their results are comparable)."""
    groups: dict[str, list[LossSpec]] = {}
    for spec in LOSSES:
        groups.setdefault(spec.id.rsplit("-", 1)[0] if "-" in spec.id else spec.name, []).append(spec)
    for group in groups.values():
        first = harness.float_arrays(group[0].sample_list[0])
        for spec in group[1:]:
            assert all(np.array_equal(a, b) for a, b in zip(first, harness.float_arrays(spec.sample_list[0]))), spec.id


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id) for s in LOSSES])
def test_loss_forward_matches_torch(spec: LossSpec) -> None:
    """The numpy float64 reference value equals ``torch.nn.<Class>`` on the same sample (what
    finite differences cannot show: the formula itself). Skipped where torch is not installed."""
    torch = pytest.importorskip("torch")
    import warnings

    def conv(v: object) -> object:
        if isinstance(v, Sub):
            return torch.tensor(np.asarray(v.args[0]), dtype=torch.float64)
        if isinstance(v, np.ndarray):
            return torch.from_numpy(v.astype(np.float64) if v.dtype.kind == "f" else v)
        return v

    (sample,) = spec.sample_list
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = getattr(torch.nn, spec.name)(**{k: conv(v) for k, v in spec.kwargs.items()})
        want = loss(*(conv(a) for a in sample.args)).detach().numpy()
    got = harness.module_reference(spec, 0).outputs[0]
    harness.compare(got, want, 1e-10, 1e-12, f"{spec.id}: numpy float64 forward vs torch.nn.{spec.name}")
