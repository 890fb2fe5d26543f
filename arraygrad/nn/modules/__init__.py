"""The layers of ``arraygrad.nn``, one file per family (as ``torch.nn.modules``)."""

from arraygrad.nn.modules.activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from arraygrad.nn.modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from arraygrad.nn.modules.flatten import Flatten, Unflatten
from arraygrad.nn.modules.linear import Bilinear, Identity, Linear
from arraygrad.nn.modules.module import Module

__all__ = [
    "Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity", "Linear",
    "Bilinear", "Flatten", "Unflatten", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "GELU",
    "SiLU", "ELU", "Softplus", "Hardtanh", "ReLU6", "Mish",
]
