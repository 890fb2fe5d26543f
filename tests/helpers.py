"""Helpers for comparing arraygrad with PyTorch (the micrograd-style spec tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import arraygrad as ag

#: every registered backend: a test parametrized over these reports an unusable one as skipped
BACKENDS = ("numpy", "strict", "jax", "cupy")
#: for tests of backend-independent machinery (graph bookkeeping, error messages): jax compiles
#: every new primitive/shape pair (~30 ms each), so it runs only the tests where jax has code of
#: its own (indexing and random kernels, immutable arrays, x64, transfers) plus samples of the rest
NOT_JAX = ("numpy", "strict", "cupy")


def to_np(t: Any) -> np.ndarray:
    """Host copy of an arraygrad or torch tensor (detached)."""
    if isinstance(t, ag.Tensor):
        return np.asarray(t.detach().numpy())
    return t.detach().cpu().numpy()


def assert_close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    a, e = (
        to_np(actual) if not isinstance(actual, np.ndarray) else actual,
        (to_np(expected) if not isinstance(expected, np.ndarray) else expected),
    )
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def compare_with_torch(
    fn: Callable[..., Any],
    inputs: Sequence[np.ndarray],
    torch_fn: Callable[..., Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    seed: int = 0,
) -> None:
    """Run ``fn`` on arraygrad tensors (default backend) and ``torch_fn`` (default ``fn``) on
    torch tensors made from the same float64 ``inputs``; compare the outputs and the gradients
    of ``(out * w).sum()`` for a fixed random ``w`` (so that a wrong gradient layout shows)."""
    import torch

    torch_fn = torch_fn or fn
    ours = [ag.tensor(x, requires_grad=np.issubdtype(x.dtype, np.floating)) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=np.issubdtype(x.dtype, np.floating)) for x in inputs]
    out, tout = fn(*ours), torch_fn(*theirs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    touts = tout if isinstance(tout, (tuple, list)) else (tout,)
    assert len(outs) == len(touts)
    rng = np.random.default_rng(seed)
    loss, tloss = None, None
    for o, to in zip(outs, touts):
        assert_close(o, to, rtol, atol)
        if not to.dtype.is_floating_point:
            continue
        w = rng.standard_normal(tuple(to.shape))
        term = (o * ag.tensor(w, dtype=o.dtype)).sum()
        tterm = (to * torch.tensor(w, dtype=to.dtype)).sum()
        loss = term if loss is None else loss + term
        tloss = tterm if tloss is None else tloss + tterm
    if loss is None or not any(t.requires_grad for t in ours):
        return
    loss.backward()
    tloss.backward()
    for i, (x, tx) in enumerate(zip(ours, theirs)):
        if not tx.requires_grad:
            continue
        if tx.grad is None:
            assert x.grad is None or not np.any(to_np(x.grad)), f"input {i}: torch has no gradient, we do"
            continue
        assert x.grad is not None, f"input {i}: no gradient"
        assert x.grad.backend.name == x.backend.name
        assert_close(x.grad, tx.grad, rtol, atol)


def lib_of(t: Any) -> Any:
    """The module (``arraygrad`` or ``torch``) that made ``t``: lets one function body build
    index tensors for either library in the spec tests."""
    if isinstance(t, ag.Tensor):
        return ag
    import torch

    return torch


def backend_cases(cases: Sequence[str], jax_every: int = 6, jax_always: Sequence[str] = ()) -> list[Any]:
    """``(backend, case)`` parameters for a spec table: every case on numpy, strict and cupy,
    and every ``jax_every``-th case (plus ``jax_always``) on jax.

    Use with ``indirect=["backend"]``. jax compiles each new primitive/shape pair (~30 ms), so
    running whole tables on it would dominate the suite; the formulas under test are written
    once in core (strict proves they are standard-only), and conformance_tests runs every op
    on every backend.
    """
    import pytest

    names = list(cases)
    on_jax = set(names[::jax_every]) | set(jax_always)
    return [pytest.param(b, n, id=f"{b}-{n}") for n in names for b in BACKENDS if b != "jax" or n in on_jax]


def xfail_on(request: Any, backend: str, names: Sequence[str], reason: str) -> None:
    """Mark the running test as a strict xfail when ``backend`` is one of ``names`` (a
    per-backend known failure, listed where the test is rather than skipped silently)."""
    import pytest

    if backend in names:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
