"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_`` (PyTorch's semantics)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

_Tensors = Tensor | Iterable[Tensor]


def _as_list(tensors: _Tensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(t: Tensor, norm_type: float) -> Tensor:
    if norm_type == math.inf:
        return ops.amax(ops.abs(t))
    if norm_type == -math.inf:
        return ops.amin(ops.abs(t))
    return ops.norm(t, norm_type)


def get_total_norm(
    tensors: _Tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: bool | None = None
) -> Tensor:
    """Compute the ``norm_type``-norm of all ``tensors`` taken together, as if concatenated into one vector.

    Each tensor's norm is taken first, converted to the backend of the first tensor and the promoted
    dtype of all tensors, and the norm of those norms is returned. Runs without recording gradients.

    Args:
        tensors: a Tensor or an iterable of Tensors (e.g. gradients).
        norm_type: order of the norm; ``math.inf`` for the largest absolute value, ``-math.inf`` for
            the smallest (default 2.0).
        error_if_nonfinite: raise when the total norm is nan or inf (default False).
        foreach: accepted for PyTorch compatibility; ignored (default None).

    Returns:
        The total norm as a 0-d Tensor; ``tensor(0.0)`` on the default backend when ``tensors`` is empty.

    Raises:
        RuntimeError: ``error_if_nonfinite`` is true and the total norm is nan or inf.
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return creation.tensor(0.0)
    with no_grad():
        first = tensors[0]
        dt = first.dtype
        for t in tensors[1:]:
            dt = dtypes.promote(dt, t.dtype)
        norms = [_vector_norm(t, norm_type).to(backend=first.backend, dtype=dt) for t in tensors]
        total = _vector_norm(shape.stack(norms), norm_type)
    if error_if_nonfinite and not bool(ops.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(parameters: _Tensors, max_norm: float, total_norm: Tensor, foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Together with ``get_total_norm`` it splits ``clip_grad_norm_`` in two steps.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is scaled; tensors without a
            gradient are skipped.
        max_norm: the largest allowed total norm.
        total_norm: the total norm of the gradients, e.g. from ``get_total_norm``.
        foreach: accepted for PyTorch compatibility; ignored (default None).
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        coef = ops.clamp(ops.rdiv(ops.add(total_norm, 1e-6), float(max_norm)), max=1.0)
        for g in grads:
            g.mul_(coef.to(backend=g.backend, dtype=g.dtype))


def clip_grad_norm_(
    parameters: _Tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped (None grads skipped).
        max_norm: the largest allowed total norm.
        norm_type: the p of the p-norm (``math.inf`` for the largest magnitude).
        error_if_nonfinite: raise instead of scaling when the total norm is NaN or infinite.
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        The total norm of the gradients before clipping (a 0-d tensor).

    Raises:
        RuntimeError: the total norm is non-finite and ``error_if_nonfinite``.
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters: _Tensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clamped; tensors without a
            gradient are skipped.
        clip_value: the largest allowed absolute value of a gradient element.
        foreach: accepted for PyTorch compatibility; ignored (default None).
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)
