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
    """Apply the rectified linear unit ``max(input, 0)`` elementwise, as ``torch.nn.functional.relu``.

    Args:
        input: a tensor of any shape and of a numeric (not bool) dtype.
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``).

    Raises:
        NotImplementedError: a bool input (as PyTorch).
        RuntimeError: ``inplace`` on a leaf tensor that requires grad (or a view of one) while grad mode is on.

    Example:
        >>> import arraygrad as ag
        >>> import arraygrad.nn.functional as F
        >>> F.relu(ag.tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """
    if input.dtype is dtypes.bool_:
        raise NotImplementedError("relu: Boolean inputs not supported for relu")
    return input.relu_() if inplace else _relu(input)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """Apply ``relu`` to ``input`` in place, as ``torch.nn.functional.relu_``.

    Args:
        input: a tensor of any shape and of a numeric (not bool) dtype, overwritten with the result.

    Returns:
        ``input``, holding ``max(input, 0)``.

    Raises:
        NotImplementedError: a bool input (as PyTorch).
        RuntimeError: a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """Apply the leaky rectified linear unit elementwise, as ``torch.nn.functional.leaky_relu``.

    Each element is ``input`` where positive, else ``negative_slope * input``; the gradient at 0 is
    ``negative_slope``.

    Args:
        input: a floating tensor of any shape.
        negative_slope: the slope of the negative part (default 0.01).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``).

    Raises:
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: ``inplace`` on a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    _require_floating(input, "leaky_relu")
    if inplace:
        return _inplace_result(input, lambda x: leaky_relu(x, negative_slope), "leaky_relu_")
    return ops.where(ops.gt(input, 0), input, ops.mul(input, negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """Apply ``leaky_relu`` to ``input`` in place, as ``torch.nn.functional.leaky_relu_``.

    Args:
        input: a floating tensor of any shape, overwritten with the result.
        negative_slope: the slope of the negative part (default 0.01).

    Returns:
        ``input``, holding ``input`` where positive and ``negative_slope * input`` elsewhere.

    Raises:
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Clamp ``input`` elementwise to ``[min_val, max_val]``, as ``torch.nn.functional.hardtanh``.

    As in PyTorch the gradient is 1 strictly inside the interval and 0 at and beyond its bounds.

    Args:
        input: a tensor of any shape and of a numeric (not bool) dtype.
        min_val: the lower bound (default -1.0).
        max_val: the upper bound (default 1.0).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``); for an integer input
        the bounds are truncated to integers.

    Raises:
        RuntimeError: a bool input, or ``inplace`` on a leaf tensor that requires grad (or a view of one)
            while grad mode is on.
        ValueError: ``min_val > max_val``.
    """
    if input.dtype is dtypes.bool_:
        raise RuntimeError("hardtanh: not implemented for a bool input")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, max_val={max_val}")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):  # integers keep their dtype, as PyTorch's
        lo, hi = int(min_val), int(max_val)
        return input.clamp_(lo, hi) if inplace else ops.clamp(input, lo, hi)
    if inplace:
        return _inplace_result(input, lambda x: hardtanh(x, min_val, max_val), "hardtanh_")
    inside = ops.logical_and(ops.gt(input, min_val), ops.lt(input, max_val))
    return ops.where(inside, input, ops.clamp(input.detach(), min_val, max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """Clamp ``input`` to ``[min_val, max_val]`` in place, as ``torch.nn.functional.hardtanh_``.

    Args:
        input: a tensor of any shape and of a numeric (not bool) dtype, overwritten with the result.
        min_val: the lower bound (default -1.0).
        max_val: the upper bound (default 1.0).

    Returns:
        ``input``, holding the clamped values.

    Raises:
        RuntimeError: a bool input, or a leaf tensor that requires grad (or a view of one) while grad mode
            is on.
        ValueError: ``min_val > max_val``.
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Apply ``min(max(input, 0), 6)`` elementwise, as ``torch.nn.functional.relu6``.

    It is ``hardtanh(input, 0.0, 6.0)``: the gradient is 0 at 0 and at 6.

    Args:
        input: a tensor of any shape and of a numeric (not bool) dtype.
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``); for an integer input
        the bounds are truncated to integers.

    Raises:
        RuntimeError: a bool input, or ``inplace`` on a leaf tensor that requires grad (or a view of one)
            while grad mode is on.
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Apply the exponential linear unit elementwise, as ``torch.nn.functional.elu``.

    Each element is ``input`` where positive, else ``alpha * (exp(input) - 1)``.

    Args:
        input: a floating tensor of any shape.
        alpha: the scale of the negative part (default 1.0).
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``).

    Raises:
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: ``inplace`` on a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
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
    """Apply ``elu`` to ``input`` in place, as ``torch.nn.functional.elu_``.

    Args:
        input: a floating tensor of any shape, overwritten with the result.
        alpha: the scale of the negative part (default 1.0).

    Returns:
        ``input``, holding ``input`` where positive and ``alpha * (exp(input) - 1)`` elsewhere.

    Raises:
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    return elu(input, alpha, inplace=True)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Apply the sigmoid linear unit (swish) ``input * sigmoid(input)`` elementwise, as ``torch.nn.functional.silu``.

    Args:
        input: a floating tensor of any shape.
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``).

    Raises:
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: ``inplace`` on a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    _require_floating(input, "silu")
    if inplace:
        return _inplace_result(input, silu, "silu_")
    return ops.mul(input, sigmoid(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Apply ``input * tanh(softplus(input))`` elementwise, as ``torch.nn.functional.mish``.

    Args:
        input: a floating tensor of any shape.
        inplace: overwrite ``input`` with the result and return it (default False).

    Returns:
        A tensor of the input's shape and dtype (``input`` itself when ``inplace``).

    Raises:
        NotImplementedError: ``input`` is not floating point.
        RuntimeError: ``inplace`` on a leaf tensor that requires grad (or a view of one) while grad mode is on.
    """
    _require_floating(input, "mish")
    if inplace:
        return _inplace_result(input, mish, "mish_")
    return ops.mul(input, tanh(softplus(input)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Apply the Gaussian error linear unit ``input * Phi(input)`` elementwise, as ``torch.nn.functional.gelu``.

    ``Phi`` is the standard normal distribution function.

    Args:
        input: a floating tensor of any shape.
        approximate: ``'none'`` (exact, through a float64-accurate erfc) or ``'tanh'`` (PyTorch's tanh approximation)
            (default ``'none'``).

    Returns:
        A tensor of the input's shape and dtype.

    Raises:
        NotImplementedError: ``input`` is not floating point.
        ValueError: ``approximate`` is neither ``'none'`` nor ``'tanh'``.
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
    """Compute ``exp(input) / sum(exp(input), dim)`` stably along ``dim``, as ``torch.nn.functional.softmax``.

    Args:
        input: a tensor of any shape; floating, or cast by ``dtype``.
        dim: the dim along which the result sums to 1; None is PyTorch's deprecated implicit choice (dim 0 for 0-d,
            1-d and 3-d inputs, else dim 1), with a warning (default None).
        dtype: cast the input to this dtype first, the way to take the softmax of an integer tensor (default None).

    Returns:
        A tensor of the input's shape, of ``dtype`` when given, else of the input's dtype.

    Raises:
        NotImplementedError: an integer or bool input without a floating ``dtype`` (as PyTorch).
        IndexError: ``dim`` is out of range.

    Example:
        >>> import arraygrad as ag
        >>> import arraygrad.nn.functional as F
        >>> F.softmax(ag.tensor([[0.0, 0.0], [0.0, 0.0]]), dim=1).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
    """
    _check_floating_softmax(input, dtype, "softmax")
    if input.ndim == 0 and dim not in (None, 0, -1):
        raise IndexError(f"softmax: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """Compute ``input - logsumexp(input, dim)`` stably along ``dim``, as ``torch.nn.functional.log_softmax``.

    Args:
        input: a tensor of any shape; floating, or cast by ``dtype``.
        dim: the dim along which the exponentials of the result sum to 1; None is PyTorch's deprecated implicit choice
            (dim 0 for 0-d, 1-d and 3-d inputs, else dim 1), with a warning (default None).
        dtype: cast the input to this dtype first, the way to take the log-softmax of an integer tensor (default
            None).

    Returns:
        A tensor of the input's shape, of ``dtype`` when given, else of the input's dtype.

    Raises:
        NotImplementedError: an integer or bool input without a floating ``dtype`` (as PyTorch).
        IndexError: ``dim`` is out of range.
    """
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
