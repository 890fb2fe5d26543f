"""``ModelCheckpoint``: saves checkpoints during training (top-k by a monitored metric, ``last.ckpt``,
file names from a template), as Lightning's ``ModelCheckpoint``."""

from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any

from arraygrad.lightning.callbacks._utils import _missing_monitor
from arraygrad.lightning.callbacks.callback import Callback
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_info, rank_zero_warn

if TYPE_CHECKING:
    from arraygrad.lightning.module import LightningModule
    from arraygrad.lightning.trainer import Trainer

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Save checkpoints during training, as Lightning's ``ModelCheckpoint``.

    Args:
        dirpath: the folder (default: ``<logger.log_dir>/checkpoints``, or ``<default_root_dir>/checkpoints``
            without a logger).
        filename: a template such as ``"{epoch}-{val_loss:.2f}"`` (default ``"{epoch}-{step}"``); each
            ``{name}`` becomes ``name=<value>`` (``epoch=0-step=100.ckpt``) unless ``auto_insert_metric_name=False``.
        monitor: the logged metric that ranks checkpoints (``None``: keep the latest).
        verbose: log each save.
        save_last: also write ``last.ckpt`` after each save.
        save_top_k: how many best checkpoints to keep (``-1``: all, ``0``: none).
        save_weights_only: write only the weights (no optimizer or loop state).
        mode: ``"min"`` or ``"max"``: which direction of ``monitor`` is better.
        auto_insert_metric_name: see ``filename``.
        every_n_train_steps: save every N optimizer steps (instead of at epoch ends).
        every_n_epochs: save every N epochs (default 1).
        save_on_train_epoch_end: save at the end of the training epoch (``True``) or after validation
            (``False``); by default after validation when it runs more than once per epoch or not every
            epoch, else at the training epoch's end.
        enable_version_counter: append ``-v1``, ``-v2``... instead of overwriting an existing file.

    Raises:
        MisconfigurationException: bad ``mode``, ``save_top_k`` below -1, ``save_top_k`` > 1 without ``monitor``.
    """

    CHECKPOINT_JOIN_CHAR = "-"
    CHECKPOINT_EQUALS_CHAR = "="
    CHECKPOINT_NAME_LAST = "last"
    FILE_EXTENSION = ".ckpt"
    STARTING_VERSION = 1

    def __init__(self, dirpath: str | os.PathLike[str] | None = None, filename: str | None = None,
                 monitor: str | None = None, verbose: bool = False, save_last: bool | None = None, save_top_k: int = 1,
                 save_weights_only: bool = False, mode: str = "min", auto_insert_metric_name: bool = True,
                 every_n_train_steps: int | None = None, train_time_interval: Any = None,
                 every_n_epochs: int | None = None, save_on_train_epoch_end: bool | None = None,
                 enable_version_counter: bool = True) -> None:
        if mode not in ("min", "max"):
            raise MisconfigurationException(f"`mode` can be 'min' or 'max', got {mode!r}")
        if save_top_k < -1:
            raise MisconfigurationException(f"Invalid value for save_top_k={save_top_k}. Must be >= -1")
        if monitor is None and save_top_k not in (-1, 0, 1):
            raise MisconfigurationException(
                f"ModelCheckpoint(save_top_k={save_top_k}, monitor=None) is not a valid configuration. No quantity for "
                "top_k to track.")
        if every_n_train_steps is not None and every_n_train_steps < 0:
            raise MisconfigurationException(f"Invalid value for every_n_train_steps={every_n_train_steps}. Must be >= 0")
        if every_n_epochs is not None and every_n_epochs < 0:
            raise MisconfigurationException(f"Invalid value for every_n_epochs={every_n_epochs}. Must be >= 0")
        self.dirpath: str | None = os.fspath(dirpath) if dirpath is not None else None
        self.filename = filename
        self.monitor = monitor
        self.verbose = verbose
        self.save_last = save_last
        self.save_top_k = save_top_k
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.auto_insert_metric_name = auto_insert_metric_name
        self._every_n_train_steps = every_n_train_steps or 0
        self._every_n_epochs = (0 if self._every_n_train_steps else 1) if every_n_epochs is None else every_n_epochs
        self._train_time_interval = train_time_interval
        self._save_on_train_epoch_end = save_on_train_epoch_end
        self._enable_version_counter = enable_version_counter
        self.best_k_models: dict[str, float] = {}
        self.kth_best_model_path = ""
        self.best_model_score: Any = None
        self.best_model_path = ""
        self.last_model_path = ""
        self.current_score: Any = None
        self.kth_value = math.inf if mode == "min" else -math.inf
        self._last_global_step_saved = -1

    @property
    def state_key(self) -> str:
        return self._generate_state_key(monitor=self.monitor, mode=self.mode, every_n_train_steps=self._every_n_train_steps,
                                        every_n_epochs=self._every_n_epochs, train_time_interval=self._train_time_interval)

    # -- hooks
    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if self.dirpath is None:
            self.dirpath = trainer._checkpoint_dir()

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        if self._skip(trainer) or not self._every_n_train_steps:
            return
        if trainer.global_step % self._every_n_train_steps != 0 or trainer.global_step == self._last_global_step_saved:
            return
        self._save_topk_and_last(trainer)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self._skip(trainer) and self._should_save_on_train_epoch_end(trainer):
            self._save_on_epoch(trainer)

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self._skip(trainer) and not self._should_save_on_train_epoch_end(trainer):
            self._save_on_epoch(trainer)

    def state_dict(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "best_model_score": self.best_model_score, "best_model_path": self.best_model_path,
                "current_score": self.current_score, "dirpath": self.dirpath, "best_k_models": dict(self.best_k_models),
                "kth_best_model_path": self.kth_best_model_path, "kth_value": self.kth_value,
                "last_model_path": self.last_model_path}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if state_dict.get("dirpath") == self.dirpath or self.dirpath is None:
            self.best_k_models = {k: float(v) for k, v in dict(state_dict.get("best_k_models") or {}).items()}
            self.kth_best_model_path = state_dict.get("kth_best_model_path", "")
            self.kth_value = float(state_dict.get("kth_value", self.kth_value))
            self.last_model_path = state_dict.get("last_model_path", "")
            self.best_model_path = state_dict.get("best_model_path", "")
            score = state_dict.get("best_model_score")
            self.best_model_score = _as_tensor(score) if score is not None else None
        else:
            rank_zero_warn(f"The dirpath has changed from {state_dict.get('dirpath')!r} to {self.dirpath!r}, therefore "
                           "`best_model_score`, `kth_best_model_path`, `kth_value`, `last_model_path` and "
                           "`best_k_models` won't be reloaded. Only `best_model_path` will be reloaded.")
            self.best_model_path = state_dict.get("best_model_path", "")

    # -- logic
    def _skip(self, trainer: Trainer) -> bool:
        return (bool(trainer.fast_dev_run) or trainer.sanity_checking or not trainer.training
                or self._last_global_step_saved == trainer.global_step)

    def _should_save_on_train_epoch_end(self, trainer: Trainer) -> bool:
        if self._save_on_train_epoch_end is not None:
            return self._save_on_train_epoch_end
        if trainer.check_val_every_n_epoch != 1:
            return False
        if sum(trainer.num_val_batches) == 0:
            return True
        return trainer.val_check_interval == 1.0

    def _save_on_epoch(self, trainer: Trainer) -> None:
        if self._every_n_epochs >= 1 and (trainer.current_epoch + 1) % self._every_n_epochs == 0:
            self._save_topk_and_last(trainer)

    def _monitor_candidates(self, trainer: Trainer) -> dict[str, Any]:
        candidates: dict[str, Any] = {k: float(v.item()) for k, v in trainer.callback_metrics.items()}
        candidates["epoch"] = int(candidates["epoch"]) if "epoch" in candidates else trainer.current_epoch
        candidates["step"] = int(candidates["step"]) if "step" in candidates else trainer.global_step
        return candidates

    def _save_topk_and_last(self, trainer: Trainer) -> None:
        candidates = self._monitor_candidates(trainer)
        saved = self._save_topk(trainer, candidates)
        if self.save_last and saved:
            self._save_last(trainer, candidates)

    def _save_topk(self, trainer: Trainer, candidates: dict[str, Any]) -> bool:
        if self.save_top_k == 0:
            return True  # nothing to rank, but `last.ckpt` still follows
        if self.monitor is None:
            path = self._unique_path(self.format_checkpoint_name(candidates), trainer)
            previous = self.best_model_path
            self._save(trainer, path)
            if self.save_top_k == 1 and previous and previous != path:
                self._remove(trainer, previous)
            self.best_model_path = path
            return True
        if self.monitor not in candidates:
            error = _missing_monitor(f"`ModelCheckpoint(monitor={self.monitor!r})`", self.monitor, trainer,
                                     f"HINT: Did you call `log({self.monitor!r}, value)` in the `LightningModule`?")
            if trainer._val_has_run:
                raise error
            rank_zero_warn(str(error))
            return False
        current = candidates[self.monitor]
        self.current_score = _as_tensor(current)
        if math.isnan(current):
            current = math.inf if self.mode == "min" else -math.inf
        if not self._improves(current):
            if self.verbose:
                rank_zero_info(f"Epoch {trainer.current_epoch:d}, global step {trainer.global_step:d}: {self.monitor!r} "
                               f"was not in top {self.save_top_k}")
            return False
        path = self._unique_path(self.format_checkpoint_name(candidates), trainer)
        removed = None
        if len(self.best_k_models) == self.save_top_k and self.save_top_k > 0:
            removed = self.kth_best_model_path
            self.best_k_models.pop(removed, None)
        self.best_k_models[path] = current
        if len(self.best_k_models) == self.save_top_k or self.save_top_k == -1:
            pick = max if self.mode == "min" else min
            self.kth_best_model_path = pick(self.best_k_models, key=self.best_k_models.__getitem__)
            self.kth_value = self.best_k_models[self.kth_best_model_path]
        best = min if self.mode == "min" else max
        self.best_model_path = best(self.best_k_models, key=self.best_k_models.__getitem__)
        self.best_model_score = _as_tensor(self.best_k_models[self.best_model_path])
        if self.verbose:
            rank_zero_info(f"Epoch {trainer.current_epoch:d}, global step {trainer.global_step:d}: {self.monitor!r} "
                           f"reached {current:.5f} (best {float(self.best_model_score.item()):.5f}), saving model to "
                           f"{path!r} as top {self.save_top_k}")
        self._save(trainer, path)
        if removed and removed != path:
            self._remove(trainer, removed)
        return True

    def _improves(self, current: float) -> bool:
        if self.save_top_k == -1 or len(self.best_k_models) < self.save_top_k:
            return True
        return current < self.kth_value if self.mode == "min" else current > self.kth_value

    def _save_last(self, trainer: Trainer, candidates: dict[str, Any]) -> None:
        name = self.format_checkpoint_name(candidates, self.CHECKPOINT_NAME_LAST)
        previous = self.last_model_path
        self.last_model_path = name
        self._save(trainer, name)
        if previous and previous != name and previous not in self.best_k_models and previous != self.best_model_path:
            self._remove(trainer, previous)

    def _save(self, trainer: Trainer, path: str) -> None:
        self._last_global_step_saved = trainer.global_step
        trainer.save_checkpoint(path, weights_only=self.save_weights_only)

    def _remove(self, trainer: Trainer, path: str) -> None:
        if trainer.is_global_zero and os.path.isfile(path):
            os.remove(path)

    def _unique_path(self, path: str, trainer: Trainer) -> str:
        if not self._enable_version_counter:
            return path
        version = self.STARTING_VERSION
        stem = path[: -len(self.FILE_EXTENSION)]
        current = path
        while os.path.exists(current) and current not in self.best_k_models and current != self.best_model_path:
            current = f"{stem}{self.CHECKPOINT_JOIN_CHAR}v{version}{self.FILE_EXTENSION}"
            version += 1
        return current

    def format_checkpoint_name(self, metrics: dict[str, Any], filename: str | None = None, ver: int | None = None,
                               prefix: str | None = None) -> str:
        """The checkpoint path for ``metrics`` (a dict of numbers or one-element tensors): the template's
        ``{name}`` / ``{name:fmt}`` fields filled (a missing name counts as 0), ``-v<ver>`` and the
        ``.ckpt`` extension appended, inside ``dirpath``.

        Example: ``filename="{epoch}-{val_loss:.2f}"`` with ``dict(epoch=2, val_loss=0.123456)`` gives
        ``epoch=2-val_loss=0.12.ckpt``.
        """
        template = filename or self.filename or ("{epoch}" + self.CHECKPOINT_JOIN_CHAR + "{step}")
        values = {k: (float(v.item()) if hasattr(v, "item") and not isinstance(v, (int, float)) else v)
                  for k, v in metrics.items()}
        for k in ("epoch", "step"):
            if k in values and isinstance(values[k], float) and values[k].is_integer():
                values[k] = int(values[k])
        groups = sorted(re.findall(r"(\{.*?)[:\}]", template), key=len, reverse=True)
        for group in groups:
            name = group[1:]
            if self.auto_insert_metric_name:
                template = template.replace(group, name + self.CHECKPOINT_EQUALS_CHAR + "{" + name)
            template = template.replace(group, f"{{0[{name}]")
            values.setdefault(name, 0)
        name = template.format(values)
        if prefix is not None:
            name = self.CHECKPOINT_JOIN_CHAR.join([prefix, name])
        if ver is not None:
            name = self.CHECKPOINT_JOIN_CHAR.join([name, f"v{ver}"])
        name += self.FILE_EXTENSION
        return os.path.join(self.dirpath, name) if self.dirpath else name

    def to_yaml(self, filepath: str | os.PathLike[str] | None = None) -> None:
        """Write ``best_k_models`` (path: score) as YAML to ``filepath`` (default ``dirpath/best_k_models.yaml``)."""
        from arraygrad.lightning.loggers import write_yaml

        target = os.fspath(filepath) if filepath is not None else os.path.join(self.dirpath or ".", "best_k_models.yaml")
        write_yaml(target, dict(self.best_k_models))


def _as_tensor(value: Any) -> Any:
    import arraygrad as ag

    if hasattr(value, "item") and not isinstance(value, (int, float)):
        value = float(value.item())
    return ag.tensor(float(value), dtype=ag.float32)
