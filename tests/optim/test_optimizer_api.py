"""The Optimizer machinery: parameter groups, add_param_group, zero_grad, closures, maximize,
state_dict round trips (same trajectory after resuming, PyTorch's format, across backends),
step hooks, repr and argument errors."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn, optim
from tests.helpers import assert_close
from tests.optim import _problem as P

ALL_OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]
#: options that make every kind of state appear (momentum buffers, amsgrad, centered...)
RICH_OPTIONS = {
    "SGD": {"lr": 0.02, "momentum": 0.9, "nesterov": True},
    "Adam": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
    "AdamW": {"lr": 0.05},
    "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01},
    "Adadelta": {},
    "Adamax": {"lr": 0.05},
    "NAdam": {"lr": 0.05},
    "RAdam": {"lr": 0.05},
}


def ag_run(name: str, params: list, steps: int, opt=None, **kwargs):
    opt = opt or getattr(optim, name)(params, **(kwargs or RICH_OPTIONS[name]))
    return P.train(params, opt, lambda: P.ag_loss(params), steps), opt


def torch_run(torch, name: str, tparams: list, steps: int, opt=None, **kwargs):
    opt = opt or getattr(torch.optim, name)(tparams, **(kwargs or RICH_OPTIONS[name]))
    with P.torch_default_dtype(torch, torch.float64):
        return P.train(tparams, opt, lambda: P.torch_loss(torch, tparams), steps), opt


# ---------------------------------------------------------------------- parameter groups


def test_param_groups_with_their_own_options_match_torch(torch):
    params, tparams = P.ag_params(), P.torch_params(torch, torch.float64)

    def groups(ps):
        return [{"params": [ps[0]]}, {"params": [ps[1], ps[2]], "lr": 0.01, "betas": (0.5, 0.9)}]

    opt = optim.Adam(groups(params), lr=0.05)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.01]
    assert opt.param_groups[0]["betas"] == (0.9, 0.999) and opt.param_groups[1]["betas"] == (0.5, 0.9)
    ours, _ = ag_run("Adam", params, P.STEPS, opt)
    theirs, _ = torch_run(torch, "Adam", tparams, P.STEPS, torch.optim.Adam(groups(tparams), lr=0.05))
    P.assert_trajectories_close(ours, theirs, 1e-10, 1e-12)


def test_named_parameters_are_recorded_as_param_names(torch):
    lin = nn.Linear(3, 2)
    opt = optim.SGD(lin.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [ag.zeros(2, requires_grad=True)]})


def test_add_param_group_mid_training_matches_torch(torch):
    params, tparams = P.ag_params(), P.torch_params(torch, torch.float64)
    opt = optim.SGD([params[0]], lr=0.02, momentum=0.9)
    topt = torch.optim.SGD([tparams[0]], lr=0.02, momentum=0.9)
    first, _ = ag_run("SGD", params, 5, opt)
    tfirst, _ = torch_run(torch, "SGD", tparams, 5, topt)
    np.testing.assert_array_equal(first[-1][1], P.INIT["b"])  # b not optimized yet
    opt.add_param_group({"params": [params[1]], "lr": 0.05})
    topt.add_param_group({"params": [tparams[1]], "lr": 0.05})
    assert opt.param_groups[1]["momentum"] == 0.9  # the defaults fill the new group
    rest, _ = ag_run("SGD", params, 10, opt)
    trest, _ = torch_run(torch, "SGD", tparams, 10, topt)
    P.assert_trajectories_close(first + rest, tfirst + trest, 1e-10, 1e-12)


def test_add_param_group_errors():
    p, q = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [q, p]})
    with pytest.raises(ValueError, match="duplicate parameters"):
        opt.add_param_group({"params": [q, q]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {q}})
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        opt.add_param_group({"params": [np.zeros(2)]})
    with pytest.raises(ValueError, match="non-leaf"):
        opt.add_param_group({"params": [q * 2]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([q])
    with pytest.raises(TypeError, match="Python number"):
        opt.add_param_group({"params": [q], "lr": ag.tensor(0.1)})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": q})  # a single tensor is a group of one
    assert opt.param_groups[1]["params"][0] is q and opt.param_groups[1]["lr"] == 0.1


def test_constructor_errors():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.Adam(p)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Invalid momentum value"):
        optim.SGD([p], momentum=-0.5)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        optim.SGD([p], nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        optim.RMSprop([p], eps=-1e-8)
    with pytest.raises(ValueError, match="Invalid rho value"):
        optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="Invalid initial_accumulator_value value"):
        optim.Adagrad([p], initial_accumulator_value=-1)
    with pytest.raises(ValueError, match="Invalid momentum_decay value"):
        optim.NAdam([p], momentum_decay=-1)
    with pytest.raises(NotImplementedError, match="fused"):
        optim.Adam([p], fused=True)
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.SGD([p], differentiable=True)
    optim.Adam([p], foreach=False, capturable=True)  # accepted for compatibility, no effect


def test_complex_parameters():
    z = ag.tensor([1 + 2j, -1j], requires_grad=True)
    with pytest.raises(NotImplementedError, match="complex"):
        optim.Adam([z])
    z.grad = ag.tensor([0.5 - 1j, 2 + 0j])
    optim.SGD([z], lr=0.1, momentum=0.9).step()  # SGD's rule is linear: right for complex numbers
    np.testing.assert_allclose(z.detach().numpy(), [1 + 2j - 0.1 * (0.5 - 1j), -1j - 0.1 * 2], rtol=1e-6)


# ---------------------------------------------------------------------- zero_grad, closure, maximize


def test_zero_grad_set_to_none_and_to_zeros(torch):
    params, tparams = P.ag_params(), P.torch_params(torch, torch.float64)
    opt, topt = optim.Adam(params, lr=0.05, weight_decay=0.1), torch.optim.Adam(tparams, lr=0.05, weight_decay=0.1)
    ag_run("Adam", params, 3, opt)
    torch_run(torch, "Adam", tparams, 3, topt)
    opt.zero_grad(set_to_none=False)
    topt.zero_grad(set_to_none=False)
    w_grad = params[0].grad
    assert w_grad is not None and not np.any(w_grad.numpy()) and w_grad.shape == params[0].shape
    assert params[2].grad is None  # never had one
    # a zero gradient still steps (momentum and decay move the parameters), as in torch
    before = P.host(params[0])
    opt.step()
    topt.step()
    assert not np.array_equal(P.host(params[0]), before)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(P.host(p), P.host(tp), rtol=1e-10, atol=1e-12)
    assert opt.state[params[0]]["step"] == 4
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    opt.step()  # no gradients: nothing moves, no step counted
    assert opt.state[params[0]]["step"] == 4
    np.testing.assert_allclose(P.host(params[0]), P.host(tparams[0]), rtol=1e-10)


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned(backend):
    params = P.ag_params()
    opt = optim.SGD(params, lr=0.05)
    calls = []

    def closure():
        opt.zero_grad()
        loss = P.ag_loss(params)
        loss.backward()
        calls.append(loss.item())
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls and math.isclose(loss.item(), calls[0])
    w, b = P.INIT["w"], P.INIT["b"]
    gw, gb = P.grads_np(w, b)
    assert_close(params[0], w - 0.05 * gw, rtol=1e-12)
    assert_close(params[1], b - 0.05 * gb, rtol=1e-12)
    assert opt.step() is None
    losses = [opt.step(closure).item() for _ in range(10)]
    assert losses == sorted(losses, reverse=True)


def test_maximize_is_minimizing_the_negated_objective():
    results = []
    for maximize in (False, True):
        params = P.ag_params()
        opt = optim.Adam(params, lr=0.05, maximize=maximize)
        sign = -1.0 if maximize else 1.0
        results.append(P.train(params, opt, lambda ps=params, s=sign: P.ag_loss(ps) * s, 10))
    P.assert_trajectories_close(results[0], results[1], 0, 0)


# ---------------------------------------------------------------------- parameters are updated in place


def test_step_rebinds_the_parameter_storage(backend):
    lin = nn.Linear(3, 2, dtype=ag.float64)
    alias = lin.weight.detach()
    version = lin.weight._version
    opt = optim.Adam(lin.parameters(), lr=0.1)
    lin(ag.ones(4, 3, dtype=ag.float64)).sum().backward()
    opt.step()
    assert lin.weight._version == version + 1
    assert_close(alias, lin.weight)  # every alias of the storage sees the update
    assert opt.state[lin.weight]["exp_avg"].backend.name == backend


def test_linear_model_trained_with_adamw_matches_torch(backend, torch):
    ag.manual_seed(0)
    lin = nn.Linear(4, 3, dtype=ag.float64)
    tlin = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        tlin.weight.copy_(torch.tensor(P.host(lin.weight)))
        tlin.bias.copy_(torch.tensor(P.host(lin.bias)))
    opt, topt = optim.AdamW(lin.parameters(), lr=0.05), torch.optim.AdamW(tlin.parameters(), lr=0.05)
    x, y = ag.tensor(P.X, dtype=ag.float64), ag.tensor(P.Y, dtype=ag.float64)
    tx, ty = torch.tensor(P.X), torch.tensor(P.Y)
    for _ in range(10):
        opt.zero_grad()
        ((lin(x) - y) ** 2).mean().backward()
        opt.step()
        topt.zero_grad()
        ((tlin(tx) - ty) ** 2).mean().backward()
        topt.step()
    assert_close(lin.weight, tlin.weight, rtol=1e-10, atol=1e-12)
    assert_close(lin.bias, tlin.bias, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------- state_dict


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_state_dict_round_trip_resumes_the_same_trajectory(name):
    straight, _ = ag_run(name, P.ag_params(), 15)
    params = P.ag_params()
    first, opt = ag_run(name, params, 7)
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    # a new optimizer on copies of the parameters, as when resuming from a checkpoint
    resumed_params = [ag.tensor(P.host(p), dtype=ag.float64, requires_grad=True) for p in params]
    resumed = getattr(optim, name)(resumed_params, lr=123.0)  # the loaded groups replace the options
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert resumed.param_groups[0]["params"][0] is resumed_params[0]
    rest, _ = ag_run(name, resumed_params, 8, resumed)
    P.assert_trajectories_close(first + rest, straight, 0, 0)
    # the state dict is a snapshot: neither the resumed run nor the original optimizer changed it
    ag_run(name, params, 3, opt)
    for key, entries in frozen["state"].items():
        for k, v in entries.items():
            if isinstance(v, ag.Tensor):
                np.testing.assert_array_equal(saved["state"][key][k].numpy(), v.numpy())


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_state_dict_has_torch_format(torch, name):
    params, tparams = P.ag_params(), P.torch_params(torch, torch.float64)
    _, opt = ag_run(name, params, 3)
    _, topt = torch_run(torch, name, tparams, 3)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"])
    for key in theirs["state"]:
        assert list(ours["state"][key]) == list(theirs["state"][key])
        for k, tv in theirs["state"][key].items():
            v = ours["state"][key][k]
            if k == "step":
                assert isinstance(v, ag.Tensor) and v.dtype is ag.float32 and v.shape == () and v.item() == tv.item()
            elif k == "mu_product":
                assert isinstance(v, float) and math.isclose(v, tv.item(), rel_tol=1e-12)
            else:
                assert isinstance(v, ag.Tensor) and v.dtype is ag.float64
                np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["Adam", "NAdam", "Adagrad"])
def test_loads_a_torch_state_dict_converted_to_arraygrad_tensors(torch, name):
    tparams = P.torch_params(torch, torch.float64)
    first, topt = torch_run(torch, name, tparams, 6)
    saved = topt.state_dict()
    converted = {
        "state": {k: {n: ag.tensor(v.numpy()) if torch.is_tensor(v) else v for n, v in entries.items()}
                  for k, entries in saved["state"].items()},
        "param_groups": saved["param_groups"],
    }
    params = [ag.tensor(P.host(p), dtype=ag.float64, requires_grad=True) for p in tparams]
    opt = getattr(optim, name)(params)
    opt.load_state_dict(converted)
    assert opt.state[params[0]]["step"] == 6 and isinstance(opt.state[params[0]]["step"], int)
    ours, _ = ag_run(name, params, 6, opt)
    theirs, _ = torch_run(torch, name, tparams, 6, topt)
    P.assert_trajectories_close(ours, theirs, 1e-10, 1e-12)


def test_state_dict_loads_across_backends_and_dtypes():
    first, opt = ag_run("Adam", P.ag_params(), 5)
    with ag.use_backend("jax"):
        params = [ag.tensor(P.host(p), dtype=ag.float32, requires_grad=True) for p in opt.param_groups[0]["params"]]
    target = optim.Adam(params)
    target.load_state_dict(opt.state_dict())
    state = target.state[params[0]]
    assert state["step"] == 5
    for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert state[k].backend.name == "jax" and state[k].dtype is ag.float32
        np.testing.assert_allclose(state[k].numpy(), opt.state[opt.param_groups[0]["params"][0]][k].numpy(),
                                   rtol=1e-6)
    with ag.use_backend("jax"):
        ag_run("Adam", params, 2, target)
    assert params[0].backend.name == "jax" and params[0].dtype is ag.float32
    assert target.state[params[0]]["step"] == 7


def test_load_state_dict_errors():
    p, q = ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)
    saved = optim.SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="number of parameter groups"):
        optim.SGD([{"params": [p]}, {"params": [q]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p]).load_state_dict(saved)


def test_adamw_keeps_decoupled_weight_decay_after_loading():
    p = ag.zeros(2, requires_grad=True)
    saved = optim.Adam([p]).state_dict()
    opt = optim.AdamW([p])
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


# ---------------------------------------------------------------------- hooks and repr


def test_step_hooks_run_around_step_and_can_be_removed():
    p = ag.ones(2, requires_grad=True)
    p.grad = ag.ones(2)
    opt = optim.SGD([p], lr=0.5)
    seen = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append(("pre", P.host(p)[0])))
    post = opt.register_step_post_hook(lambda o, args, kwargs: seen.append(("post", P.host(p)[0])))
    opt.step()
    assert seen == [("pre", 1.0), ("post", 0.5)]
    pre.remove()
    post.remove()
    opt.step()
    assert len(seen) == 2


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_repr_matches_torch(torch, name):
    p, tp = ag.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    opt = getattr(optim, name)([p])
    assert repr(opt) == repr(getattr(torch.optim, name)([tp]))
    assert opt.defaults == getattr(torch.optim, name)([tp]).defaults


def test_scheduler_warning_not_raised_after_optimizer_step():
    opt = optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
