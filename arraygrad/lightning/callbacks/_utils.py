"""Helpers shared by the callbacks that watch a logged metric."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arraygrad.lightning.utilities import MisconfigurationException

if TYPE_CHECKING:
    from arraygrad.lightning.trainer import Trainer

__all__: list[str] = []


def _missing_monitor(what: str, monitor: str, trainer: Trainer, hint: str) -> MisconfigurationException:
    logged = sorted(trainer.callback_metrics)
    listed = ", ".join(f"`{k}`" for k in logged) if logged else "(none: nothing was logged with `self.log`)"
    return MisconfigurationException(
        f"{what} conditioned on metric `{monitor}` which is not available. {hint} Logged metrics: {listed}")
