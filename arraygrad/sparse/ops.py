"""Operations on sparse COO tensors: matrix products with dense tensors (``mm``, ``spmm``, and
``matmul``/``@`` when an operand is sparse), ``sum``, and the legacy constructors.

The product ``S @ D`` of an ``(n, m)`` sparse and an ``(m, k)`` dense matrix gathers the rows of
``D`` named by the column indices, scales them by the values and adds them into the output rows
named by the row indices (``index_select``, a product, ``index_add``). Written with these
differentiable dense ops, its gradients come from autograd: ``D`` gets ``S^T @ G`` and the values
get ``(G @ D^T)`` sampled at the stored indices, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import dtypes, indexing, shape
from arraygrad.core.creation import zeros
from arraygrad.core.methods import to_dtype
from arraygrad.core.tensor import Tensor, sparse_coo
from arraygrad.sparse.coo import SparseTensor, coalesce, sparse_coo_tensor

__all__ = ["mm", "spmm", "matmul", "sum", "FloatTensor", "DoubleTensor"]


def _sparse_dense_mm(s: SparseTensor, d: Tensor, op: str) -> Tensor:
    if s.ndim != 2 or s.sparse_dim() != 2:
        raise RuntimeError(f"{op}: expected a 2-D sparse matrix with 2 sparse dimensions, got size {list(s.shape)}")
    if isinstance(d, SparseTensor):
        raise NotImplementedError(f"{op}: products of two {sparse_coo} tensors are not supported; "
                                  "convert one with .to_dense()")
    if not isinstance(d, Tensor):
        raise TypeError(f"{op}: expected a Tensor as second operand, got {type(d).__name__}")
    if d.ndim != 2:
        raise RuntimeError(f"{op}: expected a 2-D dense matrix as second operand, got {d.ndim}-D")
    if d._backend is not s._backend:
        raise RuntimeError(f"{op}: the operands are on different backends: {s._backend.name!r} and "
                           f"{d._backend.name!r}")
    n, m = s.shape
    if d.shape[0] != m:
        raise RuntimeError(f"{op}: shapes {list(s.shape)} and {list(d.shape)} cannot be multiplied ({m} != "
                           f"{d.shape[0]})")
    values = s._sp_values
    if values.dtype is not d.dtype:
        common = dtypes.promote(values.dtype, d.dtype)
        values, d = to_dtype(values, common), to_dtype(d, common)
    rows, cols = s._sp_indices[0], s._sp_indices[1]
    contributions = shape.unsqueeze(values, 1) * indexing.index_select(d, 0, cols)
    out = zeros((n, d.shape[1]), dtype=d.dtype, backend=d._backend)
    return indexing.index_add(out, 0, rows, contributions)


def mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """The matrix product of a sparse ``(n, m)`` matrix and a dense ``(m, k)`` one (dense result),
    as ``torch.sparse.mm``; gradients flow to ``mat2`` and to ``mat1``'s values.

    Raises:
        RuntimeError: ``mat1`` is not a 2-D sparse matrix, ``mat2`` not 2-D, or the shapes differ.
        NotImplementedError: both operands are sparse.
    """
    if not isinstance(mat1, SparseTensor):
        if isinstance(mat2, SparseTensor):
            return matmul(mat1, mat2)
        from arraygrad.core.ops import mm as dense_mm

        return dense_mm(mat1, mat2)
    return _sparse_dense_mm(mat1, mat2, "sparse.mm")


def spmm(mat1: SparseTensor, mat2: Tensor) -> Tensor:
    """Multiply the sparse matrix ``mat1`` by the dense matrix ``mat2``, as ``torch.spmm``.

    The gradient of a sparse leaf ``mat1`` is sparse here (PyTorch's ``spmm`` gives a dense one).

    Args:
        mat1: a 2-D sparse COO matrix.
        mat2: a dense matrix whose first dimension matches ``mat1``'s second.

    Returns:
        The dense product ``mat1 @ mat2``.

    Raises:
        RuntimeError: ``mat1`` is not a 2-D sparse matrix, ``mat2`` is not a 2-D matrix, the shapes
            do not fit, or the operands are on different backends.
        TypeError: ``mat2`` is not a Tensor.
        NotImplementedError: ``mat2`` is sparse too.
    """
    if not isinstance(mat1, SparseTensor):
        raise RuntimeError("spmm: expected a sparse matrix as first operand; use mm for dense matrices")
    return _sparse_dense_mm(mat1, mat2, "spmm")


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` where at least one operand is sparse: sparse 2-D times a dense matrix or vector,
    or a dense matrix times sparse 2-D (computed as ``(b^T @ a^T)^T``)."""
    if isinstance(a, SparseTensor):
        if isinstance(b, Tensor) and not isinstance(b, SparseTensor) and b.ndim == 1:
            return shape.squeeze(_sparse_dense_mm(a, shape.unsqueeze(b, 1), "matmul"), 1)
        return _sparse_dense_mm(a, b, "matmul")
    if not isinstance(a, Tensor) or a.ndim != 2:
        raise RuntimeError(f"matmul: a dense first operand times a {sparse_coo} tensor must be a 2-D matrix")
    return shape.t(_sparse_dense_mm(b.t(), shape.t(a), "matmul"))  # type: ignore[arg-type]


def sum(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:  # noqa: A001, A002 - PyTorch names
    """Sum of a sparse tensor's elements, as ``torch.sparse.sum``: over everything (a 0-d dense
    tensor), or over ``dim`` (an int or a sequence): a dense tensor when every sparse dimension is
    summed, otherwise a coalesced sparse tensor over the remaining sparse dimensions.

    Raises:
        RuntimeError: ``input`` is not sparse, or a dim is out of range.
    """
    if not isinstance(input, SparseTensor):
        raise RuntimeError("sparse.sum: expected a sparse tensor; use Tensor.sum for dense tensors")
    values = input._sp_values if dtype is None else to_dtype(input._sp_values, dtypes.as_dtype(dtype))
    if dim is None:
        return values.sum()
    nd, sd = input.ndim, input.sparse_dim()
    dims = [dim] if isinstance(dim, int) else list(dim)
    for d in dims:
        if not -nd <= d < nd:
            raise RuntimeError(f"sparse.sum: dim {d} is out of range for a {nd}-D tensor")
    dims = sorted({d % nd for d in dims})
    sparse_summed = [d for d in dims if d < sd]
    dense_summed = [d - sd + 1 for d in dims if d >= sd]  # axes of values (axis 0 runs over nnz)
    if dense_summed:
        values = values.sum(tuple(dense_summed))
    kept = [d for d in range(sd) if d not in sparse_summed]
    size = tuple(n for d, n in enumerate(input._sp_size) if d not in dims)
    if not kept:
        return values.sum(0)
    if not sparse_summed:
        return SparseTensor._make(input._sp_indices, values, size, input._sp_coalesced)
    indices = shape.stack([input._sp_indices[d] for d in kept], 0)
    return coalesce(SparseTensor._make(indices, values, size, False))


def _legacy(dtype: dtypes.dtype, name: str) -> Any:
    def constructor(indices: Any, values: Any, size: Any = None) -> SparseTensor:
        if not isinstance(values, Tensor):
            return sparse_coo_tensor(indices, values, size, dtype=dtype)
        return sparse_coo_tensor(indices, values, size)

    constructor.__name__ = name
    constructor.__qualname__ = name
    constructor.__doc__ = (
        f"The legacy ``torch.sparse.{name}(indices, values, size)``: a sparse COO tensor (see "
        f"``arraygrad.sparse_coo_tensor``). Values given as a tensor keep their dtype, as in PyTorch; "
        f"values given as data become {dtype}."
    )
    return constructor


FloatTensor = _legacy(dtypes.float32, "FloatTensor")
DoubleTensor = _legacy(dtypes.float64, "DoubleTensor")
