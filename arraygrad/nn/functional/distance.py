"""Distances between tensors: ``cosine_similarity``, ``pairwise_distance``."""

from __future__ import annotations

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import dtypes, ops, shape
from arraygrad.core.conv import scalar_name
from arraygrad.core.tensor import Tensor

__all__ = [
    "cosine_similarity", "pairwise_distance",
]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Compute the cosine similarity of ``x1`` and ``x2`` along ``dim``, as ``torch.nn.functional.cosine_similarity``.

    The result is ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps), dim)``. As in PyTorch, each norm is clamped to
    ``eps`` without changing its gradient (the clamp only guards the division), and each input is divided by its own
    norm before the product, which keeps the result within ``[-1, 1]``. Both inputs are cast to their common dtype and
    broadcast together.

    Args:
        x1: the first vectors, a tensor of any shape.
        x2: the second vectors, broadcast with ``x1``; one of the two must be floating point.
        dim: the dim along which the vectors lie (default 1).
        eps: the smallest norm divided by (default 1e-8).

    Returns:
        The similarities, of the broadcast shape without ``dim``, in the common floating dtype.

    Raises:
        RuntimeError: neither input is floating point, the inputs are on different backends, or their shapes do not
            broadcast.
    """
    if not (x1.dtype.is_floating_point or x2.dtype.is_floating_point):
        raise RuntimeError(
            f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
            f"{scalar_name(dtypes.promote(x1.dtype, x2.dtype))}"
        )
    if x1._backend is not x2._backend:
        raise ops._backend_mismatch("cosine_similarity", x1, x2)
    # as PyTorch: both in their common (floating) dtype, so a bool or int operand is accepted
    common = dtypes.promote(x1.dtype, x2.dtype)
    x1, x2 = shape.broadcast_tensors(x1.to(common), x2.to(common))

    def clamped_norm(x: Tensor) -> Tensor:
        norm = ops.norm(x, 2, dim, keepdim=True)
        floor = ops.clamp(norm.detach(), min=eps)
        return ops.add(norm, ops.sub(floor, norm.detach()))

    return ops.sum(ops.mul(ops.div(x1, clamped_norm(x1)), ops.div(x2, clamped_norm(x2))), dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """Compute the ``p``-norm distance of ``x1`` and ``x2``, as ``torch.nn.functional.pairwise_distance``.

    The distance is ``||x1 - x2 + eps||_p`` over the last dim; ``eps`` keeps the gradient finite where ``x1 == x2``.

    Args:
        x1: the first vectors, e.g. ``(N, D)`` or ``(D,)``.
        x2: the second vectors, broadcast with ``x1``.
        p: the order of the norm (default 2.0).
        eps: added to the difference before the norm (default 1e-6).
        keepdim: keep the last dim, with size 1 (default False).

    Returns:
        The distances, of the broadcast shape without its last dim (kept, of size 1, with ``keepdim``), e.g.
        ``(N,)`` or 0-d.
    """
    dim = max(x1.ndim, x2.ndim) - 1
    diff = ops.add(ops.sub(x1, x2), eps)
    return ops.norm(diff, p, dim if dim >= 0 else None, keepdim=keepdim)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
