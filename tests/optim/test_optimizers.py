"""Every optimizer, with its main option sets, against torch.optim: 20 steps on the same problem
from the same initial values give the same parameter trajectories (float64 within 1e-10
relative, float32 within 1e-5) on numpy, strict and jax. The SGD and Adam/AdamW rules are also
checked against plain float64 implementations of the published algorithms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim
from tests.optim import _problem as P

CASES: dict[str, tuple[str, dict]] = {
    "sgd": ("SGD", {"lr": 0.05}),
    "sgd-momentum": ("SGD", {"lr": 0.02, "momentum": 0.9}),
    "sgd-dampening-wd": ("SGD", {"lr": 0.02, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    "sgd-nesterov": ("SGD", {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    "sgd-maximize": ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    "adam": ("Adam", {"lr": 0.05}),
    "adam-amsgrad-wd": ("Adam", {"lr": 0.05, "betas": (0.8, 0.95), "amsgrad": True, "weight_decay": 0.1}),
    "adam-maximize": ("Adam", {"lr": 0.01, "maximize": True, "eps": 1e-6}),
    "adam-decoupled": ("Adam", {"lr": 0.05, "weight_decay": 0.2, "decoupled_weight_decay": True}),
    "adamw": ("AdamW", {"lr": 0.05}),
    "adamw-amsgrad": ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "betas": (0.5, 0.9)}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop-centered-momentum": (
        "RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    "rmsprop-maximize": ("RMSprop", {"lr": 0.005, "momentum": 0.5, "maximize": True}),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adagrad-decay": (
        "Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    "adadelta": ("Adadelta", {}),
    "adadelta-wd-maximize": ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1, "maximize": True}),
    "adamax": ("Adamax", {"lr": 0.05}),
    "adamax-wd": ("Adamax", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    "nadam": ("NAdam", {"lr": 0.05}),
    "nadam-wd": ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    "nadam-decoupled": ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    # beta2 = 0.999: rho_t > 5 from step 6 on, so both branches of the rectification run
    "radam": ("RAdam", {"lr": 0.05}),
    "radam-decoupled": ("RAdam", {"lr": 0.05, "betas": (0.9, 0.99), "weight_decay": 0.1,
                                  "decoupled_weight_decay": True}),
}

TOLERANCES = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}


def run_both(torch, case: str, dtype_name: str) -> tuple[list, list, list, object]:
    name, kwargs = CASES[case]
    dtype = getattr(ag, dtype_name)
    params = P.ag_params(dtype)
    opt = getattr(optim, name)(params, **kwargs)
    ours = P.train(params, opt, lambda: P.ag_loss(params))
    tdtype = getattr(torch, dtype_name)
    with P.torch_default_dtype(torch, tdtype):
        tparams = P.torch_params(torch, tdtype)
        theirs = P.train(tparams, getattr(torch.optim, name)(tparams, **kwargs), lambda: P.torch_loss(torch, tparams))
    return ours, theirs, params, opt


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_matches_torch(backend, torch, case, dtype_name):
    ours, theirs, params, opt = run_both(torch, case, dtype_name)
    P.assert_trajectories_close(ours, theirs, *TOLERANCES[dtype_name])
    # every parameter stays a tensor of the backend and dtype it started with; state too
    for p in params:
        assert p.backend.name == backend and p.dtype is getattr(ag, dtype_name)
    for p in params[:2]:
        for value in opt.state[p].values():
            if isinstance(value, ag.Tensor):
                assert value.backend.name == backend and value.dtype is p.dtype and value.shape == p.shape
    # the parameter without a gradient is skipped: unchanged, and (except Adagrad, whose state
    # PyTorch makes at construction) without state
    np.testing.assert_array_equal(ours[-1][2], P.INIT["frozen"])
    if CASES[case][0] == "Adagrad":
        assert opt.state[params[2]]["step"] == 0
    else:
        assert params[2] not in opt.state
    if CASES[case][0] not in ("SGD",):
        assert opt.state[params[0]]["step"] == P.STEPS


# ---------------------------------------------------------------------- published rules, float64


def reference_sgd(lr: float, momentum: float, nesterov: bool, steps: int = P.STEPS) -> list[list[np.ndarray]]:
    """SGD with momentum as in Sutskever et al. (2013) in PyTorch's form: v <- mu v + g
    (v_1 = g_1), theta <- theta - lr v; Nesterov: theta <- theta - lr (g + mu v)."""
    w, b = P.INIT["w"].copy(), P.INIT["b"].copy()
    vel = None
    out = []
    for _ in range(steps):
        g = P.grads_np(w, b)
        vel = list(g) if vel is None else [momentum * v + gi for v, gi in zip(vel, g)]
        direction = [gi + momentum * v for gi, v in zip(g, vel)] if nesterov else vel
        w, b = w - lr * direction[0], b - lr * direction[1]
        out.append([w, b])
    return out


def reference_adam(lr: float, beta1: float, beta2: float, eps: float, decay: float,
                   steps: int = P.STEPS) -> list[list[np.ndarray]]:
    """Adam, Algorithm 1 of Kingma & Ba (2014), with AdamW's decoupled decay (Loshchilov & Hutter,
    2019, schedule multiplier 1): theta <- theta - decay * theta - lr * m_hat / (sqrt(v_hat) + eps)."""
    theta = [P.INIT["w"].copy(), P.INIT["b"].copy()]
    m = [np.zeros_like(t) for t in theta]
    v = [np.zeros_like(t) for t in theta]
    out = []
    for t in range(1, steps + 1):
        g = P.grads_np(*theta)
        m = [beta1 * mi + (1 - beta1) * gi for mi, gi in zip(m, g)]
        v = [beta2 * vi + (1 - beta2) * gi * gi for vi, gi in zip(v, g)]
        m_hat = [mi / (1 - beta1**t) for mi in m]
        v_hat = [vi / (1 - beta2**t) for vi in v]
        theta = [th - decay * th - lr * mh / (np.sqrt(vh) + eps) for th, mh, vh in zip(theta, m_hat, v_hat)]
        out.append([th.copy() for th in theta])
    return out


def ours_float64(opt_cls, **kwargs) -> list[list[np.ndarray]]:
    params = P.ag_params(ag.float64)
    opt = opt_cls(params, **kwargs)
    return [step[:2] for step in P.train(params, opt, lambda: P.ag_loss(params))]


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_sgd_matches_published_rule(backend, nesterov):
    ours = ours_float64(optim.SGD, lr=0.02, momentum=0.9, nesterov=nesterov)
    P.assert_trajectories_close(ours, reference_sgd(0.02, 0.9, nesterov), 1e-10, 1e-12)


@pytest.mark.parametrize("decoupled", [False, True], ids=["adam", "adamw"])
def test_adam_matches_published_rule(backend, decoupled):
    lr, betas, eps, wd = 0.05, (0.8, 0.95), 1e-8, 0.2
    if decoupled:
        ours = ours_float64(optim.AdamW, lr=lr, betas=betas, eps=eps, weight_decay=wd)
    else:
        ours = ours_float64(optim.Adam, lr=lr, betas=betas, eps=eps)
    expected = reference_adam(lr, *betas, eps, decay=lr * wd if decoupled else 0.0)
    P.assert_trajectories_close(ours, expected, 1e-10, 1e-12)


def test_adam_first_step_moves_each_coordinate_by_lr():
    # m_hat / sqrt(v_hat) = g / |g| on step 1: the best-known property of Adam
    p = ag.tensor([3.0, -2.0, 0.5], dtype=ag.float64, requires_grad=True)
    p.grad = ag.tensor([10.0, -0.01, 1e3], dtype=ag.float64)
    optim.Adam([p], lr=0.1, eps=0.0).step()
    np.testing.assert_allclose(p.detach().numpy(), [2.9, -1.9, 0.4], rtol=1e-12)


def test_radam_switches_to_the_rectified_rule_when_rho_exceeds_5():
    beta2 = 0.999
    rho_inf = 2 / (1 - beta2) - 1
    rho = [rho_inf - 2 * t * beta2**t / (1 - beta2**t) for t in range(1, 8)]
    assert [r > 5 for r in rho] == [False] * 5 + [True] * 2
    # the first five steps are plain bias-corrected momentum: a constant gradient 4 moves p by lr * 4
    p = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    opt = optim.RAdam([p], lr=0.1)
    for t in range(1, 6):
        p.grad = ag.tensor([4.0], dtype=ag.float64)
        opt.step()
        assert math.isclose(p.item(), 1.0 - 0.4 * t, rel_tol=1e-12)


def test_update_functions_are_pure_on_backend_arrays(backend):
    # the pure rule: new arrays out, the inputs untouched (jax would refuse in-place writes anyway)
    xp = ag.tensor([0.0]).backend.xp
    param = xp.asarray([1.0, -2.0], dtype=xp.float64)
    grad = xp.asarray([0.5, 0.25], dtype=xp.float64)
    zeros = xp.zeros((2,), dtype=xp.float64)
    new_p, m, v, vmax = optim.adam_update(
        xp, param, grad, zeros, zeros, zeros, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
        amsgrad=True, maximize=False, decoupled_weight_decay=False,
    )
    assert [float(x) for x in param] == [1.0, -2.0] and [float(x) for x in zeros] == [0.0, 0.0]
    np.testing.assert_allclose(np.asarray([float(x) for x in new_p]), [0.9, -2.1], rtol=1e-7)
    np.testing.assert_allclose(np.asarray([float(x) for x in vmax]), [0.00025, 0.0000625], rtol=1e-12)
