"""LBFGS against torch.optim.LBFGS: the same closure-driven runs from the same starting point
follow the same trajectory (float64 within 1e-9, float32 within 1e-3 relative) with the same
number of closure evaluations, on Rosenbrock's function (fixed steps and the strong-Wolfe line
search) and on a small least-squares model; state_dict keys and a save/load round trip."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim
from tests.helpers import backend_cases
from tests.optim import _problem as P


def rosenbrock(x: Any) -> Any:
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


START = [-1.2, 1.0]
CASES = {
    "fixed_step": {"lr": 0.02, "max_iter": 8, "history_size": 10},
    "strong_wolfe": {"lr": 1, "line_search_fn": "strong_wolfe"},
    "strong_wolfe_short": {"lr": 1, "max_iter": 4, "history_size": 3, "line_search_fn": "strong_wolfe"},
}
TOLERANCES = {"float64": (1e-9, 1e-10), "float32": (1e-2, 1e-3)}


def run_rosenbrock(lib: Any, dtype: Any, kwargs: dict, steps: int) -> tuple[list[np.ndarray], list[int], Any, Any]:
    x = lib.tensor(START, dtype=dtype, requires_grad=True)
    opt = lib.optim.LBFGS([x], **kwargs)

    def closure() -> Any:
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    points, evals = [], []
    for _ in range(steps):
        opt.step(closure)
        points.append(P.host(x))
        evals.append(opt.state[x]["func_evals"])
    return points, evals, x, opt


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("backend,case", backend_cases(CASES, jax_every=2), indirect=["backend"])
def test_rosenbrock_matches_torch(backend, torch, case, dtype_name):
    ours, our_evals, x, _ = run_rosenbrock(ag, getattr(ag, dtype_name), CASES[case], steps=6)
    theirs, their_evals, _, _ = run_rosenbrock(torch, getattr(torch, dtype_name), CASES[case], steps=6)
    rtol, atol = TOLERANCES[dtype_name]
    for step, (a, b) in enumerate(zip(ours, theirs), 1):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"after step {step}")
    assert our_evals == their_evals
    assert x.backend.name == backend and x.dtype is getattr(ag, dtype_name)
    if case == "strong_wolfe":  # the line search finds the minimum at (1, 1)
        np.testing.assert_allclose(ours[-1], [1.0, 1.0], atol=1e-4)


@pytest.mark.backends("numpy", "strict")
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_least_squares_matches_torch(backend, torch, line_search_fn):
    """Three parameters, one of which never gets a gradient (it counts as zeros, as in PyTorch)."""
    kwargs = {"lr": 0.5 if line_search_fn is None else 1, "max_iter": 3, "history_size": 5,
              "line_search_fn": line_search_fn}
    params = P.ag_params()
    opt = optim.LBFGS(params, **kwargs)
    with P.torch_default_dtype(torch, torch.float64):
        tparams = P.torch_params(torch, torch.float64)
        topt = torch.optim.LBFGS(tparams, **kwargs)
        for step in range(6):
            def closure() -> Any:
                opt.zero_grad()
                loss = P.ag_loss(params)
                loss.backward()
                return loss

            def tclosure() -> Any:
                topt.zero_grad()
                loss = P.torch_loss(torch, tparams)
                loss.backward()
                return loss

            loss, tloss = opt.step(closure), topt.step(tclosure)
            assert float(loss) == pytest.approx(float(tloss), rel=1e-10)
            for p, tp in zip(params, tparams):
                np.testing.assert_allclose(P.host(p), P.host(tp), rtol=1e-9, atol=1e-12, err_msg=f"step {step}")
    np.testing.assert_array_equal(P.host(params[2]), P.INIT["frozen"])


def _rosenbrock_run(kwargs: dict, x: ag.Tensor, opt: optim.LBFGS, steps: int) -> None:
    def closure() -> Any:
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)


@pytest.mark.backends("numpy")
def test_state_dict_keys_match_torch_and_round_trip(backend, torch):
    kwargs = {"lr": 1, "max_iter": 3, "history_size": 4, "line_search_fn": "strong_wolfe"}
    _, _, x, opt = run_rosenbrock(ag, ag.float64, kwargs, steps=2)
    _, _, _, topt = run_rosenbrock(torch, torch.float64, kwargs, steps=2)
    sd = opt.state_dict()
    saved_iters = opt.state[x]["n_iter"]
    assert set(sd["state"]) == {0}
    assert set(sd["state"][0]) == set(topt.state_dict()["state"][0])
    assert set(sd["param_groups"][0]) == set(topt.state_dict()["param_groups"][0])
    # a copy of the parameter with the loaded state continues exactly like the original
    y = ag.tensor(P.host(x), dtype=ag.float64, requires_grad=True)
    opt2 = optim.LBFGS([y], **kwargs)
    opt2.load_state_dict(sd)
    _rosenbrock_run(kwargs, x, opt, 2)
    _rosenbrock_run(kwargs, y, opt2, 2)
    np.testing.assert_array_equal(P.host(x), P.host(y))
    assert opt2.state[y]["func_evals"] == opt.state[x]["func_evals"]
    # the loaded state is a copy: later steps did not touch the saved dict
    assert opt2.state[y]["n_iter"] > saved_iters
    assert sd["state"][0]["n_iter"] == saved_iters


def test_step_without_closure_is_an_error(backend):
    x = ag.tensor(START, requires_grad=True)
    with pytest.raises(RuntimeError, match="LBFGS.step requires a closure"):
        optim.LBFGS([x]).step()


def test_bad_options(backend):
    x, y = ag.tensor(START, requires_grad=True), ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [x]}, {"params": [y]}])
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        optim.LBFGS([x], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.LBFGS([x], lr=-1)


def test_stops_at_an_optimum(backend):
    """A zero gradient ends the step after the first evaluation, leaving the parameters alone."""
    x = ag.tensor([1.0, 1.0], requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure() -> Any:
        calls.append(1)
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1
    np.testing.assert_array_equal(P.host(x), [1.0, 1.0])


def test_maximize_matches_torch() -> None:
    import torch

    start = np.array([1.5, -0.5])
    ours = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt_o = ag.optim.LBFGS([ours], lr=0.5, max_iter=5, maximize=True)
    opt_t = torch.optim.LBFGS([theirs], lr=0.5, max_iter=5, maximize=True)

    def closure(p: Any, opt: Any) -> Any:
        opt.zero_grad()
        value = -((p - 0.25) ** 2).sum() - (p[0] * p[1]) ** 2  # a maximum near (0.25, 0.25)
        value.backward()
        return value

    for _ in range(3):
        opt_o.step(lambda: closure(ours, opt_o))
        opt_t.step(lambda: closure(theirs, opt_t))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
