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
    """tensorboardX's ``SummaryWriter`` (PyTorch's arguments: ``log_dir``, ``comment``,
    ``purge_step``, ``max_queue``, ``flush_secs``, ``filename_suffix``) whose ``add_scalar``,
    ``add_image``, ``add_histogram``, ``add_images``, ``add_embedding``... take arraygrad tensors."""


for _name in dir(_TensorboardXWriter):
    if _name.startswith("add_") and callable(getattr(_TensorboardXWriter, _name)):
        setattr(SummaryWriter, _name, _accepting_tensors(getattr(_TensorboardXWriter, _name)))
del _name
