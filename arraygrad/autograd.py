"""``arraygrad.autograd``: ``grad``, ``backward``, custom ``Function`` and grad-mode switches."""

from arraygrad.core.autograd import (
    Function,
    FunctionCtx,
    backward,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from arraygrad.core.legacy import Variable

__all__ = [
    "Function", "FunctionCtx", "Variable", "backward", "enable_grad", "grad", "inference_mode", "is_grad_enabled",
    "no_grad", "set_grad_enabled",
]
