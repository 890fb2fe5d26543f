"""Comparisons, logical and bitwise ops, and the value tests (isnan, isclose, equal...); none of
them has a gradient."""

from __future__ import annotations

from typing import Any

from arraygrad.core.ops._helpers import _backend_mismatch, _operands, _wrap, op_error
from arraygrad.core.ops.binary import _as_operand
from arraygrad.core.tensor import Tensor

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "allclose", "isclose", "equal",
]


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
