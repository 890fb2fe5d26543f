"""Samplers, as ``torch.utils.data``: iterables over dataset indices (or lists of indices).

Random samplers draw from arraygrad's seeded Generator, so the same seed gives the same order on
every backend. Indices are produced as Python ints.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

from arraygrad.core import dtypes
from arraygrad.core.creation import as_tensor
from arraygrad.core.random import Generator
from arraygrad.data._utils import HOST_BACKEND, draw_seed, host_rand, host_randint, host_randperm

T_co = TypeVar("T_co", covariant=True)

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


class Sampler(Generic[T_co]):
    """Base class: subclasses define ``__iter__`` (and ``__len__`` when the length is known)."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """Yield the indices ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source: the dataset (anything with ``len``) whose indices are yielded.
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Indices in random order: a permutation (repeated when ``num_samples > len``), or
    ``num_samples`` draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices (default ``len(data_source)``).
        generator: where the randomness comes from; when None, each iteration seeds a fresh
            generator from a draw of the default generator (so ``ag.manual_seed`` fixes the order).

    Raises:
        TypeError: ``replacement`` is not a bool.
        ValueError: ``num_samples`` is not a positive int (also for an empty data source).
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields: ``num_samples`` when given, else the data source's current length."""
        # the data source may change size between iterations: look it up each time
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if self.generator is None:
            generator = Generator().manual_seed(draw_seed(None))
        else:
            generator = self.generator
        if self.replacement:
            # drawn in chunks of 32 so that a partly consumed iterator has used little of the stream
            for _ in range(self.num_samples // 32):
                yield from host_randint(n, 32, generator)
            yield from host_randint(n, self.num_samples % 32, generator)
        else:
            for _ in range(self.num_samples // n):
                yield from host_randperm(n, generator)
            if self.num_samples % n:
                yield from host_randperm(n, generator)[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in random order (a new permutation each iteration).

    Args:
        indices: the indices to sample from.
        generator: where the randomness comes from (default: the default generator).
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in host_randperm(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` with probability proportional
    to ``weights[i]`` (the weights need not sum to 1).

    With replacement each draw inverts the cumulative weights (a bisection on host values);
    without replacement the order is that of the smallest ``E_i / w_i`` for exponential ``E_i``
    (the Efraimidis-Spirakis race, the method ``torch.multinomial`` uses), zero weights never drawn.

    Args:
        weights: a 1-d sequence or tensor of non-negative weights.
        num_samples: how many indices to draw.
        replacement: draw with replacement (default True).
        generator: where the randomness comes from (default: the default generator).

    Raises:
        ValueError: ``num_samples`` not a positive int, ``replacement`` not a bool, weights not 1-d.
        RuntimeError: (when iterated) negative, infinite or NaN weights, all weights zero, or more
            samples without replacement than non-zero weights.
    """

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_tensor = as_tensor(weights, dtype=dtypes.float64, backend=HOST_BACKEND)
        if weights_tensor.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(weights_tensor.shape)}"
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        yield from _multinomial(self.weights.tolist(), self.num_samples, self.replacement, self.generator)

    def __len__(self) -> int:
        return self.num_samples


def _multinomial(weights: list[float], num_samples: int, replacement: bool, generator: Generator | None) -> list[int]:
    if any(not (w >= 0) or math.isinf(w) for w in weights):  # `not >=` also catches NaN
        raise RuntimeError("invalid multinomial distribution: probability tensor contains either `inf`, `nan` "
                           "or element < 0")
    if not weights or sum(weights) <= 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if replacement:
        cdf = list(itertools.accumulate(weights))
        total = cdf[-1]
        # the first i with cdf[i] > u * total: zero-weight categories have cdf[i] == cdf[i-1] and are never hit
        return [bisect.bisect_right(cdf, u * total) for u in host_rand(num_samples, generator)]
    if num_samples > len(weights):
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    nonzero = sum(1 for w in weights if w > 0)
    if num_samples > nonzero:
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                           "category to sample)")
    uniform = host_rand(len(weights), generator)
    keys = [(-math.log1p(-u) / w if w > 0 else math.inf) for u, w in zip(uniform, weights)]
    return sorted(range(len(weights)), key=keys.__getitem__)[:num_samples]


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    ``list(BatchSampler(SequentialSampler(range(10)), 3, drop_last=False))`` is
    ``[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]``; with ``drop_last=True`` the short ``[9]`` is dropped.

    Args:
        sampler: the sampler (or any iterable of indices) to group.
        batch_size: the number of indices per batch, a positive int.
        drop_last: drop the last batch when it is shorter than ``batch_size``.

    Raises:
        ValueError: ``batch_size`` not a positive int, ``drop_last`` not a bool.
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        sampler_iter = iter(self.sampler)
        if self.drop_last:
            # zip of one iterator repeated stops at the first incomplete group
            for group in zip(*([sampler_iter] * self.batch_size)):
                yield list(group)
        else:
            batch = list(itertools.islice(sampler_iter, self.batch_size))
            while batch:
                yield batch
                batch = list(itertools.islice(sampler_iter, self.batch_size))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size  # type: ignore[arg-type]
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size  # type: ignore[arg-type]
