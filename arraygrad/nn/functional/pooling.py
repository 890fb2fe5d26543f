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
    """Max over sliding windows of the last dim (``(N, C, L)`` or ``(C, L)``).

    Args:
        kernel_size: window size; stride: step (default ``kernel_size``); padding: implicit
            ``-inf`` padding on both sides (at most half the kernel); dilation: spacing of the
            window's elements; ceil_mode: round the output size up (a last window may start in
            the input but stick out of it).
        return_indices: also return the position (in the unpadded input row) of each maximum.

    Returns:
        The pooled tensor, or ``(pooled, indices)``. The gradient goes to the selected element.

    Raises:
        RuntimeError: wrong input dims, too much padding, or an input smaller than the window.
    """
    _require_floating(input, "max_pool1d")
    return max_poolnd(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max pooling over the last two dims (``(N, C, H, W)`` or ``(C, H, W)``); arguments as
    ``max_pool1d`` (ints or 2-tuples); indices are flat positions ``h * W + w`` in each plane."""
    return max_poolnd(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max pooling over the last three dims; arguments as ``max_pool1d``."""
    return max_poolnd(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of the last dim (``(N, C, L)`` or ``(C, L)``).

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size: the window length (an int or a 1-tuple).
        stride: the window step (default ``kernel_size``).
        padding: implicit zeros on both sides, at most half the kernel (default 0).
        ceil_mode: use ceil instead of floor for the output length (default False).
        count_include_pad: divide by the window size including the zero padding (True) or by
            the number of input elements in the window (False). Cells added by ``ceil_mode``
            are never counted.

    Raises:
        RuntimeError: wrong input dims, too much padding, or an input smaller than the window.
    """
    return avg_poolnd(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Average pooling over the last two dims; arguments as ``avg_pool1d``, and
    ``divisor_override``: divide every window sum by this number instead."""
    return avg_poolnd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                      "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Average pooling over the last three dims; arguments as ``avg_pool2d``."""
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
    """Average pooling to a fixed output length: window ``i`` spans
    ``[floor(i * L / out), ceil((i + 1) * L / out))``, as PyTorch.

    Raises:
        RuntimeError: input not 2-d or 3-d.
    """
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``(H_out, W_out)`` (an int for both; None keeps that dim)."""
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``(D_out, H_out, W_out)``."""
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
    """Max pooling to a fixed output length (PyTorch's windows, as ``adaptive_avg_pool1d``).

    Returns:
        The pooled tensor, or ``(pooled, indices)`` with each maximum's position in its row.

    Raises:
        RuntimeError: input not 2-d or 3-d, or an empty output.
    """
    return _adaptive_max_pool(input, output_size, 1, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling to a fixed ``(H_out, W_out)``; indices are flat positions ``h * W + w``."""
    return _adaptive_max_pool(input, output_size, 2, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling to a fixed ``(D_out, H_out, W_out)``."""
    return _adaptive_max_pool(input, output_size, 3, return_indices, "adaptive_max_pool3d")


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
