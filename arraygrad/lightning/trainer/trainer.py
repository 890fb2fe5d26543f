"""The ``Trainer`` class: its arguments, public properties and entry points (``fit``, ``validate``,
``test``, ``predict``, ``save_checkpoint``); the loops and connectors it is built from are mixins
in the sibling modules."""

from __future__ import annotations

import math
import os
from typing import Any

import arraygrad as ag
from arraygrad.core.tensor import Tensor
from arraygrad.lightning import checkpoint as ckpt_io
from arraygrad.lightning.callbacks import Callback, EarlyStopping, ModelCheckpoint
from arraygrad.lightning.datamodule import LightningDataModule
from arraygrad.lightning.loggers import CSVLogger, Logger
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.optimizers import LRSchedulerConfig
from arraygrad.lightning.progress import ProgressBar, TQDMProgressBar
from arraygrad.lightning.results import ResultCollection
from arraygrad.lightning.trainer._utils import _overridden, _resolve_backend, _world_size_from_env
from arraygrad.lightning.trainer.call import _StageRunner
from arraygrad.lightning.trainer.checkpoint_connector import _CheckpointConnector
from arraygrad.lightning.trainer.data_connector import _DataConnector
from arraygrad.lightning.trainer.evaluation_loop import _EvaluationLoop
from arraygrad.lightning.trainer.fit_loop import _FitLoop
from arraygrad.lightning.trainer.logger_connector import _LoggerConnector
from arraygrad.lightning.trainer.optimization import _Optimization
from arraygrad.lightning.trainer.prediction_loop import _PredictionLoop
from arraygrad.lightning.trainer.states import TrainerState
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_info

__all__ = ["Trainer"]


class Trainer(_StageRunner, _LoggerConnector, _DataConnector, _FitLoop, _Optimization, _EvaluationLoop, _PredictionLoop,
              _CheckpointConnector):
    """Fits, validates, tests and runs predictions with a ``LightningModule``.

    The arguments are keyword-only, with Lightning's names and defaults.

    Args:
        accelerator: ``"auto"`` (the default backend), ``"cpu"``, ``"gpu"``/``"cuda"``, or a backend name
            (``"numpy"``, ``"jax"``, ``"strict"``, ``"cupy"``): the model and every batch are moved there.
        strategy: ``"auto"`` or ``"ddp"`` (``arraygrad.distributed`` when launched with several processes:
            ``mpiexec -n N python train.py``; one process otherwise).
        devices: ``"auto"``, 1, or (with ``"ddp"``) the number of processes launched.
        num_nodes: accepted for compatibility (processes come from the launcher) (default 1).
        precision: ``None``, ``"32-true"``/``32``, or ``"64-true"``/``64`` (the model is made float64).
        logger: ``True``/``None`` (a ``CSVLogger`` in ``default_root_dir``), ``False``, a logger or a list of them.
        callbacks: a callback or a list of them.
        fast_dev_run: ``True`` (1 batch) or N: run N batches of each loop once, without logging or checkpoints.
        max_epochs: the most epochs to train (default None: 1000 unless ``max_steps`` or ``max_time`` is set;
            -1: no limit).
        min_epochs: keep training until this many epochs are done even if stopping is requested (default None).
        max_steps: stop after this many optimizer steps (default -1: no limit).
        min_steps: keep training until this many optimizer steps are done even if stopping is requested
            (default None).
        max_time: accepted for compatibility (not enforced) (default None).
        limit_train_batches: training batches per epoch, an int (batches) or a float (fraction of the
            dataloader) (default None, meaning 1.0).
        limit_val_batches: validation batches per dataloader, an int or a float fraction (default None,
            meaning 1.0).
        limit_test_batches: test batches per dataloader, an int or a float fraction (default None, meaning 1.0).
        limit_predict_batches: prediction batches per dataloader, an int or a float fraction (default None,
            meaning 1.0).
        overfit_batches: when non-zero, sets both ``limit_train_batches`` and ``limit_val_batches`` to this
            value (default 0.0).
        val_check_interval: validate every N training batches (int) or this fraction of an epoch (float).
        check_val_every_n_epoch: validate after every N-th epoch (``None``: by ``val_check_interval`` only).
        num_sanity_val_steps: validation batches run before training (default 2; -1: all).
        log_every_n_steps: send step metrics to the loggers every N steps (default 50).
        enable_checkpointing: add a ``ModelCheckpoint`` when none is given (default True).
        enable_progress_bar: add a ``TQDMProgressBar`` when none is given (default True).
        enable_model_summary: log the model summary at fit start (default True).
        accumulate_grad_batches: step the optimizer every N batches, on the sum of their losses / N
            (default 1).
        gradient_clip_val: clip the gradients to this norm or value before each optimizer step (default
            None: no clipping).
        gradient_clip_algorithm: ``"norm"`` or ``"value"`` (default None, meaning ``"norm"``).
        deterministic: accepted (arraygrad's kernels are deterministic); ``True`` sets
            ``ag.use_deterministic_algorithms`` (default None).
        benchmark: accepted for compatibility; ignored (default None).
        inference_mode: evaluation runs under ``ag.inference_mode`` (``True``) or ``ag.no_grad`` (default True).
        use_distributed_sampler: with ``"ddp"``, give each process its shard (``DistributedSampler``)
            (default True).
        profiler: accepted for compatibility; ignored (default None).
        detect_anomaly: run fit / validate / test / predict under ``ag.autograd.detect_anomaly()``
            (default False).
        barebones: add no default ``ModelCheckpoint`` or progress bar and no model summary (default False).
        plugins: accepted for compatibility; ignored (default None).
        sync_batchnorm: accepted for compatibility; ignored (default False).
        reload_dataloaders_every_n_epochs: accepted for compatibility; stored but the dataloaders are not
            reloaded (default 0).
        default_root_dir: where logs and checkpoints go (default: the working directory).
        compile: run the training step (``training_step``, backward, clipping, optimizer step) through
            ``ag.compile``: one program on jax, eager with identical results on the other backends. Python in
            ``training_step`` (``self.log`` calls) runs while it is traced and the logged values come back
            from the program; ``batch_idx`` is the traced call's; the backward and optimizer hooks
            (``on_before_backward`` ... ``on_before_optimizer_step``) are not called. A module that overrides
            ``optimizer_step`` or uses manual optimization trains eagerly (with a warning).

    Raises:
        MisconfigurationException: an invalid combination or value (named in the message).
    """

    def __init__(self, *, accelerator: str = "auto", strategy: Any = "auto", devices: Any = "auto", num_nodes: int = 1,
                 precision: Any = None, logger: Any = None, callbacks: Any = None, fast_dev_run: int | bool = False,
                 max_epochs: int | None = None, min_epochs: int | None = None, max_steps: int = -1,
                 min_steps: int | None = None, max_time: Any = None, limit_train_batches: int | float | None = None,
                 limit_val_batches: int | float | None = None, limit_test_batches: int | float | None = None,
                 limit_predict_batches: int | float | None = None, overfit_batches: int | float = 0.0,
                 val_check_interval: int | float | None = None, check_val_every_n_epoch: int | None = 1,
                 num_sanity_val_steps: int | None = None, log_every_n_steps: int | None = None,
                 enable_checkpointing: bool | None = None, enable_progress_bar: bool | None = None,
                 enable_model_summary: bool | None = None, accumulate_grad_batches: int = 1,
                 gradient_clip_val: int | float | None = None, gradient_clip_algorithm: str | None = None,
                 deterministic: bool | str | None = None, benchmark: bool | None = None, inference_mode: bool = True,
                 use_distributed_sampler: bool = True, profiler: Any = None, detect_anomaly: bool = False,
                 barebones: bool = False, plugins: Any = None, sync_batchnorm: bool = False,
                 reload_dataloaders_every_n_epochs: int = 0, default_root_dir: str | os.PathLike[str] | None = None,
                 compile: bool = False) -> None:  # noqa: A002 - the option's name
        self._backend = _resolve_backend(accelerator)
        self.accelerator = accelerator
        if strategy not in ("auto", "ddp", "ddp_find_unused_parameters_true", "single_device", None):
            raise MisconfigurationException(
                f"strategy={strategy!r} is not supported: use 'auto' or 'ddp' (launched with mpiexec)")
        self._strategy = strategy or "auto"
        self.num_nodes = num_nodes
        self.world_size = _world_size_from_env() if self._strategy.startswith("ddp") else 1
        if devices not in ("auto", 1, -1, "1", [0]) and devices != self.world_size:
            raise MisconfigurationException(
                f"devices={devices!r}: arraygrad runs one process per device; launch the script with "
                f"`python -m arraygrad.distributed.run --nproc {devices} train.py` and strategy='ddp'")
        self.devices = devices
        self._precision = self._check_precision(precision)
        if accumulate_grad_batches < 1 or not isinstance(accumulate_grad_batches, int):
            raise MisconfigurationException(
                f"`accumulate_grad_batches` should be an int >= 1, got {accumulate_grad_batches!r}")
        if gradient_clip_algorithm not in (None, "norm", "value"):
            raise MisconfigurationException(f"`gradient_clip_algorithm` {gradient_clip_algorithm!r} is invalid. Allowed "
                                            "algorithms: ['value', 'norm'].")
        if gradient_clip_val is not None and (not isinstance(gradient_clip_val, (int, float)) or gradient_clip_val < 0):
            raise MisconfigurationException(f"`gradient_clip_val` should be a number >= 0, got {gradient_clip_val!r}")
        self.accumulate_grad_batches = accumulate_grad_batches
        self.gradient_clip_val = gradient_clip_val
        self.gradient_clip_algorithm = gradient_clip_algorithm
        self.default_root_dir = os.fspath(default_root_dir) if default_root_dir is not None else os.getcwd()
        self.inference_mode = inference_mode
        self.use_distributed_sampler = use_distributed_sampler
        self.detect_anomaly = detect_anomaly
        self.compile = compile
        if deterministic is True or deterministic == "warn":
            ag.use_deterministic_algorithms(True, warn_only=deterministic == "warn")
        self.deterministic = deterministic

        if isinstance(fast_dev_run, bool):
            n_dev = 1 if fast_dev_run else 0
        elif isinstance(fast_dev_run, int) and fast_dev_run >= 0:
            n_dev = fast_dev_run
        else:
            raise MisconfigurationException(f"fast_dev_run={fast_dev_run!r} is not a valid configuration. It should be "
                                            "either a bool or an int >= 0")
        self.fast_dev_run: int | bool = fast_dev_run if n_dev else False
        if n_dev:
            limit_train_batches = limit_val_batches = limit_test_batches = limit_predict_batches = n_dev
            max_epochs, max_steps, num_sanity_val_steps, val_check_interval = 1, n_dev, 0, 1.0
            check_val_every_n_epoch = 1
            logger = False
            rank_zero_info(f"Running in `fast_dev_run` mode: will run the requested loop using {n_dev} batch(es). "
                           "Logging and checkpointing is suppressed.")
        self.limit_train_batches = self._check_limit(limit_train_batches, "limit_train_batches")
        self.limit_val_batches = self._check_limit(limit_val_batches, "limit_val_batches")
        self.limit_test_batches = self._check_limit(limit_test_batches, "limit_test_batches")
        self.limit_predict_batches = self._check_limit(limit_predict_batches, "limit_predict_batches")
        if overfit_batches:
            self.limit_train_batches = self.limit_val_batches = self._check_limit(overfit_batches, "overfit_batches")
        if max_epochs is None:
            max_epochs = 1000 if max_steps == -1 and max_time is None else -1
        if max_epochs < -1 or max_steps < -1:
            raise MisconfigurationException(f"max_epochs={max_epochs} and max_steps={max_steps} must be >= -1")
        self.max_epochs = max_epochs
        self.min_epochs = min_epochs
        self.max_steps = max_steps
        self.min_steps = min_steps
        self.max_time = max_time
        if val_check_interval is None:
            val_check_interval = 1.0
        if isinstance(val_check_interval, float) and not 0.0 < val_check_interval <= 1.0:
            raise MisconfigurationException(
                f"`val_check_interval` should be within [0.0, 1.0] when a float, got {val_check_interval}.")
        if isinstance(val_check_interval, int) and not isinstance(val_check_interval, bool) and val_check_interval < 1:
            raise MisconfigurationException(f"`val_check_interval` should be an int >= 1, got {val_check_interval}.")
        self.val_check_interval = val_check_interval
        if check_val_every_n_epoch is not None and (not isinstance(check_val_every_n_epoch, int)
                                                    or check_val_every_n_epoch < 1):
            raise MisconfigurationException(
                f"`check_val_every_n_epoch` should be an integer >= 1 or None, got {check_val_every_n_epoch!r}")
        self.check_val_every_n_epoch = check_val_every_n_epoch
        self.num_sanity_val_steps = 2 if num_sanity_val_steps is None else num_sanity_val_steps
        if self.num_sanity_val_steps == -1:
            self.num_sanity_val_steps = math.inf  # type: ignore[assignment]
        self.log_every_n_steps = 50 if log_every_n_steps is None else log_every_n_steps
        self.reload_dataloaders_every_n_epochs = reload_dataloaders_every_n_epochs
        self.enable_model_summary = (not barebones) if enable_model_summary is None else enable_model_summary

        # loggers
        if logger is None or logger is True:
            self.loggers: list[Logger] = [CSVLogger(self.default_root_dir)]
        elif logger is False:
            self.loggers = []
        elif isinstance(logger, (list, tuple)):
            self.loggers = list(logger)
        else:
            self.loggers = [logger]

        # callbacks
        given = [] if callbacks is None else list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]
        for cb in given:
            if not isinstance(cb, Callback):
                raise MisconfigurationException(f"callbacks: {cb!r} is not an arraygrad.lightning Callback")
        has_ckpt = any(isinstance(cb, ModelCheckpoint) for cb in given)
        if enable_checkpointing is False and has_ckpt:
            raise MisconfigurationException(
                "Trainer was configured with `enable_checkpointing=False` but found `ModelCheckpoint` in callbacks list.")
        if (enable_checkpointing is None or enable_checkpointing) and not has_ckpt and not barebones:
            given.append(ModelCheckpoint())
        has_bar = any(isinstance(cb, ProgressBar) for cb in given)
        if enable_progress_bar is False and has_bar:
            raise MisconfigurationException(
                "Trainer was configured with `enable_progress_bar=False` but found a `ProgressBar` in the callbacks list.")
        if (enable_progress_bar is None or enable_progress_bar) and not has_bar and not barebones:
            given.append(TQDMProgressBar())
        self.callbacks: list[Callback] = given

        # state
        self.state = TrainerState()
        self.lightning_module: LightningModule | None = None
        self.datamodule: LightningDataModule | None = None
        self.optimizers: list[Any] = []
        self.lr_scheduler_configs: list[LRSchedulerConfig] = []
        self.current_epoch = 0
        self.global_step = 0
        self._batches_that_stepped = 0
        self.should_stop = False
        self.sanity_checking = False
        self.training = False
        self.validating = False
        self.testing = False
        self.predicting = False
        self.interrupted = False
        self.num_training_batches: int | float = 0
        self.num_val_batches: list[int | float] = []
        self.num_test_batches: list[int | float] = []
        self.num_predict_batches: list[int | float] = []
        self.num_sanity_val_batches: list[int | float] = []
        self.val_check_batch: int | float = math.inf
        self.train_dataloader: Any = None
        self.val_dataloaders: Any = None
        self.test_dataloaders: Any = None
        self.predict_dataloaders: Any = None
        self.ckpt_path: str | None = None
        self._callback_metrics: dict[str, float] = {}
        self._logged_metrics: dict[str, float] = {}
        self._progress_bar_metrics: dict[str, float] = {}
        self._results: ResultCollection | None = None
        self._current_fx: str | None = None
        self._current_batch: Any = None
        self._current_dataloader_idx: int | None = None
        self._multiple_loaders = False
        self._eval_totals: list[int | float] = []
        self._epoch_finished = False
        self._val_has_run = False
        self._batch_idx = 0
        self._pending_rng: Any = None
        #: how a checkpoint saved in the middle of an epoch continues (see ``_restore``)
        self._resume_mid_epoch: dict[str, Any] | None = None
        self._epoch_rng: Any = None
        self._train_results: ResultCollection | None = None
        self._batch_phase = "step"
        self._capture: list[Any] | None = None
        self._eval_log_steps: dict[int, int] = {}
        self._ddp_model: Any = None
        self._compiled: dict[str, Any] = {}

    # ------------------------------------------------------------------ checks of the arguments
    @staticmethod
    def _check_limit(value: Any, name: str) -> int | float:
        if value is None:
            return 1.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise MisconfigurationException(f"`{name}` must be an int >= 0 or a float in [0.0, 1.0], got {value!r}")
        if isinstance(value, float) and value > 1.0:
            raise MisconfigurationException(f"`{name}` must be a float in the range [0.0, 1.0] or an int, got {value}")
        return value

    @staticmethod
    def _check_precision(precision: Any) -> str:
        if precision in (None, 32, "32", "32-true"):
            return "32-true"
        if precision in (64, "64", "64-true"):
            return "64-true"
        raise MisconfigurationException(f"precision={precision!r} is not supported: use '32-true' or '64-true'")

    # ------------------------------------------------------------------ public properties
    @property
    def logger(self) -> Logger | None:
        """The first logger, or ``None``."""
        return self.loggers[0] if self.loggers else None

    @logger.setter
    def logger(self, logger: Logger | None) -> None:
        self.loggers = [] if logger is None else [logger]

    @property
    def log_dir(self) -> str:
        """The first logger's ``log_dir`` (``default_root_dir`` without one)."""
        if self.logger is not None and self.logger.log_dir is not None:
            return self.logger.log_dir
        return self.default_root_dir

    @property
    def model(self) -> LightningModule | None:
        """The LightningModule being trained (``lightning_module``), or None before ``fit``/``validate``/``test``/``predict``."""
        return self.lightning_module

    @property
    def precision(self) -> str:
        """The ``precision`` argument, normalised: ``"32-true"`` or ``"64-true"``."""
        return self._precision

    @property
    def strategy(self) -> str:
        """The ``strategy`` argument (``"auto"``, ``"ddp"``, ...)."""
        return self._strategy

    @property
    def callback_metrics(self) -> dict[str, Tensor]:
        """Every metric logged so far (step values of this batch, epoch values of finished epochs), as tensors."""
        return {k: ag.tensor(v, dtype=ag.float32) for k, v in self._callback_metrics.items()}

    @property
    def logged_metrics(self) -> dict[str, Tensor]:
        """The latest values sent to the loggers, as tensors."""
        return {k: ag.tensor(v, dtype=ag.float32) for k, v in self._logged_metrics.items()}

    @property
    def progress_bar_metrics(self) -> dict[str, float]:
        """The latest ``prog_bar`` values."""
        return dict(self._progress_bar_metrics)

    @property
    def checkpoint_callback(self) -> ModelCheckpoint | None:
        """The first ``ModelCheckpoint``, or ``None``."""
        found = self.checkpoint_callbacks
        return found[0] if found else None

    @property
    def checkpoint_callbacks(self) -> list[ModelCheckpoint]:
        """Every ``ModelCheckpoint`` among the callbacks, in order."""
        return [cb for cb in self.callbacks if isinstance(cb, ModelCheckpoint)]

    @property
    def early_stopping_callback(self) -> EarlyStopping | None:
        """The first ``EarlyStopping`` among the callbacks, or None."""
        found = [cb for cb in self.callbacks if isinstance(cb, EarlyStopping)]
        return found[0] if found else None

    @property
    def progress_bar_callback(self) -> ProgressBar | None:
        """The first progress bar among the callbacks, or None."""
        found = [cb for cb in self.callbacks if isinstance(cb, ProgressBar)]
        return found[0] if found else None

    @property
    def global_rank(self) -> int:
        """This process's rank among all processes (0 without ``arraygrad.distributed``)."""
        from arraygrad import distributed as dist

        return dist.get_rank() if dist.is_initialized() else 0

    @property
    def local_rank(self) -> int:
        """This process's rank on its machine: ``LOCAL_RANK`` when set, else the global rank."""
        return int(os.environ.get("LOCAL_RANK", self.global_rank))

    @property
    def node_rank(self) -> int:
        """The machine's rank among machines: always 0 (one machine)."""
        return 0

    @property
    def is_global_zero(self) -> bool:
        """Whether this is the process of global rank 0, which logs and saves checkpoints."""
        return self.global_rank == 0

    @property
    def enable_validation(self) -> bool:
        """Whether fitting runs validation: the module overrides ``validation_step`` and there are validation batches."""
        module = self.lightning_module
        return (module is not None and _overridden(module, "validation_step") and sum(self.num_val_batches) > 0)

    @property
    def estimated_stepping_batches(self) -> int | float:
        """How many optimizer steps the fit will take at most."""
        per_epoch = math.ceil(self.num_training_batches / self.accumulate_grad_batches) \
            if self.num_training_batches != math.inf else math.inf
        total = per_epoch * self.max_epochs if self.max_epochs != -1 else math.inf
        return min(total, self.max_steps) if self.max_steps != -1 else total

    # ------------------------------------------------------------------ entry points
    def fit(self, model: LightningModule, train_dataloaders: Any = None, val_dataloaders: Any = None,
            datamodule: LightningDataModule | None = None, ckpt_path: str | os.PathLike[str] | None = None,
            weights_only: bool | None = None) -> None:
        """Train ``model``: sanity-check validation, then epochs of training with validation.

        Args:
            model: the ``LightningModule``.
            train_dataloaders: a DataLoader (or a ``LightningDataModule``); default: the datamodule's or the
                model's ``train_dataloader()``.
            val_dataloaders: a DataLoader or a list of them; default: the datamodule's / model's.
            datamodule: a ``LightningDataModule``.
            ckpt_path: a checkpoint to resume from (``"last"``: the newest ``last.ckpt`` of the checkpoint
                callbacks).
            weights_only: see ``checkpoint.load_checkpoint``.

        Raises:
            MisconfigurationException: dataloaders given with a datamodule, no ``training_step``, a
                ``training_step`` that returns nothing usable, a monitored metric never logged...
        """
        if isinstance(train_dataloaders, LightningDataModule):
            datamodule, train_dataloaders = train_dataloaders, None
        if datamodule is not None and (train_dataloaders is not None or val_dataloaders is not None):
            raise MisconfigurationException(
                "You cannot pass `train_dataloader` or `val_dataloaders` to `trainer.fit(datamodule=...)`")
        self._attach(model, datamodule, "fit")
        self._given_loaders = {"train": train_dataloaders, "val": val_dataloaders}
        self.ckpt_path = os.fspath(ckpt_path) if ckpt_path is not None else None
        self._run("fit", lambda: self._fit_impl(weights_only))

    def validate(self, model: LightningModule | None = None, dataloaders: Any = None, ckpt_path: str | None = None,
                 verbose: bool = True, datamodule: LightningDataModule | None = None,
                 weights_only: bool | None = None) -> list[dict[str, float]]:
        """Run the validation loop once over the validation dataloader(s).

        Args:
            model: the ``LightningModule`` (default None: the one attached by an earlier call).
            dataloaders: a DataLoader, a list of them or a ``LightningDataModule`` (default None: the
                datamodule's or the model's).
            ckpt_path: a checkpoint to load first (``"best"``: the best one of ``ModelCheckpoint``) (default None).
            verbose: print the results table on rank 0 (default True).
            datamodule: a ``LightningDataModule`` (default None).
            weights_only: passed to ``checkpoint.load_checkpoint`` (default None).

        Returns:
            One dict of the logged epoch metrics (name to float) per dataloader.

        Raises:
            MisconfigurationException: no model, no ``validation_step``, or dataloaders given with a datamodule.
            TypeError: ``model`` is not a ``LightningModule`` or ``datamodule`` not a ``LightningDataModule``.
        """
        return self._evaluate_entry("validate", model, dataloaders, ckpt_path, verbose, datamodule, weights_only)

    def test(self, model: LightningModule | None = None, dataloaders: Any = None, ckpt_path: str | None = None,
             verbose: bool = True, datamodule: LightningDataModule | None = None,
             weights_only: bool | None = None) -> list[dict[str, float]]:
        """Run the test loop once over the test dataloader(s).

        Args:
            model: the ``LightningModule`` (default None: the one attached by an earlier call).
            dataloaders: a DataLoader, a list of them or a ``LightningDataModule`` (default None: the
                datamodule's or the model's).
            ckpt_path: a checkpoint to load first (``"best"``: the best one of ``ModelCheckpoint``) (default None).
            verbose: print the results table on rank 0 (default True).
            datamodule: a ``LightningDataModule`` (default None).
            weights_only: passed to ``checkpoint.load_checkpoint`` (default None).

        Returns:
            One dict of the logged epoch metrics (name to float) per dataloader.

        Raises:
            MisconfigurationException: no model, no ``test_step``, or dataloaders given with a datamodule.
            TypeError: ``model`` is not a ``LightningModule`` or ``datamodule`` not a ``LightningDataModule``.
        """
        return self._evaluate_entry("test", model, dataloaders, ckpt_path, verbose, datamodule, weights_only)

    def predict(self, model: LightningModule | None = None, dataloaders: Any = None,
                datamodule: LightningDataModule | None = None, return_predictions: bool | None = None,
                ckpt_path: str | None = None, weights_only: bool | None = None) -> Any:
        """Run ``predict_step`` over the prediction dataloader(s).

        Args:
            model: the ``LightningModule`` (default None: the one attached by an earlier call).
            dataloaders: a DataLoader, a list of them or a ``LightningDataModule`` (default None: the
                datamodule's or the model's).
            datamodule: a ``LightningDataModule`` (default None).
            return_predictions: collect and return the outputs; only ``False`` turns it off (default None).
            ckpt_path: a checkpoint to load first (default None).
            weights_only: passed to ``checkpoint.load_checkpoint`` (default None).

        Returns:
            The list of ``predict_step`` outputs (a list of such lists with several dataloaders), or ``None``
            with ``return_predictions=False``.

        Raises:
            MisconfigurationException: no model is given or attached.
            TypeError: ``model`` is not a ``LightningModule`` or ``datamodule`` not a ``LightningDataModule``.
        """
        if isinstance(dataloaders, LightningDataModule):
            datamodule, dataloaders = dataloaders, None
        model = self._entry_model(model, "predict")
        self._attach(model, datamodule, "predict")
        self._given_loaders = {"predict": dataloaders}
        self.ckpt_path = ckpt_path
        out: list[Any] = []
        self._run("predict", lambda: out.append(self._predict_impl(return_predictions is not False, weights_only)))
        return out[0] if out else None

    def save_checkpoint(self, filepath: str | os.PathLike[str], weights_only: bool = False,
                        storage_options: Any = None) -> None:
        """Write a checkpoint of the current state to ``filepath`` (rank 0 only; atomic).

        Args:
            filepath: the path of the file to write.
            weights_only: save only the weights, without optimizer and loop state (default False).
            storage_options: accepted for compatibility; ignored (default None).

        Raises:
            AttributeError: no model is attached (call ``fit`` first).
        """
        if self.lightning_module is None:
            raise AttributeError("Saving a checkpoint is only possible if a model is attached to the Trainer. Did you "
                                 "call `Trainer.save_checkpoint()` before calling `Trainer.{fit,validate,test,predict}`?")
        checkpoint = self._dump_checkpoint(weights_only)
        if self.is_global_zero:
            ckpt_io.save_checkpoint(checkpoint, filepath)
            for lg in self.loggers:
                lg.after_save_checkpoint(self.checkpoint_callback)
