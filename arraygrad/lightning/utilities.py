"""Small pieces shared by the Lightning-shaped trainer: its exception, ``AttributeDict``, the
informational log, batch-size inference and moving a batch onto the fit's backend."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from arraygrad.core.tensor import Tensor

__all__ = ["MisconfigurationException", "AttributeDict", "rank_zero_info", "rank_zero_warn", "extract_batch_size",
           "move_data_to_backend"]

#: the trainer's informational messages (model summary, why a fit stopped), printed like Lightning's
log = logging.getLogger("arraygrad.lightning")


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is when a message is logged (so redirections see it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


if not log.handlers:
    _handler = _StdoutHandler()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class MisconfigurationException(Exception):  # noqa: N818 - Lightning's name
    """A Trainer, module or callback was configured in a way that cannot run (Lightning's exception)."""


class AttributeDict(dict[str, Any]):
    """A dict whose keys are also attributes: ``hparams.lr`` is ``hparams["lr"]``."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(f"'AttributeDict' object has no attribute '{key}'") from exc

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __delattr__(self, key: str) -> None:
        try:
            del self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc

    def __repr__(self) -> str:
        if not self:
            return ""
        width = max(len(str(k)) for k in self)
        return "\n".join(f'"{k}":{" " * (width - len(str(k)) + 1)}{v}' for k, v in sorted(self.items()))


def _global_rank() -> int:
    from arraygrad import distributed as dist

    return dist.get_rank() if dist.is_initialized() else 0


def rank_zero_info(message: str) -> None:
    """Log ``message`` on the process of rank 0 only."""
    if _global_rank() == 0:
        log.info(message)


def rank_zero_warn(message: str, category: type[Warning] = UserWarning, stacklevel: int = 3) -> None:
    """``warnings.warn`` on the process of rank 0 only."""
    import warnings

    if _global_rank() == 0:
        warnings.warn(message, category, stacklevel=stacklevel)


def extract_batch_size(batch: Any) -> int | None:
    """The size of the first dimension of the first tensor found in ``batch`` (a tensor, or lists,
    tuples and dicts of them), as Lightning infers the batch size for ``self.log``; ``None`` if the
    batch holds no tensor with a dimension."""
    if isinstance(batch, Tensor):
        return int(batch.shape[0]) if batch.ndim > 0 else 1
    if isinstance(batch, str):
        return None
    if isinstance(batch, Mapping):
        batch = list(batch.values())
    if isinstance(batch, (list, tuple)):
        for item in batch:
            size = extract_batch_size(item)
            if size is not None:
                return size
    return None


def move_data_to_backend(batch: Any, backend: str) -> Any:
    """``batch`` with every tensor moved to ``backend`` (tensors already there are kept as they are);
    lists, tuples (named ones too) and dicts are rebuilt, anything else is returned unchanged."""
    if isinstance(batch, Tensor):
        return batch if batch.backend.name == backend else batch.to(backend)
    if isinstance(batch, Mapping):
        return type(batch)({k: move_data_to_backend(v, backend) for k, v in batch.items()})  # type: ignore[call-arg]
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(move_data_to_backend(v, backend) for v in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_data_to_backend(v, backend) for v in batch)
    return batch
