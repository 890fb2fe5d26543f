"""Elementwise functions of one tensor (neg, exp, log, sqrt, trigonometric, sigmoid, relu, abs, rounding,
clamp, square, softplus) with their backward nodes."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.ops._helpers import _make_output, _saved_output, _wrap, op_error
from arraygrad.core.ops.binary import add, div, maximum, minimum, mul, pow, rsub, where
from arraygrad.core.tensor import Tensor

__all__ = [
    "NegBackward0", "neg", "ExpBackward0", "exp", "Expm1Backward0", "expm1", "LogBackward0", "log", "Log1PBackward0",
    "log1p", "log2", "log10", "SqrtBackward0", "sqrt", "RsqrtBackward0", "rsqrt", "ReciprocalBackward0", "reciprocal",
    "SinBackward0", "sin", "CosBackward0", "cos", "TanBackward0", "tan", "TanhBackward0", "tanh", "SigmoidBackward0",
    "sigmoid", "ReluBackward0", "relu", "AbsBackward0", "abs", "ZeroGradBackward0", "sign", "floor", "ceil", "trunc",
    "round", "ClampBackward1", "clamp", "clip", "square", "softplus",
]


# ---------------------------------------------------------------------- unary


class NegBackward0(Node):
    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (neg(g),)


def neg(a: Tensor) -> Tensor:
    """Negate ``a`` elementwise, as ``torch.neg``.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a`` holding ``-a``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor (use ``logical_not`` or ``~`` to invert a mask).
    """
    if a._storage.array.dtype == a._backend.dtypes["bool"]:
        raise NotImplementedError(  # PyTorch's type since 2.14 (a RuntimeError subclass, as before)
            "neg: negation, the `-` operator, on a bool tensor is not supported; "
            "use the `~` or logical_not() operator to invert a mask"
        )
    return _make_output(a._backend.xp.negative(a._storage.array), a, NegBackward0)


class _SavedInput(Node):
    """Backward of ``y = f(x)`` written in terms of the saved input ``x``."""

    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        (x,) = self.saved_tensors
        return (self.grad(g, x),)

    def grad(self, g: Tensor, x: Tensor) -> Tensor:
        raise NotImplementedError


class _SavedOutput(Node):
    """Backward of ``y = f(x)`` written in terms of the saved output ``y``."""

    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        (y,) = self.saved_tensors
        return (self.grad(g, _saved_output(self, y)),)

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        raise NotImplementedError


def _unary_in(a: Tensor, out: Any, node_cls: type[_SavedInput]) -> Tensor:
    if GRAD_MODE.enabled and a._rg:
        node = node_cls((a,))
        node.save(a)
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


def _unary_out(a: Tensor, out: Any, node_cls: type[_SavedOutput]) -> Tensor:
    if GRAD_MODE.enabled and a._rg:
        node = node_cls((a,))
        res = _wrap(out, a._backend, node)
        node.save(Tensor._alias(res._storage, a._backend))
        return res
    return _wrap(out, a._backend)


def _refuse_bool(a: Tensor, op: str) -> None:
    """PyTorch's NotImplementedError for an op with no bool kernel (numpy would compute one)."""
    if a._storage.array.dtype == a._backend.dtypes["bool"]:
        raise NotImplementedError(f"{op}: \"{op}\" not implemented for 'Bool'")


def _float_array(a: Tensor, op: str) -> Any:
    """``a``'s array, promoted to the default float dtype if it is an integer array."""
    x = a._storage.array
    backend = a._backend
    if x.dtype in backend.float_dtypes or x.dtype in backend.complex_dtypes:
        return x
    return backend.xp.astype(x, backend.native_dtype(dtypes.get_default_dtype().name))


class ExpBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return mul(g, y)


def exp(a: Tensor) -> Tensor:
    """Compute the exponential ``e ** a`` elementwise, as ``torch.exp``.

    Integer and bool inputs are promoted to the default float dtype. Under CUDA ``autocast`` a reduced-precision input
    is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("exp", a)
    return _unary_out(a, a._backend.xp.exp(_float_array(a, "exp")), ExpBackward0)


class Expm1Backward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return mul(g, add(y, 1.0))


def expm1(a: Tensor) -> Tensor:
    """Compute ``exp(a) - 1`` elementwise, accurate for small ``a``, as ``torch.expm1``.

    Integer and bool inputs are promoted to the default float dtype. Under CUDA ``autocast`` a reduced-precision input
    is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("expm1", a)
    return _unary_out(a, a._backend.xp.expm1(_float_array(a, "expm1")), Expm1Backward0)


class LogBackward0(_SavedInput):
    __slots__ = ()

    def grad(self, g: Tensor, x: Tensor) -> Tensor:
        return div(g, x)


def log(a: Tensor) -> Tensor:
    """Compute the natural logarithm of ``a`` elementwise, as ``torch.log``.

    Integer and bool inputs are promoted to the default float dtype. Negative inputs give nan and 0 gives ``-inf``.
    Under CUDA ``autocast`` a reduced-precision input is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("log", a)
    return _unary_in(a, a._backend.xp.log(_float_array(a, "log")), LogBackward0)


class Log1PBackward0(_SavedInput):
    __slots__ = ()

    def grad(self, g: Tensor, x: Tensor) -> Tensor:
        return div(g, add(x, 1.0))


def log1p(a: Tensor) -> Tensor:
    """Compute ``log(1 + a)`` elementwise, accurate for small ``a``, as ``torch.log1p``.

    Integer and bool inputs are promoted to the default float dtype. Under CUDA ``autocast`` a reduced-precision input
    is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("log1p", a)
    return _unary_in(a, a._backend.xp.log1p(_float_array(a, "log1p")), Log1PBackward0)


def log2(a: Tensor) -> Tensor:
    """Compute the base-2 logarithm of ``a`` elementwise, as ``torch.log2``.

    Computed as ``log(a) / log(2)``. Integer and bool inputs are promoted to the default float dtype.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    return div(log(a), math.log(2.0))


def log10(a: Tensor) -> Tensor:
    """Compute the base-10 logarithm of ``a`` elementwise, as ``torch.log10``.

    Computed as ``log(a) / log(10)``. Integer and bool inputs are promoted to the default float dtype.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    return div(log(a), math.log(10.0))


class SqrtBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return div(g, mul(y, 2.0))


def sqrt(a: Tensor) -> Tensor:
    """Compute the square root of ``a`` elementwise, as ``torch.sqrt``.

    Integer and bool inputs are promoted to the default float dtype. Negative inputs give nan.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    return _unary_out(a, a._backend.xp.sqrt(_float_array(a, "sqrt")), SqrtBackward0)


class RsqrtBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return mul(g, mul(pow(y, 3), -0.5))


def rsqrt(a: Tensor) -> Tensor:
    """Compute the reciprocal square root ``1 / sqrt(a)`` elementwise, as ``torch.rsqrt``.

    Integer and bool inputs are promoted to the default float dtype. Under CUDA ``autocast`` a reduced-precision input
    is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("rsqrt", a)
    xp = a._backend.xp
    return _unary_out(a, xp.divide(1.0, xp.sqrt(_float_array(a, "rsqrt"))), RsqrtBackward0)


class ReciprocalBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return neg(mul(g, mul(y, y)))


def reciprocal(a: Tensor) -> Tensor:
    """Compute ``1 / a`` elementwise, as ``torch.reciprocal``.

    Integer and bool inputs are promoted to the default float dtype. 0 gives inf. Under CUDA ``autocast`` a
    reduced-precision input is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("reciprocal", a)
    return _unary_out(a, a._backend.xp.divide(1.0, _float_array(a, "reciprocal")), ReciprocalBackward0)


class SinBackward0(_SavedInput):
    __slots__ = ()

    def grad(self, g: Tensor, x: Tensor) -> Tensor:
        return mul(g, cos(x))


def sin(a: Tensor) -> Tensor:
    """Compute the sine of ``a`` (in radians) elementwise, as ``torch.sin``.

    Integer and bool inputs are promoted to the default float dtype.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    return _unary_in(a, a._backend.xp.sin(_float_array(a, "sin")), SinBackward0)


class CosBackward0(_SavedInput):
    __slots__ = ()

    def grad(self, g: Tensor, x: Tensor) -> Tensor:
        return neg(mul(g, sin(x)))


def cos(a: Tensor) -> Tensor:
    """Compute the cosine of ``a`` (in radians) elementwise, as ``torch.cos``.

    Integer and bool inputs are promoted to the default float dtype.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    return _unary_in(a, a._backend.xp.cos(_float_array(a, "cos")), CosBackward0)


class TanBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return mul(g, add(mul(y, y), 1.0))


def tan(a: Tensor) -> Tensor:
    """Compute the tangent of ``a`` (in radians) elementwise, as ``torch.tan``.

    Integer and bool inputs are promoted to the default float dtype. Under CUDA ``autocast`` a reduced-precision input
    is computed in float32.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    if AUTOCAST.active:
        a = autocast_args("tan", a)
    return _unary_out(a, a._backend.xp.tan(_float_array(a, "tan")), TanBackward0)


class TanhBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return mul(g, rsub(mul(y, y), 1.0))


def tanh(a: Tensor) -> Tensor:
    """Compute the hyperbolic tangent of ``a`` elementwise, as ``torch.tanh``.

    Integer and bool inputs are promoted to the default float dtype.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    return _unary_out(a, a._backend.xp.tanh(_float_array(a, "tanh")), TanhBackward0)


class SigmoidBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return mul(g, mul(y, rsub(y, 1.0)))


def sigmoid(a: Tensor) -> Tensor:
    """Compute the logistic sigmoid ``1 / (1 + exp(-a))`` elementwise, as ``torch.sigmoid``.

    Computed from ``exp(-|a|)`` only, so it does not overflow for large ``|a|``. Integer and bool inputs are promoted to
    the default float dtype.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape of ``a``, of ``a``'s floating dtype (the default float dtype for integers).
    """
    xp = a._backend.xp
    x = _float_array(a, "sigmoid")
    # exp of a non-positive number only: stable on both tails
    e = xp.exp(xp.negative(xp.abs(x)))
    out = xp.where(x >= 0, xp.divide(1.0, xp.add(e, 1.0)), xp.divide(e, xp.add(e, 1.0)))
    return _unary_out(a, out, SigmoidBackward0)


def _where_or_zero(mask: Any, g: Tensor) -> Tensor:
    """``g`` where the bool array ``mask`` holds, 0 elsewhere: one backend kernel, or the recorded
    ``where`` when this gradient is itself differentiated (create_graph)."""
    if GRAD_MODE.enabled and g._rg:
        return where(_wrap(mask, g._backend), g, 0.0)
    return _wrap(g._backend.where_or_zero(mask, g._storage.array), g._backend)


class ReluBackward0(_SavedOutput):
    __slots__ = ()

    def grad(self, g: Tensor, y: Tensor) -> Tensor:
        return _where_or_zero(y._storage.array > 0, g)


def relu(a: Tensor) -> Tensor:
    """Replace the negative elements of ``a`` by 0, as ``torch.relu``.

    The gradient at 0 is 0, as in PyTorch.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a`` holding ``max(a, 0)``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor.
    """
    if a._storage.array.dtype == a._backend.dtypes["bool"]:
        raise NotImplementedError("relu: Boolean inputs not supported for relu")
    return _unary_out(a, a._backend.xp.maximum(a._storage.array, 0), ReluBackward0)


class AbsBackward0(_SavedInput):
    __slots__ = ()

    def grad(self, g: Tensor, x: Tensor) -> Tensor:
        return mul(g, sign(x))


def abs(a: Tensor) -> Tensor:  # noqa: A001 - PyTorch name
    """Compute the absolute value of ``a`` elementwise, as ``torch.abs``.

    The gradient is ``sign(a)``, so 0 at 0.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor.
    """
    _refuse_bool(a, "abs")
    return _unary_in(a, a._backend.xp.abs(a._storage.array), AbsBackward0)


class ZeroGradBackward0(Node):
    """Backward of piecewise-constant ops (sign, floor, round...): the gradient is zero."""

    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (mul(g, 0.0),)


def _piecewise_constant(a: Tensor, out: Any) -> Tensor:
    return _make_output(out, a, ZeroGradBackward0)


def sign(a: Tensor) -> Tensor:
    """Compute the sign of ``a`` elementwise (-1, 0 or 1), as ``torch.sign``.

    The gradient is zero everywhere. A bool tensor is returned as a copy (a bool is its own sign).

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.
    """
    x = a._storage.array
    if x.dtype == a._backend.dtypes["bool"]:
        # a bool is its own sign, as in PyTorch; the array libraries have no bool sign kernel
        return _wrap(a._backend.xp.asarray(x, copy=True), a._backend)
    return _piecewise_constant(a, a._backend.xp.sign(x))


def floor(a: Tensor) -> Tensor:
    """Round ``a`` down to the nearest integer elementwise, as ``torch.floor``.

    The gradient is zero everywhere.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor.
    """
    _refuse_bool(a, "floor")
    return _piecewise_constant(a, a._backend.xp.floor(a._storage.array))


def ceil(a: Tensor) -> Tensor:
    """Round ``a`` up to the nearest integer elementwise, as ``torch.ceil``.

    The gradient is zero everywhere.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor.
    """
    _refuse_bool(a, "ceil")
    return _piecewise_constant(a, a._backend.xp.ceil(a._storage.array))


def trunc(a: Tensor) -> Tensor:
    """Round ``a`` towards zero elementwise, as ``torch.trunc``.

    The gradient is zero everywhere.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor.
    """
    _refuse_bool(a, "trunc")
    return _piecewise_constant(a, a._backend.xp.trunc(a._storage.array))


def round(a: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch name
    """Round ``a`` elementwise, halves to the nearest even value, as ``torch.round``.

    With ``decimals`` the values are scaled by ``10 ** decimals``, rounded and scaled back. The gradient is zero
    everywhere.

    Args:
        a: the input tensor.
        decimals: number of decimal places to keep; negative values round to tens, hundreds... (default 0).

    Returns:
        A new Tensor of the shape of ``a``.

    Raises:
        NotImplementedError: ``a`` is a bool tensor.
    """
    _refuse_bool(a, "round")
    xp = a._backend.xp
    x = a._storage.array
    if decimals:
        scale = 10.0**decimals
        return _piecewise_constant(a, xp.divide(xp.round(xp.multiply(x, scale)), scale))
    return _piecewise_constant(a, xp.round(x))


class ClampBackward1(Node):
    """Backward of clamp with number bounds (PyTorch's name; tensor bounds go through maximum/minimum)."""

    __slots__ = ("mask",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_where_or_zero(self.mask, g),)


def clamp(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch names
    """Limit the elements of ``a`` to the range ``[min, max]``, as ``torch.clamp``.

    Either bound may be None (no limit on that side). Number bounds give one op whose gradient passes where
    ``min < a < max`` and is zero at or beyond a bound; Tensor bounds broadcast and go through ``maximum`` and
    ``minimum`` (so their gradient rule applies, half at ties). ``min > max`` gives ``max`` everywhere, as in
    PyTorch. A float bound promotes an integer ``a`` to the default float dtype.

    Args:
        a: the input tensor.
        min: lower bound, a number or a Tensor (default None).
        max: upper bound, a number or a Tensor (default None).

    Returns:
        A new Tensor holding the clamped values.

    Raises:
        RuntimeError: both ``min`` and ``max`` are None.
        TypeError: a bound is neither a number nor a Tensor.
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, (int, float)) and not hasattr(bound, "__float__"):
            raise TypeError(f"clamp(): argument '{name}' must be Number or Tensor, not {type(bound).__name__}")
    xp = a._backend.xp
    x = a._storage.array
    if isinstance(min, float) or isinstance(max, float):
        x = _float_array(a, "clamp")
    # PyTorch applies min then max, so min > max gives max everywhere (array-api-strict refuses)
    low = max if min is not None and max is not None and min > max else min
    try:
        out = xp.clip(x, low, max)
    except Exception as exc:
        raise op_error("clamp", exc, a, min, max) from None
    if GRAD_MODE.enabled and a._rg:
        node = ClampBackward1((a,))
        mask = xp.ones(x.shape, dtype=a._backend.dtypes["bool"])
        if min is not None:
            mask = xp.logical_and(mask, xp.greater(x, min))
        if max is not None:
            mask = xp.logical_and(mask, xp.less(x, max))
        node.mask = mask
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


clip = clamp


def square(a: Tensor) -> Tensor:
    """Compute ``a * a`` elementwise, as ``torch.square``.

    Args:
        a: the input tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.
    """
    return mul(a, a)


def softplus(a: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Compute the softplus ``log(1 + exp(beta * a)) / beta`` elementwise, as ``torch.nn.functional.softplus``.

    Computed in a form that never overflows; where ``beta * a > threshold`` the input is returned unchanged
    (the function is linear there).

    Args:
        a: the input tensor, of a floating dtype.
        beta: scale of the input inside the exponential (default 1.0).
        threshold: above this value of ``beta * a`` the result is ``a`` itself (default 20.0).

    Returns:
        A new Tensor of the shape and dtype of ``a``.

    Raises:
        NotImplementedError: ``a`` is not a floating point tensor.
    """
    if a._storage.array.dtype not in a._backend.float_dtypes:
        raise NotImplementedError(f"softplus: not implemented for {a.dtype}; pass a floating point tensor")
    scaled = mul(a, beta) if beta != 1.0 else a
    # log1p(exp(-|z|)) + max(z, 0) never overflows; maximum's tie rule gives sigmoid(0) = 0.5 at 0
    soft = add(log1p(exp(neg(abs(scaled)))), maximum(scaled, 0.0))
    soft = div(soft, beta) if beta != 1.0 else soft
    return where(scaled > threshold, a, soft)
