"""One training step of the ``Trainer``: automatic, manual and compiled optimization, and the
learning-rate schedulers' steps."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import arraygrad as ag
from arraygrad.core.tensor import Tensor
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.trainer._utils import _LightningOptimizer, _overridden
from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_warn

__all__: list[str] = []


class _Optimization:
    """The ``Trainer``'s training step and optimizer steps."""

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
