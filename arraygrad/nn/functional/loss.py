"""Loss functions."""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, dtypes, ops, shape, tracing
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import Function
from arraygrad.core.conv import scalar_name
from arraygrad.core.indexing import take_along_dim
from arraygrad.core.ops import log_softmax as _log_softmax
from arraygrad.core.tensor import Tensor
from arraygrad.nn import _fused_losses
from arraygrad.nn.functional._reduction import (
    _REDUCTIONS,
    _check_broadcast,
    _check_class_range,
    _check_class_target,
    _check_class_weight,
    _check_floating_loss,
    _check_floating_result,
    _host_range,
    _legacy_reduction,
    _reduce,
    _reduction_arg,
    _same_shape,
    _weighted_pointwise,
)
from arraygrad.nn.functional._utils import _f32, _require_floating
from arraygrad.nn.functional.distance import pairwise_distance

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "hinge_embedding_loss", "margin_ranking_loss",
    "cosine_embedding_loss", "multilabel_margin_loss", "poisson_nll_loss", "soft_margin_loss", "multi_margin_loss",
    "triplet_margin_loss", "gaussian_nll_loss",
]


# PyTorch's formulas, written with Tensor ops so that autograd gives the gradients (of any
# order); binary_cross_entropy alone has a fused backward, PyTorch's, which stays finite where a
# probability is exactly 0 or 1. Every loss takes ``reduction``: ``'none'`` (one value per
# element or sample), ``'mean'`` or ``'sum'``; ``size_average`` and ``reduce`` are PyTorch's
# deprecated spelling of it (with its warning). Targets are checked, on the host: a target that
# does not broadcast raises RuntimeError naming both shapes, a class index out of range
# IndexError, a class index of a dtype other than int64 or uint8 RuntimeError.
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Compute the squared error ``(input - target)**2``, as ``torch.nn.functional.mse_loss``.

    Args:
        input: the predictions, a floating tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the weighted sum divided by the
            sum of the weights (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``weight`` is not of the input's
            shape.
        RuntimeError: ``target`` does not broadcast with ``input``.
        NotImplementedError: ``input`` and ``target`` are both of integer dtypes.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("mse_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "mse_loss")
    _check_broadcast(input, target, "mse_loss", warn=True)
    _check_floating_loss(input, target, "mse_loss")
    if weight is None and input.dtype == target.dtype and input._backend is target._backend:
        return _fused_losses.mse_loss(input, target, reduction)
    diff = ops.sub(input, target)
    return _weighted_pointwise(ops.mul(diff, diff), weight, input, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Compute the absolute error ``|input - target|``, as ``torch.nn.functional.l1_loss``.

    The gradient is 0 where ``input`` equals ``target``.

    Args:
        input: the predictions, a tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the weighted sum divided by the
            sum of the weights (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``weight`` is not of the input's
            shape.
        RuntimeError: ``target`` does not broadcast with ``input``.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("l1_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "l1_loss")
    _check_broadcast(input, target, "l1_loss", warn=True)
    return _weighted_pointwise(ops.abs(ops.sub(input, target)), weight, input, reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Compute the smooth L1 loss of ``d = input - target``, as ``torch.nn.functional.smooth_l1_loss``.

    Each element is ``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``; ``beta = 0`` gives
    ``l1_loss``.

    Args:
        input: the predictions, a tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        beta: the non-negative threshold between the quadratic and the linear part (default 1.0).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``beta`` is negative, or ``target`` does not broadcast with ``input``.
        NotImplementedError: ``input`` and ``target`` are both of integer dtypes.
    """
    if AUTOCAST.active:
        input, target = autocast_args("smooth_l1_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    _check_broadcast(input, target, "smooth_l1_loss", warn=True)
    _check_floating_loss(input, target, "smooth_l1_loss")
    diff = ops.sub(input, target)
    ad = ops.abs(diff)
    if beta == 0.0:
        return _reduce(ad, reduction)
    loss = ops.where(ops.lt(ad, beta), ops.mul(ops.mul(diff, diff), 0.5 / beta), ops.sub(ad, 0.5 * beta))
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """Compute the Huber loss of ``d = input - target``, as ``torch.nn.functional.huber_loss``.

    Each element is ``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Args:
        input: the predictions, a floating tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        delta: the positive threshold between the quadratic and the linear part (default 1.0).
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the plain mean of the weighted
            loss, as PyTorch (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``weight`` is not of the input's
            shape.
        RuntimeError: ``delta <= 0``, ``target`` does not broadcast with ``input``, or ``input`` is of an integer
            dtype.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("huber_loss", input, target, weight)
    reduction = _reduction_arg(reduction, None, None, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    _check_broadcast(input, target, "huber_loss", warn=True)
    _check_floating_result(input, "huber_loss")
    _check_floating_loss(input, target, "huber_loss")
    diff = ops.sub(input, target)
    ad = ops.abs(diff)
    loss = ops.where(ops.lt(ad, delta), ops.mul(ops.mul(diff, diff), 0.5), ops.mul(ops.sub(ad, 0.5 * delta), delta))
    return _weighted_pointwise(loss, weight, input, reduction, "huber_loss", mean_by_weight=False)


def _batched_class_input(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int | None,  # noqa: A002
                         op: str, hint: str = "") -> tuple[Tensor, Tensor]:
    """Check a class-index target against ``input`` ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``
    and return both with a batch dim of 1 added when unbatched."""
    if input.ndim == 0:
        # cross_entropy's log_softmax over dim 1 fails first in PyTorch (an IndexError)
        kind = IndexError if op == "cross_entropy" else ValueError
        raise kind(f"{op}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d input")
    batched = input.ndim >= 2
    expected = (input.shape[0],) + tuple(input.shape[2:]) if batched else ()
    got = tuple(target.shape)
    where = f"(input of shape {tuple(input.shape)}, target of shape {got}){hint}"
    # PyTorch's order and kinds: the batch size (ValueError) before the target's dtype, its rank
    # and spatial size (RuntimeError) after
    if got != expected and op != "multi_margin_loss":
        if not batched and len(got) == 1 and target.numel() != 1:
            raise ValueError(f"{op}: For 1D input, 1D target must have size 1, but got target size: {target.numel()} {where}")
        if batched and (not got or got[0] != expected[0]):
            batch = got[0] if got else 0
            raise ValueError(f"{op}: Expected input batch_size ({expected[0]}) to match target batch_size ({batch}) {where}")
    target = _check_class_target(input, target, op)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for an input of dtype '{scalar_name(input.dtype)}' (the input must be floating "
            "point log-probabilities or logits)"
        )
    if got != expected:
        if len(got) != len(expected):
            raise RuntimeError(
                f"{op}: expected a target of {len(expected)} dims (class indices of shape {expected}), "
                f"multi-target not supported {where}"
            )
        raise RuntimeError(f"{op}: Expected target size {expected}, got {got} {where}")
    n_classes = input.shape[1 if batched else 0]
    _check_class_weight(weight, n_classes, op, input)
    _check_class_range(target, n_classes, op, ignore_index)
    if batched:
        return input, target
    return shape.unsqueeze(input, 0), shape.unsqueeze(target, 0)


def _nll_terms(logp: Tensor, target: Tensor, weight: Tensor | None,
               ignore_index: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(-weight[t] * logp[n, t, ...], weight[t], valid)`` per target element of the batched
    ``logp`` ``(N, C, *)``; both are 0 where the target is ``ignore_index``."""
    valid = ops.ne(target, ignore_index)
    safe = ops.where(valid, target, 0)
    picked = shape.squeeze(take_along_dim(logp, shape.unsqueeze(safe, 1), 1), 1)
    if weight is None:
        w = valid.to(logp.dtype)
        terms = ops.neg(picked)
    else:
        w = ops.where(valid, weight[safe], 0.0)
        terms = ops.neg(ops.mul(picked, w))
    # where(), not the 0 weight alone: an ignored position's logp may be -inf
    return ops.where(valid, terms, 0.0), w, valid


def _class_reduce(terms: Tensor, w: Tensor, reduction: str, unbatched: bool) -> Tensor:
    """'mean' divides by the total weight of the counted targets, as PyTorch."""
    if reduction == "none":
        return shape.squeeze(terms, 0) if unbatched else terms
    total = ops.sum(terms)
    return ops.div(total, ops.sum(w)) if reduction == "mean" else total


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Compute the negative log-likelihood loss of class indices, as ``torch.nn.functional.nll_loss``.

    Each target class ``t`` of sample ``n`` contributes ``-weight[t] * input[n, t]``.

    Args:
        input: floating log-probabilities ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``.
        target: int64 (or uint8) class indices ``(N,)``, ``(N, d1, ...)`` or 0-d, in ``[0, C)``.
        weight: optional ``(C,)`` class weights of the input's dtype (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        ignore_index: a target value that contributes nothing and is not counted by ``'mean'`` (default -100).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'``, ``'mean'`` (the sum divided by the sum of the weights of the counted targets) or
            ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the per-target loss, of the target's shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, ``input`` is 0-d, or the batch sizes of
            ``input`` and ``target`` differ.
        RuntimeError: ``target`` is not of dtype int64 or uint8, or of the wrong number of dims or spatial size;
            ``weight`` is not ``(C,)`` or not of the input's dtype.
        NotImplementedError: ``input`` is not floating point.
        IndexError: a target class outside ``[0, C)`` (other than ``ignore_index``).

    Example:
        >>> import math
        >>> import arraygrad as ag
        >>> import arraygrad.nn.functional as F
        >>> logp = ag.tensor([[math.log(0.5), math.log(0.5)]])
        >>> round(F.nll_loss(logp, ag.tensor([1])).item(), 4)
        0.6931
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("nll_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "nll_loss")
    x, t = _batched_class_input(input, target, weight, ignore_index, "nll_loss")
    if weight is None and input._backend is target._backend:
        return _fused_losses.nll_loss(input, x, t, ignore_index, reduction, input.ndim == 1)
    terms, w, _ = _nll_terms(x, t, weight, ignore_index)
    return _class_reduce(terms, w, reduction, input.ndim == 1)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Compute the cross-entropy loss between logits and a target, as ``torch.nn.functional.cross_entropy``.

    For class indices it is ``nll_loss(log_softmax(input, class_dim), target)``; for class probabilities (a target of
    the input's shape) ``-sum(target * weight * log_softmax(input))`` over the class dim.

    Args:
        input: floating logits ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``.
        target: int64 (or uint8) class indices ``(N,)``, ``(N, d1, ...)`` or 0-d in ``[0, C)``, or floating class
            probabilities of the input's shape.
        weight: optional ``(C,)`` class weights of the input's dtype (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        ignore_index: a class-index target value that contributes nothing and is not counted by ``'mean'``; with
            probabilities it must be negative (default -100).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``; for class indices ``'mean'`` divides by the sum of the weights
            of the counted targets, for probabilities by the number of samples ``numel / C`` (default ``'mean'``).
        label_smoothing: ``eps`` in ``[0, 1]``: the target becomes ``(1 - eps) * target + eps / C`` (default 0.0).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the per-sample loss (the input's shape without
        the class dim).

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, the batch sizes of ``input`` and
            ``target`` differ, or ``ignore_index >= 0`` with class probabilities.
        IndexError: ``input`` is 0-d, or a class index outside ``[0, C)`` (other than ``ignore_index``).
        RuntimeError: ``label_smoothing`` outside ``[0, 1]``; class indices not of dtype int64 or uint8, or of the
            wrong number of dims or spatial size; probabilities that are not floating point; ``weight`` not ``(C,)``
            or not of the input's dtype.
        NotImplementedError: ``input`` is not floating point.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("cross_entropy", input, target, weight)
    op = "cross_entropy"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.ndim >= 1 and tuple(target.shape) == tuple(input.shape):
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing)
    hint = (f" (class probabilities must be a floating target of the input's shape {tuple(input.shape)})"
            if input.ndim >= 1 else "")
    x, t = _batched_class_input(input, target, weight, ignore_index, op, hint)
    logp = _log_softmax(x, 1)
    if weight is None and label_smoothing == 0.0 and input._backend is target._backend:
        return _fused_losses.nll_loss(logp, logp, t, ignore_index, reduction, input.ndim == 1)
    terms, w, valid = _nll_terms(logp, t, weight, ignore_index)
    if label_smoothing == 0.0:
        return _class_reduce(terms, w, reduction, input.ndim == 1)
    # PyTorch: (1 - eps) * nll + eps / C * (the loss against the uniform distribution, weighted
    # by the class weights), ignored positions zeroed, 'mean' over the same total weight as nll
    n_classes = x.shape[1]
    if weight is not None:
        logp = ops.mul(logp, shape.reshape(weight, (1, n_classes) + (1,) * (x.ndim - 2)))
    smooth = ops.where(valid, ops.neg(ops.sum(logp, 1)), 0.0)
    terms = ops.add(ops.mul(terms, 1.0 - label_smoothing), ops.mul(smooth, label_smoothing / n_classes))
    return _class_reduce(terms, w, reduction, input.ndim == 1)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,  # noqa: A002
                                 reduction: str, label_smoothing: float) -> Tensor:
    op = "cross_entropy"
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"{op}: Expected floating point type for target with class probabilities, got "
            f"{scalar_name(target.dtype)} (a target of the input's shape {tuple(input.shape)} holds probabilities; "
            f"class indices have shape {tuple(input.shape[:1] + input.shape[2:])})"
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{op}: not implemented for an input of dtype '{scalar_name(input.dtype)}'")
    if ignore_index >= 0:
        raise ValueError(f"{op}: ignore_index={ignore_index} is not supported for class-probability targets")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    _check_class_weight(weight, n_classes, op, input)
    if label_smoothing > 0.0:
        target = ops.add(ops.mul(target, 1.0 - label_smoothing), label_smoothing / n_classes)
    terms = ops.mul(_log_softmax(input, class_dim), target)
    if weight is not None:
        terms = ops.mul(terms, shape.reshape(weight, (n_classes,) + (1,) * (input.ndim - class_dim - 1)))
    if reduction == "none":
        return ops.neg(ops.sum(terms, class_dim))
    total = ops.neg(ops.sum(terms))
    return ops.div(total, input.numel() // n_classes if n_classes else 0) if reduction == "mean" else total


def _log_clamped(x: Tensor) -> Tensor:
    """``max(log(x), -100)``, without evaluating log(0) (PyTorch's clamp of BCE's logs)."""
    pos = ops.gt(x, 0)
    return ops.clamp(ops.where(pos, ops.log(ops.where(pos, x, 1.0)), -100.0), min=-100.0)


_BCE_EPSILON = _f32(1e-12)  # PyTorch's EPSILON is a C float


class _BinaryCrossEntropy(Function):
    """Elementwise ``-(y * log(x) + (1 - y) * log(1 - x))`` (logs clamped at -100) with
    PyTorch's backward ``(x - y) / max(x * (1 - x), 1e-12)``: finite where x is exactly 0 or 1
    (a composite's gradient would be 0 * inf = NaN there)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, y: Tensor) -> Tensor:
        ctx.save_for_backward(x, y)
        return ops.neg(ops.add(ops.mul(y, _log_clamped(x)), ops.mul(ops.rsub(y, 1.0), _log_clamped(ops.rsub(x, 1.0)))))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = ops.div(ops.mul(grad, ops.sub(x, y)), ops.clamp(ops.mul(ops.rsub(x, 1.0), x), min=_BCE_EPSILON))
        if ctx.needs_input_grad[1]:
            gy = ops.mul(grad, ops.sub(ops.log1p(ops.neg(x)), ops.log(x)))  # -logit(x), as PyTorch
        return gx, gy


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Compute the binary cross-entropy of probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    Each element is ``-weight * (target * log(input) + (1 - target) * log(1 - input))``, each log clamped at -100, so
    that a probability of exactly 0 or 1 gives a finite loss and gradient (as PyTorch).

    Args:
        input: probabilities in ``[0, 1]``, a floating tensor of any shape.
        target: probabilities in ``[0, 1]`` of the input's shape and dtype.
        weight: optional weights of the input's dtype, broadcast against the loss (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``target`` is not of the input's
            shape.
        RuntimeError: ``target`` or ``weight`` is not of the input's dtype, or ``input`` or ``target`` has values
            outside ``[0, 1]`` (the message names the smallest and largest found).
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("binary_cross_entropy", input, target, weight)
    op = "binary_cross_entropy"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _same_shape(input, target, op)
    for name, t in (("target", target), ("weight", weight)):
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(
                f"{op}: Found dtype {scalar_name(t.dtype)} but expected {scalar_name(input.dtype)}: the {name} "
                f"({t.dtype.name}) must have the input's dtype ({input.dtype.name})"
            )
    for name, t in (("input", input), ("target", target)):
        inside = ops.logical_and(ops.ge(t.detach(), 0.0), ops.le(t.detach(), 1.0))  # False for NaN
        if not t.numel():
            continue

        def fail(lo: float, hi: float, name: str = name) -> None:
            raise RuntimeError(f"{op}: all elements of {name} should be between 0 and 1, found min {lo} and max {hi}")

        if t._backend.is_traced(inside._storage.array):  # inside ag.compile: checked after the program ran
            xp, arr = t._backend.xp, t._storage.array
            tracing.check_later(xp.logical_not(xp.all(inside._storage.array)), (xp.min(arr), xp.max(arr)), fail)
        elif not ops.all(inside).item():
            fail(*_host_range(t))
    loss = _BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if weight is None else ops.mul(loss, weight), reduction)


def _log1p_exp(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` that neither overflows nor loses the small tail (softplus without
    PyTorch's linear threshold)."""
    return ops.add(ops.log1p(ops.exp(ops.neg(ops.abs(x)))), ops.maximum(x, 0.0))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Compute the binary cross-entropy of logits, as ``torch.nn.functional.binary_cross_entropy_with_logits``.

    It equals ``binary_cross_entropy(sigmoid(input), target)`` but is computed from the logits,
    ``(1 - target) * input - (1 + (pos_weight - 1) * target) * log_sigmoid(input)``, times ``weight``: finite and
    exact for logits of any size (e.g. +-1000).

    Args:
        input: floating logits of any shape.
        target: floating probabilities of the input's shape (not range-checked, as PyTorch).
        weight: optional weights broadcast against the loss (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        pos_weight: optional weight of the positive term, broadcast against the target (e.g. ``(C,)`` for ``(N, C)``:
            one per class) (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``target`` is not of the input's
            shape.
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: ``target`` is not floating point.
    """
    if AUTOCAST.active:
        input, target, weight, pos_weight = autocast_args("binary_cross_entropy_with_logits", input, target, weight, pos_weight)
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _same_shape(input, target, op)
    _require_floating(input, op)
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"{op}: result type {scalar_name(input.dtype)} can't be cast to the desired output type "
            f"{scalar_name(target.dtype)}: the target must be floating point, got {target.dtype.name}"
        )
    log_sigmoid = ops.neg(_log1p_exp(ops.neg(input)))
    if pos_weight is not None:
        log_sigmoid = ops.mul(log_sigmoid, ops.add(ops.mul(ops.sub(pos_weight, 1.0), target), 1.0))
    loss = ops.sub(ops.mul(ops.rsub(target, 1.0), input), log_sigmoid)
    return _reduce(loss if weight is None else ops.mul(loss, weight), reduction)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Compute the Kullback-Leibler divergence of ``target`` from ``input``, as ``torch.nn.functional.kl_div``.

    ``input`` holds log-probabilities; each element is ``target * (log(target) - input)``, with ``0 * log(0) = 0``.
    With ``log_target`` the target holds log-probabilities too and each element is ``exp(target) * (target - input)``.

    Args:
        input: floating log-probabilities of any shape.
        target: floating probabilities (log-probabilities with ``log_target``) that broadcast with the input.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'batchmean'`` (the sum divided by the batch size ``input.shape[0]``: the true KL divergence),
            ``'sum'``, ``'none'``, or ``'mean'`` (the mean over all elements; it warns, as PyTorch, since it is rarely
            what is meant) (default ``'mean'``).
        log_target: ``target`` is given as log-probabilities (default False).

    Returns:
        A 0-d tensor, or the elementwise loss of the broadcast shape for ``'none'``.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'batchmean'``, ``'sum'`` or ``'mean'``.
        RuntimeError: ``target`` does not broadcast with ``input``, or either is of an integer dtype.
    """
    if AUTOCAST.active:
        input, target = autocast_args("kl_div", input, target)
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, stacklevel=3)
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one of "
                         "none, batchmean, sum, mean")
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    _check_broadcast(input, target, op, warn=False)
    _check_floating_result(input, op)
    _check_floating_result(target, op)
    if log_target:
        loss = ops.mul(ops.exp(target), ops.sub(target, input))
    else:
        nonzero = ops.ne(target, 0)
        xlogx = ops.where(nonzero, ops.mul(target, ops.log(ops.where(nonzero, target, 1.0))), 0.0)
        loss = ops.sub(xlogx, ops.mul(target, input))
    if reduction == "batchmean":
        total = ops.sum(loss)
        return ops.div(total, input.shape[0]) if input.ndim else total
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Compute the hinge embedding loss for targets of 1 or -1, as ``torch.nn.functional.hinge_embedding_loss``.

    Each element is ``input`` where ``target == 1`` and ``max(0, margin - input)`` where ``target == -1``; a target of
    neither value contributes both terms, as PyTorch.

    Args:
        input: floating distances (or any scores) of any shape.
        target: 1 or -1 per element, broadcast with the input.
        margin: the margin of the ``-1`` term (default 1.0).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the broadcast shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``target`` does not broadcast with ``input``, or ``input`` is of an integer dtype.
    """
    if AUTOCAST.active:
        input, target = autocast_args("hinge_embedding_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "hinge_embedding_loss")
    _check_broadcast(input, target, "hinge_embedding_loss", warn=False)
    _check_floating_result(input, "hinge_embedding_loss")
    margin_term = ops.where(ops.ne(target, 1), ops.clamp(ops.rsub(input, margin), min=0.0), 0.0)
    self_term = ops.where(ops.ne(target, -1), input, 0.0)
    return _reduce(ops.add(margin_term, self_term), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """Compute the margin ranking loss of two score tensors, as ``torch.nn.functional.margin_ranking_loss``.

    Each element is ``max(0, -target * (input1 - input2) + margin)``. A ``target`` of 1 asks for ``input1`` to be
    ranked higher than ``input2``, -1 for the opposite.

    Args:
        input1: the first scores, e.g. ``(N,)``.
        input2: the second scores, with as many dims as ``input1``.
        target: 1 or -1 per element, with as many dims as the inputs.
        margin: the margin by which the higher score must lead (default 0).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the broadcast shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: the inputs and target have different numbers of dims, or shapes that do not broadcast (all
            shapes are named).
    """
    if AUTOCAST.active:
        input1, input2, target = autocast_args("margin_ranking_loss", input1, input2, target)
    op = "margin_ranking_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    shapes = [tuple(t.shape) for t in (input1, input2, target)]
    if len({len(s) for s in shapes}) != 1:
        raise RuntimeError(f"{op}: all input tensors should have the same number of dimensions, but got "
                         f"input1: {shapes[0]}, input2: {shapes[1]}, target: {shapes[2]}")
    try:
        shape.broadcast_shapes(*shapes)
    except RuntimeError:
        raise RuntimeError(f"{op}: shapes input1: {shapes[0]}, input2: {shapes[1]}, target: {shapes[2]} "
                         "do not broadcast") from None
    loss = ops.add(ops.mul(ops.neg(target), ops.sub(input1, input2)), margin)
    return _reduce(ops.clamp(loss, min=0.0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """Compute the cosine embedding loss of two batches of vectors, as ``torch.nn.functional.cosine_embedding_loss``.

    Each sample gives ``1 - cos(input1, input2)`` where ``target == 1`` and ``max(0, cos - margin)`` where
    ``target == -1`` (0 for other target values); the cosine is over the last dim, with PyTorch's ``1e-12`` added to
    each squared norm.

    Args:
        input1: ``(N, D)`` with a target ``(N,)``, or ``(D,)`` with a 0-d target.
        input2: the second vectors, of the shape of ``input1``.
        target: 1 or -1 per sample, ``(N,)`` or 0-d.
        margin: the cosine above which a ``-1`` pair is penalised (default 0).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the per-sample loss, of the target's shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``target`` is not 0-d or 1-d, or the inputs are of the wrong shape for it.
    """
    if AUTOCAST.active:
        input1, input2, target = autocast_args("cosine_embedding_loss", input1, input2, target)
    op = "cosine_embedding_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    tdim = target.ndim
    if tdim not in (0, 1):
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported; got target of "
                         f"shape {tuple(target.shape)}")
    s1, s2, st = tuple(input1.shape), tuple(input2.shape), tuple(target.shape)
    if len(s1) != tdim + 1 or s1 != s2 or (tdim == 1 and s1[0] != st[0]):
        need = "(N, D) inputs for a target of shape (N,)" if tdim else "(D,) inputs for a 0-d target"
        raise RuntimeError(f"{op}: expected {need}, got input1 {s1}, input2 {s2}, target {st}")
    eps = 1e-12
    prod = ops.sum(ops.mul(input1, input2), tdim)
    mag1 = ops.add(ops.sum(ops.mul(input1, input1), tdim), eps)
    mag2 = ops.add(ops.sum(ops.mul(input2, input2), tdim), eps)
    cos = ops.div(prod, ops.sqrt(ops.mul(mag1, mag2)))
    pos = ops.where(ops.eq(target, 1), ops.rsub(cos, 1.0), 0.0)
    neg = ops.where(ops.eq(target, -1), ops.clamp(ops.sub(cos, margin), min=0.0), 0.0)
    return _reduce(ops.add(pos, neg), reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Compute the multi-class multi-label hinge loss, as ``torch.nn.functional.multilabel_margin_loss``.

    For each sample it is the sum over its target classes ``j`` and its non-target classes ``i`` of
    ``max(0, 1 - (x[j] - x[i])) / C``.

    Args:
        input: floating scores ``(N, C)`` or ``(C,)``.
        target: int64 class indices of the input's shape; the targets of a sample are its leading non-negative
            entries, up to the first -1 (the rest is ignored).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the per-sample loss ``(N,)`` (0-d when
        unbatched).

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``input`` is not 1-d or 2-d, ``target`` is not int64 or not of the input's shape.
        NotImplementedError: ``input`` is not floating point.
        IndexError: a target entry outside ``[-1, C)``.
    """
    if AUTOCAST.active:
        input, target = autocast_args("multilabel_margin_loss", input, target)
    op = "multilabel_margin_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: expected input of shape (C,) or (N, C), got {tuple(input.shape)}")
    _require_floating(input, op)
    if target.dtype is not dtypes.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {scalar_name(target.dtype)} (the target's dtype)")
    if tuple(input.shape) != tuple(target.shape):
        raise RuntimeError(f"{op}: inconsistent target size: {tuple(target.shape)} for input of size: {tuple(input.shape)}")
    n_classes = input.shape[-1]
    _check_class_range(target, n_classes, op, low=-1)
    x = input if input.ndim == 2 else shape.unsqueeze(input, 0)
    t = target if target.ndim == 2 else shape.unsqueeze(target, 0)
    # a target counts while no -1 has been seen in its row
    valid = ops.eq(ops.cumsum(ops.lt(t, 0).to(dtypes.int64), 1), 0)
    safe = ops.where(valid, t, 0)
    classes = creation.arange(n_classes, dtype=safe.dtype, backend=safe._backend)
    hits = ops.logical_and(shape.unsqueeze(valid, 2), ops.eq(shape.unsqueeze(safe, 2), classes))  # (N, J, C)
    is_target = ops.any(hits, 1)  # (N, C)
    z = ops.add(ops.rsub(shape.unsqueeze(take_along_dim(x, safe, 1), 2), 1.0), shape.unsqueeze(x, 1))  # (N, J, C)
    counted = ops.logical_and(shape.unsqueeze(valid, 2), shape.unsqueeze(ops.logical_not(is_target), 1))
    # PyTorch's kernel adds z where z > 0 (gradient 0 at z == 0)
    loss = ops.div(ops.sum(ops.where(ops.logical_and(counted, ops.gt(z, 0)), z, 0.0), (1, 2)), n_classes)
    if input.ndim == 1:
        loss = shape.squeeze(loss, 0)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Compute the Poisson negative log-likelihood, as ``torch.nn.functional.poisson_nll_loss``.

    Each element is ``exp(input) - target * input`` with ``log_input``, else ``input - target * log(input + eps)``;
    ``full`` adds Stirling's approximation of ``log(target!)``,
    ``target * log(target) - target + 0.5 * log(2 * pi * target)``, where ``target > 1``.

    Args:
        input: the predicted rates (their logs with ``log_input``), a tensor of any shape.
        target: the observed counts, broadcast with the input.
        log_input: ``input`` holds log-rates (default True).
        full: add the Stirling term (default False).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        eps: added to ``input`` before its log when ``log_input`` is false (default 1e-8).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the broadcast shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``target`` does not broadcast with ``input``.
    """
    if AUTOCAST.active:
        input, target = autocast_args("poisson_nll_loss", input, target)
    op = "poisson_nll_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _check_broadcast(input, target, op, warn=False)
    if log_input:
        loss = ops.sub(ops.exp(input), ops.mul(target, input))
    else:
        loss = ops.sub(input, ops.mul(target, ops.log(ops.add(input, eps))))
    if full:
        big = ops.gt(target, 1)
        safe = ops.where(big, target, 1.0)
        stirling = ops.add(ops.sub(ops.mul(safe, ops.log(safe)), safe), ops.mul(ops.log(ops.mul(safe, 2 * math.pi)), 0.5))
        loss = ops.add(loss, ops.where(big, stirling, 0.0))
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Compute the two-class logistic loss, as ``torch.nn.functional.soft_margin_loss``.

    Each element is ``log(1 + exp(-target * input))``, computed without overflow for inputs of any size.

    Args:
        input: floating scores of any shape.
        target: 1 or -1 per element, of the input's shape (no broadcasting, as PyTorch).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``target`` is not of the input's shape, or ``input`` is of an integer dtype.
    """
    if AUTOCAST.active:
        input, target = autocast_args("soft_margin_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "soft_margin_loss")
    if tuple(input.shape) != tuple(target.shape):  # PyTorch's kernel does not broadcast here
        raise RuntimeError(
            f"soft_margin_loss: target of shape {tuple(target.shape)} must have the input's shape {tuple(input.shape)}"
        )
    _check_floating_result(input, "soft_margin_loss")
    return _reduce(_log1p_exp(ops.neg(ops.mul(input, target))), reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                      reduction: str = "mean") -> Tensor:
    """Compute the multi-class hinge loss, as ``torch.nn.functional.multi_margin_loss``.

    For each sample of class ``y`` it is the sum over the classes ``i != y`` of
    ``weight[y] * max(0, margin - x[y] + x[i])**p / C``.

    Args:
        input: floating scores ``(N, C)`` or ``(C,)``.
        target: int64 (or uint8) classes ``(N,)`` (0-d when unbatched), in ``[0, C)``.
        p: the power of the hinge, 1 or 2 (default 1).
        margin: the margin by which the score of the right class must lead (default 1.0).
        weight: optional ``(C,)`` class weights of the input's dtype (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the per-sample loss ``(N,)`` (0-d when
        unbatched).

    Raises:
        ValueError: ``p`` is not 1 or 2, or ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``input`` is not 1-d or 2-d; ``target`` not of dtype int64 or uint8, or of the wrong shape;
            ``weight`` not ``(C,)`` or not of the input's dtype.
        NotImplementedError: ``input`` is not floating point.
        IndexError: a target class outside ``[0, C)``.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("multi_margin_loss", input, target, weight)
    op = "multi_margin_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: expected input of shape (C,) or (N, C), got {tuple(input.shape)}")
    x, t = _batched_class_input(input, target, weight, None, op)
    n_classes = x.shape[1]
    picked = take_along_dim(x, shape.unsqueeze(t, 1), 1)  # (N, 1)
    z = ops.add(ops.rsub(picked, margin), x)
    classes = creation.arange(n_classes, dtype=t.dtype, backend=t._backend)
    counted = ops.logical_and(ops.gt(z, 0), ops.ne(shape.unsqueeze(t, 1), classes))  # z > 0 as PyTorch's kernel
    h = z if p == 1 else ops.mul(z, z)
    if weight is not None:
        h = ops.mul(h, shape.unsqueeze(weight[t], 1))
    loss = ops.div(ops.sum(ops.where(counted, h, 0.0), 1), n_classes)
    if input.ndim == 1:
        loss = shape.squeeze(loss, 0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Compute the triplet margin loss, as ``torch.nn.functional.triplet_margin_loss``.

    Each triplet gives ``max(0, margin + d(anchor, positive) - d(anchor, negative))``, where ``d`` is
    ``pairwise_distance(., ., p, eps)`` over the last dim; ``swap`` uses
    ``min(d(anchor, negative), d(positive, negative))`` as the negative distance (Balntas et al., 2016).

    Args:
        anchor: the anchors ``(N, D)`` or ``(D,)``.
        positive: the positive examples, with as many dims as ``anchor``.
        negative: the negative examples, with as many dims as ``anchor``.
        margin: the positive margin between the two distances (default 1.0).
        p: the order of the norm of the distance (default 2).
        eps: added to the differences before the norm (default 1e-6).
        swap: use the distance swap (default False).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the per-triplet loss ``(N,)`` (0-d when
        unbatched).

    Raises:
        ValueError: ``margin <= 0``, or ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: the three inputs have different numbers of dims.
    """
    if AUTOCAST.active:
        anchor, positive, negative = autocast_args("triplet_margin_loss", anchor, positive, negative)
    op = "triplet_margin_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"{op}: the anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {tuple(anchor.shape)}, positive {tuple(positive.shape)}, negative {tuple(negative.shape)}"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.clamp(ops.sub(ops.add(d_pos, margin), d_neg), min=0.0), reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Compute the Gaussian negative log-likelihood, as ``torch.nn.functional.gaussian_nll_loss``.

    Each element is ``0.5 * (log(var) + (input - target)**2 / var)``, plus ``0.5 * log(2 * pi)`` when ``full``;
    ``var`` is clamped to ``eps`` for stability (the clamp does not stop its gradient, as PyTorch).

    Args:
        input: the expected values, a floating tensor of any shape.
        target: the samples, broadcast with the input.
        var: non-negative variances: a floating tensor of the input's shape, or with one dim of size 1 (or the last
            dim missing) for a variance shared along it; or a float.
        full: add the constant ``0.5 * log(2 * pi)`` (default False).
        eps: the smallest variance used (default 1e-6).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss.

    Raises:
        TypeError: ``var`` is neither a Tensor nor a number.
        RuntimeError: ``var`` is a tensor of an integer dtype.
        ValueError: a negative variance (the smallest is named), ``var`` of an incompatible shape (both shapes are
            named), or ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
    """
    op = "gaussian_nll_loss"
    if not isinstance(var, (Tensor, int, float)) or isinstance(var, bool):
        raise TypeError(f"{op}(): argument 'var' must be Tensor or float, not {type(var).__name__}")
    if isinstance(var, Tensor) and not var.dtype.is_floating_point:
        raise RuntimeError(f"{op}: var must be a floating tensor, got {var.dtype.name}")
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries: {var}")
        var = creation.full_like(input.detach(), float(var))
    elif var.numel() and ops.any(ops.lt(var.detach(), 0)).item():
        lo, _ = _host_range(var)
        raise ValueError(f"{op}: var has negative entry/entries (min {lo}); variances must be non-negative")
    xs, vs = tuple(input.shape), tuple(var.shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = shape.unsqueeze(var, -1)
        elif not (len(xs) == len(vs) and sum(v for x, v in zip(xs, vs) if x != v) == 1):
            raise ValueError(f"{op}: var of shape {vs} is of incorrect size for input of shape {xs}")
    reduction = _reduction_arg(reduction, None, None, op)
    v = var.detach()
    var = ops.add(var, ops.sub(ops.clamp(v, min=eps), v))
    diff = ops.sub(input, target)
    loss = ops.mul(ops.add(ops.log(var), ops.div(ops.mul(diff, diff), var)), 0.5)
    if full:
        loss = ops.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, reduction)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
