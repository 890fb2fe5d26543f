"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``.

Constructor arguments, defaults, attribute and parameter names, initialisation and ``repr``
follow PyTorch's ``torch.nn.Conv*``. The kernels (and their gradients of any order) are in
``arraygrad.core.conv``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad.core import creation
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, n: int) -> tuple[Any, ...]:
    """``value`` repeated ``n`` times, or as a tuple when it already is a sequence (PyTorch's ``_pair``...)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """What the convolution layers share: validation, parameters, initialisation and ``repr``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, *kernel_size)`` (transposed:
            ``(in_channels, out_channels / groups, *kernel_size)``), from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, or None.
    """

    _nd = 0

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
        transposed: bool, output_padding: Any, groups: int, bias: bool, padding_mode: str, device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        nd = self._nd
        kernel_size, stride, dilation = _ntuple(kernel_size, nd), _ntuple(stride, nd), _ntuple(dilation, nd)
        if not isinstance(padding, str):
            padding = _ntuple(padding, nd)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's (left, right) amounts, last dim first, for the non-zero padding modes
        pads: list[int] = []
        for k, d, p in reversed(list(zip(kernel_size, dilation, padding if not isinstance(padding, str) else [0] * nd))):
            if padding == "same":
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            else:
                pads += [p, p]
        # a list for string paddings, a tuple otherwise (as PyTorch)
        self._reversed_padding_repeated_twice: Any = pads if isinstance(padding, str) else tuple(pads)
        if transposed:
            w_shape = (in_channels, out_channels // groups) + tuple(kernel_size)
        else:
            w_shape = (out_channels, in_channels // groups) + tuple(kernel_size)
        self.weight = Parameter(creation.empty(w_shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias from PyTorch's default distributions (seeded generator)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class _Conv(_ConvNd):
    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:  # noqa: A002
        op = type(self).__name__
        if self.padding_mode != "zeros":
            padded = F._unbatched_call(
                input, self._nd, op, lambda x: F.pad(x, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            )
            return F._conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups, self._nd, op)
        return F._conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups, self._nd, op)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-d convolution over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``) inputs.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: int or 1-tuple.
        stride, dilation: int or 1-tuple (default 1).
        padding: int, 1-tuple, ``'valid'`` or ``'same'`` (default 0).
        groups: independent channel groups (both channel counts must be divisible by it).
        bias: learn an additive per-channel bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device, dtype: where and in which dtype to create the parameters.

    Raises:
        ValueError: bad groups, padding string or padding mode, or ``'same'`` with a stride.
        RuntimeError (forward): wrong input dims or channel count (the message names the layer
            and the shapes).
    """

    _nd = 1


class Conv2d(_Conv):
    """2-d convolution over ``(N, C_in, H, W)`` (or ``(C_in, H, W)``); arguments as ``Conv1d``
    (ints or 2-tuples)."""

    _nd = 2


class Conv3d(_Conv):
    """3-d convolution over ``(N, C_in, D, H, W)`` (or unbatched); arguments as ``Conv1d``."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
        device: Any = None, dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:  # noqa: A002
        """The ``output_padding`` that makes the output spatial size ``output_size``."""
        nd = self._nd
        if output_size is None:
            return self.output_padding
        non_spatial = 2 if input.ndim == nd + 2 else 1
        size = [int(s) for s in output_size]
        if len(size) == non_spatial + nd:
            size = size[non_spatial:]
        if len(size) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must have {nd} or {non_spatial + nd} "
                f"elements (got {len(size)})"
            )
        spatial = tuple(input.shape[non_spatial:])
        min_sizes = [
            (spatial[d] - 1) * self.stride[d] - 2 * self.padding[d] + self.dilation[d] * (self.kernel_size[d] - 1) + 1
            for d in range(nd)
        ]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, self.stride)]
        for s, lo, hi in zip(size, min_sizes, max_sizes):
            if s < lo or s > hi:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from {min_sizes} to {max_sizes} "
                    f"(for an input of {list(spatial)})"
                )
        return tuple(s - m for s, m in zip(size, min_sizes))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:  # noqa: A002
        output_padding = self._output_padding(input, output_size)
        return F._conv_transpose(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                 self.groups, self.dilation, self._nd, type(self).__name__)


class ConvTranspose1d(_ConvTranspose):
    """1-d transposed convolution (the gradient of ``Conv1d`` with respect to its input).

    Args:
        in_channels, out_channels, kernel_size, stride, groups, bias, dilation: as ``Conv1d``.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added to both sides of
            the input (an int or tuple; no strings).
        output_padding: extra size on one side of the output (smaller than stride or dilation).
        padding_mode: only ``'zeros'``.

    ``forward(input, output_size=None)``: ``output_size`` picks the output padding that gives
    that spatial size.

    Raises:
        ValueError: a padding mode other than zeros, bad groups, an impossible ``output_size``.
    """

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """2-d transposed convolution over ``(N, C_in, H, W)``; arguments as ``ConvTranspose1d``."""

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """3-d transposed convolution over ``(N, C_in, D, H, W)``; arguments as ``ConvTranspose1d``."""

    _nd = 3


# PyTorch's name for the transposed-convolution base class
_ConvTransposeNd = _ConvTranspose
