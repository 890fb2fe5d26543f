"""``arraygrad.amp``: automatic mixed precision (``torch.amp``): :class:`autocast` regions and
the :class:`GradScaler` for float16 training."""

from arraygrad.amp.autocast_mode import (
    autocast,
    custom_bwd,
    custom_fwd,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
)
from arraygrad.amp.grad_scaler import GradScaler

__all__ = [
    "GradScaler", "autocast", "custom_bwd", "custom_fwd", "get_autocast_dtype", "is_autocast_available",
    "is_autocast_enabled",
]
