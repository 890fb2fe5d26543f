"""Losses (functional and modules) against PyTorch: value and gradients in float64 for every
reduction and the main options, numerical stability at extreme logits, and the errors raised
for bad targets."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F
from tests.helpers import BACKENDS, assert_close, backend_cases, to_np

RTOL, ATOL = 1e-7, 1e-10
R3 = ("none", "mean", "sum")


def _torch_libs() -> tuple[Any, Any]:
    import torch

    return torch.nn.functional, torch.nn


def _compare(fn: Callable[..., Any], arrays: list[np.ndarray], grads: tuple[int, ...], *, seed: int = 0,
             rtol: float = RTOL, atol: float = ATOL) -> None:
    """``fn(F, nn, *tensors)`` with arraygrad and with torch on the same arrays: same value, and
    the same gradients of ``sum(out * w)`` (fixed random ``w``) with respect to ``arrays[i]``
    for ``i`` in ``grads`` (PyTorch's warnings, e.g. kl_div's 'mean', are silenced here)."""
    import torch

    ours = [ag.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(F, nn, *ours)
        tout = fn(*_torch_libs(), *theirs)
    assert out.backend.name == ag.get_default_backend()
    assert_close(out, tout, rtol, atol)
    if not grads:
        return
    w = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    (out * ag.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for i in grads:
        assert ours[i].grad is not None, f"argument {i}: no gradient"
        assert ours[i].grad.backend.name == ag.get_default_backend()
        assert_close(ours[i].grad, theirs[i].grad, rtol, atol)


# ---------------------------------------------------------------------- sample data

_rng = np.random.default_rng(1234)


def _randn(*shape: int, scale: float = 1.0) -> np.ndarray:
    return _rng.standard_normal(shape) * scale


def _uniform(*shape: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    return _rng.uniform(lo, hi, shape)


def _classes(n_classes: int, *shape: int) -> np.ndarray:
    return _rng.integers(0, n_classes, shape).astype(np.int64)


def _signs(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    return np.where(_rng.uniform(size=shape) < 0.5, -1, 1).astype(dtype)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return np.log(_softmax(x, axis))


X45, Y45, W45 = _randn(4, 5, scale=2), _randn(4, 5, scale=2), _uniform(4, 5, lo=0.2, hi=2.0)
LOGITS, CW = _randn(4, 5, scale=2), _uniform(5, lo=0.2, hi=2.0)
T4 = np.array([0, 3, 4, 3], dtype=np.int64)
T4_IGN = np.array([0, -100, 4, 3], dtype=np.int64)
T4_IGN1 = np.array([1, 2, 1, 0], dtype=np.int64)
LOGITS_K, T_K = _randn(2, 5, 3, 4, scale=2), _classes(5, 2, 3, 4)
T_K_IGN = np.where(_rng.uniform(size=(2, 3, 4)) < 0.25, -100, T_K).astype(np.int64)
PROBS, PROBS_K = _softmax(_randn(4, 5), 1), _softmax(_randn(2, 5, 3), 1)
P_IN, P_T = _uniform(4, 5, lo=0.05, hi=0.95), _uniform(4, 5)
ML_T = np.array([[3, 0, -1, 1, 2], [1, -1, 4, 4, 0], [0, 1, 2, 3, 4], [2, 2, -1, -1, -1]], dtype=np.int64)
KL_IN, KL_T = _log_softmax(_randn(3, 4), 1), _softmax(_randn(3, 4), 1)
KL_T0 = np.where(_rng.uniform(size=(3, 4)) < 0.3, 0.0, KL_T)
POIS_T = _rng.poisson(2.0, (4, 5)).astype(np.float64)
A6, P6, N6 = _randn(4, 6), _randn(4, 6), _randn(4, 6)
VAR = _uniform(4, 3, lo=0.1, hi=2.0)
VAR[0, 0] = 1e-8  # below eps: clamped, gradient still passes


# name -> (fn(F, nn, *tensors), arrays, indices of the arrays whose gradients are compared)
Case = tuple[Callable[..., Any], list[np.ndarray], tuple[int, ...]]
CASES: dict[str, Case] = {}


def _with_reduction(fn: Callable[..., Any], reduction: str) -> Callable[..., Any]:
    return lambda F, nn, *a: fn(F, reduction, *a)


def _add(name: str, fn: Callable[..., Any], arrays: list[np.ndarray], grads: tuple[int, ...],
         reductions: tuple[str, ...] = R3) -> None:
    """One case per reduction: ``fn(F, reduction, *tensors)``."""
    for r in reductions:
        CASES[f"{name}-{r}"] = (_with_reduction(fn, r), arrays, grads)


# pointwise regression losses
_add("mse", lambda F, r, x, y: F.mse_loss(x, y, reduction=r), [X45, Y45], (0, 1))
_add("mse-weight", lambda F, r, x, y, w: F.mse_loss(x, y, reduction=r, weight=w), [X45, Y45, W45], (0, 1, 2))
_add("l1", lambda F, r, x, y: F.l1_loss(x, y, reduction=r), [X45, Y45], (0, 1))
_add("l1-weight", lambda F, r, x, y, w: F.l1_loss(x, y, reduction=r, weight=w), [X45, Y45, W45], (0, 1, 2))
_add("smooth_l1", lambda F, r, x, y: F.smooth_l1_loss(x, y, reduction=r), [X45, Y45], (0, 1))
_add("smooth_l1-beta0.5", lambda F, r, x, y: F.smooth_l1_loss(x, y, reduction=r, beta=0.5), [X45, Y45], (0, 1))
_add("smooth_l1-beta0", lambda F, r, x, y: F.smooth_l1_loss(x, y, reduction=r, beta=0.0), [X45, Y45], (0,), ("sum",))
_add("huber", lambda F, r, x, y: F.huber_loss(x, y, reduction=r), [X45, Y45], (0, 1))
_add("huber-delta0.7", lambda F, r, x, y: F.huber_loss(x, y, reduction=r, delta=0.7), [X45, Y45], (0, 1))
_add("huber-weight", lambda F, r, x, y, w: F.huber_loss(x, y, reduction=r, delta=1.5, weight=w), [X45, Y45, W45],
     (0, 1, 2))

# cross entropy: class indices (PyTorch's nll_loss has no gradient for weight)
_add("ce", lambda F, r, x, t: F.cross_entropy(x, t, reduction=r), [LOGITS, T4], (0,))
_add("ce-weight", lambda F, r, x, t, w: F.cross_entropy(x, t, w, reduction=r), [LOGITS, T4, CW], (0,))
_add("ce-ignore", lambda F, r, x, t, w: F.cross_entropy(x, t, w, reduction=r), [LOGITS, T4_IGN, CW], (0,))
_add("ce-ignore1", lambda F, r, x, t: F.cross_entropy(x, t, ignore_index=1, reduction=r), [LOGITS, T4_IGN1], (0,))
_add("ce-smooth", lambda F, r, x, t: F.cross_entropy(x, t, reduction=r, label_smoothing=0.2), [LOGITS, T4], (0,))
_add("ce-smooth-weight-ignore", lambda F, r, x, t, w: F.cross_entropy(x, t, w, reduction=r, label_smoothing=0.3),
     [LOGITS, T4_IGN, CW], (0,))
_add("ce-kdim", lambda F, r, x, t, w: F.cross_entropy(x, t, w, reduction=r), [LOGITS_K, T_K_IGN, CW], (0,))
_add("ce-kdim-smooth", lambda F, r, x, t, w: F.cross_entropy(x, t, w, reduction=r, label_smoothing=0.1),
     [LOGITS_K, T_K_IGN, CW], (0,))
_add("ce-unbatched", lambda F, r, x, t: F.cross_entropy(x, t, reduction=r, label_smoothing=0.1),
     [LOGITS[1], np.array(2, dtype=np.int64)], (0,))
# cross entropy: class probabilities (composite in PyTorch too: target and weight gradients)
_add("ce-probs", lambda F, r, x, p: F.cross_entropy(x, p, reduction=r), [LOGITS, PROBS], (0, 1))
_add("ce-probs-weight-smooth", lambda F, r, x, p, w: F.cross_entropy(x, p, w, reduction=r, label_smoothing=0.2),
     [LOGITS, PROBS, CW], (0, 1, 2))
_add("ce-probs-kdim", lambda F, r, x, p, w: F.cross_entropy(x, p, w, reduction=r), [LOGITS_K[:, :, :, 0], PROBS_K, CW],
     (0, 1, 2))
_add("ce-probs-unbatched", lambda F, r, x, p: F.cross_entropy(x, p, reduction=r), [LOGITS[0], PROBS[0]], (0, 1))

# nll
_add("nll", lambda F, r, x, t: F.nll_loss(x, t, reduction=r), [_log_softmax(LOGITS, 1), T4], (0,))
_add("nll-weight-ignore", lambda F, r, x, t, w: F.nll_loss(x, t, w, reduction=r), [LOGITS, T4_IGN, CW], (0,))
_add("nll-kdim", lambda F, r, x, t, w: F.nll_loss(x, t, w, ignore_index=2, reduction=r), [LOGITS_K, T_K, CW], (0,))
_add("nll-unbatched", lambda F, r, x, t: F.nll_loss(x, t, reduction=r), [LOGITS[2], np.array(4, dtype=np.int64)], (0,))

# binary cross entropy
_add("bce", lambda F, r, x, t: F.binary_cross_entropy(x, t, reduction=r), [P_IN, P_T], (0, 1))
_add("bce-weight", lambda F, r, x, t, w: F.binary_cross_entropy(x, t, w, reduction=r), [P_IN, P_T, CW], (0, 1))
_add("bce_logits", lambda F, r, x, t: F.binary_cross_entropy_with_logits(x, t, reduction=r), [X45, P_T], (0, 1))
_add("bce_logits-weight-pos_weight",
     lambda F, r, x, t, w, pw: F.binary_cross_entropy_with_logits(x, t, w, reduction=r, pos_weight=pw),
     [X45, P_T, W45, CW], (0, 1))
_add("bce_logits-pos_weight", lambda F, r, x, t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw,
                                                                                          reduction=r),
     [LOGITS_K[:, :, :, 0].transpose(0, 2, 1), _uniform(2, 3, 5), CW], (0, 1))

# kl divergence (the target gradient is NaN in PyTorch where the target is 0: input only there)
KL_R = R3 + ("batchmean",)
_add("kl", lambda F, r, x, t: F.kl_div(x, t, reduction=r), [KL_IN, KL_T], (0, 1), KL_R)
_add("kl-zeros", lambda F, r, x, t: F.kl_div(x, t, reduction=r), [KL_IN, KL_T0], (0,), ("none", "batchmean"))
_add("kl-log_target", lambda F, r, x, t: F.kl_div(x, t, reduction=r, log_target=True),
     [KL_IN, _log_softmax(_randn(3, 4), 1)], (0, 1), KL_R)

# margin and embedding losses
_add("hinge", lambda F, r, x, t: F.hinge_embedding_loss(x, t, reduction=r), [X45, _signs(4, 5)], (0,))
_add("hinge-margin", lambda F, r, x, t: F.hinge_embedding_loss(x, t, margin=2.5, reduction=r), [X45, _signs(4, 5)],
     (0,))
_add("margin_ranking", lambda F, r, a, b, t: F.margin_ranking_loss(a, b, t, reduction=r),
     [_randn(6), _randn(6), _signs(6)], (0, 1))
_add("margin_ranking-margin", lambda F, r, a, b, t: F.margin_ranking_loss(a, b, t, margin=0.4, reduction=r),
     [_randn(3, 4), _randn(3, 4), _signs(3, 4)], (0, 1))
_add("cosine", lambda F, r, a, b, t: F.cosine_embedding_loss(a, b, t, reduction=r),
     [A6, P6, _signs(4, dtype=np.int64)], (0, 1))
_add("cosine-margin", lambda F, r, a, b, t: F.cosine_embedding_loss(a, b, t, margin=-0.3, reduction=r),
     [A6, P6, _signs(4)], (0, 1))
_add("cosine-unbatched", lambda F, r, a, b, t: F.cosine_embedding_loss(a, b, t, margin=0.1, reduction=r),
     [A6[0], N6[0], np.array(-1, dtype=np.int64)], (0, 1))
_add("multilabel", lambda F, r, x, t: F.multilabel_margin_loss(x, t, reduction=r), [X45 / 2, ML_T], (0,))
_add("multilabel-unbatched", lambda F, r, x, t: F.multilabel_margin_loss(x, t, reduction=r), [X45[0] / 2, ML_T[0]],
     (0,))
_add("soft_margin", lambda F, r, x, t: F.soft_margin_loss(x, t, reduction=r), [X45 * 3, _signs(4, 5)], (0,))
_add("multi_margin", lambda F, r, x, t: F.multi_margin_loss(x, t, reduction=r), [X45 / 2, T4], (0,))
_add("multi_margin-p2-weight", lambda F, r, x, t, w: F.multi_margin_loss(x, t, p=2, margin=0.7, weight=w, reduction=r),
     [X45 / 2, T4, CW], (0,))
_add("multi_margin-unbatched", lambda F, r, x, t: F.multi_margin_loss(x, t, margin=2.0, reduction=r),
     [X45[1], np.array(3, dtype=np.int64)], (0,))
_add("triplet", lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, reduction=r), [A6, P6, N6], (0, 1, 2))
_add("triplet-p1-swap", lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True, reduction=r),
     [A6, P6, N6], (0, 1, 2))
_add("triplet-p3-eps", lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, margin=1.5, p=3, eps=1e-3, reduction=r),
     [A6, P6, N6], (0, 1, 2))
_add("triplet-unbatched-swap", lambda F, r, a, p, n: F.triplet_margin_loss(a, p, n, margin=3.0, swap=True, reduction=r),
     [A6[0], P6[0], N6[0]], (0, 1, 2))

# likelihoods
_add("poisson", lambda F, r, x, t: F.poisson_nll_loss(x, t, reduction=r), [X45 / 2, POIS_T], (0, 1))
_add("poisson-full", lambda F, r, x, t: F.poisson_nll_loss(x, t, full=True, reduction=r), [X45 / 2, POIS_T], (0, 1))
_add("poisson-rate-full", lambda F, r, x, t: F.poisson_nll_loss(x, t, log_input=False, full=True, eps=1e-3,
                                                                 reduction=r),
     [_uniform(4, 5, lo=0.1, hi=4.0), POIS_T], (0, 1))
_add("gaussian", lambda F, r, x, t, v: F.gaussian_nll_loss(x, t, v, reduction=r), [VAR - 1, VAR * 2, VAR], (0, 1, 2))
_add("gaussian-full-homoscedastic", lambda F, r, x, t, v: F.gaussian_nll_loss(x, t, v, full=True, eps=1e-3,
                                                                                reduction=r),
     [VAR - 1, VAR * 2, VAR[:, 0]], (0, 1, 2))
_add("gaussian-shared-dim", lambda F, r, x, t, v: F.gaussian_nll_loss(x, t, v, reduction=r), [VAR - 1, VAR * 2,
                                                                                                VAR[:, :1] + 0.5],
     (0, 1, 2))
_add("gaussian-float-var", lambda F, r, x, t: F.gaussian_nll_loss(x, t, 0.7, reduction=r), [VAR - 1, VAR * 2], (0, 1))

JAX_CASES = ["ce-kdim-smooth-mean", "bce_logits-weight-pos_weight-mean", "bce-sum", "gaussian-none",
             "multilabel-mean", "triplet-p1-swap-mean"]


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(CASES), jax_every=1000, jax_always=JAX_CASES),
                         indirect=["backend"])
def test_functional_loss_matches_torch(backend, case, torch):
    fn, arrays, grads = CASES[case]
    _compare(fn, arrays, grads)



def test_weight_gradients_match_torch_composites(torch):
    """PyTorch's native kernels have no gradient for these weights; ours (composites) do, and
    equal autograd through PyTorch written as the documented formula."""
    def bce_logits(F, nn, x, t, w, pw):
        if F is not _torch_libs()[0]:
            return F.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw)
        log_sigmoid = torch.nn.functional.logsigmoid(x)
        return (((1 - t) * x - (1 + (pw - 1) * t) * log_sigmoid) * w).mean()

    def nll(F, nn, x, t, w):
        if F is not _torch_libs()[0]:
            return F.cross_entropy(x, t, w, label_smoothing=0.2)
        logp, valid = x.log_softmax(1), t != -100
        wt = torch.where(valid, w[t.clamp(min=0)], 0.0)
        picked = logp.gather(1, t.clamp(min=0)[:, None])[:, 0]
        smooth = torch.where(valid, -(logp * w).sum(1), 0.0)
        return (0.8 * -(picked * wt).sum() + 0.2 / 5 * smooth.sum()) / wt.sum()

    _compare(bce_logits, [X45, P_T, W45, CW], (0, 1, 2, 3))
    _compare(nll, [LOGITS, T4_IGN, CW], (0, 2))


# ---------------------------------------------------------------------- modules

# name -> (constructor args, constructor kwargs, inputs, indices of the inputs with gradients)
MODULE_CASES: dict[str, tuple[tuple[Any, ...], dict[str, Any], list[np.ndarray], tuple[int, ...]]] = {
    "L1Loss": ((), {"reduction": "sum"}, [X45, Y45], (0, 1)),
    "MSELoss": ((), {}, [X45, Y45], (0, 1)),
    "SmoothL1Loss": ((), {"beta": 0.4}, [X45, Y45], (0, 1)),
    "HuberLoss": ((), {"reduction": "none", "delta": 2.0}, [X45, Y45], (0, 1)),
    "CrossEntropyLoss": ((CW,), {"ignore_index": 1, "label_smoothing": 0.1}, [LOGITS_K, T_K], (0,)),
    "NLLLoss": ((CW,), {"reduction": "sum"}, [LOGITS, T4_IGN], (0,)),
    "BCELoss": ((CW,), {}, [P_IN, P_T], (0, 1)),
    "BCEWithLogitsLoss": ((W45,), {"pos_weight": CW}, [X45, P_T], (0, 1)),
    "KLDivLoss": ((), {"reduction": "batchmean", "log_target": True}, [KL_IN, KL_IN[::-1].copy()], (0, 1)),
    "HingeEmbeddingLoss": ((0.5,), {}, [X45, _signs(4, 5)], (0,)),
    "MarginRankingLoss": ((0.2,), {}, [_randn(5), _randn(5), _signs(5)], (0, 1)),
    "CosineEmbeddingLoss": ((0.1,), {"reduction": "none"}, [A6, N6, _signs(4)], (0, 1)),
    "MultiLabelMarginLoss": ((), {}, [X45, ML_T], (0,)),
    "PoissonNLLLoss": ((False, True), {"eps": 1e-2}, [_uniform(4, 5, lo=0.1, hi=3.0), POIS_T], (0, 1)),
    "SoftMarginLoss": ((), {"reduction": "sum"}, [X45, _signs(4, 5)], (0,)),
    "MultiMarginLoss": ((2, 0.5, CW), {}, [X45, T4], (0,)),
    "TripletMarginLoss": ((0.5, 1.0), {"swap": True}, [A6, P6, N6], (0, 1, 2)),
    "GaussianNLLLoss": ((), {"full": True}, [VAR - 1, VAR * 2, VAR], (0, 1, 2)),
}


def _module_args(lib: Any, values: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The constructor arguments with the arrays (weights) made into ``lib``'s tensors."""
    conv = (lambda a: lib.tensor(a) if isinstance(a, np.ndarray) else a)
    return tuple(conv(a) for a in values), {k: conv(v) for k, v in kwargs.items()}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(MODULE_CASES), jax_every=1000,
                                                            jax_always=["CrossEntropyLoss"]),
                         indirect=["backend"])
def test_loss_module_matches_torch(backend, case, torch):
    values, kwargs, arrays, grads = MODULE_CASES[case]
    args, kw = _module_args(ag, values, kwargs)
    targs, tkw = _module_args(torch, values, kwargs)
    ours, theirs = getattr(nn, case)(*args, **kw), getattr(torch.nn, case)(*targs, **tkw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.reduction == theirs.reduction
    _compare(lambda F, nn_, *xs: (ours if nn_ is nn else theirs)(*xs), arrays, grads)


def test_weight_buffers_follow_the_module():
    loss = nn.CrossEntropyLoss(weight=ag.tensor([1.0, 2.0, 3.0], dtype=ag.float32))
    assert [name for name, _ in loss.named_buffers()] == ["weight"]
    loss.double()
    assert loss.weight.dtype is ag.float64
    bce = nn.BCEWithLogitsLoss(pos_weight=ag.tensor([2.0]))
    assert list(bce.state_dict()) == ["pos_weight"] and bce.weight is None


def test_legacy_size_average_and_reduce_set_the_reduction(torch):
    with pytest.warns(UserWarning, match="reduction='sum'"):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.NLLLoss(reduce=False).reduction == "none"
    x, y = ag.tensor(X45), ag.tensor(Y45)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        out = F.l1_loss(x, y, size_average=False)
    assert_close(out, torch.nn.functional.l1_loss(torch.tensor(X45), torch.tensor(Y45), reduction="sum"))


# ---------------------------------------------------------------------- numerical stability


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_bce_with_logits_is_finite_and_exact_at_huge_logits(backend, torch):
    x = np.array([[-1000.0, -1000.0, -1000.0, 1000.0, 1000.0, 1000.0, 0.0, -35.0, 35.0]])
    t = np.array([[0.0, 1.0, 0.3, 0.0, 1.0, 0.7, 0.5, 1.0, 0.0]])
    _compare(lambda F, nn, a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"), [x, t], (0, 1),
             rtol=1e-12, atol=1e-12)
    _compare(lambda F, nn, a, b, pw: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction="sum"),
             [x, t, np.full(9, 3.0)], (0, 1), rtol=1e-12, atol=1e-12)
    out = F.binary_cross_entropy_with_logits(ag.tensor(x), ag.tensor(t), reduction="none")
    assert to_np(out)[0, 1] == 1000.0 and to_np(out)[0, 3] == 1000.0 and np.isfinite(to_np(out)).all()


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_cross_entropy_float32_logits_1e4(backend, torch):
    x = (np.random.default_rng(3).standard_normal((3, 4)) * 1e4).astype(np.float32)
    t = np.array([0, 2, 3], dtype=np.int64)
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = F.cross_entropy(ours, ag.tensor(t), label_smoothing=0.1)
    tout = torch.nn.functional.cross_entropy(theirs, torch.tensor(t), label_smoothing=0.1)
    assert out.dtype is ag.float32 and np.isfinite(to_np(out))
    assert_close(out, tout, rtol=1e-5, atol=1e-2)
    out.backward()
    tout.backward()
    assert np.isfinite(to_np(ours.grad)).all()
    assert_close(ours.grad, theirs.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ("numpy", "strict"), indirect=True)
def test_bce_at_probabilities_0_and_1_is_finite_as_torch(backend, torch):
    """Logs clamped at -100 and PyTorch's backward (x - y) / max(x (1 - x), 1e-12): finite, not
    the NaN a composite would give."""
    x = np.array([0.0, 0.0, 1.0, 1.0, 1e-14, 0.5])
    t = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.25])
    _compare(lambda F, nn, a, b: F.binary_cross_entropy(a, b, reduction="none"), [x, t], (0,), rtol=1e-12, atol=0)


def test_bce_second_derivative_matches_torch(torch):
    x, t = P_IN[0], P_T[0]
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (g,) = ag.autograd.grad(F.binary_cross_entropy(ours, ag.tensor(t)), ours, create_graph=True)
    (tg,) = torch.autograd.grad(torch.nn.functional.binary_cross_entropy(theirs, torch.tensor(t)), theirs,
                                create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    assert_close(ours.grad, theirs.grad, RTOL, ATOL)


def test_cross_entropy_on_an_empty_batch(torch):
    x, t = ag.zeros(0, 5, dtype=ag.float64, requires_grad=True), ag.tensor(np.zeros(0, dtype=np.int64))
    assert tuple(F.cross_entropy(x, t, reduction="none").shape) == (0,)
    out = F.cross_entropy(x, t, reduction="sum")
    out.backward()
    assert out.item() == 0.0 and tuple(x.grad.shape) == (0, 5)


# ---------------------------------------------------------------------- warnings and errors


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_broadcast_target_warns_and_matches_torch(name, torch):
    x, y = _randn(3, 4), _randn(4)
    with pytest.warns(UserWarning, match=r"target size \(\(4,\)\) that is different to the input size \(\(3, 4\)\)"):
        out = getattr(F, name)(ag.tensor(x), ag.tensor(y), reduction="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(y), reduction="none")
    assert_close(out, tout)


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ag.tensor(KL_IN), ag.tensor(KL_T))


def _raises(exc: type[Exception], fn: Callable[[], Any], *fragments: str) -> None:
    with pytest.raises(exc) as info:
        fn()
    for fragment in fragments:
        assert fragment in str(info.value), f"{fragment!r} not in {str(info.value)!r}"


@pytest.mark.parametrize("backend", ("numpy", "strict"), indirect=True)
def test_bad_class_targets_raise_clear_errors(backend):
    x = ag.tensor(LOGITS)
    _raises(IndexError, lambda: F.cross_entropy(x, ag.tensor([0, 7, 1, 2])), "cross_entropy", "class 7", "5 classes")
    _raises(IndexError, lambda: F.cross_entropy(x, ag.tensor([0, -1, 1, 2])), "class -1", "ignore_index=-100")
    _raises(IndexError, lambda: F.nll_loss(ag.tensor(LOGITS_K), ag.tensor(np.where(T_K == 0, 5, T_K))),
            "nll_loss", "class 5")
    # ignore_index is excluded from the range check
    F.cross_entropy(x, ag.tensor([0, 9, 1, 2]), ignore_index=9)
    _raises(ValueError, lambda: F.cross_entropy(x, ag.tensor([0, 1, 2])), "cross_entropy", "(3,)", "(4, 5)")
    _raises(RuntimeError, lambda: F.nll_loss(ag.tensor(LOGITS_K), ag.tensor(T_K[:, :2])), "(2, 2, 4)", "(2, 5, 3, 4)",
            "(2, 3, 4)")
    _raises(RuntimeError, lambda: F.cross_entropy(x, ag.tensor(np.array([0.0, 1.0, 2.0, 3.0]))), "Long or Byte",
            "float64", "class probabilities")
    _raises(RuntimeError, lambda: F.cross_entropy(x, ag.tensor(T4[:, None].repeat(5, 1))), "floating point", "Long")
    _raises(RuntimeError, lambda: F.cross_entropy(x, ag.tensor(T4), weight=ag.ones(4)), "weight", "(4,)", "5 classes")
    _raises(ValueError, lambda: F.cross_entropy(x, ag.tensor(PROBS), ignore_index=0), "ignore_index=0")
    _raises(RuntimeError, lambda: F.cross_entropy(x, ag.tensor(T4), label_smoothing=1.5), "label_smoothing", "1.5")
    _raises(IndexError, lambda: F.multi_margin_loss(x, ag.tensor([0, 5, 1, 2])), "multi_margin_loss", "class 5")
    _raises(RuntimeError, lambda: F.multi_margin_loss(x, ag.tensor(np.array([0.0, 1.0, 1.0, 2.0]))), "multi_margin_loss",
            "float64")
    _raises(IndexError, lambda: F.multilabel_margin_loss(x, ag.tensor(np.where(ML_T == -1, -2, ML_T))),
            "multilabel_margin_loss", "class -2")
    _raises(RuntimeError, lambda: F.multilabel_margin_loss(x, ag.tensor(ML_T[:, :3])), "(4, 3)", "(4, 5)")


@pytest.mark.parametrize("backend", ("numpy", "strict"), indirect=True)
def test_bad_probabilities_variances_and_shapes_raise_clear_errors(backend):
    p, t = ag.tensor(P_IN), ag.tensor(P_T)
    bad = P_IN.copy()
    bad[0, 0], bad[1, 1] = -0.25, 1.5
    _raises(RuntimeError, lambda: F.binary_cross_entropy(ag.tensor(bad), t), "binary_cross_entropy", "input",
            "min -0.25", "max 1.5")
    _raises(RuntimeError, lambda: F.binary_cross_entropy(p, ag.tensor(P_T * 3)), "target", f"max {(P_T * 3).max()}")
    _raises(ValueError, lambda: F.binary_cross_entropy(p, ag.tensor(P_T[0])), "(5,)", "(4, 5)")
    _raises(ValueError, lambda: F.binary_cross_entropy_with_logits(p, ag.tensor(P_T[:, :1])), "(4, 1)", "(4, 5)")
    _raises(ValueError, lambda: F.gaussian_nll_loss(p, t, ag.tensor(VAR[:, :2] - 0.5)), "gaussian_nll_loss",
            "negative", f"min {(VAR[:, :2] - 0.5).min()}")
    _raises(ValueError, lambda: F.gaussian_nll_loss(p, t, -1.0), "negative")
    _raises(ValueError, lambda: F.gaussian_nll_loss(p, t, ag.tensor(VAR[:, :2])), "(4, 2)", "(4, 5)")
    with pytest.warns(UserWarning, match="different to the input size"):
        _raises(RuntimeError, lambda: F.mse_loss(p, ag.tensor(_randn(3, 5))), "mse_loss", "(3, 5)", "(4, 5)")
    _raises(ValueError, lambda: F.mse_loss(p, t, weight=ag.ones(5)), "weight", "(5,)")
    _raises(ValueError, lambda: F.l1_loss(p, t, reduction="avg"), "l1_loss", "'avg'")
    _raises(RuntimeError, lambda: F.margin_ranking_loss(p, p, ag.tensor(_signs(5))), "(4, 5)", "(5,)")
    _raises(RuntimeError, lambda: F.cosine_embedding_loss(p, p, ag.tensor(_signs(5))), "(4, 5)", "(5,)")
    _raises(RuntimeError, lambda: F.triplet_margin_loss(p, p, p[0]), "(4, 5)", "(5,)")
    _raises(ValueError, lambda: F.triplet_margin_loss(p, p, p, margin=0.0), "margin")
    _raises(ValueError, lambda: F.multi_margin_loss(p, ag.tensor(T4), p=3), "p == 1 and p == 2")
    _raises(ValueError, lambda: nn.MultiMarginLoss(weight=ag.ones(2, 2)), "1D")
