"""``arraygrad.nn``: ``Module``, ``Parameter``, layers, containers, ``init``, ``functional`` and ``utils``,
shaped like ``torch.nn``."""

from arraygrad.nn import functional, init, utils
from arraygrad.nn.modules import (
    ELU,
    GELU,
    Bilinear,
    Flatten,
    Hardtanh,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Mish,
    Module,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    Unflatten,
)
from arraygrad.nn.parameter import Parameter

__all__ = [
    "functional", "init", "utils", "Parameter", "Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
    "ParameterDict", "Identity", "Linear", "Bilinear", "Flatten", "Unflatten", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "GELU", "SiLU", "ELU", "Softplus", "Hardtanh", "ReLU6", "Mish",
]
