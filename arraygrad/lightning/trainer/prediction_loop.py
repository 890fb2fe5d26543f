"""The ``Trainer``'s predict loop."""

from __future__ import annotations

from typing import Any

import arraygrad as ag
from arraygrad.lightning.trainer._utils import _signature_takes
from arraygrad.lightning.utilities import MisconfigurationException

__all__: list[str] = []


class _PredictionLoop:
    """The ``Trainer``'s predict loop."""

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
