"""Matrix products: matmul, mm, bmm, mv, dot, inner, outer and addmm, with their backward nodes."""

from __future__ import annotations

from typing import Any

from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.ops._helpers import _backend_mismatch, _wrap, op_error, sum_to
from arraygrad.core.ops.binary import mul
from arraygrad.core.tensor import Tensor

__all__ = [
    "MatmulBackward0", "MmBackward0", "BmmBackward0", "MvBackward0", "DotBackward0", "matmul", "mm", "bmm",
    "AddmmBackward0", "addmm", "mv", "dot", "inner", "outer",
]


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
from arraygrad.core.shape import reshape, transpose, unsqueeze  # noqa: E402
