"""Adam (Kingma & Ba, 2014), with the AMSGrad variant and optional decoupled weight decay:
PyTorch's ``torch.optim.Adam``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_non_negative,
    check_unsupported,
    run_closure,
    state_zeros,
)

Array = Any

__all__ = ["Adam", "adam_update"]


def adam_update(
    xp: ModuleType, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, max_exp_avg_sq: Array | None, *,
    step: int, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
    decoupled_weight_decay: bool,
) -> tuple[Array, Array, Array, Array | None]:
    """One Adam step for one parameter, on backend arrays (pure: nothing is modified).

    ``m = m + (1 - beta1) (g - m)``, ``v = beta2 v + (1 - beta2) g^2`` (``vmax = max(vmax, v)``
    with AMSGrad), then ``param - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)`` with
    ``bc_i = 1 - beta_i**step``. Weight decay adds ``weight_decay * param`` to the gradient, or,
    decoupled (AdamW), first scales the parameter by ``1 - lr * weight_decay``.

    Args:
        step: the step number, counting from 1.
        max_exp_avg_sq: AMSGrad's running maximum (None without amsgrad).

    Returns:
        ``(new_param, new_exp_avg, new_exp_avg_sq, new_max_exp_avg_sq)``.
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        if decoupled_weight_decay:
            param = xp.multiply(param, 1 - lr * weight_decay)
        else:
            grad = xp.add(grad, xp.multiply(param, weight_decay))
    exp_avg = xp.add(exp_avg, xp.multiply(xp.subtract(grad, exp_avg), 1 - beta1))
    exp_avg_sq = xp.add(xp.multiply(exp_avg_sq, beta2), xp.multiply(xp.multiply(grad, grad), 1 - beta2))
    second = exp_avg_sq
    if amsgrad:
        max_exp_avg_sq = xp.maximum(max_exp_avg_sq, exp_avg_sq)
        second = max_exp_avg_sq
    bias_correction1 = 1 - beta1**step
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    # m / (sqrt(v)/s + eps) == s * m / (sqrt(v) + eps * s): one array operation fewer
    denom = xp.add(xp.sqrt(second), eps * bias_correction2_sqrt)
    step_size = lr * bias_correction2_sqrt / bias_correction1
    param = xp.subtract(param, xp.multiply(xp.divide(exp_avg, denom), step_size))
    return param, exp_avg, exp_avg_sq, max_exp_avg_sq


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the AMSGrad variant (default False).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly, as AdamW (default False).
        foreach, capturable: accepted for compatibility; ignored.
        differentiable, fused: must be False/None (not implemented).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` with amsgrad).

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None, maximize: bool = False,
        capturable: bool = False, differentiable: bool = False, fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        check_unsupported(fused, differentiable)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
            foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = state_zeros(p)
                    state["exp_avg_sq"] = state_zeros(p)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = state_zeros(p)
                state["step"] = step = state["step"] + 1
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                vmax = state["max_exp_avg_sq"] if amsgrad else None
                new_p, m, v, new_vmax = adam_update(
                    p._backend.xp, p._storage.array, grad._storage.array, exp_avg._storage.array,
                    exp_avg_sq._storage.array, None if vmax is None else vmax._storage.array,
                    step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                    maximize=maximize, decoupled_weight_decay=decoupled,
                )
                p._set_array(new_p)
                exp_avg._set_array(m)
                exp_avg_sq._set_array(v)
                if vmax is not None:
                    vmax._set_array(new_vmax)
        return loss
