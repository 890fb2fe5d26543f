"""Fixed-formula schedules of the epoch, each with a closed form: the step decays (``StepLR``,
``MultiStepLR``, ``ExponentialLR``, ``PolynomialLR``, ``CosineAnnealingLR``) and the warm-up
factors (``ConstantLR``, ``LinearLR``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

from arraygrad.optim.lr_scheduler.scheduler import LRScheduler, _group_values
from arraygrad.optim.optimizer import Optimizer

__all__ = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR"]


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
