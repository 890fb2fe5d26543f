"""The base classes of the loss modules: ``_Loss`` (holds ``reduction``) and ``_WeightedLoss``
(adds the ``weight`` buffer).
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.module import Module

__all__: list[str] = []


class _Loss(Module):
    """Base of the losses: holds ``reduction`` (``'none'``, ``'mean'`` or ``'sum'``).

    Args:
        size_average: PyTorch's deprecated flags; when either is given it sets
            ``reduction`` (with a deprecation warning).
        reduce: PyTorch's deprecated flags; when either is given it sets
            ``reduction`` (with a deprecation warning).
        reduction: how the per-element losses are combined.
    """

    reduction: str

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F._legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with optional class weights, kept as the buffer ``weight`` (so that ``to()`` and
    ``state_dict()`` include them)."""

    weight: Tensor | None

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
