"""What a ``Trainer`` checkpoint holds, where checkpoints go, and restoring the trainer's state from one."""

from __future__ import annotations

import os
from typing import Any

import arraygrad as ag
from arraygrad.lightning import checkpoint as ckpt_io
from arraygrad.lightning.callbacks import ModelCheckpoint
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_info, rank_zero_warn

__all__: list[str] = []


class _CheckpointConnector:
    """The ``Trainer``'s checkpoint contents and restoring."""

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint_dir(self) -> str:
        """Where ``ModelCheckpoint`` writes by default: ``<save_dir>/<name>/<version>/checkpoints`` of the first
        logger, else ``<default_root_dir>/checkpoints``."""
        lg = self.logger
        if lg is not None and lg.save_dir is not None:
            version = lg.version
            version = version if isinstance(version, str) else f"version_{version}"
            return os.path.join(lg.save_dir, str(lg.name or ""), version, "checkpoints")
        return os.path.join(self.default_root_dir, "checkpoints")

    def _resolve_ckpt_path(self, path: str) -> str:
        if path == "last":
            candidates = [cb.last_model_path for cb in self.checkpoint_callbacks
                          if cb.last_model_path and os.path.isfile(cb.last_model_path)]
            folders = {cb.dirpath or self._checkpoint_dir() for cb in self.checkpoint_callbacks}
            for folder in folders:
                if os.path.isdir(folder):
                    candidates += [os.path.join(folder, f) for f in os.listdir(folder)
                                   if f.startswith(ModelCheckpoint.CHECKPOINT_NAME_LAST) and f.endswith(".ckpt")]
            if not candidates:
                raise MisconfigurationException('ckpt_path="last" is set, but there is no last checkpoint available')
            return max(candidates, key=os.path.getmtime)
        if path == "best":
            cb = self.checkpoint_callback
            if cb is None or not cb.best_model_path:
                raise MisconfigurationException('`ckpt_path="best"` is set but `ModelCheckpoint` has not saved a best model')
            return cb.best_model_path
        return path

    def _loop_state(self) -> dict[str, Any]:
        """Where the fit loop is: the epoch, whether it finished, the counters, and for a checkpoint taken
        in the middle of an epoch the batch reached, the epoch's random state and its logged values."""
        finished = bool(self._epoch_finished or not self.training)
        state: dict[str, Any] = {"epoch": self.current_epoch, "epoch_finished": finished,
                                 "batches_that_stepped": self._batches_that_stepped, "batch_idx": self._batch_idx}
        if not finished and self._epoch_rng is not None:
            state["epoch_rng_state"] = list(self._epoch_rng)
            state["batch_phase"] = self._batch_phase
            if self._train_results is not None:
                state["results"] = self._train_results.state()
        return state

    def _dump_checkpoint(self, weights_only: bool) -> dict[str, Any]:
        model = self.lightning_module
        assert model is not None
        checkpoint: dict[str, Any] = {
            "epoch": self.current_epoch,
            "global_step": self.global_step,
            "pytorch-lightning_version": ckpt_io.CHECKPOINT_VERSION,
            "state_dict": model.state_dict(),
            "loops": {"fit_loop": self._loop_state()},
            "rng_state": list(ag.get_rng_state()),
        }
        if not weights_only:
            checkpoint["callbacks"] = {cb.state_key: cb.state_dict() for cb in self.callbacks if cb.state_dict()}
            checkpoint["optimizer_states"] = [opt.state_dict() for opt in self.optimizers]
            checkpoint["lr_schedulers"] = [c.scheduler.state_dict() for c in self.lr_scheduler_configs]
        if model.hparams:
            checkpoint["hparams_name"] = "kwargs"
            checkpoint["hyper_parameters"] = dict(model.hparams)
        dm = self.datamodule
        if dm is not None:
            if dm.hparams:
                checkpoint["datamodule_hparams_name"] = "kwargs"
                checkpoint["datamodule_hyper_parameters"] = dict(dm.hparams)
            state = dm.state_dict()
            if state:
                checkpoint[type(dm).__qualname__] = state
        if not weights_only:
            for cb in self.callbacks:
                cb.on_save_checkpoint(self, model, checkpoint)
        with self._fx("on_save_checkpoint"):
            model.on_save_checkpoint(checkpoint)
        return checkpoint

    def _restore(self, path: str, weights_only: bool | None, full: bool) -> int:
        """Load ``path`` into the module (and, for ``full``, the optimizers, schedulers, callbacks, counters
        and random state); returns the epoch to start from."""
        model = self.lightning_module
        assert model is not None
        checkpoint = ckpt_io.load_checkpoint(path, weights_only=weights_only)
        with self._fx("on_load_checkpoint"):
            model.on_load_checkpoint(checkpoint)
        model.load_state_dict(checkpoint["state_dict"])
        if not full:
            return 0
        rank_zero_info(f"Restoring states from the checkpoint path at {path}")
        for cb in self.callbacks:
            cb.on_load_checkpoint(self, model, checkpoint)
        states = checkpoint.get("callbacks") or {}
        for cb in self.callbacks:
            state = states.get(cb.state_key, states.get(type(cb).__qualname__))
            if state:
                cb.load_state_dict(state)
        if "optimizer_states" not in checkpoint:
            raise KeyError(f"Trying to restore optimizer state but checkpoint {path!r} contains only the model weights "
                           "(saved with save_weights_only=True): use it with `load_from_checkpoint` instead")
        for opt, state in zip(self.optimizers, checkpoint["optimizer_states"]):
            opt.load_state_dict(state)
        for config, state in zip(self.lr_scheduler_configs, checkpoint.get("lr_schedulers", [])):
            config.scheduler.load_state_dict(state)
        dm = self.datamodule
        if dm is not None and type(dm).__qualname__ in checkpoint:
            dm.load_state_dict(checkpoint[type(dm).__qualname__])
        loop = (checkpoint.get("loops") or {}).get("fit_loop", {})
        self.global_step = int(checkpoint.get("global_step", 0))
        self._batches_that_stepped = int(loop.get("batches_that_stepped", self.global_step))
        epoch = int(checkpoint.get("epoch", 0))
        finished = bool(loop.get("epoch_finished", True))
        rng = tuple(int(v) for v in checkpoint["rng_state"]) if "rng_state" in checkpoint else None
        if finished:
            self._pending_rng = rng
            return epoch + 1
        if rng is None or "epoch_rng_state" not in loop:
            rank_zero_warn(f"The checkpoint {path!r} was saved in the middle of epoch {epoch} without the loop's "
                           "random state: training restarts that epoch from its first batch")
            return epoch
        self._resume_mid_epoch = {"batch_idx": int(loop["batch_idx"]), "phase": loop.get("batch_phase", "batch_end"),
                                  "epoch_rng": tuple(int(v) for v in loop["epoch_rng_state"]), "rng": rng,
                                  "results": loop.get("results")}
        return epoch
