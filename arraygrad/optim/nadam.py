"""NAdam, Adam with Nesterov momentum (Dozat, 2016): PyTorch's ``torch.optim.NAdam``."""

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

__all__ = ["NAdam", "nadam_update"]


def nadam_update(
    xp: ModuleType, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, *, step: int, mu_product: float,
    lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, momentum_decay: float,
    decoupled_weight_decay: bool, maximize: bool,
) -> tuple[Array, Array, Array, float]:
    """Compute one NAdam step for one parameter on backend arrays, as ``torch.optim.NAdam`` does.

    With ``mu_t = beta1 (1 - 0.5 * 0.96**(t * momentum_decay))`` and ``prod_t = mu_1 ... mu_t``:
    ``m = m + (1 - beta1)(g - m)``, ``v = beta2 v + (1 - beta2) g^2``,
    ``denom = sqrt(v / (1 - beta2**t)) + eps`` and
    ``param - lr (1 - mu_t)/(1 - prod_t) g/denom - lr mu_{t+1}/(1 - prod_t mu_{t+1}) m/denom``.

    Nothing is updated in place: the function returns new arrays, and ``NAdam.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        exp_avg: ``m``, the running average of the gradient (the ``exp_avg`` state).
        exp_avg_sq: ``v``, the running average of the squared gradient (the ``exp_avg_sq`` state).
        step: the step number t, counting from 1 (this step included).
        mu_product: ``prod_{t-1}``, the product of the earlier momentum coefficients (the ``mu_product``
            state; 1.0 before the first step).
        lr: the learning rate.
        beta1: the decay of the gradient's running average (the base of ``mu_t``).
        beta2: the decay of the squared gradient's running average.
        eps: added to the denominator for numerical stability.
        weight_decay: the weight decay factor (0 for none): added to the gradient as
            ``weight_decay * param``, or, with ``decoupled_weight_decay``, scaling the parameter by
            ``1 - lr * weight_decay`` first.
        momentum_decay: the ``psi`` of the momentum schedule ``mu_t``.
        decoupled_weight_decay: apply the weight decay to the parameter (NAdamW) instead of the gradient.
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_exp_avg, new_exp_avg_sq, new_mu_product)``: three arrays of the parameter's shape
        and ``prod_t`` as a Python float.
    """
    if maximize:
        grad = xp.negative(grad)
    bias_correction2 = 1 - beta2**step
    if weight_decay != 0:
        if decoupled_weight_decay:
            param = xp.multiply(param, 1 - lr * weight_decay)
        else:
            grad = xp.add(grad, xp.multiply(param, weight_decay))
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    mu_product *= mu
    mu_product_next = mu_product * mu_next
    exp_avg = xp.add(exp_avg, xp.multiply(xp.subtract(grad, exp_avg), 1 - beta1))
    exp_avg_sq = xp.add(xp.multiply(exp_avg_sq, beta2), xp.multiply(xp.multiply(grad, grad), 1 - beta2))
    denom = xp.add(xp.sqrt(xp.divide(exp_avg_sq, bias_correction2)), eps)
    grad_coef = lr * (1.0 - mu) / (1.0 - mu_product)
    avg_coef = lr * mu_next / (1.0 - mu_product_next)
    update = xp.add(xp.multiply(grad, grad_coef), xp.multiply(exp_avg, avg_coef))
    return xp.subtract(param, xp.divide(update, denom)), exp_avg, exp_avg_sq, mu_product


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: coefficients of the running averages (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0): L2 penalty, or decoupled as in AdamW.
        momentum_decay: the momentum schedule's decay psi (default 4e-3).
        decoupled_weight_decay: decay the weights directly, as AdamW (NAdamW; default False).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        capturable: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step``, ``mu_product`` (a Python float), ``exp_avg``, ``exp_avg_sq``.

    Raises:
        ValueError: a negative lr, eps, weight_decay or momentum_decay, or a beta outside [0, 1).
    """

    _scalar_state = {"step": int, "mu_product": float}

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
        foreach: bool | None = None, maximize: bool = False, capturable: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay, maximize = group["lr"], group["eps"], group["weight_decay"], group["maximize"]
            momentum_decay, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = state_zeros(p)
                    state["exp_avg_sq"] = state_zeros(p)
                state["step"] = step = state["step"] + 1
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                new_p, m, v, state["mu_product"] = nadam_update(
                    p._backend.xp, p._storage.array, grad._storage.array, exp_avg._storage.array,
                    exp_avg_sq._storage.array, step=step, mu_product=state["mu_product"], lr=lr, beta1=beta1,
                    beta2=beta2, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                    decoupled_weight_decay=decoupled, maximize=maximize,
                )
                p._set_array(new_p)
                exp_avg._set_array(m)
                exp_avg_sq._set_array(v)
        return loss
