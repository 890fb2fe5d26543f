"""Rprop and ASGD against torch.optim: the same least-squares problem from the same start follows
the same trajectory (float64 within 1e-10 relative, float32 within 1e-5) on numpy, strict and jax
(sampled), the state has PyTorch's entries, and a saved state continues identically."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim
from tests.helpers import backend_cases
from tests.optim import _problem as P

CASES: dict[str, tuple[str, dict]] = {
    "rprop": ("Rprop", {}),
    "rprop-etas-bounds": ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.1)}),
    "rprop-maximize": ("Rprop", {"lr": 0.02, "maximize": True}),
    "asgd": ("ASGD", {"lr": 0.05}),
    # t0 = 5: averaging starts inside the run, so mu != 1 is exercised
    "asgd-averaging": ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}),
    "asgd-maximize": ("ASGD", {"lr": 0.01, "t0": 3, "maximize": True}),
}
TOLERANCES = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}
STATE_KEYS = {"Rprop": {"step", "prev", "step_size"}, "ASGD": {"step", "eta", "mu", "ax"}}


def run_both(torch, case: str, dtype_name: str, steps: int = P.STEPS):
    name, kwargs = CASES[case]
    params = P.ag_params(getattr(ag, dtype_name))
    opt = getattr(optim, name)(params, **kwargs)
    ours = P.train(params, opt, lambda: P.ag_loss(params), steps)
    tdtype = getattr(torch, dtype_name)
    with P.torch_default_dtype(torch, tdtype):
        tparams = P.torch_params(torch, tdtype)
        topt = getattr(torch.optim, name)(tparams, **kwargs)
        theirs = P.train(tparams, topt, lambda: P.torch_loss(torch, tparams), steps)
    return ours, theirs, params, opt, tparams, topt


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("backend,case", backend_cases(CASES, jax_every=4), indirect=["backend"])
def test_trajectory_matches_torch(backend, torch, case, dtype_name):
    ours, theirs, params, opt, tparams, topt = run_both(torch, case, dtype_name)
    P.assert_trajectories_close(ours, theirs, *TOLERANCES[dtype_name])
    name = CASES[case][0]
    for p, tp in zip(params[:2], tparams[:2]):
        state, tstate = opt.state[p], topt.state[tp]
        assert set(state) == set(tstate) == STATE_KEYS[name]
        assert state["step"] == P.STEPS
        for key, value in state.items():
            if isinstance(value, ag.Tensor):
                assert value.backend.name == backend and value.dtype is p.dtype
                np.testing.assert_allclose(P.host(value), P.host(tstate[key]), *TOLERANCES[dtype_name])
            elif key != "step":  # ASGD's eta and mu: Python floats here, 0-d tensors in torch
                assert value == pytest.approx(float(tstate[key]), rel=1e-6)
    assert params[2] not in opt.state  # no gradient: skipped, no state
    np.testing.assert_array_equal(ours[-1][2], P.INIT["frozen"])


@pytest.mark.backends("numpy")
@pytest.mark.parametrize("case", ["rprop-etas-bounds", "asgd-averaging"])
def test_state_dict_round_trip(backend, torch, case):
    name, kwargs = CASES[case]
    params = P.ag_params()
    opt = getattr(optim, name)(params, **kwargs)
    P.train(params, opt, lambda: P.ag_loss(params), 8)
    sd = opt.state_dict()
    with P.torch_default_dtype(torch, torch.float64):
        tparams = P.torch_params(torch, torch.float64)
        topt = getattr(torch.optim, name)(tparams, **kwargs)
        P.train(tparams, topt, lambda: P.torch_loss(torch, tparams), 1)
        assert set(sd["state"][0]) == set(topt.state_dict()["state"][0])
        assert set(sd["param_groups"][0]) == set(topt.state_dict()["param_groups"][0])
    copies = [ag.tensor(P.host(p), dtype=ag.float64, requires_grad=True) for p in params]
    opt2 = getattr(optim, name)(copies, **kwargs)
    opt2.load_state_dict(sd)
    a = P.train(params, opt, lambda: P.ag_loss(params), 5)
    b = P.train(copies, opt2, lambda: P.ag_loss(copies), 5)
    P.assert_trajectories_close(a, b, 0, 0)


def test_rprop_ignores_gradient_magnitude(backend):
    """Scaling the loss by 1000 leaves Rprop's trajectory unchanged (only signs matter)."""
    def run(scale: float) -> list[list[np.ndarray]]:
        params = P.ag_params()
        opt = optim.Rprop(params, lr=0.05)
        return P.train(params, opt, lambda: P.ag_loss(params) * scale, 6)

    P.assert_trajectories_close(run(1.0), run(1000.0), 0, 0)


def test_bad_hyperparameters(backend):
    params = P.ag_params()
    with pytest.raises(ValueError, match="Invalid eta values: 1.5, 2"):
        optim.Rprop(params, etas=(1.5, 2))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Rprop(params, lr=-1)
    with pytest.raises(ValueError, match="Invalid weight_decay value"):
        optim.ASGD(params, weight_decay=-0.1)
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.ASGD(params, differentiable=True)
