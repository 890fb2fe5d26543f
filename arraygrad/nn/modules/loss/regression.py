"""Regression loss modules: ``L1Loss``, ``MSELoss``, ``SmoothL1Loss`` and ``HuberLoss``.
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.loss._base import _Loss

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss"]


class L1Loss(_Loss):
    """Mean (or sum) absolute error ``|input - target|``, as ``torch.nn.L1Loss``; computed by ``F.l1_loss``.

    Args:
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` of any shape ``(*)``, ``target`` of the same shape; the output is 0-d, or ``(*)`` for
        ``reduction='none'``.

    Example:
        >>> import arraygrad as ag
        >>> ag.nn.L1Loss()(ag.tensor([1.0, 2.0]), ag.tensor([0.0, 4.0])).item()
        1.5
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the absolute error of ``input`` against ``target``, reduced by ``reduction``.

        Args:
            input: the predictions, of any shape.
            target: the expected values, of the input's shape (one that only broadcasts with it is used
                broadcast).

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``target`` does not broadcast with ``input``.
        """
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean (or sum) squared error ``(input - target)**2``, as ``torch.nn.MSELoss``; computed by ``F.mse_loss``.

    Args:
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` of any shape ``(*)``, ``target`` of the same shape; the output is 0-d, or ``(*)`` for
        ``reduction='none'``.

    Example:
        >>> import arraygrad as ag
        >>> ag.nn.MSELoss()(ag.tensor([1.0, 2.0]), ag.tensor([0.0, 4.0])).item()
        2.5
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the squared error of ``input`` against ``target``, reduced by ``reduction``.

        Args:
            input: the predictions, of any shape.
            target: the expected values, of the input's shape (one that only broadcasts with it warns and is
                used broadcast).

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``target`` does not broadcast with ``input``.
            NotImplementedError: ``input`` and ``target`` are both of integer dtypes.
        """
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above, as ``torch.nn.SmoothL1Loss``; computed by
    ``F.smooth_l1_loss``.

    Each element of ``d = input - target`` gives ``0.5 * d**2 / beta`` where ``|d| < beta``, else
    ``|d| - 0.5 * beta``.

    Args:
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).
        beta: the threshold between the squared and the absolute part; 0 gives the L1 loss (default 1.0).

    Shape:
        ``input`` of any shape ``(*)``, ``target`` of the same shape; the output is 0-d, or ``(*)`` for
        ``reduction='none'``.
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the smooth L1 loss of ``input`` against ``target``, reduced by ``reduction``.

        Args:
            input: the predictions, of any shape.
            target: the expected values, of the input's shape.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``beta`` is negative, or ``target`` does not broadcast with ``input``.
            NotImplementedError: ``input`` and ``target`` are both of integer dtypes.
        """
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta``-scaled absolute error above, as ``torch.nn.HuberLoss``; computed
    by ``F.huber_loss``.

    Each element of ``d = input - target`` gives ``0.5 * d**2`` where ``|d| < delta``, else
    ``delta * (|d| - 0.5 * delta)``.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).
        delta: the threshold between the squared and the absolute part, positive (default 1.0).

    Shape:
        ``input`` of any shape ``(*)``, ``target`` of the same shape; the output is 0-d, or ``(*)`` for
        ``reduction='none'``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the Huber loss of ``input`` against ``target``, reduced by ``reduction``.

        Args:
            input: the predictions, a floating tensor of any shape.
            target: the expected values, of the input's shape.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``delta <= 0``, ``target`` does not broadcast with ``input``, or ``input`` is of an
                integer dtype.
        """
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
