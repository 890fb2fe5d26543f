"""Loss modules: thin wrappers that keep a loss's options and call ``nn.functional``.

Names, argument order, defaults and the ``weight`` / ``pos_weight`` buffers follow PyTorch's
``torch.nn.modules.loss``; the formulas, shape rules and errors are documented on the
functional forms.

Every loss takes ``reduction``: ``'none'`` (one value per element or sample), ``'mean'`` or
``'sum'``. It is checked when the loss is computed, not when the module is built.
``size_average`` and ``reduce`` are PyTorch's deprecated spelling of it: when either is not None
the constructor replaces ``reduction`` by what they mean (``reduce=False`` gives ``'none'``,
``size_average=False`` gives ``'sum'``, otherwise ``'mean'``), with a warning.
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.module import Module

__all__ = [
    "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "KLDivLoss", "HingeEmbeddingLoss", "MarginRankingLoss", "CosineEmbeddingLoss", "MultiLabelMarginLoss",
    "PoissonNLLLoss", "SoftMarginLoss", "MultiMarginLoss", "TripletMarginLoss", "GaussianNLLLoss",
]


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


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``, as ``torch.nn.KLDivLoss``;
    computed by ``F.kl_div``.

    Each element is ``target * (log(target) - input)`` (``exp(target) * (target - input)`` with ``log_target``).
    Use ``reduction='batchmean'`` for the true divergence; ``'mean'`` averages over all elements and warns.

    Args:
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'batchmean'`` (the sum divided by ``input.shape[0]``), ``'sum'`` or ``'mean'``
            (default ``'mean'``).
        log_target: the target is given as log-probabilities (default False).

    Shape:
        ``input`` of any shape ``(*)``, ``target`` broadcast with it; the output is 0-d, or the broadcast shape
        for ``reduction='none'``.
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Compute the KL divergence of ``target`` from the log-probabilities ``input``.

        Args:
            input: floating log-probabilities of any shape.
            target: floating probabilities (log-probabilities with ``log_target``) that broadcast with ``input``.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'batchmean'``, ``'sum'`` or ``'mean'``.
            RuntimeError: ``target`` does not broadcast with ``input``, or either is of an integer dtype.
        """
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


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


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts, as ``torch.nn.PoissonNLLLoss``; computed by
    ``F.poisson_nll_loss``.

    Each element is ``exp(input) - target * input`` with ``log_input``, else ``input - target * log(input + eps)``.

    Args:
        log_input: the input holds the log of the rate (default True).
        full: add Stirling's approximation of ``log(target!)`` where ``target > 1`` (default False).
        size_average: deprecated; when it or ``reduce`` is not None it replaces ``reduction``, with a warning:
            ``False`` sums instead of averaging (default None).
        eps: added to the input before its log when ``log_input`` is False (default 1e-8).
        reduce: deprecated; when it or ``size_average`` is not None it replaces ``reduction``, with a warning:
            ``False`` keeps the unreduced loss (default None).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``log_input`` of any shape ``(*)``, ``target`` broadcast with it; the output is 0-d, or the broadcast shape
        for ``reduction='none'``.
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average: bool | None = None,
                 eps: float = 1e-8, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """Compute the Poisson negative log-likelihood of ``target`` under the predicted rates.

        Args:
            log_input: the predicted rates, or their logs when the module's ``log_input`` is True.
            target: the observed counts, broadcast with ``log_input``.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            ValueError: ``reduction`` is not ``'none'``, ``'mean'`` or ``'sum'``.
            RuntimeError: ``target`` does not broadcast with ``log_input``.
        """
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


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


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with predicted variances, as ``torch.nn.GaussianNLLLoss``; computed by
    ``F.gaussian_nll_loss``.

    Each element is ``0.5 * (log(var) + (input - target)**2 / var)``, with ``var`` clamped below at ``eps``.

    Args:
        full: add the constant ``0.5 * log(2 * pi)`` (default False).
        eps: the lower clamp of the variances, for stability (default 1e-6).
        reduction: ``'none'``, ``'mean'`` or ``'sum'`` (default ``'mean'``).

    Shape:
        ``input`` and ``target`` ``(N, *)``; ``var`` of the same shape, or with one dim of size 1 or the last dim
        missing, or a number; the output is 0-d, or ``(N, *)`` for ``reduction='none'``.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002
        """Compute the Gaussian negative log-likelihood of ``target`` under means ``input`` and variances ``var``.

        Args:
            input: the predicted means.
            target: the observed values, broadcast with ``input``.
            var: the predicted variances, non-negative: a floating tensor of the input's shape, or with one dim of
                size 1 (or the last dim missing) for a variance shared along it; or a number.

        Returns:
            A 0-d tensor, or the elementwise loss for ``reduction='none'``.

        Raises:
            TypeError: ``var`` is neither a Tensor nor a number.
            RuntimeError: ``var`` is a tensor of an integer dtype.
            ValueError: a negative variance, ``var`` of a shape incompatible with ``input``, or ``reduction`` is
                not ``'none'``, ``'mean'`` or ``'sum'``.
        """
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)
