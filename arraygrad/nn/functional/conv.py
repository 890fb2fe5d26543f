"""Convolutions, transposed convolutions, ``unfold`` and ``fold``."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, shape
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.conv import (
    _ConvParams,
    _tuple,
    check_window,
    conv_transpose_raw,
    conv_transposend,
    convnd,
)
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._utils import _require_floating

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold",
]

# The kernels and their gradients (of any order) live in core.conv; these add PyTorch's
# signatures and unbatched (C, *spatial) inputs. ``op`` names the caller in error messages
# (the modules pass their class name).


def _unbatched_call(input: Tensor, nd: int, op: str, fn: Any) -> Tensor:  # noqa: A002
    """``fn(input)`` on a batched input; an unbatched one gets a batch dim of 1 for the call."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}: expected a {nd + 1}-d (unbatched) or {nd + 2}-d (batched) input, got input of shape "
            f"{tuple(input.shape)}"
        )
    if input.ndim == nd + 1:
        return shape.squeeze(fn(shape.unsqueeze(input, 0)), 0)
    return fn(input)


def _check_channels(input: Tensor, weight: Tensor, groups: int, nd: int, transposed: bool, op: str) -> None:  # noqa: A002
    """The channel check of core.conv, made here so that an unbatched input's own shape is reported."""
    if input.ndim == nd + 1 and weight.ndim == nd + 2 and groups > 0:
        expected = weight.shape[0] if transposed else weight.shape[1] * groups
        if input.shape[0] != expected:
            raise RuntimeError(
                f"{op}: unbatched input of shape {tuple(input.shape)} has {input.shape[0]} channels, but the weight "
                f"of shape {tuple(weight.shape)} with groups={groups} expects {expected}"
            )


def _conv(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any, dilation: Any,  # noqa: A002
          groups: int, nd: int, op: str) -> Tensor:
    _check_channels(input, weight, groups, nd, False, op)
    if AUTOCAST.active:
        input, weight, bias = autocast_args(op, input, weight, bias)
    return _unbatched_call(input, nd, op, lambda x: convnd(x, weight, bias, stride, padding, dilation, groups, nd, op))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution (cross-correlation, as PyTorch).

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, k)``; bias: ``(C_out,)`` or None.
        stride: int or 1-tuple.
        dilation: int or 1-tuple.
        padding: int, 1-tuple, ``'valid'`` (none) or ``'same'`` (output length = input length;
            stride must be 1; any odd extra padding goes to the right, as PyTorch).
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, C_out, L_out)`` (or ``(C_out, L_out)``).

    Raises:
        RuntimeError: wrong input dims, channel count not matching the weight and groups, a
            bias of the wrong shape, or an input smaller than the kernel.
        ValueError: bad padding string, or ``'same'`` with a stride.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution: ``input`` ``(N, C_in, H, W)`` or ``(C_in, H, W)``, ``weight``
    ``(C_out, C_in / groups, kH, kW)``; arguments and errors as ``conv1d`` (ints or 2-tuples)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-d convolution: ``input`` ``(N, C_in, D, H, W)`` or unbatched; arguments as ``conv1d``."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,  # noqa: A002
                    output_padding: Any, groups: int, dilation: Any, nd: int, op: str) -> Tensor:
    _check_channels(input, weight, groups, nd, True, op)
    if AUTOCAST.active:
        input, weight, bias = autocast_args(op, input, weight, bias)
    return _unbatched_call(
        input, nd, op,
        lambda x: conv_transposend(x, weight, bias, stride, padding, output_padding, groups, dilation, nd, op),
    )


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-d transposed convolution (the gradient of ``conv1d`` with respect to its input).

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, k)``; bias: ``(C_out,)`` or None.
        stride: as the ``conv1d`` this transposes (ints only, no strings).
        padding: as the ``conv1d`` this transposes (ints only, no strings).
        dilation: as the ``conv1d`` this transposes (ints only, no strings).
        output_padding: extra size added to one side of the output (smaller than the stride
            or the dilation).

    Returns:
        ``(N, C_out, (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1)``.

    Raises:
        RuntimeError: wrong dims or channels, or an ``output_padding`` too large.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-d transposed convolution; arguments as ``conv_transpose1d`` (ints or 2-tuples)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-d transposed convolution; arguments as ``conv_transpose1d`` (ints or 3-tuples)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d")


def _im2col_weight(channels: int, kernel: tuple[int, ...], like: Tensor) -> Tensor:
    """``(C * prod(k), 1, *k)`` one-hot filters: a grouped convolution with them copies every
    kernel window into channels, in PyTorch's ``unfold`` order (channel, then kernel offset)."""
    k = math.prod(kernel)
    eye = creation.eye(k, dtype=like.dtype, backend=like._backend)
    return shape.reshape(shape.tile(eye, (channels, 1)), (channels * k, 1) + kernel)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:  # noqa: A002
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` -> ``(N, C * kH * kW, L)`` where L is
    the number of block positions (also ``(C, H, W)`` -> ``(C * kH * kW, L)``).

    Raises:
        RuntimeError: input not 3-d or 4-d, or smaller than the (dilated) kernel.
    """
    if input.ndim < 2:  # PyTorch reads dim -3's size first: an IndexError
        raise IndexError(
            f"unfold: expected a 3-d (unbatched) or 4-d (batched) input, got input of shape {tuple(input.shape)}"
        )
    _require_floating(input, "unfold")
    kernel = _tuple(kernel_size, 2, "kernel_size", "unfold")
    check_window("unfold", kernel, _tuple(stride, 2, "stride", "unfold"), _tuple(padding, 2, "padding", "unfold"),
                 _tuple(dilation, 2, "dilation", "unfold"))

    def run(x: Tensor) -> Tensor:
        w = _im2col_weight(x.shape[1], kernel, x)
        cols = convnd(x, w, None, stride, padding, dilation, x.shape[1], 2, "unfold")
        return shape.flatten(cols, 2)

    return _unbatched_call(input, 2, "unfold", run)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Tensor:
    """Sum sliding blocks back into an image (col2im, the adjoint of ``unfold``):
    ``(N, C * kH * kW, L)`` -> ``(N, C, *output_size)`` (overlapping values add up).

    Raises:
        RuntimeError: input not 2-d or 3-d, its size not a multiple of ``kH * kW``, or L not
            the number of blocks that fit in ``output_size``.
    """
    kernel = _tuple(kernel_size, 2, "kernel_size", "fold")
    size = _tuple(output_size, 2, "output_size", "fold")
    st = _tuple(stride, 2, "stride", "fold")
    pd = _tuple(padding, 2, "padding", "fold")
    dl = _tuple(dilation, 2, "dilation", "fold")
    check_window("fold", kernel, st, pd, dl)
    _require_floating(input, "fold")
    blocks = [(size[i] + 2 * pd[i] - dl[i] * (kernel[i] - 1) - 1) // st[i] + 1 for i in range(2)]
    k = math.prod(kernel)

    def run(x: Tensor) -> Tensor:
        if x.shape[1] % k:
            raise RuntimeError(
                f"fold: expected size of input's dimension 1 to be divisible by the product of kernel_size "
                f"({k}), but got input of shape {tuple(x.shape)}"
            )
        if x.shape[2] != blocks[0] * blocks[1]:
            raise RuntimeError(
                f"fold: expected input's dimension 2 to match the calculated number of sliding blocks "
                f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input of shape {tuple(x.shape)}"
            )
        c = x.shape[1] // k
        w = _im2col_weight(c, kernel, x)
        cols = shape.reshape(x, (x.shape[0], x.shape[1], blocks[0], blocks[1]))
        p = _ConvParams(st, tuple((q, q) for q in pd), dl, c)
        return conv_transpose_raw(cols, w, (x.shape[0], c) + size, p)

    return _unbatched_call(input, 1, "fold", run)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
