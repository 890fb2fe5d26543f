"""Margin, ranking and embedding loss modules: the hinge losses (``HingeEmbeddingLoss``,
``MultiMarginLoss``, ``MultiLabelMarginLoss``, ``SoftMarginLoss``) and the losses on pairs or
triplets of inputs (``MarginRankingLoss``, ``CosineEmbeddingLoss``, ``TripletMarginLoss``).
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.loss._base import _Loss, _WeightedLoss

__all__ = [
    "HingeEmbeddingLoss", "MarginRankingLoss", "CosineEmbeddingLoss", "MultiLabelMarginLoss", "SoftMarginLoss",
    "MultiMarginLoss", "TripletMarginLoss",
]


class HingeEmbeddingLoss(_Loss):
    """Hinge embedding loss: ``input`` where the target is 1, ``max(0, margin - input)`` where it is -1, as
    ``torch.nn.HingeEmbeddingLoss``; computed by ``F.hinge_embedding_loss``.

    Args:
        margin: the margin of the targets -1 (default 1.0).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` of any shape ``(*)`` (typically distances), ``target`` of 1 and -1 of the same shape; the output
        is 0-d, or ``(*)`` for ``reduction='none'``.
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the hinge embedding loss of ``input`` for the targets ``target``.

        Args:
            input: floating values of any shape.
            target: 1 or -1 per element, broadcast with ``input``.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``target`` does not broadcast with ``input``, or ``input`` is of an integer dtype.
        """
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Margin ranking loss ``max(0, -target * (input1 - input2) + margin)``, as ``torch.nn.MarginRankingLoss``;
    computed by ``F.margin_ranking_loss``.

    Args:
        margin: how far the score of the preferred input must exceed the other (default 0.0).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input1``, ``input2`` and ``target`` ``(N,)`` or ``()`` (same number of dims, broadcastable); the output
        is 0-d, or ``(N,)`` for ``reduction='none'``.
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """Compute the margin ranking loss of two score tensors.

        Args:
            input1: the first scores.
            input2: the second scores.
            target: 1 where ``input1`` should rank higher, -1 where ``input2`` should.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: the inputs and target have different numbers of dims, or shapes that do not broadcast.
        """
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Cosine embedding loss: ``1 - cos`` where the target is 1, ``max(0, cos - margin)`` where it is -1, as
    ``torch.nn.CosineEmbeddingLoss``; computed by ``F.cosine_embedding_loss``.

    ``cos`` is the cosine similarity of ``input1`` and ``input2`` along their last dim.

    Args:
        margin: the margin of the targets -1, in ``[-1, 1]`` (default 0.0).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input1`` and ``input2`` ``(N, D)`` or ``(D,)``, ``target`` ``(N,)`` or ``()``; the output is 0-d, or
        ``(N,)`` for ``reduction='none'``.
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """Compute the cosine embedding loss of two batches of vectors.

        Args:
            input1: the first vectors, ``(N, D)`` or ``(D,)``.
            input2: the second vectors, of the shape of ``input1``.
            target: 1 (similar) or -1 (dissimilar) per pair, ``(N,)`` or ``()``.

        Returns:
            A 0-d tensor, or the per-pair loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``target`` is not 0-d or 1-d, or the inputs are of the wrong shape for it.
        """
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss with ``-1``-terminated class lists as targets, as ``torch.nn.MultiLabelMarginLoss``;
    computed by ``F.multilabel_margin_loss``.

    Args:
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` ``(C,)`` or ``(N, C)``, ``target`` int64 of the same shape; the output is 0-d, or ``(N,)`` for
        ``reduction='none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the multi-label hinge loss of the scores ``input`` for the class lists ``target``.

        Args:
            input: floating scores ``(C,)`` or ``(N, C)``.
            target: int64 class indices of the input's shape; each row's classes come first, ended by ``-1``.

        Returns:
            A 0-d tensor, or the per-sample loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``input`` is not 1-d or 2-d, ``target`` is not int64 or not of the input's shape.
            NotImplementedError: ``input`` is not floating point.
            IndexError: a target entry outside ``[-1, C)``.
        """
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-target * input))``, as ``torch.nn.SoftMarginLoss``; computed by
    ``F.soft_margin_loss``.

    Args:
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` of any shape ``(*)``, ``target`` of 1 and -1 of the same shape; the output is 0-d, or ``(*)``
        for ``reduction='none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the two-class logistic loss of the scores ``input`` for the labels ``target``.

        Args:
            input: floating scores of any shape.
            target: 1 or -1 per element, of the input's shape.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``target`` is not of the input's shape, or ``input`` is of an integer dtype.
        """
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss, as ``torch.nn.MultiMarginLoss``; computed by ``F.multi_margin_loss``.

    Each sample gives ``sum_{i != y} max(0, margin - x[y] + x[i])**p / C``, each term scaled by ``weight[y]``.

    Args:
        p: the power of the hinge, 1 or 2 (default 1).
        margin: the hinge's margin (default 1.0).
        weight: optional ``(C,)`` class weights, kept as the buffer ``weight`` (default None).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` ``(C,)`` or ``(N, C)``, ``target`` ``()`` or ``(N,)`` of class indices; the output is 0-d, or
        ``(N,)`` for ``reduction='none'``.

    Raises:
        ValueError: ``p`` is not 1 or 2, or ``weight`` is given and not 1-d.
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the multi-class hinge loss of the scores ``input`` for the classes ``target``.

        Args:
            input: floating scores ``(C,)`` or ``(N, C)``.
            target: class indices of dtype int64 or uint8, ``()`` or ``(N,)``.

        Returns:
            A 0-d tensor, or the per-sample loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``input`` is not 1-d or 2-d; ``target`` not of dtype int64 or uint8, or of the wrong
                shape; ``weight`` not ``(C,)`` or not of the input's dtype.
            NotImplementedError: ``input`` is not floating point.
            IndexError: a target class outside ``[0, C)``.
        """
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet margin loss ``max(0, margin + d(anchor, positive) - d(anchor, negative))``, as
    ``torch.nn.TripletMarginLoss``; computed by ``F.triplet_margin_loss``.

    ``d`` is the ``p``-norm pairwise distance over the last dim.

    Args:
        margin: the margin between the two distances, positive (default 1.0).
        p: the order of the norm of the distance (default 2.0).
        eps: added to the differences before the norm (default 1e-6).
        swap: use ``min(d(anchor, negative), d(positive, negative))`` as the negative distance (the distance
            swap) (default False).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``anchor``, ``positive`` and ``negative`` ``(N, D)`` or ``(D,)``; the output is 0-d, or ``(N,)`` for
        ``reduction='none'``.

    Raises:
        ValueError: ``margin <= 0``.
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """Compute the triplet margin loss of the triplets ``(anchor, positive, negative)``.

        Args:
            anchor: the anchors, ``(N, D)`` or ``(D,)``.
            positive: the positive examples, with as many dims as ``anchor``.
            negative: the negative examples, with as many dims as ``anchor``.

        Returns:
            A 0-d tensor, or the per-triplet loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: the three inputs have different numbers of dims.
        """
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)
