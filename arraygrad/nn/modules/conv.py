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
    """Apply a 1-d convolution over ``(N, C_in, L)`` inputs (or unbatched ``(C_in, L)``), as ``torch.nn.Conv1d``.

    The output has shape ``(N, C_out, L_out)`` with, per spatial dimension,
    ``out = floor((in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``. The weight has
    shape ``(out_channels, in_channels / groups, k)`` and, like the bias, is drawn from
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = in_channels / groups * prod(kernel_size)``.

    Args:
        in_channels: channels ``C_in`` of the input.
        out_channels: channels ``C_out`` of the output (the number of filters).
        kernel_size: size of the convolving kernel, an int or a 1-tuple.
        stride: step between kernel positions, an int or a 1-tuple (default 1).
        padding: implicit padding added to both sides of every spatial dimension: an int or a 1-tuple, or the
            strings ``'valid'`` (no padding) or ``'same'`` (output size = input size; stride 1 only)
            (default 0).
        dilation: spacing between kernel elements, an int or a 1-tuple (default 1).
        groups: number of blocked connections from input to output channels; both channel counts
            must be divisible by it (default 1).
        bias: learn an additive per-output-channel bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'`` (default ``'zeros'``).
        device: where to create the parameters (default: the default device).
        dtype: dtype of the parameters (default: the default dtype).

    Raises:
        ValueError: channel counts not divisible by ``groups``, an unknown padding string or padding
            mode, or ``padding='same'`` with a stride other than 1.
        RuntimeError: in ``forward``, an input with the wrong number of dimensions or channels (the
            message names the layer and the shapes).

    Example:
        >>> import arraygrad as ag
        >>> conv = ag.nn.Conv1d(3, 8, kernel_size=3, padding=1)
        >>> conv(ag.zeros(2, 3, 5)).shape
        arraygrad.Size([2, 8, 5])
    """

    _nd = 1


class Conv2d(_Conv):
    """Apply a 2-d convolution over ``(N, C_in, H, W)`` inputs (or unbatched ``(C_in, H, W)``), as ``torch.nn.Conv2d``.

    The output has shape ``(N, C_out, H_out, W_out)`` with, per spatial dimension,
    ``out = floor((in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``. The weight has
    shape ``(out_channels, in_channels / groups, kH, kW)`` and, like the bias, is drawn from
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = in_channels / groups * prod(kernel_size)``.

    Args:
        in_channels: channels ``C_in`` of the input.
        out_channels: channels ``C_out`` of the output (the number of filters).
        kernel_size: size of the convolving kernel, an int or a 2-tuple.
        stride: step between kernel positions, an int or a 2-tuple (default 1).
        padding: implicit padding added to both sides of every spatial dimension: an int or a 2-tuple, or the
            strings ``'valid'`` (no padding) or ``'same'`` (output size = input size; stride 1 only)
            (default 0).
        dilation: spacing between kernel elements, an int or a 2-tuple (default 1).
        groups: number of blocked connections from input to output channels; both channel counts
            must be divisible by it (default 1).
        bias: learn an additive per-output-channel bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'`` (default ``'zeros'``).
        device: where to create the parameters (default: the default device).
        dtype: dtype of the parameters (default: the default dtype).

    Raises:
        ValueError: channel counts not divisible by ``groups``, an unknown padding string or padding
            mode, or ``padding='same'`` with a stride other than 1.
        RuntimeError: in ``forward``, an input with the wrong number of dimensions or channels (the
            message names the layer and the shapes).

    Example:
        >>> import arraygrad as ag
        >>> conv = ag.nn.Conv2d(3, 8, kernel_size=3, padding=1)
        >>> conv(ag.zeros(2, 3, 5, 5)).shape
        arraygrad.Size([2, 8, 5, 5])
    """

    _nd = 2


class Conv3d(_Conv):
    """Apply a 3-d convolution over ``(N, C_in, D, H, W)`` inputs (or unbatched ``(C_in, D, H, W)``), as ``torch.nn.Conv3d``.

    The output has shape ``(N, C_out, D_out, H_out, W_out)`` with, per spatial dimension,
    ``out = floor((in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``. The weight has
    shape ``(out_channels, in_channels / groups, kD, kH, kW)`` and, like the bias, is drawn from
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with ``fan_in = in_channels / groups * prod(kernel_size)``.

    Args:
        in_channels: channels ``C_in`` of the input.
        out_channels: channels ``C_out`` of the output (the number of filters).
        kernel_size: size of the convolving kernel, an int or a 3-tuple.
        stride: step between kernel positions, an int or a 3-tuple (default 1).
        padding: implicit padding added to both sides of every spatial dimension: an int or a 3-tuple, or the
            strings ``'valid'`` (no padding) or ``'same'`` (output size = input size; stride 1 only)
            (default 0).
        dilation: spacing between kernel elements, an int or a 3-tuple (default 1).
        groups: number of blocked connections from input to output channels; both channel counts
            must be divisible by it (default 1).
        bias: learn an additive per-output-channel bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'`` (default ``'zeros'``).
        device: where to create the parameters (default: the default device).
        dtype: dtype of the parameters (default: the default dtype).

    Raises:
        ValueError: channel counts not divisible by ``groups``, an unknown padding string or padding
            mode, or ``padding='same'`` with a stride other than 1.
        RuntimeError: in ``forward``, an input with the wrong number of dimensions or channels (the
            message names the layer and the shapes).

    Example:
        >>> import arraygrad as ag
        >>> conv = ag.nn.Conv3d(3, 8, kernel_size=3, padding=1)
        >>> conv(ag.zeros(2, 3, 5, 5, 5)).shape
        arraygrad.Size([2, 8, 5, 5, 5])
    """

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
    """Apply a 1-d transposed convolution over ``(N, C_in, L)`` inputs (or unbatched ``(C_in, L)``), as
    ``torch.nn.ConvTranspose1d``: the gradient of ``Conv1d`` with respect to its input, often used to upsample.

    The output has shape ``(N, C_out, L_out)`` with, per spatial dimension,
    ``out = (in - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1``. The
    weight has shape ``(in_channels, out_channels / groups, k)``.

    Args:
        in_channels: channels ``C_in`` of the input.
        out_channels: channels ``C_out`` of the output.
        kernel_size: size of the convolving kernel, an int or a 1-tuple.
        stride: stride of the convolution, an int or a 1-tuple (default 1).
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added to both sides of each
            spatial dimension of the input, an int or a 1-tuple (default 0; no strings).
        output_padding: extra size added to one side of each spatial dimension of the output, smaller
            than ``stride`` or ``dilation`` (default 0).
        groups: number of blocked connections from input to output channels (default 1).
        bias: learn an additive per-output-channel bias (default True).
        dilation: spacing between kernel elements, an int or a 1-tuple (default 1).
        padding_mode: only ``'zeros'`` (default).
        device: where to create the parameters (default: the default device).
        dtype: dtype of the parameters (default: the default dtype).

    ``forward(input, output_size=None)``: ``output_size`` (the spatial size, or the full shape) picks
    the ``output_padding`` that gives that size.

    Raises:
        ValueError: a padding mode other than ``'zeros'``, a string padding, channel counts not
            divisible by ``groups``, or an ``output_size`` no output padding can reach.
    """

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """Apply a 2-d transposed convolution over ``(N, C_in, H, W)`` inputs (or unbatched ``(C_in, H, W)``), as
    ``torch.nn.ConvTranspose2d``: the gradient of ``Conv2d`` with respect to its input, often used to upsample.

    The output has shape ``(N, C_out, H_out, W_out)`` with, per spatial dimension,
    ``out = (in - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1``. The
    weight has shape ``(in_channels, out_channels / groups, kH, kW)``.

    Args:
        in_channels: channels ``C_in`` of the input.
        out_channels: channels ``C_out`` of the output.
        kernel_size: size of the convolving kernel, an int or a 2-tuple.
        stride: stride of the convolution, an int or a 2-tuple (default 1).
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added to both sides of each
            spatial dimension of the input, an int or a 2-tuple (default 0; no strings).
        output_padding: extra size added to one side of each spatial dimension of the output, smaller
            than ``stride`` or ``dilation`` (default 0).
        groups: number of blocked connections from input to output channels (default 1).
        bias: learn an additive per-output-channel bias (default True).
        dilation: spacing between kernel elements, an int or a 2-tuple (default 1).
        padding_mode: only ``'zeros'`` (default).
        device: where to create the parameters (default: the default device).
        dtype: dtype of the parameters (default: the default dtype).

    ``forward(input, output_size=None)``: ``output_size`` (the spatial size, or the full shape) picks
    the ``output_padding`` that gives that size.

    Raises:
        ValueError: a padding mode other than ``'zeros'``, a string padding, channel counts not
            divisible by ``groups``, or an ``output_size`` no output padding can reach.
    """

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """Apply a 3-d transposed convolution over ``(N, C_in, D, H, W)`` inputs (or unbatched ``(C_in, D, H, W)``), as
    ``torch.nn.ConvTranspose3d``: the gradient of ``Conv3d`` with respect to its input, often used to upsample.

    The output has shape ``(N, C_out, D_out, H_out, W_out)`` with, per spatial dimension,
    ``out = (in - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1``. The
    weight has shape ``(in_channels, out_channels / groups, kD, kH, kW)``.

    Args:
        in_channels: channels ``C_in`` of the input.
        out_channels: channels ``C_out`` of the output.
        kernel_size: size of the convolving kernel, an int or a 3-tuple.
        stride: stride of the convolution, an int or a 3-tuple (default 1).
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added to both sides of each
            spatial dimension of the input, an int or a 3-tuple (default 0; no strings).
        output_padding: extra size added to one side of each spatial dimension of the output, smaller
            than ``stride`` or ``dilation`` (default 0).
        groups: number of blocked connections from input to output channels (default 1).
        bias: learn an additive per-output-channel bias (default True).
        dilation: spacing between kernel elements, an int or a 3-tuple (default 1).
        padding_mode: only ``'zeros'`` (default).
        device: where to create the parameters (default: the default device).
        dtype: dtype of the parameters (default: the default dtype).

    ``forward(input, output_size=None)``: ``output_size`` (the spatial size, or the full shape) picks
    the ``output_padding`` that gives that size.

    Raises:
        ValueError: a padding mode other than ``'zeros'``, a string padding, channel counts not
            divisible by ``groups``, or an ``output_size`` no output padding can reach.
    """

    _nd = 3


# PyTorch's name for the transposed-convolution base class
_ConvTransposeNd = _ConvTranspose
