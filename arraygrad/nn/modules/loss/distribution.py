"""Loss modules of distributions: ``KLDivLoss`` and the negative log-likelihoods
``PoissonNLLLoss`` and ``GaussianNLLLoss``.
"""

from __future__ import annotations

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn.modules.loss._base import _Loss

__all__ = ["KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss"]


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
