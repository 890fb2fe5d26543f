"""Margin, ranking and embedding losses: the hinge losses (``hinge_embedding_loss``,
``multi_margin_loss``, ``multilabel_margin_loss``, ``soft_margin_loss``) and the losses on pairs or
triplets of inputs (``margin_ranking_loss``, ``cosine_embedding_loss``, ``triplet_margin_loss``).
"""

from __future__ import annotations

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.conv import scalar_name
from arraygrad.core.indexing import take_along_dim
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._reduction import (
    _check_broadcast,
    _check_class_range,
    _check_floating_result,
    _reduce,
    _reduction_arg,
)
from arraygrad.nn.functional._utils import _require_floating
from arraygrad.nn.functional.distance import pairwise_distance
from arraygrad.nn.functional.loss.classification import _batched_class_input, _log1p_exp

__all__ = [
    "hinge_embedding_loss", "margin_ranking_loss", "cosine_embedding_loss", "multilabel_margin_loss", "soft_margin_loss",
    "multi_margin_loss", "triplet_margin_loss",
]


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


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
