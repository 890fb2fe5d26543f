"""The GRU layer's one-node recurrence (``nn/_fused_rnn.py``) against the Tensor-op loop it replaces.

``tests/nn/test_rnn.py`` compares whole GRU layers (values, gradients, second-order gradients) with
PyTorch; here the node itself is checked on every backend, with and without the hidden bias.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn import GRU
from tests.helpers import to_np

L, N, H_IN, H = 5, 3, 4, 6


@pytest.mark.parametrize("backend", ["numpy", "strict", "jax"], indirect=True)
@pytest.mark.parametrize("bias", [True, False])
def test_fused_gru_equals_its_step_by_step_definition(backend, bias):
    from arraygrad.nn._fused_rnn import gru_sequence
    from arraygrad.nn.modules.rnn import _gru_stepwise

    rng = np.random.default_rng(7)
    for reverse in (False, True):
        shapes = [(L, N, 3 * H), (N, H), (3 * H, H)] + ([(3 * H,)] if bias else [])
        arrays = [rng.standard_normal(s) * 0.5 for s in shapes]
        fused = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
        loop = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
        b_f, b_l = (fused[3], loop[3]) if bias else (None, None)
        hs = gru_sequence(fused[0], fused[1], fused[2], b_f, reverse, _gru_stepwise)
        hs2 = _gru_stepwise(loop[0], loop[1], loop[2], b_l, reverse)
        weights = ag.tensor(rng.standard_normal((L, N, H)), dtype=ag.float64)
        last = 0 if reverse else L - 1
        ((hs * weights).sum() + (hs[last] ** 2).sum()).backward()
        ((hs2 * weights).sum() + (hs2[last] ** 2).sum()).backward()
        np.testing.assert_allclose(to_np(hs), to_np(hs2), rtol=1e-12, atol=1e-14)
        for a, b in zip(fused, loop):
            np.testing.assert_allclose(to_np(a.grad), to_np(b.grad), rtol=1e-10, atol=1e-12)


def test_fused_gru_without_gradients_records_no_graph():
    gru = GRU(H_IN, H)
    with ag.no_grad():
        out, h_n = gru(ag.randn(L, N, H_IN))
    assert out.grad_fn is None and h_n.grad_fn is None
    np.testing.assert_array_equal(to_np(out[-1]), to_np(h_n[0]))


def test_changing_the_fused_gru_output_in_place_before_backward_raises():
    gru = GRU(H_IN, H)
    out, _ = gru(ag.randn(L, N, H_IN))
    loss = (out ** 2).sum()
    with ag.no_grad():
        out.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_fused_gru_float32_gradient_matches_torch(torch):
    """float32 end to end (the dtype users train in): the fused kernels against torch.nn.GRU."""
    torch.manual_seed(2)
    theirs = torch.nn.GRU(H_IN, H, num_layers=2, bidirectional=True)
    ours = GRU(H_IN, H, num_layers=2, bidirectional=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    xn = np.random.default_rng(8).standard_normal((L, N, H_IN)).astype(np.float32)
    x, tx = ag.tensor(xn, requires_grad=True), torch.tensor(xn, requires_grad=True)
    out, h_n = ours(x)
    tout, th_n = theirs(tx)
    ((out ** 2).sum() + h_n.sum()).backward()
    ((tout ** 2).sum() + th_n.sum()).backward()
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name in ("weight_hh_l0", "bias_hh_l1_reverse", "weight_ih_l1"):
        np.testing.assert_allclose(to_np(getattr(ours, name).grad), getattr(theirs, name).grad.numpy(),
                                   rtol=1e-4, atol=1e-5, err_msg=name)
