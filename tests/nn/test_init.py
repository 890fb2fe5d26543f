"""nn.init: gains, fans, and the statistics of each initialiser."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import init


def _np(t):
    return t.detach().numpy()


def test_calculate_gain_matches_torch(torch):
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(ag.empty(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(ag.empty(8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ag.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ag.empty(3, 3), mode="fan_avg")


def test_initialisers_work_in_place_on_parameters_under_grad_mode(backend):
    p = nn.Parameter(ag.empty(6, 4))
    storage = p.detach()
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.ones_, init.zeros_,
               init.eye_):
        assert fn(p) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None and p.backend.name == backend
        np.testing.assert_array_equal(_np(storage), _np(p))  # the parameter's own storage was filled
    init.constant_(p, 2.5)
    assert (_np(p) == 2.5).all()


def test_uniform_and_normal_statistics():
    ag.manual_seed(0)
    t = init.uniform_(ag.empty(200, 100), -2.0, 3.0)
    assert _np(t).min() >= -2.0 and _np(t).max() < 3.0
    assert abs(_np(t).mean() - 0.5) < 0.05
    t = init.normal_(ag.empty(200, 100), mean=1.0, std=0.5)
    assert abs(_np(t).mean() - 1.0) < 0.01 and abs(_np(t).std() - 0.5) < 0.01


@pytest.mark.parametrize("mode,nonlinearity,a", [("fan_in", "leaky_relu", 0), ("fan_out", "relu", 0),
                                                  ("fan_in", "leaky_relu", math.sqrt(5))])
def test_kaiming_uniform_bounds(mode, nonlinearity, a):
    ag.manual_seed(1)
    w = init.kaiming_uniform_(ag.empty(64, 32, 3), a=a, mode=mode, nonlinearity=nonlinearity)
    fan = 96 if mode == "fan_in" else 192
    bound = init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    values = _np(w)
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.03 * bound


def test_kaiming_normal_and_xavier_std():
    ag.manual_seed(2)
    w = init.kaiming_normal_(ag.empty(300, 200), mode="fan_out", nonlinearity="relu")
    assert _np(w).std() == pytest.approx(math.sqrt(2.0 / 300), rel=0.02)
    w = init.xavier_normal_(ag.empty(300, 200), gain=2.0)
    assert _np(w).std() == pytest.approx(2.0 * math.sqrt(2.0 / 500), rel=0.02)
    w = init.xavier_uniform_(ag.empty(300, 200), gain=0.5)
    bound = 0.5 * math.sqrt(6.0 / 500)
    assert np.abs(_np(w)).max() <= bound
    assert _np(w).std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(ag.empty(0, 3))


@pytest.mark.parametrize("shape", [(8, 8), (5, 12), (12, 5), (6, 2, 3)])
def test_orthogonal(shape):
    ag.manual_seed(3)
    w = init.orthogonal_(ag.empty(*shape, dtype=ag.float64), gain=2.0)
    m = _np(w).reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-12)


def test_orthogonal_on_every_backend(backend):
    ag.manual_seed(3)
    w = init.orthogonal_(ag.empty(6, 4, dtype=ag.float64))
    assert w.backend.name == backend
    np.testing.assert_allclose(_np(w).T @ _np(w), np.eye(4), atol=1e-12)


def test_orthogonal_equals_torch_qr_of_the_same_normal_matrix(torch):
    """Gram-Schmidt gives the Q (with positive diag(R)) that PyTorch's sign-corrected QR gives."""
    for rows, cols in [(7, 4), (4, 7)]:
        ag.manual_seed(5)
        state = ag.get_rng_state()
        w = init.orthogonal_(ag.empty(rows, cols, dtype=ag.float64))
        ag.set_rng_state(state)
        a = torch.tensor(ag.randn(rows, cols, dtype=ag.float64).numpy())
        if rows < cols:
            a = a.T
        q, r = torch.linalg.qr(a)
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        np.testing.assert_allclose(_np(w), q.numpy(), atol=1e-12)


def test_orthogonal_float32_and_errors():
    w = init.orthogonal_(ag.empty(64, 64))
    np.testing.assert_allclose(_np(w) @ _np(w).T, np.eye(64), atol=2e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ag.empty(3))


def test_trunc_normal_statistics(torch):
    ag.manual_seed(4)
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    t = init.trunc_normal_(ag.empty(100000, dtype=ag.float64), mean, std, a, b)
    values = _np(t)
    assert values.min() >= a and values.max() <= b
    # moments of the truncated normal
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    exp_mean = mean + std * (pdf(alpha) - pdf(beta)) / z
    exp_var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    assert values.mean() == pytest.approx(exp_mean, abs=0.01)
    assert values.var() == pytest.approx(exp_var, rel=0.02)
    default = _np(init.trunc_normal_(ag.empty(20000)))
    assert default.min() >= -2 and default.max() <= 2 and default.dtype == np.float32


def test_same_seed_same_init_on_every_backend():
    results = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(11)
            t = ag.empty(5, 4)
            init.kaiming_uniform_(t)
            init.trunc_normal_(u := ag.empty(5, 4))
            results[name] = (_np(t), _np(u))
    for name in ("strict", "jax"):
        np.testing.assert_array_equal(results[name][0], results["numpy"][0])
        np.testing.assert_allclose(results[name][1], results["numpy"][1], rtol=1e-6, atol=1e-7)


def test_eye_dirac_sparse():
    np.testing.assert_array_equal(_np(init.eye_(ag.empty(2, 3))), np.eye(2, 3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(ag.empty(2, 2, 2))
    w = init.dirac_(ag.empty(4, 2, 3))
    expected = np.zeros((4, 2, 3), dtype=np.float32)
    expected[0, 0, 1] = expected[1, 1, 1] = 1
    np.testing.assert_array_equal(_np(w), expected)
    w = init.dirac_(ag.empty(4, 2, 3, 3), groups=2)
    assert _np(w).sum() == 4 and _np(w)[2, 0, 1, 1] == 1
    with pytest.raises(ValueError, match="divisible"):
        init.dirac_(ag.empty(3, 2, 3), groups=2)
    ag.manual_seed(0)
    s = init.sparse_(ag.empty(10, 6), sparsity=0.3)
    assert ((_np(s) == 0).sum(axis=0) == 3).all()
