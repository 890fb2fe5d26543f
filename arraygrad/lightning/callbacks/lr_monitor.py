"""``LearningRateMonitor``: logs each optimizer's learning rate (and optionally momentum and weight decay),
as Lightning's ``LearningRateMonitor``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arraygrad.lightning.callbacks.callback import Callback
from arraygrad.lightning.utilities import MisconfigurationException

if TYPE_CHECKING:
    from arraygrad.lightning.module import LightningModule
    from arraygrad.lightning.trainer import Trainer

__all__ = ["LearningRateMonitor"]


class LearningRateMonitor(Callback):
    """Log each optimizer's learning rate (``lr-<OptimizerClass>``, ``/pg<i>`` per extra parameter group,
    a scheduler's ``name`` when its config gives one), as Lightning's ``LearningRateMonitor``.

    Args:
        logging_interval: ``"step"``, ``"epoch"`` or ``None`` (each scheduler's own interval; per epoch
            for optimizers without a scheduler).
        log_momentum: also log ``momentum`` (Adam's ``beta1``).
        log_weight_decay: also log ``weight_decay``.

    Raises:
        MisconfigurationException: bad ``logging_interval``; (during fit) the trainer has no logger.
    """

    def __init__(self, logging_interval: str | None = None, log_momentum: bool = False,
                 log_weight_decay: bool = False) -> None:
        if logging_interval not in (None, "step", "epoch"):
            raise MisconfigurationException("logging_interval should be `step` or `epoch` or `None`.")
        self.logging_interval = logging_interval
        self.log_momentum = log_momentum
        self.log_weight_decay = log_weight_decay
        self.lrs: dict[str, list[float]] = {}

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.loggers:
            raise MisconfigurationException(
                "Cannot use `LearningRateMonitor` callback with `Trainer` that has no logger.")
        self.lrs = {name: [] for name in self._names(trainer)}

    def _names(self, trainer: Trainer) -> list[str]:
        names: list[str] = []
        seen: dict[str, int] = {}
        sched_names = {id(c.optimizer): c.name for c in trainer.lr_scheduler_configs if c.name}
        for opt in trainer.optimizers:
            base = sched_names.get(id(opt)) or f"lr-{type(opt).__name__}"
            count = seen.get(base, 0)
            seen[base] = count + 1
            if count:
                base = f"{base}-{count}"
            groups = opt.param_groups
            names.extend([base] if len(groups) == 1 else [f"{base}/pg{i + 1}" for i in range(len(groups))])
        return names

    def _values(self, trainer: Trainer, interval: str) -> dict[str, float]:
        intervals = {id(c.optimizer): c.interval for c in trainer.lr_scheduler_configs}
        out: dict[str, float] = {}
        names = iter(self._names(trainer))
        for opt in trainer.optimizers:
            own = intervals.get(id(opt), "epoch")
            for group in opt.param_groups:
                name = next(names)
                wanted = self.logging_interval or own
                if wanted != interval:
                    continue
                out[name] = float(group["lr"])
                self.lrs.setdefault(name, []).append(out[name])
                if self.log_momentum:
                    momentum = group.get("momentum", group.get("betas", (0.0,))[0])
                    out[name.replace("lr-", "lr-", 1) + "-momentum"] = float(momentum)
                if self.log_weight_decay:
                    out[name + "-weight_decay"] = float(group.get("weight_decay", 0.0))
        return out

    def on_train_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int) -> None:
        if trainer._logger_should_update():
            values = self._values(trainer, "step")
            if values:
                trainer._callback_metrics.update(values)
                trainer._log_to_loggers(values, step=trainer._batches_that_stepped, add_epoch=False)

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        values = self._values(trainer, "epoch")
        if values:
            trainer._callback_metrics.update(values)
            trainer._log_to_loggers(values, step=trainer._batches_that_stepped, add_epoch=False)
