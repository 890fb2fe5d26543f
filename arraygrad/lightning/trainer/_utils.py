"""Helpers of the ``Trainer``: the accelerator names, the hooks ``self.log`` may be called from, the
optimizer wrapper of manual optimization, and small checks on modules and batches."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import arraygrad as ag
from arraygrad.core.tensor import Tensor
from arraygrad.lightning.callbacks import EarlyStopping, ModelCheckpoint
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.utilities import MisconfigurationException

if TYPE_CHECKING:
    from arraygrad.lightning.trainer.trainer import Trainer

__all__: list[str] = []


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
