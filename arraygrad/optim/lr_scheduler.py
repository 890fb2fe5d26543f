"""Learning-rate schedulers: PyTorch's ``torch.optim.lr_scheduler``, formula for formula.

A scheduler changes ``group["lr"]`` of its optimizer's parameter groups each time ``step()`` is
called (once per epoch or per batch, after ``optimizer.step()``). Chainable schedulers update the
current lr recursively (several can act on one optimizer, see ``ChainedScheduler``); calling
``step(epoch)`` with an explicit epoch uses the closed form where one exists, as PyTorch does.

Learning rates here are Python floats (PyTorch also allows 0-d tensors).
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Literal

from arraygrad.core import tracing
from arraygrad.optim.optimizer import Optimizer

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
    "ExponentialLR", "SequentialLR", "PolynomialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau",
    "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, "
    "the closed form is used instead of the new chainable form, where available."
)


def _format_param(name: str, optimizer: Optimizer, param: Any) -> list[Any]:
    """One value per parameter group: ``param`` repeated, or a list/tuple checked for length."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has {len(param)} values, "
                f"param_groups has {len(optimizer.param_groups)}."
            )
        return list(param)
    return [param] * len(optimizer.param_groups)


def _group_values(optimizer: Optimizer, key: str) -> list[Any]:
    return [group[key] for group in optimizer.param_groups]


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class LRScheduler:
    """Base class of the learning-rate schedulers.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        last_epoch: index of the last epoch when resuming (default -1: a fresh start, which
            records each group's current lr as ``initial_lr``).

    Raises:
        TypeError: ``optimizer`` is not an Optimizer.
        KeyError: resuming (``last_epoch >= 0``) with groups that have no ``initial_lr``.
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming scheduler with "
                        "last_epoch >= 0 (load the optimizer's state first, or start with last_epoch=-1)"
                    )
        self.base_lrs: list[float] = _group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step made by the constructor: sets the lrs of epoch 0."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state, to save with the optimizer's.

        Returns:
            Every attribute of the scheduler except ``optimizer``, keyed by name (plain Python values).
        """
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the scheduler's attributes from a dict returned by ``state_dict()``.

        Args:
            state_dict: the saved state; its entries overwrite the scheduler's attributes.
        """
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list[float]:
        """Return the learning rates set by the last ``step`` (or by the constructor).

        Returns:
            One learning rate per param group, as Python floats.
        """
        return self._last_lr

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch``; subclasses implement it, ``step`` calls it.

        Calling it outside ``step`` warns; use ``get_last_lr()`` to read the current rates.

        Returns:
            One learning rate per param group.

        Raises:
            NotImplementedError: always, in the base class.
        """
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set each group's ``lr`` to the schedule's value for it.

        Call it after ``optimizer.step()``; calling it first warns (the first value of the schedule
        would be skipped). Inside ``ag.compile`` the call is deferred and runs on the host after each
        compiled call.

        Args:
            epoch: jump to this epoch instead of advancing by one; deprecated (warns), and uses the
                scheduler's closed form where it has one (default None).
        """
        if tracing.defer(self.step, epoch):  # inside ag.compile: runs on the host after each call
            return
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them in the opposite order: "
                "`optimizer.step()` before `lr_scheduler.step()`; otherwise the first value of the learning rate "
                "schedule is skipped.",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = _group_values(self.optimizer, "lr")

    def _warn_get_lr_called_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )


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


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs, as ``torch.optim.lr_scheduler.StepLR``.

    At epoch ``t``: ``lr_t = initial_lr * gamma ** (t // step_size)``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        step_size: the number of epochs between two decays.
        gamma: the decay factor (default 0.1).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Example:
        >>> import arraygrad as ag
        >>> opt = ag.optim.SGD([ag.nn.Parameter(ag.zeros(2))], lr=1.0)
        >>> sched = ag.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for _ in range(4):
        ...     opt.step()
        ...     sched.step()
        ...     lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones``, as PyTorch's ``MultiStepLR``.

    At epoch ``t``: ``lr_t = initial_lr * gamma ** n``, where ``n`` counts the milestones ``<= t``; a
    milestone listed twice counts twice.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        milestones: the epoch indices at which the lr decays (any order).
        gamma: the decay factor (default 0.1).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self.last_epoch not in self.milestones:
            return _group_values(self.optimizer, "lr")
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """Scale the lr by a constant ``factor`` for the first ``total_iters`` epochs, as PyTorch's ``ConstantLR``.

    At epoch ``t``: ``lr_t = initial_lr * factor`` for ``t < total_iters``, and ``initial_lr`` from
    ``t = total_iters`` on.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        factor: the factor applied until ``total_iters``, in [0, 1] (default 1/3).
        total_iters: the number of epochs the factor applies (default 5).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Raises:
        ValueError: ``factor`` outside [0, 1].
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
            for base_lr in self.base_lrs
        ]


class LinearLR(LRScheduler):
    """Move the lr factor linearly from ``start_factor`` to ``end_factor``, as PyTorch's ``LinearLR``.

    At epoch ``t``: ``lr_t = initial_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters)
    / total_iters)``; the factor stays at ``end_factor`` after ``total_iters`` epochs.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        start_factor: the factor at epoch 0, in (0, 1] (default 1/3).
        end_factor: the factor from epoch ``total_iters`` on, in [0, 1] (default 1.0).
        total_iters: the number of epochs of the linear ramp (default 5).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Raises:
        ValueError: ``start_factor`` outside (0, 1] or ``end_factor`` outside [0, 1].
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _group_values(self.optimizer, "lr")
        span = self.end_factor - self.start_factor
        factor = 1.0 + span / (self.total_iters * self.start_factor + (self.last_epoch - 1) * span)
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        span = self.end_factor - self.start_factor
        return [
            base_lr * (self.start_factor + span * min(self.total_iters, self.last_epoch) / self.total_iters)
            for base_lr in self.base_lrs
        ]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch, as ``torch.optim.lr_scheduler.ExponentialLR``.

    At epoch ``t``: ``lr_t = initial_lr * gamma ** t``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        gamma: the decay factor per epoch.
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self._is_initial:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the lr polynomially to 0 over ``total_iters`` epochs, as PyTorch's ``PolynomialLR``.

    At epoch ``t``: ``lr_t = initial_lr * (1 - min(t, total_iters) / total_iters) ** power``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        total_iters: the number of epochs over which the lr decays to 0 (default 5).
        power: the power of the polynomial (default 1.0: linear decay).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        if self._is_initial or self.last_epoch > self.total_iters:
            return _group_values(self.optimizer, "lr")
        decay = ((1.0 - self.last_epoch / self.total_iters) / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * decay for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
            for base_lr in self.base_lrs
        ]


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr along a cosine from ``initial_lr`` to ``eta_min``, as PyTorch's ``CosineAnnealingLR``.

    At epoch ``t``: ``lr_t = eta_min + (initial_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``, so the lr
    reaches ``eta_min`` at ``t = T_max`` and climbs back over the next ``T_max`` epochs (no restart).

    The chainable form used by ``step()`` is PyTorch's recursive one, which follows the closed
    form when this scheduler alone sets the lr, and composes with others when it does not.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        T_max: the number of epochs from ``initial_lr`` down to ``eta_min`` (half the period).
        eta_min: the smallest lr (default 0.0).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` by the chainable form (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        t, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _group_values(self.optimizer, "lr")
        if self._step_count == 1 and t > 0:  # resumed: start from the closed form
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / t_max)) / 2 for base_lr in self.base_lrs]
        if (t - 1 - t_max) % (2 * t_max) == 0:  # the bottom of a cycle: the recursion would divide by 0
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)
            ]
        ratio = (1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching at the epochs in ``milestones``.

    At epoch ``t`` the lr is set by ``schedulers[i]``, where ``i`` counts the milestones ``<= t``; at
    a milestone the next scheduler starts from its own epoch 0. The constructor resets every
    group's lr to its ``initial_lr`` and undoes the initial steps of the given schedulers.

    Args:
        optimizer: the optimizer all ``schedulers`` belong to.
        schedulers: the chainable schedulers, in order of use.
        milestones: the epochs at which the next scheduler takes over, one fewer than ``schedulers``.
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Raises:
        ValueError: no schedulers, a ReduceLROnPlateau among them, one of another optimizer, or
            ``len(milestones) != len(schedulers) - 1``.
        TypeError: a scheduler without an ``optimizer`` attribute.
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
                 last_epoch: int = -1) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler, but got no scheduler.")
        _check_schedulers(self, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                f"milestone points, but got number of schedulers {len(schedulers)} and the number of milestones "
                f"to be equal to {len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # undo the constructors' initial steps, then make the first scheduler's
        for group in self.optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._recursive_undo()
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def _recursive_undo(self, sched: Any = None) -> None:
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self._recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch, stepping the scheduler in charge (or starting the next one at a milestone)."""
        if tracing.defer(self.step):  # inside ag.compile: runs on the host after each call
            return
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Return the state of this scheduler and of each scheduler it runs.

        Returns:
            Every attribute except ``optimizer``, with ``"_schedulers"`` holding each scheduler's
            ``state_dict()``.
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore this scheduler and each scheduler it runs from a dict returned by ``state_dict()``.

        Args:
            state_dict: the saved state.
        """
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


def _check_schedulers(owner: Any, schedulers: Sequence[LRScheduler], optimizer: Optimizer) -> None:
    name = type(owner).__name__
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{name} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{name} does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
                f"specified when calling `step`, but got one at index {i} in the given schedulers sequence."
            )
        if scheduler.optimizer is not optimizer:
            raise ValueError(
                f"{name} expects all schedulers to belong to the same optimizer, but got scheduler "
                f"{type(scheduler).__name__} at index {i} has {scheduler.optimizer}, which is different from "
                f"{type(optimizer).__name__}."
            )


class ChainedScheduler(LRScheduler):
    """Step several chainable schedulers together, each acting on the lr the others set.

    Each ``step()`` calls ``step()`` of every scheduler in order, so their effects compose: the lr at
    epoch ``t`` is the result of applying each scheduler's chainable update in turn.

    Args:
        schedulers: the chainable schedulers to step together.
        optimizer: the optimizer they all belong to (default None: that of ``schedulers[0]``).

    Raises:
        ValueError: no schedulers, a ReduceLROnPlateau among them, or schedulers of different optimizers.
        TypeError: a scheduler without an ``optimizer`` attribute.
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                f"{type(self).__name__} expects at least one scheduler to be chained, but got no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(self, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _group_values(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step every chained scheduler once, in order."""
        if tracing.defer(self.step):  # inside ag.compile: runs on the host after each call
            return
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_values(self._schedulers[-1].optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Return the state of this scheduler and of each chained scheduler.

        Returns:
            Every attribute except ``optimizer``, with ``"_schedulers"`` holding each scheduler's
            ``state_dict()``.
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore this scheduler and each scheduler it runs from a dict returned by ``state_dict()``.

        Args:
            state_dict: the saved state.
        """
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric (passed to ``step(metric)``) has not improved
    for more than ``patience`` epochs.

    Args:
        optimizer: the optimizer whose lrs it reduces.
        mode: ``"min"`` (the metric should decrease) or ``"max"`` (default ``"min"``).
        factor: the reduction factor, < 1 (default 0.1).
        patience: epochs without improvement tolerated before a reduction (default 10).
        threshold: minimal change that counts as an improvement (default 1e-4).
        threshold_mode: ``"rel"`` (``best * (1 ∓ threshold)``) or ``"abs"`` (``best ∓ threshold``)
            (default ``"rel"``).
        cooldown: epochs to wait after a reduction before counting bad epochs again (default 0).
        min_lr: lower bound on the lr (one value, or one per group) (default 0).
        eps: reductions smaller than this are skipped (default 1e-8).

    Raises:
        ValueError: ``factor >= 1``, an unknown mode or threshold_mode, a wrong number of min_lrs.
        TypeError: ``optimizer`` is not an Optimizer.
    """

    def __init__(
        self, optimizer: Optimizer, mode: Literal["min", "max"] = "min", factor: float = 0.1, patience: int = 10,
        threshold: float = 1e-4, threshold_mode: Literal["rel", "abs"] = "rel", cooldown: int = 0,
        min_lr: list[float] | float = 0, eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _group_values(self.optimizer, "lr")
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the lrs if it has not improved for more than ``patience`` epochs.

        After a reduction, bad epochs are not counted for ``cooldown`` epochs.

        Args:
            metrics: the monitored value of this epoch, a number or a 1-element tensor.
            epoch: set ``last_epoch`` to this value instead of incrementing it; deprecated, warns
                (default None).

        Raises:
            RuntimeError: param groups were added to the optimizer since construction and ``min_lr``
                was given per group.
        """
        if tracing.defer(self.step, metrics, epoch):  # inside ag.compile: runs on the host after each call
            return
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # ignore any bad epochs in cooldown
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_values(self.optimizer, "lr")

    def _reduce_lr(self) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(self.optimizer.param_groups)}) differs from "
                    f"when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to a new param group "
                    "being added to the optimizer. Please modify the `min_lrs` field to match the length of the "
                    "`optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for i, group in enumerate(self.optimizer.param_groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the scheduler's attributes from a dict returned by ``state_dict()``.

        Args:
            state_dict: the saved state; ``mode``, ``threshold`` and ``threshold_mode`` are checked again.

        Raises:
            ValueError: the saved ``mode`` or ``threshold_mode`` is unknown.
        """
        self.__dict__.update(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)


class CyclicLR(LRScheduler):
    """Cycle the lr between ``base_lr`` and ``max_lr`` (Smith, 2017), as ``torch.optim.lr_scheduler.CyclicLR``.

    Step it every batch. With ``L = step_size_up + step_size_down`` and ``r = step_size_up / L``, at
    step ``t``: ``cycle = floor(1 + t / L)``, ``x = 1 + t / L - cycle`` (the position in the cycle, in
    [0, 1)), ``f = x / r`` while rising (``x <= r``) and ``(x - 1) / (r - 1)`` while falling, and
    ``lr_t = base_lr + (max_lr - base_lr) * f * scale``, where ``scale`` is ``scale_fn(cycle)`` or
    ``scale_fn(t)``: 1 for ``"triangular"``, ``1 / 2 ** (cycle - 1)`` for ``"triangular2"``,
    ``gamma ** t`` for ``"exp_range"``. With ``cycle_momentum`` the momentum (or Adam's beta1) moves
    inversely: ``max_momentum - (max_momentum - base_momentum) * f * scale``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` (and momentum) it sets.
        base_lr: the lower bound of the cycle, one value or one per group; on a fresh start it
            becomes each group's lr.
        max_lr: the upper bound of the cycle (reached only when ``scale`` is 1), one value or one per
            group.
        step_size_up: the number of steps of the rising half of a cycle (default 2000).
        step_size_down: the number of steps of the falling half (default None: ``step_size_up``).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``; ignored when ``scale_fn`` is
            given (default ``"triangular"``).
        gamma: the base of the ``"exp_range"`` scale (default 1.0).
        scale_fn: a custom scale, a function of one number returning a factor in [0, 1]; replaces
            ``mode`` (default None).
        scale_mode: whether a custom ``scale_fn`` takes the cycle number (``"cycle"``) or the step
            (``"iterations"``); the built-in modes set their own (default ``"cycle"``).
        cycle_momentum: also cycle the momentum, or beta1 for optimizers with ``betas`` (default True).
        base_momentum: the lower bound of the momentum, one value or one per group (default 0.8).
        max_momentum: the upper bound of the momentum, one value or one per group (default 0.9).
        last_epoch: index of the last step when resuming (default -1: a fresh start).

    Raises:
        TypeError: ``optimizer`` is not an Optimizer.
        ValueError: an unknown mode without ``scale_fn``; ``cycle_momentum`` with an optimizer
            that has neither ``momentum`` nor ``betas``; a per-group list of the wrong length.
    """

    def __init__(
        self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
        step_size_up: int = 2000, step_size_down: int | None = None,
        mode: Literal["triangular", "triangular2", "exp_range"] = "triangular", gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None, scale_mode: Literal["cycle", "iterations"] = "cycle",
        cycle_momentum: bool = True, base_momentum: float = 0.8, max_momentum: float = 0.9, last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        base_lrs = _format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _format_param("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _format_param("base_momentum", optimizer, base_momentum)
            self.max_momentums = _format_param("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    _set_momentum(group, m_max, self.use_beta1)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref: Callable[[float], float] = self._triangular_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = self._triangular2_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            self._scale_fn_ref = partial(self._exp_range_scale_fn, self.gamma)
            self.scale_mode = "iterations"

    def scale_fn(self, x: float) -> float:
        """Return the amplitude scale of the cycle, from ``scale_fn`` if given, else from ``mode``.

        Args:
            x: the cycle number (``scale_mode == "cycle"``) or the step (``"iterations"``).

        Returns:
            The factor multiplying ``max_lr - base_lr``.
        """
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        return 1 / (2.0 ** (x - 1))

    @staticmethod
    def _exp_range_scale_fn(gamma: float, x: float) -> float:
        return gamma**x

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch``, also setting the momentum when it cycles.

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle) if self.scale_mode == "cycle" else self.scale_fn(self.last_epoch)
        lrs = [base_lr + (max_lr - base_lr) * scale_factor * scale for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for m_base, m_max, group in zip(self.base_momentums, self.max_momentums, self.optimizer.param_groups):
                _set_momentum(group, m_max - (m_max - m_base) * scale_factor * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state; a plain-function ``scale_fn`` is saved as None.

        Returns:
            Every attribute except ``optimizer``; a callable-object ``scale_fn`` is saved as a copy of
            its ``__dict__``.
        """
        state = super().state_dict()
        state.pop("_scale_fn_ref", None)
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the scheduler's state from a dict returned by ``state_dict()``.

        Args:
            state_dict: the saved state; a saved callable-object ``scale_fn`` gets its ``__dict__`` back.
        """
        state = dict(state_dict)
        fn = state.pop("_scale_fn_custom")
        super().load_state_dict(state)
        if fn is not None:
            self._scale_fn_custom.__dict__.update(fn)  # type: ignore[union-attr]
        self._init_scale_fn()


class CosineAnnealingWarmRestarts(LRScheduler):
    """Anneal the lr along a cosine and restart it periodically (SGDR, as PyTorch's ``CosineAnnealingWarmRestarts``).

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``, where ``T_cur`` counts
    the epochs since the last restart and ``T_i`` is the length of the current period: ``T_0`` first,
    each next one ``T_mult`` times the last. ``step(epoch)`` accepts fractional epochs
    (``epoch + batch / batches``) for per-batch updates.

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        T_0: the length of the first period, in epochs (a positive int).
        T_mult: the factor by which each period grows (an int >= 1) (default 1).
        eta_min: the smallest lr (default 0.0).
        last_epoch: index of the last epoch when resuming (default -1: a fresh start).

    Raises:
        ValueError: ``T_0`` not a positive int, ``T_mult`` not an int >= 1, ``eta_min`` not a
            number, or a negative epoch.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Compute the learning rates of epoch ``last_epoch`` (called by ``step``).

        Returns:
            One learning rate per param group.
        """
        self._warn_get_lr_called_outside_step()
        cos = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cos for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or go to ``epoch``, and set each group's ``lr``.

        Args:
            epoch: the epoch to go to, possibly fractional; ``T_cur`` and ``T_i`` are recomputed from it
                (default None: advance by one).

        Raises:
            ValueError: ``epoch`` is negative.
        """
        if tracing.defer(self.step, epoch):  # inside ag.compile: runs on the host after each call
            return
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = _group_values(self.optimizer, "lr")


class OneCycleLR(LRScheduler):
    """Set the lr by the 1cycle policy (Smith & Topin, 2018), as ``torch.optim.lr_scheduler.OneCycleLR``.

    Step it every batch. With ``initial_lr = max_lr / div_factor`` and
    ``min_lr = initial_lr / final_div_factor``, the lr goes from ``initial_lr`` to ``max_lr`` over the
    steps up to ``pct_start * total_steps - 1``, then down to ``min_lr`` at step ``total_steps - 1``.
    With ``three_phase``, it first goes back to ``initial_lr`` at step ``2 * pct_start * total_steps - 2``
    and then down to ``min_lr``. Within a phase from ``start`` to ``end`` at fraction ``p`` of it, the lr
    is ``end + (start - end) * (1 + cos(pi * p)) / 2`` (``"cos"``) or ``start + (end - start) * p``
    (``"linear"``). The momentum (or Adam's beta1) moves inversely between ``max_momentum`` and
    ``base_momentum``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` (and momentum) it sets.
        max_lr: the peak lr, one value or one per group.
        total_steps: the number of steps of the cycle (default None: ``epochs * steps_per_epoch``).
        epochs: the number of epochs, used with ``steps_per_epoch`` when ``total_steps`` is None
            (default None).
        steps_per_epoch: the number of steps per epoch, used with ``epochs`` (default None).
        pct_start: the fraction of the cycle spent raising the lr, a float in [0, 1] (default 0.3).
        anneal_strategy: ``"cos"`` or ``"linear"`` (default ``"cos"``).
        cycle_momentum: also move the momentum, or beta1 for optimizers with ``betas`` (default True).
        base_momentum: the momentum at the peak lr, one value or one per group (default 0.85).
        max_momentum: the momentum at the lowest lrs, one value or one per group (default 0.95).
        div_factor: ``initial_lr = max_lr / div_factor`` (default 25.0).
        final_div_factor: ``min_lr = initial_lr / final_div_factor`` (default 1e4).
        three_phase: go back to ``initial_lr`` before the final annealing (default False).
        last_epoch: index of the last step when resuming (default -1: a fresh start).

    Raises:
        TypeError: ``optimizer`` is not an Optimizer.
        ValueError: no valid total_steps (nor epochs and steps_per_epoch), ``pct_start`` not a
            float in [0, 1], an unknown ``anneal_strategy``, ``cycle_momentum`` with an optimizer
            without momentum or betas, or stepping more than ``total_steps`` times.
    """

    def __init__(
        self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
        epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos", cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85, max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
        final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        up_end = float(pct_start * self.total_steps) - 1
        self._schedule_phases: list[dict[str, Any]]
        if three_phase:
            self._schedule_phases = [
                {"end_step": up_end, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": up_end, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = _format_param("max_lr", self.optimizer, max_lr)
        if last_epoch == -1:
            for m, group in zip(max_lrs, self.optimizer.param_groups):
                group["initial_lr"] = m / div_factor
                group["max_lr"] = m
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _format_param("max_momentum", optimizer, max_momentum)
            base_momentums = _format_param("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_momentums, base_momentums, optimizer.param_groups):
                    _set_momentum(group, m_max, self.use_beta1)
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _anneal_func(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """Compute the learning rates of step ``last_epoch``, also setting the momentum when it cycles.

        Returns:
            One learning rate per param group.

        Raises:
            ValueError: the scheduler was stepped more than ``total_steps`` times.
        """
        self._warn_get_lr_called_outside_step()
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"Tried to step {step_num} times. The specified number of total steps is {self.total_steps}"
            )
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == last:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lr = self._anneal_func(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal_func(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(group, momentum, self.use_beta1)
        return lrs
