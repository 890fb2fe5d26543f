"""What ``configure_optimizers`` may return, turned into optimizers and scheduler configs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arraygrad.lightning.utilities import MisconfigurationException, rank_zero_warn
from arraygrad.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from arraygrad.optim.optimizer import Optimizer

__all__ = ["LRSchedulerConfig", "init_optimizers"]

_SCHEDULER_KEYS = {"scheduler", "name", "interval", "frequency", "reduce_on_plateau", "monitor", "strict", "opt_idx"}


@dataclass
class LRSchedulerConfig:
    """One scheduler and when it steps (Lightning's ``LRSchedulerConfig``)."""

    scheduler: Any
    name: str | None = None
    interval: str = "epoch"
    frequency: int = 1
    reduce_on_plateau: bool = False
    monitor: str | None = None
    strict: bool = True
    optimizer: Any = None


def _config(item: Any, monitor: str | None) -> LRSchedulerConfig:
    if isinstance(item, Mapping):
        if "scheduler" not in item:
            raise MisconfigurationException(
                'The lr scheduler dict must have the key "scheduler" with its item being an lr scheduler')
        extra = set(item) - _SCHEDULER_KEYS
        if extra:
            rank_zero_warn(f"Found unsupported keys in the lr scheduler dict: {sorted(extra)}.")
        interval = item.get("interval", "epoch")
        if interval not in ("epoch", "step"):
            raise MisconfigurationException(
                f'The "interval" key in lr scheduler dict must be "step" or "epoch" but is "{interval}"')
        config = LRSchedulerConfig(item["scheduler"], name=item.get("name"), interval=interval,
                                   frequency=int(item.get("frequency", 1)), monitor=item.get("monitor", monitor),
                                   strict=bool(item.get("strict", True)))
    else:
        config = LRSchedulerConfig(item, monitor=monitor)
    if not isinstance(config.scheduler, (LRScheduler, ReduceLROnPlateau)) and not hasattr(config.scheduler, "step"):
        raise MisconfigurationException(
            f"The provided lr scheduler `{type(config.scheduler).__name__}` is not a scheduler (it has no `step`)")
    config.reduce_on_plateau = isinstance(config.scheduler, ReduceLROnPlateau) or bool(
        isinstance(item, Mapping) and item.get("reduce_on_plateau"))
    if config.reduce_on_plateau and config.monitor is None:
        raise MisconfigurationException(
            "`configure_optimizers` must include a monitor when a `ReduceLROnPlateau` scheduler is used. For example:"
            ' {"optimizer": optimizer, "lr_scheduler": scheduler, "monitor": "metric_to_track"}')
    config.optimizer = getattr(config.scheduler, "optimizer", None)
    return config


def init_optimizers(result: Any) -> tuple[list[Any], list[LRSchedulerConfig]]:
    """The optimizers and scheduler configs of a ``configure_optimizers`` return value: an optimizer; a
    list/tuple of them; ``(optimizers, schedulers)``; a dict with ``"optimizer"`` (and ``"lr_scheduler"``,
    ``"monitor"``); or a list/tuple of such dicts. ``None`` gives no optimizer (with a warning).

    Raises:
        MisconfigurationException: any other shape, naming what was returned.
    """
    if result is None:
        rank_zero_warn("`LightningModule.configure_optimizers` returned `None`, this fit will run with no optimizer")
        return [], []
    optimizers: list[Any]
    items: list[Any] = []
    monitor: str | None = None
    if isinstance(result, Optimizer) or _is_optimizer(result):
        optimizers = [result]
    elif isinstance(result, Mapping):
        optimizers, items, monitor = _from_dict(result)
    elif isinstance(result, (list, tuple)) and len(result) == 2 and isinstance(result[0], (list, tuple)):
        optimizers = list(result[0])
        scheds = result[1]
        items = list(scheds) if isinstance(scheds, (list, tuple)) else [scheds]
    elif isinstance(result, (list, tuple)) and result and all(isinstance(d, Mapping) for d in result):
        optimizers = []
        for d in result:
            opts, its, mon = _from_dict(d)
            optimizers += opts
            items += [(it, mon) for it in its]
    elif isinstance(result, (list, tuple)) and all(_is_optimizer(o) for o in result):
        optimizers = list(result)
    else:
        raise MisconfigurationException(
            f"Unknown configuration for model optimizers ({type(result).__name__}: {result!r}). Output from "
            "`model.configure_optimizers()` should be one of: a single optimizer; a list or tuple of optimizers; two "
            "lists (optimizers, schedulers); a dict with 'optimizer' (and 'lr_scheduler', 'monitor'); a list of such dicts")
    for opt in optimizers:
        if not _is_optimizer(opt):
            raise MisconfigurationException(f"`configure_optimizers` returned {type(opt).__name__}, not an optimizer")
    configs = [_config(*it) if isinstance(it, tuple) else _config(it, monitor) for it in items]
    return optimizers, configs


def _is_optimizer(obj: Any) -> bool:
    return isinstance(obj, Optimizer) or (hasattr(obj, "param_groups") and hasattr(obj, "step"))


def _from_dict(d: Mapping[str, Any]) -> tuple[list[Any], list[Any], str | None]:
    if "optimizer" not in d:
        raise MisconfigurationException(f'`configure_optimizers` returned a dict without an "optimizer" key: {sorted(d)}')
    scheds = d.get("lr_scheduler")
    items: Sequence[Any] = [] if scheds is None else [scheds]
    return [d["optimizer"]], list(items), d.get("monitor")
