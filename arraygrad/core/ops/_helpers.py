"""Helpers shared by the op submodules: error messages, operand promotion and the plumbing that
wraps a result and records its backward node (``sum_to``, ``_make_output``...)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor

__all__ = [
    "Scalar", "op_error", "broadcast_mismatch", "sum_to",
]


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


# used above; imported at the end, as reduction imports this module
from arraygrad.core.ops.reduction import sum  # noqa: E402

# shape ops used above live in shape.py; imported at the end to avoid an import cycle
from arraygrad.core.shape import reshape  # noqa: E402
