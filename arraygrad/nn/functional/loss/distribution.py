"""Losses of distributions: the divergence ``kl_div`` and the negative log-likelihoods of a Poisson
(``poisson_nll_loss``) and of a Gaussian (``gaussian_nll_loss``).
"""

from __future__ import annotations

import math
import warnings

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, ops, shape
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._reduction import (
    _REDUCTIONS,
    _check_broadcast,
    _check_floating_result,
    _host_range,
    _legacy_reduction,
    _reduce,
    _reduction_arg,
)

__all__ = ["kl_div", "poisson_nll_loss", "gaussian_nll_loss"]


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Compute the Kullback-Leibler divergence of ``target`` from ``input``, as ``torch.nn.functional.kl_div``.

    ``input`` holds log-probabilities; each element is ``target * (log(target) - input)``, with ``0 * log(0) = 0``.
    With ``log_target`` the target holds log-probabilities too and each element is ``exp(target) * (target - input)``.

    Args:
        input: floating log-probabilities of any shape.
        target: floating probabilities (log-probabilities with ``log_target``) that broadcast with the input.
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'batchmean'`` (the sum divided by the batch size ``input.shape[0]``: the true KL divergence),
            ``'sum'``, ``'none'``, or ``'mean'`` (the mean over all elements; it warns, as PyTorch, since it is rarely
            what is meant) (default ``'mean'``).
        log_target: ``target`` is given as log-probabilities (default False).

    Returns:
        A 0-d tensor, or the elementwise loss of the broadcast shape for ``'none'``.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'batchmean'``, ``'sum'`` or ``'mean'``.
        RuntimeError: ``target`` does not broadcast with ``input``, or either is of an integer dtype.
    """
    if AUTOCAST.active:
        input, target = autocast_args("kl_div", input, target)
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, stacklevel=3)
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one of "
                         "none, batchmean, sum, mean")
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    _check_broadcast(input, target, op, warn=False)
    _check_floating_result(input, op)
    _check_floating_result(target, op)
    if log_target:
        loss = ops.mul(ops.exp(target), ops.sub(target, input))
    else:
        nonzero = ops.ne(target, 0)
        xlogx = ops.where(nonzero, ops.mul(target, ops.log(ops.where(nonzero, target, 1.0))), 0.0)
        loss = ops.sub(xlogx, ops.mul(target, input))
    if reduction == "batchmean":
        total = ops.sum(loss)
        return ops.div(total, input.shape[0]) if input.ndim else total
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Compute the Poisson negative log-likelihood, as ``torch.nn.functional.poisson_nll_loss``.

    Each element is ``exp(input) - target * input`` with ``log_input``, else ``input - target * log(input + eps)``;
    ``full`` adds Stirling's approximation of ``log(target!)``,
    ``target * log(target) - target + 0.5 * log(2 * pi * target)``, where ``target > 1``.

    Args:
        input: the predicted rates (their logs with ``log_input``), a tensor of any shape.
        target: the observed counts, broadcast with the input.
        log_input: ``input`` holds log-rates (default True).
        full: add the Stirling term (default False).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        eps: added to ``input`` before its log when ``log_input`` is false (default 1e-8).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` returns the unreduced loss whatever ``size_average`` says (default None).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss of the broadcast shape.

    Raises:
        ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
        RuntimeError: ``target`` does not broadcast with ``input``.
    """
    if AUTOCAST.active:
        input, target = autocast_args("poisson_nll_loss", input, target)
    op = "poisson_nll_loss"
    reduction = _reduction_arg(reduction, size_average, reduce, op)
    _check_broadcast(input, target, op, warn=False)
    if log_input:
        loss = ops.sub(ops.exp(input), ops.mul(target, input))
    else:
        loss = ops.sub(input, ops.mul(target, ops.log(ops.add(input, eps))))
    if full:
        big = ops.gt(target, 1)
        safe = ops.where(big, target, 1.0)
        stirling = ops.add(ops.sub(ops.mul(safe, ops.log(safe)), safe), ops.mul(ops.log(ops.mul(safe, 2 * math.pi)), 0.5))
        loss = ops.add(loss, ops.where(big, stirling, 0.0))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Compute the Gaussian negative log-likelihood, as ``torch.nn.functional.gaussian_nll_loss``.

    Each element is ``0.5 * (log(var) + (input - target)**2 / var)``, plus ``0.5 * log(2 * pi)`` when ``full``;
    ``var`` is clamped to ``eps`` for stability (the clamp does not stop its gradient, as PyTorch).

    Args:
        input: the expected values, a floating tensor of any shape.
        target: the samples, broadcast with the input.
        var: non-negative variances: a floating tensor of the input's shape, or with one dim of size 1 (or the last
            dim missing) for a variance shared along it; or a float.
        full: add the constant ``0.5 * log(2 * pi)`` (default False).
        eps: the smallest variance used (default 1e-6).
        reduction: ``'none'`` (no reduction), ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Returns:
        A 0-d tensor for ``'mean'`` and ``'sum'``, else the elementwise loss.

    Raises:
        TypeError: ``var`` is neither a Tensor nor a number.
        RuntimeError: ``var`` is a tensor of an integer dtype.
        ValueError: a negative variance (the smallest is named), ``var`` of an incompatible shape (both shapes are
            named), or ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
    """
    op = "gaussian_nll_loss"
    if not isinstance(var, (Tensor, int, float)) or isinstance(var, bool):
        raise TypeError(f"{op}(): argument 'var' must be Tensor or float, not {type(var).__name__}")
    if isinstance(var, Tensor) and not var.dtype.is_floating_point:
        raise RuntimeError(f"{op}: var must be a floating tensor, got {var.dtype.name}")
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries: {var}")
        var = creation.full_like(input.detach(), float(var))
    elif var.numel() and ops.any(ops.lt(var.detach(), 0)).item():
        lo, _ = _host_range(var)
        raise ValueError(f"{op}: var has negative entry/entries (min {lo}); variances must be non-negative")
    xs, vs = tuple(input.shape), tuple(var.shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = shape.unsqueeze(var, -1)
        elif not (len(xs) == len(vs) and sum(v for x, v in zip(xs, vs) if x != v) == 1):
            raise ValueError(f"{op}: var of shape {vs} is of incorrect size for input of shape {xs}")
    reduction = _reduction_arg(reduction, None, None, op)
    v = var.detach()
    var = ops.add(var, ops.sub(ops.clamp(v, min=eps), v))
    diff = ops.sub(input, target)
    loss = ops.mul(ops.add(ops.log(var), ops.div(ops.mul(diff, diff), var)), 0.5)
    if full:
        loss = ops.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, reduction)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
