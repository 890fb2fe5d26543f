"""``arraygrad.autograd``: ``grad``, ``backward``, custom ``Function``, grad-mode switches, anomaly
detection and gradient checks."""

from arraygrad.core.anomaly import detect_anomaly, set_detect_anomaly
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
from arraygrad.core.gradcheck import GradcheckError, gradcheck, gradgradcheck
from arraygrad.core.legacy import Variable

__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly", "enable_grad", "grad",
    "gradcheck", "gradgradcheck", "inference_mode", "is_grad_enabled", "no_grad", "set_detect_anomaly",
    "set_grad_enabled",
]
