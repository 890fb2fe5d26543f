"""Loss functions.

One submodule per family: ``regression`` (``mse_loss``, ``l1_loss``, ``smooth_l1_loss``,
``huber_loss``), ``classification`` (``nll_loss``, ``cross_entropy`` and the binary
cross-entropies), ``margin`` (the hinge, ranking and embedding losses) and ``distribution``
(``kl_div`` and the Poisson and Gaussian negative log-likelihoods). Every name is importable from
here and from ``arraygrad.nn.functional``.
"""

# PyTorch's formulas, written with Tensor ops so that autograd gives the gradients (of any
# order); binary_cross_entropy alone has a fused backward, PyTorch's, which stays finite where a
# probability is exactly 0 or 1. Every loss takes ``reduction``: ``'none'`` (one value per
# element or sample), ``'mean'`` or ``'sum'``; ``size_average`` and ``reduce`` are PyTorch's
# deprecated spelling of it (with its warning). Targets are checked, on the host: a target that
# does not broadcast raises RuntimeError naming both shapes, a class index out of range
# IndexError, a class index of a dtype other than int64 or uint8 RuntimeError.

from __future__ import annotations

from arraygrad.nn.functional.loss.classification import (
    _BCE_EPSILON,
    _batched_class_input,
    _BinaryCrossEntropy,
    _class_reduce,
    _cross_entropy_probabilities,
    _log1p_exp,
    _log_clamped,
    _nll_terms,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from arraygrad.nn.functional.loss.distribution import (
    gaussian_nll_loss,
    kl_div,
    poisson_nll_loss,
)
from arraygrad.nn.functional.loss.margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from arraygrad.nn.functional.loss.regression import (
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "hinge_embedding_loss", "margin_ranking_loss",
    "cosine_embedding_loss", "multilabel_margin_loss", "poisson_nll_loss", "soft_margin_loss", "multi_margin_loss",
    "triplet_margin_loss", "gaussian_nll_loss",
]
