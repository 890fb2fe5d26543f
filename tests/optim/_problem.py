"""The fixed problem the optimizer tests train on, for arraygrad and for torch alike.

Least squares ``mean((X @ w + b - Y)**2)`` with two parameters that get gradients (``w`` (4, 3),
``b`` (3,)) and a third, ``frozen`` (2,), that never does: optimizers must skip it. The optimum
is away from zero, so relative comparisons of the trajectories stay meaningful.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import arraygrad as ag

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 4))
Y = _rng.standard_normal((8, 3)) + 2.0
INIT = {"w": _rng.standard_normal((4, 3)), "b": _rng.standard_normal(3) + 1.0, "frozen": np.array([1.5, -2.5])}
STEPS = 20


def grads_np(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The analytic gradient of the loss in float64 (for the hand-written reference rules)."""
    dr = 2.0 * (X @ w + b - Y) / Y.size
    return X.T @ dr, dr.sum(0)


def ag_params(dtype: Any = ag.float64) -> list[ag.Tensor]:
    """Fresh arraygrad parameters (default backend) at the initial values."""
    return [ag.tensor(INIT[k], dtype=dtype, requires_grad=True) for k in ("w", "b", "frozen")]


def torch_params(torch: Any, dtype: Any) -> list[Any]:
    return [torch.tensor(INIT[k], dtype=dtype, requires_grad=True) for k in ("w", "b", "frozen")]


def ag_loss(params: list[ag.Tensor]) -> ag.Tensor:
    w, b = params[0], params[1]
    x, y = ag.tensor(X, dtype=w.dtype), ag.tensor(Y, dtype=w.dtype)
    return ((x @ w + b - y) ** 2).mean()


def torch_loss(torch: Any, params: list[Any]) -> Any:
    w, b = params[0], params[1]
    x, y = torch.tensor(X, dtype=w.dtype), torch.tensor(Y, dtype=w.dtype)
    return ((x @ w + b - y) ** 2).mean()


def host(t: Any) -> np.ndarray:
    return np.array(t.detach().numpy(), dtype=np.float64)


def train(params: list[Any], opt: Any, loss_fn: Callable[[], Any], steps: int = STEPS) -> list[list[np.ndarray]]:
    """``steps`` of zero_grad / backward / step; the parameters' values after every step."""
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
        trajectory.append([host(p) for p in params])
    return trajectory


@contextlib.contextmanager
def torch_default_dtype(torch: Any, dtype: Any) -> Iterator[None]:
    """PyTorch keeps scalar optimizer state (``step``, NAdam's ``mu_product``) in its default dtype;
    arraygrad keeps Python numbers (double precision). Comparing float64 runs, torch's default
    is set to float64 so that both compute those scalars alike."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def assert_trajectories_close(ours: list[list[np.ndarray]], theirs: list[list[np.ndarray]], rtol: float,
                              atol: float) -> None:
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step}, parameter {i}")
