"""Training-mode batch norm is one graph node (``NativeBatchNormBackward0``, nn/_fused_norm.py):
its gradients, double backward and running statistics match PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

torch = pytest.importorskip("torch")

SHAPES = [(6, 3), (4, 3, 5), (2, 4, 3, 3)]


def _pair(shape, affine, seed=0):
    rng = np.random.default_rng(seed)
    x, g = rng.normal(size=shape) * 2 + 0.5, rng.normal(size=shape)
    w, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    ours = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b)]
    if not affine:
        ours[1:], theirs[1:] = [None, None], [None, None]
    return ours, theirs, g


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_match_torch(shape, affine):
    (x, w, b), (tx, tw, tb), g = _pair(shape, affine)
    y = F.batch_norm(x, None, None, w, b, training=True)
    ty = torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True)
    assert y.grad_fn.name() == "NativeBatchNormBackward0"
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.backward(ag.tensor(g))
    ty.backward(torch.tensor(g))
    for ours, theirs in [(x, tx), (w, tw), (b, tb)]:
        if ours is not None:
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_only_the_input_needs_a_gradient():
    (x, w, b), (tx, tw, tb), g = _pair((4, 3, 5), True)
    w.requires_grad_(False)
    tw.requires_grad_(False)
    F.batch_norm(x, None, None, w, b, training=True).backward(ag.tensor(g))
    torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True).backward(torch.tensor(g))
    assert w.grad is None
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("affine", [True, False])
def test_double_backward_matches_torch(affine):
    (x, w, b), (tx, tw, tb), _ = _pair((4, 3, 2, 2), affine, seed=1)
    y = F.batch_norm(x, None, None, w, b, training=True)
    ty = torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True)
    inputs = [t for t in (x, w) if t is not None]
    tinputs = [t for t in (tx, tw) if t is not None]
    grads = ag.autograd.grad((y * y.sin()).sum(), inputs, create_graph=True)
    tgrads = torch.autograd.grad((ty * ty.sin()).sum(), tinputs, create_graph=True)
    sum(gr.pow(2).sum() for gr in grads).backward()
    sum(gr.pow(2).sum() for gr in tgrads).backward()
    for ours, theirs in zip(inputs, tinputs):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_running_statistics_match_torch():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 3, 4)) * 3 + 1
    rm, rv = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(2):
        F.batch_norm(ag.tensor(x), rm, rv, training=True, momentum=0.3)
        torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.3)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)


def test_changing_the_input_in_place_before_backward_raises():
    x = ag.randn(4, 3, 5, dtype=ag.float64).requires_grad_()
    h = x * 1.0
    y = F.batch_norm(h, None, None, training=True)
    h.add_(1.0)  # the node saved its input, as PyTorch's does
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_module_in_training_mode_uses_the_fused_node():
    bn = ag.nn.BatchNorm2d(3)
    y = bn(ag.randn(2, 3, 4, 4))
    assert y.grad_fn.name() == "NativeBatchNormBackward0"
    bn.eval()
    assert bn(ag.randn(2, 3, 4, 4)).grad_fn.name() != "NativeBatchNormBackward0"
