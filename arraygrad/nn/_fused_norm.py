"""Batch normalization in training mode as ONE graph node.

Written with Tensor ops, training-mode batch norm records about ten nodes (mean, subtract, square,
mean, add, rsqrt, multiply, and the affine multiply and add), and their backward makes as many
passes over the input-sized arrays again. Here the forward and the backward are one backend kernel
each, ``batch_norm_forward`` and ``batch_norm_backward`` (``backends/reference/normalization.py`` has them in
array-API code; numpy runs them in place in one buffer), and autograd sees one node, as PyTorch's
``NativeBatchNormBackward0``. It saves the input, as PyTorch's does, so changing the input in place
before backward raises.

Higher-order gradients (``create_graph=True``) go through the Tensor-op version: the node's backward
then recomputes the forward with it and differentiates that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor

_wrap = Tensor._wrap

#: ``(input, weight, bias, eps) -> output``: the same normalization with Tensor ops
Composite = Callable[[Tensor, "Tensor | None", "Tensor | None", float], Tensor]


class NativeBatchNormBackward0(Node):
    """Gradients of the output with respect to ``(input[, weight][, bias])``."""

    __slots__ = ("mean", "var", "eps", "has_weight", "has_bias", "composite")

    def backward(self, grad: Any) -> tuple[Any, ...]:
        x, *params = self.saved_tensors
        weight = params[0] if self.has_weight else None
        bias = params[-1] if self.has_bias else None
        inputs = (x, *params)
        if GRAD_MODE.enabled:  # create_graph: differentiate the Tensor-op version (differentiable again)
            from arraygrad.core import autograd

            out = self.composite(x, weight, bias, self.eps)
            wanted = [k for k in range(len(inputs)) if self.needs(k)]
            found = autograd.grad([out], [inputs[k] for k in wanted], [grad], create_graph=True, allow_unused=True)
            result: list[Any] = [None] * len(inputs)
            for k, g in zip(wanted, found):
                result[k] = g
            return tuple(result)
        backend = x._backend
        dx, dweight, dbias = backend.batch_norm_backward(
            grad._storage.array, x._storage.array, self.mean, self.var,
            None if weight is None else weight._storage.array, self.eps)
        grads = [dx] + ([dweight] if self.has_weight else []) + ([dbias] if self.has_bias else [])
        return tuple(_wrap(a, backend) if self.needs(k) else None for k, a in enumerate(grads))


def batch_norm_training(input: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float,  # noqa: A002
                        composite: Composite) -> tuple[Tensor, Any, Any]:
    """Training-mode batch norm of ``input`` (N, C, *) with the batch's statistics: the output, and
    the channel means and biased variances (C,) as backend arrays (for the running statistics).
    ``composite`` computes the same output with Tensor ops (used for higher-order gradients)."""
    backend = input._backend
    y, mean, var = backend.batch_norm_forward(input._storage.array, None if weight is None else weight._storage.array,
                                              None if bias is None else bias._storage.array, eps)
    inputs = [input] + [t for t in (weight, bias) if t is not None]
    if not (GRAD_MODE.enabled and any(t._rg for t in inputs)):
        return _wrap(y, backend), mean, var
    node = NativeBatchNormBackward0(inputs)
    node.save(*inputs)
    node.mean, node.var, node.eps, node.composite = mean, var, eps, composite
    node.has_weight, node.has_bias = weight is not None, bias is not None
    return _wrap(y, backend, node, 0), mean, var
