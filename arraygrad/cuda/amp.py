"""``arraygrad.cuda.amp``: PyTorch's deprecated spellings ``torch.cuda.amp.autocast`` and
``torch.cuda.amp.GradScaler``, still used by many programs; they warn (FutureWarning) and do what
``arraygrad.amp.autocast("cuda", ...)`` and ``arraygrad.amp.GradScaler("cuda", ...)`` do (without
a CUDA backend: warn again and stay disabled, as PyTorch does)."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.amp import autocast_mode, grad_scaler
from arraygrad.core import dtypes

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd"]


class autocast(autocast_mode.autocast):  # noqa: N801 - PyTorch's name
    """``arraygrad.amp.autocast("cuda", ...)``, the deprecated way (warns FutureWarning).

    Args:
        enabled: False makes the region one without autocast.
        dtype: the lower precision dtype (default float16).
        cache_enabled: whether casts of parameters are cached inside the region.
    """

    def __init__(self, enabled: bool = True, dtype: Any = dtypes.float16, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', args...)` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(grad_scaler.GradScaler):
    """``arraygrad.amp.GradScaler("cuda", ...)``, the deprecated way (warns FutureWarning); see
    :class:`arraygrad.amp.GradScaler` for the arguments."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('cuda', args...)` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def custom_fwd(fwd: Any = None, *, cast_inputs: Any = None) -> Any:
    """``arraygrad.amp.custom_fwd(..., device_type="cuda")``, the deprecated way (warns FutureWarning)."""
    warnings.warn(
        "`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
        "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return autocast_mode.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd: Any = None) -> Any:
    """``arraygrad.amp.custom_bwd(..., device_type="cuda")``, the deprecated way (warns FutureWarning)."""
    warnings.warn(
        "`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
        "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return autocast_mode.custom_bwd(bwd, device_type="cuda")
