"""Averaged stochastic gradient descent (Polyak & Juditsky, 1992): PyTorch's ``torch.optim.ASGD``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, check_unsupported, run_closure, state_zeros

Array = Any

__all__ = ["ASGD", "asgd_update"]


def asgd_update(
    xp: ModuleType, param: Array, grad: Array, ax: Array, *, eta: float, mu: float, lambd: float,
    weight_decay: float, maximize: bool,
) -> tuple[Array, Array]:
    """Compute one ASGD (averaged SGD) step for one parameter on backend arrays, as ``torch.optim.ASGD`` does.

    ``g = ±grad + weight_decay * param``; ``param = param * (1 - lambd * eta) - eta * g``; the
    average moves towards the new parameter: ``ax = ax + mu * (param - ax)`` (``ax`` becomes a copy of
    ``param`` while ``mu == 1``). ``eta`` and ``mu`` are the values ``asgd_schedule`` computed after the
    previous step.

    Nothing is updated in place: the function returns new arrays, and ``ASGD.step`` stores them
    into the parameter and its state tensors (``Tensor._set_array``).

    Args:
        xp: the array namespace of the arrays (the backend's ``xp``).
        param: the parameter's array.
        grad: the parameter's gradient, same shape and dtype.
        ax: the running average of the parameter (the ``ax`` state).
        eta: this step's learning rate (the ``eta`` state; ``lr`` before the first step).
        mu: this step's averaging weight (the ``mu`` state; 1.0 before the first step); a Python number,
            or a traced scalar under ``ag.compile``, where both cases are computed and chosen inside the program.
        lambd: the decay term: the parameter is first scaled by ``1 - lambd * eta``.
        weight_decay: the L2 penalty: ``weight_decay * param`` is added to the gradient (0 for none).
        maximize: ascend the gradient instead of descending it (the gradient is negated first).

    Returns:
        ``(new_param, new_ax)``, arrays of the parameter's shape.
    """
    if maximize:
        grad = xp.negative(grad)
    if weight_decay != 0:
        grad = xp.add(grad, xp.multiply(param, weight_decay))
    param = xp.subtract(xp.multiply(param, 1 - lambd * eta), xp.multiply(grad, eta))
    if type(mu) is not float and type(mu) is not int:
        # traced (ag.compile): both cases, chosen inside the program
        return param, xp.where(mu == 1, param, xp.add(ax, xp.multiply(xp.subtract(param, ax), mu)))
    if mu != 1:
        ax = xp.add(ax, xp.multiply(xp.subtract(param, ax), mu))
    else:
        # a copy: the average must not share its buffer with the parameter (in-place writes into
        # one, e.g. through the numpy bridge, would change the other)
        ax = xp.asarray(param, copy=True)
    return param, ax


def asgd_schedule(step: int, *, lr: float, lambd: float, alpha: float, t0: float) -> tuple[float, float]:
    """``(eta, mu)`` after ``step`` steps: ``eta = lr / (1 + lambd * lr * step) ** alpha`` and
    ``mu = 1 / max(1, step - t0)`` (averaging starts after ``t0`` steps)."""
    eta = lr / ((1 + lambd * lr * step) ** alpha)
    if type(step) is int:
        return eta, 1 / max(1, step - t0)
    # traced (ag.compile): max(1, step - t0) without a Python comparison
    over = step - t0
    return eta, 1 / (over - (over - 1) * (over < 1))


class ASGD(Optimizer):
    """Averaged SGD, as ``torch.optim.ASGD``: SGD with a decaying learning rate and a running
    average ``ax`` of the parameters (kept in the state; the parameters themselves follow SGD).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the learning-rate decay (default 0.75).
        t0: the step after which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted for compatibility; ignored.
        capturable: accepted for compatibility; ignored.
        differentiable: must be False.

    State per parameter: ``step`` (int), ``eta`` and ``mu`` (Python floats: this step's learning
    rate and averaging weight; PyTorch keeps 0-d tensors) and ``ax`` (the averaged parameter).

    Raises:
        ValueError: a negative lr or weight_decay.
    """

    #: the step number and this step's eta and mu are program inputs (no recompile per step)
    _compile_state: frozenset[str] = frozenset({"step", "eta", "mu"})

    _scalar_state = {"step": int, "eta": float, "mu": float}

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
        weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False, differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_non_negative(lr=lr, weight_decay=weight_decay)
        check_unsupported(None, differentiable)
        defaults = dict(
            lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
            differentiable=differentiable, capturable=capturable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = run_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["eta"] = float(lr) if isinstance(lr, (int, float)) else lr  # traced under ag.compile
                    state["mu"] = 1.0
                    state["ax"] = state_zeros(p)
                state["step"] = step = state["step"] + 1
                ax = state["ax"]
                new_p, new_ax = asgd_update(
                    p._backend.xp, p._storage.array, grad._storage.array, ax._storage.array, eta=state["eta"],
                    mu=state["mu"], lambd=lambd, weight_decay=group["weight_decay"], maximize=group["maximize"],
                )
                p._set_array(new_p)
                ax._set_array(new_ax)
                state["eta"], state["mu"] = asgd_schedule(step, lr=lr, lambd=lambd, alpha=alpha, t0=t0)
        return loss
