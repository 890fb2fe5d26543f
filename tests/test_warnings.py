"""Ops return IEEE results (-inf, inf, nan) silently, as PyTorch does: numpy's floating-point
RuntimeWarnings must not leak from arraygrad, while the user's own numpy code still warns.

Each check runs in a fresh interpreter with ``-W error``, so any warning that leaks is an error
(a warnings registry inside one process could hide a repeated warning)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROGRAM = r"""
import math
import arraygrad as ag
import arraygrad.nn.functional as F

x = ag.tensor([0.0, 1.0, -1.0], requires_grad=True)
results = [
    ag.log(x), ag.log2(x), ag.log10(x), ag.log1p(-x - 1), ag.sqrt(x), ag.rsqrt(x), x / 0, x.pow(-1),
    ag.reciprocal(x), ag.exp(x * 1000), x * 1e38 * 1e38, ag.tensor([0.0]) / ag.tensor([0.0]),
    ag.zeros(0).mean(), ag.zeros(0, 3).mean(0),
    F.log_softmax(ag.tensor([[-math.inf, 0.0], [-math.inf, -math.inf]]), dim=1),
    F.binary_cross_entropy(ag.tensor([0.0, 1.0]), ag.tensor([1.0, 0.0])),
]
(ag.log(x).sum() + ag.sqrt(x).sum()).backward()
assert math.isinf(results[0].tolist()[0]) and math.isnan(results[11].item())

import numpy as np
try:
    np.log(np.zeros(1))
except RuntimeWarning:
    print("user numpy code still warns")
else:
    raise SystemExit("the filter also silenced the user's own numpy code")
"""


@pytest.mark.parametrize("backend", ["numpy", "strict"])
def test_no_floating_point_warnings_leak_from_ops(backend: str) -> None:
    env = {**os.environ, "ARRAYGRAD_BACKEND": backend}
    proc = subprocess.run([sys.executable, "-W", "error", "-c", PROGRAM], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "user numpy code still warns" in proc.stdout
