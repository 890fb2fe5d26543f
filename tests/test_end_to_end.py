"""End to end: the same seeded model trained with Adam gives the same loss curve on every backend.

The model is built from the seed on each backend (no weights copied: the seeded generator gives
the same initial parameters everywhere), trained 50 steps on the same data, and the loss curves
are compared: float64 tightly, float32 within the module tolerance of the conformance suite.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn

BACKENDS = ["numpy", "strict", "jax"]
STEPS = 50


def _reason(name: str) -> str | None:
    return ag.backends.available()[name]


def train(backend: str, dtype: ag.dtype) -> list[float]:
    """Loss curve of a small MLP classifier trained with Adam on fixed data."""
    rng = np.random.default_rng(0)
    x_np = rng.normal(size=(32, 6))
    y_np = (x_np[:, 0] + x_np[:, 1] > 0).astype(np.int64) + (x_np[:, 2] > 1).astype(np.int64)
    with ag.use_backend(backend):
        ag.manual_seed(1234)
        model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3)).to(dtype)
        opt = ag.optim.Adam(model.parameters(), lr=0.05)
        loss_fn = nn.CrossEntropyLoss()
        x, y = ag.tensor(x_np, dtype=dtype), ag.tensor(y_np)
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


@pytest.fixture(scope="module")
def reference() -> list[float]:
    return train("numpy", ag.float64)


def test_training_reduces_the_loss(reference: list[float]) -> None:
    assert reference[-1] < 0.5 * reference[0]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_same_loss_curve_on_every_backend(backend: str, dtype: str, reference: list[float]) -> None:
    if _reason(backend) is not None:
        pytest.skip(f"{backend}: {_reason(backend)}")
    losses = train(backend, getattr(ag, dtype))
    rtol, atol = (1e-9, 1e-12) if dtype == "float64" else (5e-3, 1e-3)
    np.testing.assert_allclose(losses, reference, rtol=rtol, atol=atol)


def test_cupy_is_reported() -> None:
    reason = _reason("cupy")
    if reason is not None:
        pytest.skip(f"cupy: {reason}")
    losses = train("cupy", ag.float32)
    assert losses[-1] < losses[0]
