"""``LightningModule``: an ``nn.Module`` that also says how it trains (``training_step``,
``configure_optimizers``), validates, tests and predicts, and logs with ``self.log``."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from arraygrad.core.tensor import Tensor
from arraygrad.lightning.hparams import HyperparametersMixin
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_warn
from arraygrad.nn.modules.module import Module

if TYPE_CHECKING:
    from arraygrad.lightning.loggers import Logger
    from arraygrad.lightning.trainer import Trainer

__all__ = ["LightningModule"]

#: hooks a LightningModule may define; the Trainer calls those that exist
HOOKS = (
    "setup", "teardown", "prepare_data", "configure_callbacks", "on_fit_start", "on_fit_end", "on_train_start",
    "on_train_end", "on_validation_start", "on_validation_end", "on_test_start", "on_test_end", "on_predict_start",
    "on_predict_end", "on_train_epoch_start", "on_train_epoch_end", "on_validation_epoch_start",
    "on_validation_epoch_end", "on_test_epoch_start", "on_test_epoch_end", "on_predict_epoch_start",
    "on_predict_epoch_end", "on_train_batch_start", "on_train_batch_end", "on_validation_batch_start",
    "on_validation_batch_end", "on_test_batch_start", "on_test_batch_end", "on_predict_batch_start",
    "on_predict_batch_end", "on_before_backward", "on_after_backward", "on_before_optimizer_step",
    "on_before_zero_grad", "on_save_checkpoint", "on_load_checkpoint", "on_validation_model_eval",
    "on_validation_model_train", "on_test_model_eval", "on_test_model_train", "on_predict_model_eval",
)


class LightningModule(HyperparametersMixin, Module):
    """An ``nn.Module`` organised for ``Trainer``: define ``training_step`` and ``configure_optimizers``
    (plus ``validation_step``, ``test_step``, ``predict_step`` and any hook) and call
    ``Trainer(...).fit(model, ...)``.

    Inside the steps and hooks, ``self.log(name, value)`` records metrics, ``self.current_epoch`` and
    ``self.global_step`` give the trainer's counters and ``self.trainer`` the trainer itself.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_trainer", None)
        object.__setattr__(self, "_automatic_optimization", True)
        object.__setattr__(self, "example_input_array", None)

    # ------------------------------------------------------------------ trainer's view
    @property
    def trainer(self) -> Trainer:
        """The ``Trainer`` this module is attached to.

        Raises:
            RuntimeError: the module is not attached to a trainer.
        """
        if self._trainer is None:
            raise RuntimeError(f"{type(self).__name__} is not attached to a `Trainer`.")
        return self._trainer

    @trainer.setter
    def trainer(self, trainer: Trainer | None) -> None:
        object.__setattr__(self, "_trainer", trainer)

    @property
    def current_epoch(self) -> int:
        """The trainer's current epoch (0 without a trainer)."""
        return self._trainer.current_epoch if self._trainer is not None else 0

    @property
    def global_step(self) -> int:
        """The number of optimizer steps taken so far (0 without a trainer)."""
        return self._trainer.global_step if self._trainer is not None else 0

    @property
    def logger(self) -> Logger | None:
        """The trainer's first logger, or ``None``."""
        return self._trainer.logger if self._trainer is not None else None

    @property
    def loggers(self) -> list[Logger]:
        """All of the trainer's loggers."""
        return self._trainer.loggers if self._trainer is not None else []

    @property
    def device(self) -> Any:
        """The device of the module's first parameter (``cpu`` when it has none)."""
        import arraygrad as ag

        for p in self.parameters():
            return p.device
        return ag.device("cpu")

    @property
    def automatic_optimization(self) -> bool:
        """If ``False``, ``training_step`` runs the optimizers itself (``self.optimizers()``,
        ``self.manual_backward(loss)``, ``opt.step()``)."""
        return self._automatic_optimization

    @automatic_optimization.setter
    def automatic_optimization(self, value: bool) -> None:
        object.__setattr__(self, "_automatic_optimization", bool(value))

    @property
    def on_gpu(self) -> bool:
        return bool(getattr(self.device, "type", "cpu") == "cuda")

    def print(self, *args: Any, **kwargs: Any) -> None:
        """``print`` on the process of rank 0 only."""
        if self._trainer is None or self._trainer.is_global_zero:
            print(*args, **kwargs)

    # ------------------------------------------------------------------ steps (override)
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What ``self(x)`` does; override it (``predict_step`` calls it by default)."""
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" function")

    def training_step(self, *args: Any, **kwargs: Any) -> Any:
        """One training batch: returns the loss (a tensor), a dict with a ``"loss"`` key, or ``None``
        to skip the batch."""
        raise MisconfigurationException("`training_step` must be implemented to be used with the Lightning Trainer")

    def validation_step(self, *args: Any, **kwargs: Any) -> Any:
        """One validation batch (``self.log`` its metrics). Without an override there is no validation."""

    def test_step(self, *args: Any, **kwargs: Any) -> Any:
        """One test batch (``self.log`` its metrics)."""

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """One prediction batch; by default ``self(batch)`` (``self(*batch)`` is not tried)."""
        return self(batch)

    def configure_optimizers(self) -> Any:
        """Return an optimizer; a list or tuple of them; two lists ``(optimizers, schedulers)``; or a
        dict ``{"optimizer": ..., "lr_scheduler": scheduler or {"scheduler": ..., "interval":
        "epoch"|"step", "frequency": 1, "monitor": "val_loss"}, "monitor": ...}`` (or a list of such)."""
        raise MisconfigurationException(
            "`configure_optimizers` must be implemented to be used with the Lightning Trainer")

    def configure_callbacks(self) -> Any:
        """Callbacks the model adds to the trainer's (an empty list by default)."""
        return []

    def configure_gradient_clipping(self, optimizer: Any, gradient_clip_val: float | None = None,
                                    gradient_clip_algorithm: str | None = None) -> None:
        """Clip the gradients before ``optimizer.step()``; by default with the trainer's settings."""
        self.clip_gradients(optimizer, gradient_clip_val=gradient_clip_val,
                            gradient_clip_algorithm=gradient_clip_algorithm)

    def clip_gradients(self, optimizer: Any, gradient_clip_val: float | None = None,
                       gradient_clip_algorithm: str | None = None) -> None:
        """Clip the gradients of ``optimizer``'s parameters by norm (``"norm"``, the default, L2 over
        all of them) or by value (``"value"``).

        Raises:
            MisconfigurationException: an unknown algorithm.
        """
        if gradient_clip_val is None or gradient_clip_val <= 0:
            return
        from arraygrad.nn.utils import clip_grad_norm_, clip_grad_value_

        algorithm = gradient_clip_algorithm or "norm"
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        if algorithm == "norm":
            clip_grad_norm_(params, float(gradient_clip_val))
        elif algorithm == "value":
            clip_grad_value_(params, float(gradient_clip_val))
        else:
            raise MisconfigurationException(
                f"`gradient_clip_algorithm` {algorithm!r} is invalid. Allowed algorithms: ['value', 'norm'].")

    # dataloader hooks a module may define instead of a datamodule
    def train_dataloader(self) -> Any:
        raise MisconfigurationException("`train_dataloader` must be implemented to be used with the Lightning Trainer")

    def val_dataloader(self) -> Any:
        return []

    def test_dataloader(self) -> Any:
        return []

    def predict_dataloader(self) -> Any:
        return []

    # ------------------------------------------------------------------ logging
    def log(self, name: str, value: Any, prog_bar: bool = False, logger: bool | None = None, on_step: bool | None = None,
            on_epoch: bool | None = None, reduce_fx: str | Callable[..., Any] = "mean", enable_graph: bool = False,
            sync_dist: bool = False, sync_dist_group: Any = None, add_dataloader_idx: bool = True,
            batch_size: int | None = None, metric_attribute: str | None = None, rank_zero_only: bool = False) -> None:
        """Record a metric, as Lightning's ``self.log``.

        Args:
            name: the key (``"train_loss"``).
            value: a one-element tensor or a number.
            prog_bar: show it in the progress bar.
            logger: send it to the loggers (default True).
            on_step: record the value of each batch (default: True in ``training_step`` and the training
                batch hooks, False elsewhere).
            on_epoch: record the epoch's reduction (default: False in ``training_step`` and the training
                batch hooks, True elsewhere). With both, the keys are ``<name>_step`` and ``<name>_epoch``.
            reduce_fx: the epoch reduction: ``"mean"`` (weighted by batch size), ``"sum"``, ``"max"``,
                ``"min"`` or a callable.
            enable_graph: accepted for
                compatibility (values are always detached; with several processes each logs its own).
            sync_dist: accepted for
                compatibility (values are always detached; with several processes each logs its own).
            sync_dist_group: accepted for
                compatibility (values are always detached; with several processes each logs its own).
            metric_attribute: accepted for
                compatibility (values are always detached; with several processes each logs its own).
            rank_zero_only: accepted for
                compatibility (values are always detached; with several processes each logs its own).
            add_dataloader_idx: with several dataloaders, append ``/dataloader_idx_<i>`` to the key.
            batch_size: the batch size for the mean (default: inferred from the batch).

        Raises:
            MisconfigurationException: logging from a hook that cannot log (``predict_step``...).
            ValueError, TypeError: ``value`` is not a one-element tensor or a number.
        """
        if self._trainer is None:
            rank_zero_warn("You are trying to `self.log()` but the `self.trainer` reference is not registered on the "
                           "model yet. This is most likely because the model hasn't been passed to the `Trainer`")
            return
        self._trainer._log(name, value, prog_bar=prog_bar, logger=True if logger is None else logger, on_step=on_step,
                           on_epoch=on_epoch, reduce_fx=reduce_fx, add_dataloader_idx=add_dataloader_idx,
                           batch_size=batch_size)

    def log_dict(self, dictionary: Mapping[str, Any], prog_bar: bool = False, logger: bool | None = None,
                 on_step: bool | None = None, on_epoch: bool | None = None, reduce_fx: str | Callable[..., Any] = "mean",
                 enable_graph: bool = False, sync_dist: bool = False, sync_dist_group: Any = None,
                 add_dataloader_idx: bool = True, batch_size: int | None = None, rank_zero_only: bool = False) -> None:
        """``self.log`` each item of ``dictionary`` with the same options."""
        for name, value in dictionary.items():
            self.log(name, value, prog_bar=prog_bar, logger=logger, on_step=on_step, on_epoch=on_epoch,
                     reduce_fx=reduce_fx, add_dataloader_idx=add_dataloader_idx, batch_size=batch_size)

    # ------------------------------------------------------------------ manual optimization
    def optimizers(self, use_pl_optimizer: bool = True) -> Any:
        """The optimizer (or the list of optimizers) from ``configure_optimizers``."""
        opts = self.trainer.optimizers
        return opts[0] if len(opts) == 1 else opts

    def lr_schedulers(self) -> Any:
        """The scheduler (or the list of schedulers), or ``None``."""
        configs = self.trainer.lr_scheduler_configs
        if not configs:
            return None
        scheds = [c.scheduler for c in configs]
        return scheds[0] if len(scheds) == 1 else scheds

    def manual_backward(self, loss: Tensor, *args: Any, **kwargs: Any) -> None:
        """``loss.backward(*args, **kwargs)`` with the backward hooks (manual optimization)."""
        self.trainer._call_hooks("on_before_backward", loss)
        loss.backward(*args, **kwargs)
        self.trainer._call_hooks("on_after_backward")

    def backward(self, loss: Tensor, *args: Any, **kwargs: Any) -> None:
        """How the trainer runs backward on the (normalised) loss: ``loss.backward()``."""
        loss.backward(*args, **kwargs)

    def optimizer_step(self, epoch: int, batch_idx: int, optimizer: Any, optimizer_closure: Callable[[], Any] | None = None
                       ) -> None:
        """``optimizer.step(closure=optimizer_closure)``: the closure runs ``training_step``, ``zero_grad``,
        backward, the ``on_before_optimizer_step`` hooks and gradient clipping. Override it (calling
        ``optimizer.step(closure=optimizer_closure)``) to change how the step is taken, e.g. a warm-up."""
        optimizer.step(closure=optimizer_closure)

    def optimizer_zero_grad(self, epoch: int, batch_idx: int, optimizer: Any) -> None:
        """``optimizer.zero_grad()``; override to change how gradients are cleared."""
        optimizer.zero_grad()

    def lr_scheduler_step(self, scheduler: Any, metric: Any) -> None:
        """``scheduler.step()`` (``scheduler.step(metric)`` when it monitors a metric)."""
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)

    # ------------------------------------------------------------------ checkpoints
    @classmethod
    def load_from_checkpoint(cls, checkpoint_path: str | os.PathLike[str], map_location: Any = None,
                             hparams_file: Any = None, strict: bool | None = None, weights_only: bool | None = None,
                             **kwargs: Any) -> Any:
        """A new module built from the checkpoint's hyperparameters (overridden by ``kwargs``) with its
        weights loaded.

        Raises:
            FileNotFoundError: no file at ``checkpoint_path``.
            TypeError: the hyperparameters do not fit ``__init__``.
        """
        from arraygrad.lightning.checkpoint import load_checkpoint

        checkpoint = load_checkpoint(checkpoint_path, map_location=map_location, weights_only=weights_only)
        hparams = dict(checkpoint.get("hyper_parameters") or {})
        hparams.update(kwargs)
        params = inspect.signature(cls.__init__).parameters
        takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        init = hparams if takes_kwargs else {k: v for k, v in hparams.items() if k in params}
        model = cls(**init)
        model.on_load_checkpoint(checkpoint)
        model.load_state_dict(checkpoint["state_dict"], strict=True if strict is None else strict)
        model.eval()
        return model

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Called with the checkpoint dict before it is written; add or change entries."""

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Called with a loaded checkpoint dict before its weights are restored."""

    # ------------------------------------------------------------------ hooks (no-ops by default)
    def setup(self, stage: str) -> None:
        """Called at the start of fit / validate / test / predict (``stage`` says which)."""

    def teardown(self, stage: str) -> None:
        """Called at the end of fit / validate / test / predict."""

    def prepare_data(self) -> None:
        """Download or write data (called once, before ``setup``)."""

    def on_fit_start(self) -> None: ...
    def on_fit_end(self) -> None: ...
    def on_train_start(self) -> None: ...
    def on_train_end(self) -> None: ...
    def on_validation_start(self) -> None: ...
    def on_validation_end(self) -> None: ...
    def on_test_start(self) -> None: ...
    def on_test_end(self) -> None: ...
    def on_predict_start(self) -> None: ...
    def on_predict_end(self) -> None: ...
    def on_train_epoch_start(self) -> None: ...
    def on_train_epoch_end(self) -> None: ...
    def on_validation_epoch_start(self) -> None: ...
    def on_validation_epoch_end(self) -> None: ...
    def on_test_epoch_start(self) -> None: ...
    def on_test_epoch_end(self) -> None: ...
    def on_predict_epoch_start(self) -> None: ...
    def on_predict_epoch_end(self) -> None: ...
    def on_train_batch_start(self, batch: Any, batch_idx: int) -> Any: ...
    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None: ...
    def on_validation_batch_start(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None: ...
    def on_validation_batch_end(self, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None: ...
    def on_test_batch_start(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None: ...
    def on_test_batch_end(self, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None: ...
    def on_predict_batch_start(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None: ...
    def on_predict_batch_end(self, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None: ...
    def on_before_backward(self, loss: Tensor) -> None: ...
    def on_after_backward(self) -> None: ...
    def on_before_optimizer_step(self, optimizer: Any) -> None: ...
    def on_before_zero_grad(self, optimizer: Any) -> None: ...

    def on_validation_model_eval(self) -> None:
        """Put the model in eval mode before validation."""
        self.eval()

    def on_validation_model_train(self) -> None:
        """Put the model back in training mode after validation."""
        self.train()

    def on_test_model_eval(self) -> None:
        self.eval()

    def on_test_model_train(self) -> None:
        self.train()

    def on_predict_model_eval(self) -> None:
        self.eval()
