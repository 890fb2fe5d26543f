"""Linear and Bilinear: values and gradients against PyTorch, and seeded initialisation that is
identical on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import assert_close


def test_linear_matches_torch(backend, torch, copy_to_torch):
    ag.manual_seed(0)
    lin = nn.Linear(7, 5, dtype=ag.float64)  # the shape of the seed test below: jax compiles its ops once
    assert lin.weight.backend.name == backend and lin.weight.dtype is ag.float64
    tlin = torch.nn.Linear(7, 5).double()
    copy_to_torch(lin, tlin)
    xn = np.random.default_rng(1).standard_normal((2, 4, 7))
    x = ag.tensor(xn, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(xn, requires_grad=True)
    out, tout = lin(x), tlin(tx)
    assert_close(out, tout, rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(2).standard_normal(tuple(tout.shape))
    (out * ag.tensor(w, dtype=ag.float64)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for ours, theirs in [(x.grad, tx.grad), (lin.weight.grad, tlin.weight.grad), (lin.bias.grad, tlin.bias.grad)]:
        assert ours.backend.name == backend
        assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_linear_without_bias_and_1d_input(torch, copy_to_torch):
    lin = nn.Linear(3, 2, bias=False)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    tlin = torch.nn.Linear(3, 2, bias=False)
    copy_to_torch(lin, tlin)
    x = np.arange(3, dtype=np.float32)
    assert_close(lin(ag.tensor(x)), tlin(torch.tensor(x)), rtol=1e-6)
    assert repr(lin) == repr(tlin)


def test_linear_default_init_distribution():
    ag.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) on fan_in 400
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound and b.std() > 0.4 * bound


def test_same_seed_same_linear_on_every_backend():
    inits = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            for dtype in (ag.float32, ag.float64):
                ag.manual_seed(1234)
                lin = nn.Linear(7, 5, dtype=dtype)
                assert lin.weight.backend.name == name
                inits[name, dtype.name] = (lin.weight.detach().numpy(), lin.bias.detach().numpy())
    for dtype in ("float32", "float64"):
        ref_w, ref_b = inits["numpy", dtype]
        for name in ("strict", "jax"):
            np.testing.assert_array_equal(inits[name, dtype][0], ref_w, err_msg=f"{name} {dtype}")
            np.testing.assert_array_equal(inits[name, dtype][1], ref_b, err_msg=f"{name} {dtype}")
    ag.manual_seed(1234)
    other = nn.Linear(7, 5, device="jax")
    np.testing.assert_array_equal(other.weight.detach().numpy(), inits["numpy", "float32"][0])
    assert other.weight.backend.name == "jax"
    ag.manual_seed(1235)
    assert not np.array_equal(nn.Linear(7, 5).weight.detach().numpy(), inits["numpy", "float32"][0])


def test_linear_trains_on_a_step():
    ag.manual_seed(0)
    lin = nn.Linear(2, 1)
    x = ag.randn(16, 2)
    y = x @ ag.tensor([[2.0], [-1.0]]) + 0.5
    losses = []
    for _ in range(30):
        loss = ((lin(x) - y) ** 2).mean()
        losses.append(loss.item())
        lin.zero_grad()
        loss.backward()
        with ag.no_grad():
            for p in lin.parameters():
                p -= 0.1 * p.grad
    assert losses[-1] < 0.05 * losses[0]


def test_bilinear_matches_torch(torch, copy_to_torch):
    ag.manual_seed(0)
    bil = nn.Bilinear(3, 4, 2).double()
    tbil = torch.nn.Bilinear(3, 4, 2).double()
    copy_to_torch(bil, tbil)
    rng = np.random.default_rng(0)
    an, bn = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    a, b = ag.tensor(an, requires_grad=True), ag.tensor(bn, requires_grad=True)
    ta, tb = torch.tensor(an, requires_grad=True), torch.tensor(bn, requires_grad=True)
    out, tout = bil(a, b), tbil(ta, tb)
    assert_close(out, tout, rtol=1e-12, atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    for ours, theirs in [(a.grad, ta.grad), (b.grad, tb.grad), (bil.weight.grad, tbil.weight.grad),
                         (bil.bias.grad, tbil.bias.grad)]:
        assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    assert repr(bil) == repr(tbil)


@pytest.mark.parametrize("bad", [ag.int64])
def test_linear_rejects_integer_dtype(bad):
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Linear(2, 2, dtype=bad)
