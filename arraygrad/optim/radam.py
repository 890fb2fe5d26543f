"""RAdam, Adam with a rectified adaptive learning rate (Liu et al., 2019): PyTorch's ``torch.optim.RAdam``."""

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

__all__ = ["RAdam", "radam_update"]


def radam_update(
    xp: ModuleType, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, *, step: int, lr: float,
    beta1: float, beta2: float, eps: float, weight_decay: float, decoupled_weight_decay: bool, maximize: bool,
) -> tuple[Array, Array, Array]:
    """Compute one RAdam step for one parameter on backend arrays, as ``torch.optim.RAdam`` does.

    Adam's running averages; with ``rho_inf = 2/(1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``: when ``rho_t > 5`` the update is
    ``lr * m_hat * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)`` with the rectification
    ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``,
    otherwise plain momentum ``lr * m_hat`` (``m_hat = m / (1 - beta1**t)``). Under ``ag.compile``,
    where ``step`` is traced, both updates are computed and chosen inside the program.

    Nothing is updated in place: the function returns new arrays, and ``RAdam.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        exp_avg: ``m``, the running average of the gradient (the ``exp_avg`` state).
        exp_avg_sq: ``v``, the running average of the squared gradient (the ``exp_avg_sq`` state).
        step: the step number t, counting from 1 (this step included).
        lr: the learning rate.
        beta1: the decay of the gradient's running average.
        beta2: the decay of the squared gradient's running average.
        eps: added to the denominator for numerical stability.
        weight_decay: the weight decay factor (0 for none): added to the gradient as
            ``weight_decay * param``, or, with ``decoupled_weight_decay``, scaling the parameter by
            ``1 - lr * weight_decay`` first.
        decoupled_weight_decay: apply the weight decay to the parameter (as AdamW) instead of the gradient.
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_exp_avg, new_exp_avg_sq)``, arrays of the parameter's shape.
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
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if type(step) is int:
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            coef = lr * rect * bias_correction2**0.5 / bias_correction1
            update = xp.divide(exp_avg, xp.add(xp.sqrt(exp_avg_sq), eps))
        else:
            coef = lr / bias_correction1
            update = exp_avg
        return xp.subtract(param, xp.multiply(update, coef)), exp_avg, exp_avg_sq
    # the step number is traced (ag.compile): both updates, chosen inside the program, so that one
    # program serves every step
    rect_sq = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
    rect = xp.sqrt(xp.maximum(rect_sq, xp.zeros_like(rect_sq)))
    rectified = xp.multiply(xp.divide(exp_avg, xp.add(xp.sqrt(exp_avg_sq), eps)),
                            lr * rect * bias_correction2**0.5 / bias_correction1)
    plain = xp.multiply(exp_avg, lr / bias_correction1)
    return xp.subtract(param, xp.where(rho_t > 5.0, rectified, plain)), exp_avg, exp_avg_sq


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0): L2 penalty, or decoupled as in AdamW.
        decoupled_weight_decay: decay the weights directly, as AdamW (RAdamW; default False).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        capturable: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
        maximize: bool = False, capturable: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
            capturable=capturable, decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay, maximize = group["lr"], group["eps"], group["weight_decay"], group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = state_zeros(p)
                    state["exp_avg_sq"] = state_zeros(p)
                state["step"] = step = state["step"] + 1
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                new_p, m, v = radam_update(
                    p._backend.xp, p._storage.array, grad._storage.array, exp_avg._storage.array,
                    exp_avg_sq._storage.array, step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                    weight_decay=weight_decay, decoupled_weight_decay=decoupled, maximize=maximize,
                )
                p._set_array(new_p)
                exp_avg._set_array(m)
                exp_avg_sq._set_array(v)
        return loss
