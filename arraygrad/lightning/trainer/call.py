"""Running a stage of the ``Trainer`` (setup, the stage's body, teardown, what an exception triggers)
and calling the hooks of the callbacks and the module."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import arraygrad as ag
from arraygrad.lightning.callbacks import ModelCheckpoint
from arraygrad.lightning.datamodule import LightningDataModule
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.trainer._utils import _MONITORING, _overridden
from arraygrad.lightning.trainer.states import TrainerFn
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_info

__all__: list[str] = []


class _StageRunner:
    """The ``Trainer``'s stage runner and hook calls."""

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
