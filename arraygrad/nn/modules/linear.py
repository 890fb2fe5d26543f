"""Linear layers: ``Identity``, ``Linear``, ``Bilinear``."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.core import creation
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    """``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias.
        device: where to create the parameters (a device or backend name, e.g. ``"jax"``).
        dtype: parameter dtype (default float dtype when None).

    Attributes:
        weight: ``(out_features, in_features)``, initialised from ``U(-1/sqrt(in_features),
            1/sqrt(in_features))`` (``kaiming_uniform_(a=sqrt(5))``, as PyTorch).
        bias: ``(out_features,)``, from the same distribution; drawn after the weight from the
            seeded generator, so ``ag.manual_seed`` gives the same layer on every backend.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the class name PyTorch gives ``MultiheadAttention.out_proj`` (so that
    ``repr`` matches); it behaves exactly like ``Linear``."""


class Bilinear(Module):
    """``y = x1 @ weight[k] @ x2 + bias[k]`` for each output ``k``.

    Args:
        in1_features: size of the last dimension of the first input ``x1``.
        in2_features: size of the last dimension of the second input ``x2``.
        out_features: size of the output's last dimension.
        bias: whether to learn an additive ``(out_features,)`` bias (default True).
        device: where to create the parameters (a device or backend name, e.g. ``"jax"``;
            default None).
        dtype: parameter dtype (default float dtype when None).

    Weight ``(out_features, in1_features, in2_features)`` and bias are initialised from
    ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``.
    """

    def __init__(
        self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` in place from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """Apply the bilinear map to a pair of inputs.

        Args:
            input1: the first input, ``(*, in1_features)``.
            input2: the second input, ``(*, in2_features)``, with the leading shape of ``input1``.

        Returns:
            ``(*, out_features)``, where ``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``.

        Raises:
            RuntimeError: inputs of another dtype than the parameters, last dims other than
                ``in1_features`` and ``in2_features``, a 0-d input, or inputs whose leading shapes
                differ.
        """
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
