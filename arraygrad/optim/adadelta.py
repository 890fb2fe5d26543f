"""Adadelta (Zeiler, 2012): PyTorch's ``torch.optim.Adadelta``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, check_unsupported, run_closure, state_zeros

Array = Any

__all__ = ["Adadelta", "adadelta_update"]


def adadelta_update(
    xp: ModuleType, param: Array, grad: Array, square_avg: Array, acc_delta: Array, *, lr: float, rho: float,
    eps: float, weight_decay: float, maximize: bool,
) -> tuple[Array, Array, Array]:
    """Compute one Adadelta step for one parameter on backend arrays, as ``torch.optim.Adadelta`` does.

    With ``g`` the gradient (negated by ``maximize``, plus ``weight_decay * param``):
    ``v = rho v + (1 - rho) g^2``, ``delta = sqrt(u + eps) / sqrt(v + eps) * g``,
    ``u = rho u + (1 - rho) delta^2``, then ``param - lr delta``.

    Nothing is updated in place: the function returns new arrays, and ``Adadelta.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        square_avg: ``v``, the running average of the squared gradient (the ``square_avg`` state).
        acc_delta: ``u``, the running average of the squared updates (the ``acc_delta`` state).
        lr: the coefficient scaling ``delta`` before it is applied.
        rho: the decay of both running averages.
        eps: added inside both square roots for numerical stability.
        weight_decay: the L2 penalty: ``weight_decay * param`` is added to the gradient (0 for none).
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_square_avg, new_acc_delta)``, arrays of the parameter's shape.
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = xp.add(grad, xp.multiply(param, weight_decay))
    square_avg = xp.add(xp.multiply(square_avg, rho), xp.multiply(xp.multiply(grad, grad), 1 - rho))
    std = xp.sqrt(xp.add(square_avg, eps))
    delta = xp.multiply(xp.divide(xp.sqrt(xp.add(acc_delta, eps)), std), grad)
    acc_delta = xp.add(xp.multiply(acc_delta, rho), xp.multiply(xp.multiply(delta, delta), 1 - rho))
    return xp.subtract(param, xp.multiply(delta, lr)), square_avg, acc_delta


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient scaling delta before it is applied (default 1.0).
        rho: coefficient of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        capturable: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step``, ``square_avg``, ``acc_delta``.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or rho outside [0, 1].
    """

    def __init__(
        self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
        foreach: bool | None = None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
            foreach=foreach, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = state_zeros(p)
                    state["acc_delta"] = state_zeros(p)
                state["step"] += 1
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                new_p, new_sq, new_acc = adadelta_update(
                    p._backend.xp, p._storage.array, grad._storage.array, square_avg._storage.array,
                    acc_delta._storage.array, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                )
                p._set_array(new_p)
                square_avg._set_array(new_sq)
                acc_delta._set_array(new_acc)
        return loss
