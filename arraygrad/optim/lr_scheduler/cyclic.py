"""Periodic schedules, stepped every batch: ``CyclicLR``, ``CosineAnnealingWarmRestarts`` (SGDR) and
``OneCycleLR``, the first and last also cycling the momentum (or Adam's beta1).
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

from arraygrad.core import tracing
from arraygrad.optim.lr_scheduler.scheduler import LRScheduler, _group_values
from arraygrad.optim.optimizer import Optimizer

__all__ = ["CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR"]


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


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


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
