"""``torch.utils.tensorboard`` for arraygrad: ``from arraygrad.utils.tensorboard import SummaryWriter``.

The writer is tensorboardX's (``pip install tensorboardX``, or the ``tensorboard`` extra), whose
``add_*`` methods accept arraygrad tensors of any backend here (each is copied to the host as a numpy
array, as ``SummaryWriter`` does with a CUDA tensor). Everything else is tensorboardX's own.
"""

from __future__ import annotations

import functools
from typing import Any

from arraygrad.core.tensor import Tensor

try:
    from tensorboardX import SummaryWriter as _TensorboardXWriter
except ImportError as exc:  # as torch.utils.tensorboard does without its package
    raise ImportError(
        "arraygrad.utils.tensorboard needs tensorboardX: pip install tensorboardX "
        "(or pip install -e \".[tensorboard]\" in an arraygrad checkout)"
    ) from exc

__all__ = ["SummaryWriter"]


def _host(value: Any) -> Any:
    """Tensors (also inside lists, tuples and dicts) as host numpy arrays; anything else as is."""
    if isinstance(value, Tensor):
        return value.detach().numpy() if value._backend.name == "numpy" else value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)):
        return type(value)(_host(v) for v in value)
    if isinstance(value, dict):
        return {k: _host(v) for k, v in value.items()}
    return value


def _accepting_tensors(method: Any) -> Any:
    @functools.wraps(method)
    def add(self: Any, *args: Any, **kwargs: Any) -> Any:
        return method(self, *(_host(a) for a in args), **{k: _host(v) for k, v in kwargs.items()})

    return add


class SummaryWriter(_TensorboardXWriter):  # type: ignore[misc]
    """Write TensorBoard event files, as ``torch.utils.tensorboard.SummaryWriter``, accepting arraygrad tensors.

    This is tensorboardX's ``SummaryWriter`` with PyTorch's constructor, whose ``add_*`` methods
    (``add_scalar``, ``add_image``, ``add_histogram``, ``add_images``, ``add_embedding`` ...) take
    arraygrad tensors of any backend, also inside lists, tuples and dicts: each is detached and copied
    to the host as a numpy array first.

    Args:
        log_dir: the directory the event files go to; None makes ``runs/<date>_<time>_<hostname><comment>``
            (default None).
        comment: appended to the generated directory name; ignored when ``log_dir`` is given (default ``''``).
        purge_step: on a restart at this step, hide the events already logged at this step or later
            (default None).
        max_queue: how many pending events and summaries are queued before an ``add_*`` call flushes
            them to disk (default 10).
        flush_secs: how often the pending events are flushed to disk, in seconds (default 120).
        filename_suffix: appended to the name of every event file (default ``''``).
    """

    def __init__(self, log_dir: str | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "") -> None:
        super().__init__(logdir=log_dir, comment=comment, purge_step=purge_step, max_queue=max_queue,
                         flush_secs=flush_secs, filename_suffix=filename_suffix)


for _name in dir(_TensorboardXWriter):
    if _name.startswith("add_") and callable(getattr(_TensorboardXWriter, _name)):
        setattr(SummaryWriter, _name, _accepting_tensors(getattr(_TensorboardXWriter, _name)))
del _name
