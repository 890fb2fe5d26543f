"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d`` and
``AdaptiveMaxPool1d/2d/3d``, with PyTorch's arguments, defaults, attributes and ``repr``.

The kernels live in ``arraygrad.core.conv``; the layers pass their class name so that errors
name the layer.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core.conv import avg_poolnd, max_poolnd
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.module import Module

__all__ = [
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
]


class _MaxPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Take the maximum of every window of ``input``.

        Args:
            input: a batched ``(N, C, *spatial)`` or unbatched ``(C, *spatial)`` tensor with the
                layer's number of spatial dims.

        Returns:
            The pooled tensor; with ``return_indices``, the pair ``(output, indices)``, the indices
            being each maximum's flat position in its input plane.

        Raises:
            RuntimeError: an input with another number of dims than the layer accepts, a window
                argument of the wrong length or sign, padding over half the kernel, or an input
                smaller than the window.
            TypeError: a window argument with a non-integer entry.
        """
        return max_poolnd(input, self._nd, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices, type(self).__name__)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, L)`` (or ``(C, L)``), as ``torch.nn.MaxPool1d``.

    Args:
        kernel_size: window size, an int or a 1-tuple.
        stride: window step (default None: ``kernel_size``).
        padding: implicit ``-inf`` on both sides, at most half the kernel (default 0).
        dilation: spacing between the window's elements (default 1).
        return_indices: also return each maximum's position (for ``max_unpool``) (default False).
        ceil_mode: round the output size up instead of down (default False).
    """

    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, H, W)`` (or ``(C, H, W)``), as ``torch.nn.MaxPool2d``.

    Args:
        kernel_size: window size, an int or a 2-tuple.
        stride: window step, an int or a 2-tuple (default None: ``kernel_size``).
        padding: implicit ``-inf`` on both sides of each spatial dim, at most half the kernel (default 0).
        dilation: spacing between the window's elements (default 1).
        return_indices: also return each maximum's flat position in its input plane (for ``max_unpool``)
            (default False).
        ceil_mode: round the output size up instead of down (default False).
    """

    _nd = 2


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``), as ``torch.nn.MaxPool3d``.

    Args:
        kernel_size: window size, an int or a 3-tuple.
        stride: window step, an int or a 3-tuple (default None: ``kernel_size``).
        padding: implicit ``-inf`` on both sides of each spatial dim, at most half the kernel (default 0).
        dilation: spacing between the window's elements (default 1).
        return_indices: also return each maximum's flat position in its input plane (for ``max_unpool``)
            (default False).
        ceil_mode: round the output size up instead of down (default False).
    """

    _nd = 3


class AvgPool1d(Module):
    """Mean over sliding windows of ``(N, C, L)`` (or ``(C, L)``), as ``torch.nn.AvgPool1d``.

    Args:
        kernel_size: window size, an int or a 1-tuple.
        stride: window step (default None: ``kernel_size``).
        padding: zeros on both sides, at most half the kernel (default 0).
        ceil_mode: round the output size up instead of down (default False).
        count_include_pad: count the zero padding in each window's divisor (default True).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        one = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # PyTorch's _single
        self.kernel_size = one(kernel_size)
        self.stride = one(stride if stride is not None else kernel_size)
        self.padding = one(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Take the mean of every window of ``input``.

        Args:
            input: a batched ``(N, C, L)`` or unbatched ``(C, L)`` tensor.

        Returns:
            The pooled tensor, ``(N, C, L_out)`` or ``(C, L_out)``.

        Raises:
            RuntimeError: an input with another number of dims than the layer accepts, a window
                argument of the wrong length or sign, padding over half the kernel, or an input
                smaller than the window.
            TypeError: a window argument with a non-integer entry.
        """
        return avg_poolnd(input, 1, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, None, "AvgPool1d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Take the mean (or the sum over ``divisor_override``) of every window of ``input``.

        Args:
            input: a batched ``(N, C, *spatial)`` or unbatched ``(C, *spatial)`` tensor with the
                layer's number of spatial dims.

        Returns:
            The pooled tensor.

        Raises:
            RuntimeError: an input with another number of dims than the layer accepts, a window
                argument of the wrong length or sign, padding over half the kernel, or an input
                smaller than the window, or ``divisor_override=0``.
            TypeError: a window argument with a non-integer entry.
        """
        return avg_poolnd(input, self._nd, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override, type(self).__name__)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, H, W)`` (or ``(C, H, W)``), as ``torch.nn.AvgPool2d``.

    Args:
        kernel_size: window size, an int or a 2-tuple.
        stride: window step, an int or a 2-tuple (default None: ``kernel_size``).
        padding: zeros on both sides of each spatial dim, at most half the kernel (default 0).
        ceil_mode: round the output size up instead of down (default False).
        count_include_pad: count the zero padding in each window's divisor (default True).
        divisor_override: divide every window's sum by this number instead (default None).
    """

    _nd = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``), as ``torch.nn.AvgPool3d``.

    Args:
        kernel_size: window size, an int or a 3-tuple.
        stride: window step, an int or a 3-tuple (default None: ``kernel_size``).
        padding: zeros on both sides of each spatial dim, at most half the kernel (default 0).
        ceil_mode: round the output size up instead of down (default False).
        count_include_pad: count the zero padding in each window's divisor (default True).
        divisor_override: divide every window's sum by this number instead (default None).
    """

    _nd = 3


class _AdaptiveAvgPoolNd(Module):
    _nd = 0

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F._adaptive_avg_pool(input, self.output_size, self._nd, type(self).__name__)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of ``(N, C, L)`` to length ``output_size``: window ``i`` spans
    ``[floor(i * L / out), ceil((i + 1) * L / out))``, as PyTorch.

    Args:
        output_size: the output's spatial size, an int or a 1-tuple whose None entries keep that input size.
    """

    _nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling of ``(N, C, H, W)`` to ``output_size`` (an int, or a 2-tuple whose None
    entries keep that input size).

    Args:
        output_size: the output's spatial size, an int or a 2-tuple whose None entries keep that input size.
    """

    _nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of ``(N, C, D, H, W)`` to ``output_size``.

    Args:
        output_size: the output's spatial size, an int or a 3-tuple whose None entries keep that input size.
    """

    _nd = 3


class _AdaptiveMaxPoolNd(Module):
    _nd = 0

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F._adaptive_max_pool(input, self.output_size, self._nd, self.return_indices, type(self).__name__)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, L)`` to length ``output_size`` (PyTorch's windows); with
    ``return_indices`` also each maximum's position in its row.

    Args:
        output_size: the output's spatial size, an int or a 1-tuple whose None entries keep that input size.
        return_indices: also return each maximum's flat position in its input plane (default False).
    """

    _nd = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, H, W)`` to ``output_size``; indices are flat ``h * W + w``.

    Args:
        output_size: the output's spatial size, an int or a 2-tuple whose None entries keep that input size.
        return_indices: also return each maximum's flat position in its input plane (default False).
    """

    _nd = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, D, H, W)`` to ``output_size``.

    Args:
        output_size: the output's spatial size, an int or a 3-tuple whose None entries keep that input size.
        return_indices: also return each maximum's flat position in its input plane (default False).
    """

    _nd = 3
