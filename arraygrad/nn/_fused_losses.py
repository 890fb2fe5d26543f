"""The two losses nearly every training script ends in, each as ONE graph node with its own
backward (PyTorch's ``MseLossBackward0`` and ``NllLossBackward0``): fewer nodes per step than the
composite of primitives, and the node names users see when they print ``loss.grad_fn``.

``nn.functional`` takes these paths for the common cases (no per-element or class weights, equal
dtypes) and the composite otherwise; the conformance suite checks both against finite
differences.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import ops, shape
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor

_wrap = Tensor._wrap


class MseLossBackward0(Node):
    """``mean|sum|none of (input - target) ** 2``: ``d/dinput = 2 (input - target) g`` (over the
    element count for 'mean'), ``d/dtarget`` its negative, each summed to its operand's shape."""

    __slots__ = ("reduction", "count")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, t = self.saved_tensors
        scale = 2.0 / self.count if self.reduction == "mean" else 2.0
        gd = ops.mul(ops.sub(x, t), ops.mul(g, scale))
        gx = ops.sum_to(gd, x.shape) if self.needs(0) else None
        gt = ops.neg(ops.sum_to(gd, t.shape)) if self.needs(1) else None
        return gx, gt


def mse_loss(input: Tensor, target: Tensor, reduction: str) -> Tensor:  # noqa: A002
    """Squared error of same-dtype, same-backend operands (shapes broadcast)."""
    backend = input._backend
    xp = backend.xp
    diff = xp.subtract(input._storage.array, target._storage.array)
    sq = xp.multiply(diff, diff)
    count = 1
    for n in sq.shape:
        count *= n
    if reduction == "none":
        out = sq
    else:
        out = xp.sum(sq)
        if reduction == "mean":  # an empty input gives nan, as PyTorch
            out = xp.divide(out, xp.asarray(count, dtype=out.dtype))
    if GRAD_MODE.enabled and (input._rg or target._rg):
        node = MseLossBackward0((input, target))
        node.reduction, node.count = reduction, count
        node.save(input, target)
        return _wrap(out, backend, node)
    return _wrap(out, backend)


class NllLossBackward0(Node):
    """``-input[n, target[n], ...]`` reduced: the gradient is ``-g`` (over the number of counted
    targets for 'mean') at each target's class and 0 elsewhere."""

    __slots__ = ("hit", "reduction", "count", "shape")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        hit = _wrap(self.hit, g._backend)  # (N, C, *): the target class of each counted element
        if self.reduction == "none":
            g = shape.unsqueeze(shape.reshape(g, (hit.shape[0], *hit.shape[2:])), 1)
        elif self.reduction == "mean":
            g = ops.div(g, _wrap(self.count, g._backend))
        gx = ops.where(hit, ops.neg(g), 0.0)
        return (shape.reshape(gx, self.shape),)


class NllLoss2DBackward0(NllLossBackward0):
    """PyTorch's name for the node of an image-shaped ``(N, C, H, W)`` input."""

    __slots__ = ()


def nll_loss(input: Tensor, logp: Tensor, target: Tensor, ignore_index: int, reduction: str,  # noqa: A002
             unbatched: bool) -> Tensor:
    """Negative log-likelihood of checked class indices ``target`` ``(N, *)`` in ``logp``
    ``(N, C, *)``, no class weights. The gradient goes to ``input``: ``logp`` itself, or the
    unbatched ``(C,)`` tensor that ``logp`` is a batched view of (``unbatched``)."""
    backend = logp._backend
    xp = backend.xp
    x, t = logp._storage.array, target._storage.array
    n_classes = x.shape[1]
    classes = xp.reshape(xp.arange(n_classes, dtype=t.dtype), (1, n_classes) + (1,) * (x.ndim - 2))
    valid = xp.not_equal(t, ignore_index)
    hit = xp.logical_and(xp.equal(xp.expand_dims(t, axis=1), classes), xp.expand_dims(valid, axis=1))
    # where() before summing: an ignored position's log-probability may be -inf
    terms = xp.negative(xp.sum(xp.where(hit, x, xp.zeros_like(x)), axis=1))
    count = xp.sum(xp.astype(valid, x.dtype))
    if reduction == "none":
        out = xp.reshape(terms, ()) if unbatched else terms
    else:
        out = xp.sum(terms)
        if reduction == "mean":  # no counted target gives nan, as PyTorch
            out = xp.divide(out, count)
    if GRAD_MODE.enabled and input._rg:
        node = (NllLoss2DBackward0 if x.ndim == 4 else NllLossBackward0)((input,))
        node.hit, node.reduction, node.count, node.shape = hit, reduction, count, tuple(input.shape)
        return _wrap(out, backend, node)
    return _wrap(out, backend)
