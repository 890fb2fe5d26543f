"""Batch normalization kernels of the reference backend: the training-mode forward and backward as one
graph node each (see ``nn/_fused_norm.py``)."""

from __future__ import annotations

import math
from types import ModuleType

from arraygrad.backends.reference._types import Array

__all__ = ["NormalizationKernels"]


class NormalizationKernels:
    """The batch normalization kernels of ``Backend`` (``batch_norm_forward``, ``batch_norm_backward``)."""

    xp: ModuleType

    # -- batch normalization in training mode (one graph node; see nn/_fused_norm.py)
    def batch_norm_forward(self, x: Array, weight: Array | None, bias: Array | None,
                           eps: float) -> tuple[Array, Array, Array]:
        """Normalize ``x`` (N, C, *) per channel over every other dim with the batch's statistics, then
        scale by ``weight`` (C,) and shift by ``bias`` (C,) when given. Returns ``(y, mean, var)``: the
        output (x's shape), the channel means (C,) and the biased channel variances (C,)."""
        xp = self.xp
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean = xp.mean(x, axis=axes, keepdims=True)
        centered = xp.subtract(x, mean)
        var = xp.mean(xp.multiply(centered, centered), axis=axes, keepdims=True)
        y = xp.multiply(centered, xp.divide(xp.ones((), dtype=x.dtype), xp.sqrt(xp.add(var, eps))))
        if weight is not None:
            y = xp.multiply(y, xp.reshape(weight, bshape))
        if bias is not None:
            y = xp.add(y, xp.reshape(bias, bshape))
        return y, xp.reshape(mean, (x.shape[1],)), xp.reshape(var, (x.shape[1],))

    def batch_norm_backward(self, dy: Array, x: Array, mean: Array, var: Array, weight: Array | None,
                            eps: float) -> tuple[Array, Array, Array]:
        """Gradients of ``batch_norm_forward`` for upstream ``dy``, from its input ``x``, its ``mean``
        and ``var`` and the ``weight`` (or None): ``(dx, dweight, dbias)``, with
        ``dx = weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))`` (means over all dims but 1)."""
        xp = self.xp
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        count = math.prod(x.shape) // x.shape[1]
        invstd = xp.divide(xp.ones((), dtype=x.dtype), xp.sqrt(xp.add(var, eps)))
        xhat = xp.multiply(xp.subtract(x, xp.reshape(mean, bshape)), xp.reshape(invstd, bshape))
        dbias = xp.sum(dy, axis=axes)
        dweight = xp.sum(xp.multiply(dy, xhat), axis=axes)
        inner = xp.subtract(xp.subtract(dy, xp.reshape(xp.divide(dbias, count), bshape)),
                            xp.multiply(xhat, xp.reshape(xp.divide(dweight, count), bshape)))
        scale = invstd if weight is None else xp.multiply(invstd, weight)
        return xp.multiply(inner, xp.reshape(scale, bshape)), dweight, dbias
