"""The instance-norm layers under PyTorch's path ``torch.nn.modules.instancenorm``; they are
defined with the batch-norm layers they share their code with."""

from arraygrad.nn.modules.batchnorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from arraygrad.nn.modules.batchnorm import _InstanceNorm as _InstanceNorm  # PyTorch's base class, at its path

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]
