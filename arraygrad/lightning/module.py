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
        """Whether the module's parameters are on a CUDA device."""
        return bool(getattr(self.device, "type", "cpu") == "cuda")

    def print(self, *args: Any, **kwargs: Any) -> None:
        """``print`` on the process of rank 0 only."""
        if self._trainer is None or self._trainer.is_global_zero:
            print(*args, **kwargs)

    # ------------------------------------------------------------------ steps (override)
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the model's output; what ``self(x)`` runs (``predict_step`` calls it by default).

        Returns:
            Whatever the override returns; the base class raises instead.

        Raises:
            NotImplementedError: ``forward`` is not overridden.
        """
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" function")

    def training_step(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the loss of one training batch; the Trainer calls it as ``training_step(batch, batch_idx)``.

        ``batch`` is the batch from the training dataloader, moved to the model's device, and ``batch_idx``
        its index in the epoch. Log metrics with ``self.log``. Override it; the base class raises.

        Returns:
            The loss as a one-element Tensor that requires grad, a dict with a ``"loss"`` key holding it,
            or ``None`` to skip the optimizer step for this batch (automatic optimization).

        Raises:
            MisconfigurationException: ``training_step`` is not overridden.
        """
        raise MisconfigurationException("`training_step` must be implemented to be used with the Lightning Trainer")

    def validation_step(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate one validation batch; called as ``validation_step(batch, batch_idx)`` or, with several
        validation dataloaders, ``validation_step(batch, batch_idx, dataloader_idx)``.

        Log the metrics with ``self.log``. Without an override the Trainer skips validation.

        Returns:
            Anything (passed to ``on_validation_batch_end`` as ``outputs``); ``None`` by default.
        """

    def test_step(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate one test batch; called by ``Trainer.test`` as ``test_step(batch, batch_idx)`` or, with
        several test dataloaders, ``test_step(batch, batch_idx, dataloader_idx)``.

        Log the metrics with ``self.log``.

        Returns:
            Anything (passed to ``on_test_batch_end`` as ``outputs``); ``None`` by default.
        """

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """Predict on one batch; called by ``Trainer.predict`` for each batch of the predict dataloaders.

        Args:
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within its dataloader.
            dataloader_idx: the index of the dataloader (default 0).

        Returns:
            The prediction, collected by ``Trainer.predict``; by default ``self(batch)`` (the batch is
            passed whole, never unpacked as ``self(*batch)``).
        """
        return self(batch)

    def configure_optimizers(self) -> Any:
        """Build the optimizers and learning-rate schedulers; called once by ``Trainer.fit`` after ``setup``.

        Override it; the base class raises.

        Returns:
            An optimizer; a list or tuple of them; two lists ``(optimizers, schedulers)``; or a dict
            ``{"optimizer": ..., "lr_scheduler": scheduler or {"scheduler": ..., "interval": "epoch"|"step",
            "frequency": 1, "monitor": "val_loss"}, "monitor": ...}`` (or a list of such dicts).

        Raises:
            MisconfigurationException: ``configure_optimizers`` is not overridden.
        """
        raise MisconfigurationException(
            "`configure_optimizers` must be implemented to be used with the Lightning Trainer")

    def configure_callbacks(self) -> Any:
        """Give callbacks that the model adds to the trainer's; called once at the start of each run.

        Returns:
            A callback or a list of callbacks (an empty list by default).
        """
        return []

    def configure_gradient_clipping(self, optimizer: Any, gradient_clip_val: float | None = None,
                                    gradient_clip_algorithm: str | None = None) -> None:
        """Clip the gradients before each optimizer step; the Trainer calls it after ``on_before_optimizer_step``.

        By default it calls ``clip_gradients`` with the values given; override it to clip differently.

        Args:
            optimizer: the optimizer about to step.
            gradient_clip_val: the trainer's ``gradient_clip_val``; ``None`` or not positive means no
                clipping (default None).
            gradient_clip_algorithm: the trainer's ``gradient_clip_algorithm``, ``"norm"`` or ``"value"``
                (default None, meaning ``"norm"``).
        """
        self.clip_gradients(optimizer, gradient_clip_val=gradient_clip_val,
                            gradient_clip_algorithm=gradient_clip_algorithm)

    def clip_gradients(self, optimizer: Any, gradient_clip_val: float | None = None,
                       gradient_clip_algorithm: str | None = None) -> None:
        """Clip in place the gradients of ``optimizer``'s parameters, by total L2 norm or by value.

        Parameters without a gradient are skipped.

        Args:
            optimizer: the optimizer whose ``param_groups`` hold the parameters.
            gradient_clip_val: the largest allowed norm or absolute value; ``None`` or not positive does
                nothing (default None).
            gradient_clip_algorithm: ``"norm"`` (the L2 norm of all gradients together) or ``"value"``
                (each element clamped); ``None`` means ``"norm"`` (default None).

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
        """Give the training dataloader when neither ``fit`` nor a datamodule passes one; override it.

        Returns:
            A dataloader (or an iterable of batches).

        Raises:
            MisconfigurationException: not overridden.
        """
        raise MisconfigurationException("`train_dataloader` must be implemented to be used with the Lightning Trainer")

    def val_dataloader(self) -> Any:
        """Give the validation dataloader(s) when none is passed to the Trainer or a datamodule; override it.

        Returns:
            A dataloader or a list of dataloaders; an empty list (no validation data) by default.
        """
        return []

    def test_dataloader(self) -> Any:
        """Give the test dataloader(s) when none is passed to the Trainer or a datamodule; override it.

        Returns:
            A dataloader or a list of dataloaders; an empty list (no test data) by default.
        """
        return []

    def predict_dataloader(self) -> Any:
        """Give the prediction dataloader(s) when none is passed to the Trainer or a datamodule; override it.

        Returns:
            A dataloader or a list of dataloaders; an empty list (no prediction data) by default.
        """
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
            ValueError: ``value`` is a tensor with more than one element.
            TypeError: ``value`` is neither a tensor nor a number (a dict, for instance), or ``name`` is not a str.
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
        """Log each item of ``dictionary`` with ``self.log``, all with the same options.

        Args:
            dictionary: metric names mapped to one-element tensors or numbers.
            prog_bar: show them in the progress bar (default False).
            logger: send them to the loggers (default None, meaning True).
            on_step: record each batch's values (default None: True in training steps, False elsewhere).
            on_epoch: record the epoch's reduction (default None: False in training steps, True elsewhere).
            reduce_fx: the epoch reduction, ``"mean"``, ``"sum"``, ``"max"``, ``"min"`` or a callable
                (default ``"mean"``).
            enable_graph: accepted for compatibility; ignored (default False).
            sync_dist: accepted for compatibility; ignored (default False).
            sync_dist_group: accepted for compatibility; ignored (default None).
            add_dataloader_idx: with several dataloaders, append ``/dataloader_idx_<i>`` to the keys
                (default True).
            batch_size: the batch size for the mean (default None: inferred from the batch).
            rank_zero_only: accepted for compatibility; ignored (default False).

        Raises:
            MisconfigurationException: logging from a hook that cannot log (``predict_step``...).
        """
        for name, value in dictionary.items():
            self.log(name, value, prog_bar=prog_bar, logger=logger, on_step=on_step, on_epoch=on_epoch,
                     reduce_fx=reduce_fx, add_dataloader_idx=add_dataloader_idx, batch_size=batch_size)

    # ------------------------------------------------------------------ manual optimization
    def optimizers(self, use_pl_optimizer: bool = True) -> Any:
        """Return the optimizers from ``configure_optimizers``, for manual optimization.

        Args:
            use_pl_optimizer: accepted for compatibility; the optimizers are always returned as the
                trainer holds them (default True).

        Returns:
            The optimizer when there is one, else the list of optimizers.

        Raises:
            RuntimeError: the module is not attached to a trainer.
        """
        opts = self.trainer.optimizers
        return opts[0] if len(opts) == 1 else opts

    def lr_schedulers(self) -> Any:
        """Return the learning-rate schedulers from ``configure_optimizers``, for manual optimization.

        Returns:
            The scheduler when there is one, the list of schedulers when there are several, or ``None``.

        Raises:
            RuntimeError: the module is not attached to a trainer.
        """
        configs = self.trainer.lr_scheduler_configs
        if not configs:
            return None
        scheds = [c.scheduler for c in configs]
        return scheds[0] if len(scheds) == 1 else scheds

    def manual_backward(self, loss: Tensor, *args: Any, **kwargs: Any) -> None:
        """Run ``loss.backward(*args, **kwargs)`` between the ``on_before_backward`` and ``on_after_backward`` hooks.

        Use it instead of ``loss.backward()`` in ``training_step`` under manual optimization; extra
        arguments go to ``loss.backward``.

        Args:
            loss: the loss to differentiate.

        Raises:
            RuntimeError: the module is not attached to a trainer.
        """
        self.trainer._call_hooks("on_before_backward", loss)
        loss.backward(*args, **kwargs)
        self.trainer._call_hooks("on_after_backward")

    def backward(self, loss: Tensor, *args: Any, **kwargs: Any) -> None:
        """Run the backward pass of automatic optimization: ``loss.backward(*args, **kwargs)``.

        The Trainer calls it after ``on_before_backward``; override it to change how backward runs.

        Args:
            loss: the loss of ``training_step``, divided by ``accumulate_grad_batches`` when it is above 1.
        """
        loss.backward(*args, **kwargs)

    def optimizer_step(self, epoch: int, batch_idx: int, optimizer: Any, optimizer_closure: Callable[[], Any] | None = None
                       ) -> None:
        """Take an optimizer step: ``optimizer.step(closure=optimizer_closure)``.

        The closure runs ``training_step``, ``zero_grad``, backward, the ``on_before_optimizer_step`` hooks
        and gradient clipping. Override it (still calling ``optimizer.step(closure=optimizer_closure)``) to
        change how the step is taken, e.g. a learning-rate warm-up.

        Args:
            epoch: the current epoch.
            batch_idx: the index of the batch within the epoch.
            optimizer: the optimizer to step.
            optimizer_closure: the closure described above (default None).
        """
        optimizer.step(closure=optimizer_closure)

    def optimizer_zero_grad(self, epoch: int, batch_idx: int, optimizer: Any) -> None:
        """Clear the gradients with ``optimizer.zero_grad()``; override it to clear them differently.

        Args:
            epoch: the current epoch.
            batch_idx: the index of the batch within the epoch.
            optimizer: the optimizer whose gradients are cleared.
        """
        optimizer.zero_grad()

    def lr_scheduler_step(self, scheduler: Any, metric: Any) -> None:
        """Step a learning-rate scheduler at its interval: ``scheduler.step()``, or ``scheduler.step(metric)``.

        Args:
            scheduler: the scheduler to step.
            metric: the value of the scheduler's monitored metric, or ``None`` when it monitors none.
        """
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

        Args:
            checkpoint_path: the file ``Trainer.save_checkpoint`` or ``ModelCheckpoint`` wrote.
            map_location: where the tensors go, as ``arraygrad.load``'s.
            hparams_file: accepted for Lightning's signature; the hyperparameters come from the
                checkpoint itself.
            strict: whether every state-dict key must match (default True).
            weights_only: as ``arraygrad.load``'s.
            **kwargs: hyperparameters that replace the checkpoint's.

        Returns:
            The module, in eval mode.

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
        """Called with the checkpoint dict before it is written; add or change its entries in place.

        Args:
            checkpoint: the dict about to be saved (``state_dict``, ``hyper_parameters``...).
        """

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Called with a loaded checkpoint dict before its weights are restored; read or change it in place.

        Args:
            checkpoint: the loaded checkpoint dict.
        """

    # ------------------------------------------------------------------ hooks (no-ops by default)
    def setup(self, stage: str) -> None:
        """Called at the start of fit / validate / test / predict, after ``prepare_data``; build layers here.

        Args:
            stage: ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """

    def teardown(self, stage: str) -> None:
        """Called at the end of fit / validate / test / predict.

        Args:
            stage: ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """

    def prepare_data(self) -> None:
        """Download or write data (called once, before ``setup``)."""

    def on_fit_start(self) -> None:
        """Called by ``Trainer.fit`` at the very start, after ``setup`` and before the sanity check."""

    def on_fit_end(self) -> None:
        """Called by ``Trainer.fit`` at the very end, after ``on_train_end`` and before ``teardown``."""

    def on_train_start(self) -> None:
        """Called by ``Trainer.fit`` after the sanity check, before the first training epoch."""

    def on_train_end(self) -> None:
        """Called by ``Trainer.fit`` after the last training epoch."""

    def on_validation_start(self) -> None:
        """Called at the start of a validation loop (in ``fit`` or ``Trainer.validate``)."""

    def on_validation_end(self) -> None:
        """Called at the end of a validation loop (in ``fit`` or ``Trainer.validate``)."""

    def on_test_start(self) -> None:
        """Called by ``Trainer.test`` at the start of the test loop."""

    def on_test_end(self) -> None:
        """Called by ``Trainer.test`` at the end of the test loop."""

    def on_predict_start(self) -> None:
        """Called by ``Trainer.predict`` at the start of the prediction loop."""

    def on_predict_end(self) -> None:
        """Called by ``Trainer.predict`` at the end of the prediction loop."""

    def on_train_epoch_start(self) -> None:
        """Called at the start of each training epoch, before its first batch."""

    def on_train_epoch_end(self) -> None:
        """Called at the end of each training epoch, after its last batch (``self.log`` works here)."""

    def on_validation_epoch_start(self) -> None:
        """Called at the start of each validation epoch, before its first batch."""

    def on_validation_epoch_end(self) -> None:
        """Called at the end of each validation epoch, after its last batch (``self.log`` works here)."""

    def on_test_epoch_start(self) -> None:
        """Called at the start of the test epoch, before its first batch."""

    def on_test_epoch_end(self) -> None:
        """Called at the end of the test epoch, after its last batch (``self.log`` works here)."""

    def on_predict_epoch_start(self) -> None:
        """Called at the start of the prediction epoch, before its first batch."""

    def on_predict_epoch_end(self) -> None:
        """Called at the end of the prediction epoch, after its last batch."""

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> Any:
        """Called before ``training_step`` for each training batch.

        Args:
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.

        Returns:
            ``-1`` to skip this batch and the rest of the epoch; anything else (``None``) to go on.
        """
        return None

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        """Called after each training batch (step, backward and optimizer step done).

        Args:
            outputs: what the step returned for this batch.
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
        """

    def on_validation_batch_start(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called before ``validation_step`` for each validation batch.

        Args:
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_validation_batch_end(self, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called after ``validation_step`` for each validation batch.

        Args:
            outputs: what the step returned for this batch.
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_test_batch_start(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called before ``test_step`` for each test batch.

        Args:
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_test_batch_end(self, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called after ``test_step`` for each test batch.

        Args:
            outputs: what the step returned for this batch.
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_predict_batch_start(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called before ``predict_step`` for each prediction batch.

        Args:
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_predict_batch_end(self, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called after ``predict_step`` for each prediction batch.

        Args:
            outputs: what the step returned for this batch.
            batch: the batch, as the dataloader yielded it (moved to the model's device).
            batch_idx: the index of the batch within the epoch.
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_before_backward(self, loss: Tensor) -> None:
        """Called just before the backward pass of each training step.

        Args:
            loss: the loss backward runs on (already divided by ``accumulate_grad_batches`` when it is above 1).
        """

    def on_after_backward(self) -> None:
        """Called after the backward pass, when the gradients are set and before clipping and the step."""

    def on_before_optimizer_step(self, optimizer: Any) -> None:
        """Called before each optimizer step, after backward and before gradient clipping.

        Args:
            optimizer: the optimizer about to step.
        """

    def on_before_zero_grad(self, optimizer: Any) -> None:
        """Called before ``optimizer_zero_grad`` clears the gradients.

        Args:
            optimizer: the optimizer whose gradients are cleared.
        """


    def on_validation_model_eval(self) -> None:
        """Put the model in eval mode before validation."""
        self.eval()

    def on_validation_model_train(self) -> None:
        """Put the model back in training mode after validation."""
        self.train()

    def on_test_model_eval(self) -> None:
        """Put the model in eval mode before the test loop."""
        self.eval()

    def on_test_model_train(self) -> None:
        """Put the model back in training mode after the test loop."""
        self.train()

    def on_predict_model_eval(self) -> None:
        """Put the model in eval mode before the prediction loop."""
        self.eval()
