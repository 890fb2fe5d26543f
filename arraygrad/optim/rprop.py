"""Resilient backpropagation (Riedmiller & Braun, 1993): PyTorch's ``torch.optim.Rprop``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, check_unsupported, run_closure, state_zeros

Array = Any

__all__ = ["Rprop", "rprop_update"]


def rprop_update(
    xp: ModuleType, param: Array, grad: Array, prev: Array, step_size: Array, *, etaminus: float, etaplus: float,
    step_size_min: float, step_size_max: float, maximize: bool,
) -> tuple[Array, Array, Array]:
    """Compute one Rprop step for one parameter on backend arrays, as ``torch.optim.Rprop`` does.

    Where the gradient (negated by ``maximize``) keeps its sign from the previous step the per-element
    step size grows by ``etaplus``, where it flips the step size shrinks by ``etaminus`` and that
    element does not move (its remembered gradient becomes 0), elsewhere it stays; step sizes are
    clamped to ``[step_size_min, step_size_max]`` and the parameter moves by ``-sign(grad) * step_size``.

    Nothing is updated in place: the function returns new arrays, and ``Rprop.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        prev: the gradient remembered from the previous step (the ``prev`` state; zeros before the first).
        step_size: the per-element step sizes (the ``step_size`` state).
        etaminus: the factor (< 1) shrinking the step size where the gradient's sign flips.
        etaplus: the factor (> 1) growing the step size where the gradient's sign is kept.
        step_size_min: the smallest allowed step size.
        step_size_max: the largest allowed step size.
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_prev, new_step_size)``, arrays of the parameter's shape.
    """
    if maximize:
        grad = xp.negative(grad)
    dtype = param.dtype
    sign = xp.sign(xp.multiply(grad, prev))
    # the factor per element, chosen in PyTorch's order (a flip is recognised by the factor below)
    factor = xp.where(sign > 0, xp.asarray(etaplus, dtype=dtype), sign)
    factor = xp.where(factor < 0, xp.asarray(etaminus, dtype=dtype), factor)
    factor = xp.where(factor == 0, xp.asarray(1.0, dtype=dtype), factor)
    step_size = xp.clip(xp.multiply(step_size, factor), step_size_min, step_size_max)
    grad = xp.where(factor == etaminus, xp.zeros_like(grad), grad)
    param = xp.subtract(param, xp.multiply(xp.sign(grad), step_size))
    return param, grad, step_size


class Rprop(Optimizer):
    """Rprop, as ``torch.optim.Rprop``: each element moves by its own step size, adapted from the
    signs of successive gradients (the gradient's magnitude is not used).

    Args:
        params: tensors or parameter groups to optimize.
        lr: the initial step size of every element (default 1e-2).
        etas: ``(etaminus, etaplus)``, the factors that shrink and grow step sizes (default (0.5, 1.2)).
        step_sizes: the smallest and largest allowed step size (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        capturable: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step``, ``prev`` (the previous gradient, 0 where its sign flipped) and
    ``step_size``.

    Raises:
        ValueError: a negative lr, or etas not satisfying ``0 < etaminus < 1 < etaplus``.
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False, foreach: bool | None = None,
        maximize: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach, maximize=maximize,
            differentiable=differentiable, capturable=capturable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["prev"] = state_zeros(p)
                    state["step_size"] = state_zeros(p, group["lr"])
                state["step"] += 1
                prev, step_size = state["prev"], state["step_size"]
                new_p, new_prev, new_step_size = rprop_update(
                    p._backend.xp, p._storage.array, grad._storage.array, prev._storage.array,
                    step_size._storage.array, etaminus=etaminus, etaplus=etaplus, step_size_min=step_size_min,
                    step_size_max=step_size_max, maximize=group["maximize"],
                )
                p._set_array(new_p)
                prev._set_array(new_prev)
                step_size._set_array(new_step_size)
        return loss

