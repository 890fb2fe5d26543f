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
    """Apply a 1-d convolution (a cross-correlation) over the last dim, as ``torch.nn.functional.conv1d``.

    Each output size is ``floor((size + total padding - dilation * (kernel - 1) - 1) / stride) + 1``.

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``, of the weight's dtype.
        weight: the filters ``(C_out, C_in / groups, k)``.
        bias: optional ``(C_out,)`` bias added to every output position (default None).
        stride: the step of the kernel, an int or a 1-tuple (default 1).
        padding: implicit zeros on both sides, an int or a 1-tuple; or ``'valid'`` (none) or ``'same'`` (output size =
            input size, stride 1 only; an odd extra padding goes to the end, as PyTorch) (default 0).
        dilation: the spacing of the kernel's elements, an int or a 1-tuple (default 1).
        groups: split the channels into this many independent convolutions; it divides ``C_in`` and ``C_out`` (default
            1).

    Returns:
        ``(N, C_out, L_out)`` (or ``(C_out, L_out)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` without 2 or 3 dims, a weight of the wrong rank or empty, channels that do not match
            the weight and ``groups``, ``groups < 1``, a bias of the wrong shape, input, weight or bias of different
            dtypes or backends, an unknown padding string, ``'same'`` with a stride, a window argument of the wrong
            length or sign, or an input smaller than the (dilated) kernel.
        TypeError: a window argument with a non-integer entry.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """Apply a 2-d convolution (a cross-correlation) over the last 2 dims, as ``torch.nn.functional.conv2d``.

    Each output size is ``floor((size + total padding - dilation * (kernel - 1) - 1) / stride) + 1``.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``, of the weight's dtype.
        weight: the filters ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)`` bias added to every output position (default None).
        stride: the step of the kernel, an int or a 2-tuple (default 1).
        padding: implicit zeros on both sides, an int or a 2-tuple; or ``'valid'`` (none) or ``'same'`` (output size =
            input size, stride 1 only; an odd extra padding goes to the end, as PyTorch) (default 0).
        dilation: the spacing of the kernel's elements, an int or a 2-tuple (default 1).
        groups: split the channels into this many independent convolutions; it divides ``C_in`` and ``C_out`` (default
            1).

    Returns:
        ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` without 3 or 4 dims, a weight of the wrong rank or empty, channels that do not match
            the weight and ``groups``, ``groups < 1``, a bias of the wrong shape, input, weight or bias of different
            dtypes or backends, an unknown padding string, ``'same'`` with a stride, a window argument of the wrong
            length or sign, or an input smaller than the (dilated) kernel.
        TypeError: a window argument with a non-integer entry.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """Apply a 3-d convolution (a cross-correlation) over the last 3 dims, as ``torch.nn.functional.conv3d``.

    Each output size is ``floor((size + total padding - dilation * (kernel - 1) - 1) / stride) + 1``.

    Args:
        input: ``(N, C_in, D, H, W)`` or unbatched ``(C_in, D, H, W)``, of the weight's dtype.
        weight: the filters ``(C_out, C_in / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)`` bias added to every output position (default None).
        stride: the step of the kernel, an int or a 3-tuple (default 1).
        padding: implicit zeros on both sides, an int or a 3-tuple; or ``'valid'`` (none) or ``'same'`` (output size =
            input size, stride 1 only; an odd extra padding goes to the end, as PyTorch) (default 0).
        dilation: the spacing of the kernel's elements, an int or a 3-tuple (default 1).
        groups: split the channels into this many independent convolutions; it divides ``C_in`` and ``C_out`` (default
            1).

    Returns:
        ``(N, C_out, D_out, H_out, W_out)`` (or ``(C_out, D_out, H_out, W_out)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` without 4 or 5 dims, a weight of the wrong rank or empty, channels that do not match
            the weight and ``groups``, ``groups < 1``, a bias of the wrong shape, input, weight or bias of different
            dtypes or backends, an unknown padding string, ``'same'`` with a stride, a window argument of the wrong
            length or sign, or an input smaller than the (dilated) kernel.
        TypeError: a window argument with a non-integer entry.
    """
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
    """Apply a 1-d transposed convolution over the last dim, as ``torch.nn.functional.conv_transpose1d``.

    It is the gradient of ``conv1d`` with respect to its input. Each output size is
    ``(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``.

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``, of the weight's dtype.
        weight: the filters ``(C_in, C_out / groups, k)``.
        bias: optional ``(C_out,)`` bias added to every output position, cast to the input's dtype (default None).
        stride: the stride of the ``conv1d`` this transposes, an int or a 1-tuple (default 1).
        padding: the padding of the ``conv1d`` this transposes, an int or a 1-tuple (no strings): the output is
            ``padding`` smaller on each side (default 0).
        output_padding: extra size added to the end of each output dim, an int or a 1-tuple, smaller than the stride
            or the dilation (default 0).
        groups: split the channels into this many independent convolutions; it divides ``C_in`` (default 1).
        dilation: the spacing of the kernel's elements, an int or a 1-tuple (default 1).

    Returns:
        ``(N, C_out, L_out)`` (or ``(C_out, L_out)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` without 2 or 3 dims, a weight of the wrong rank or empty, channels that do not match
            the weight and ``groups``, ``groups < 1``, a bias of the wrong shape, input and weight of different dtypes
            or backends, a window argument of the wrong length or sign, an ``output_padding`` not smaller than the
            stride or the dilation, or a computed output size below 1.
        TypeError: a window argument with a non-integer entry.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Apply a 2-d transposed convolution over the last 2 dims, as ``torch.nn.functional.conv_transpose2d``.

    It is the gradient of ``conv2d`` with respect to its input. Each output size is
    ``(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``, of the weight's dtype.
        weight: the filters ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)`` bias added to every output position, cast to the input's dtype (default None).
        stride: the stride of the ``conv2d`` this transposes, an int or a 2-tuple (default 1).
        padding: the padding of the ``conv2d`` this transposes, an int or a 2-tuple (no strings): the output is
            ``padding`` smaller on each side (default 0).
        output_padding: extra size added to the end of each output dim, an int or a 2-tuple, smaller than the stride
            or the dilation (default 0).
        groups: split the channels into this many independent convolutions; it divides ``C_in`` (default 1).
        dilation: the spacing of the kernel's elements, an int or a 2-tuple (default 1).

    Returns:
        ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` without 3 or 4 dims, a weight of the wrong rank or empty, channels that do not match
            the weight and ``groups``, ``groups < 1``, a bias of the wrong shape, input and weight of different dtypes
            or backends, a window argument of the wrong length or sign, an ``output_padding`` not smaller than the
            stride or the dilation, or a computed output size below 1.
        TypeError: a window argument with a non-integer entry.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Apply a 3-d transposed convolution over the last 3 dims, as ``torch.nn.functional.conv_transpose3d``.

    It is the gradient of ``conv3d`` with respect to its input. Each output size is
    ``(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``.

    Args:
        input: ``(N, C_in, D, H, W)`` or unbatched ``(C_in, D, H, W)``, of the weight's dtype.
        weight: the filters ``(C_in, C_out / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)`` bias added to every output position, cast to the input's dtype (default None).
        stride: the stride of the ``conv3d`` this transposes, an int or a 3-tuple (default 1).
        padding: the padding of the ``conv3d`` this transposes, an int or a 3-tuple (no strings): the output is
            ``padding`` smaller on each side (default 0).
        output_padding: extra size added to the end of each output dim, an int or a 3-tuple, smaller than the stride
            or the dilation (default 0).
        groups: split the channels into this many independent convolutions; it divides ``C_in`` (default 1).
        dilation: the spacing of the kernel's elements, an int or a 3-tuple (default 1).

    Returns:
        ``(N, C_out, D_out, H_out, W_out)`` (or ``(C_out, D_out, H_out, W_out)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` without 4 or 5 dims, a weight of the wrong rank or empty, channels that do not match
            the weight and ``groups``, ``groups < 1``, a bias of the wrong shape, input and weight of different dtypes
            or backends, a window argument of the wrong length or sign, an ``output_padding`` not smaller than the
            stride or the dilation, or a computed output size below 1.
        TypeError: a window argument with a non-integer entry.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d")


def _im2col_weight(channels: int, kernel: tuple[int, ...], like: Tensor) -> Tensor:
    """``(C * prod(k), 1, *k)`` one-hot filters: a grouped convolution with them copies every
    kernel window into channels, in PyTorch's ``unfold`` order (channel, then kernel offset)."""
    k = math.prod(kernel)
    eye = creation.eye(k, dtype=like.dtype, backend=like._backend)
    return shape.reshape(shape.tile(eye, (channels, 1)), (channels * k, 1) + kernel)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:  # noqa: A002
    """Extract sliding blocks of a batch of images into columns (im2col), as ``torch.nn.functional.unfold``.

    ``(N, C, H, W)`` becomes ``(N, C * kH * kW, L)``, where ``L`` is the number of block positions, the product over
    both dims of ``floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``; each column lists a block
    channel by channel, then in kernel order.

    Args:
        input: a floating ``(N, C, H, W)`` or unbatched ``(C, H, W)`` tensor.
        kernel_size: the block size, an int or a 2-tuple.
        dilation: the spacing of the block's elements, an int or a 2-tuple (default 1).
        padding: implicit zeros on both sides, an int or a 2-tuple (default 0).
        stride: the step between blocks, an int or a 2-tuple (default 1).

    Returns:
        ``(N, C * kH * kW, L)`` (or ``(C * kH * kW, L)`` for an unbatched input).

    Raises:
        IndexError: ``input`` with fewer than 2 dims (as PyTorch).
        RuntimeError: ``input`` not 3-d or 4-d, a window argument of the wrong length or sign, or an input smaller
            than the (dilated) kernel.
        NotImplementedError: ``input`` is not floating point.
        TypeError: a window argument with a non-integer entry.
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
    """Sum columns of sliding blocks back into a batch of images (col2im), as ``torch.nn.functional.fold``.

    It is the adjoint of ``unfold``: ``(N, C * kH * kW, L)`` becomes ``(N, C, *output_size)``, and values of
    overlapping blocks add up.

    Args:
        input: a floating ``(N, C * kH * kW, L)`` or unbatched ``(C * kH * kW, L)`` tensor, ``L`` the number of blocks
            that fit in ``output_size``.
        output_size: the spatial size ``(H, W)`` of the output, an int or a 2-tuple.
        kernel_size: the block size, an int or a 2-tuple.
        dilation: the spacing of the block's elements, an int or a 2-tuple (default 1).
        padding: implicit zeros on both sides of the output, an int or a 2-tuple (default 0).
        stride: the step between blocks, an int or a 2-tuple (default 1).

    Returns:
        ``(N, C, H, W)`` (or ``(C, H, W)`` for an unbatched input).

    Raises:
        RuntimeError: ``input`` not 2-d or 3-d, its dim 1 not a multiple of ``kH * kW``, its last dim not the number
            of blocks that fit, or a window argument of the wrong length or sign.
        NotImplementedError: ``input`` is not floating point.
        TypeError: a window argument with a non-integer entry.
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
