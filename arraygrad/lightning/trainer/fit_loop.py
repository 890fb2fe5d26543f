"""The ``Trainer``'s fit loop: a fit's setup (dataloaders, optimizers, DDP, resuming), the epochs, the
training batches and when validation runs."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import arraygrad as ag
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.optimizers import init_optimizers
from arraygrad.lightning.progress import format_summary
from arraygrad.lightning.results import ResultCollection
from arraygrad.lightning.trainer._utils import _DDPStep, _overridden, _to_float64
from arraygrad.lightning.utilities import (
    MisconfigurationException,
    move_data_to_backend,
    rank_zero_info,
    rank_zero_warn,
)

__all__: list[str] = []


class _FitLoop:
    """The ``Trainer``'s fit loop."""

    # ------------------------------------------------------------------ fit
    def _fit_impl(self, weights_only: bool | None) -> None:
        model = self.lightning_module
        assert model is not None
        self.training = True
        self._val_has_run = False
        self.state.stage = "train"
        self._init_distributed()
        train = self._distributed_loader(self._source("train"), True)
        if isinstance(train, (list, tuple, Mapping)):
            raise MisconfigurationException("Several training dataloaders are not supported: pass one DataLoader")
        self.train_dataloader = train
        self.num_training_batches = self._limited(train, self.limit_train_batches, "limit_train_batches")
        vals = [self._distributed_loader(v, False) for v in self._as_list(self._source("val"))]
        self.val_dataloaders = vals[0] if len(vals) == 1 else vals
        self._val_list = vals
        self.num_val_batches = [self._limited(v, self.limit_val_batches, "limit_val_batches") for v in vals]
        self.num_sanity_val_batches = [min(self.num_sanity_val_steps, n) for n in self.num_val_batches]
        if vals and not _overridden(model, "validation_step"):
            rank_zero_warn("You passed in a `val_dataloader` but have no `validation_step`. Skipping val loop.")
        self._set_val_check_batch()

        with self._fx("configure_optimizers"):
            self.optimizers, self.lr_scheduler_configs = init_optimizers(model.configure_optimizers())
        if model.automatic_optimization and len(self.optimizers) > 1:
            raise MisconfigurationException(
                "Training with multiple optimizers is only supported with manual optimization. Set "
                "`self.automatic_optimization = False`, then access your optimizers in `training_step` with "
                "`opt1, opt2, ... = self.optimizers()`.")
        for config in self.lr_scheduler_configs:
            if config.optimizer is None and self.optimizers:
                config.optimizer = self.optimizers[0]
        self._setup_ddp(model)

        start_epoch = 0
        if self.ckpt_path is not None:
            start_epoch = self._restore(self._resolve_ckpt_path(self.ckpt_path), weights_only, full=True)

        if self.enable_model_summary and self.is_global_zero:
            rank_zero_info(format_summary(model))
        self._log_hyperparams(model)

        self._call_hooks("on_fit_start")
        if self.num_sanity_val_steps and any(self.num_sanity_val_batches) and _overridden(model, "validation_step"):
            self.sanity_checking = True
            self._call_hooks("on_sanity_check_start")
            self._run_eval("validate", self._val_list, self.num_sanity_val_batches)
            self._call_hooks("on_sanity_check_end")
            self.sanity_checking = False
        if self._pending_rng is not None:
            ag.set_rng_state(self._pending_rng)
            self._pending_rng = None

        self.current_epoch = start_epoch
        model.train()
        self._call_hooks("on_train_start")
        stop_reason = None
        while True:
            if self.max_steps != -1 and self.global_step >= self.max_steps:
                stop_reason = f"`max_steps={self.max_steps}` reached."
                break
            if self.max_epochs != -1 and self.current_epoch >= self.max_epochs:
                stop_reason = f"`max_epochs={self.max_epochs}` reached."
                break
            if self.should_stop:
                if self._can_stop_early():
                    break
                rank_zero_info(f"Trainer was signaled to stop but the required `min_epochs={self.min_epochs!r}` or "
                               f"`min_steps={self.min_steps!r}` has not been met. Training will continue...")
                self.should_stop = False
            if self.num_training_batches == 0:
                rank_zero_info("`limit_train_batches` is 0: training is skipped.")
                break
            self._run_train_epoch(model)
        if stop_reason is not None:
            rank_zero_info(f"`Trainer.fit` stopped: {stop_reason}")
        self._call_hooks("on_train_end")
        self._call_hooks("on_fit_end")
        for lg in self.loggers:
            lg.finalize("success")
        self.training = False

    def _can_stop_early(self) -> bool:
        epochs_ok = self.min_epochs is None or self.current_epoch >= self.min_epochs
        steps_ok = self.min_steps is None or self.global_step >= self.min_steps
        return epochs_ok and steps_ok

    def _set_val_check_batch(self) -> None:
        interval = self.val_check_interval
        n = self.num_training_batches
        if isinstance(interval, int) and not isinstance(interval, bool):
            if self.check_val_every_n_epoch is not None and n != math.inf and interval > n:
                raise ValueError(
                    f"`val_check_interval` ({interval}) must be less than or equal to the number of the training batches "
                    f"({n}). If you want to disable validation set `limit_val_batches` to 0.0 instead. If you want to "
                    "validate based on the total training batches, set `check_val_every_n_epoch=None`.")
            self.val_check_batch = interval
        elif n == math.inf:
            self.val_check_batch = math.inf
        else:
            self.val_check_batch = max(1, int(n * interval))

    def _log_hyperparams(self, model: LightningModule) -> None:
        if not self.loggers or not self.is_global_zero:
            return
        params: dict[str, Any] = {}
        if getattr(model, "_log_hyperparams", True):
            params.update(model.hparams_initial)
        dm = self.datamodule
        if dm is not None and getattr(dm, "_log_hyperparams", True):
            params.update(dm.hparams_initial)
        for lg in self.loggers:
            lg.log_hyperparams(params)
            lg.save()

    def _init_distributed(self) -> None:
        if self.world_size <= 1:
            return
        from arraygrad import distributed as dist

        if not dist.is_initialized():
            dist.init_process_group()
        if dist.get_world_size() != self.world_size:
            raise MisconfigurationException(f"strategy='ddp': the launcher started {dist.get_world_size()} processes but "
                                            f"the environment says {self.world_size}")

    def _setup_ddp(self, model: LightningModule) -> None:
        if self.world_size <= 1:
            return
        from arraygrad.nn.parallel import DistributedDataParallel

        if model.automatic_optimization:
            self._ddp_model = DistributedDataParallel(
                _DDPStep(model), find_unused_parameters=self._strategy == "ddp_find_unused_parameters_true")

    def _should_check_val(self, batch_idx: int, total_batch_idx: int, is_last: bool) -> bool:
        if not self.enable_validation:
            return False
        if self.check_val_every_n_epoch is not None and (self.current_epoch + 1) % self.check_val_every_n_epoch != 0:
            return False
        if self.should_stop and self._can_stop_early():
            return True
        if self.val_check_batch == math.inf:
            return is_last
        current = total_batch_idx if self.check_val_every_n_epoch is None else batch_idx
        return (current + 1) % self.val_check_batch == 0

    def _run_train_epoch(self, model: LightningModule) -> None:
        results = ResultCollection()
        self._results = self._train_results = results
        self._multiple_loaders = False
        self._current_dataloader_idx = None
        self._epoch_finished = False
        loader = self.train_dataloader
        sampler: Any = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(self.current_epoch)
        model.train()
        self._call_hooks("on_train_epoch_start")
        n = self.num_training_batches
        batch_idx = -1
        resume, self._resume_mid_epoch = self._resume_mid_epoch, None
        if resume is not None:
            ag.set_rng_state(resume["epoch_rng"])  # the shuffle of the interrupted epoch
        self._epoch_rng = ag.get_rng_state()
        iterator = iter(loader)
        batches: Iterator[tuple[int, Any]] = enumerate(iterator)
        if resume is not None:
            batch_idx = self._continue_batch(model, iterator, resume, results)
            stop = (self.max_steps != -1 and self.global_step >= self.max_steps) or (self.should_stop
                                                                                     and self._can_stop_early())
            batches = iter(()) if stop else enumerate(iterator, batch_idx + 1)
        for batch_idx, batch in batches:
            if batch_idx >= n:
                break
            self._batch_idx = batch_idx
            self._results = results
            batch = self._to_device(batch)
            self._current_batch = batch
            results.start_batch()
            is_last = batch_idx + 1 == n
            response = self._call_hooks("on_train_batch_start", batch, batch_idx)
            if response == -1:
                break
            should_step = (batch_idx + 1) % self.accumulate_grad_batches == 0 or is_last
            if model.automatic_optimization:
                outputs = self._automatic_step(model, batch, batch_idx, should_step, is_last)
            else:
                if self.compile and not self._compiled.get("warned"):
                    self._compiled["warned"] = True
                    rank_zero_warn("Trainer(compile=True): manual optimization runs eagerly")
                outputs = self._manual_step(model, batch, batch_idx)
                should_step = True
            self._batch_phase = "batch_end"
            self._call_hooks("on_train_batch_end", outputs, batch, batch_idx)
            if should_step or not model.automatic_optimization:
                to_log, bar, callback = results.step_values()
                if self._logger_should_update() or self.fast_dev_run:
                    self._log_to_loggers(to_log, step=self._batches_that_stepped)
            self._results = results
            self._finish_batch(model, batch_idx, is_last, should_step, results)
            if (self.max_steps != -1 and self.global_step >= self.max_steps) or (self.should_stop
                                                                                  and self._can_stop_early()):
                break
        self._epoch_finished = batch_idx + 1 >= n or (self.max_steps != -1 and self.global_step >= self.max_steps)
        self._results = results
        self._current_batch = None
        self._publish_epoch(results, log=False, step=self._batches_that_stepped - 1)
        self._call_hooks("on_train_epoch_end", monitoring=False)
        # what the module logged in its on_train_epoch_end is there for ModelCheckpoint and EarlyStopping
        self._publish_epoch(results, log=False, step=self._batches_that_stepped - 1)
        self._call_hooks("on_train_epoch_end", monitoring=True)
        to_log, _, _ = results.epoch_values()
        self._publish_epoch(results, log=False, step=self._batches_that_stepped - 1)
        self._log_to_loggers(to_log, step=self._batches_that_stepped - 1)
        for lg in self.loggers:
            lg.save()
        self._step_schedulers("epoch", plateau=True)
        self.current_epoch += 1
        self._results = None

    def _finish_batch(self, model: LightningModule, batch_idx: int, is_last: bool, should_step: bool,
                      results: ResultCollection) -> None:
        """What follows ``on_train_batch_end``: validation when due, plateau schedulers, the step counter."""
        if self._should_check_val(batch_idx, self._total_batch_idx(batch_idx), is_last):
            self._batch_phase = "val_done"  # a checkpoint saved during this validation resumes after it
            self._run_eval("validate", self._val_list, self.num_val_batches)
            self._results = results
            model.train()
        self._batch_phase = "val_done"
        self._step_schedulers("step", plateau=True)
        if should_step:
            self._batches_that_stepped += 1
        self._batch_phase = "step"

    def _continue_batch(self, model: LightningModule, iterator: Any, resume: dict[str, Any],
                        results: ResultCollection) -> int:
        """Resume in the middle of an epoch: skip the batches done before the checkpoint (the loader's
        order is the interrupted epoch's), restore the random state and the epoch's logged values, and run
        what was left of the checkpoint's batch. Returns that batch's index."""
        done = int(resume["batch_idx"])
        for _ in range(done + 1):
            next(iterator)
        ag.set_rng_state(resume["rng"])
        results.restore(resume.get("results") or [])
        n = self.num_training_batches
        is_last = done + 1 == n
        should_step = (done + 1) % self.accumulate_grad_batches == 0 or is_last
        self._batch_idx = done
        if resume.get("phase") == "val_done":
            self._step_schedulers("step", plateau=True)
            if should_step:
                self._batches_that_stepped += 1
        else:
            self._finish_batch(model, done, is_last, should_step, results)
        return done

    def _total_batch_idx(self, batch_idx: int) -> int:
        n = self.num_training_batches
        done = self.current_epoch * n if n != math.inf else 0
        return int(done + batch_idx)

    def _to_device(self, batch: Any) -> Any:
        model = self.lightning_module
        params = next(iter(model.parameters()), None) if model is not None else None
        target = params.backend.name if params is not None else (self._backend or ag.get_default_backend())
        batch = move_data_to_backend(batch, target)
        if self._precision == "64-true":
            batch = _to_float64(batch)
        return batch

    # -- one training batch
