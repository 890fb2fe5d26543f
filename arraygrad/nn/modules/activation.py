"""Activation modules: thin wrappers of ``nn.functional`` with PyTorch's arguments and ``repr``."""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.module import Module

__all__ = [
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "GELU", "SiLU", "ELU", "Softplus", "Hardtanh",
    "ReLU6", "Mish",
]


class ReLU(Module):
    """Apply ``max(x, 0)`` elementwise, as ``torch.nn.ReLU``.

    Args:
        inplace: overwrite the input instead of returning a new tensor (default False).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """Apply ``x`` where positive, else ``negative_slope * x``, elementwise, as ``torch.nn.LeakyReLU``.

    Args:
        negative_slope: the slope for negative inputs (default 1e-2).
        inplace: overwrite the input instead of returning a new tensor (default False).
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanh(input)


class Softmax(Module):
    """Apply softmax along ``dim``, as ``torch.nn.Softmax``.

    Args:
        dim: the dim whose entries sum to 1; None picks one from the input's number of dims, with PyTorch's
            deprecation warning (default None).
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Apply the log of softmax along ``dim``, computed stably, as ``torch.nn.LogSoftmax``.

    Args:
        dim: the dim to normalize along; None picks one from the input's number of dims, with PyTorch's
            deprecation warning (default None).
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    """Apply ``x * Phi(x)`` elementwise, exactly or with the tanh approximation, as ``torch.nn.GELU``.

    Args:
        approximate: ``'none'`` for the exact form, ``'tanh'`` for the tanh approximation (default ``'none'``).
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """Apply ``x * sigmoid(x)`` elementwise, as ``torch.nn.SiLU``.

    Args:
        inplace: overwrite the input instead of returning a new tensor (default False).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Mish(Module):
    """Apply ``x * tanh(softplus(x))`` elementwise, as ``torch.nn.Mish``.

    Args:
        inplace: overwrite the input instead of returning a new tensor (default False).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """Apply ``x`` where positive, else ``alpha * (exp(x) - 1)``, elementwise, as ``torch.nn.ELU``.

    Args:
        alpha: the scale of the negative part (default 1.0).
        inplace: overwrite the input instead of returning a new tensor (default False).
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """Apply ``log(1 + exp(beta * x)) / beta`` elementwise, linear where ``beta * x > threshold``, as
    ``torch.nn.Softplus``.

    Args:
        beta: the sharpness of the curve (default 1.0).
        threshold: above this value of ``beta * x`` the output is ``x`` (default 20.0).
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """Clamp ``x`` elementwise to ``[min_val, max_val]``, as ``torch.nn.Hardtanh``.

    Args:
        min_val: the lower bound (default -1.0).
        max_val: the upper bound, greater than ``min_val`` (default 1.0).
        inplace: overwrite the input instead of returning a new tensor (default False).

    Raises:
        ValueError: ``max_val <= min_val``.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """Apply ``min(max(x, 0), 6)`` elementwise, as ``torch.nn.ReLU6``.

    Args:
        inplace: overwrite the input instead of returning a new tensor (default False).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


# PyTorch defines MultiheadAttention in torch.nn.modules.activation; here it has a file of its own
from arraygrad.nn.modules.attention import MultiheadAttention as MultiheadAttention  # noqa: E402
