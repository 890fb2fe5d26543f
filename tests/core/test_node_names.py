"""Graph nodes carry PyTorch's names where the op is one node (``print(loss.grad_fn)`` shows
``<MseLossBackward0 ...>`` as in PyTorch), and the fused nodes give PyTorch's values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import compare_with_torch, lib_of

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _cases(L):  # noqa: N803 - the library module, arraygrad or torch
    F = L.nn.functional
    x = L.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    w = L.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    b = L.tensor(RNG.standard_normal(2), requires_grad=True)
    img = L.tensor(RNG.standard_normal((1, 2, 4, 4)), requires_grad=True)
    t = L.tensor([0, 2, 1, 2])
    return {
        "linear": lambda: F.linear(x, w, b),
        "linear without bias": lambda: F.linear(x, w),
        "addmm": lambda: L.addmm(b, x, w.t()),
        "mm": lambda: x @ w.t(),
        "bmm": lambda: L.bmm(x[None], w.t()[None]),
        "mv": lambda: w @ x[0],
        "dot": lambda: x[0] @ x[1],
        "mse_loss": lambda: F.mse_loss(x, x.detach() * 2),
        "nll_loss": lambda: F.nll_loss(F.log_softmax(x, 1), t),
        "cross_entropy": lambda: F.cross_entropy(x, t),
        "cross_entropy 2d": lambda: F.cross_entropy(img, L.tensor([[[0, 1, 1, 0]] * 4])),
        "softmax": lambda: F.softmax(x, 1),
        "log_softmax": lambda: F.log_softmax(x, 0),
        "sum": lambda: x.sum(),
        "sum dim": lambda: x.sum(1),
        "mean": lambda: x.mean(),
        "mean dim": lambda: x.mean(0),
        "max": lambda: x.max(),
        "min": lambda: x.min(),
        "amax": lambda: x.amax(1),
        "clamp": lambda: x.clamp(-0.5, 0.5),
        "norm": lambda: x.norm(),
        "t": lambda: x.t(),
        "transpose": lambda: x.transpose(0, 1),
        "mT": lambda: x.mT,
        "permute": lambda: x.permute(1, 0),
        "unsqueeze": lambda: x.unsqueeze(1),
        "squeeze dim": lambda: x[None].squeeze(0),
        "squeeze all": lambda: x[None].squeeze(),
        "view": lambda: x.view(12),
        "masked_fill": lambda: x.masked_fill(x > 0, 0.0),
        "gather": lambda: x.gather(1, t[:, None]),
        "index_select": lambda: x.index_select(0, t),
        "embedding": lambda: F.embedding(t, x),
        "max_pool2d": lambda: F.max_pool2d(img, 2),
        "avg_pool2d": lambda: F.avg_pool2d(img, 2),
        "pad": lambda: F.pad(x, (1, 1)),
    }


@pytest.mark.parametrize("case", list(_cases(ag)))
def test_node_name_matches_pytorch(case: str) -> None:
    ours = _cases(ag)[case]().grad_fn
    theirs = _cases(torch)[case]().grad_fn
    assert type(ours).__name__ == type(theirs).__name__


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_losses_match_pytorch(backend, reduction: str) -> None:
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    target = np.array([0, -100, 1, 2])  # one ignored position
    compare_with_torch(lambda a, b: lib_of(a).nn.functional.mse_loss(a, b, reduction=reduction), [x, y], rtol=1e-10)
    compare_with_torch(lambda a: lib_of(a).nn.functional.nll_loss(a, lib_of(a).tensor(target), reduction=reduction), [x],
                       rtol=1e-10)
    compare_with_torch(lambda a: lib_of(a).nn.functional.cross_entropy(a, lib_of(a).tensor(target), reduction=reduction),
                       [x], rtol=1e-10)
    compare_with_torch(lambda a: lib_of(a).nn.functional.cross_entropy(a, lib_of(a).tensor(1), reduction=reduction),
                       [x[0]], rtol=1e-10)


def test_fused_softmax_and_linear_match_pytorch(backend) -> None:
    x, w, b = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    compare_with_torch(lambda a: lib_of(a).softmax(a, -1) * lib_of(a).log_softmax(a, 1), [x], rtol=1e-10)
    compare_with_torch(lambda a, w, b: lib_of(a).nn.functional.linear(a, w, b), [x, w, b], rtol=1e-10)
    compare_with_torch(lambda i, m1, m2: lib_of(i).addmm(i, m1, m2, beta=0.5, alpha=-2.0),
                       [RNG.standard_normal((1, 4)), RNG.standard_normal((2, 3)), w.T.copy()], rtol=1e-10)


def test_fused_nodes_support_second_derivatives() -> None:
    x = RNG.standard_normal((3, 4))
    grads = []
    for L in (ag, torch):
        a = L.tensor(x, requires_grad=True)
        (g,) = L.autograd.grad((L.softmax(a, 1) ** 2).sum() + L.nn.functional.mse_loss(a, a * 0 + 1), a,
                               create_graph=True)
        (gg,) = L.autograd.grad((g * g).sum(), a)
        grads.append(np.asarray(gg.detach().numpy()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9)


def test_addmm_errors() -> None:
    m = ag.ones(2, 3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        ag.addmm(ag.zeros(2, dtype=ag.float64), m, m)
    with pytest.raises(RuntimeError, match="mat1 must be a matrix"):
        ag.addmm(ag.zeros(3, dtype=ag.float64), m[0], m.t())
    with pytest.raises(RuntimeError, match="cannot broadcast"):
        ag.addmm(ag.zeros(3, 3, dtype=ag.float64), m, m.t())
