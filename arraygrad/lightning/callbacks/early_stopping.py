"""``EarlyStopping``: stops training when a monitored metric stops improving, as Lightning's
``EarlyStopping``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from arraygrad.lightning.callbacks._utils import _missing_monitor
from arraygrad.lightning.callbacks.callback import Callback
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_info, rank_zero_warn

if TYPE_CHECKING:
    from arraygrad.lightning.module import LightningModule
    from arraygrad.lightning.trainer import Trainer

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stop training when a monitored metric stops improving, as Lightning's ``EarlyStopping``.

    Args:
        monitor: the logged metric to watch.
        min_delta: an improvement smaller than this does not count.
        patience: how many checks without improvement before stopping.
        verbose: log the decisions.
        mode: ``"min"`` or ``"max"``.
        strict: raise if ``monitor`` was never logged (else warn and do nothing).
        check_finite: stop when the metric becomes NaN or infinite.
        stopping_threshold: stop as soon as the metric is better than this.
        divergence_threshold: stop as soon as the metric is worse than this.
        check_on_train_epoch_end: check at the training epoch's end instead of after validation
            (default: after validation when there is validation).
        log_rank_zero_only: accepted for compatibility.

    Raises:
        MisconfigurationException: bad ``mode``; (during fit) ``monitor`` not logged with ``strict=True``, naming
            the key and listing the logged ones.
    """

    mode_dict = {"min": "<", "max": ">"}

    def __init__(self, monitor: str, min_delta: float = 0.0, patience: int = 3, verbose: bool = False, mode: str = "min",
                 strict: bool = True, check_finite: bool = True, stopping_threshold: float | None = None,
                 divergence_threshold: float | None = None, check_on_train_epoch_end: bool | None = None,
                 log_rank_zero_only: bool = False) -> None:
        if mode not in self.mode_dict:
            raise MisconfigurationException(f"`mode` can be {', '.join(self.mode_dict)}, got {mode}")
        self.monitor = monitor
        self.min_delta = -abs(min_delta) if mode == "min" else abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.strict = strict
        self.check_finite = check_finite
        self.stopping_threshold = stopping_threshold
        self.divergence_threshold = divergence_threshold
        self._check_on_train_epoch_end = check_on_train_epoch_end
        self.wait_count = 0
        self.stopped_epoch = 0
        self.best_score = math.inf if mode == "min" else -math.inf
        self.stopping_reason_message: str | None = None

    @property
    def state_key(self) -> str:
        return self._generate_state_key(monitor=self.monitor, mode=self.mode)

    def state_dict(self) -> dict[str, Any]:
        return {"wait_count": self.wait_count, "stopped_epoch": self.stopped_epoch, "best_score": self.best_score,
                "patience": self.patience}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.wait_count = int(state_dict["wait_count"])
        self.stopped_epoch = int(state_dict["stopped_epoch"])
        self.best_score = float(state_dict["best_score"])
        self.patience = int(state_dict["patience"])

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if self._check_on_train_epoch_end is None:
            self._check_on_train_epoch_end = trainer.val_check_interval == 1.0 and trainer.check_val_every_n_epoch == 1

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._check_on_train_epoch_end and not trainer.fast_dev_run:
            self._run_early_stopping_check(trainer)

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self._check_on_train_epoch_end and not trainer.fast_dev_run and not trainer.sanity_checking \
                and trainer.training:
            self._run_early_stopping_check(trainer)

    def _run_early_stopping_check(self, trainer: Trainer) -> None:
        metrics = trainer.callback_metrics
        if self.monitor not in metrics:
            error = _missing_monitor("Early stopping", self.monitor, trainer,
                                     "Pass in or modify your `EarlyStopping` callback to use one of the logged metrics.")
            if self.strict:
                raise error
            if self.verbose:
                rank_zero_warn(str(error), RuntimeWarning)
            return
        current = float(metrics[self.monitor].item())
        should_stop, reason = self._evaluate_stopping_criteria(current)
        trainer.should_stop = trainer.should_stop or should_stop
        if should_stop:
            self.stopped_epoch = trainer.current_epoch
            self.stopping_reason_message = reason
        if reason and self.verbose:
            rank_zero_info(reason)

    def _better(self, a: float, b: float) -> bool:
        return a < b if self.mode == "min" else a > b

    def _evaluate_stopping_criteria(self, current: float) -> tuple[bool, str | None]:
        if self.check_finite and not math.isfinite(current):
            return True, (f"Monitored metric {self.monitor} = {current} is not finite. Previous best value was "
                          f"{self.best_score:.3f}. Signaling Trainer to stop.")
        if self.stopping_threshold is not None and self._better(current, self.stopping_threshold):
            return True, (f"Stopping threshold reached: {self.monitor} = {current} {self.mode_dict[self.mode]} "
                          f"{self.stopping_threshold}. Signaling Trainer to stop.")
        if self.divergence_threshold is not None and self._better(-current, -self.divergence_threshold):
            return True, (f"Divergence threshold reached: {self.monitor} = {current} "
                          f"{'>' if self.mode == 'min' else '<'} {self.divergence_threshold}. Signaling Trainer to stop.")
        if self._better(current - self.min_delta, self.best_score):
            improvement = "" if not math.isfinite(self.best_score) else f" by {abs(self.best_score - current):.3f}"
            self.best_score = current
            self.wait_count = 0
            return False, f"Metric {self.monitor} improved{improvement}. New best score: {current:.3f}"
        self.wait_count += 1
        if self.wait_count >= self.patience:
            return True, (f"Monitored metric {self.monitor} did not improve in the last {self.wait_count} records. "
                          f"Best score: {self.best_score:.3f}. Signaling Trainer to stop.")
        return False, None
