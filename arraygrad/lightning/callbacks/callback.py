"""``Callback``: the base class whose ``on_*`` methods the trainer calls at each hook, and the
``state_dict`` / ``load_state_dict`` pair that puts a callback's state in checkpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arraygrad.lightning.module import LightningModule
    from arraygrad.lightning.trainer import Trainer

__all__ = ["Callback"]


class Callback:
    """Code run at the trainer's hooks: override any ``on_*`` method (each gets the trainer and the
    module first). ``state_dict`` / ``load_state_dict`` put the callback's state in checkpoints under
    ``state_key``."""

    @property
    def state_key(self) -> str:
        """The checkpoint key of this callback's state (its class name, plus its settings where several
        instances may coexist)."""
        return type(self).__qualname__

    def _generate_state_key(self, **kwargs: Any) -> str:
        return f"{type(self).__qualname__}{repr(kwargs)}"

    def state_dict(self) -> dict[str, Any]:
        """Return the callback's state, saved in checkpoints under ``state_key``; override it.

        Returns:
            A dict of the state to save (empty by default).
        """
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the callback's state from a checkpoint; override it (does nothing by default).

        Args:
            state_dict: the dict that ``state_dict`` returned when the checkpoint was saved.
        """

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        """Called at the start of fit / validate / test / predict, after the module's ``prepare_data``.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            stage: ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """

    def teardown(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        """Called at the end of fit / validate / test / predict.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            stage: ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """

    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of ``Trainer.fit``, after ``setup``.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_fit_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of ``Trainer.fit``.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_sanity_check_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called before the sanity-check validation run at the start of ``fit``.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_sanity_check_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called after the sanity-check validation run at the start of ``fit``.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called before the first training epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called after the last training epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of each training epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of each training epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_train_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int) -> None:
        """Called before ``training_step`` for each training batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
        """

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        """Called after each training batch (step, backward and optimizer step done).

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            outputs: what the step returned for this batch.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
        """

    def on_validation_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of a validation loop.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of a validation loop.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_validation_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of each validation epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of each validation epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_validation_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int,
                                  dataloader_idx: int = 0) -> None:
        """Called before ``validation_step`` for each validation batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_validation_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                                batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called after ``validation_step`` for each validation batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            outputs: what the step returned for this batch.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_test_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of the test loop.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of the test loop.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_test_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of the test epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_test_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of the test epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_test_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int,
                            dataloader_idx: int = 0) -> None:
        """Called before ``test_step`` for each test batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_test_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any, batch_idx: int,
                          dataloader_idx: int = 0) -> None:
        """Called after ``test_step`` for each test batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            outputs: what the step returned for this batch.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_predict_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of the prediction loop.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_predict_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of the prediction loop.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_predict_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the start of the prediction epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_predict_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called at the end of the prediction epoch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_predict_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int,
                               dataloader_idx: int = 0) -> None:
        """Called before ``predict_step`` for each prediction batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_predict_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                             batch_idx: int, dataloader_idx: int = 0) -> None:
        """Called after ``predict_step`` for each prediction batch.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            outputs: what the step returned for this batch.
            batch: the batch, moved to the model's device.
            batch_idx: the index of the batch within the epoch (or its dataloader).
            dataloader_idx: the index of the dataloader the batch comes from (default 0).
        """

    def on_before_backward(self, trainer: Trainer, pl_module: LightningModule, loss: Any) -> None:
        """Called just before the backward pass of each training step.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            loss: the loss backward runs on (divided by ``accumulate_grad_batches`` when it is above 1).
        """

    def on_after_backward(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Called after the backward pass, before gradient clipping and the optimizer step.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
        """

    def on_before_optimizer_step(self, trainer: Trainer, pl_module: LightningModule, optimizer: Any) -> None:
        """Called before each optimizer step, after backward and before gradient clipping.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            optimizer: the optimizer concerned.
        """

    def on_before_zero_grad(self, trainer: Trainer, pl_module: LightningModule, optimizer: Any) -> None:
        """Called before the optimizer's gradients are cleared.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            optimizer: the optimizer concerned.
        """

    def on_save_checkpoint(self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]) -> None:
        """Called with the checkpoint dict before it is written; add or change entries.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            checkpoint: the checkpoint dict; change it in place.
        """

    def on_load_checkpoint(self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]) -> None:
        """Called with a loaded checkpoint dict when training resumes from it.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            checkpoint: the checkpoint dict; change it in place.
        """

    def on_exception(self, trainer: Trainer, pl_module: LightningModule, exception: BaseException) -> None:
        """Called when fit / validate / test / predict raises, before the exception propagates.

        Args:
            trainer: the running ``Trainer``.
            pl_module: the ``LightningModule`` being run.
            exception: the exception raised.
        """
