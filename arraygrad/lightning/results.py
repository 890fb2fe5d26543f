"""What ``self.log`` records: one entry per logged name and hook, its per-step value and its epoch
reduction, with Lightning's key rules.

- ``on_step`` and ``on_epoch`` both on: the step value is ``"<name>_step"``, the epoch value
  ``"<name>_epoch"``; ``callback_metrics`` also has ``"<name>"`` (the step value during the epoch,
  the epoch value after it).
- The epoch value of ``reduce_fx="mean"`` (the default) is the mean over the epoch's batches weighted
  by each batch's size (``batch_size=`` or the first dimension of the batch's first tensor), accumulated
  in float32 as Lightning does;
  ``"sum"``, ``"max"``, ``"min"`` (or ``ag.sum``/``ag.max``/``ag.min``/``ag.mean``) reduce the logged
  values; any other callable is applied to a 1-d tensor of them.
- With several dataloaders in validation or testing, every key ends in ``"/dataloader_idx_<i>"``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.lightning.utilities import MisconfigurationException

__all__ = ["ResultCollection", "LoggedMetric", "to_float", "reduce_name"]

_REDUCE_NAMES = ("mean", "sum", "max", "min")


def reduce_name(reduce_fx: str | Callable[..., Any]) -> str | Callable[..., Any]:
    """``"mean"``/``"sum"``/``"max"``/``"min"`` for those names and for ``ag.mean``/``ag.sum``/``ag.max``/``ag.min``
    (also ``"avg"``), else the callable itself.

    Raises:
        MisconfigurationException: an unknown reduction name.
    """
    if isinstance(reduce_fx, str):
        name = {"avg": "mean"}.get(reduce_fx.lower(), reduce_fx.lower())
        if name not in _REDUCE_NAMES:
            raise MisconfigurationException(
                f"self.log(reduce_fx={reduce_fx!r}): only 'mean', 'sum', 'max', 'min' or a callable are supported")
        return name
    qualname = getattr(reduce_fx, "__name__", "")
    module = getattr(reduce_fx, "__module__", "") or ""
    if qualname in _REDUCE_NAMES and (module.startswith("arraygrad") or module in ("builtins", "torch")):
        return qualname
    if not callable(reduce_fx):
        raise MisconfigurationException(f"self.log(reduce_fx=...): expected a name or a callable, got {reduce_fx!r}")
    return reduce_fx


def _f32(x: float) -> float:
    """``x`` rounded to float32 (a Python float): float64 arithmetic rounded after each operation gives
    float32's correctly rounded sums, products and quotients."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def to_float(name: str, value: Any) -> float:
    """``value`` (a one-element tensor, a number or a bool) as a Python float.

    Raises:
        ValueError: a tensor with more than one element.
        TypeError: anything else (strings, dicts, lists...).
    """
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"`self.log({name}, {tuple(value.shape)}-shaped tensor)` was called, but the tensor must have a "
                             f"single element. You can try doing `self.log({name}, tensor.mean())`")
        return float(value.detach().reshape(()).item())
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return float(value.item())
    if isinstance(value, dict):
        raise TypeError(f"`self.log({name}, dict)` was called: use `self.log_dict` to log a dict of values")
    raise TypeError(f"`self.log({name}, value)` was called with a value of type {type(value).__name__}: it must be a "
                    "one-element tensor or a number")


@dataclass
class LoggedMetric:
    """One name logged from one hook: its options and the values logged so far this epoch."""

    name: str
    fx: str
    on_step: bool
    on_epoch: bool
    prog_bar: bool
    logger: bool
    reduce_fx: str | Callable[..., Any]
    dataloader_idx: int | None = None
    values: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    last: float = math.nan
    #: the value was logged in the current batch (step metrics are sent only for those)
    fresh: bool = False

    @property
    def forked(self) -> bool:
        return self.on_step and self.on_epoch

    def key(self, suffix: str = "") -> str:
        base = self.name + suffix
        return base if self.dataloader_idx is None else f"{base}/dataloader_idx_{self.dataloader_idx}"

    def add(self, value: float, batch_size: int) -> None:
        self.values.append(value)
        self.sizes.append(batch_size)
        self.last = value
        self.fresh = True

    def reduced(self) -> float:
        """The epoch value of the values logged so far."""
        if not self.values:
            return math.nan
        fx = self.reduce_fx
        # Lightning accumulates in a float32 tensor, one value at a time: so do we, bit for bit
        if fx == "mean":
            acc = 0.0
            for v, s in zip(self.values, self.sizes):
                acc = _f32(acc + _f32(_f32(v) * s))
            total = sum(self.sizes)
            return _f32(acc / _f32(total)) if total else math.nan
        if fx == "sum":
            acc = 0.0
            for v in self.values:
                acc = _f32(acc + _f32(v))
            return acc
        if fx == "max":
            return max(self.values)
        if fx == "min":
            return min(self.values)
        import arraygrad as ag

        out = fx(ag.tensor(self.values, dtype=ag.float64))  # type: ignore[operator]
        if isinstance(out, tuple):  # ag.max(t) style (values, indices)
            out = out[0]
        return to_float(self.name, out)


class ResultCollection:
    """The metrics one stage (training, validation, testing) logged during its current epoch."""

    def __init__(self) -> None:
        self.metrics: dict[tuple[str, int | None], LoggedMetric] = {}

    def log(self, fx: str, name: str, value: float, *, prog_bar: bool, logger: bool, on_step: bool, on_epoch: bool,
            reduce_fx: str | Callable[..., Any], batch_size: int, dataloader_idx: int | None) -> LoggedMetric:
        """Record one value.

        Raises:
            MisconfigurationException: ``name`` was logged before from another hook or with other options.
        """
        key = (name, dataloader_idx)
        metric = self.metrics.get(key)
        if metric is None:
            metric = LoggedMetric(name, fx, on_step, on_epoch, prog_bar, logger, reduce_fx, dataloader_idx)
            self.metrics[key] = metric
        elif metric.fx != fx and metric.values:
            raise MisconfigurationException(
                f"You called `self.log({name}, ...)` twice in `{fx}` and `{metric.fx}` with different arguments: "
                "the same key can only be logged from one hook. Use another name.")
        else:
            metric.on_step, metric.on_epoch, metric.prog_bar, metric.logger = on_step, on_epoch, prog_bar, logger
            metric.reduce_fx = reduce_fx
        metric.add(value, batch_size)
        return metric

    def start_batch(self) -> None:
        """Mark every metric as not logged in the new batch."""
        for m in self.metrics.values():
            m.fresh = False

    def step_values(self) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """(logger, progress bar, callback) values of the metrics logged on step in the current batch."""
        to_log: dict[str, float] = {}
        bar: dict[str, float] = {}
        callback: dict[str, float] = {}
        for m in self.metrics.values():
            if not (m.on_step and m.fresh):
                continue
            key = m.key("_step" if m.forked else "")
            callback[key] = m.last
            if m.forked:
                callback[m.key()] = m.last
            if m.logger:
                to_log[key] = m.last
            if m.prog_bar:
                bar[key] = m.last
        return to_log, bar, callback

    def epoch_values(self) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """(logger, progress bar, callback) epoch values of the metrics logged with ``on_epoch``."""
        to_log: dict[str, float] = {}
        bar: dict[str, float] = {}
        callback: dict[str, float] = {}
        for m in self.metrics.values():
            if not m.on_epoch or not m.values:
                continue
            key = m.key("_epoch" if m.forked else "")
            value = m.reduced()
            callback[key] = value
            if m.forked:
                callback[m.key()] = value
            if m.logger:
                to_log[key] = value
            if m.prog_bar:
                bar[key] = value
        return to_log, bar, callback

    def reset(self) -> None:
        """Forget everything (a new epoch)."""
        self.metrics.clear()

    def state(self) -> list[dict[str, Any]]:
        """The values logged so far this epoch, as plain data for a checkpoint (metrics reduced by a
        custom callable are left out)."""
        return [{"name": m.name, "fx": m.fx, "on_step": m.on_step, "on_epoch": m.on_epoch, "prog_bar": m.prog_bar,
                 "logger": m.logger, "reduce_fx": m.reduce_fx, "dataloader_idx": m.dataloader_idx,
                 "values": list(m.values), "sizes": list(m.sizes)}
                for m in self.metrics.values() if isinstance(m.reduce_fx, str)]

    def restore(self, state: list[dict[str, Any]]) -> None:
        """Put back what ``state()`` returned."""
        for entry in state:
            idx = entry.get("dataloader_idx")
            metric = LoggedMetric(entry["name"], entry["fx"], bool(entry["on_step"]), bool(entry["on_epoch"]),
                                  bool(entry["prog_bar"]), bool(entry["logger"]), entry["reduce_fx"],
                                  None if idx is None else int(idx), [float(v) for v in entry["values"]],
                                  [int(v) for v in entry["sizes"]])
            metric.last = metric.values[-1] if metric.values else math.nan
            self.metrics[(metric.name, metric.dataloader_idx)] = metric
