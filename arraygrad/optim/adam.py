"""Adam (Kingma & Ba, 2014), with the AMSGrad variant and optional decoupled weight decay:
PyTorch's ``torch.optim.Adam``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import (
    Optimizer,
    ParamsT,
    by_backend,
    check_betas,
    check_non_negative,
    check_unsupported,
    run_closure,
    state_zeros,
    store,
    writable_in_place,
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
    decoupled (AdamW), first scales the parameter by ``1 - lr * weight_decay``. ``Adam.step``
    runs the same rule for a whole parameter group with ``Backend.adam_update``.

    Args:
        xp: the array namespace of the arrays.
        param: the parameter's array.
        grad: its gradient.
        exp_avg: the running average of the gradient.
        exp_avg_sq: the running average of the squared gradient.
        max_exp_avg_sq: AMSGrad's running maximum (None without amsgrad).
        step: the step number, counting from 1.
        lr: the learning rate.
        beta1: the decay of the gradient's running average.
        beta2: the decay of the squared gradient's running average.
        eps: added to the denominator for numerical stability.
        weight_decay: the weight decay factor.
        amsgrad: whether to use the AMSGrad variant.
        maximize: whether to ascend the gradient instead of descending it.
        decoupled_weight_decay: whether the weight decay scales the parameter (AdamW).

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

    On backends whose arrays may be written (numpy) each step updates the parameters and their
    state in place, as PyTorch does; views and aliases of a parameter see the update and its
    version counter moves on by one per step.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the AMSGrad variant (default False).
        foreach: accepted for compatibility; every step already updates a whole group per call.
        maximize: maximize the objective instead of minimizing it.
        capturable: accepted for compatibility; step counters stay on the host.
        differentiable: must be False (differentiable steps are not implemented).
        fused: must be None or False (fused kernels are not implemented).
        decoupled_weight_decay: decay the weights directly, as AdamW (default False).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` with amsgrad).

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).
        NotImplementedError: ``fused`` or ``differentiable`` is set.
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
        """Update every parameter that has a gradient once, in place (one ``Backend.adam_update``
        call per parameter group and backend; ``adamw_update`` with decoupled weight decay).

        Args:
            closure: optional; re-evaluates the model (with gradients enabled) and returns the loss.

        Returns:
            the closure's loss, or None.
        """
        loss = run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            amsgrad = group["amsgrad"]
            params = [p for p in group["params"] if p.grad is not None]
            for backend, positions in by_backend(params):
                ps = [params[i] for i in positions]
                states, steps = [], []
                for p in ps:
                    state = self.state[p]
                    if not state:
                        state["step"] = 0
                        state["exp_avg"] = state_zeros(p)
                        state["exp_avg_sq"] = state_zeros(p)
                    if amsgrad and "max_exp_avg_sq" not in state:
                        state["max_exp_avg_sq"] = state_zeros(p)
                    state["step"] = state["step"] + 1
                    states.append(state)
                    steps.append(state["step"])
                names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
                tensors = [ps] + [[s[name] for s in states] for name in names]
                in_place = writable_in_place([t for column in tensors for t in column])
                arrays = [[t._storage.array for t in column] for column in tensors]
                vmax = arrays[3] if amsgrad else [None] * len(ps)
                options = dict(lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                               weight_decay=group["weight_decay"], amsgrad=amsgrad, maximize=group["maximize"],
                               in_place=in_place)
                grads = [p.grad._storage.array for p in ps]
                if group["decoupled_weight_decay"]:
                    results = backend.adamw_update(arrays[0], grads, arrays[1], arrays[2], vmax, steps, **options)
                else:
                    results = backend.adam_update(arrays[0], grads, arrays[1], arrays[2], vmax, steps, **options)
                for column, olds, news in zip(tensors, arrays, results):
                    for t, old, new in zip(column, olds, news):
                        store(t, old, new, in_place)
        return loss
