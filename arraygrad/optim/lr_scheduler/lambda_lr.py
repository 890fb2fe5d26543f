"""Schedulers driven by a user function of the epoch: ``LambdaLR`` (a factor of the initial lr) and
``MultiplicativeLR`` (a factor of the current lr).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

from arraygrad.optim.lr_scheduler.scheduler import LRScheduler, _group_values
from arraygrad.optim.optimizer import Optimizer

__all__ = ["LambdaLR", "MultiplicativeLR"]


def _lambdas_state(scheduler: Any) -> dict[str, Any]:
    """State of a scheduler holding lr lambdas: plain functions are not saved, callable objects
    save their ``__dict__`` (as PyTorch does)."""
    state = {k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
    state["lr_lambdas"] = [
        None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in scheduler.lr_lambdas
    ]
    return state


def _load_lambdas_state(scheduler: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    lr_lambdas = state.pop("lr_lambdas")
    scheduler.__dict__.update(state)
    for fn, saved in zip(scheduler.lr_lambdas, lr_lambdas):
        if saved is not None:
            fn.__dict__.update(saved)


def _lambdas(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * len(optimizer.param_groups)
    if len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
    return list(lr_lambda)


class LambdaLR(LRScheduler):
    """Set each group's lr to its initial lr times a function of the epoch, as PyTorch's ``LambdaLR``.

    At epoch ``t``: ``lr_t = initial_lr * lr_lambda(t)``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        lr_lambda: a function of the epoch (an int) returning a factor, or a list of such functions,
            one per param group.
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Raises:
        ValueError: ``lr_lambda`` is a list whose length differs from the number of param groups.

    Example:
        >>> import arraygrad as ag
        >>> opt = ag.optim.SGD([ag.nn.Parameter(ag.zeros(2))], lr=1.0)
        >>> sched = ag.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (t + 1))
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state; plain functions in ``lr_lambdas`` are saved as None.

        Returns:
            Every attribute except ``optimizer``; under ``"lr_lambdas"``, for each lambda, None for a
            plain function and a copy of its ``__dict__`` for a callable object.
        """
        return _lambdas_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the scheduler's state; saved callable objects get their ``__dict__`` back.

        Args:
            state_dict: a dict returned by ``state_dict()``.
        """
        _load_lambdas_state(self, state_dict)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        return [base_lr * lmbda(self.last_epoch) for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LRScheduler):
    """Multiply each group's lr by a function of the epoch at every step, as PyTorch's ``MultiplicativeLR``.

    At epoch ``t >= 1``: ``lr_t = lr_{t-1} * lr_lambda(t)``; the constructor leaves the lr unchanged.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        lr_lambda: a function of the epoch (an int) returning a factor, or a list of such functions,
            one per param group.
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Raises:
        ValueError: ``lr_lambda`` is a list whose length differs from the number of param groups.
        TypeError: an entry of ``lr_lambda`` is not callable.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state; plain functions in ``lr_lambdas`` are saved as None.

        Returns:
            Every attribute except ``optimizer``; under ``"lr_lambdas"``, for each lambda, None for a
            plain function and a copy of its ``__dict__`` for a callable object.
        """
        return _lambdas_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the scheduler's state; saved callable objects get their ``__dict__`` back.

        Args:
            state_dict: a dict returned by ``state_dict()``.
        """
        _load_lambdas_state(self, state_dict)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self._is_initial:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * fn(self.last_epoch) for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]
