"""Embedding lookups: ``embedding``, ``embedding_bag``."""

from __future__ import annotations

import math

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.autograd import no_grad
from arraygrad.core.indexing import (
    EmbeddingBackward0,
    IndexBackward0,
    check_embedding_indices,
    index_add,
    index_put,
    named_node,
)
from arraygrad.core.tensor import Tensor

__all__ = [
    "embedding", "embedding_bag",
]


def _padding_index(padding_idx: int | None, num_embeddings: int, op: str) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(f"{op}: padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


def _check_indices(input: Tensor, op: str) -> None:  # noqa: A002
    if input.dtype not in (dtypes.int32, dtypes.int64):
        raise RuntimeError(f"{op}: expected indices of dtype int64 or int32, got {input.dtype}")


def _embedding_renorm(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale, in place and without a graph, the rows of ``weight`` used by ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` down to norm ``max_norm`` (PyTorch's ``1e-7`` guard)."""
    with no_grad():
        flat = shape.reshape(indices, (-1,))
        rows = weight[flat]
        norms = ops.norm(rows, norm_type, -1, keepdim=True)
        scale = ops.where(ops.gt(norms, max_norm), ops.mul(ops.reciprocal(ops.add(norms, 1e-7)), max_norm), 1.0)
        # duplicate indices write the same scaled row, so plain (non-accumulating) writes are exact
        weight.copy_(index_put(weight, (flat,), ops.mul(rows, scale)))


def _scale_grad(out: Tensor, scale: Tensor) -> Tensor:
    """``out`` unchanged in value, with its gradient multiplied by ``scale`` (broadcast)."""
    frozen = out.detach()
    return ops.add(frozen, ops.mul(ops.sub(out, frozen), scale))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up the rows of ``weight`` at the integer indices ``input``, as ``torch.nn.functional.embedding``.

    Args:
        input: int64 or int32 indices of any shape ``(*)``, in ``[0, num_embeddings)``.
        weight: the non-empty ``(num_embeddings, embedding_dim)`` table.
        padding_idx: an index whose entries give no gradient to ``weight``; negative values count from the end
            (default None).
        max_norm: first renormalise, in place and without a graph, the used rows of ``weight`` whose
            ``norm_type``-norm exceeds it down to that norm (default None: no renormalisation).
        norm_type: the order of the norm of ``max_norm`` (default 2.0).
        scale_grad_by_freq: divide each row's gradient by the number of times the row occurs in ``input`` (default
            False).
        sparse: accepted for PyTorch compatibility; the gradient is always dense (default False).

    Returns:
        ``(*, embedding_dim)``: the rows of ``weight``, in its dtype.

    Raises:
        RuntimeError: ``input`` not of dtype int64 or int32, or ``weight`` not a non-empty 2-d tensor.
        IndexError: an index outside ``[0, num_embeddings)``.
        AssertionError: ``padding_idx`` outside ``[-num_embeddings, num_embeddings)`` (as PyTorch).
    """
    _check_indices(input, "embedding")
    if weight.ndim != 2 or 0 in weight.shape:
        raise RuntimeError(f"embedding: 'weight' must be a non-empty 2-D tensor, got weight of shape {tuple(weight.shape)}")
    num = weight.shape[0]
    check_embedding_indices(input, num)
    padding_idx = _padding_index(padding_idx, num, "embedding")
    if max_norm is not None:
        _embedding_renorm(weight, input, max_norm, norm_type)
    out = weight[input]
    if padding_idx is None and not scale_grad_by_freq:
        return named_node(out, IndexBackward0, EmbeddingBackward0)
    scale = creation.ones(tuple(input.shape), dtype=weight.dtype, backend=weight._backend)
    if scale_grad_by_freq:
        flat = shape.reshape(input, (-1,))
        ones = creation.ones(tuple(flat.shape), dtype=weight.dtype, backend=weight._backend)
        counts = index_add(creation.zeros(num, dtype=weight.dtype, backend=weight._backend), 0, flat, ones)
        scale = ops.div(scale, counts[input])
    if padding_idx is not None:
        scale = ops.where(ops.eq(input, padding_idx), 0.0, scale)
    return _scale_grad(out, shape.unsqueeze(scale, -1))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Reduce the embeddings of each bag of indices by a sum, mean or max, as ``torch.nn.functional.embedding_bag``.

    Args:
        input: int64 or int32 indices: ``(B, L)`` for ``B`` bags of ``L`` indices (``offsets`` None), or ``(n,)`` flat
            indices cut into bags by ``offsets``.
        weight: the non-empty floating ``(num_embeddings, embedding_dim)`` table.
        offsets: for a 1-d ``input``, the ``(B,)`` start of each bag, from 0 and non-decreasing (``(B + 1,)`` with the
            end of the last bag when ``include_last_offset``) (default None).
        max_norm: first renormalise, in place, the used rows whose ``norm_type``-norm exceeds it, as ``embedding``
            (default None).
        norm_type: the order of the norm of ``max_norm`` (default 2).
        scale_grad_by_freq: divide each row's gradient by the number of times the row occurs in ``input`` (default
            False).
        mode: ``'sum'``, ``'mean'`` or ``'max'`` (default ``'mean'``).
        sparse: accepted for PyTorch compatibility; the gradient is always dense (default False).
        per_sample_weights: optional weights of the shape of ``input`` multiplying each embedding, ``mode='sum'`` only
            (default None).
        include_last_offset: ``offsets`` ends with the end of the last bag (default False).
        padding_idx: an index whose entries are left out of their bag; an empty bag gives zeros (default None).

    Returns:
        ``(B, embedding_dim)``, in the weight's dtype.

    Raises:
        ValueError: ``weight`` not 2-d, an unknown ``mode``, ``per_sample_weights`` not of the input's shape,
            ``offsets`` with a 2-d input or missing (or not 1-d) with a 1-d one, malformed ``offsets``, or an input
            that is not 1-d or 2-d.
        RuntimeError: ``input`` not of dtype int64 or int32, or ``weight`` empty or not floating point.
        NotImplementedError: ``per_sample_weights`` with a ``mode`` other than ``'sum'``.
        IndexError: an index outside ``[0, num_embeddings)``.
        AssertionError: ``padding_idx`` outside ``[-num_embeddings, num_embeddings)`` (as PyTorch).
    """
    _check_indices(input, "embedding_bag")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if not weight.dtype.is_floating_point or 0 in weight.shape:
        raise RuntimeError(
            f"embedding_bag: expected a non-empty floating weight, got {weight.dtype.name} of shape {tuple(weight.shape)}"
        )
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):  # checked first, as PyTorch
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then it must "
                f"have the same shape as the input ({tuple(input.shape)})"
            )
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
    num = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num, "embedding_bag")
    backend = weight._backend
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None")
        index, valid = input, None
        weights = per_sample_weights
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor, got shape {tuple(offsets.shape)}")
        starts = [int(v) for v in offsets.tolist()]
        n = input.shape[0]
        bounds = starts if include_last_offset else starts + [n]
        if not bounds or bounds[0] != 0 or any(b > a for b, a in zip(bounds, bounds[1:])) or bounds[-1] > n:
            raise ValueError(f"embedding_bag: offsets must start at 0 and be non-decreasing within {n}, got {starts}")
        # bags of different lengths as a padded (B, longest) table plus a validity mask
        longest = max([b - a for a, b in zip(bounds, bounds[1:])] + [1])
        table = [[min(a + j, max(n - 1, 0)) for j in range(longest)] for a, b in zip(bounds, bounds[1:])]
        mask = [[j < b - a for j in range(longest)] for a, b in zip(bounds, bounds[1:])]
        pos = creation.tensor(table, dtype=dtypes.int64, backend=backend)
        index = input[pos] if n else creation.zeros(tuple(pos.shape), dtype=dtypes.int64, backend=backend)
        valid = creation.tensor(mask, dtype=dtypes.bool_, backend=backend)
        weights = None if per_sample_weights is None else per_sample_weights[pos]
    else:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if padding_idx is not None:
        keep = ops.ne(index, padding_idx)
        valid = keep if valid is None else ops.logical_and(valid, keep)
    emb = embedding(index, weight, None, max_norm, norm_type, scale_grad_by_freq)  # (B, L, D)
    if weights is not None:
        emb = ops.mul(emb, shape.unsqueeze(weights, -1))
    if mode == "max":
        if valid is not None:
            emb = ops.where(shape.unsqueeze(valid, -1), emb, -math.inf)
        values = ops.max(emb, 1).values
        if valid is None:
            return values
        return ops.where(shape.unsqueeze(ops.any(valid, 1), -1), values, 0.0)
    if valid is not None:
        emb = ops.where(shape.unsqueeze(valid, -1), emb, 0.0)
    total = ops.sum(emb, 1)
    if mode == "sum":
        return total
    count = float(index.shape[1]) if valid is None else ops.clamp(ops.sum(valid, 1, keepdim=True).to(weight.dtype), min=1)
    return ops.div(total, count)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
