"""Adagrad (Duchi et al., 2011): PyTorch's ``torch.optim.Adagrad``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, check_unsupported, run_closure, state_zeros

Array = Any

__all__ = ["Adagrad", "adagrad_update"]


def adagrad_update(
    xp: ModuleType, param: Array, grad: Array, state_sum: Array, *, step: int, lr: float, lr_decay: float,
    weight_decay: float, eps: float, maximize: bool,
) -> tuple[Array, Array]:
    """Compute one Adagrad step for one parameter on backend arrays, as ``torch.optim.Adagrad`` does.

    With ``g`` the gradient (negated by ``maximize``, plus ``weight_decay * param``):
    ``sum = sum + g^2`` and ``param - clr * g / (sqrt(sum) + eps)`` with
    ``clr = lr / (1 + (step - 1) * lr_decay)``.

    Nothing is updated in place: the function returns new arrays, and ``Adagrad.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        state_sum: the running sum of squared gradients (the ``sum`` state).
        step: the step number, counting from 1 (this step included).
        lr: the learning rate.
        lr_decay: the learning-rate decay per step.
        weight_decay: the L2 penalty: ``weight_decay * param`` is added to the gradient (0 for none).
        eps: added to the denominator for numerical stability.
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_sum)``, arrays of the parameter's shape.
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = xp.add(grad, xp.multiply(param, weight_decay))
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = xp.add(state_sum, xp.multiply(grad, grad))
    std = xp.add(xp.sqrt(state_sum), eps)
    return xp.subtract(param, xp.multiply(xp.divide(grad, std), clr)), state_sum


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the sum of squared gradients (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        differentiable: must be False/None (not implemented).
        fused: must be False/None (not implemented).

    State per parameter (made at construction, as in PyTorch): ``step``, ``sum``.

    Raises:
        ValueError: a negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
        initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
        maximize: bool = False, differentiable: bool = False, fused: bool | None = None,
    ) -> None:
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay)
        check_non_negative(initial_accumulator_value=initial_accumulator_value, eps=eps)
        check_unsupported(fused, differentiable)
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
            differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = 0
        state["sum"] = state_zeros(p, group["initial_accumulator_value"])
        return state

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, weight_decay = group["lr"], group["lr_decay"], group["weight_decay"]
            eps, maximize = group["eps"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:  # a parameter added with add_param_group
                    state = self._init_state(p, group)
                state["step"] = step = state["step"] + 1
                state_sum = state["sum"]
                new_p, new_sum = adagrad_update(
                    p._backend.xp, p._storage.array, grad._storage.array, state_sum._storage.array, step=step, lr=lr,
                    lr_decay=lr_decay, weight_decay=weight_decay, eps=eps, maximize=maximize,
                )
                p._set_array(new_p)
                state_sum._set_array(new_sum)
        return loss
