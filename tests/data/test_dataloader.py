"""DataLoader in the main process (num_workers=0) against torch.utils.data.DataLoader."""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
from tests.data._compare import assert_same_batch


class Samples(Dataset):
    """Map-style: (image, label, weight, name) with numpy, int, float and str fields."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        return np.full((2, 3), i, dtype=np.float32), i, 0.5 * i, f"s{i}"


class Stream(IterableDataset):
    def __init__(self, n: int, with_len: bool = True) -> None:
        self.n = n
        self.with_len = with_len

    def __iter__(self):
        return iter({"x": np.array([i, -i]), "i": i} for i in range(self.n))

    def __len__(self) -> int:
        if not self.with_len:
            raise TypeError("no len")
        return self.n


def _torch_mirror(torch: Any, dataset: Any) -> Any:
    """A torch dataset of the same kind yielding the same samples."""
    if isinstance(dataset, IterableDataset):
        class TorchStream(torch.utils.data.IterableDataset):
            def __iter__(self):
                return iter(dataset)

            def __len__(self) -> int:
                return len(dataset)

        return TorchStream()
    return dataset


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (4, False), (4, True), (None, False)])
@pytest.mark.parametrize("dataset", [Samples(10), Stream(10)], ids=["map", "iterable"])
def test_batches_match_torch(torch: Any, dataset: Any, batch_size: int | None, drop_last: bool) -> None:
    ours = list(DataLoader(dataset, batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(_torch_mirror(torch, dataset), batch_size=batch_size,
                                              drop_last=drop_last))
    assert_same_batch(ours, theirs)
    assert len(DataLoader(dataset, batch_size=batch_size, drop_last=drop_last)) == len(theirs)


@pytest.mark.parametrize("n, batch_size, drop_last", [(0, 2, False), (1, 2, True), (7, 7, True), (7, 8, False)])
def test_len_matches_torch(torch: Any, n: int, batch_size: int, drop_last: bool) -> None:
    ours = DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))


def test_batch_sampler_and_sampler_arguments(torch: Any) -> None:
    order = [4, 0, 3, 1]
    ours = [b.tolist() for b in DataLoader(range(10), sampler=order, batch_size=3)]
    assert ours == [[4, 0, 3], [1]]
    batches = [[2, 2], [9]]
    assert [b.tolist() for b in DataLoader(range(10), batch_sampler=batches)] == [[2, 2], [9]]
    bs = BatchSampler(SequentialSampler(range(5)), 2, drop_last=True)
    loader = DataLoader(range(5), batch_sampler=bs)
    assert len(loader) == 2 and [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    assert loader.batch_size is None and loader.drop_last is False


def test_custom_collate_fn_and_getitems() -> None:
    class Batched(Dataset):
        def __init__(self) -> None:
            self.calls = 0

        def __len__(self) -> int:
            return 6

        def __getitem__(self, i: int) -> int:
            raise AssertionError("the batch path must be used")

        def __getitems__(self, indices: list[int]) -> list[int]:
            self.calls += 1
            return [10 * i for i in indices]

    ds = Batched()
    out = list(DataLoader(ds, batch_size=4, collate_fn=lambda xs: sum(xs)))
    assert out == [60, 90] and ds.calls == 2


def test_batches_are_on_the_current_default_backend(backend: str) -> None:
    x, label = next(iter(DataLoader(Samples(4), batch_size=2)))[:2]
    assert x.backend.name == backend and label.backend.name == backend
    assert x.dtype == ag.float32 and label.dtype == ag.int64


def _epoch_orders(loader: DataLoader) -> list[list[int]]:
    return [[i for batch in loader for i in batch.tolist()] for _ in range(2)]


def test_shuffle_is_reproducible_and_the_same_on_every_backend(backend: str) -> None:
    orders = _epoch_orders(DataLoader(range(20), batch_size=6, shuffle=True, generator=ag.Generator().manual_seed(3)))
    assert sorted(orders[0]) == list(range(20)) and orders[0] != orders[1]  # each epoch reshuffles
    with ag.use_backend("numpy"):
        reference = _epoch_orders(DataLoader(range(20), batch_size=6, shuffle=True,
                                             generator=ag.Generator().manual_seed(3)))
    assert orders == reference


def test_shuffle_without_generator_follows_manual_seed() -> None:
    ag.manual_seed(11)
    first = _epoch_orders(DataLoader(range(15), batch_size=4, shuffle=True))
    ag.manual_seed(11)
    assert _epoch_orders(DataLoader(range(15), batch_size=4, shuffle=True)) == first
    ag.manual_seed(12)
    assert _epoch_orders(DataLoader(range(15), batch_size=4, shuffle=True)) != first


def test_iterable_dataset_len_warning() -> None:
    class Liar(Stream):
        def __len__(self) -> int:
            return 2

    loader = DataLoader(Liar(4), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        assert len(list(loader)) == 4


def test_tensor_dataset_loader(backend: str) -> None:
    x = ag.arange(10).reshape(5, 2)
    y = ag.tensor([0.0, 1.0, 0.0, 1.0, 1.0])
    (xb, yb), (xc, yc) = list(DataLoader(TensorDataset(x, y), batch_size=3))[:2]
    assert xb.tolist() == [[0, 1], [2, 3], [4, 5]] and yc.tolist() == [1.0, 1.0]
    assert xb.backend.name == backend


def test_pin_memory_is_accepted_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="pin_memory"):
        assert [b.tolist() for b in DataLoader(range(3), batch_size=2, pin_memory=True)] == [[0, 1], [2]]


ITER_ERRORS = [
    ({"shuffle": True}, "shuffle=True"),
    ({"sampler": [0]}, "sampler="),
    ({"batch_sampler": [[0]]}, "batch_sampler="),
]
MAP_ERRORS = [
    {"shuffle": True, "sampler": [0, 1]},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"num_workers": 1, "prefetch_factor": -1},
    {"persistent_workers": True},
    {"multiprocessing_context": "fork"},
    {"num_workers": 1, "multiprocessing_context": "no-such-method"},
    {"batch_size": 0},
]


@pytest.mark.parametrize("kwargs", MAP_ERRORS, ids=lambda k: ",".join(k))
def test_argument_errors_match_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(range(4), **kwargs)
    with pytest.raises(ValueError) as ours:
        DataLoader(range(4), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kwargs, fragment", ITER_ERRORS, ids=lambda k: ",".join(k) if isinstance(k, dict) else "")
def test_iterable_dataset_argument_errors(torch: Any, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified") as theirs:
        torch.utils.data.DataLoader(_torch_mirror(torch, Stream(3)), **kwargs)
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified") as ours:
        DataLoader(Stream(3), **kwargs)
    assert fragment in str(ours.value) and fragment in str(theirs.value)


def test_context_of_wrong_type_and_timeout_without_workers() -> None:
    with pytest.raises(TypeError, match="multiprocessing_context option should be a valid context"):
        DataLoader(range(4), num_workers=1, multiprocessing_context=3)
    loader = DataLoader(range(4), num_workers=1, multiprocessing_context="spawn")
    assert isinstance(loader.multiprocessing_context, multiprocessing.context.BaseContext)
    # PyTorch accepts this and fails at the first next(): we fail where the argument is given
    with pytest.raises(ValueError, match="timeout option applies to multi-process loading only"):
        DataLoader(range(4), timeout=1.0)


@pytest.mark.parametrize("attr", ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"])
def test_fixed_attributes_cannot_be_set_after_init(torch: Any, attr: str) -> None:
    with pytest.raises(ValueError) as theirs:
        setattr(torch.utils.data.DataLoader(range(4)), attr, None)
    with pytest.raises(ValueError) as ours:
        setattr(DataLoader(range(4)), attr, None)
    assert str(ours.value) == str(theirs.value)
    loader = DataLoader(range(4))
    loader.num_workers = 0  # other attributes stay writable


def test_tensor_dataset_batches_are_gathered_not_stacked(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    x = ag.arange(30, dtype=ag.float32).reshape(10, 3)
    y = ag.arange(10) % 3
    ds = TensorDataset(x, y)
    sub = random_split(ds, [6, 4], generator=ag.Generator().manual_seed(0))[0]
    nested = Subset(sub, [5, 0, 3, 3])
    for dataset in (ds, sub, nested):
        gen = ag.Generator().manual_seed(1)
        slow = list(DataLoader(dataset, batch_size=3, shuffle=True, generator=gen, collate_fn=lambda b: default_collate(b)))
        monkeypatch.setattr(TensorDataset, "__getitem__", _no_per_sample_indexing)
        fast = list(DataLoader(dataset, batch_size=3, shuffle=True, generator=ag.Generator().manual_seed(1)))
        monkeypatch.undo()
        assert len(fast) == len(slow)
        for (fx, fy), (sx, sy) in zip(fast, slow):
            assert fx.tolist() == sx.tolist() and fy.tolist() == sy.tolist()
            assert fx.dtype == sx.dtype and fy.dtype == sy.dtype and fx.backend.name == backend


def _no_per_sample_indexing(self: Any, index: Any) -> Any:
    raise AssertionError("the gather path should have been used")


def test_out_of_range_indices_still_raise_index_error(backend: str) -> None:
    ds = TensorDataset(ag.arange(4))
    with pytest.raises(IndexError):
        list(DataLoader(ds, sampler=[0, 4], batch_size=2))
