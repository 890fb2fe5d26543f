"""Stochastic gradient descent, optionally with (Nesterov) momentum: PyTorch's ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, check_unsupported, run_closure

Array = Any

__all__ = ["SGD", "sgd_update"]


def sgd_update(
    xp: ModuleType, param: Array, grad: Array, momentum_buffer: Array | None, *, lr: float, momentum: float,
    dampening: float, weight_decay: float, nesterov: bool, maximize: bool,
) -> tuple[Array, Array | None]:
    """One SGD step for one parameter, on backend arrays (pure: nothing is modified).

    ``g = ±grad + weight_decay * param``; with momentum, ``buf = g`` on the first step and
    ``buf = momentum * buf + (1 - dampening) * g`` after, and ``g = g + momentum * buf``
    (Nesterov) or ``g = buf``; then ``param - lr * g``.

    Args:
        xp: the array namespace of the arrays.
        momentum_buffer: the previous buffer, None before the first step (or without momentum).

    Returns:
        ``(new_param, new_momentum_buffer)`` (the buffer is None without momentum).
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = xp.add(grad, xp.multiply(param, weight_decay))
    buf = momentum_buffer
    if momentum != 0:
        if buf is None:
            buf = grad
        else:
            scaled = grad if dampening == 0 else xp.multiply(grad, 1 - dampening)
            buf = xp.add(xp.multiply(buf, momentum), scaled)
        grad = xp.add(grad, xp.multiply(buf, momentum)) if nesterov else buf
    return xp.subtract(param, xp.multiply(grad, lr)), buf


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: use Nesterov momentum (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        differentiable, fused: must be False/None (not implemented).

    State per parameter: ``momentum_buffer`` (only with momentum).

    Raises:
        ValueError: a negative lr, momentum or weight_decay; nesterov without momentum or with dampening.
    """

    _supports_complex = True

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
        nesterov: bool = False, *, maximize: bool = False, foreach: bool | None = None, differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        check_unsupported(fused, differentiable)
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
            maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused,
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                buf = None
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                new_p, new_buf = sgd_update(
                    p._backend.xp, p._storage.array, grad._storage.array, None if buf is None else buf._storage.array,
                    lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                    maximize=maximize,
                )
                p._set_array(new_p)
                if momentum != 0:
                    if buf is None:
                        state["momentum_buffer"] = Tensor._wrap(new_buf, p._backend)
                    else:
                        buf._set_array(new_buf)
        return loss
