"""Max, average and adaptive pooling."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.conv import (
    _int_size,
    adaptive_avg_poolnd,
    avg_poolnd,
    check_adaptive_rank,
    check_adaptive_size,
    max_poolnd,
)
from arraygrad.core.indexing import take_along_dim
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._utils import _require_floating

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Take the maximum over sliding windows of the last dim, as ``torch.nn.functional.max_pool1d``.

    Each output size is ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1`` (ceil with
    ``ceil_mode``).

    Args:
        input: a floating tensor ``(N, C, L)`` or ``(C, L)``.
        kernel_size: the window size, an int or a 1-tuple.
        stride: the window step, an int or a 1-tuple (default None: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides, an int or a 1-tuple, at most half the kernel (default 0).
        dilation: the spacing of the window's elements, an int or a 1-tuple (default 1).
        ceil_mode: round the output size up; a last window may then start in the input (or its left padding) and stick
            out of it (default False).
        return_indices: also return the position of each maximum in its row of the unpadded input (default False).

    Returns:
        The pooled tensor ``(N, C, L_out)`` (or ``(C, L_out)``), or ``(pooled, indices)`` with int64 indices of the
        same shape. The
        gradient goes to the selected element of each window.

    Raises:
        RuntimeError: ``input`` without 2 or 3 dims, a window argument of the wrong length, a non-positive kernel
            size, stride or dilation, a negative padding or one over half the kernel, or an input smaller than the
            window.
        TypeError: a window argument with a non-integer entry.
        NotImplementedError: ``input`` is not floating point.
    """
    _require_floating(input, "max_pool1d")
    return max_poolnd(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Take the maximum over sliding windows of the last two dims, as ``torch.nn.functional.max_pool2d``.

    Each output size is ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1`` (ceil with
    ``ceil_mode``).

    Args:
        input: a tensor ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: the window size, an int or a 2-tuple.
        stride: the window step, an int or a 2-tuple (default None: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides, an int or a 2-tuple, at most half the kernel (default 0).
        dilation: the spacing of the window's elements, an int or a 2-tuple (default 1).
        ceil_mode: round the output size up; a last window may then start in the input (or its left padding) and stick
            out of it (default False).
        return_indices: also return the position of each maximum in its plane, ``h * W + w`` of the unpadded input
            (default False).

    Returns:
        The pooled tensor ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), or ``(pooled, indices)`` with int64
        indices of the same shape. The
        gradient goes to the selected element of each window.

    Raises:
        RuntimeError: ``input`` without 3 or 4 dims, a window argument of the wrong length, a non-positive kernel
            size, stride or dilation, a negative padding or one over half the kernel, or an input smaller than the
            window.
        TypeError: a window argument with a non-integer entry.
    """
    return max_poolnd(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Take the maximum over sliding windows of the last three dims, as ``torch.nn.functional.max_pool3d``.

    Each output size is ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1`` (ceil with
    ``ceil_mode``).

    Args:
        input: a tensor ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        kernel_size: the window size, an int or a 3-tuple.
        stride: the window step, an int or a 3-tuple (default None: ``kernel_size``).
        padding: implicit ``-inf`` padding on both sides, an int or a 3-tuple, at most half the kernel (default 0).
        dilation: the spacing of the window's elements, an int or a 3-tuple (default 1).
        ceil_mode: round the output size up; a last window may then start in the input (or its left padding) and stick
            out of it (default False).
        return_indices: also return the position of each maximum in its volume, ``(d * H + h) * W + w`` of the
            unpadded input (default False).

    Returns:
        The pooled tensor ``(N, C, D_out, H_out, W_out)`` (or without ``N``), or ``(pooled, indices)`` with int64
        indices of the same shape. The
        gradient goes to the selected element of each window.

    Raises:
        RuntimeError: ``input`` without 4 or 5 dims, a window argument of the wrong length, a non-positive kernel
            size, stride or dilation, a negative padding or one over half the kernel, or an input smaller than the
            window.
        TypeError: a window argument with a non-integer entry.
    """
    return max_poolnd(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Average over sliding windows of the last dim, as ``torch.nn.functional.avg_pool1d``.

    Each output size is ``floor((size + 2 * padding - kernel_size) / stride) + 1`` (ceil with ``ceil_mode``).

    Args:
        input: a tensor ``(N, C, L)`` or ``(C, L)``.
        kernel_size: the window size, an int or a 1-tuple.
        stride: the window step, an int or a 1-tuple (default None: ``kernel_size``).
        padding: implicit zeros on both sides, an int or a 1-tuple, at most half the kernel (default 0).
        ceil_mode: round the output size up; a last window may then start in the input (or its left padding) and stick
            out of it (default False).
        count_include_pad: divide by the window size including the zero padding (True) or by the number of input
            elements in the window (False); cells added by ``ceil_mode`` are never counted (default True).

    Returns:
        The pooled tensor ``(N, C, L_out)`` (or ``(C, L_out)``).

    Raises:
        RuntimeError: ``input`` without 2 or 3 dims, a window argument of the wrong length, a non-positive kernel size
            or stride, a negative padding or one over half the kernel, an input smaller than the window.
        TypeError: a window argument with a non-integer entry.
    """
    return avg_poolnd(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Average over sliding windows of the last two dims, as ``torch.nn.functional.avg_pool2d``.

    Each output size is ``floor((size + 2 * padding - kernel_size) / stride) + 1`` (ceil with ``ceil_mode``).

    Args:
        input: a tensor ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: the window size, an int or a 2-tuple.
        stride: the window step, an int or a 2-tuple (default None: ``kernel_size``).
        padding: implicit zeros on both sides, an int or a 2-tuple, at most half the kernel (default 0).
        ceil_mode: round the output size up; a last window may then start in the input (or its left padding) and stick
            out of it (default False).
        count_include_pad: divide by the window size including the zero padding (True) or by the number of input
            elements in the window (False); cells added by ``ceil_mode`` are never counted (default True).
        divisor_override: divide every window sum by this number instead of the window's count (default None).

    Returns:
        The pooled tensor ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``).

    Raises:
        RuntimeError: ``input`` without 3 or 4 dims, a window argument of the wrong length, a non-positive kernel size
            or stride, a negative padding or one over half the kernel, an input smaller than the window, or
            ``divisor_override == 0``.
        TypeError: a window argument with a non-integer entry.
        IndexError: ``input`` with fewer than 3 dims (as PyTorch).
    """
    return avg_poolnd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Average over sliding windows of the last three dims, as ``torch.nn.functional.avg_pool3d``.

    Each output size is ``floor((size + 2 * padding - kernel_size) / stride) + 1`` (ceil with ``ceil_mode``).

    Args:
        input: a tensor ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        kernel_size: the window size, an int or a 3-tuple.
        stride: the window step, an int or a 3-tuple (default None: ``kernel_size``).
        padding: implicit zeros on both sides, an int or a 3-tuple, at most half the kernel (default 0).
        ceil_mode: round the output size up; a last window may then start in the input (or its left padding) and stick
            out of it (default False).
        count_include_pad: divide by the window size including the zero padding (True) or by the number of input
            elements in the window (False); cells added by ``ceil_mode`` are never counted (default True).
        divisor_override: divide every window sum by this number instead of the window's count (default None).

    Returns:
        The pooled tensor ``(N, C, D_out, H_out, W_out)`` (or without ``N``).

    Raises:
        RuntimeError: ``input`` without 4 or 5 dims, a window argument of the wrong length, a non-positive kernel size
            or stride, a negative padding or one over half the kernel, an input smaller than the window, or
            ``divisor_override == 0``.
        TypeError: a window argument with a non-integer entry.
    """
    return avg_poolnd(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      "avg_pool3d")


def _adaptive_avg_pool(input: Tensor, output_size: Any, nd: int, op: str) -> Tensor:  # noqa: A002
    """core's adaptive average pooling, with None entries of ``output_size`` replaced by the
    input's size (core.conv expects ints there)."""
    check_adaptive_rank(op, input, output_size, nd)
    if not isinstance(output_size, (int, float)):
        sizes = tuple(input.shape[-nd:])
        output_size = tuple(sizes[i] if o is None else o for i, o in enumerate(output_size))
    return adaptive_avg_poolnd(input, output_size, nd, op)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average-pool the last dim to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool1d``.

    Output cell ``i`` of a dim of size ``L`` averages ``[floor(i * L / out), ceil((i + 1) * L / out))``, PyTorch's
    windows; an output size of 0 gives an empty result.

    Args:
        input: a floating tensor ``(N, C, L)`` or ``(C, L)``.
        output_size: the output size, an int.

    Returns:
        The pooled tensor ``(N, C, L_out)`` (or ``(C, L_out)``), of the input's dtype.

    Raises:
        RuntimeError: ``input`` without 2 or 3 dims, ``output_size`` of the wrong length, a negative output size, or
            an input with an empty pooled dim.
        NotImplementedError: ``input`` is not floating point.
        TypeError: an ``output_size`` entry that is not an int.
    """
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average-pool the last two dims to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Output cell ``i`` of a dim of size ``L`` averages ``[floor(i * L / out), ceil((i + 1) * L / out))``, PyTorch's
    windows; an output size of 0 gives an empty result.

    Args:
        input: a floating tensor ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: the output size, an int for every dim or a 2-tuple whose None entries keep the input's size.

    Returns:
        The pooled tensor ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), of the input's dtype.

    Raises:
        RuntimeError: ``input`` without 3 or 4 dims, ``output_size`` of the wrong length, a negative output size, or
            an input with an empty pooled dim.
        ValueError: a tuple ``output_size`` with an input of 2 dims or fewer (as PyTorch).
        NotImplementedError: ``input`` is not floating point.
        TypeError: an ``output_size`` entry that is not an int.
    """
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average-pool the last three dims to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool3d``.

    Output cell ``i`` of a dim of size ``L`` averages ``[floor(i * L / out), ceil((i + 1) * L / out))``, PyTorch's
    windows; an output size of 0 gives an empty result.

    Args:
        input: a floating tensor ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        output_size: the output size, an int for every dim or a 3-tuple whose None entries keep the input's size.

    Returns:
        The pooled tensor ``(N, C, D_out, H_out, W_out)`` (or without ``N``), of the input's dtype.

    Raises:
        RuntimeError: ``input`` without 4 or 5 dims, ``output_size`` of the wrong length, a negative output size, or
            an input with an empty pooled dim.
        ValueError: a tuple ``output_size`` with an input of 3 dims or fewer (as PyTorch).
        NotImplementedError: ``input`` is not floating point.
        TypeError: an ``output_size`` entry that is not an int.
    """
    return _adaptive_avg_pool(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max_pool(input: Tensor, output_size: Any, nd: int, return_indices: bool, op: str) -> Any:  # noqa: A002
    """Adaptive max pooling as a gather: every output cell's window (PyTorch's bounds) is listed
    as flat positions of the input plane, padded to the largest window by repeating its first
    position; the first maximum is selected (as PyTorch), so the gradient goes to one element."""
    check_adaptive_rank(op, input, output_size, nd)
    sizes = tuple(input.shape[-nd:])
    outs = (output_size,) * nd if isinstance(output_size, (int, float)) else tuple(output_size)
    if len(outs) != nd:
        raise RuntimeError(f"{op}: output_size must be an int or a tuple of {nd} ints, got {output_size!r}")
    outs = tuple(sizes[i] if o is None else _int_size(o, op) for i, o in enumerate(outs))
    _require_floating(input, op)
    check_adaptive_size(op, input, sizes, outs)
    lead = tuple(input.shape[:-nd])
    if 0 in outs:  # an empty output (PyTorch allows it), still connected to the input's graph
        empty = shape.reshape(shape.reshape(input, lead + (-1,))[..., :0], lead + outs)
        if not return_indices:
            return empty
        return empty, creation.zeros(lead + outs, dtype=dtypes.int64, backend=input._backend)
    axis_windows = [
        [list(range((j * n) // m, -(-((j + 1) * n) // m))) for j in range(m)] for n, m in zip(sizes, outs)
    ]
    strides = [math.prod(sizes[i + 1:]) for i in range(nd)]
    windows: list[list[int]] = [[0]]
    for i in range(nd):  # cartesian product of the per-axis windows, as flat positions
        windows = [[p + q * strides[i] for p in cell for q in win] for cell in windows for win in axis_windows[i]]
    k = max(len(w) for w in windows)
    table = [w + [w[0]] * (k - len(w)) for w in windows]
    positions = creation.tensor(table, dtype=dtypes.int64, backend=input._backend)  # (cells, k)
    flat = shape.reshape(input, lead + (math.prod(sizes),))
    candidates = flat[(Ellipsis, positions)]  # lead + (cells, k)
    choice = ops.argmax(candidates.detach(), -1, keepdim=True)
    values = shape.reshape(take_along_dim(candidates, choice, -1), lead + outs)
    if not return_indices:
        return values
    cells = creation.arange(len(table), dtype=dtypes.int64, backend=input._backend)
    index = shape.reshape(positions, (-1,))[ops.add(ops.mul(cells, k), shape.squeeze(choice, -1))]
    return values, shape.reshape(index, lead + outs)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max-pool the last dim to a fixed output size, as ``torch.nn.functional.adaptive_max_pool1d``.

    Output cell ``i`` of a dim of size ``L`` takes the maximum of ``[floor(i * L / out), ceil((i + 1) * L / out))``,
    PyTorch's windows; the first maximum is selected, so the gradient goes to one element. An output size of 0 gives
    an empty result.

    Args:
        input: a floating tensor ``(N, C, L)`` or ``(C, L)``.
        output_size: the output size, an int.
        return_indices: also return the position of each maximum in its row (default False).

    Returns:
        The pooled tensor ``(N, C, L_out)`` (or ``(C, L_out)``), or ``(pooled, indices)`` with int64 indices of the
        same shape.

    Raises:
        RuntimeError: ``input`` without 2 or 3 dims, ``output_size`` of the wrong length, a negative output size, or
            an input with an empty pooled dim.
        NotImplementedError: ``input`` is not floating point.
        TypeError: an ``output_size`` entry that is not an int.
    """
    return _adaptive_max_pool(input, output_size, 1, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max-pool the last two dims to a fixed output size, as ``torch.nn.functional.adaptive_max_pool2d``.

    Output cell ``i`` of a dim of size ``L`` takes the maximum of ``[floor(i * L / out), ceil((i + 1) * L / out))``,
    PyTorch's windows; the first maximum is selected, so the gradient goes to one element. An output size of 0 gives
    an empty result.

    Args:
        input: a floating tensor ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: the output size, an int for every dim or a 2-tuple whose None entries keep the input's size.
        return_indices: also return the position of each maximum in its plane, ``h * W + w`` (default False).

    Returns:
        The pooled tensor ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), or ``(pooled, indices)`` with int64
        indices of the same shape.

    Raises:
        RuntimeError: ``input`` without 3 or 4 dims, ``output_size`` of the wrong length, a negative output size, or
            an input with an empty pooled dim.
        ValueError: a tuple ``output_size`` with an input of 2 dims or fewer (as PyTorch).
        NotImplementedError: ``input`` is not floating point.
        TypeError: an ``output_size`` entry that is not an int.
    """
    return _adaptive_max_pool(input, output_size, 2, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max-pool the last three dims to a fixed output size, as ``torch.nn.functional.adaptive_max_pool3d``.

    Output cell ``i`` of a dim of size ``L`` takes the maximum of ``[floor(i * L / out), ceil((i + 1) * L / out))``,
    PyTorch's windows; the first maximum is selected, so the gradient goes to one element. An output size of 0 gives
    an empty result.

    Args:
        input: a floating tensor ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        output_size: the output size, an int for every dim or a 3-tuple whose None entries keep the input's size.
        return_indices: also return the position of each maximum in its volume, ``(d * H + h) * W + w`` (default
            False).

    Returns:
        The pooled tensor ``(N, C, D_out, H_out, W_out)`` (or without ``N``), or ``(pooled, indices)`` with int64
        indices of the same shape.

    Raises:
        RuntimeError: ``input`` without 4 or 5 dims, ``output_size`` of the wrong length, a negative output size, or
            an input with an empty pooled dim.
        ValueError: a tuple ``output_size`` with an input of 3 dims or fewer (as PyTorch).
        NotImplementedError: ``input`` is not floating point.
        TypeError: an ``output_size`` entry that is not an int.
    """
    return _adaptive_max_pool(input, output_size, 3, return_indices, "adaptive_max_pool3d")


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
