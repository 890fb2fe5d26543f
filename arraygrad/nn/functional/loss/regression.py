"""Regression losses, elementwise on the difference of input and target: ``mse_loss``, ``l1_loss``,
``smooth_l1_loss`` and ``huber_loss``.
"""

from __future__ import annotations

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import ops
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.tensor import Tensor
from arraygrad.nn import _fused_losses
from arraygrad.nn.functional._reduction import (
    _check_broadcast,
    _check_floating_loss,
    _check_floating_result,
    _reduce,
    _reduction_arg,
    _weighted_pointwise,
)

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Compute the squared error ``(input - target)**2``, as ``torch.nn.functional.mse_loss``.

    Args:
        input: the predictions, a floating tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the weighted sum divided by the
            sum of the weights (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``weight`` is not of the input's
            shape.
        RuntimeError: ``target`` does not broadcast with ``input``.
        NotImplementedError: ``input`` and ``target`` are both of integer dtypes.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("mse_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "mse_loss")
    _check_broadcast(input, target, "mse_loss", warn=True)
    _check_floating_loss(input, target, "mse_loss")
    if weight is None and input.dtype == target.dtype and input._backend is target._backend:
        return _fused_losses.mse_loss(input, target, reduction)
    diff = ops.sub(input, target)
    return _weighted_pointwise(ops.mul(diff, diff), weight, input, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Compute the absolute error ``|input - target|``, as ``torch.nn.functional.l1_loss``.

    The gradient is 0 where ``input`` equals ``target``.

    Args:
        input: the predictions, a tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the weighted sum divided by the
            sum of the weights (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``weight`` is not of the input's
            shape.
        RuntimeError: ``target`` does not broadcast with ``input``.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("l1_loss", input, target, weight)
    reduction = _reduction_arg(reduction, size_average, reduce, "l1_loss")
    _check_broadcast(input, target, "l1_loss", warn=True)
    return _weighted_pointwise(ops.abs(ops.sub(input, target)), weight, input, reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Compute the smooth L1 loss of ``d = input - target``, as ``torch.nn.functional.smooth_l1_loss``.

    Each element is ``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``; ``beta = 0`` gives
    ``l1_loss``.

    Args:
        input: the predictions, a tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        beta: the non-negative threshold between the quadratic and the linear part (default 1.0).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``beta`` is negative, or ``target`` does not broadcast with ``input``.
        NotImplementedError: ``input`` and ``target`` are both of integer dtypes.
    """
    if AUTOCAST.active:
        input, target = autocast_args("smooth_l1_loss", input, target)
    reduction = _reduction_arg(reduction, size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    _check_broadcast(input, target, "smooth_l1_loss", warn=True)
    _check_floating_loss(input, target, "smooth_l1_loss")
    diff = ops.sub(input, target)
    ad = ops.abs(diff)
    if beta == 0.0:
        return _reduce(ad, reduction)
    loss = ops.where(ops.lt(ad, beta), ops.mul(ops.mul(diff, diff), 0.5 / beta), ops.sub(ad, 0.5 * beta))
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """Compute the Huber loss of ``d = input - target``, as ``torch.nn.functional.huber_loss``.

    Each element is ``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Args:
        input: the predictions, a floating tensor of any shape.
        target: the expected values, of the input's shape; a target that only broadcasts with the input warns (as
            PyTorch) and the loss has the broadcast shape.
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).
        delta: the positive threshold between the quadratic and the linear part (default 1.0).
        weight: optional per-element weights of the input's shape; ``'mean'`` is then the plain mean of the weighted
            loss, as PyTorch (default None).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the (broadcast) shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``, or ``weight`` is not of the input's
            shape.
        RuntimeError: ``delta <= 0``, ``target`` does not broadcast with ``input``, or ``input`` is of an integer
            dtype.
    """
    if AUTOCAST.active:
        input, target, weight = autocast_args("huber_loss", input, target, weight)
    reduction = _reduction_arg(reduction, None, None, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    _check_broadcast(input, target, "huber_loss", warn=True)
    _check_floating_result(input, "huber_loss")
    _check_floating_loss(input, target, "huber_loss")
    diff = ops.sub(input, target)
    ad = ops.abs(diff)
    loss = ops.where(ops.lt(ad, delta), ops.mul(ops.mul(diff, diff), 0.5), ops.mul(ops.sub(ad, 0.5 * delta), delta))
    return _weighted_pointwise(loss, weight, input, reduction, "huber_loss", mean_by_weight=False)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
