"""``DistributedSampler``: each of ``num_replicas`` processes loads its own share of a dataset."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sized
from typing import TypeVar

from arraygrad.core.random import Generator
from arraygrad.data._utils import host_randperm
from arraygrad.data.sampler import Sampler

T_co = TypeVar("T_co", covariant=True)

__all__ = ["DistributedSampler"]


def _default(name: str, what: str) -> int:
    """``what`` from the process group when it is initialised, else from ``$name``."""
    from arraygrad import distributed as dist

    if dist.is_initialized():
        return dist.get_world_size() if name == "WORLD_SIZE" else dist.get_rank()
    value = os.environ.get(name)
    if value is None:
        raise dist.DistributedNotInitializedError(
            f"DistributedSampler: {what} was not given, the default process group has not been initialized "
            f"(call arraygrad.distributed.init_process_group()) and ${name} is not set; pass {what}= explicitly"
        )
    return int(value)


class DistributedSampler(Sampler[int]):
    """The indices replica ``rank`` of ``num_replicas`` loads, exactly as PyTorch's sampler.

    Every replica builds the same index list (a permutation seeded with ``seed + epoch`` when
    ``shuffle``, else ``0 .. n-1``), pads it by repeating its start to a multiple of
    ``num_replicas`` (or, with ``drop_last``, cuts the tail), and takes every
    ``num_replicas``-th index from position ``rank``. Call ``set_epoch(epoch)`` before each epoch
    to reshuffle.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: number of processes (default: the process group's world size, else ``$WORLD_SIZE``).
        rank: this process's rank (default: its rank in the process group, else ``$RANK``).
        shuffle: shuffle the indices (default True).
        seed: seed of the shuffle; must be the same on every replica.
        drop_last: drop the tail instead of padding so every replica gets the same count.

    Raises:
        ValueError: ``rank`` not in ``[0, num_replicas - 1]``.
        RuntimeError: ``num_replicas`` or ``rank`` missing, no process group and not in the environment
            (the error is also a ValueError, which PyTorch raises here).
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _default("WORLD_SIZE", "num_replicas")
        if rank is None:
            rank = _default("RANK", "rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            # the largest per-replica count that needs no padding
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = host_randperm(n, Generator().manual_seed(self.seed + self.epoch))
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use a new shuffle for ``epoch`` (the same on every replica).

        Args:
            epoch: the epoch number; the shuffle's seed is ``seed + epoch``.
        """
        self.epoch = epoch
