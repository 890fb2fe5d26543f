"""Where the ``Trainer`` gets its dataloaders (given, datamodule or module hooks), distributed samplers,
and how many batches of each it runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from arraygrad.lightning.datamodule import LightningDataModule
from arraygrad.lightning.trainer._utils import _overridden
from arraygrad.lightning.utilities import MisconfigurationException

__all__: list[str] = []


class _DataConnector:
    """The ``Trainer``'s dataloaders."""

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
