"""Activation functions, softmax and log-softmax."""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import dtypes, ops
from arraygrad.core.conv import scalar_name
from arraygrad.core.ops import log_softmax as _log_softmax
from arraygrad.core.ops import relu as _relu
from arraygrad.core.ops import sigmoid, softplus, tanh
from arraygrad.core.ops import softmax as _softmax
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._erf import _erfc
from arraygrad.nn.functional._utils import _inplace_result, _require_floating

__all__ = [
    "elu", "elu_", "gelu", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "log_softmax", "mish", "relu",
    "relu6", "relu_", "silu", "softmax",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``.

    Raises:
        RuntimeError: a bool input (as PyTorch).
    """
    if input.dtype is dtypes.bool_:
        raise NotImplementedError("relu: Boolean inputs not supported for relu")
    return input.relu_() if inplace else _relu(input)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``relu``."""
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``negative_slope * input`` (gradient at 0: ``negative_slope``)."""
    _require_floating(input, "leaky_relu")
    if inplace:
        return _inplace_result(input, lambda x: leaky_relu(x, negative_slope), "leaky_relu_")
    return ops.where(ops.gt(input, 0), input, ops.mul(input, negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` clamped to ``[min_val, max_val]``; like PyTorch the gradient is zero at the bounds."""
    if input.dtype is dtypes.bool_:
        raise RuntimeError("hardtanh: not implemented for a bool input")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, max_val={max_val}")
    if inplace:
        return _inplace_result(input, lambda x: hardtanh(x, min_val, max_val), "hardtanh_")
    inside = ops.logical_and(ops.gt(input, min_val), ops.lt(input, max_val))
    return ops.where(inside, input, ops.clamp(input.detach(), min_val, max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(input, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    _require_floating(input, "elu")
    if inplace:
        return _inplace_result(input, lambda x: elu(x, alpha), "elu_")
    # NOTE: exp of the input with its positive part replaced by 0: exp(large x) in the unused branch
    # would be inf, and inf * 0 in its backward would turn the gradient into NaN. (Not clamp: its
    # gradient is 0 at the bound, and at 0 this branch is the one taken, with derivative alpha.)
    positive = ops.gt(input, 0)
    negative = ops.mul(ops.expm1(ops.where(positive, 0.0, input)), alpha)
    return ops.where(positive, input, negative)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return elu(input, alpha, inplace=True)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * sigmoid(input)`` (swish)."""
    _require_floating(input, "silu")
    if inplace:
        return _inplace_result(input, silu, "silu_")
    return ops.mul(input, sigmoid(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * tanh(softplus(input))``."""
    _require_floating(input, "mish")
    if inplace:
        return _inplace_result(input, mish, "mish_")
    return ops.mul(input, tanh(softplus(input)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit ``input * Phi(input)``.

    Args:
        approximate: ``"none"`` (exact, through a float64-accurate erfc) or ``"tanh"``.

    Raises:
        ValueError: unknown ``approximate``.
        NotImplementedError: an integer input.
    """
    _require_floating(input, "gelu")
    if approximate == "tanh":
        inner = ops.mul(ops.add(input, ops.mul(ops.mul(ops.mul(input, input), input), 0.044715)), math.sqrt(2.0 / math.pi))
        return ops.mul(ops.mul(input, 0.5), ops.add(tanh(inner), 1.0))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    # Phi(x) = erfc(-x / sqrt(2)) / 2: no cancellation in the negative tail, unlike 1 + erf(x / sqrt(2))
    return ops.mul(ops.mul(input, 0.5), _erfc(ops.mul(input, -math.sqrt(0.5))))


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(input) / sum(exp(input), dim)``, numerically stable.

    Args:
        dim: the dim that sums to 1 (None: PyTorch's deprecated implicit choice, with a warning).
        dtype: cast the input to this dtype first (the way to take the softmax of an integer tensor).

    Raises:
        NotImplementedError: an integer or bool input without a floating ``dtype`` (as PyTorch).
    """
    _check_floating_softmax(input, dtype, "softmax")
    if input.ndim == 0 and dim not in (None, 0, -1):
        raise IndexError(f"softmax: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """``input - logsumexp(input, dim)``, numerically stable; arguments and errors as ``softmax``."""
    _check_floating_softmax(input, dtype, "log_softmax")
    if input.ndim == 0 and dim not in (None, 0, -1):
        raise IndexError(f"log_softmax: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


def _check_floating_softmax(input: Tensor, dtype: Any, op: str) -> None:  # noqa: A002
    """PyTorch has no integer softmax kernel: it refuses an integer input unless ``dtype``
    casts it to a floating dtype first (numpy and jax would otherwise promote silently)."""
    dt = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(
            f'{op}: "{op}_lastdim_kernel_impl" not implemented for \'{scalar_name(dt)}\' (the input must be '
            f"floating point; pass dtype=arraygrad.float32 to cast an integer input first)"
        )


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
