"""Stochastic gradient descent, optionally with (Nesterov) momentum: PyTorch's ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.optim.optimizer import (
    Optimizer,
    ParamsT,
    by_backend,
    check_non_negative,
    check_unsupported,
    run_closure,
    store,
    writable_in_place,
)

Array = Any

__all__ = ["SGD", "sgd_update"]


def sgd_update(
    xp: ModuleType, param: Array, grad: Array, momentum_buffer: Array | None, *, lr: float, momentum: float,
    dampening: float, weight_decay: float, nesterov: bool, maximize: bool,
) -> tuple[Array, Array | None]:
    """One SGD step for one parameter, on backend arrays (pure: nothing is modified).

    ``g = ±grad + weight_decay * param``; with momentum, ``buf = g`` on the first step and
    ``buf = momentum * buf + (1 - dampening) * g`` after, and ``g = g + momentum * buf``
    (Nesterov) or ``g = buf``; then ``param - lr * g``. ``SGD.step`` runs the same rule for a
    whole parameter group with ``Backend.sgd_update``.

    Args:
        xp: the array namespace of the arrays.
        param: the parameter's array.
        grad: its gradient.
        momentum_buffer: the previous buffer, None before the first step (or without momentum).
        lr: the learning rate.
        momentum: the momentum factor (0 for none).
        dampening: the dampening of the momentum.
        weight_decay: the L2 penalty added to the gradient.
        nesterov: whether to use Nesterov momentum.
        maximize: whether to ascend the gradient instead of descending it.

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

    On backends whose arrays may be written (numpy) each step updates the parameters and the
    momentum buffers in place, as PyTorch does; views and aliases of a parameter see the update
    and its version counter moves on by one per step.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: use Nesterov momentum (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; every step already updates a whole group per call.
        differentiable: must be False (differentiable steps are not implemented).
        fused: must be None or False (fused kernels are not implemented).

    State per parameter: ``momentum_buffer`` (only with momentum).

    Raises:
        ValueError: a negative lr, momentum or weight_decay; nesterov without momentum or with dampening.
        NotImplementedError: ``fused`` or ``differentiable`` is set.
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
        """Update every parameter that has a gradient once, in place (one ``Backend.sgd_update``
        call per parameter group and backend).

        Args:
            closure: optional; re-evaluates the model (with gradients enabled) and returns the loss.

        Returns:
            the closure's loss, or None.
        """
        loss = run_closure(closure)
        for group in self.param_groups:
            momentum = group["momentum"]
            params = [p for p in group["params"] if p.grad is not None]
            for backend, positions in by_backend(params):
                ps = [params[i] for i in positions]
                bufs = [self.state[p].get("momentum_buffer") for p in ps] if momentum != 0 else [None] * len(ps)
                in_place = writable_in_place([*ps, *bufs])
                p_arrays = [p._storage.array for p in ps]
                b_arrays = [None if b is None else b._storage.array for b in bufs]
                g_arrays = [p.grad._storage.array for p in ps]
                new_ps, new_bufs = backend.sgd_update(
                    p_arrays, g_arrays, b_arrays, lr=group["lr"], momentum=momentum,
                    dampening=group["dampening"], weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                    maximize=group["maximize"], in_place=in_place,
                )
                for p, old, new in zip(ps, p_arrays, new_ps):
                    store(p, old, new, in_place)
                if momentum != 0:
                    for p, buf, old, new in zip(ps, bufs, b_arrays, new_bufs):
                        if buf is None:
                            # may be the gradient's own array: copied once before the first in-place write
                            self.state[p]["momentum_buffer"] = Tensor._wrap(new, backend)
                        else:
                            store(buf, old, new, in_place)
        return loss
