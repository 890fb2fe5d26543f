"""``arraygrad.cpu.amp``: PyTorch's deprecated spellings ``torch.cpu.amp.autocast`` and
``torch.cpu.amp.GradScaler``, still used by many programs; they warn (FutureWarning) and do what
``arraygrad.amp.autocast("cpu", ...)`` and ``arraygrad.amp.GradScaler("cpu", ...)`` do."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.amp import autocast_mode, grad_scaler
from arraygrad.core import dtypes

__all__ = ["GradScaler", "autocast"]


class autocast(autocast_mode.autocast):  # noqa: N801 - PyTorch's name
    """``arraygrad.amp.autocast("cpu", ...)``, the deprecated way (warns FutureWarning).

    Args:
        enabled: False makes the region one without autocast.
        dtype: the lower precision dtype (default bfloat16).
        cache_enabled: whether casts of parameters are cached inside the region.
    """

    def __init__(self, enabled: bool = True, dtype: Any = dtypes.bfloat16, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cpu.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cpu', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(grad_scaler.GradScaler):
    """``arraygrad.amp.GradScaler("cpu", ...)``, the deprecated way (warns FutureWarning); see
    :class:`arraygrad.amp.GradScaler` for the arguments."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('cpu', args...)` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
