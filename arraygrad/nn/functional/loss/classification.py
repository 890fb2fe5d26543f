"""Classification losses: ``nll_loss`` and ``cross_entropy`` over class indices (or class
probabilities), and the binary cross-entropies of probabilities and of logits.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import ops, shape, tracing
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import Function
from arraygrad.core.conv import scalar_name
from arraygrad.core.indexing import take_along_dim
from arraygrad.core.ops import log_softmax as _log_softmax
from arraygrad.core.tensor import Tensor
from arraygrad.nn import _fused_losses
from arraygrad.nn.functional._reduction import (
    _check_class_range,
    _check_class_target,
    _check_class_weight,
    _host_range,
    _reduce,
    _reduction_arg,
    _same_shape,
)
from arraygrad.nn.functional._utils import _f32, _require_floating

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]


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


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
