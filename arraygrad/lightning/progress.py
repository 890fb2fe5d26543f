"""The progress bar (a tqdm bar per epoch with the ``prog_bar`` metrics, as Lightning's
``TQDMProgressBar``) and the model summary printed when a fit starts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from arraygrad.lightning.callbacks import Callback

if TYPE_CHECKING:
    from arraygrad.lightning.module import LightningModule
    from arraygrad.lightning.trainer import Trainer

__all__ = ["ProgressBar", "TQDMProgressBar", "summarize", "format_summary"]


class ProgressBar(Callback):
    """Base of progress bars: ``get_metrics`` gives what the bar shows."""

    def get_metrics(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, int | str | float]:
        """``v_num`` (the logger's version) and the ``prog_bar`` metrics."""
        items: dict[str, int | str | float] = {}
        if trainer.loggers and trainer.loggers[0].version is not None:
            version = trainer.loggers[0].version
            items["v_num"] = version[-4:] if isinstance(version, str) else version
        items.update(trainer.progress_bar_metrics)
        return items


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


class TQDMProgressBar(ProgressBar):
    """A tqdm bar per training epoch (``Epoch 3: 40%|████ | 4/10 [...] v_num=0, train_loss=0.512``) and
    one for each validation, test and prediction run.

    Args:
        refresh_rate: update the bar every N batches (0 disables it).
        leave: keep each finished epoch's bar on screen.
    """

    def __init__(self, refresh_rate: int = 1, process_position: int = 0, leave: bool = False) -> None:
        self.refresh_rate = refresh_rate
        self.process_position = process_position
        self.leave = leave
        self.train_progress_bar: Any = None
        self.val_progress_bar: Any = None
        self._eval_bar: Any = None

    @property
    def is_enabled(self) -> bool:
        return self.refresh_rate > 0

    def _bar(self, desc: str, total: int | None, leave: bool, position: int) -> Any:
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, leave=leave, position=position, dynamic_ncols=True, file=sys.stdout,
                    smoothing=0, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]")

    def _postfix(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, str]:
        return {k: _format(v) for k, v in self.get_metrics(trainer, pl_module).items()}

    # -- training
    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self.is_enabled or not trainer.is_global_zero:
            return
        if self.train_progress_bar is not None:
            self.train_progress_bar.close()
        n = trainer.num_training_batches
        total = None if n == float("inf") else int(n)
        self.train_progress_bar = self._bar(f"Epoch {trainer.current_epoch}", total, True, 2 * self.process_position)

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        bar = self.train_progress_bar
        if bar is None:
            return
        bar.update(1)
        if (batch_idx + 1) % self.refresh_rate == 0 or batch_idx + 1 == trainer.num_training_batches:
            bar.set_postfix(self._postfix(trainer, pl_module), refresh=True)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        bar = self.train_progress_bar
        if bar is not None:
            bar.set_postfix(self._postfix(trainer, pl_module), refresh=True)
            if not self.leave:
                bar.close()
                self.train_progress_bar = None

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.train_progress_bar is not None:
            self.train_progress_bar.close()
            self.train_progress_bar = None

    # -- evaluation
    def _start_eval(self, trainer: Trainer, desc: str, total: int) -> None:
        if not self.is_enabled or not trainer.is_global_zero or total == 0:
            return
        self._eval_bar = self._bar(desc, total, False, 2 * self.process_position + 1)

    def _advance_eval(self) -> None:
        if self._eval_bar is not None:
            self._eval_bar.update(1)

    def _end_eval(self) -> None:
        if self._eval_bar is not None:
            self._eval_bar.close()
            self._eval_bar = None

    def on_validation_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int,
                                  dataloader_idx: int = 0) -> None:
        if batch_idx == 0:
            self._end_eval()
            desc = "Sanity Checking" if trainer.sanity_checking else "Validation"
            self._start_eval(trainer, f"{desc} DataLoader {dataloader_idx}", trainer._current_eval_batches(dataloader_idx))

    def on_validation_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                                batch_idx: int, dataloader_idx: int = 0) -> None:
        self._advance_eval()

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._end_eval()
        if self.train_progress_bar is not None and trainer.training:
            self.train_progress_bar.set_postfix(self._postfix(trainer, pl_module), refresh=True)

    def on_test_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int,
                            dataloader_idx: int = 0) -> None:
        if batch_idx == 0:
            self._end_eval()
            self._start_eval(trainer, f"Testing DataLoader {dataloader_idx}", trainer._current_eval_batches(dataloader_idx))

    def on_test_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any, batch_idx: int,
                          dataloader_idx: int = 0) -> None:
        self._advance_eval()

    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._end_eval()

    def on_predict_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int,
                               dataloader_idx: int = 0) -> None:
        if batch_idx == 0:
            self._end_eval()
            self._start_eval(trainer, f"Predicting DataLoader {dataloader_idx}",
                             trainer._current_eval_batches(dataloader_idx))

    def on_predict_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any, batch: Any,
                             batch_idx: int, dataloader_idx: int = 0) -> None:
        self._advance_eval()

    def on_predict_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._end_eval()


def summarize(module: Any, max_depth: int = 1) -> list[tuple[str, str, int, str]]:
    """(name, type, parameter count, ``"train"``/``"eval"``) of the module's submodules down to
    ``max_depth`` levels (1: the direct children)."""
    rows: list[tuple[str, str, int, str]] = []
    for name, sub in module.named_modules():
        if not name or name.count(".") >= max_depth:
            continue
        count = sum(p.numel() for p in sub.parameters())
        rows.append((name, type(sub).__name__, count, "train" if sub.training else "eval"))
    return rows


def _size_mb(n: int) -> str:
    return f"{n * 4 / 1e6:,.3f}"


def format_summary(module: Any, max_depth: int = 1) -> str:
    """The model summary table Lightning prints at fit start (layers, types, parameter counts, mode),
    followed by the trainable / non-trainable / total counts and the estimated size in MB."""
    rows = summarize(module, max_depth)
    headers = ("", "Name", "Type", "Params", "Mode")
    table = [(str(i), n, t, _human(c), m) for i, (n, t, c, m) in enumerate(rows)]
    widths = [max([len(h)] + [len(r[j]) for r in table]) for j, h in enumerate(headers)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    header = line(headers)
    out = [header, "-" * len(header)] + [line(r) for r in table] + ["-" * len(header)]
    params = list(module.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    total = sum(p.numel() for p in params)
    in_train = sum(1 for _, m in module.named_modules() if m.training) - (1 if module.training else 0)
    in_eval = sum(1 for _ in module.named_modules()) - 1 - in_train
    out += [f"{_human(trainable):<10}Trainable params", f"{_human(total - trainable):<10}Non-trainable params",
            f"{_human(total):<10}Total params", f"{_size_mb(total):<10}Total estimated model params size (MB)",
            f"{in_train:<10}Modules in train mode", f"{in_eval:<10}Modules in eval mode"]
    return "\n".join(out)


def _human(n: int) -> str:
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return str(n)
