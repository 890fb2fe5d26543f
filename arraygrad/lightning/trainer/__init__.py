"""``Trainer``: runs a ``LightningModule``'s fit, validation, test and prediction loops, as
Lightning's ``Trainer``.

The trainer is a thin owner of small loops (fit → epoch → batch; evaluation → dataloader → batch);
everything else (checkpoints, early stopping, the progress bar, learning-rate logging) is a callback
with named hooks.

One module per part, as Lightning's ``trainer`` package: ``trainer`` (the class, its arguments and
entry points), ``states``, ``call`` (running a stage, calling hooks), ``logger_connector``,
``data_connector``, ``fit_loop``, ``optimization``, ``evaluation_loop``, ``prediction_loop`` and
``checkpoint_connector``. Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.lightning.trainer._utils import (
    _ACCELERATOR_NAMES,
    _MONITORING,
    _NO_LOG_HOOKS,
    _STEP_HOOKS,
    _DDPStep,
    _LightningOptimizer,
    _overridden,
    _resolve_backend,
    _signature_takes,
    _to_float64,
    _world_size_from_env,
)
from arraygrad.lightning.trainer.states import TrainerFn, TrainerState
from arraygrad.lightning.trainer.trainer import Trainer

__all__ = ["Trainer", "TrainerFn", "TrainerState"]
