"""Linear and bilinear maps: ``linear``, ``bilinear``."""

from __future__ import annotations

import math

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import ops, shape
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.conv import scalar_name
from arraygrad.core.tensor import Tensor

__all__ = [
    "bilinear", "linear",
]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """Apply the affine map ``input @ weight.T + bias``, as ``torch.nn.functional.linear``.

    Args:
        input: ``(*, in_features)``, of the weight's dtype.
        weight: ``(out_features, in_features)`` (or ``(in_features,)`` for a single output).
        bias: optional bias of the input's dtype, ``(out_features,)`` or broadcastable to the output (default None).

    Returns:
        ``(*, out_features)`` (``(*)`` for a 1-d weight).

    Raises:
        RuntimeError: input, weight and bias of different dtypes, a 0-d input or weight, a weight of more than 2 dims,
            ``in_features`` that do not match, or a bias that does not broadcast to the output.
    """
    if AUTOCAST.active:
        input, weight, bias = autocast_args("linear", input, weight, bias)
    _check_linear(input, weight, bias)
    if bias is not None and weight.ndim == 2 and input.ndim >= 1 and input.dtype == weight.dtype == bias.dtype:
        # one fused node (PyTorch's AddmmBackward0), on the rows of a 2-d view of the input
        if input.ndim == 2:
            return ops._addmm(bias, input, weight, 1, 1, True, "linear")
        rows = shape.reshape(input, (-1, input.shape[-1]))
        out = ops._addmm(bias, rows, weight, 1, 1, True, "linear")
        return shape.reshape(out, (*input.shape[:-1], weight.shape[0]))
    w = shape.transpose(weight, 0, 1) if weight.ndim == 2 else weight
    out = ops.matmul(input, w)
    return out if bias is None else ops.add(out, bias)


def _check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:  # noqa: A002
    """PyTorch's dtype and shape checks of ``linear`` (on dtypes and shapes only), so that a
    mismatch gets one message on every backend instead of a backend's broadcast error or a
    silent type promotion."""
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"linear: mat1 and mat2 must have the same dtype, but got {scalar_name(input.dtype)} and "
            f"{scalar_name(weight.dtype)} (input {input.dtype.name}, weight {weight.dtype.name})"
        )
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"linear: both arguments to linear need to be at least 1D, but they are {input.ndim}D and {weight.ndim}D"
        )
    if weight.ndim > 2:
        raise RuntimeError(f"linear: t() expects a tensor with <= 2 dimensions, but weight is {weight.ndim}D")
    in_features = input.shape[-1]
    if weight.shape[-1] != in_features:
        rows = math.prod(input.shape[:-1])
        w = tuple(weight.shape[::-1]) if weight.ndim == 2 else (weight.shape[0], 1)
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{in_features} and {w[0]}x{w[1]})"
        )
    if bias is not None:
        if bias.dtype != input.dtype:
            raise RuntimeError(
                f"linear: self and mat2 must have the same dtype, but got {scalar_name(bias.dtype)} and "
                f"{scalar_name(input.dtype)} (bias {bias.dtype.name}, input {input.dtype.name})"
            )
        out = tuple(input.shape[:-1]) + ((weight.shape[0],) if weight.ndim == 2 else ())
        b = tuple(bias.shape)
        if len(b) > len(out) or any(d not in (1, o) for d, o in zip(b[::-1], out[::-1])):
            raise RuntimeError(
                f"linear: the bias of shape {list(b)} cannot be broadcast to the output's shape {list(out)} "
                f"(expected bias of shape [{out[-1] if out else ''}])"
            )


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Apply a bilinear map to two inputs, as ``torch.nn.functional.bilinear``.

    Output feature ``k`` is ``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, with the leading shape of ``input1``.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: optional ``(out_features,)`` bias (default None).

    Returns:
        ``(*, out_features)``.

    Raises:
        RuntimeError: inputs, weight and bias of different dtypes, a weight of more than 3 dims, feature sizes that do
            not match the weight, different leading shapes, or a bias not of shape ``(out_features,)``.
        IndexError: a weight of fewer than 3 dims, or a 0-d bias (as PyTorch).
    """
    if not input1.dtype == input2.dtype == weight.dtype:
        raise RuntimeError(
            f"bilinear: All tensors must have the same dtype, got input1: {input1.dtype.name}, input2: "
            f"{input2.dtype.name}, weight: {weight.dtype.name}"
        )
    if weight.ndim != 3:
        # PyTorch indexes the weight's dims before checking them: an IndexError for fewer than 3
        kind = IndexError if weight.ndim < 3 else RuntimeError
        raise kind(f"bilinear: expected a 3-d weight (out, in1, in2), got shape {list(weight.shape)}")
    out_f, in1, in2 = weight.shape
    for name, x, want in (("input1", input1, in1), ("input2", input2, in2)):
        if x.ndim == 0 or x.shape[-1] != want:
            got = x.shape[-1] if x.ndim else "a 0-d tensor"
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {got} but expected {want}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    if bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(f"bilinear(): expected the bias's dtype {bias.dtype.name} to be the weight's {weight.dtype.name}")
    if bias is not None and tuple(bias.shape) != (out_f,):
        kind = IndexError if bias.ndim == 0 else RuntimeError  # PyTorch indexes a 0-d bias's size first
        raise kind(f"bilinear(): bias size does not match weight size: got {list(bias.shape)} but expected [{out_f}]")
    lead = tuple(input1.shape[:-1])
    x1 = shape.reshape(input1, (-1, in1))
    x2 = shape.reshape(input2, (-1, 1, in2))
    # (N, in1) @ (in1, out * in2) -> (N, out, in2), then contract in2 with input2
    w = shape.reshape(shape.permute(weight, (1, 0, 2)), (in1, out_f * in2))
    tmp = shape.reshape(ops.matmul(x1, w), (-1, out_f, in2))
    out = ops.sum(ops.mul(tmp, x2), -1)
    if bias is not None:
        out = ops.add(out, bias)
    return shape.reshape(out, lead + (out_f,))


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
