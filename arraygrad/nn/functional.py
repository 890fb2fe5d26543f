"""``arraygrad.nn.functional``: functional forms of layers and activations (grows with ``nn``)."""

from arraygrad.core.indexing import one_hot
from arraygrad.core.ops import log_softmax, relu, sigmoid, softmax, softplus, tanh
from arraygrad.core.shape import pad

__all__ = ["log_softmax", "one_hot", "pad", "relu", "sigmoid", "softmax", "softplus", "tanh"]
