"""Dropout layers: the same seed gives the same mask on every backend, the statistics of the
mask (fraction zeroed ~ p, survivors scaled by 1 / (1 - p)), channel-wise masks, gradients,
eval mode, in-place use, ``repr`` and errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import to_np

MASK_BACKENDS = ("numpy", "strict", "jax")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_same_mask_on_every_backend(dtype):
    masks = {}
    for name in MASK_BACKENDS:
        with ag.use_backend(name):
            ag.manual_seed(42)
            x = ag.ones(4, 3, 5, dtype=getattr(ag, dtype))
            a = nn.Dropout(0.3)(x)
            b = nn.Dropout2d(0.5)(ag.ones(2, 6, 2, 2, dtype=getattr(ag, dtype)))
            c = nn.functional.dropout1d(x, 0.5)
            assert a.backend.name == name and a.dtype.name == dtype
            masks[name] = [to_np(t) for t in (a, b, c)]
    for name in MASK_BACKENDS[1:]:
        for ours, ref in zip(masks[name], masks["numpy"]):
            np.testing.assert_array_equal(ours, ref, err_msg=name)
    ag.manual_seed(43)
    assert not np.array_equal(to_np(nn.Dropout(0.3)(ag.ones(4, 3, 5, dtype=getattr(ag, dtype)))), masks["numpy"][0])


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    ag.manual_seed(0)
    x = ag.ones(200, 500) * 3.0
    y = to_np(nn.Dropout(p)(x))
    zeroed = y == 0
    assert abs(zeroed.mean() - p) < 0.01
    np.testing.assert_allclose(y[~zeroed], 3.0 / (1 - p), rtol=1e-6)  # survivors scaled by 1 / (1 - p)
    assert abs(y.mean() - 3.0) < 0.05  # the expectation is kept


@pytest.mark.backends("numpy", "strict", "jax")
def test_dropout_gradient_is_the_mask(backend):
    ag.manual_seed(1)
    x = ag.tensor(np.random.default_rng(0).standard_normal((6, 7)), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.sum().backward()
    kept = to_np(y) != 0
    np.testing.assert_allclose(to_np(x.grad), np.where(kept, 1 / 0.6, 0.0), rtol=1e-6)
    assert x.grad.backend.name == backend


def test_channel_dropout_zeroes_whole_channels():
    ag.manual_seed(3)
    x = ag.ones(40, 50, 3, 2)
    y = to_np(nn.Dropout2d(0.3)(x))
    per_channel = y.reshape(40, 50, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.7).all(-1))  # all or nothing per channel
    assert abs((per_channel[..., 0] == 0).mean() - 0.3) < 0.03
    y1 = to_np(nn.Dropout1d(0.5)(ag.ones(30, 40, 4)))
    assert np.all((y1 == 0).all(-1) | (y1 == 2.0).all(-1)) and abs((y1[..., 0] == 0).mean() - 0.5) < 0.05
    u = to_np(nn.Dropout1d(0.5)(ag.ones(40, 4)))  # unbatched (C, L)
    assert np.all((u == 0).all(-1) | (u == 2.0).all(-1))
    v = to_np(nn.Dropout3d(0.5)(ag.ones(2, 30, 2, 2, 2)))
    assert np.all((v.reshape(2, 30, -1) == 0).all(-1) | (v.reshape(2, 30, -1) == 2.0).all(-1))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        w = to_np(nn.Dropout2d(0.5)(ag.ones(3, 20, 4)))  # taken as (N, C, L), as PyTorch
    assert np.all((w == 0).all(-1) | (w == 2.0).all(-1))


def test_eval_mode_p0_and_p1():
    x = ag.randn(3, 4)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout2d(0.5).eval()(x.reshape(1, 3, 2, 2)) is not None
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(to_np(nn.Dropout(1.0)(x)), np.zeros((3, 4)))
    np.testing.assert_array_equal(to_np(nn.functional.dropout(x, 0.5, training=False)), to_np(x))


def test_inplace_dropout_overwrites_the_input():
    ag.manual_seed(0)
    x = ag.ones(5, 6)
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x
    assert set(np.unique(to_np(x))) <= {0.0, 2.0} and (to_np(x) == 0).any()
    # on a non-leaf that requires grad, the gradient still flows through the mask
    ag.manual_seed(0)
    a = ag.ones(5, 6, requires_grad=True)
    h = a * 1.0
    nn.functional.dropout(h, 0.5, inplace=True).sum().backward()
    np.testing.assert_array_equal(to_np(a.grad), to_np(x))


def test_repr_state_dict_and_errors(torch):
    for cls in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d"):
        ours, theirs = getattr(nn, cls)(0.25, inplace=True), getattr(torch.nn, cls)(0.25, inplace=True)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == []
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        nn.functional.dropout(ag.ones(2), -0.1)
    with pytest.raises(RuntimeError, match=r"dropout1d: Expected 2D or 3D input, but received a 4D input of shape"):
        nn.Dropout1d()(ag.ones(1, 2, 3, 4))
