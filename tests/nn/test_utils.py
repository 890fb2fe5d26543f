"""nn.utils: gradient clipping against PyTorch, parameters <-> vector."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from tests.helpers import assert_close

SHAPES = [(3, 4), (5,), (2, 2, 2)]


def _params_with_grads(torch, scale):
    rng = np.random.default_rng(0)
    ours, theirs = [], []
    for shape in SHAPES:
        value, grad = rng.standard_normal(shape), rng.standard_normal(shape) * scale
        p = nn.Parameter(ag.tensor(value))
        p.grad = ag.tensor(grad)
        tp = torch.nn.Parameter(torch.tensor(value))
        tp.grad = torch.tensor(grad)
        ours.append(p)
        theirs.append(tp)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
@pytest.mark.parametrize("scale", [0.01, 10.0])  # below and above max_norm
def test_clip_grad_norm_matches_torch(torch, norm_type, scale):
    _check_clip_grad_norm(torch, norm_type, scale, "numpy")


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_on_every_backend(backend, torch, norm_type):
    _check_clip_grad_norm(torch, norm_type, 10.0, backend)


def _check_clip_grad_norm(torch, norm_type, scale, backend):
    ours, theirs = _params_with_grads(torch, scale)
    total = clip_grad_norm_(ours, max_norm=1.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    assert total.backend.name == backend and total.ndim == 0
    assert_close(total, ttotal, rtol=1e-12)
    for p, tp in zip(ours, theirs):
        assert p.grad.backend.name == backend
        assert_close(p.grad, tp.grad, rtol=1e-12)
    if scale > 1:
        assert get_total_norm([p.grad for p in ours], norm_type).item() == pytest.approx(1.5, rel=1e-5)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(ag.ones(2))
    assert clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    p.grad = ag.tensor([3.0, 4.0])
    q = nn.Parameter(ag.ones(1))  # a parameter without grad is skipped
    total = clip_grad_norm_(iter([p, q]), 1.0)
    assert total.item() == pytest.approx(5.0)
    assert_close(p.grad, ag.tensor([0.6, 0.8]), rtol=1e-5)
    assert q.grad is None
    p.grad = ag.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    single = nn.Parameter(ag.ones(4))
    single.grad = ag.full((4,), 2.0)
    assert clip_grad_norm_(single, 2.0).item() == pytest.approx(4.0)  # a single tensor is accepted


def test_clip_grad_norm_on_a_model(torch, copy_to_torch):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    copy_to_torch(model, tmodel)
    x = np.random.default_rng(1).standard_normal((16, 4)) * 5
    (model(ag.tensor(x)) ** 2).sum().backward()
    (tmodel(torch.tensor(x)) ** 2).sum().backward()
    total = clip_grad_norm_(model.parameters(), 0.5)
    ttotal = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), 0.5)
    assert_close(total, ttotal, rtol=1e-12)
    for (name, p), tp in zip(model.named_parameters(), tmodel.parameters()):
        assert_close(p.grad, tp.grad, rtol=1e-12), name


def test_clip_grad_value(torch):
    ours, theirs = _params_with_grads(torch, 1.0)
    clip_grad_value_(ours, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for p, tp in zip(ours, theirs):
        assert_close(p.grad, tp.grad)
    assert max(float(np.abs(p.grad.numpy()).max()) for p in ours) == pytest.approx(0.3)


def test_parameters_vector_round_trip(backend):
    with ag.use_backend("numpy"):
        model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model.to(backend)
    vec = parameters_to_vector(model.parameters())
    assert tuple(vec.shape) == (3 * 2 + 2 + 2 + 1,) and vec.backend.name == backend
    np.testing.assert_array_equal(vec.detach().numpy()[:6], model[0].weight.detach().numpy().ravel())
    vec.sum().backward()  # differentiable
    assert model[0].weight.grad is not None
    ids = [id(p) for p in model.parameters()]
    vector_to_parameters(ag.arange(11, dtype=ag.float64), model.parameters())
    assert [id(p) for p in model.parameters()] == ids
    assert model[0].weight.dtype is ag.float32  # parameters keep their dtype
    assert model[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert model[1].bias.tolist() == [10.0]
    with pytest.raises(TypeError, match="expected arraygrad.Tensor"):
        vector_to_parameters([1.0] * 11, model.parameters())


def test_vector_to_parameters_refuses_mixed_backends():
    model = nn.Linear(2, 1)
    with pytest.raises(TypeError, match="different devices"):
        vector_to_parameters(ag.zeros(3, backend="jax"), model.parameters())
