"""Fetchers: turn one entry of the index sampler into one collated batch (or one sample).

Shared by the main-process iterator and the worker processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.creation import tensor
from arraygrad.data._utils.collate import default_collate


class _BaseDatasetFetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index: Any) -> Any:
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """Reads the next ``len(index)`` items of ``iter(dataset)``; raises StopIteration at its end
    (or on a short last batch with ``drop_last``)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter: Iterator[Any] = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def _tensor_dataset_batch(dataset: Any, indices: list[Any]) -> list[Any] | None:
    """``default_collate([dataset[i] for i in indices])`` for a TensorDataset (also one inside
    Subsets, as random_split makes) as one gather per tensor instead of one index per sample and
    a stack: the same batch, several times faster. None for any other dataset."""
    from arraygrad.data.dataset import Subset, TensorDataset

    while type(dataset) is Subset:  # exact type: a subclass may change what an index means
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset or not indices:
        return None
    n = len(dataset)
    if not all(isinstance(i, int) and -n <= i < n for i in indices):
        return None  # let the per-sample path raise its IndexError (a jax gather would clamp)
    keys: dict[str, Any] = {}
    out = []
    for t in dataset.tensors:
        key = keys.get(t.backend.name)
        if key is None:
            # jax without 64-bit mode has no int64: int32 indices address any tensor it can hold
            index_dtype = dtypes.int64 if t.backend.supports_float64 else dtypes.int32
            key = keys[t.backend.name] = tensor(indices, dtype=index_dtype, backend=t.backend)
        out.append(t[key])
    return out


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """``dataset[i]`` for each index of the batch (``dataset.__getitems__(indices)`` when defined)."""

    def fetch(self, possibly_batched_index: Any) -> Any:
        if self.auto_collation and self.collate_fn is default_collate:
            batch = _tensor_dataset_batch(self.dataset, possibly_batched_index)
            if batch is not None:
                return batch
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(possibly_batched_index)
            else:
                data = [self.dataset[idx] for idx in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind: int, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any],
                       drop_last: bool) -> _BaseDatasetFetcher:
        if kind == _DatasetKind.Map:
            return _MapDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
        return _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
