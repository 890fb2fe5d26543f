"""The ``Trainer``'s validation and test loops, and the table of results they print."""

from __future__ import annotations

from typing import Any

import arraygrad as ag
from arraygrad.lightning.results import ResultCollection
from arraygrad.lightning.trainer._utils import _signature_takes
from arraygrad.lightning.utilities import MisconfigurationException

__all__: list[str] = []


class _EvaluationLoop:
    """The ``Trainer``'s validation and test loops."""

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
