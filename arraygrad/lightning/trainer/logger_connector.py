"""What ``self.log`` does inside the ``Trainer`` and how metrics reach the loggers, the callbacks and
the progress bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.lightning.results import ResultCollection, reduce_name, to_float
from arraygrad.lightning.trainer._utils import _NO_LOG_HOOKS, _STEP_HOOKS
from arraygrad.lightning.utilities import MisconfigurationException, extract_batch_size

__all__: list[str] = []


class _LoggerConnector:
    """The ``Trainer``'s logging."""

    # ------------------------------------------------------------------ logging
    def _log(self, name: str, value: Any, *, prog_bar: bool, logger: bool, on_step: bool | None, on_epoch: bool | None,
             reduce_fx: Any, add_dataloader_idx: bool, batch_size: int | None) -> None:
        fx = self._current_fx
        if fx is None or fx in _NO_LOG_HOOKS or self._results is None:
            raise MisconfigurationException(f"You can't `self.log({name!r}, ...)` inside `{fx}`; log from the training, "
                                            "validation or test steps and their epoch/batch hooks")
        if not isinstance(name, str):
            raise TypeError(f"self.log(): the name must be a str, got {type(name).__name__}")
        step_default = fx in _STEP_HOOKS
        on_step = step_default if on_step is None else bool(on_step)
        on_epoch = (not step_default) if on_epoch is None else bool(on_epoch)
        if not on_step and not on_epoch:
            raise MisconfigurationException(f"self.log({name!r}): `on_step` and `on_epoch` cannot both be False")
        if "epoch_end" in fx or fx.endswith(("_start", "_end")) and "batch" not in fx:
            if on_step:
                raise MisconfigurationException(f"You can't `self.log({name!r}, on_step=True)` in `{fx}`: use on_epoch")
        reduce = reduce_name(reduce_fx)
        if self._capture is not None and isinstance(value, Tensor):
            # inside a compiled step: the value comes back as an output of the program
            self._capture.append((name, value, dict(prog_bar=prog_bar, logger=logger, on_step=on_step,
                                                     on_epoch=on_epoch, reduce_fx=reduce,
                                                     add_dataloader_idx=add_dataloader_idx, batch_size=batch_size)))
            return
        number = to_float(name, value)
        if batch_size is None:
            batch_size = extract_batch_size(self._current_batch) or 1
        dl_idx = self._current_dataloader_idx if (self._multiple_loaders and add_dataloader_idx) else None
        metric = self._results.log(fx, name, number, prog_bar=prog_bar, logger=logger, on_step=on_step,
                                   on_epoch=on_epoch, reduce_fx=reduce, batch_size=int(batch_size),
                                   dataloader_idx=dl_idx)
        if on_step and not self.sanity_checking:
            key = metric.key("_step" if metric.forked else "")
            self._callback_metrics[key] = number
            if metric.forked:
                self._callback_metrics[metric.key()] = number
            if prog_bar:
                self._progress_bar_metrics[key] = number

    def _logger_should_update(self) -> bool:
        return (self._batches_that_stepped + 1) % self.log_every_n_steps == 0 or self.should_stop

    def _log_to_loggers(self, metrics: Mapping[str, float], step: int | None = None, add_epoch: bool = True) -> None:
        if not self.loggers or not metrics:
            return
        metrics = dict(metrics)
        self._logged_metrics.update(metrics)
        if add_epoch:
            metrics.setdefault("epoch", self.current_epoch)
        if not self.is_global_zero:
            return
        step = self._batches_that_stepped if step is None else step
        for lg in self.loggers:
            lg.log_metrics(metrics, step=step)

    def _publish_epoch(self, results: ResultCollection, log: bool, step: int) -> dict[str, float]:
        to_log, bar, callback = results.epoch_values()
        self._callback_metrics.update(callback)
        self._progress_bar_metrics.update(bar)
        if log:
            self._log_to_loggers(to_log, step=step)
        return callback
