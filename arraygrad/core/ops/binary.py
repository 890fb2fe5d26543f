"""Binary arithmetic (add, sub, mul, div, pow, floor_divide, remainder, fmod, maximum, minimum) and
``where``, each with its backward node."""

from __future__ import annotations

from typing import Any

from arraygrad.core import dtypes, tracing
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.ops._helpers import (
    Scalar,
    _backend_mismatch,
    _inputs,
    _needs_grad,
    _operands,
    _promote_pair,
    _saved_output,
    _scalar_pair,
    _wrap,
    op_error,
    sum_to,
)
from arraygrad.core.tensor import Tensor

__all__ = [
    "AddBackward0", "add", "SubBackward0", "sub", "MulBackward0", "mul", "DivBackward0", "div", "promote_types_of",
    "PowBackward0", "pow", "floor_divide", "RemainderBackward0", "remainder", "fmod", "rsub", "rdiv", "rpow",
    "MaximumBackward0", "maximum", "minimum", "WhereBackward0", "MaskedFillBackward0", "where",
]


# ---------------------------------------------------------------------- binary arithmetic


class AddBackward0(Node):
    __slots__ = ("shapes", "alpha")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        sa, sb = self.shapes
        ga = sum_to(g, sa) if self.needs(0) else None
        if sb is None:
            return (ga,)
        gb = None
        if self.needs(1):
            gb = sum_to(g if self.alpha == 1 else mul(g, self.alpha), sb)
        return ga, gb


def add(a: Tensor, b: Any, *, alpha: Scalar = 1) -> Tensor:
    """Add ``alpha * b`` to ``a`` elementwise with broadcasting, as ``torch.add``.

    The result dtype follows PyTorch's type promotion; a Python number ``b`` does not widen a float tensor.

    Args:
        a: the input tensor.
        b: a Tensor or Python number added to ``a``.
        alpha: multiplier applied to ``b`` before adding (default 1).

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding ``a + alpha * b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    x, y, bt = _operands("add", a, b)
    xp = a._backend.xp
    try:
        out = xp.add(x, y if alpha == 1 else xp.multiply(y, alpha))
    except Exception as exc:
        raise op_error("add", exc, a, b) from None
    if _needs_grad(a, bt):
        node = AddBackward0(_inputs(a, bt))
        node.shapes = (x.shape, y.shape if bt is not None else None)
        node.alpha = alpha
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


class SubBackward0(Node):
    __slots__ = ("shapes", "alpha")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        sa, sb = self.shapes
        ga = sum_to(g, sa) if self.needs(0) else None
        if sb is None:
            return (ga,)
        gb = sum_to(neg(g) if self.alpha == 1 else mul(g, -self.alpha), sb) if self.needs(1) else None
        return ga, gb


def sub(a: Tensor, b: Any, *, alpha: Scalar = 1) -> Tensor:
    """Subtract ``alpha * b`` from ``a`` elementwise with broadcasting, as ``torch.sub``.

    Args:
        a: the input tensor.
        b: a Tensor or Python number subtracted from ``a``.
        alpha: multiplier applied to ``b`` before subtracting (default 1).

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding ``a - alpha * b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    x, y, bt = _operands("sub", a, b)
    xp = a._backend.xp
    try:
        out = xp.subtract(x, y if alpha == 1 else xp.multiply(y, alpha))
    except Exception as exc:
        raise op_error("sub", exc, a, b) from None
    if _needs_grad(a, bt):
        node = SubBackward0(_inputs(a, bt))
        node.shapes = (x.shape, y.shape if bt is not None else None)
        node.alpha = alpha
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


class MulBackward0(Node):
    __slots__ = ("shapes",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        a, b = self.saved_tensors
        if len(self.next) == 1:
            return (mul(g, b),)
        ga = sum_to(mul(g, b), self.shapes[0]) if self.needs(0) else None
        gb = sum_to(mul(g, a), self.shapes[1]) if self.needs(1) else None
        return ga, gb


def mul(a: Tensor, b: Any) -> Tensor:
    """Multiply ``a`` and ``b`` elementwise with broadcasting, as ``torch.mul``.

    Args:
        a: the input tensor.
        b: a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding ``a * b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    x, y, bt = _operands("mul", a, b)
    try:
        out = a._backend.xp.multiply(x, y)
    except Exception as exc:
        raise op_error("mul", exc, a, b) from None
    if _needs_grad(a, bt):
        node = MulBackward0(_inputs(a, bt))
        # save only what the needed gradients use, so an in-place change of an operand whose
        # gradient is not needed (d += d * 2) does not invalidate the graph
        if bt is None:
            node.save(None, b)
        else:
            node.save(a if bt._rg else None, b if a._rg else None)
            node.shapes = (x.shape, y.shape)
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


class DivBackward0(Node):
    __slots__ = ("shapes",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        a, b = self.saved_tensors
        if len(self.next) == 1:
            return (div(g, b),)
        ga = sum_to(div(g, b), self.shapes[0]) if self.needs(0) else None
        gb = sum_to(neg(div(mul(g, a), mul(b, b))), self.shapes[1]) if self.needs(1) else None
        return ga, gb


def div(a: Tensor, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """Divide ``a`` by ``b`` elementwise with broadcasting, as ``torch.div``.

    Without ``rounding_mode`` this is true division: integer and bool inputs are promoted to the default
    float dtype first. ``rounding_mode='floor'`` rounds the quotient down and ``'trunc'`` towards zero; both keep
    integer dtypes (exactly, with no detour through floats) and are not differentiable.

    Args:
        a: the dividend tensor.
        b: the divisor, a Tensor or Python number.
        rounding_mode: None, ``'floor'`` or ``'trunc'`` (default None).

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding the (rounded) quotient.

    Raises:
        RuntimeError: ``rounding_mode`` is not one of None, ``'floor'``, ``'trunc'``; a rounded integer division
            by zero (as PyTorch on the CPU); the shapes do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return floor_divide(a, b)
        if rounding_mode == "trunc":
            return _trunc_divide(a, b)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}")
    x, y, bt = _operands("div", a, b)
    backend = a._backend
    if x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        fdt = backend.native_dtype(dtypes.get_default_dtype().name)
        x = backend.xp.astype(x, fdt)
        if bt is not None:
            y = backend.xp.astype(y, fdt)
    try:
        out = backend.xp.divide(x, y)
    except Exception as exc:
        raise op_error("div", exc, a, b) from None
    if _needs_grad(a, bt):
        node = DivBackward0(_inputs(a, bt))
        node.save(a if bt is not None and bt._rg else None, b)
        node.shapes = (x.shape, y.shape if bt is not None else None)
        return _wrap(out, backend, node)
    return _wrap(out, backend)


def promote_types_of(a: Tensor, b: Any) -> dtypes.dtype:
    if isinstance(b, Tensor):
        return dtypes.promote(a.dtype, b.dtype)
    return a.dtype


class PowBackward0(Node):
    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        a, b, y = self.saved_tensors
        if not isinstance(b, Tensor):
            if b == 0:
                return (mul(g, 0.0),)
            return (mul(mul(g, b), pow(a, b - 1)),)
        y = _saved_output(self, y)
        ga = sum_to(mul(mul(g, b), pow(a, sub(b, 1))), a.shape) if self.needs(0) else None
        gb = None
        if self.needs(1):
            positive = a._storage.array > 0
            safe_log = log(where(_wrap(positive, a._backend), a, 1.0))
            gb = sum_to(where(_wrap(positive, a._backend), mul(mul(g, y), safe_log), 0.0), b.shape)
        return ga, gb


def pow(a: Tensor, b: Any) -> Tensor:  # noqa: A001 - PyTorch name
    """Raise ``a`` to the power ``b`` elementwise with broadcasting, as ``torch.pow``.

    The gradient with respect to a tensor exponent ``b`` is ``a ** b * log(a)`` where ``a > 0`` and 0 elsewhere.
    Under CUDA ``autocast`` a reduced-precision input is computed in float32.

    Args:
        a: the base tensor.
        b: the exponent, a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding ``a ** b``.

    Raises:
        RuntimeError: an integer tensor is raised to a negative integer power; the shapes do not broadcast, or
            ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    if AUTOCAST.active:
        a, b = autocast_args("pow", a, b)
    x, y, bt = _operands("pow", a, b)
    try:
        out = a._backend.xp.pow(x, y)
    except Exception as exc:
        # numpy says ValueError, jax TypeError; PyTorch says RuntimeError
        if isinstance(exc, (ValueError, TypeError)) and x.dtype in a._backend.int_dtypes and "negative" in str(exc):
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.") from None
        raise op_error("pow", exc, a, b) from None
    if _needs_grad(a, bt):
        node = PowBackward0(_inputs(a, bt))
        res = _wrap(out, a._backend, node)
        node.save(a, b, Tensor._alias(res._storage, a._backend))
        return res
    return _wrap(out, a._backend)


def _check_integer_divisor(op: str, x: Any, y: Any, backend: Any) -> None:
    """PyTorch raises for an integer division by zero, where numpy and array-api-strict give 0
    and jax -1 or -2; floats divide to inf/nan as usual. Only integer operands pay for the test
    (one reduction: a host sync on jax)."""
    if x.dtype in backend.float_dtypes or x.dtype in backend.complex_dtypes or x.dtype == backend.dtypes["bool"]:
        return
    def fail() -> None:
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")

    if not hasattr(y, "shape"):
        if y == 0:
            fail()
        return
    zero = backend.xp.any(backend.xp.equal(y, 0))
    if backend.is_traced(zero):  # inside ag.compile: checked on the host after the program ran
        tracing.check_later(zero, (), fail)
    elif bool(zero):
        fail()


def floor_divide(a: Tensor, b: Any) -> Tensor:
    """Divide ``a`` by ``b`` elementwise and round down, as ``torch.floor_divide`` (not differentiable).

    Integer inputs stay integers; the result equals Python's ``//``.

    Args:
        a: the dividend tensor.
        b: the divisor, a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding ``floor(a / b)``.

    Raises:
        RuntimeError: an integer division by zero (as PyTorch on the CPU); the shapes do not broadcast, or ``b``
            is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    x, y, _ = _operands("floor_divide", a, b)
    _check_integer_divisor("floor_divide", x, y, a._backend)
    try:
        return _wrap(a._backend.xp.floor_divide(x, y), a._backend)
    except Exception as exc:
        raise op_error("floor_divide", exc, a, b) from None


def _trunc_divide(a: Tensor, b: Any) -> Tensor:
    """``div(a, b, rounding_mode='trunc')``: exact for integers (no detour through floats, which
    would lose large int64 values), ``trunc(a / b)`` otherwise."""
    x, y, _ = _operands("div", a, b)
    backend = a._backend
    if x.dtype in backend.float_dtypes or x.dtype in backend.complex_dtypes or x.dtype == backend.dtypes["bool"]:
        return trunc(div(a, b)).to(promote_types_of(a, b))
    _check_integer_divisor("div", x, y, backend)
    xp = backend.xp
    if not hasattr(y, "shape"):
        y = xp.asarray(y, dtype=x.dtype)
    try:
        q = xp.floor_divide(x, y)
        # floor and trunc differ where the division is inexact and the signs differ
        inexact = xp.not_equal(xp.multiply(q, y), x)
        signs_differ = xp.not_equal(xp.less(x, 0), xp.less(y, 0))
        q = xp.where(xp.logical_and(inexact, signs_differ), xp.add(q, xp.asarray(1, dtype=q.dtype)), q)
    except Exception as exc:
        raise op_error("div", exc, a, b) from None
    return _wrap(q, backend)


class RemainderBackward0(Node):
    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        a, b = self.saved_tensors
        ga = sum_to(g, a.shape) if self.needs(0) else None
        if not isinstance(b, Tensor):
            return (ga,)
        gb = sum_to(mul(neg(g), floor_divide(a.detach(), b.detach())), b.shape) if self.needs(1) else None
        return ga, gb


def remainder(a: Tensor, b: Any) -> Tensor:
    """Compute ``a - floor(a / b) * b`` elementwise, as ``torch.remainder``.

    The result has the sign of the divisor, like Python's ``%``. The gradient is ``1`` for ``a`` and
    ``-floor(a / b)`` for a tensor ``b``.

    Args:
        a: the dividend tensor.
        b: the divisor, a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding the remainder.

    Raises:
        RuntimeError: an integer division by zero (as PyTorch on the CPU); the shapes do not broadcast, or ``b``
            is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    x, y, bt = _operands("remainder", a, b)
    _check_integer_divisor("remainder", x, y, a._backend)
    try:
        out = a._backend.xp.remainder(x, y)
    except Exception as exc:
        raise op_error("remainder", exc, a, b) from None
    if _needs_grad(a, bt):
        node = RemainderBackward0(_inputs(a, bt))
        node.save(a, b)
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


def fmod(a: Tensor, b: Any) -> Tensor:
    """Compute the C-style remainder ``a - trunc(a / b) * b`` elementwise, as ``torch.fmod``.

    The result has the sign of the dividend ``a`` (unlike ``remainder``, which takes the divisor's).

    Args:
        a: the dividend tensor.
        b: the divisor, a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b`` holding the remainder.

    Raises:
        RuntimeError: an integer division by zero (as PyTorch on the CPU); the shapes do not broadcast, or ``b``
            is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    x, y, _ = _operands("fmod", a, b)
    _check_integer_divisor("fmod", x, y, a._backend)
    r = remainder(a, b)
    # remainder has the divisor's sign; where that differs from the dividend's, shift by b
    xp = a._backend.xp
    ra, aa = r._storage.array, _operands("fmod", a, b)[0]
    fix = xp.logical_and(xp.not_equal(ra, 0), xp.not_equal(xp.less(ra, 0), xp.less(aa, 0)))
    return where(_wrap(fix, a._backend), sub(r, b), r)


def rsub(a: Tensor, b: Any) -> Tensor:
    """``b - a``."""
    return sub(_as_operand(b, a), a)


def rdiv(a: Tensor, b: Any) -> Tensor:
    """``b / a``."""
    return div(_as_operand(b, a), a)


def rpow(a: Tensor, b: Any) -> Tensor:
    """``b ** a``."""
    return pow(_as_operand(b, a), a)


def _as_operand(value: Any, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    x, s = _scalar_pair(like, value)
    backend = like._backend
    dt = x.dtype
    if isinstance(value, float) and dt not in backend.float_dtypes:
        dt = backend.native_dtype(dtypes.get_default_dtype().name)
    return _wrap(backend.xp.asarray(s, dtype=dt), backend)


class MaximumBackward0(Node):
    __slots__ = ("pick_a",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        a, b = self.saved_tensors
        xp = g._backend.xp
        x, y = _promote_pair("maximum", a, b)
        first = xp.greater(x, y) if self.pick_a else xp.less(x, y)
        # ties share the gradient equally, as in PyTorch
        dt = g._storage.array.dtype
        half = xp.where(xp.equal(x, y), xp.asarray(0.5, dtype=dt), xp.asarray(0.0, dtype=dt))
        wa = _wrap(xp.where(first, xp.asarray(1.0, dtype=dt), half), g._backend)
        ga = sum_to(mul(g, wa), a.shape) if self.needs(0) else None
        gb = sum_to(mul(g, rsub(wa, 1.0)), b.shape) if self.needs(1) else None
        return ga, gb


def _extremum(op: str, a: Tensor, b: Any, pick_a: bool) -> Tensor:
    b = _as_operand(b, a)
    x, y, bt = _operands(op, a, b)
    xp = a._backend.xp
    try:
        out = xp.maximum(x, y) if pick_a else xp.minimum(x, y)
    except Exception as exc:
        raise op_error(op, exc, a, b) from None
    if _needs_grad(a, bt):
        node = MaximumBackward0(_inputs(a, bt))
        node.save(a, b)
        node.pick_a = pick_a
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


def maximum(a: Tensor, b: Any) -> Tensor:
    """Take the larger of ``a`` and ``b`` elementwise with broadcasting, as ``torch.maximum``.

    Where the two are equal each input receives half of the gradient.

    Args:
        a: the first tensor.
        b: the second operand, a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _extremum("maximum", a, b, True)


def minimum(a: Tensor, b: Any) -> Tensor:
    """Take the smaller of ``a`` and ``b`` elementwise with broadcasting, as ``torch.minimum``.

    Where the two are equal each input receives half of the gradient.

    Args:
        a: the first tensor.
        b: the second operand, a Tensor or Python number.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _extremum("minimum", a, b, False)


class WhereBackward0(Node):
    __slots__ = ("cond", "shapes")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        cond = _wrap(self.cond, g._backend)
        out: list[Any] = []
        for i, shape in enumerate(self.shapes):
            if shape is None:
                continue
            if not self.needs(len(out)):
                out.append(None)
                continue
            picked = where(cond, g, 0.0) if i == 0 else where(cond, 0.0, g)
            out.append(sum_to(picked, shape))
        return tuple(out)


class MaskedFillBackward0(WhereBackward0):
    """PyTorch's name for the node of ``masked_fill`` (a ``where`` with a number)."""

    __slots__ = ()


def where(condition: Tensor, input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch name
    """Pick elements of ``input`` where ``condition`` is true and of ``other`` elsewhere, as ``torch.where``.

    The three operands broadcast together; the gradient flows to ``input`` where ``condition`` holds and to
    ``other`` elsewhere. A deprecated uint8 ``condition`` is accepted as PyTorch does.

    Args:
        condition: a bool (or uint8) Tensor.
        input: a Tensor or Python number taken where ``condition`` is true.
        other: a Tensor or Python number taken where ``condition`` is false.

    Returns:
        A new Tensor of the broadcast shape, with the promoted dtype of ``input`` and ``other``.

    Raises:
        TypeError: ``condition`` is not a Tensor, or ``input`` and ``other`` are both non-Tensors and one of them
            is not a number.
        RuntimeError: ``condition`` has a dtype other than bool or uint8; the shapes do not broadcast, or a
            Tensor operand is on another backend.

    Example:
        >>> import arraygrad as ag
        >>> ag.where(ag.tensor([True, False, True]), ag.tensor([1.0, 2.0, 3.0]), 0.0)
        tensor([1., 0., 3.])
    """
    if not isinstance(condition, Tensor):
        raise TypeError("where: condition must be a bool Tensor")
    backend = condition._backend
    xp = backend.xp
    cond = condition._storage.array
    if cond.dtype != backend.dtypes["bool"]:
        # PyTorch still takes (deprecated) uint8 masks and refuses every other dtype
        if condition.dtype is not dtypes.uint8:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}"
            )
        cond = xp.astype(cond, backend.dtypes["bool"])
    ref = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else None
    if ref is None:
        for name, value in (("input", input), ("other", other)):
            if not isinstance(value, (bool, int, float, complex)):
                raise TypeError(f"where(): argument '{name}' must be Tensor or Number, not {type(value).__name__}")
        dt = dtypes.get_default_dtype() if isinstance(input, float) or isinstance(other, float) else dtypes.int64
        ref = _wrap(xp.asarray(input, dtype=backend.native_dtype(dt.name)), backend)
        input = ref
    for t in (input, other):
        if isinstance(t, Tensor) and t._backend is not backend:
            raise _backend_mismatch("where", condition, t)
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        x, y = _promote_pair("where", input, other)
    elif isinstance(input, Tensor):
        x, y = _scalar_pair(input, other)
    else:
        y, x = _scalar_pair(other, input)
    try:
        out = xp.where(cond, x, y)
    except Exception as exc:
        raise op_error("where", exc, condition, input, other) from None
    tensors = tuple(t for t in (input, other) if isinstance(t, Tensor))
    if GRAD_MODE.enabled and True in [t._rg for t in tensors]:  # NOTE: any/all/sum/max here are Tensor ops
        node = WhereBackward0(tensors)
        node.cond = cond
        node.shapes = tuple(tuple(t.shape) if isinstance(t, Tensor) else None for t in (input, other))
        return _wrap(out, backend, node)
    return _wrap(out, backend)


# used above; imported at the end, as unary imports this module
from arraygrad.core.ops.unary import log, neg, trunc  # noqa: E402
