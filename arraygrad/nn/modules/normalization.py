"""Per-sample normalization layers: ``LayerNorm``, ``GroupNorm``, ``RMSNorm`` (PyTorch's
arguments, parameter names, initialisation and ``repr``)."""

from __future__ import annotations

from typing import Any

from arraygrad.core import creation
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm"]


def _as_shape(normalized_shape: Any) -> tuple[int, ...]:
    return (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` dims (mean and biased variance of each
    sample), then scale and shift elementwise, as ``torch.nn.LayerNorm``.

    Args:
        normalized_shape: an int or the shape of the trailing dims to normalise.
        eps: added to the variance before the square root (default 1e-5).
        elementwise_affine: learn ``weight`` (init 1) and ``bias`` (init 0) of shape
            ``normalized_shape`` (default True).
        bias: with ``elementwise_affine``, whether to learn the bias (default True).
        device: where to create the parameters (default None: the default device).
        dtype: the dtype of the parameters (default None: the default dtype).

    Shape:
        - Input: ``(*, *normalized_shape)``.
        - Output: the input's shape.
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set ``weight`` to ones and ``bias`` to zeros in place (nothing without ``elementwise_affine``)."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise ``input`` over its trailing ``normalized_shape`` dims.

        Args:
            input: a floating tensor whose trailing dims are ``normalized_shape``.

        Returns:
            A tensor of the input's shape.

        Raises:
            RuntimeError: the input's trailing dims are not ``normalized_shape`` (the message
                gives both shapes), or parameters of another dtype than the input.
            NotImplementedError: ``input`` is not floating point.
        """
        F._check_trailing_shape(input, self.normalized_shape, "LayerNorm")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Split the C channels of ``(N, C, *)`` into ``num_groups`` groups and normalise each group
    of each sample, then apply a per-channel scale and shift, as ``torch.nn.GroupNorm``.

    Args:
        num_groups: number of groups (must divide ``num_channels``).
        num_channels: C, the number of channels of the input.
        eps: added to the variance before the square root (default 1e-5).
        affine: learn per-channel ``weight`` (init 1) and ``bias`` (init 0) (default True).
        device: where to create the parameters (default None: the default device).
        dtype: the dtype of the parameters (default None: the default dtype).
        bias: keyword-only; with ``affine``, whether to learn the bias (default True).

    Shape:
        - Input: ``(N, C, *)``.
        - Output: the input's shape.

    Raises:
        ValueError: ``num_channels`` not divisible by ``num_groups``.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set ``weight`` to ones and ``bias`` to zeros in place (nothing without ``affine``)."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each group of channels of each sample of ``input``.

        Args:
            input: a floating ``(N, C, *)`` tensor with ``C == num_channels``.

        Returns:
            A tensor of the input's shape.

        Raises:
            RuntimeError: an input with fewer than 2 dims or whose channel count is not
                ``num_channels``, or parameters of another dtype than the input.
            NotImplementedError: ``input`` is not floating point.
        """
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(
                f"GroupNorm: expected an input of shape (N, {self.num_channels}, *), got input of shape "
                f"{tuple(input.shape)}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(Module):
    """Divide by the root mean square over the trailing ``normalized_shape`` dims, as ``torch.nn.RMSNorm``.

    The result is ``x / sqrt(mean(x**2) + eps) * weight``; there is no bias.

    Args:
        normalized_shape: an int or the shape of the trailing dims.
        eps: added to the mean square; None for the machine epsilon of the input's dtype
            (default None).
        elementwise_affine: learn ``weight`` (init 1) of shape ``normalized_shape`` (default True).
        device: where to create the parameter (default None: the default device).
        dtype: the dtype of the parameter (default None: the default dtype).

    Shape:
        - Input: ``(*, *normalized_shape)``.
        - Output: the input's shape.
    """

    def __init__(self, normalized_shape: Any, eps: float | None = None, elementwise_affine: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set ``weight`` to ones in place (nothing without ``elementwise_affine``)."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` by its root mean square over the trailing ``normalized_shape`` dims.

        Args:
            x: a floating tensor whose trailing dims are ``normalized_shape``.

        Returns:
            A tensor of the shape of ``x``.

        Raises:
            RuntimeError: the trailing dims of ``x`` are not ``normalized_shape`` (a 0-d ``x``
                included).
            NotImplementedError: ``x`` is not floating point.
        """
        F._check_trailing_shape(x, self.normalized_shape, "RMSNorm")
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
