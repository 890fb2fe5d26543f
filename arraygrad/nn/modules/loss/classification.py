"""Classification loss modules: ``NLLLoss``, ``CrossEntropyLoss``, ``BCELoss`` and
``BCEWithLogitsLoss``.
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.loss._base import _Loss, _WeightedLoss

__all__ = ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities, as ``torch.nn.NLLLoss``; computed by
    ``F.nll_loss``.

    Args:
        weight: optional ``(C,)`` class weights, of the input's dtype, kept as the buffer ``weight``
            (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        ignore_index: a target value that is skipped and does not count in the mean (default -100).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` (weighted mean over the non-ignored targets) or ``'sum'``
            (default ``'mean'``).

    Shape:
        ``input`` ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` of log-probabilities; ``target`` ``()``, ``(N,)`` or
        ``(N, d1, ...)`` of class indices in ``[0, C)``; the output is 0-d, or of the target's shape for
        ``reduction='none'``.
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the negative log-likelihood of the classes ``target`` under the log-probabilities ``input``.

        Args:
            input: floating log-probabilities ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``.
            target: class indices of dtype int64 or uint8, ``()``, ``(N,)`` or ``(N, d1, ...)``.

        Returns:
            A 0-d tensor, or the per-target loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not valid, ``input`` is 0-d, or the batch sizes of ``input`` and
                ``target`` differ.
            RuntimeError: ``target`` is not of dtype int64 or uint8, or of the wrong number of dims or spatial
                size; ``weight`` is not ``(C,)`` or not of the input's dtype.
            NotImplementedError: ``input`` is not floating point.
            IndexError: a target class outside ``[0, C)`` (other than ``ignore_index``).
        """
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross entropy of logits against class indices or class probabilities, as
    ``torch.nn.CrossEntropyLoss``; computed by ``F.cross_entropy``.

    Args:
        weight: optional ``(C,)`` class weights, of the input's dtype, kept as the buffer ``weight``
            (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        ignore_index: a class-index target that is skipped and does not count in the mean; only for class-index
            targets (default -100).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).
        label_smoothing: in ``[0, 1]``: the target is mixed with this share of the uniform distribution over the
            ``C`` classes (default 0.0).

    Shape:
        ``input`` ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` of logits; ``target`` either class indices of shape
        ``()``, ``(N,)`` or ``(N, d1, ...)``, or class probabilities of the input's shape; the output is 0-d, or
        one value per sample for ``reduction='none'``.

    Example:
        >>> import arraygrad as ag
        >>> loss = ag.nn.CrossEntropyLoss()(ag.tensor([[0.0, 0.0]]), ag.tensor([1]))
        >>> round(loss.item(), 4)
        0.6931
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the cross entropy of the logits ``input`` against ``target``.

        Args:
            input: floating logits ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``.
            target: class indices (int64 or uint8) with the class dim left out, or floating class probabilities
                of the input's shape.

        Returns:
            A 0-d tensor, or the per-sample loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not valid, the batch sizes of ``input`` and ``target`` differ, or
                ``ignore_index >= 0`` with class probabilities.
            IndexError: ``input`` is 0-d, or a class index outside ``[0, C)`` (other than ``ignore_index``).
            RuntimeError: ``label_smoothing`` outside ``[0, 1]``; class indices not of dtype int64 or uint8, or of
                the wrong number of dims or spatial size; ``weight`` not ``(C,)`` or not of the input's dtype.
            NotImplementedError: ``input`` is not floating point.
        """
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities, as ``torch.nn.BCELoss``; computed by ``F.binary_cross_entropy``.

    Each element is ``-(target * log(input) + (1 - target) * log(1 - input))``, the logs clamped at -100.

    Args:
        weight: optional weights broadcast against the elementwise loss, of the input's dtype, kept as the
            buffer ``weight`` (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` of any shape ``(*)`` with values in ``[0, 1]``, ``target`` of the same shape; the output is
        0-d, or ``(*)`` for ``reduction='none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the binary cross entropy of the probabilities ``input`` against ``target``.

        Args:
            input: probabilities in ``[0, 1]``, of any shape.
            target: targets in ``[0, 1]``, of the input's shape and dtype.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not valid, or ``target`` is not of the input's shape.
            RuntimeError: ``target`` or ``weight`` is not of the input's dtype, or ``input`` or ``target`` has
                values outside ``[0, 1]``.
        """
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross entropy in one numerically stable step, as ``torch.nn.BCEWithLogitsLoss``;
    computed by ``F.binary_cross_entropy_with_logits``.

    Args:
        weight: optional weights broadcast against the loss, kept as the buffer ``weight`` (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).
        pos_weight: optional weight of the positive examples, broadcast along the last dim (e.g. one per class),
            kept as the buffer ``pos_weight`` (default None).

    Shape:
        ``input`` of any shape ``(*)`` of logits, ``target`` of the same shape; the output is 0-d, or ``(*)`` for
        ``reduction='none'``.
    """

    weight: Tensor | None
    pos_weight: Tensor | None

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the binary cross entropy of ``sigmoid(input)`` against ``target``.

        Args:
            input: floating logits of any shape.
            target: floating targets in ``[0, 1]``, of the input's shape.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not valid, or ``target`` is not of the input's shape.
            NotImplementedError: ``input`` is not floating point.
            RuntimeError: ``target`` is not floating point.
        """
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)
