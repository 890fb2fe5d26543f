"""``arraygrad.autograd``: ``grad``, ``backward``, custom ``Function`` and grad-mode switches."""

from arraygrad.core.autograd import (
    Function,
    FunctionCtx,
    backward,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "Function", "FunctionCtx", "backward", "enable_grad", "grad", "is_grad_enabled", "no_grad", "set_grad_enabled",
]
