"""Adamax, Adam's infinity-norm variant (Kingma & Ba, 2014, section 7): PyTorch's ``torch.optim.Adamax``."""

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

__all__ = ["Adamax", "adamax_update"]


def adamax_update(
    xp: ModuleType, param: Array, grad: Array, exp_avg: Array, exp_inf: Array, *, step: int, lr: float, beta1: float,
    beta2: float, eps: float, weight_decay: float, maximize: bool,
) -> tuple[Array, Array, Array]:
    """Compute one Adamax step for one parameter on backend arrays, as ``torch.optim.Adamax`` does.

    With ``g`` the gradient (negated by ``maximize``, plus ``weight_decay * param``):
    ``m = m + (1 - beta1)(g - m)``, ``u = max(beta2 u, |g| + eps)``, then
    ``param - lr / (1 - beta1**step) * m / u``.

    Nothing is updated in place: the function returns new arrays, and ``Adamax.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        exp_avg: ``m``, the running average of the gradient (the ``exp_avg`` state).
        exp_inf: ``u``, the exponentially weighted infinity norm (the ``exp_inf`` state).
        step: the step number, counting from 1 (this step included), for the bias correction.
        lr: the learning rate.
        beta1: the decay of the gradient's running average.
        beta2: the decay of the infinity norm.
        eps: added to ``|g|`` before the maximum, for numerical stability.
        weight_decay: the L2 penalty: ``weight_decay * param`` is added to the gradient (0 for none).
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_exp_avg, new_exp_inf)``, arrays of the parameter's shape.
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = xp.add(grad, xp.multiply(param, weight_decay))
    exp_avg = xp.add(exp_avg, xp.multiply(xp.subtract(grad, exp_avg), 1 - beta1))
    exp_inf = xp.maximum(xp.multiply(exp_inf, beta2), xp.add(xp.abs(grad), eps))
    clr = lr / (1 - beta1**step)
    return xp.subtract(param, xp.multiply(xp.divide(exp_avg, exp_inf), clr)), exp_avg, exp_inf


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: coefficients of the running average and of the infinity norm (default (0.9, 0.999)).
        eps: added to the infinity norm (default 1e-8).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        capturable: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step``, ``exp_avg``, ``exp_inf``.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).
    """

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
            differentiable=differentiable, capturable=capturable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay, maximize = group["lr"], group["eps"], group["weight_decay"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = state_zeros(p)
                    state["exp_inf"] = state_zeros(p)
                state["step"] = step = state["step"] + 1
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                new_p, m, u = adamax_update(
                    p._backend.xp, p._storage.array, grad._storage.array, exp_avg._storage.array,
                    exp_inf._storage.array, step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                    weight_decay=weight_decay, maximize=maximize,
                )
                p._set_array(new_p)
                exp_avg._set_array(m)
                exp_inf._set_array(u)
        return loss
