"""DistributedSampler under a process group: rank and world size come from it; the shards are disjoint
and cover the dataset; set_epoch reshuffles the same way on every rank. Prints 'ok sampler <rank>'."""

from __future__ import annotations

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad.data import DistributedSampler


def main() -> None:
    dist.init_process_group()
    r, n = dist.get_rank(), dist.get_world_size()
    size = 12 * n
    sampler = DistributedSampler(range(size), seed=7)
    assert (sampler.rank, sampler.num_replicas) == (r, n)
    orders = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        mine = ag.tensor(list(sampler), dtype=ag.int64)
        every = ag.zeros(n, len(sampler), dtype=ag.int64)
        dist.all_gather_into_tensor(every, mine)
        shards = [every[k].tolist() for k in range(n)]
        assert sorted(sum(shards, [])) == list(range(size)), f"epoch {epoch}: shards overlap or miss indices"
        # the same permutation on every rank: rank k's shard is every n-th entry from k
        order = [shards[i % n][i // n] for i in range(size)]
        gathered = [ag.zeros(size, dtype=ag.int64) for _ in range(n)]
        dist.all_gather(gathered, ag.tensor(order, dtype=ag.int64))
        assert all(ag.equal(g, gathered[0]) for g in gathered)
        orders.append(order)
    assert orders[0] != orders[1] != orders[2], "set_epoch did not reshuffle"
    # a padded dataset: still every index, the first ones repeated to fill the last round
    padded = DistributedSampler(range(size + 1), shuffle=False)
    assert len(padded) == 13 and list(padded)[:3] == [r, r + n, r + 2 * n]
    print(f"ok sampler {r}", flush=True)


if __name__ == "__main__":
    main()
