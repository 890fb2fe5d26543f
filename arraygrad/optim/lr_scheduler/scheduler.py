"""The base class of the learning-rate schedulers, ``LRScheduler``: the constructor's initial step,
``step()`` and its chainable/closed-form dispatch, and ``state_dict()``.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.core import tracing
from arraygrad.optim.optimizer import Optimizer

__all__ = ["LRScheduler"]


EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, "
    "the closed form is used instead of the new chainable form, where available."
)


def _group_values(optimizer: Optimizer, key: str) -> list[Any]:
    return [group[key] for group in optimizer.param_groups]


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
