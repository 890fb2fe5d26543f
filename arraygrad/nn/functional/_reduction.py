"""The ``reduction`` argument of the losses and the checks of their targets."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.core import dtypes, ops, tracing
from arraygrad.core.conv import scalar_name
from arraygrad.core.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average: bool | None, reduce: bool | None, stacklevel: int = 4) -> str:
    """PyTorch's reading of the deprecated ``size_average`` / ``reduce`` flags as a ``reduction``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=stacklevel)
    return ret


def _reduction_arg(reduction: str, size_average: bool | None, reduce: bool | None, op: str,
                   allowed: tuple[str, ...] = _REDUCTIONS) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one of {', '.join(allowed)}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return ops.mean(loss)
    return ops.sum(loss) if reduction == "sum" else loss


def _check_broadcast(input: Tensor, target: Tensor, op: str, warn: bool) -> None:  # noqa: A002
    """A target that does not broadcast with the input raises; one that broadcasts without
    having the input's shape warns (``warn``, as PyTorch: it is usually a mistake)."""
    a, b = tuple(input.shape), tuple(target.shape)
    if a == b:
        return
    if warn:  # PyTorch warns first, whether or not the shapes then broadcast
        warnings.warn(
            f"{op}: using a target size ({b}) that is different to the input size ({a}). This will likely lead to "
            "incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
    for i, (p, q) in enumerate(zip(a[::-1], b[::-1])):
        if p != q and p != 1 and q != 1:
            dim = max(len(a), len(b)) - 1 - i
            raise RuntimeError(
                f"{op}: The size of tensor a ({p}) must match the size of tensor b ({q}) at non-singleton dimension "
                f"{dim} (input of shape {a}, target of shape {b})"
            )


def _check_floating_result(t: Tensor, op: str) -> None:
    """A loss whose PyTorch kernel writes into a tensor of ``t``'s dtype: an integer ``t``
    cannot hold the floating result."""
    if not t.dtype.is_floating_point:
        raise RuntimeError(
            f"{op}: result type Float can't be cast to the desired output type {scalar_name(t.dtype)} (an integer "
            f"{t.dtype.name} tensor where a floating one is needed)"
        )


def _check_floating_loss(input: Tensor, target: Tensor, op: str) -> None:  # noqa: A002
    """PyTorch's pointwise losses have no integer kernels: integer input and target together
    are refused (one floating side is enough; the other is promoted)."""
    if not input.dtype.is_floating_point and not target.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for integer input and target ('{scalar_name(input.dtype)}' and "
            f"'{scalar_name(target.dtype)}'); convert them to a floating dtype"
        )


def _same_shape(input: Tensor, target: Tensor, op: str, what: str = "target") -> None:  # noqa: A002
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{op}: {what} of shape {tuple(target.shape)} must have the input's shape {tuple(input.shape)}"
        )


def _host_range(t: Tensor) -> tuple[Any, Any]:
    """(min, max) of a non-empty tensor, as Python numbers (a host sync)."""
    d = t.detach()
    return ops.min(d).item(), ops.max(d).item()


def _check_class_target(input: Tensor, target: Tensor, op: str) -> Tensor:  # noqa: A002
    """PyTorch's dtype rule for class-index targets: int64 or uint8 (the latter read as int64
    here); any other integer, bool or floating dtype is refused rather than converted."""
    if target.dtype is dtypes.int64:
        return target
    if target.dtype is dtypes.uint8:
        return target.to(dtypes.int64)
    hint = ""
    if target.dtype.is_floating_point and input.ndim >= 1:
        hint = (f" (class probabilities must be a target of the input's shape {tuple(input.shape)}; class indices "
                "an int64 tensor)")
    raise RuntimeError(
        f"{op}: expected target dtype to be Long or Byte, but got {scalar_name(target.dtype)} "
        f"({target.dtype.name}){hint}"
    )


def _check_class_range(target: Tensor, n_classes: int, op: str, ignore_index: int | None = None,
                       low: int = 0) -> None:
    """Every class index in ``[low, n_classes)``, except those equal to ``ignore_index`` (one
    host sync; the offending value is looked up only on failure)."""
    t = target.detach()
    if ignore_index is not None:
        t = ops.where(ops.ne(t, ignore_index), t, low)
    if t.numel() == 0:
        return

    def fail(lo: int, hi: int) -> None:
        bad = hi if hi >= n_classes else lo
        allowed = f"{low} <= target < {n_classes}" + (
            "" if ignore_index is None else f", or ignore_index={ignore_index}"
        )
        raise IndexError(f"{op}: target class {bad} is out of range for {n_classes} classes (expected {allowed})")

    arr, xp = t._storage.array, t._backend.xp
    if t._backend.is_traced(arr):  # inside ag.compile: checked on the host after the program ran
        lo_arr, hi_arr = xp.min(arr), xp.max(arr)
        failed = xp.logical_or(xp.less(lo_arr, low), xp.greater_equal(hi_arr, n_classes))
        tracing.check_later(failed, (lo_arr, hi_arr), fail)
        return
    if not ops.any(ops.logical_or(ops.lt(t, low), ops.ge(t, n_classes))).item():
        return
    fail(*_host_range(t))


def _check_class_weight(weight: Tensor | None, n_classes: int, op: str, input: Tensor | None = None) -> None:  # noqa: A002
    if weight is None:
        return
    if tuple(weight.shape) != (n_classes,):
        raise RuntimeError(
            f"{op}: weight tensor should be defined either for all {n_classes} classes or no classes but got weight "
            f"tensor of shape: {tuple(weight.shape)}"
        )
    if input is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"{op}: expected scalar type {scalar_name(input.dtype)} but found {scalar_name(weight.dtype)}: the "
            f"weight ({weight.dtype.name}) must have the input's dtype ({input.dtype.name})"
        )


def _weighted_pointwise(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, op: str,  # noqa: A002
                        mean_by_weight: bool = True) -> Tensor:
    """Reduce an elementwise loss, with PyTorch's optional per-element ``weight`` (of the input's
    shape): ``'mean'`` is the weighted sum over the sum of weights (``mean_by_weight``) or the
    plain mean of the weighted loss (huber_loss)."""
    if weight is None:
        return _reduce(loss, reduction)
    _same_shape(input, weight, op, "weight")
    loss = ops.mul(loss, weight)
    if reduction == "mean" and mean_by_weight:
        return ops.div(ops.sum(loss), ops.sum(weight))
    return _reduce(loss, reduction)
