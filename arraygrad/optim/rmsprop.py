"""RMSprop (Hinton's lecture 6e), optionally centered and with momentum: PyTorch's ``torch.optim.RMSprop``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, check_unsupported, run_closure, state_zeros

Array = Any

__all__ = ["RMSprop", "rmsprop_update"]


def rmsprop_update(
    xp: ModuleType, param: Array, grad: Array, square_avg: Array, grad_avg: Array | None,
    momentum_buffer: Array | None, *, lr: float, alpha: float, eps: float, weight_decay: float, momentum: float,
    centered: bool, maximize: bool,
) -> tuple[Array, Array, Array | None, Array | None]:
    """Compute one RMSprop step for one parameter on backend arrays, as ``torch.optim.RMSprop`` does.

    With ``g`` the gradient (negated by ``maximize``, plus ``weight_decay * param``):
    ``v = alpha v + (1 - alpha) g^2``; centered: ``gavg = gavg + (1 - alpha)(g - gavg)`` and
    ``avg = sqrt(v - gavg^2) + eps``, else ``avg = sqrt(v) + eps``; with momentum
    ``buf = momentum buf + g / avg`` and ``param - lr buf``, else ``param - lr g / avg``.

    Nothing is updated in place: the function returns new arrays, and ``RMSprop.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        square_avg: ``v``, the running average of the squared gradient (the ``square_avg`` state).
        grad_avg: ``gavg``, the running average of the gradient (the ``grad_avg`` state); used only when
            ``centered``, else None.
        momentum_buffer: ``buf`` (the ``momentum_buffer`` state); used only when ``momentum > 0``, else None.
        lr: the learning rate.
        alpha: the decay of the running averages.
        eps: added to the denominator for numerical stability.
        weight_decay: the L2 penalty: ``weight_decay * param`` is added to the gradient (0 for none).
        momentum: the momentum factor (0 for none).
        centered: normalise by an estimate of the gradient's variance instead of its second moment.
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_square_avg, new_grad_avg, new_momentum_buffer)``; ``new_grad_avg`` and
        ``new_momentum_buffer`` are the inputs unchanged (None) where unused.
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = xp.add(grad, xp.multiply(param, weight_decay))
    square_avg = xp.add(xp.multiply(square_avg, alpha), xp.multiply(xp.multiply(grad, grad), 1 - alpha))
    if centered:
        grad_avg = xp.add(grad_avg, xp.multiply(xp.subtract(grad, grad_avg), 1 - alpha))
        avg = xp.sqrt(xp.subtract(square_avg, xp.multiply(grad_avg, grad_avg)))
    else:
        avg = xp.sqrt(square_avg)
    avg = xp.add(avg, eps)
    if momentum > 0:
        momentum_buffer = xp.add(xp.multiply(momentum_buffer, momentum), xp.divide(grad, avg))
        param = xp.subtract(param, xp.multiply(momentum_buffer, lr))
    else:
        param = xp.subtract(param, xp.multiply(xp.divide(grad, avg), lr))
    return param, square_avg, grad_avg, momentum_buffer


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its second moment.
        maximize: maximize the objective instead of minimizing it.
        capturable: accepted for compatibility; ignored.
        foreach: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step``, ``square_avg`` (plus ``momentum_buffer``, ``grad_avg`` when used).

    Raises:
        ValueError: a negative lr, eps, momentum, weight_decay or alpha.
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
        momentum: float = 0, centered: bool = False, capturable: bool = False, foreach: bool | None = None,
        maximize: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
            capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, weight_decay = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = state_zeros(p)
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = state_zeros(p)
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = state_zeros(p)
                state["step"] += 1
                square_avg = state["square_avg"]
                grad_avg = state["grad_avg"] if centered else None
                buf = state["momentum_buffer"] if momentum > 0 else None
                new_p, new_sq, new_gavg, new_buf = rmsprop_update(
                    p._backend.xp, p._storage.array, grad._storage.array, square_avg._storage.array,
                    None if grad_avg is None else grad_avg._storage.array, None if buf is None else buf._storage.array,
                    lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                    maximize=maximize,
                )
                p._set_array(new_p)
                square_avg._set_array(new_sq)
                if grad_avg is not None:
                    grad_avg._set_array(new_gavg)
                if buf is not None:
                    buf._set_array(new_buf)
        return loss
