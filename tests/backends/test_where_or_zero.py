"""The gradient selection kernel behind relu's and clamp's backward (``Backend.where_or_zero``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.backends.reference import Backend


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_numpy_kernel_matches_where_with_positive_zeros(dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 6)).astype(dtype)
    mask = rng.random(x.shape) > 0.5
    backend = ag.backends.get("numpy")
    got = backend.where_or_zero(mask, x)
    want = np.where(mask, x, dtype(0))
    assert got.dtype == dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, want)
    # masked-out negative values give 0.0, not -0.0 (x * False would)
    assert not np.signbit(got[~mask]).any()
    np.testing.assert_array_equal(got, Backend.where_or_zero(backend, mask, x))


def test_numpy_kernel_keeps_non_finite_values_out_of_masked_positions():
    x = np.array([np.nan, np.inf, -np.inf, 2.0, np.nan], dtype=np.float32)
    mask = np.array([False, False, True, True, True])
    got = ag.backends.get("numpy").where_or_zero(mask, x)
    np.testing.assert_array_equal(got, np.array([0.0, 0.0, -np.inf, 2.0, np.nan], dtype=np.float32))


def test_relu_and_clamp_gradients_match_torch_with_non_finite_upstream_gradients():
    values = [-2.0, -0.0, 0.0, 0.5, 3.0, 7.0]
    upstream = [np.nan, np.inf, 1.0, np.nan, -np.inf, 2.0]
    for fn, torch_fn in ((lambda t: t.relu(), torch.relu), (lambda t: t.clamp(0.25, 5.0), lambda t: t.clamp(0.25, 5.0))):
        x = ag.tensor(values, requires_grad=True)
        fn(x).backward(ag.tensor(upstream))
        tx = torch.tensor(values, requires_grad=True)
        torch_fn(tx).backward(torch.tensor(upstream))
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_relu_double_backward_still_records_the_selection():
    x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = (x.relu() ** 2).sum()
    (gx,) = ag.autograd.grad(y, x, create_graph=True)
    gx.sum().backward()
    tx = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    (tg,) = torch.autograd.grad((tx.relu() ** 2).sum(), tx, create_graph=True)
    tg.sum().backward()
    np.testing.assert_array_equal(gx.detach().numpy(), tg.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
