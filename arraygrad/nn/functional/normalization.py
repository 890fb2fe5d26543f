"""Batch, instance, layer, group and RMS normalization, and ``normalize``."""

from __future__ import annotations

from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import dtypes, ops, shape
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import no_grad
from arraygrad.core.conv import scalar_name
from arraygrad.core.tensor import Tensor
from arraygrad.nn._fused_norm import batch_norm_training
from arraygrad.nn.functional._utils import _require_floating

__all__ = [
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "normalize",
]


def _channel_shape(input: Tensor) -> tuple[int, ...]:  # noqa: A002
    """``(1, C, 1, ...)``: a per-channel vector broadcast against ``(N, C, *)``."""
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of ``(N, C, *)`` and scale and shift it, as ``torch.nn.functional.batch_norm``.

    Each channel is brought to zero mean and unit variance.

    Training: the batch's mean and biased variance over all dims but 1 normalise; the running statistics (when given)
    are updated in place, without a graph, as ``running = (1 - momentum) * running + momentum * batch`` with the
    *unbiased* batch variance. Evaluation (``training=False``): the running statistics normalise.

    Args:
        input: a floating ``(N, C)`` or ``(N, C, *)`` tensor.
        running_mean: the ``(C,)`` running mean, or None (needed when not training).
        running_var: the ``(C,)`` running variance, or None (needed when not training).
        weight: optional ``(C,)`` per-channel scale (default None).
        bias: optional ``(C,)`` per-channel shift (default None).
        training: normalise with the batch statistics and update the running ones (default False).
        momentum: the weight of the batch statistics in the running update (default 0.1).
        eps: added to the variance before its square root (default 1e-5).

    Returns:
        A tensor of the input's shape.

    Raises:
        ValueError: training with a single value per channel.
        RuntimeError: ``input`` with fewer than 2 dims, statistics or affine parameters not of shape ``(C,)`` or of
            another dtype than the input (float32 ones with a float16 or bfloat16 input are allowed), or no running
            statistics when not training.
        NotImplementedError: ``input`` is not floating point.
    """
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, "batch_norm")


def _batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
                weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float, eps: float,
                op: str) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    _require_floating(input, op)
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(
                f"{op}: input of shape {tuple(input.shape)} has {c} channels, but {name} has shape {tuple(t.shape)}"
            )
    _check_param_dtypes(input, op, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    if training:
        count = input.numel() // c if c else 0
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        # one graph node (nn/_fused_norm.py); the Tensor-op version serves higher-order gradients
        out, mean, var = batch_norm_training(input, weight, bias, eps, _batch_norm_composite)
        if running_mean is not None or running_var is not None:
            backend = input._backend
            with no_grad():
                if running_mean is not None:
                    batch_mean = Tensor._wrap(mean, backend)
                    running_mean.copy_(ops.add(ops.mul(running_mean, 1 - momentum), ops.mul(batch_mean, momentum)))
                if running_var is not None:
                    batch_var = ops.mul(Tensor._wrap(var, backend), count / (count - 1))
                    running_var.copy_(ops.add(ops.mul(running_var, 1 - momentum), ops.mul(batch_var, momentum)))
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: running_mean and running_var must be given when training=False")
    bshape = _channel_shape(input)
    mean = shape.reshape(running_mean, bshape)
    scale = ops.rsqrt(ops.add(shape.reshape(running_var, bshape), eps))
    out = ops.mul(ops.sub(input, mean), scale)
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def _batch_norm_composite(input: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float) -> Tensor:  # noqa: A002
    """Training-mode batch norm with Tensor ops (differentiable to any order)."""
    bshape = _channel_shape(input)
    axes = (0,) + tuple(range(2, input.ndim))
    mean = ops.mean(input, axes, keepdim=True)
    centered = ops.sub(input, mean)
    var = ops.mean(ops.mul(centered, centered), axes, keepdim=True)
    out = ops.mul(centered, ops.rsqrt(ops.add(var, eps)))
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,  # noqa: A002
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims, as ``torch.nn.functional.instance_norm``.

    It is the batch norm of the ``(1, N * C, *)`` view, as PyTorch; running statistics, when given and
    ``use_input_stats``, are updated in place with the mean over the batch of the per-sample statistics.

    Args:
        input: a floating ``(N, C, *)`` tensor with at least one spatial dim.
        running_mean: optional ``(C,)`` running mean (default None).
        running_var: optional ``(C,)`` running variance (default None).
        weight: optional ``(C,)`` per-channel scale (default None).
        bias: optional ``(C,)`` per-channel shift (default None).
        use_input_stats: normalise with each sample's own statistics; False uses the running statistics, which must
            then be given (default True).
        momentum: the weight of the new statistics in the running update (default 0.1).
        eps: added to the variance before its square root (default 1e-5).

    Returns:
        A tensor of the input's shape.

    Raises:
        ValueError: ``input`` with fewer than 3 dims and ``use_input_stats``, or a single spatial element per channel
            with ``use_input_stats``.
        RuntimeError: ``input`` with fewer than 3 dims without ``use_input_stats``, parameters or statistics not of
            shape ``(C,)`` or of another dtype than the input, or no running statistics without ``use_input_stats``.
        IndexError: an empty batch or channel dim.
        NotImplementedError: ``input`` is not floating point.
    """
    if input.ndim < 3:
        if use_input_stats:  # PyTorch's check: no spatial dims means one element per channel
            raise ValueError(
                f"instance_norm: Expected more than 1 spatial element when training, got input size "
                f"{list(input.shape)} (expected an input of shape (N, C, *))"
            )
        raise RuntimeError(f"instance_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if n == 0 or c == 0:  # PyTorch's per-sample split fails on an empty batch: an IndexError
        raise IndexError(f"instance_norm: expected a non-empty batch and channel dim, got input of shape {tuple(input.shape)}")
    _require_floating(input, "instance_norm")
    _check_param_dtypes(input, "instance_norm", running_mean=running_mean, running_var=running_var, weight=weight,
                        bias=bias)
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(
                f"instance_norm: input of shape {tuple(input.shape)} has {c} channels, but {name} has shape "
                f"{tuple(t.shape)}"
            )
    folded = shape.reshape(input, (1, n * c) + tuple(input.shape[2:]))
    rm = None if running_mean is None else shape.tile(running_mean.detach(), (n,))
    rv = None if running_var is None else shape.tile(running_var.detach(), (n,))
    out = _batch_norm(folded, rm, rv, None, None, use_input_stats, momentum, eps, "instance_norm")
    with no_grad():
        if running_mean is not None and rm is not None and use_input_stats:
            running_mean.copy_(ops.mean(shape.reshape(rm, (n, c)), 0))
        if running_var is not None and rv is not None and use_input_stats:
            running_var.copy_(ops.mean(shape.reshape(rv, (n, c)), 0))
    out = shape.reshape(out, tuple(input.shape))
    bshape = _channel_shape(input)
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def _check_trailing_shape(input: Tensor, normalized_shape: Any, op: str) -> tuple[int, ...]:  # noqa: A002
    """``normalized_shape`` as a tuple, checked to be the input's trailing dims."""
    entries = (normalized_shape,) if isinstance(normalized_shape, (int, float)) else tuple(normalized_shape)
    if any(not hasattr(type(s), "__index__") or isinstance(s, bool) for s in entries):
        raise TypeError(f"{op}(): argument 'normalized_shape' must be a tuple of ints, got {normalized_shape!r}")
    ns = tuple(int(s) for s in entries)
    k = len(ns)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(
            f"{op}: given normalized_shape={list(ns)}, expected input with shape [*, "
            f"{', '.join(str(s) for s in ns)}], but got input of size {list(input.shape)}"
        )
    return ns


def _check_norm_params(input: Tensor, weight: Tensor | None, bias: Tensor | None, want: tuple[int, ...],  # noqa: A002
                       op: str, what: str) -> None:
    """A normalization's floating input and its affine parameters' shapes (``want``) and dtype,
    checked as PyTorch does before any arithmetic (else a broadcast error names ``mul``)."""
    _require_floating(input, op)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if tuple(p.shape) != want:
            raise RuntimeError(
                f"{op}: Expected {name} to be {what}, but got {name} of shape {list(p.shape)} and "
                f"{'normalized_shape = ' if op == 'layer_norm' else 'input of shape '}"
                f"{list(want) if op == 'layer_norm' else list(input.shape)}"
            )
        # PyTorch's one allowed mix: float32 parameters with a float16/bfloat16 input
    _check_param_dtypes(input, op, weight=weight, bias=bias)


def _check_param_dtypes(input: Tensor, op: str, **params: Tensor | None) -> None:  # noqa: A002
    """A normalization's parameters and statistics must have the input's dtype; PyTorch's one
    allowed mix is float32 parameters with a float16/bfloat16 input."""
    for name, p in params.items():
        if p is not None and p.dtype != input.dtype and not (p.dtype is dtypes.float32 and input.dtype.itemsize < 4):
            raise RuntimeError(
                f"{op}: mixed dtype: expect parameter to have scalar type of {scalar_name(input.dtype)}, but "
                f"{name} is {p.dtype.name}"
            )


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing dims, then scale and shift, as ``torch.nn.functional.layer_norm``.

    The mean and biased variance are taken over the trailing dims of each sample; the result is multiplied by
    ``weight`` and ``bias`` is added, elementwise.

    Args:
        input: a floating tensor whose trailing dims are ``normalized_shape``.
        normalized_shape: the normalized trailing dims, an int or a tuple of ints.
        weight: optional scale of shape ``normalized_shape`` (default None).
        bias: optional shift of shape ``normalized_shape`` (default None).
        eps: added to the variance before its square root (default 1e-5).

    Returns:
        A tensor of the input's shape.

    Raises:
        RuntimeError: the input's trailing dims are not ``normalized_shape`` (or it is empty), or ``weight`` or
            ``bias`` is not of that shape or of another dtype than the input.
        TypeError: ``normalized_shape`` with a non-integer entry.
        NotImplementedError: ``input`` is not floating point.
    """
    if AUTOCAST.active:
        input, weight, bias = autocast_args("layer_norm", input, weight, bias)
    ns = _check_trailing_shape(input, normalized_shape, "layer_norm")
    _check_norm_params(input, weight, bias, ns, "layer_norm", "of same shape as normalized_shape")
    k = len(ns)
    axes = tuple(range(input.ndim - k, input.ndim))
    mean = ops.mean(input, axes, keepdim=True)
    centered = ops.sub(input, mean)
    var = ops.mean(ops.mul(centered, centered), axes, keepdim=True)
    out = ops.mul(centered, ops.rsqrt(ops.add(var, eps)))
    if weight is not None:
        out = ops.mul(out, weight)
    if bias is not None:
        out = ops.add(out, bias)
    return out


_MACHINE_EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 2.0**-23, "float64": 2.0**-52}


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """Divide ``input`` by its root mean square over the trailing dims, as ``torch.nn.functional.rms_norm``.

    The result is ``input / sqrt(mean(input**2) + eps) * weight``.

    Args:
        input: a floating tensor whose trailing dims are ``normalized_shape``.
        normalized_shape: the normalized trailing dims, an int or a tuple of ints.
        weight: optional scale of shape ``normalized_shape`` (default None).
        eps: added to the mean square; None means the machine epsilon of the input's dtype, as PyTorch (default None).

    Returns:
        A tensor of the input's shape.

    Raises:
        ValueError: a 0-d input.
        RuntimeError: the input's trailing dims are not ``normalized_shape`` (or it is empty), or ``weight`` is not of
            that shape.
        TypeError: ``normalized_shape`` with a non-integer entry.
        NotImplementedError: ``input`` is not floating point.
    """
    if input.ndim == 0:
        raise ValueError(f"rms_norm: expected an input with at least 1 dim, got a 0-d input ({normalized_shape=})")
    k = len(_check_trailing_shape(input, normalized_shape, "rms_norm"))
    _require_floating(input, "rms_norm")
    if weight is not None and tuple(weight.shape) != tuple(input.shape[input.ndim - k:]):
        raise RuntimeError(
            f"rms_norm: Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {list(input.shape[input.ndim - k:])}"
        )
    if eps is None:
        eps = _MACHINE_EPS.get(input.dtype.name, 2.0**-23)
    axes = tuple(range(input.ndim - k, input.ndim))
    out = ops.mul(input, ops.rsqrt(ops.add(ops.mean(ops.mul(input, input), axes, keepdim=True), eps)))
    return out if weight is None else ops.mul(out, weight)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise groups of channels of each sample, then scale and shift, as ``torch.nn.functional.group_norm``.

    The channels of ``(N, C, *)`` are split into ``num_groups`` consecutive groups; each group of each sample is
    normalised with its mean and biased variance, then the per-channel ``weight`` and ``bias`` apply.

    Args:
        input: a floating ``(N, C, *)`` tensor.
        num_groups: the number of groups; it divides ``C``.
        weight: optional ``(C,)`` per-channel scale (default None).
        bias: optional ``(C,)`` per-channel shift (default None).
        eps: added to the variance before its square root (default 1e-5).

    Returns:
        A tensor of the input's shape.

    Raises:
        RuntimeError: ``input`` with fewer than 2 dims, ``C`` not divisible by a positive ``num_groups``, or
            ``weight`` or ``bias`` not of shape ``(C,)`` or of another dtype than the input.
        NotImplementedError: ``input`` is not floating point.
    """
    if AUTOCAST.active:
        input, weight, bias = autocast_args("group_norm", input, weight, bias)
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *), got shape {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"group_norm: expected the number of channels of the input of shape {tuple(input.shape)} to be "
            f"divisible by num_groups={num_groups}"
        )
    _check_norm_params(input, weight, bias, (c,), "group_norm",
                       "a vector of size equal to the number of channels in input")
    grouped = shape.reshape(input, (n, num_groups, -1))
    mean = ops.mean(grouped, -1, keepdim=True)
    centered = ops.sub(grouped, mean)
    var = ops.mean(ops.mul(centered, centered), -1, keepdim=True)
    out = shape.reshape(ops.mul(centered, ops.rsqrt(ops.add(var, eps))), tuple(input.shape))
    bshape = _channel_shape(input)
    if weight is not None:
        out = ops.mul(out, shape.reshape(weight, bshape))
    if bias is not None:
        out = ops.add(out, shape.reshape(bias, bshape))
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:  # noqa: A002
    """Divide ``input`` by its ``p``-norm along ``dim``, as ``torch.nn.functional.normalize``.

    The result is ``input / max(||input||_p, eps)``, each norm taken along ``dim`` (kept).

    Args:
        input: a floating tensor of any shape.
        p: the order of the norm (default 2.0).
        dim: the dim along which the norm is taken (default 1).
        eps: the smallest norm divided by, which avoids a division by zero (default 1e-12).
        out: not supported; must be None (default None).

    Returns:
        A tensor of the input's shape and dtype.

    Raises:
        NotImplementedError: ``out`` is given.
        RuntimeError: ``input`` is not floating point.
    """
    if out is not None:
        raise NotImplementedError("normalize: the out= argument is not supported")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"normalize: Expected a floating point or complex tensor as input, got {input.dtype.name}")
    norm = ops.clamp(ops.norm(input, p, dim, keepdim=True), min=eps)
    return ops.div(input, norm)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
