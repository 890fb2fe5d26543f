"""Differentiable elementwise ops, reductions and matmul.

Each primitive is a function computing the forward result with the backend's array API
namespace and, when a gradient is needed, a ``Node`` subclass right above it holding the
backward formula (written with Tensor ops, so higher-order gradients work). Composite ops
(softmax, var, logsumexp...) are written with primitives and need no backward of their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import dtypes, tracing
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor, _dim

_wrap = Tensor._wrap
Scalar = int | float | bool


# ---------------------------------------------------------------------- helpers


def op_error(op: str, exc: Exception, *tensors: Any) -> Exception:
    """A clear error for a failed backend call: names the op, the shapes and dtypes involved.

    Shapes that do not broadcast get PyTorch's RuntimeError whatever the backend said (numpy,
    jax and array-api-strict each word and type it differently); this runs only once the
    backend has failed, so the success path pays nothing for it."""
    mismatch = broadcast_mismatch([t._storage.array.shape for t in tensors if isinstance(t, Tensor)])
    if mismatch is not None:
        return RuntimeError(f"{op}: {mismatch}")
    described = ", ".join(
        f"{tuple(t._storage.array.shape)} {t.dtype}" if isinstance(t, Tensor) else repr(t) for t in tensors
    )
    cls = exc.__class__ if isinstance(exc, (ValueError, TypeError, IndexError)) else RuntimeError
    return cls(f"{op}: invalid arguments ({described}): {exc}")


def broadcast_mismatch(shapes: Sequence[Sequence[int]]) -> str | None:
    """PyTorch's message for the first pair of ``shapes`` that cannot broadcast, or None when all
    of them broadcast together (sizes compared from the last dimension, as PyTorch does)."""
    if len(shapes) < 2:
        return None
    result = tuple(shapes[0])
    for shape in shapes[1:]:
        shape = tuple(shape)
        ndim = len(result) if len(result) > len(shape) else len(shape)
        a = (1,) * (ndim - len(result)) + result
        b = (1,) * (ndim - len(shape)) + shape
        for i in range(ndim - 1, -1, -1):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                return (f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at non-singleton "
                        f"dimension {i}")
        result = tuple(y if x == 1 else x for x, y in zip(a, b))
    return None


def _backend_mismatch(op: str, a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(
        f"{op}: expected all tensors on the same backend, but found {a._backend.name!r} and "
        f"{b._backend.name!r}; move one with .to({a._backend.name!r})"
    )


def _promote_pair(op: str, a: Tensor, b: Tensor) -> tuple[Any, Any]:
    """Arrays of ``a`` and ``b`` cast to their common dtype (PyTorch's rules)."""
    x, y = a._storage.array, b._storage.array
    if x.dtype == y.dtype:
        return x, y
    da, db = a.dtype, b.dtype
    if (x.ndim == 0) != (y.ndim == 0):
        # PyTorch: a 0-d tensor decides the dtype only when it is of a higher category
        # (float 0-d with an int tensor); otherwise the dimensioned tensor's dtype wins
        zero, dim = (da, db) if x.ndim == 0 else (db, da)
        result = zero if dtypes.category(zero) > dtypes.category(dim) else dim
    else:
        result = dtypes.promote(da, db)
    common = a._backend.native_dtype(result.name)
    xp = a._backend.xp
    if x.dtype != common:
        x = xp.astype(x, common)
    if y.dtype != common:
        y = xp.astype(y, common)
    return x, y


def _scalar_pair(a: Tensor, s: Any) -> tuple[Any, Any]:
    """``a``'s array (cast when a Python scalar of a higher kind demands it) and the scalar."""
    x = a._storage.array
    backend = a._backend
    if isinstance(s, bool):
        return x, s
    if isinstance(s, int):
        if x.dtype == backend.dtypes["bool"]:
            x = backend.xp.astype(x, backend.native_dtype("int64"))
        return x, s
    if isinstance(s, float):
        if x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
            x = backend.xp.astype(x, backend.native_dtype(dtypes.get_default_dtype().name))
        return x, s
    if isinstance(s, complex):
        return x, s
    if hasattr(s, "dtype") and hasattr(s, "shape") and not isinstance(s, Tensor):
        raise TypeError(
            f"cannot combine an arraygrad Tensor with a {type(s).__module__}.{type(s).__name__}; "
            "wrap it with arraygrad.tensor(...) or arraygrad.from_numpy(...) first"
        )
    raise TypeError(f"unsupported operand type {type(s).__name__!r} for a Tensor op")


def _scalar_in_kind(a: Tensor, s: Any) -> Any:
    """A fill value converted to the kind of ``a``'s dtype, as PyTorch converts it: bool for a bool
    ``a``, a finite float truncated for an integer one (0.7 -> 0); anything else unchanged."""
    if a.dtype is dtypes.bool_:
        return bool(s)
    if not (a.dtype.is_floating_point or a.dtype.is_complex) and isinstance(s, float) and math.isfinite(s):
        return int(s)
    return s


def _operands(op: str, a: Tensor, b: Any) -> tuple[Any, Any, Tensor | None]:
    if isinstance(b, Tensor):
        if b._backend is not a._backend:
            raise _backend_mismatch(op, a, b)
        x, y = _promote_pair(op, a, b)
        return x, y, b
    x, y = _scalar_pair(a, b)
    return x, y, None


def _needs_grad(a: Tensor, b: Tensor | None = None) -> bool:
    return GRAD_MODE.enabled and (a._rg or (b is not None and b._rg))


def _inputs(a: Tensor, b: Tensor | None) -> tuple[Tensor, ...]:
    return (a,) if b is None else (a, b)


def sum_to(g: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``g`` over the axes that broadcasting added or stretched, giving ``shape``."""
    shape = tuple(shape)
    gshape = tuple(g._storage.array.shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    out = sum(g, axes, keepdim=True) if axes else g
    return reshape(out, shape) if tuple(out._storage.array.shape) != shape else out


def _saved_output(node: Node, y: Tensor) -> Tensor:
    """The saved output of ``node`` for use in its backward: when the backward itself is
    being recorded (create_graph), it must be connected to ``node`` again."""
    if GRAD_MODE.enabled:
        t = Tensor._alias(y._storage, y._backend)
        t.grad_fn = node
        t._rg = True
        return t
    return y


def _make_output(out: Any, a: Tensor, node_cls: type[Node] | None, b: Tensor | None = None) -> Tensor:
    if node_cls is not None and _needs_grad(a, b):
        return _wrap(out, a._backend, node_cls(_inputs(a, b)))
    return _wrap(out, a._backend)


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


# ---------------------------------------------------------------------- comparisons (no grad)


def _compare(name: str, a: Tensor, b: Any) -> Tensor:
    x, y, _ = _operands(name, a, b)
    try:
        return _wrap(getattr(a._backend.xp, name)(x, y), a._backend)
    except Exception as exc:
        raise op_error(name, exc, a, b) from None


def eq(a: Tensor, b: Any) -> Tensor:
    """Compare ``a == b`` elementwise with broadcasting, as ``torch.eq`` (not differentiable).

    The operands are first promoted to their common dtype.

    Args:
        a: the first tensor.
        b: a Tensor or Python number to compare with.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _compare("equal", a, b)


def ne(a: Tensor, b: Any) -> Tensor:
    """Compare ``a != b`` elementwise with broadcasting, as ``torch.ne`` (not differentiable).

    The operands are first promoted to their common dtype.

    Args:
        a: the first tensor.
        b: a Tensor or Python number to compare with.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _compare("not_equal", a, b)


def lt(a: Tensor, b: Any) -> Tensor:
    """Compare ``a < b`` elementwise with broadcasting, as ``torch.lt`` (not differentiable).

    The operands are first promoted to their common dtype.

    Args:
        a: the first tensor.
        b: a Tensor or Python number to compare with.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _compare("less", a, b)


def le(a: Tensor, b: Any) -> Tensor:
    """Compare ``a <= b`` elementwise with broadcasting, as ``torch.le`` (not differentiable).

    The operands are first promoted to their common dtype.

    Args:
        a: the first tensor.
        b: a Tensor or Python number to compare with.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _compare("less_equal", a, b)


def gt(a: Tensor, b: Any) -> Tensor:
    """Compare ``a > b`` elementwise with broadcasting, as ``torch.gt`` (not differentiable).

    The operands are first promoted to their common dtype.

    Args:
        a: the first tensor.
        b: a Tensor or Python number to compare with.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _compare("greater", a, b)


def ge(a: Tensor, b: Any) -> Tensor:
    """Compare ``a >= b`` elementwise with broadcasting, as ``torch.ge`` (not differentiable).

    The operands are first promoted to their common dtype.

    Args:
        a: the first tensor.
        b: a Tensor or Python number to compare with.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _compare("greater_equal", a, b)


def _as_bool(a: Tensor) -> Any:
    x = a._storage.array
    b = a._backend.dtypes["bool"]
    return x if x.dtype == b else a._backend.xp.astype(x, b)


def _logical(name: str, a: Tensor, b: Any) -> Tensor:
    if not isinstance(b, Tensor):
        b = _as_operand(b, a)
    if b._backend is not a._backend:
        raise _backend_mismatch(name, a, b)
    try:
        out = getattr(a._backend.xp, name)(_as_bool(a), _as_bool(b))
    except Exception as exc:
        raise op_error(name, exc, a, b) from None
    return _wrap(out, a._backend)


def logical_and(a: Tensor, b: Tensor) -> Tensor:
    """Compute the elementwise logical AND of ``a`` and ``b``, as ``torch.logical_and``.

    Both operands are read as bool (nonzero is true) and broadcast together.

    Args:
        a: the first tensor.
        b: the second operand, a Tensor or Python number.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _logical("logical_and", a, b)


def logical_or(a: Tensor, b: Tensor) -> Tensor:
    """Compute the elementwise logical OR of ``a`` and ``b``, as ``torch.logical_or``.

    Both operands are read as bool (nonzero is true) and broadcast together.

    Args:
        a: the first tensor.
        b: the second operand, a Tensor or Python number.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _logical("logical_or", a, b)


def logical_xor(a: Tensor, b: Tensor) -> Tensor:
    """Compute the elementwise logical XOR of ``a`` and ``b``, as ``torch.logical_xor``.

    Both operands are read as bool (nonzero is true) and broadcast together.

    Args:
        a: the first tensor.
        b: the second operand, a Tensor or Python number.

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _logical("logical_xor", a, b)


def logical_not(a: Tensor) -> Tensor:
    """Compute the elementwise logical NOT of ``a`` (nonzero is true), as ``torch.logical_not``.

    Args:
        a: the input tensor.

    Returns:
        A new bool Tensor of the shape of ``a``, true where ``a`` is zero.
    """
    return _wrap(a._backend.xp.logical_not(_as_bool(a)), a._backend)


def _integer_only(name: str, x: Any, backend: Any) -> None:
    """PyTorch's error for a bitwise op on floating or complex values (the backends raise
    TypeErrors of their own wording)."""
    if x.dtype in backend.float_dtypes or x.dtype in backend.complex_dtypes:
        raise NotImplementedError(
            f'"{name}" not implemented for \'{backend.dtype_names[x.dtype]}\': it takes integer or bool tensors'
        )


def _bitwise(name: str, a: Tensor, b: Any) -> Tensor:
    x, y, _ = _operands(name, a, b)
    _integer_only(name, x, a._backend)
    kernel = name.replace("bitwise", "logical") if x.dtype == a._backend.dtypes["bool"] else name
    try:
        out = getattr(a._backend.xp, kernel)(x, y)
    except Exception as exc:
        raise op_error(name, exc, a, b) from None
    return _wrap(out, a._backend)


def bitwise_and(a: Tensor, b: Any) -> Tensor:
    """Compute the elementwise bitwise AND of ``a`` and ``b``, as ``torch.bitwise_and``.

    The operands are promoted to their common dtype and broadcast; on bool tensors this is the logical AND.

    Args:
        a: an integer or bool tensor.
        b: an integer or bool Tensor, or a Python int or bool.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b``, of their common dtype.

    Raises:
        NotImplementedError: the operands are (or promote to) a floating or complex dtype.
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _bitwise("bitwise_and", a, b)


def bitwise_or(a: Tensor, b: Any) -> Tensor:
    """Compute the elementwise bitwise OR of ``a`` and ``b``, as ``torch.bitwise_or``.

    The operands are promoted to their common dtype and broadcast; on bool tensors this is the logical OR.

    Args:
        a: an integer or bool tensor.
        b: an integer or bool Tensor, or a Python int or bool.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b``, of their common dtype.

    Raises:
        NotImplementedError: the operands are (or promote to) a floating or complex dtype.
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _bitwise("bitwise_or", a, b)


def bitwise_xor(a: Tensor, b: Any) -> Tensor:
    """Compute the elementwise bitwise XOR of ``a`` and ``b``, as ``torch.bitwise_xor``.

    The operands are promoted to their common dtype and broadcast; on bool tensors this is the logical XOR.

    Args:
        a: an integer or bool tensor.
        b: an integer or bool Tensor, or a Python int or bool.

    Returns:
        A new Tensor of the broadcast shape of ``a`` and ``b``, of their common dtype.

    Raises:
        NotImplementedError: the operands are (or promote to) a floating or complex dtype.
        RuntimeError: the shapes of ``a`` and ``b`` do not broadcast, or ``b`` is a Tensor on another backend.
        TypeError: ``b`` is neither a Tensor nor a Python number.
    """
    return _bitwise("bitwise_xor", a, b)


def bitwise_not(a: Tensor) -> Tensor:
    """Invert the bits of ``a`` elementwise, as ``torch.bitwise_not``; a bool tensor is negated logically.

    Args:
        a: an integer or bool tensor.

    Returns:
        A new Tensor of the shape and dtype of ``a``.

    Raises:
        NotImplementedError: ``a`` has a floating or complex dtype.
    """
    xp = a._backend.xp
    x = a._storage.array
    _integer_only("bitwise_not", x, a._backend)
    return _wrap(xp.logical_not(x) if x.dtype == a._backend.dtypes["bool"] else xp.bitwise_invert(x), a._backend)


def isnan(a: Tensor) -> Tensor:
    """Test elementwise whether ``a`` is nan, as ``torch.isnan``.

    Args:
        a: the input tensor.

    Returns:
        A new bool Tensor of the shape of ``a``.
    """
    return _wrap(a._backend.xp.isnan(a._storage.array), a._backend)


def isinf(a: Tensor) -> Tensor:
    """Test elementwise whether ``a`` is positive or negative infinity, as ``torch.isinf``.

    Args:
        a: the input tensor.

    Returns:
        A new bool Tensor of the shape of ``a``.
    """
    return _wrap(a._backend.xp.isinf(a._storage.array), a._backend)


def isfinite(a: Tensor) -> Tensor:
    """Test elementwise whether ``a`` is finite (neither nan nor infinite), as ``torch.isfinite``.

    Args:
        a: the input tensor.

    Returns:
        A new bool Tensor of the shape of ``a``.
    """
    return _wrap(a._backend.xp.isfinite(a._storage.array), a._backend)


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """Tell whether every element of ``a`` is close to the matching one of ``b``, as ``torch.allclose``.

    Elements are close when ``|a - b| <= atol + rtol * |b|``, when they are equal (so equal infinities are
    close), or when both are nan and ``equal_nan`` is true.

    Args:
        a: the first tensor.
        b: the tensor to compare with, of the same dtype as ``a``; it broadcasts with ``a``.
        rtol: relative tolerance, multiplied by ``|b|`` (default 1e-5).
        atol: absolute tolerance (default 1e-8).
        equal_nan: count two nan values as close (default False).

    Returns:
        A Python bool.

    Raises:
        RuntimeError: ``a`` and ``b`` have different dtypes (PyTorch does not promote here), their shapes do not
            broadcast, or ``b`` is a Tensor on another backend.
    """
    return bool(isclose(a, b, rtol, atol, equal_nan).all())


def isclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """Test elementwise whether ``a`` is close to ``b``, as ``torch.isclose``.

    Elements are close when ``|a - b| <= atol + rtol * |b|``, when they are equal (so equal infinities are
    close), or when both are nan and ``equal_nan`` is true.

    Args:
        a: the first tensor.
        b: the tensor to compare with, of the same dtype as ``a``; it broadcasts with ``a``.
        rtol: relative tolerance, multiplied by ``|b|`` (default 1e-5).
        atol: absolute tolerance (default 1e-8).
        equal_nan: count two nan values as close (default False).

    Returns:
        A new bool Tensor of the broadcast shape of ``a`` and ``b``.

    Raises:
        RuntimeError: ``a`` and ``b`` have different dtypes (PyTorch does not promote here), their shapes do not
            broadcast, or ``b`` is a Tensor on another backend.
    """
    if isinstance(b, Tensor) and b._backend is a._backend and b._storage.array.dtype != a._storage.array.dtype:
        raise RuntimeError(f"isclose: {a.dtype} did not match {b.dtype}")
    x, y, _ = _operands("isclose", a, b)
    xp = a._backend.xp
    try:
        diff = xp.subtract(x, y)
    except Exception as exc:
        raise op_error("isclose", exc, a, b) from None
    close = xp.less_equal(xp.abs(diff), xp.add(atol, xp.multiply(rtol, xp.abs(y))))
    close = xp.logical_or(close, xp.equal(x, y))
    if equal_nan:
        close = xp.logical_or(close, xp.logical_and(xp.isnan(x), xp.isnan(y)))
    return _wrap(close, a._backend)


def equal(a: Tensor, b: Tensor) -> bool:
    """Tell whether ``a`` and ``b`` have the same shape and the same elements, as ``torch.equal``.

    Values are compared after type promotion, so ``1`` and ``1.0`` are equal; nan never equals itself.

    Args:
        a: the first tensor.
        b: the second tensor.

    Returns:
        A Python bool; False when the shapes differ.

    Raises:
        RuntimeError: ``a`` and ``b`` are on different backends.
    """
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._backend is not b._backend:
        raise _backend_mismatch("equal", a, b)
    return tuple(a.shape) == tuple(b.shape) and bool(eq(a, b).all())


# ---------------------------------------------------------------------- reductions


def _axes(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    if dim is None:
        return None
    if isinstance(dim, int) or not isinstance(dim, (tuple, list)):
        return (_dim(dim, ndim, op),)  # _dim takes integer-likes and refuses the rest
    axes = tuple(sorted(_dim(d, ndim, op) for d in dim))
    for first, second in zip(axes, axes[1:]):
        if first == second:
            raise RuntimeError(f"{op}: dim {first} appears multiple times in the list of dims")
    return axes


def _expand_reduced(g: Tensor, shape: tuple[int, ...], axes: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """Bring the gradient of a reduction back to the input's shape."""
    if not GRAD_MODE.enabled:  # fast path: no graph to record
        xp = g._backend.xp
        arr = g._storage.array
        if not keepdim:
            arr = xp.reshape(arr, tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape)))
        if math.prod(shape) <= 4096:
            # NOTE: for small results a multiply is several times cheaper than numpy's broadcast_to
            return _wrap(xp.multiply(xp.ones(shape, dtype=arr.dtype), arr), g._backend)
        return _wrap(xp.broadcast_to(arr, shape), g._backend)
    if not keepdim:
        kept = tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
        g = reshape(g, kept)
    return expand(g, shape)


class SumBackward0(Node):
    """Backward of a sum over all dims (``SumBackward1`` below: over given dims, PyTorch's names)."""

    __slots__ = ("shape", "axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_expand_reduced(g, self.shape, self.axes, self.keepdim),)


class SumBackward1(SumBackward0):
    __slots__ = ()


def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum the elements of ``a`` over ``dim``, as ``torch.sum``.

    Integer and bool inputs are summed as int64, as in PyTorch. Under CUDA ``autocast`` (and without ``dtype``)
    a reduced-precision input is summed in float32.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to before summing, which is also the result's (default None).

    Returns:
        A new Tensor of the sums; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    if AUTOCAST.active and dtype is None:
        a = autocast_args("sum", a)
    backend = a._backend
    x = a._storage.array
    axes = _axes(dim, x.ndim, "sum")
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    elif x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        x = backend.xp.astype(x, backend.native_dtype("int64"))
    out = backend.xp.sum(x, axis=axes, keepdims=keepdim)
    if GRAD_MODE.enabled and a._rg:
        node = (SumBackward0 if dim is None else SumBackward1)((a,))
        node.shape, node.axes, node.keepdim = tuple(x.shape), axes, keepdim
        return _wrap(out, backend, node)
    return _wrap(out, backend)


class MeanBackward0(Node):
    __slots__ = ("shape", "axes", "keepdim", "count")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (div(_expand_reduced(g, self.shape, self.axes, self.keepdim), self.count),)


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Average the elements of ``a`` over ``dim``, as ``torch.mean``.

    The mean over no elements is nan, as in PyTorch.

    Args:
        a: the input tensor, of a floating or complex dtype unless ``dtype`` is given.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to before averaging, which is also the result's (default None).

    Returns:
        A new Tensor of the means; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` (cast to ``dtype`` when given) is not of a floating or complex dtype; a dim appears
            more than once.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    backend = a._backend
    x = a._storage.array
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    if x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {a.dtype}"
        )
    axes = _axes(dim, x.ndim, "mean")
    count = math.prod(x.shape) if axes is None else math.prod(x.shape[i] for i in axes)
    if count:
        out = backend.xp.mean(x, axis=axes, keepdims=keepdim)
    else:  # numpy warns on an empty mean; PyTorch returns nan silently
        out = backend.xp.divide(backend.xp.sum(x, axis=axes, keepdims=keepdim), backend.xp.asarray(0, dtype=x.dtype))
    if GRAD_MODE.enabled and a._rg:
        node = (MeanBackward0 if dim is None else MeanBackward1)((a,))
        node.shape, node.axes, node.keepdim, node.count = tuple(x.shape), axes, keepdim, count
        return _wrap(out, backend, node)
    return _wrap(out, backend)


class AmaxBackward0(Node):
    __slots__ = ("axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, y = self.saved_tensors
        xp = g._backend.xp
        shape = tuple(x.shape)
        yk = y._storage.array if self.keepdim else xp.reshape(
            y._storage.array, tuple(1 if self.axes is None or i in self.axes else n for i, n in enumerate(shape))
        )
        hit = xp.astype(xp.equal(x._storage.array, yk), g._storage.array.dtype)
        count = xp.sum(hit, axis=self.axes, keepdims=True)
        # ties share the gradient equally, as PyTorch's amax/amin do
        share = _wrap(xp.divide(hit, count), g._backend)
        return (mul(_expand_reduced(g, shape, self.axes, self.keepdim), share),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


class MaxBackward1(AmaxBackward0):
    """Backward of ``max(a)`` over all elements (PyTorch's name)."""

    __slots__ = ()


class MinBackward1(AmaxBackward0):
    __slots__ = ()


_EXTREMUM_NODES = {"amax": AmaxBackward0, "amin": AminBackward0, "max": MaxBackward1, "min": MinBackward1}


def check_nonempty_reduction(op: str, shape: Sequence[int], axes: Sequence[int] | None,
                              whole: type[Exception] = RuntimeError) -> None:
    """PyTorch's errors for a reduction with no identity (max, argmax, median, mode...) over
    nothing: IndexError for an empty reduced dim; ``whole`` (RuntimeError for max/min/amax/amin,
    IndexError for argmax/argmin) when reducing every dim of an empty tensor. Only shapes are
    read, so it costs nothing on the array."""
    if math.prod(shape) != 0:
        return
    if axes is None:
        raise whole(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
            "with the 'dim' argument."
        )
    for i in axes:
        if shape[i] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {i} to have non-zero size.")


def _amax(a: Tensor, dim: Any, keepdim: bool, largest: bool, op: str) -> Tensor:
    backend = a._backend
    x = a._storage.array
    axes = _axes(dim, x.ndim, op)
    check_nonempty_reduction(op, x.shape, axes)
    out = (backend.xp.max if largest else backend.xp.min)(x, axis=axes, keepdims=keepdim)
    if GRAD_MODE.enabled and a._rg:
        node = _EXTREMUM_NODES[op]((a,))
        node.axes, node.keepdim = axes, keepdim
        res = _wrap(out, backend, node)
        node.save(a, Tensor._alias(res._storage, backend))
        return res
    return _wrap(out, backend)


def amax(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Take the maximum of ``a`` over ``dim``, as ``torch.amax``.

    When several elements reach the maximum, the gradient is shared equally between them.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; ``()`` or None reduces all of them (default ``()``).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the dtype of ``a`` holding the maximum values.

    Raises:
        RuntimeError: all dims of an empty tensor are reduced; a dim appears more than once.
        IndexError: a reduced dim has size 0, or a dim is out of range.
        TypeError: a dim is not an integer.
    """
    return _amax(a, None if dim == () else dim, keepdim, True, "amax")


def amin(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Take the minimum of ``a`` over ``dim``, as ``torch.amin``.

    When several elements reach the minimum, the gradient is shared equally between them.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; ``()`` or None reduces all of them (default ``()``).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the dtype of ``a`` holding the minimum values.

    Raises:
        RuntimeError: all dims of an empty tensor are reduced; a dim appears more than once.
        IndexError: a reduced dim has size 0, or a dim is out of range.
        TypeError: a dim is not an integer.
    """
    return _amax(a, None if dim == () else dim, keepdim, False, "amin")


def argmax(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Return the index of the maximum of ``a``, as ``torch.argmax``.

    With ``dim`` None the index is into the flattened tensor; ties give the first index. Not differentiable.

    Args:
        a: the input tensor (not bool).
        dim: the dim to search along; None searches all elements (default None).
        keepdim: keep the reduced dim with size 1; with ``dim`` None the result has ``a.ndim`` dims of size 1
            (default False).

    Returns:
        A new int64 Tensor of indices.

    Raises:
        RuntimeError: ``a`` is a bool tensor.
        IndexError: the searched elements are empty, or ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    return _argext(a, dim, keepdim, True)


def argmin(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Return the index of the minimum of ``a``, as ``torch.argmin``.

    With ``dim`` None the index is into the flattened tensor; ties give the first index. Not differentiable.

    Args:
        a: the input tensor (not bool).
        dim: the dim to search along; None searches all elements (default None).
        keepdim: keep the reduced dim with size 1; with ``dim`` None the result has ``a.ndim`` dims of size 1
            (default False).

    Returns:
        A new int64 Tensor of indices.

    Raises:
        RuntimeError: ``a`` is a bool tensor.
        IndexError: the searched elements are empty, or ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    return _argext(a, dim, keepdim, False)


def _argext(a: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor:
    backend = a._backend
    xp = backend.xp
    x = a._storage.array
    fn = xp.argmax if largest else xp.argmin
    op = "argmax" if largest else "argmin"
    if x.dtype == backend.dtypes["bool"]:
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        check_nonempty_reduction(op, x.shape, None, IndexError)
        out = fn(xp.reshape(x, (-1,)))
        if keepdim:
            out = xp.reshape(out, (1,) * x.ndim)
    else:
        axis = _dim(dim, x.ndim, op)
        check_nonempty_reduction(op, x.shape, (axis,) if x.ndim else None, IndexError)
        out = fn(x, axis=axis, keepdims=keepdim)
    i64 = backend.native_dtype("int64")
    return _wrap(out if out.dtype == i64 else xp.astype(out, i64), backend)


class _NoDim:
    """Default of max/min's ``dim``: PyTorch has max(a), but max(a, None) is a TypeError."""

    def __repr__(self) -> str:
        return "<no dim>"


_NO_DIM: Any = _NoDim()


def _check_extremum_dim(op: str, dim: Any) -> None:
    if dim is None:
        raise TypeError(f"{op}(): dim must be an int or a Tensor, not None; call {op}(input) for the overall {op}")


def max(a: Tensor, dim: Any = _NO_DIM, keepdim: bool = False) -> Any:  # noqa: A001 - PyTorch name
    """Take the maximum of ``a``: over all elements, along ``dim``, or elementwise, as ``torch.max``.

    ``max(a)`` returns the maximum element as a 0-d Tensor (ties share the gradient). ``max(a, dim)`` returns
    ``(values, indices)`` along ``dim``, a tuple also readable as ``.values`` and ``.indices``; the gradient
    goes to the selected element only. ``max(a, other)`` with a Tensor ``other`` is ``maximum(a, other)``.

    Args:
        a: the input tensor.
        dim: the dim to reduce, or a Tensor to compare with elementwise; leave it out for the overall maximum.
        keepdim: with an integer ``dim``, keep the reduced dim with size 1 (default False).

    Returns:
        A 0-d Tensor, a ``(values, indices)`` tuple (indices int64) or an elementwise Tensor, as above.

    Raises:
        TypeError: ``dim`` is given as None, or is not an integer.
        RuntimeError: ``a`` is empty and no ``dim`` is given, or ``a`` is a bool tensor and ``dim`` is given.
        IndexError: the reduced dim has size 0 or is out of range.

    Example:
        >>> import arraygrad as ag
        >>> x = ag.tensor([[1.0, 5.0], [4.0, 2.0]])
        >>> ag.max(x)
        tensor(5.)
        >>> ag.max(x, 1)
        (tensor([5., 4.]), tensor([1, 0]))
    """
    if isinstance(dim, Tensor):
        return maximum(a, dim)
    if dim is _NO_DIM:
        return _amax(a, None, False, True, "max")
    _check_extremum_dim("max", dim)
    return _values_indices(a, dim, keepdim, True)


def min(a: Tensor, dim: Any = _NO_DIM, keepdim: bool = False) -> Any:  # noqa: A001 - PyTorch name
    """Take the minimum of ``a``: over all elements, along ``dim``, or elementwise, as ``torch.min``.

    ``min(a)`` returns the minimum element as a 0-d Tensor (ties share the gradient). ``min(a, dim)`` returns
    ``(values, indices)`` along ``dim``, a tuple also readable as ``.values`` and ``.indices``; the gradient
    goes to the selected element only. ``min(a, other)`` with a Tensor ``other`` is ``minimum(a, other)``.

    Args:
        a: the input tensor.
        dim: the dim to reduce, or a Tensor to compare with elementwise; leave it out for the overall minimum.
        keepdim: with an integer ``dim``, keep the reduced dim with size 1 (default False).

    Returns:
        A 0-d Tensor, a ``(values, indices)`` tuple (indices int64) or an elementwise Tensor, as above.

    Raises:
        TypeError: ``dim`` is given as None, or is not an integer.
        RuntimeError: ``a`` is empty and no ``dim`` is given, or ``a`` is a bool tensor and ``dim`` is given.
        IndexError: the reduced dim has size 0 or is out of range.
    """
    if isinstance(dim, Tensor):
        return minimum(a, dim)
    if dim is _NO_DIM:
        return _amax(a, None, False, False, "min")
    _check_extremum_dim("min", dim)
    return _values_indices(a, dim, keepdim, False)


class ValuesIndices(tuple):  # type: ignore[type-arg]
    """``(values, indices)`` with attribute access, like ``torch.return_types.max``."""

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]


def _values_indices(a: Tensor, dim: int, keepdim: bool, largest: bool) -> ValuesIndices:
    from arraygrad.core.indexing import gather

    op = "max" if largest else "min"
    d = _dim(dim, a.ndim, op)
    check_nonempty_reduction(op, a._storage.array.shape, (d,) if a.ndim else None)
    idx = _argext(a, d, True, largest)
    values = gather(a, d, idx)  # the gradient goes to the selected element only
    if not keepdim:
        values, idx = squeeze(values, d), squeeze(idx, d)
    return ValuesIndices((values, idx))


class ProdBackward0(Node):
    __slots__ = ("axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, y = self.saved_tensors
        xp = g._backend.xp
        arr = x._storage.array
        shape = tuple(arr.shape)
        if not bool(xp.any(xp.equal(arr, 0))):
            # prod / x, written with Tensor ops so that higher-order gradients work
            y = _saved_output(self, y)
            return (mul(_expand_reduced(g, shape, self.axes, self.keepdim),
                        div(_expand_reduced(y, shape, self.axes, self.keepdim), x)),)
        # product of all other elements = exclusive prefix product * exclusive suffix product:
        # exact even when the input has zeros (where prod / x would divide by zero)
        if self.axes is None:
            flat = xp.reshape(arr, (-1,))
            others = xp.reshape(_prod_of_others(xp, flat, 0), shape)
        else:
            others = _prod_of_others_axes(xp, arr, self.axes)
        return (mul(_expand_reduced(g, shape, self.axes, self.keepdim), _wrap(others, g._backend)),)


def _prod_of_others(xp: Any, x: Any, axis: int) -> Any:
    n = x.shape[axis]
    ones = xp.ones_like(xp.take(x, xp.asarray([0]), axis=axis))
    before = xp.cumulative_prod(xp.concat([ones, xp.take(x, xp.arange(n - 1), axis=axis)], axis=axis), axis=axis)
    rev = xp.flip(x, axis=axis)
    after = xp.cumulative_prod(xp.concat([ones, xp.take(rev, xp.arange(n - 1), axis=axis)], axis=axis), axis=axis)
    return xp.multiply(before, xp.flip(after, axis=axis))


def _prod_of_others_axes(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    # move reduced axes to the end, flatten them into one, compute, and undo
    keep = [i for i in range(x.ndim) if i not in axes]
    moved = xp.permute_dims(x, tuple(keep) + axes)
    kshape = tuple(moved.shape[: len(keep)])
    flat = xp.reshape(moved, kshape + (-1,))
    others = xp.reshape(_prod_of_others(xp, flat, len(keep)), tuple(moved.shape))
    inverse = [0] * x.ndim
    for pos, ax in enumerate(tuple(keep) + axes):
        inverse[ax] = pos
    return xp.permute_dims(others, tuple(inverse))


def prod(a: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Multiply the elements of ``a`` over ``dim``, as ``torch.prod``.

    Integer and bool inputs are multiplied as int64. The gradient is exact even where ``a`` has zeros. Under
    ``autocast`` (CPU or CUDA, without ``dtype``) a reduced-precision input is computed in float32.

    Args:
        a: the input tensor.
        dim: the dim to reduce (a tuple of dims is also accepted); None reduces all elements (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to before multiplying, which is also the result's (default None).

    Returns:
        A new Tensor of the products; a 0-d Tensor when all elements are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    if AUTOCAST.active and dtype is None:
        a = autocast_args("prod", a)
    backend = a._backend
    x = a._storage.array
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    elif x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        x = backend.xp.astype(x, backend.native_dtype("int64"))
    axes = _axes(dim, x.ndim, "prod")
    out = backend.xp.prod(x, axis=axes, keepdims=keepdim)
    if GRAD_MODE.enabled and a._rg:
        node = ProdBackward0((a,))
        node.axes, node.keepdim = axes, keepdim
        res = _wrap(out, backend, node)
        node.save(a, Tensor._alias(res._storage, backend))
        return res
    return _wrap(out, backend)


class CumsumBackward0(Node):
    __slots__ = ("axis",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (flip(cumsum(flip(g, (self.axis,)), self.axis), (self.axis,)),)


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Compute the cumulative sum of ``a`` along ``dim``, as ``torch.cumsum``.

    Integer and bool inputs are summed as int64; a 0-d tensor is returned as is. Under CUDA ``autocast`` (and
    without ``dtype``) a reduced-precision input is summed in float32.

    Args:
        a: the input tensor.
        dim: the dim to accumulate along.
        dtype: dtype ``a`` is cast to before summing, which is also the result's (default None).

    Returns:
        A new Tensor of the shape of ``a`` whose element ``i`` along ``dim`` is the sum of elements ``0..i``.

    Raises:
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    if AUTOCAST.active and dtype is None:
        a = autocast_args("cumsum", a)
    backend = a._backend
    x = a._storage.array
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    elif x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        x = backend.xp.astype(x, backend.native_dtype("int64"))
    axis = _dim(dim, x.ndim, "cumsum")
    if x.ndim == 0:
        out = x
    else:
        out = backend.xp.cumulative_sum(x, axis=axis)
    if GRAD_MODE.enabled and a._rg:
        node = CumsumBackward0((a,))
        node.axis = axis
        return _wrap(out, backend, node)
    return _wrap(out, backend)


def var(a: Tensor, dim: Any = None, *, correction: float | None = None, unbiased: bool | None = None,
        keepdim: bool = False) -> Tensor:
    """Compute the variance of ``a`` over ``dim``, as ``torch.var``.

    The squared deviations from the mean are summed and divided by ``max(N - correction, 0)``, so a divisor of
    0 gives inf or nan, as in PyTorch.

    Args:
        a: the input tensor, of a floating dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        correction: subtracted from the number of reduced elements ``N`` to form the divisor ``N - correction``
            (clamped at 0); None means 1, or 0 when ``unbiased`` is False (default None).
        unbiased: older way to choose ``correction``: False means 0; ignored when ``correction`` is given
            (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the variances; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` is not of a floating or complex dtype; a dim appears more than once.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _axes(dim, a.ndim, "var")
    n = a.numel() if axes is None else math.prod(a.shape[i] for i in axes)
    centered = sub(a, mean(a, axes, keepdim=True))
    return div(sum(mul(centered, centered), axes, keepdim=keepdim), builtins_max(n - correction, 0))


def std(a: Tensor, dim: Any = None, *, correction: float | None = None, unbiased: bool | None = None,
        keepdim: bool = False) -> Tensor:
    """Compute the standard deviation of ``a`` over ``dim``, as ``torch.std``: the square root of ``var``.

    Args:
        a: the input tensor, of a floating dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        correction: subtracted from the number of reduced elements ``N`` to form the divisor ``N - correction``
            (clamped at 0); None means 1, or 0 when ``unbiased`` is False (default None).
        unbiased: older way to choose ``correction``: False means 0; ignored when ``correction`` is given
            (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the standard deviations; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` is not of a floating or complex dtype; a dim appears more than once.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    return sqrt(var(a, dim, correction=correction, unbiased=unbiased, keepdim=keepdim))


def builtins_max(a: float, b: float) -> float:
    return a if a > b else b


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


class LinalgVectorNormBackward0(Node):
    """2-norm: ``g * x / ||x||``, and 0 (a subgradient, as PyTorch) where the norm is 0."""

    __slots__ = ("axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, n = self.saved_tensors
        n = _saved_output(self, n)
        shape = tuple(x.shape)
        zero = _wrap(n._storage.array == 0, n._backend)
        scale = where(zero, 0.0, div(g, where(zero, 1.0, n)))
        return (mul(x, _expand_reduced(scale, shape, self.axes, self.keepdim)),)


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Compute the vector p-norm of ``a`` over ``dim``, as ``torch.norm``.

    The elements over the reduced dims are treated as one vector (so ``'fro'`` over two dims is the Frobenius
    norm). ``p`` may be ``'fro'`` or 2 (Euclidean norm; the gradient is 0 where the norm is 0), ``inf`` (largest
    absolute value), ``-inf`` (smallest absolute value), 0 (number of nonzero elements, in ``a``'s dtype), 1
    (sum of absolute values) or any other number (``sum(|a| ** p) ** (1 / p)``).

    Args:
        a: the input tensor, of a floating or complex dtype (after the ``dtype`` cast).
        p: the order of the norm (default ``'fro'``).
        dim: a dim or a tuple/list of dims to reduce; None reduces all elements (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to first (default None).

    Returns:
        A new Tensor of norms; a 0-d Tensor when all elements are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` is not of a floating or complex dtype; a dim appears more than once.
        ValueError: ``p`` is neither a number nor ``'fro'``.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    if dtype is not None:
        a = a.to(dtype)
    backend = a._backend
    if a._storage.array.dtype not in backend.float_dtypes and a._storage.array.dtype not in backend.complex_dtypes:
        raise RuntimeError(f"norm: expected a floating point or complex tensor as input, got {a.dtype}")
    axes = _axes(dim, a.ndim, "norm")
    if p in ("fro", 2, 2.0):
        out = sqrt(sum(mul(a.detach(), a.detach()), axes, keepdim=keepdim))
        if GRAD_MODE.enabled and a._rg:
            node = LinalgVectorNormBackward0((a,))
            node.axes, node.keepdim = axes, keepdim
            res = _wrap(out._storage.array, a._backend, node)
            node.save(a, Tensor._alias(res._storage, a._backend))
            return res
        return out
    if p == math.inf:
        return amax(abs(a), axes if axes is not None else (), keepdim=keepdim)
    if p == -math.inf:
        return amin(abs(a), axes if axes is not None else (), keepdim=keepdim)
    if p == 1:
        return sum(abs(a), axes, keepdim=keepdim)
    if p == 0:
        return sum(ne(a, 0).to(a.dtype), axes, keepdim=keepdim)
    if isinstance(p, (int, float)):
        return pow(sum(pow(abs(a), p), axes, keepdim=keepdim), 1.0 / p)
    raise ValueError(f"norm: unsupported p={p!r}; use a number, 'fro', inf or -inf")


def all(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch name
    """Test whether every element of ``a`` over ``dim`` is true (nonzero), as ``torch.all``.

    Args:
        a: the input tensor, of any dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new bool Tensor; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    return _wrap(a._backend.xp.all(_as_bool(a), axis=_axes(dim, a.ndim, "all"), keepdims=keepdim), a._backend)


def any(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch name
    """Test whether at least one element of ``a`` over ``dim`` is true (nonzero), as ``torch.any``.

    Args:
        a: the input tensor, of any dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new bool Tensor; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    return _wrap(a._backend.xp.any(_as_bool(a), axis=_axes(dim, a.ndim, "any"), keepdims=keepdim), a._backend)


def count_nonzero(a: Tensor, dim: Any = None) -> Tensor:
    """Count the nonzero elements of ``a`` over ``dim``, as ``torch.count_nonzero``.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; None counts over all elements (default None).

    Returns:
        A new int64 Tensor of counts, with the reduced dims removed.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    return sum(ne(a, 0), dim)


# ---------------------------------------------------------------------- matmul


class MatmulBackward0(Node):
    __slots__ = ()

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        a, b = self.saved_tensors
        a2 = unsqueeze(a, 0) if a.ndim == 1 else a
        b2 = unsqueeze(b, -1) if b.ndim == 1 else b
        if a.ndim == 1 and b.ndim == 1:
            g2 = reshape(g, (1, 1))
        else:
            g2 = unsqueeze(g, -2) if a.ndim == 1 else g
            g2 = unsqueeze(g2, -1) if b.ndim == 1 else g2
        ga = gb = None
        if self.needs(0):
            ga = reshape(sum_to(matmul(g2, transpose(b2, -1, -2)), a2.shape), a.shape)
        if self.needs(1):
            if a2.ndim > 2 and b2.ndim == 2:
                # sum over the batch inside one matrix product
                k = a2.shape[-1]
                gb = reshape(matmul(transpose(reshape(a2, (-1, k)), 0, 1), reshape(g2, (-1, b2.shape[-1]))), b.shape)
            else:
                gb = reshape(sum_to(matmul(transpose(a2, -1, -2), g2), b2.shape), b.shape)
        return ga, gb


class MmBackward0(MatmulBackward0):
    __slots__ = ()


class BmmBackward0(MatmulBackward0):
    __slots__ = ()


class MvBackward0(MatmulBackward0):
    __slots__ = ()


class DotBackward0(MatmulBackward0):
    __slots__ = ()


#: PyTorch's node names by operand dims (the backward is the same; other shapes keep MatmulBackward0)
_MATMUL_NODES = {(2, 2): MmBackward0, (3, 3): BmmBackward0, (2, 1): MvBackward0, (1, 1): DotBackward0}


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Compute the matrix product of ``a`` and ``b``, as ``torch.matmul``.

    Two 1-d operands give their dot product (0-d); a 1-d ``a`` is treated as a row and a 1-d ``b`` as a column,
    the added dim being removed from the result; operands with more than 2 dims are stacks of matrices whose
    batch dims broadcast. A sparse operand is handed to the sparse matrix product. Under ``autocast`` (CPU or
    CUDA) float32 operands are cast to the lower precision first.

    Args:
        a: the left operand, at least 1-d.
        b: the right operand, at least 1-d, of the same dtype as ``a``.

    Returns:
        A new Tensor holding the product.

    Raises:
        TypeError: ``b`` is not a Tensor.
        RuntimeError: an operand is 0-d, the inner dimensions differ, the batch dims do not broadcast, the
            dtypes differ (PyTorch does not promote here), or the operands are on different backends.
    """
    return _matmul(a, b, "matmul")


def _matmul(a: Tensor, b: Tensor, op: str) -> Tensor:
    """``matmul`` for ``op`` (mm, mv, dot...): autocast's lists treat them differently."""
    if not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected a Tensor as second operand, got {type(b).__name__}")
    if a.is_sparse or b.is_sparse:  # class attributes: one cheap test for dense operands
        from arraygrad.sparse.ops import matmul as sparse_matmul

        return sparse_matmul(a, b)
    if b._backend is not a._backend:
        raise _backend_mismatch("matmul", a, b)
    if AUTOCAST.active:
        a, b = autocast_args(op, a, b)
    x, y = a._storage.array, b._storage.array
    if x.dtype != y.dtype:
        # PyTorch does not promote in matrix products
        raise RuntimeError(f"{op}: expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {x.ndim}D and {y.ndim}D")
    ka = x.shape[-1]
    kb = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {tuple(x.shape)} and {tuple(y.shape)} cannot be multiplied ({ka} != {kb})"
        )
    try:
        out = _matmul_arrays(a._backend.xp, x, y)
    except Exception as exc:
        raise op_error("matmul", exc, a, b) from None
    if GRAD_MODE.enabled and (a._rg or b._rg):
        node = _MATMUL_NODES.get((x.ndim, y.ndim), MatmulBackward0)((a, b))
        node.save(a, b)
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)


def _matmul_arrays(xp: Any, x: Any, y: Any) -> Any:
    """``xp.matmul``, with a batched operand times a matrix done as ONE matrix product.

    NOTE: numpy broadcasts a 2-d operand against a batch with a generic loop that is ~20x
    slower than one BLAS call on the flattened batch (e.g. (16, 64, 128) @ (128, 384)).
    """
    if x.ndim > 2 and y.ndim == 2:
        lead = tuple(x.shape[:-1])
        return xp.reshape(xp.matmul(xp.reshape(x, (-1, x.shape[-1])), y), lead + (y.shape[1],))
    if x.ndim == 2 and y.ndim > 2:
        k, n = y.shape[-2], y.shape[-1]
        batch = tuple(y.shape[:-2])
        flat = xp.reshape(xp.moveaxis(y, -2, 0), (k, -1))  # (k, batch * n)
        out = xp.reshape(xp.matmul(x, flat), (x.shape[0],) + batch + (n,))
        return xp.moveaxis(out, 0, -2)
    return xp.matmul(x, y)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Multiply two matrices, as ``torch.mm``.

    Args:
        a: a 2-d tensor of shape (n, m).
        b: a 2-d tensor of shape (m, p), of the same dtype as ``a``.

    Returns:
        A new Tensor of shape (n, p).

    Raises:
        RuntimeError: an operand is not 2-d, the inner sizes differ, the dtypes differ or the operands are on
            different backends.
    """
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {a.ndim}-D and {b.ndim}-D")
    return _matmul(a, b, "mm")


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Multiply two batches of matrices pairwise, as ``torch.bmm`` (no broadcasting).

    Args:
        a: a 3-d tensor of shape (batch, n, m).
        b: a 3-d tensor of shape (batch, m, p), of the same dtype as ``a``.

    Returns:
        A new Tensor of shape (batch, n, p).

    Raises:
        RuntimeError: an operand is not 3-d, the batch sizes or the inner sizes differ, the dtypes differ or the
            operands are on different backends.
    """
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {a.ndim}-D and {b.ndim}-D")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape[0]} and {b.shape[0]}")
    return _matmul(a, b, "bmm")


class AddmmBackward0(Node):
    """``out = beta * bias + alpha * (m1 @ m2)`` for 2-d ``m1`` and ``m2``. ``linear`` passes its
    weight as it is stored (``weight_t``: ``m2`` is ``weight.T``), so a layer is one graph node."""

    __slots__ = ("beta", "alpha", "weight_t", "bias_shape")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        m1, m2 = self.saved_tensors
        gb = gm1 = gm2 = None
        if self.needs(0):
            gb = sum_to(g, self.bias_shape)
            gb = gb if self.beta == 1 else mul(gb, self.beta)
        g = g if self.alpha == 1 else mul(g, self.alpha)
        if self.needs(1):
            gm1 = matmul(g, m2 if self.weight_t else transpose(m2, 0, 1))
        if self.needs(2):
            gm2 = matmul(transpose(g, 0, 1), m1) if self.weight_t else matmul(transpose(m1, 0, 1), g)
        return gb, gm1, gm2


def _addmm(bias: Tensor, m1: Tensor, m2: Tensor, beta: Any, alpha: Any, weight_t: bool, op: str) -> Tensor:
    backend = m1._backend
    for other in (m2, bias):
        if other._backend is not backend:
            raise _backend_mismatch(op, m1, other)
    xp = backend.xp
    x, w, b = m1._storage.array, m2._storage.array, bias._storage.array
    if not (x.dtype == w.dtype == b.dtype):
        raise RuntimeError(f"{op}: expected the operands to have the same dtype, but got {bias.dtype}, {m1.dtype} "
                           f"and {m2.dtype}")
    wm = xp.matrix_transpose(w) if weight_t else w
    if x.shape[1] != wm.shape[0]:
        raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[1]} and "
                           f"{wm.shape[0]}x{wm.shape[1]})")
    n, p = x.shape[0], wm.shape[1]
    # NOTE: `any` and `all` are ops in this module, hence the explicit comparison
    if len(b.shape) > 2 or [d for d, full in zip(reversed(b.shape), (p, n)) if d not in (1, full)]:
        raise RuntimeError(f"{op}: the bias of shape {tuple(b.shape)} cannot broadcast to the result's shape ({n}, {p})")
    prod = xp.matmul(x, wm)
    if alpha != 1:
        prod = xp.multiply(prod, xp.asarray(alpha, dtype=prod.dtype))
    if beta != 1:
        b = xp.multiply(b, xp.asarray(beta, dtype=b.dtype))
    out = xp.add(b, prod)
    if GRAD_MODE.enabled and (bias._rg or m1._rg or m2._rg):
        node = AddmmBackward0((bias, m1, m2))
        node.beta, node.alpha, node.weight_t, node.bias_shape = beta, alpha, weight_t, tuple(b.shape)
        node.save(m1, m2)
        return _wrap(out, backend, node)
    return _wrap(out, backend)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """Compute ``beta * input + alpha * (mat1 @ mat2)``, as ``torch.addmm``.

    The whole expression is one graph node. Under ``autocast`` (CPU or CUDA) float32 operands are cast to the
    lower precision first.

    Args:
        input: the tensor added to the product; it must broadcast to (n, p).
        mat1: a matrix of shape (n, m).
        mat2: a matrix of shape (m, p).
        beta: multiplier of ``input`` (default 1).
        alpha: multiplier of the product (default 1).

    Returns:
        A new Tensor of shape (n, p).

    Raises:
        TypeError: ``input``, ``mat1`` or ``mat2`` is not a Tensor.
        RuntimeError: ``mat1`` or ``mat2`` is not 2-d, their shapes cannot be multiplied, ``input`` does not
            broadcast to (n, p), the dtypes differ (as PyTorch), or the operands are on different backends.
    """
    for position, name, t in ((2, "mat1", mat1), (3, "mat2", mat2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"addmm(): argument '{name}' (position {position}) must be Tensor, not {type(t).__name__}")
        if t.ndim != 2:
            raise RuntimeError(f"addmm: {name} must be a matrix, got {t.ndim}-D tensor")
    if not isinstance(input, Tensor):
        raise TypeError(f"addmm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if AUTOCAST.active:
        input, mat1, mat2 = autocast_args("addmm", input, mat1, mat2)
    return _addmm(input, mat1, mat2, beta, alpha, False, "addmm")


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Multiply a matrix by a vector, as ``torch.mv``.

    Args:
        a: a 2-d tensor of shape (n, m).
        v: a 1-d tensor of size m, of the same dtype as ``a``.

    Returns:
        A new 1-d Tensor of size n.

    Raises:
        IndexError: ``a`` is 0-d (as PyTorch).
        RuntimeError: ``a`` is not 2-d or ``v`` not 1-d, the sizes do not match, the dtypes differ or the
            operands are on different backends.
    """
    if a.ndim == 0:
        raise IndexError("mv: Dimension specified as 0 but tensor has no dimensions")
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D and a 1-D tensor, got {a.ndim}-D and {v.ndim}-D")
    return _matmul(a, v, "mv")


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Compute the inner product of two 1-d tensors, as ``torch.dot``.

    Args:
        a: a 1-d tensor.
        b: a 1-d tensor of the same size and dtype as ``a``.

    Returns:
        A new 0-d Tensor holding ``sum(a * b)``.

    Raises:
        RuntimeError: an operand is not 1-d, the sizes differ, the dtypes differ or the operands are on
            different backends.
    """
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return _matmul(a, b, "dot")


def inner(a: Tensor, b: Tensor) -> Tensor:
    """Sum the products of ``a`` and ``b`` over their last dim, as ``torch.inner``.

    For a 0-d operand this is the elementwise product ``a * b``.

    Args:
        a: a tensor of shape (..., k).
        b: a tensor of shape (..., k), of the same dtype as ``a``.

    Returns:
        A new Tensor of shape ``a.shape[:-1] + b.shape[:-1]``.

    Raises:
        RuntimeError: the last dims differ, the dtypes differ or the operands are on different backends.
    """
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner: last dimensions differ: {tuple(a.shape)} and {tuple(b.shape)}")
    k = a.shape[-1]
    out = _matmul(reshape(a, (-1, k)), transpose(reshape(b, (-1, k)), 0, 1), "inner")
    return reshape(out, tuple(a.shape[:-1]) + tuple(b.shape[:-1]))


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Compute the outer product of two 1-d tensors, as ``torch.outer``.

    The dtypes are promoted as in ``mul``.

    Args:
        a: a 1-d tensor of size n.
        b: a 1-d tensor of size m.

    Returns:
        A new Tensor of shape (n, m) with element ``(i, j)`` equal to ``a[i] * b[j]``.

    Raises:
        RuntimeError: an operand is not 1-d, or ``b`` is on another backend.
    """
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return mul(unsqueeze(a, 1), unsqueeze(b, 0))


# shape ops used above live in shape.py; imported at the end to avoid an import cycle
from arraygrad.core.shape import expand, flip, reshape, squeeze, transpose, unsqueeze  # noqa: E402
