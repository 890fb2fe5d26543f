"""Samplers against torch.utils.data: orders where deterministic, distributions where random."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import arraygrad as ag
from arraygrad.data import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential_sampler() -> None:
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5
    assert list(SequentialSampler([])) == []


def test_random_sampler_is_a_seeded_permutation(backend: str) -> None:
    s = RandomSampler(range(20), generator=ag.Generator().manual_seed(1))
    order = list(s)
    assert sorted(order) == list(range(20)) and len(s) == 20
    assert all(type(i) is int for i in order)
    # the same stream on the backend under test gives the same permutation
    assert order == ag.randperm(20, generator=ag.Generator().manual_seed(1)).tolist()
    assert list(s) != order  # the generator advanced: a new epoch is a new order
    assert list(RandomSampler(range(20), generator=ag.Generator().manual_seed(1))) == order


def test_random_sampler_without_generator_follows_manual_seed() -> None:
    ag.manual_seed(7)
    first = list(RandomSampler(range(30)))
    ag.manual_seed(7)
    assert list(RandomSampler(range(30))) == first
    assert list(RandomSampler(range(30))) != first


def test_random_sampler_num_samples_repeats_whole_permutations() -> None:
    s = RandomSampler(range(5), num_samples=12, generator=ag.Generator().manual_seed(0))
    order = list(s)
    assert len(order) == len(s) == 12
    assert sorted(order[:5]) == sorted(order[5:10]) == list(range(5))
    assert len(set(order[10:])) == 2


def test_random_sampler_with_replacement() -> None:
    s = RandomSampler(range(4), replacement=True, num_samples=70, generator=ag.Generator().manual_seed(0))
    order = list(s)
    assert len(order) == 70 and set(order) == {0, 1, 2, 3}  # 70 draws from 4 values: all appear (p ~ 1e-8)


@pytest.mark.parametrize("kwargs", [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.0}, {"num_samples": -1}])
def test_random_sampler_errors_match_torch(torch: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)) as theirs:
        torch.utils.data.RandomSampler(range(3), **kwargs)
    with pytest.raises(theirs.type) as ours:
        RandomSampler(range(3), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_random_sampler_of_empty_dataset_raises_like_torch(torch: Any) -> None:
    with pytest.raises(ValueError):
        torch.utils.data.RandomSampler([])
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler() -> None:
    s = SubsetRandomSampler([10, 20, 30, 40], generator=ag.Generator().manual_seed(2))
    order = list(s)
    assert sorted(order) == [10, 20, 30, 40] and len(s) == 4
    assert order == [[10, 20, 30, 40][i] for i in ag.randperm(4, generator=ag.Generator().manual_seed(2)).tolist()]


def test_weighted_sampler_frequencies_follow_weights() -> None:
    weights = [0.0, 1.0, 3.0, 0.0, 6.0]
    n = 20000
    counts = Counter(WeightedRandomSampler(weights, n, generator=ag.Generator().manual_seed(0)))
    assert counts[0] == counts[3] == 0  # zero weight: never drawn
    for i in (1, 2, 4):
        expected = n * weights[i] / 10
        sd = (n * weights[i] / 10 * (1 - weights[i] / 10)) ** 0.5
        assert abs(counts[i] - expected) < 5 * sd, (i, counts[i], expected)


def test_weighted_sampler_is_reproducible_across_backends(backend: str) -> None:
    w = ag.tensor([1.0, 2.0, 3.0, 4.0])  # a tensor of the backend under test
    first = list(WeightedRandomSampler(w, 50, generator=ag.Generator().manual_seed(3)))
    with ag.use_backend("numpy"):
        reference = list(WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 50, generator=ag.Generator().manual_seed(3)))
    assert first == reference


def test_weighted_sampler_without_replacement() -> None:
    weights = [5.0, 0.0, 1.0, 1.0, 3.0]
    s = WeightedRandomSampler(weights, 4, replacement=False, generator=ag.Generator().manual_seed(0))
    order = list(s)
    assert sorted(order) == [0, 2, 3, 4]  # every non-zero category once, the zero one never
    # the first draw of a sample without replacement picks i with probability w_i / sum(w)
    firsts = Counter(next(iter(s)) for _ in range(4000))
    assert abs(firsts[0] / 4000 - 0.5) < 0.04 and abs(firsts[4] / 4000 - 0.3) < 0.04
    with pytest.raises(RuntimeError, match="not enough non-negative category"):
        list(WeightedRandomSampler(weights, 5, replacement=False))
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        list(WeightedRandomSampler(weights, 6, replacement=False))


@pytest.mark.parametrize("weights", [[1.0, -1.0], [0.0, 0.0], [1.0, float("nan")], [float("inf"), 1.0]])
def test_weighted_sampler_bad_weights_raise_at_iteration_like_torch(torch: Any, weights: list[float]) -> None:
    with pytest.raises(RuntimeError):
        list(torch.utils.data.WeightedRandomSampler(weights, 3))
    s = WeightedRandomSampler(weights, 3)
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        list(s)


@pytest.mark.parametrize(
    "args",
    [([1.0, 2.0], 0, True), ([1.0, 2.0], True, True), ([1.0, 2.0], 3, 1), ([[1.0, 2.0]], 3, True)],
)
def test_weighted_sampler_argument_errors_match_torch(torch: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.WeightedRandomSampler(*args)
    with pytest.raises(ValueError) as ours:
        WeightedRandomSampler(*args)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 10])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(torch: Any, n: int, batch_size: int, drop_last: bool) -> None:
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), batch_size, drop_last)
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("batch_size, drop_last", [(0, False), (True, False), (2.0, False), (2, 1), (-3, False)])
def test_batch_sampler_errors_match_torch(torch: Any, batch_size: Any, drop_last: Any) -> None:
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.BatchSampler(range(4), batch_size, drop_last)
    with pytest.raises(ValueError) as ours:
        BatchSampler(range(4), batch_size, drop_last)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("n", [1, 3, 7, 10, 11])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_partitions_match_torch(torch: Any, n: int, replicas: int, drop_last: bool) -> None:
    from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler

    for rank in range(replicas):
        theirs = TorchDistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs), rank
        assert len(ours) == len(theirs) == ours.num_samples
        assert ours.total_size == theirs.total_size


@pytest.mark.parametrize("n, replicas", [(10, 3), (5, 4), (2, 5), (12, 4)])
def test_distributed_sampler_shuffle_is_one_shared_padded_permutation(n: int, replicas: int) -> None:
    shards = [list(DistributedSampler(range(n), replicas, r, seed=4)) for r in range(replicas)]
    perm = ag.randperm(n, generator=ag.Generator().manual_seed(4)).tolist()  # seed + epoch 0
    padded = (perm * (replicas * 2 + 1))[: len(shards[0]) * replicas]
    assert shards == [padded[r::replicas] for r in range(replicas)]
    assert set().union(*map(set, shards)) == set(range(n))  # nothing lost


def test_distributed_sampler_set_epoch_reshuffles() -> None:
    s = DistributedSampler(range(20), 2, 0, seed=1)
    first = list(s)
    assert list(s) == first  # same epoch, same order
    s.set_epoch(1)
    second = list(s)
    assert second != first
    assert second == list(DistributedSampler(range(20), 2, 0, seed=2))  # seed + epoch
    other_rank = DistributedSampler(range(20), 2, 1, seed=1)
    other_rank.set_epoch(1)
    assert sorted(second + list(other_rank)) == list(range(20))


def test_distributed_sampler_rank_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    s = DistributedSampler(range(8), shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (4, 3, [3, 7])
    monkeypatch.delenv("RANK")
    with pytest.raises(RuntimeError, match="rank= explicitly"):
        DistributedSampler(range(8))
