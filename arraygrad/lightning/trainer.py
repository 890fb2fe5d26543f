"""``Trainer``: runs a ``LightningModule``'s fit, validation, test and prediction loops, as
Lightning's ``Trainer``.

The trainer is a thin owner of small loops (fit → epoch → batch; evaluation → dataloader → batch);
everything else (checkpoints, early stopping, the progress bar, learning-rate logging) is a callback
with named hooks.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from typing import Any

import arraygrad as ag
from arraygrad.core.tensor import Tensor
from arraygrad.lightning import checkpoint as ckpt_io
from arraygrad.lightning.callbacks import Callback, EarlyStopping, ModelCheckpoint
from arraygrad.lightning.datamodule import LightningDataModule
from arraygrad.lightning.loggers import CSVLogger, Logger
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.optimizers import LRSchedulerConfig, init_optimizers
from arraygrad.lightning.progress import ProgressBar, TQDMProgressBar, format_summary
from arraygrad.lightning.results import ResultCollection, reduce_name, to_float
from arraygrad.lightning.utilities import (
    MisconfigurationException,
    extract_batch_size,
    move_data_to_backend,
    rank_zero_info,
    rank_zero_warn,
)

__all__ = ["Trainer", "TrainerFn", "TrainerState"]

_ACCELERATOR_NAMES = ("auto", "cpu", "gpu", "cuda", "tpu", "mps", "numpy", "jax", "strict", "cupy")
#: the hooks ``self.log`` may be called from, with their (on_step, on_epoch) defaults
_STEP_HOOKS = {"training_step", "on_train_batch_start", "on_train_batch_end", "on_before_backward", "on_after_backward",
               "on_before_optimizer_step", "on_before_zero_grad"}
_NO_LOG_HOOKS = {"predict_step", "on_predict_batch_start", "on_predict_batch_end", "on_predict_epoch_start",
                 "on_predict_epoch_end", "on_predict_start", "on_predict_end", "configure_optimizers", "setup", "teardown",
                 "prepare_data", "on_fit_start", "on_fit_end", "on_save_checkpoint", "on_load_checkpoint",
                 "on_sanity_check_start", "on_sanity_check_end", "on_train_end", "on_validation_model_eval"}
#: callbacks whose epoch-end hooks run after the module's (they read what it logged)
_MONITORING = (ModelCheckpoint, EarlyStopping)


class TrainerFn(str, Enum):
    """The entry point running, as passed to ``setup(stage)`` / ``teardown(stage)``; equal to its
    string (``stage == "fit"``), as Lightning's ``TrainerFn``."""

    FITTING = "fit"
    VALIDATING = "validate"
    TESTING = "test"
    PREDICTING = "predict"


class TrainerState:
    """What the trainer is doing: ``fn`` (``"fit"``, ``"validate"``, ``"test"``, ``"predict"`` or ``None``),
    ``status`` (``"initializing"``, ``"running"``, ``"finished"``, ``"interrupted"``)."""

    def __init__(self) -> None:
        self.fn: str | None = None
        self.status = "initializing"
        self.stage: str | None = None

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def __repr__(self) -> str:
        return f"TrainerState(fn={self.fn!r}, status={self.status!r}, stage={self.stage!r})"


class _LightningOptimizer:
    """What ``self.optimizers()`` gives under manual optimization: the optimizer, whose ``step`` also
    runs the step hooks and counts ``global_step``."""

    def __init__(self, optimizer: Any, trainer: Trainer) -> None:
        self._optimizer = optimizer
        self._trainer = trainer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._optimizer, name)

    @property
    def optimizer(self) -> Any:
        return self._optimizer

    def step(self, closure: Callable[[], Any] | None = None, **kwargs: Any) -> Any:
        trainer = self._trainer
        trainer._call_hooks("on_before_optimizer_step", self._optimizer)
        out = self._optimizer.step(closure, **kwargs) if closure is not None else self._optimizer.step(**kwargs)
        trainer.global_step += 1
        return out

    def zero_grad(self, set_to_none: bool = True) -> None:
        self._trainer._call_hooks("on_before_zero_grad", self._optimizer)
        self._optimizer.zero_grad(set_to_none=set_to_none)


def _resolve_backend(accelerator: Any) -> str | None:
    """The backend a fit runs on for ``accelerator`` (``None``: the default backend at fit time)."""
    if accelerator is None or accelerator == "auto":
        return None
    if not isinstance(accelerator, str) or accelerator.split(":")[0] not in _ACCELERATOR_NAMES:
        raise MisconfigurationException(
            f"You selected an invalid accelerator name: `accelerator={accelerator!r}`. Available names are: "
            f"{', '.join(_ACCELERATOR_NAMES)}")
    name = accelerator.split(":")[0]
    available = ag.backends.available()
    if name in ("numpy", "jax", "strict", "cupy"):
        if available.get(name) is not None:
            raise MisconfigurationException(f"accelerator={accelerator!r}: backend {name!r} cannot run: {available[name]}")
        return name
    if name == "cpu":
        default = ag.get_default_backend()
        return "numpy" if default == "cupy" else default
    if name in ("gpu", "cuda"):
        if not ag.cuda.is_available():
            raise MisconfigurationException(f"accelerator={accelerator!r}: no CUDA device is available to arraygrad "
                                            f"(cupy: {available.get('cupy') or 'no device'}; jax: no GPU)")
        return "cupy" if available.get("cupy") is None else "jax"
    raise MisconfigurationException(f"accelerator={accelerator!r}: arraygrad has no backend for {name}")


def _world_size_from_env() -> int:
    for var in ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"):
        value = os.environ.get(var)
        if value and value.isdigit():
            return int(value)
    return 1


def _signature_takes(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True
    return name in params or any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params.values())


def _overridden(module: Any, name: str) -> bool:
    method = getattr(type(module), name, None)
    return method is not None and method is not getattr(LightningModule, name, None)


def _to_float64(batch: Any) -> Any:
    """``batch`` with its float32 tensors made float64 (``precision="64-true"``, as Lightning's plugin)."""
    if isinstance(batch, Tensor):
        return batch.double() if batch.dtype == ag.float32 else batch
    if isinstance(batch, Mapping):
        return type(batch)({k: _to_float64(v) for k, v in batch.items()})  # type: ignore[call-arg]
    if isinstance(batch, (list, tuple)) and not hasattr(batch, "_fields"):
        return type(batch)(_to_float64(v) for v in batch)
    return batch


class _DDPStep(ag.nn.Module):
    """Routes ``DistributedDataParallel``'s forward to the module's ``training_step``, so gradients of
    what the step computes are averaged across processes during backward."""

    def __init__(self, module: LightningModule) -> None:
        super().__init__()
        self.module = module

    def forward(self, batch: Any, batch_idx: int) -> Any:
        return self.module.training_step(batch, batch_idx)


class Trainer:
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
        return self.lightning_module

    @property
    def precision(self) -> str:
        return self._precision

    @property
    def strategy(self) -> str:
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
        return [cb for cb in self.callbacks if isinstance(cb, ModelCheckpoint)]

    @property
    def early_stopping_callback(self) -> EarlyStopping | None:
        found = [cb for cb in self.callbacks if isinstance(cb, EarlyStopping)]
        return found[0] if found else None

    @property
    def progress_bar_callback(self) -> ProgressBar | None:
        found = [cb for cb in self.callbacks if isinstance(cb, ProgressBar)]
        return found[0] if found else None

    @property
    def global_rank(self) -> int:
        from arraygrad import distributed as dist

        return dist.get_rank() if dist.is_initialized() else 0

    @property
    def local_rank(self) -> int:
        return int(os.environ.get("LOCAL_RANK", self.global_rank))

    @property
    def node_rank(self) -> int:
        return 0

    @property
    def is_global_zero(self) -> bool:
        return self.global_rank == 0

    @property
    def enable_validation(self) -> bool:
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

    # ------------------------------------------------------------------ running a stage
    def _entry_model(self, model: LightningModule | None, fn: str) -> LightningModule:
        if model is None:
            if self.lightning_module is None:
                raise MisconfigurationException(f"`model` must be provided to `trainer.{fn}()` when it's not part of "
                                                "`fit()` (no model is attached yet)")
            return self.lightning_module
        return model

    def _evaluate_entry(self, fn: str, model: LightningModule | None, dataloaders: Any, ckpt_path: str | None,
                        verbose: bool, datamodule: LightningDataModule | None,
                        weights_only: bool | None) -> list[dict[str, float]]:
        if isinstance(dataloaders, LightningDataModule):
            datamodule, dataloaders = dataloaders, None
        if dataloaders is not None and datamodule is not None:
            raise MisconfigurationException(f"You cannot pass both `trainer.{fn}(dataloaders=..., datamodule=...)`")
        model = self._entry_model(model, fn)
        step = "validation_step" if fn == "validate" else "test_step"
        if not _overridden(model, step):
            raise MisconfigurationException(f"No `{step}()` method defined to run `Trainer.{fn}`.")
        self._attach(model, datamodule, fn)
        self._given_loaders = {"val" if fn == "validate" else "test": dataloaders}
        self.ckpt_path = ckpt_path
        out: list[Any] = []
        self._run(fn, lambda: out.append(self._evaluate_impl(fn, verbose, weights_only)))
        return out[0] if out else []

    def _attach(self, model: LightningModule, datamodule: LightningDataModule | None, fn: str) -> None:
        if not isinstance(model, LightningModule):
            raise TypeError(f"`Trainer.{fn}()` requires a `LightningModule`, got: {type(model).__qualname__}")
        model.trainer = self
        self.lightning_module = model
        if datamodule is not None:
            if not isinstance(datamodule, LightningDataModule):
                raise TypeError(f"`datamodule` must be a `LightningDataModule`, got {type(datamodule).__qualname__}")
            datamodule.trainer = self
        self.datamodule = datamodule if datamodule is not None else self.datamodule if fn != "fit" else None

    def _run(self, fn: str, body: Callable[[], None]) -> None:
        model = self.lightning_module
        assert model is not None
        self.state.fn, self.state.status = TrainerFn(fn), "running"
        # as Lightning: each entry point starts with no metrics (after test() they are the test's only)
        self._callback_metrics.clear()
        self._logged_metrics.clear()
        self._progress_bar_metrics.clear()
        self._eval_log_steps = {}
        self.should_stop = False
        self.interrupted = False
        backend = self._backend
        context = ag.use_backend(backend) if backend is not None else contextlib.nullcontext()
        anomaly = ag.autograd.detect_anomaly() if self.detect_anomaly else contextlib.nullcontext()
        stage = TrainerFn(fn)
        try:
            with context, anomaly:
                self._move_model(model)
                if fn == "fit":
                    for obj in (self.datamodule, model):
                        if obj is not None:
                            self._call_fx(obj, "prepare_data")
                if self.datamodule is not None:
                    self._call_fx(self.datamodule, "setup", stage)
                self._add_configured_callbacks(model)
                for cb in self.callbacks:
                    cb.setup(self, model, stage)
                self._call_fx(model, "setup", stage)
                body()
                self.state.status = "finished"
        except KeyboardInterrupt as exc:
            # as Lightning: hooks and loggers are told, then the process exits with status 1
            rank_zero_info("\nDetected KeyboardInterrupt, attempting graceful shutdown ...")
            self.interrupted = True
            self.state.status = "interrupted"
            self._on_exception(exc)
            raise SystemExit(1) from exc  # the ``finally`` below tears down first
        except BaseException as exc:
            self.state.status = "interrupted"
            self._on_exception(exc)
            raise
        finally:
            self._teardown(stage)

    def _on_exception(self, exc: BaseException) -> None:
        model = self.lightning_module
        for cb in self.callbacks:
            with contextlib.suppress(Exception):
                cb.on_exception(self, model, exc)  # type: ignore[arg-type]
        if self.datamodule is not None:
            with contextlib.suppress(Exception):
                self.datamodule.on_exception(exc)
        for lg in self.loggers:
            with contextlib.suppress(Exception):
                lg.finalize("failed")

    def _teardown(self, stage: TrainerFn) -> None:
        model = self.lightning_module
        self.training = self.validating = self.testing = self.predicting = self.sanity_checking = False
        if self.datamodule is not None:
            self._call_fx(self.datamodule, "teardown", stage)
        for cb in self.callbacks:
            cb.teardown(self, model, stage)  # type: ignore[arg-type]
        if model is not None:
            self._call_fx(model, "teardown", stage)
        self._current_fx = None

    def _add_configured_callbacks(self, model: LightningModule) -> None:
        extra = model.configure_callbacks()
        extra = [] if extra is None else list(extra) if isinstance(extra, (list, tuple)) else [extra]
        if not extra:
            return
        types = {type(cb) for cb in extra}
        kept = [cb for cb in self.callbacks if type(cb) not in types]
        ckpts = [cb for cb in extra if isinstance(cb, ModelCheckpoint)]
        others = [cb for cb in extra if not isinstance(cb, ModelCheckpoint)]
        self.callbacks = kept + others + ckpts  # checkpoints last, so they see what the others logged

    def _move_model(self, model: LightningModule) -> None:
        target = self._backend or ag.get_default_backend()
        params = list(model.parameters())
        if params and params[0].backend.name != target:
            model.to(target)
        if self._precision == "64-true":
            model.double()

    # ------------------------------------------------------------------ hooks
    @contextlib.contextmanager
    def _fx(self, name: str) -> Iterator[None]:
        previous = self._current_fx
        self._current_fx = name
        try:
            yield
        finally:
            self._current_fx = previous

    def _call_fx(self, obj: Any, name: str, *args: Any) -> Any:
        method = getattr(obj, name, None)
        if method is None:
            return None
        with self._fx(name):
            return method(*args)

    def _call_hooks(self, name: str, *args: Any, monitoring: bool | None = None, module_first: bool = False) -> Any:
        """Call hook ``name`` on the callbacks (``monitoring``: only those that read logged metrics, or only
        the others) and then on the module; returns the module's result."""
        model = self.lightning_module
        out = None
        if module_first:
            out = self._call_fx(model, name, *args)
        for cb in self.callbacks:
            if monitoring is not None and isinstance(cb, _MONITORING) != monitoring:
                continue
            method = getattr(cb, name, None)
            if method is not None:
                with self._fx(name):
                    method(self, model, *args)
        if not module_first and monitoring is not True:
            out = self._call_fx(model, name, *args)
        return out

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

    # ------------------------------------------------------------------ dataloaders
    def _source(self, kind: str) -> Any:
        given = getattr(self, "_given_loaders", {}).get(kind)
        if given is not None:
            return given
        hook = {"train": "train_dataloader", "val": "val_dataloader", "test": "test_dataloader",
                "predict": "predict_dataloader"}[kind]
        for obj in (self.datamodule, self.lightning_module):
            if obj is None:
                continue
            if obj is self.lightning_module and not _overridden(obj, hook):
                continue
            # a datamodule's hook counts when its class overrides it or from_datasets set it on the instance
            if obj is self.datamodule and hook not in vars(obj) and \
                    getattr(type(obj), hook) is getattr(LightningDataModule, hook):
                continue
            with self._fx(hook):
                return getattr(obj, hook)()
        if kind == "train":
            raise MisconfigurationException(
                "No `train_dataloader()` method defined. Lightning `Trainer` expects as minimum a `training_step()`, "
                "`train_dataloader()` and `configure_optimizers()` to be defined.")
        return []

    @staticmethod
    def _as_list(loaders: Any) -> list[Any]:
        if loaders is None:
            return []
        if isinstance(loaders, Mapping):
            return list(loaders.values())
        if isinstance(loaders, (list, tuple)):
            return list(loaders)
        return [loaders]

    @staticmethod
    def _length(loader: Any) -> int | float:
        try:
            return len(loader)
        except TypeError:
            return math.inf

    def _limited(self, loader: Any, limit: int | float, name: str) -> int | float:
        n = self._length(loader)
        if isinstance(limit, int):
            return min(n, limit)
        if limit == 1.0:
            return n
        if n == math.inf:
            raise MisconfigurationException(f"When using an iterable dataset without a length, `Trainer({name})` must be"
                                            f" `1.0` or an int, got {limit}")
        count = int(n * limit)
        if count == 0 and limit > 0 and n > 0:
            raise MisconfigurationException(
                f"You requested to check {limit} of the dataloader but {limit} * {n} < 1. Please increase the `{name}` "
                f"argument. Try at least `{name}={1 / n}`")
        return count

    def _distributed_loader(self, loader: Any, shuffle_default: bool) -> Any:
        if self.world_size <= 1 or not self.use_distributed_sampler:
            return loader
        from arraygrad.data import DataLoader, DistributedSampler, RandomSampler

        if not isinstance(loader, DataLoader) or isinstance(loader.sampler, DistributedSampler):
            return loader
        shuffle = isinstance(loader.sampler, RandomSampler) if shuffle_default else False
        sampler = DistributedSampler(loader.dataset, shuffle=shuffle)  # type: ignore[arg-type]
        return DataLoader(loader.dataset, batch_size=loader.batch_size, sampler=sampler, num_workers=loader.num_workers,
                          collate_fn=loader.collate_fn, drop_last=loader.drop_last)

    def _current_eval_batches(self, dataloader_idx: int) -> int:
        totals = self._eval_totals
        n = totals[dataloader_idx] if dataloader_idx < len(totals) else 0
        return int(n) if n != math.inf else 0

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
    def _training_step_output(self, output: Any) -> Tensor | None:
        if output is None:
            if self.world_size > 1:
                raise RuntimeError("Skipping the `training_step` by returning None in distributed training is not "
                                   "supported. It is recommended that you rewrite your training logic to avoid "
                                   "having to skip the step in the first place.")
            return None
        if isinstance(output, Mapping):
            if "loss" not in output:
                raise MisconfigurationException(
                    "In automatic_optimization, when `training_step` returns a dict, the 'loss' key needs to be "
                    f"present (the dict has {sorted(map(str, output))})")
            output = output["loss"]
        if not isinstance(output, Tensor):
            raise MisconfigurationException(
                f"In automatic optimization, `training_step` must return a Tensor, a dict, or None (where the step will"
                f" be skipped); it returned {type(output).__name__}: {output!r}")
        if output.numel() != 1:
            raise MisconfigurationException(
                f"`training_step` returned a loss of shape {tuple(output.shape)}: it must be a one-element tensor")
        if not output.requires_grad:
            raise MisconfigurationException(
                "`training_step` returned a loss that does not require grad (it is detached from the model's "
                "parameters: did it come from `.item()`, `.detach()` or a `no_grad` block?)")
        return output

    def _automatic_step(self, model: LightningModule, batch: Any, batch_idx: int, should_step: bool,
                        is_last: bool) -> Any:
        opt = self.optimizers[0] if self.optimizers else None
        if self.compile:
            if not _overridden(model, "optimizer_step"):
                return self._compiled_step(model, opt, batch, batch_idx, should_step)
            if not self._compiled.get("warned"):
                self._compiled["warned"] = True
                rank_zero_warn("Trainer(compile=True): the module overrides `optimizer_step`, so its training step runs "
                               "eagerly")
        holder: dict[str, Any] = {}

        def closure() -> Tensor | None:
            with self._fx("training_step"):
                if self._ddp_model is not None:
                    out = self._ddp_model(batch, batch_idx)
                else:
                    out = model.training_step(batch, batch_idx)
            loss = self._training_step_output(out)
            holder["output"] = out
            if opt is not None and batch_idx % self.accumulate_grad_batches == 0:
                self._call_hooks("on_before_zero_grad", opt)
                with self._fx("optimizer_zero_grad"):
                    model.optimizer_zero_grad(self.current_epoch, batch_idx, opt)
            if loss is None:
                holder["loss"] = None
                return None
            scaled = loss / self.accumulate_grad_batches if self.accumulate_grad_batches > 1 else loss
            self._call_hooks("on_before_backward", scaled)
            no_sync = self._ddp_model.no_sync() if self._ddp_model is not None and not should_step \
                else contextlib.nullcontext()
            with no_sync, self._fx("backward"):
                model.backward(scaled)
            self._call_hooks("on_after_backward")
            holder["loss"] = scaled.detach()
            return loss

        def step_closure() -> Tensor | None:
            loss = closure()
            if opt is not None:
                self._call_hooks("on_before_optimizer_step", opt)
                with self._fx("configure_gradient_clipping"):
                    model.configure_gradient_clipping(opt, self.gradient_clip_val, self.gradient_clip_algorithm)
            return loss

        if should_step and opt is not None:
            with self._fx("optimizer_step"):
                model.optimizer_step(self.current_epoch, batch_idx, opt, step_closure)
            if "loss" in holder:  # the closure ran: the optimizer stepped
                self.global_step += 1
            self._step_schedulers("step", plateau=False)
        else:
            closure()
            if should_step:
                self.global_step += 1
        if is_last:
            self._step_schedulers("epoch", plateau=False)
        return self._batch_outputs(holder)

    @staticmethod
    def _batch_outputs(holder: dict[str, Any]) -> Any:
        out = holder.get("output")
        if out is None:
            return None
        if isinstance(out, Mapping):
            return {**{k: (v.detach() if isinstance(v, Tensor) else v) for k, v in out.items()}, "loss": holder["loss"]}
        return {"loss": holder["loss"]}

    def _manual_step(self, model: LightningModule, batch: Any, batch_idx: int) -> Any:
        wrapped = [_LightningOptimizer(o, self) for o in self.optimizers]
        original = model.optimizers

        def optimizers(use_pl_optimizer: bool = True) -> Any:
            return wrapped[0] if len(wrapped) == 1 else wrapped

        object.__setattr__(model, "optimizers", optimizers)
        try:
            with self._fx("training_step"):
                out = model.training_step(batch, batch_idx)
        finally:
            object.__setattr__(model, "optimizers", original)
            del model.__dict__["optimizers"]
        if isinstance(out, Tensor):
            return {"loss": out.detach()}
        return out

    def _compiled_step(self, model: LightningModule, opt: Any, batch: Any, batch_idx: int, should_step: bool) -> Any:
        """The training step through ``ag.compile``: one function for batches that step the optimizer and one
        for batches that only accumulate; ``self.log`` values are returned by the program."""
        kind = "step" if should_step else "accumulate"
        entry = self._compiled.get(kind)
        if entry is None:
            spec: dict[str, Any] = {"logs": []}
            accumulate = self.accumulate_grad_batches
            clip_val, clip_alg = self.gradient_clip_val, self.gradient_clip_algorithm
            trainer_state = self

            def step(batch_arg: Any, model: LightningModule, opt: Any) -> Any:
                # the module and the optimizer are arguments so that ag.compile threads their state
                spec["logs"] = []  # runs when traced (jax) or on every call (eager backends)
                trainer_state._capture = spec["logs"]
                try:
                    with trainer_state._fx("training_step"):
                        out = model.training_step(batch_arg, trainer_state._batch_idx)
                finally:
                    trainer_state._capture = None
                loss = trainer_state._training_step_output(out)
                if loss is None:
                    raise MisconfigurationException("Trainer(compile=True): `training_step` must return a loss")
                scaled = loss / accumulate if accumulate > 1 else loss
                scaled.backward()
                if should_step and opt is not None:
                    model.configure_gradient_clipping(opt, clip_val, clip_alg)
                    opt.step()
                values = [v.detach() for _, v, _ in spec["logs"]]
                # keep only names and options: a traced tensor left in reach would look like new state
                spec["logs"] = [(name, None, options) for name, _, options in spec["logs"]]
                return loss.detach(), values

            entry = (ag.compile(step), spec)
            self._compiled[kind] = entry
        fn, spec = entry
        loss, values = fn(batch, model, opt)
        if should_step and opt is not None:
            # cleared outside the program, so that the next accumulation window starts empty
            opt.zero_grad()
        with self._fx("training_step"):
            for (name, _, options), value in zip(spec["logs"], values):
                self._log(name, value, **options)
        if should_step:
            self.global_step += 1
            self._step_schedulers("step", plateau=False)
        if self._batch_idx + 1 == self.num_training_batches:
            self._step_schedulers("epoch", plateau=False)
        return {"loss": loss}

    def _step_schedulers(self, interval: str, plateau: bool) -> None:
        """Step the schedulers of ``interval`` (``plateau``: only ``ReduceLROnPlateau``-like ones, else only
        the others), as Lightning: every ``frequency`` steps or epochs."""
        for config in self.lr_scheduler_configs:
            if config.reduce_on_plateau != plateau or config.interval != interval:
                continue
            index = (self._batches_that_stepped if interval == "step" else self.current_epoch) + 1
            if index % config.frequency != 0:
                continue
            metric = None
            if config.reduce_on_plateau:
                monitor = config.monitor
                if monitor not in self._callback_metrics:
                    if not config.strict:
                        rank_zero_warn(f"ReduceLROnPlateau conditioned on metric {monitor} which is not available but "
                                       "strict is set to `False`. Skipping learning rate update.", RuntimeWarning)
                        continue
                    logged = ", ".join(sorted(self._callback_metrics)) or "(none)"
                    raise MisconfigurationException(
                        f"ReduceLROnPlateau conditioned on metric {monitor} which is not available. Available metrics "
                        f"are: {logged}. Condition can be set using `monitor` key in lr scheduler dict")
                metric = self._callback_metrics[monitor]
            model = self.lightning_module
            assert model is not None
            with self._fx("lr_scheduler_step"):
                model.lr_scheduler_step(config.scheduler, metric)

    # ------------------------------------------------------------------ evaluation
    def _evaluate_impl(self, fn: str, verbose: bool, weights_only: bool | None) -> list[dict[str, float]]:
        kind = "val" if fn == "validate" else "test"
        loaders = [self._distributed_loader(v, False) for v in self._as_list(self._source(kind))]
        if not loaders:
            raise MisconfigurationException(f"No `{kind}_dataloader()` method defined to run `Trainer.{fn}`: pass "
                                            "`dataloaders=` or a datamodule that defines it")
        limit = self.limit_val_batches if kind == "val" else self.limit_test_batches
        counts = [self._limited(v, limit, f"limit_{kind}_batches") for v in loaders]
        if kind == "val":
            self.val_dataloaders = loaders[0] if len(loaders) == 1 else loaders
            self.num_val_batches = counts
        else:
            self.test_dataloaders = loaders[0] if len(loaders) == 1 else loaders
            self.num_test_batches = counts
        if self.ckpt_path is not None:
            self._restore(self._resolve_ckpt_path(self.ckpt_path), weights_only, full=False)
        results = self._run_eval(fn, loaders, counts)
        for lg in self.loggers:
            lg.save()
        if verbose and self.is_global_zero:
            self._print_results(fn, results)
        return results

    def _run_eval(self, fn: str, loaders: list[Any], counts: list[int | float]) -> list[dict[str, float]]:
        """One pass of the validation or test loop over ``loaders``; returns each dataloader's epoch metrics."""
        model = self.lightning_module
        assert model is not None
        prefix = "validation" if fn == "validate" else "test"
        step_fn = getattr(model, f"{prefix}_step")
        was_training = self.training
        results = ResultCollection()
        outer_results = self._results
        self._results = results
        self.validating, self.testing = fn == "validate", fn == "test"
        self._multiple_loaders = len(loaders) > 1
        self._eval_totals = counts
        self._call_fx(model, f"on_{prefix}_model_eval")
        self._call_hooks(f"on_{prefix}_start")
        self._call_hooks(f"on_{prefix}_epoch_start")
        takes_idx = _signature_takes(step_fn, "dataloader_idx")
        grad_off = ag.inference_mode() if self.inference_mode else ag.no_grad()
        with grad_off:
            for dl_idx, (loader, n) in enumerate(zip(loaders, counts)):
                self._current_dataloader_idx = dl_idx
                for batch_idx, batch in enumerate(loader):
                    if batch_idx >= n:
                        break
                    batch = self._to_device(batch)
                    self._current_batch = batch
                    results.start_batch()
                    extra = (dl_idx,) if self._multiple_loaders else ()
                    self._call_hooks(f"on_{prefix}_batch_start", batch, batch_idx, *extra)
                    with self._fx(f"{prefix}_step"):
                        if self._multiple_loaders and takes_idx:
                            out = step_fn(batch, batch_idx, dl_idx)
                        else:
                            out = step_fn(batch, batch_idx)
                    self._call_hooks(f"on_{prefix}_batch_end", out, batch, batch_idx, *extra)
                    to_log, bar, _ = results.step_values()
                    if not self.sanity_checking:
                        # step values of evaluation batches: numbered per dataloader across runs, no epoch
                        step = self._eval_log_steps.get(dl_idx, 0)
                        self._eval_log_steps[dl_idx] = step + 1
                        self._progress_bar_metrics.update(bar)
                        self._log_to_loggers(to_log, step=step, add_epoch=False)
        self._current_batch = None
        self._current_dataloader_idx = None
        sanity = self.sanity_checking
        if not sanity:
            self._publish_epoch(results, log=False, step=self._batches_that_stepped)
        self._call_hooks(f"on_{prefix}_epoch_end")
        per_loader: list[dict[str, float]] = [{} for _ in loaders]
        if not sanity:
            to_log, _, callback = results.epoch_values()
            self._publish_epoch(results, log=False, step=self._batches_that_stepped)
            self._log_to_loggers(to_log, step=self._batches_that_stepped)
            for m in results.metrics.values():
                if m.on_epoch and m.values:
                    key = m.key("_epoch" if m.forked else "")
                    targets = range(len(loaders)) if m.dataloader_idx is None else [m.dataloader_idx]
                    for i in targets:
                        if i < len(per_loader):
                            per_loader[i][key] = callback[key]
        if not sanity:
            self._val_has_run = True
        self._call_hooks(f"on_{prefix}_end")
        if was_training:
            self._call_fx(model, f"on_{prefix}_model_train")
        self.validating = self.testing = False
        self._multiple_loaders = False
        self._results = outer_results
        return per_loader

    @staticmethod
    def _print_results(fn: str, results: list[dict[str, float]]) -> None:
        keys = sorted({k for r in results for k in r})
        if not keys:
            return
        title = "Validate metric" if fn == "validate" else "Test metric"
        cols = [f"DataLoader {i}" for i in range(len(results))]
        width = max(len(title), *(len(k) for k in keys)) + 4
        col_w = max(22, *(len(c) + 4 for c in cols))
        rule = "─" * (width + col_w * len(cols))
        lines = [rule, title.center(width) + "".join(c.center(col_w) for c in cols), rule]
        for k in keys:
            cells = "".join((f"{r[k]}" if k in r else "").center(col_w) for r in results)
            lines.append(k.center(width) + cells)
        lines.append(rule)
        print("\n".join(lines))

    # ------------------------------------------------------------------ prediction
    def _predict_impl(self, keep: bool, weights_only: bool | None) -> Any:
        model = self.lightning_module
        assert model is not None
        loaders = self._as_list(self._source("predict"))
        if not loaders:
            raise MisconfigurationException("No `predict_dataloader()` method defined to run `Trainer.predict`: pass "
                                            "`dataloaders=` or a datamodule that defines it")
        counts = [self._limited(v, self.limit_predict_batches, "limit_predict_batches") for v in loaders]
        self.predict_dataloaders = loaders[0] if len(loaders) == 1 else loaders
        self.num_predict_batches = counts
        if self.ckpt_path is not None:
            self._restore(self._resolve_ckpt_path(self.ckpt_path), weights_only, full=False)
        self.predicting = True
        self._eval_totals = counts
        multiple = len(loaders) > 1
        self._call_fx(model, "on_predict_model_eval")
        self._call_hooks("on_predict_start")
        self._call_hooks("on_predict_epoch_start")
        outputs: list[list[Any]] = []
        takes_idx = _signature_takes(model.predict_step, "dataloader_idx")
        grad_off = ag.inference_mode() if self.inference_mode else ag.no_grad()
        with grad_off:
            for dl_idx, (loader, n) in enumerate(zip(loaders, counts)):
                found: list[Any] = []
                for batch_idx, batch in enumerate(loader):
                    if batch_idx >= n:
                        break
                    batch = self._to_device(batch)
                    extra = (dl_idx,) if multiple else ()
                    self._call_hooks("on_predict_batch_start", batch, batch_idx, *extra)
                    with self._fx("predict_step"):
                        out = model.predict_step(batch, batch_idx, dl_idx) if multiple and takes_idx \
                            else model.predict_step(batch, batch_idx)
                    self._call_hooks("on_predict_batch_end", out, batch, batch_idx, *extra)
                    if keep:
                        found.append(out)
                outputs.append(found)
        self._call_hooks("on_predict_epoch_end")
        self._call_hooks("on_predict_end")
        self.predicting = False
        if not keep:
            return None
        return outputs[0] if len(outputs) == 1 else outputs

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
