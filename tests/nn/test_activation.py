"""Activation modules and their functional forms: values and gradients against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F
from tests.helpers import assert_close, compare_with_torch

# (name, our module factory, torch module factory)
MODULES = [
    ("ReLU", lambda m: m.ReLU()),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2)),
    ("Sigmoid", lambda m: m.Sigmoid()),
    ("Tanh", lambda m: m.Tanh()),
    ("Softmax", lambda m: m.Softmax(dim=1)),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1)),
    ("GELU", lambda m: m.GELU()),
    ("GELUtanh", lambda m: m.GELU(approximate="tanh")),
    ("SiLU", lambda m: m.SiLU()),
    ("ELU", lambda m: m.ELU(alpha=0.7)),
    ("Softplus", lambda m: m.Softplus(beta=2.0, threshold=3.0)),
    ("Hardtanh", lambda m: m.Hardtanh(-1.5, 0.5)),
    ("ReLU6", lambda m: m.ReLU6()),
    ("Mish", lambda m: m.Mish()),
]


def _inputs(seed=0, shape=(4, 6)):
    x = np.random.default_rng(seed).standard_normal(shape) * 4
    return x


@pytest.mark.parametrize("name,factory", MODULES, ids=[m[0] for m in MODULES])
def test_activation_module_matches_torch(backend, torch, name, factory):
    ours, theirs = factory(nn), factory(torch.nn)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, [_inputs()], theirs, rtol=1e-9, atol=1e-12)


FUNCTIONAL_AT_KINKS = [
    ("relu", lambda F, x: F.relu(x)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.1)),
    ("hardtanh", lambda F, x: F.hardtanh(x)),
    ("relu6", lambda F, x: F.relu6(x)),
    ("elu", lambda F, x: F.elu(x, 2.0)),
    ("softplus", lambda F, x: F.softplus(x, 1.0, 2.0)),
    ("silu", lambda F, x: F.silu(x)),
    ("mish", lambda F, x: F.mish(x)),
    ("gelu", lambda F, x: F.gelu(x)),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("sigmoid", lambda F, x: F.sigmoid(x)),
    ("tanh", lambda F, x: F.tanh(x)),
]


@pytest.mark.parametrize("name,fn", [pytest.param(*f, id=f[0]) for f in FUNCTIONAL_AT_KINKS])
def test_functional_at_kinks_and_extremes_matches_torch(torch, name, fn):
    """Gradient conventions at the kinks (0, +-1, 6, the softplus threshold) and no NaN/overflow
    in either tail."""
    import torch.nn.functional as TF

    x = np.array([-800.0, -50.0, -6.0, -1.0, -1e-300, 0.0, 1e-300, 1.0, 2.0, 6.0, 7.0, 50.0, 800.0])
    compare_with_torch(lambda t: fn(F, t), [x], lambda t: fn(TF, t), rtol=1e-12, atol=1e-15)


def test_gelu_exact_float64_matches_torch_closely(torch):
    x = np.concatenate([np.linspace(-12, 12, 4001), [-40.0, -1e-8, 0.0, 1e-8, 40.0]])
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, tout = F.gelu(ours), torch.nn.functional.gelu(theirs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-13, atol=1e-15)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert np.abs(out.detach().numpy() - tout.detach().numpy()).max() < 1e-6  # far inside a float32 tolerance


def test_gelu_float32_and_errors(torch):
    x = np.linspace(-6, 6, 101, dtype=np.float32)
    # against float64: PyTorch's float32 kernel computes 1 + erf(x) and loses digits for x << 0
    reference = torch.nn.functional.gelu(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(F.gelu(ag.tensor(x)).numpy(), reference, rtol=2e-6, atol=1e-9)
    assert F.gelu(ag.tensor(x)).dtype is ag.float32
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(ag.tensor(x), approximate="fast")


def test_erf_helpers_accuracy():
    x = np.concatenate([np.linspace(-7, 7, 2001), [0.46875, 4.0, 26.0, -26.0]])
    erf = F._erf(ag.tensor(x)).numpy()
    erfc = F._erfc(ag.tensor(x)).numpy()
    np.testing.assert_allclose(erf, [math.erf(v) for v in x], rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(erfc, [math.erfc(v) for v in x], rtol=2e-14, atol=0)
    y = np.linspace(-0.999, 0.999, 301)
    np.testing.assert_allclose(F._erf(F._erfinv(ag.tensor(y))).numpy(), y, rtol=1e-14, atol=1e-15)


def test_softmax_implicit_dim_warns_like_torch(torch):
    x = np.random.default_rng(0).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ours = F.softmax(ag.tensor(x))
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.softmax(torch.tensor(x))
    assert_close(ours, theirs)
    with pytest.warns(UserWarning, match="log_softmax"):
        nn.LogSoftmax()(ag.tensor(x))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "relu6", "elu", "silu", "mish"])
def test_inplace_overwrites_input_and_keeps_gradients(torch, name):
    import torch.nn.functional as TF

    xn = np.random.default_rng(3).standard_normal(8) * 3
    leaf = ag.tensor(xn, requires_grad=True)
    tleaf = torch.tensor(xn, requires_grad=True)
    h, th = leaf * 1.0, tleaf * 1.0  # non-leaf tensors may be modified in place
    out = getattr(F, name)(h, inplace=True)
    tout = getattr(TF, name)(th, inplace=True)
    assert out is h
    assert_close(h, th)
    (out * ag.tensor(xn)).sum().backward()
    (tout * torch.tensor(xn)).sum().backward()
    assert_close(leaf.grad, tleaf.grad)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(ag.tensor(xn, requires_grad=True), inplace=True)


def test_inplace_module_flag():
    x = ag.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 2.0]
    y = ag.tensor([-1.0, 2.0])
    assert nn.ReLU()(y) is not y and y.tolist() == [-1.0, 2.0]


def test_hardtanh_rejects_bad_bounds():
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)


def test_erf_gradient_at_the_ends_of_its_pieces_matches_torch(torch):
    from arraygrad.nn.functional import _erf, _erfc

    points = [0.46875, -0.46875, 4.0, -4.0, 26.543, 1.0]  # where the rational approximations switch
    for ours_fn, theirs_fn in ((_erf, torch.erf), (_erfc, torch.erfc)):
        x = ag.tensor(points, dtype=ag.float64, requires_grad=True)
        tx = torch.tensor(points, dtype=torch.float64, requires_grad=True)
        ours_fn(x).sum().backward()
        theirs_fn(tx).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-300)
