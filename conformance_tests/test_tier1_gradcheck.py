"""Tier 1: on numpy float64, analytic gradients equal central finite differences, and
forwards equal the independent numpy expectation of rows that declare one.

One test per such registry row (``test_tier1[exp]``); see ``harness.check_tier1``.
"""

from __future__ import annotations

import pytest

from conformance_tests.harness import check_tier1
from conformance_tests.registry import OPS, OpSpec


def _params() -> list:
    params = []
    for spec in OPS:
        if not spec.in_tier1:
            continue
        reason = spec.expected_failure("tier1")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(spec, id=spec.id, marks=marks))
    return params


@pytest.mark.parametrize("spec", _params())
def test_tier1(spec: OpSpec) -> None:
    check_tier1(spec)
