"""``arraygrad.nn.parallel``: ``DistributedDataParallel``, as ``torch.nn.parallel``."""

from arraygrad.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
