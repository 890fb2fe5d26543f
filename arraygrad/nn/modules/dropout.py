"""Dropout layers: ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``.

In training mode they zero elements (or whole channels) with probability ``p`` and scale the
rest by ``1 / (1 - p)``; in eval mode they return the input. Masks are drawn from the seeded
generator, so ``ag.manual_seed(s)`` gives the same mask on every backend.
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class _DropoutNd(Module):
    """Args:
        p: probability of zeroing an element (or a channel).
        inplace: overwrite the input.

    Raises:
        ValueError: ``p`` outside [0, 1].
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element independently with probability ``p`` in training, scaling the rest by ``1 / (1 - p)``, as
    ``torch.nn.Dropout``.

    Args:
        p: probability of zeroing an element, in ``[0, 1]`` (default 0.5).
        inplace: overwrite the input instead of returning a new tensor (default False).

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) with probability ``p`` in training, as ``torch.nn.Dropout1d``.

    Args:
        p: probability of zeroing a channel, in ``[0, 1]`` (default 0.5).
        inplace: overwrite the input instead of returning a new tensor (default False).

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` with probability ``p`` in training (a 3-d input
    is taken as ``(N, C, L)``, with PyTorch's warning).

    Args:
        p: probability of zeroing a channel, in ``[0, 1]`` (default 0.5).
        inplace: overwrite the input instead of returning a new tensor (default False).

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` (or unbatched) with probability ``p`` in training.

    Args:
        p: probability of zeroing a channel, in ``[0, 1]`` (default 0.5).
        inplace: overwrite the input instead of returning a new tensor (default False).

    Raises:
        ValueError: ``p`` outside ``[0, 1]``.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)
