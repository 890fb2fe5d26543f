"""arraygrad.sparse: sparse COO tensors, shaped like ``torch.sparse``.

    adj = ag.sparse_coo_tensor(indices, values, (n, n))   # or dense.to_sparse()
    out = ag.sparse.mm(adj, features)                     # also ag.spmm, ag.mm, adj @ features
    out.sum().backward()                                  # gradients reach features and values

A sparse tensor is a :class:`SparseTensor` (an ``arraygrad.Tensor`` with
``layout == arraygrad.sparse_coo``) holding int64 ``indices`` and dense ``values``; its ops are
written with the array API and the dense indexing ops (gather, index_add), so they run on every
backend. Dense ops that are not written for sparse tensors raise ``NotImplementedError`` naming
the op; convert with ``to_dense()`` first. Shapes of coalesced results depend on the data, so
sparse ops run eagerly (not inside ``arraygrad.compile``).
"""

from arraygrad.sparse.coo import SparseTensor, sparse_coo_tensor, to_dense, to_sparse
from arraygrad.sparse.ops import DoubleTensor, FloatTensor, matmul, mm, spmm, sum

__all__ = [
    "SparseTensor", "sparse_coo_tensor", "to_dense", "to_sparse", "mm", "spmm", "matmul", "sum", "FloatTensor",
    "DoubleTensor",
]
