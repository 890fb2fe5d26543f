"""logsumexp, softmax and log_softmax along a dim (softmax and log_softmax record one backward node
each)."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import GRAD_MODE
from arraygrad.core.ops._helpers import _wrap
from arraygrad.core.ops.binary import add, mul, sub
from arraygrad.core.ops.minmax import amax
from arraygrad.core.ops.reduction import _axes, sum
from arraygrad.core.ops.unary import _SavedOutput, exp, log
from arraygrad.core.tensor import Tensor, _dim

__all__ = [
    "logsumexp", "SoftmaxBackward0", "LogSoftmaxBackward0", "softmax", "log_softmax",
]


def logsumexp(a: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """Compute ``log(sum(exp(a), dim))`` without overflow, as ``torch.logsumexp``.

    The maximum over ``dim`` is subtracted before the exponential and added back afterwards (a non-finite
    maximum is replaced by 0 for that shift, so rows of ``-inf`` give ``-inf``).

    Args:
        a: the input tensor; integers are promoted to the default float dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them.
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new floating Tensor with the reduced dims removed (kept with size 1 under ``keepdim``).

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    axes = _axes(dim, a.ndim, "logsumexp")
    m = amax(a.detach(), axes, keepdim=True)
    xp = a._backend.xp
    m = _wrap(xp.where(xp.isfinite(m._storage.array), m._storage.array, 0.0), a._backend)
    out = add(log(sum(exp(sub(a, m)), axes, keepdim=True)), m)
    return out if keepdim else reshape(out, tuple(n for i, n in enumerate(a.shape) if i not in (axes or range(a.ndim))))


class SoftmaxBackward0(_SavedOutput):
    """``y = softmax(x)``: ``dx = y * (g - sum(g * y, dim))``, one node instead of five."""

    __slots__ = ("dim",)

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        gy = mul(g, y)
        return sub(gy, mul(y, sum(gy, self.dim, keepdim=True)))


class LogSoftmaxBackward0(_SavedOutput):
    """``y = log_softmax(x)``: ``dx = g - exp(y) * sum(g, dim)``."""

    __slots__ = ("dim",)

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return sub(g, mul(exp(y), sum(g, self.dim, keepdim=True)))


def _softmax(a: Tensor, dim: int, dtype: Any, log: bool) -> Tensor:
    op = "log_softmax" if log else "softmax"
    if dtype is not None:
        a = a.to(dtype)
    elif AUTOCAST.active:
        a = autocast_args(op, a)
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    if x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        raise NotImplementedError(f"{op}: not implemented for {a.dtype}; pass a floating point tensor or dtype=")
    if x.ndim:
        axis: int | None = _dim(dim, x.ndim, op)
    else:
        _dim(dim, 1, op)  # a 0-d tensor takes dim -1 or 0, as in PyTorch
        axis = None
    if math.prod(x.shape) == 0:
        out = xp.asarray(x, copy=True)
    else:
        # shift by the maximum so exp cannot overflow (a row of -inf keeps a shift of 0)
        m = xp.max(x, axis=axis, keepdims=True)
        z = xp.subtract(x, xp.where(xp.isfinite(m), m, xp.zeros_like(m)))
        e = xp.exp(z)
        total = xp.sum(e, axis=axis, keepdims=True)
        out = xp.subtract(z, xp.log(total)) if log else xp.divide(e, total)
    if GRAD_MODE.enabled and a._rg:
        node = (LogSoftmaxBackward0 if log else SoftmaxBackward0)((a,))
        node.dim = axis
        res = _wrap(out, backend, node)
        node.save(Tensor._alias(res._storage, backend))
        return res
    return _wrap(out, backend)


def softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """Compute ``exp(a) / sum(exp(a), dim)`` along ``dim``, as ``torch.softmax``.

    The maximum along ``dim`` is subtracted first so that ``exp`` cannot overflow. An empty tensor is returned
    as an empty copy; a 0-d tensor takes ``dim`` 0 or -1. Under CUDA ``autocast`` (and without ``dtype``) a
    reduced-precision input is computed in float32.

    Args:
        a: the input tensor, of a floating dtype unless ``dtype`` is given.
        dim: the dim along which the result sums to 1.
        dtype: dtype ``a`` is cast to before the computation, which is also the result's (default None).

    Returns:
        A new Tensor of the shape of ``a`` holding probabilities along ``dim``.

    Raises:
        NotImplementedError: ``a`` (after the ``dtype`` cast) is not of a floating or complex dtype.
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    return _softmax(a, dim, dtype, log=False)


def log_softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """Compute ``a - logsumexp(a, dim)`` along ``dim``, as ``torch.log_softmax``.

    The maximum along ``dim`` is subtracted first, so it is accurate where ``log(softmax(a))`` would underflow.
    An empty tensor is returned as an empty copy; a 0-d tensor takes ``dim`` 0 or -1. Under CUDA ``autocast``
    (and without ``dtype``) a reduced-precision input is computed in float32.

    Args:
        a: the input tensor, of a floating dtype unless ``dtype`` is given.
        dim: the dim along which the softmax is taken.
        dtype: dtype ``a`` is cast to before the computation, which is also the result's (default None).

    Returns:
        A new Tensor of the shape of ``a`` holding log-probabilities along ``dim``.

    Raises:
        NotImplementedError: ``a`` (after the ``dtype`` cast) is not of a floating or complex dtype.
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    return _softmax(a, dim, dtype, log=True)


# shape ops used above live in shape.py; imported at the end to avoid an import cycle
from arraygrad.core.shape import reshape  # noqa: E402
