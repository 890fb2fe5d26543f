"""Schedulers made of other schedulers: ``SequentialLR`` (one after another, switching at
milestones) and ``ChainedScheduler`` (all stepped together).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from arraygrad.core import tracing
from arraygrad.optim.lr_scheduler.plateau import ReduceLROnPlateau
from arraygrad.optim.lr_scheduler.scheduler import LRScheduler, _group_values
from arraygrad.optim.optimizer import Optimizer

__all__ = ["SequentialLR", "ChainedScheduler"]


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
