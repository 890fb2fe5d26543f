"""Callbacks: ``Callback`` (the hooks), ``ModelCheckpoint``, ``EarlyStopping``, ``LearningRateMonitor``,
and the progress bar (``TQDMProgressBar``, from ``arraygrad.lightning.progress``).

One submodule per callback family, as ``pytorch_lightning.callbacks``: ``callback`` (the base class),
``model_checkpoint``, ``early_stopping`` and ``lr_monitor``. Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.lightning.callbacks._utils import _missing_monitor
from arraygrad.lightning.callbacks.callback import Callback
from arraygrad.lightning.callbacks.early_stopping import EarlyStopping
from arraygrad.lightning.callbacks.lr_monitor import LearningRateMonitor
from arraygrad.lightning.callbacks.model_checkpoint import ModelCheckpoint, _as_tensor

__all__ = ["Callback", "ModelCheckpoint", "EarlyStopping", "LearningRateMonitor", "TQDMProgressBar", "ProgressBar"]

from arraygrad.lightning.progress import ProgressBar, TQDMProgressBar  # noqa: E402  (it subclasses Callback)
