"""Datasets and random_split against torch.utils.data."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import arraygrad as ag
from arraygrad.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class Batched(Squares):
    """Records whether the batch path was used."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.calls: list[list[int]] = []

    def __getitems__(self, indices: list[int]) -> list[int]:
        self.calls.append(list(indices))
        return [self[i] for i in indices]


class Stream(IterableDataset):
    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def test_tensor_dataset_indexes_every_tensor(backend: str) -> None:
    x = ag.arange(12).reshape(4, 3)
    y = ag.tensor([0.5, 1.5, 2.5, 3.5])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6, 7, 8] and yi.item() == 2.5
    assert xi.backend.name == backend


def test_tensor_dataset_size_mismatch_raises_like_torch(torch: Any) -> None:
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(ag.zeros(3), ag.zeros(4))


def test_subset_maps_indices_and_uses_getitems() -> None:
    base = Batched(10)
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [49, 4, 25]
    assert sub.__getitems__([2, 0]) == [25, 49]
    assert base.calls == [[5, 7]]  # forwarded to the dataset's batch path with mapped indices


def test_subset_subclass_overriding_getitem_only_is_refused() -> None:
    class Doubled(Subset):
        def __getitem__(self, idx: int) -> int:
            return 2 * super().__getitem__(idx)

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubled(Squares(3), [0, 1])


def test_concat_dataset_matches_torch(torch: Any) -> None:
    parts = [Squares(3), Squares(0), Squares(4)]
    ours = ConcatDataset(parts)
    theirs = torch.utils.data.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [3, 3, 7]
    assert len(ours) == 7
    for i in range(-7, 7):
        assert ours[i] == theirs[i], i
    with pytest.raises(ValueError, match="absolute value of index"):
        ours[-8]
    assert (Squares(2) + Squares(1))[2] == 0  # Dataset.__add__


def test_concat_dataset_rejects_what_torch_rejects(torch: Any) -> None:
    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter([1])

    for args, targs in (([], []), ([Squares(2), Stream([1])], [Squares(2), TorchStream()])):
        with pytest.raises(AssertionError) as theirs:
            torch.utils.data.ConcatDataset(targs)
        with pytest.raises(AssertionError) as ours:
            ConcatDataset(args)
        assert str(ours.value) == str(theirs.value)


def test_chain_dataset_and_iterable_add() -> None:
    chained = Stream([1, 2]) + Stream([3])
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [1, 2, 3]
    assert len(chained) == 3
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([Stream([1]), Squares(2)]))


def test_stack_dataset_tuple_and_dict(torch: Any) -> None:
    a, b = Squares(4), Batched(4)
    assert StackDataset(a, b)[3] == (9, 9)
    assert StackDataset(x=a, y=b)[1] == {"x": 1, "y": 1}
    assert StackDataset(a, b).__getitems__([0, 2]) == torch.utils.data.StackDataset(a, b).__getitems__([0, 2])
    assert StackDataset(x=a, y=b).__getitems__([3]) == [{"x": 9, "y": 9}]
    assert len(StackDataset(x=a)) == 4


@pytest.mark.parametrize("args, kwargs", [((), {}), ((Squares(2), Squares(3)), {}), ((Squares(2),), {"y": Squares(2)})])
def test_stack_dataset_errors_match_torch(torch: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.StackDataset(*args, **kwargs)
    with pytest.raises(ValueError) as ours:
        StackDataset(*args, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "n, fractions",
    [(10, [0.3, 0.7]), (7, [0.5, 0.5]), (11, [0.2, 0.2, 0.6]), (5, [1 / 3, 1 / 3, 1 / 3]), (3, [0.1, 0.1, 0.8]),
     (100, [0.05] * 20), (9, [0.25] * 4)],
)
def test_random_split_fraction_lengths_match_torch(torch: Any, n: int, fractions: list[float]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-length splits warn in both
        try:
            theirs = torch.utils.data.random_split(range(n), fractions, generator=torch.Generator().manual_seed(0))
        except ValueError as exc:  # 20 * 0.05 sums to a hair above 1: torch takes them as lengths
            with pytest.raises(ValueError, match=str(exc).replace("!", "")):
                random_split(range(n), fractions, generator=ag.Generator().manual_seed(0))
            return
        ours = random_split(range(n), fractions, generator=ag.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    flat = [i for s in ours for i in s.indices]
    assert sorted(flat) == list(range(n))  # disjoint and complete


def test_random_split_is_reproducible_and_follows_randperm(backend: str) -> None:
    parts = random_split(range(10), [3, 7], generator=ag.Generator().manual_seed(5))
    again = random_split(range(10), [3, 7], generator=ag.Generator().manual_seed(5))
    assert [p.indices for p in parts] == [p.indices for p in again]
    perm = ag.randperm(10, generator=ag.Generator().manual_seed(5)).tolist()  # on the backend under test
    assert parts[0].indices + parts[1].indices == perm
    other = random_split(range(10), [3, 7], generator=ag.Generator().manual_seed(6))
    assert [p.indices for p in other] != [p.indices for p in parts]


def test_random_split_uses_the_default_generator() -> None:
    ag.manual_seed(3)
    first = random_split(range(8), [4, 4])[0].indices
    ag.manual_seed(3)
    assert random_split(range(8), [4, 4])[0].indices == first


def test_random_split_errors_and_warning(torch: Any) -> None:
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(5), [2, 2])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(5), [0.5, 0.6])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(5), [-0.5, 1.5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lengths = [len(s) for s in random_split(range(2), [0.9, 0.05, 0.05])]
    assert lengths == [2, 0, 0]  # floor gives [1, 0, 0]; the remainder 1 goes to split 0
    assert [str(w.message) for w in caught] == [
        f"Length of split at index {i} is 0. This might result in an empty dataset." for i in (1, 2)]
