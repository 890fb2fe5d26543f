"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, as ``torch.optim.AdamW``."""

from __future__ import annotations

from arraygrad.optim.adam import Adam
from arraygrad.optim.optimizer import ParamsT

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: Adam whose weight decay scales the parameters
    (``param *= 1 - lr * weight_decay``) instead of entering the gradient's running averages.

    On backends whose arrays may be written (numpy) each step updates the parameters and their
    state in place, as PyTorch does.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: decoupled weight decay factor (default 1e-2).
        amsgrad: use the AMSGrad variant (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; every step already updates a whole group per call.
        capturable: accepted for compatibility; step counters stay on the host.
        differentiable: must be False (differentiable steps are not implemented).
        fused: must be None or False (fused kernels are not implemented).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` with amsgrad).

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).
        NotImplementedError: ``fused`` or ``differentiable`` is set.
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach: bool | None = None,
        capturable: bool = False, differentiable: bool = False, fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize, capturable=capturable,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=True,
        )

    def _after_load(self) -> None:
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
