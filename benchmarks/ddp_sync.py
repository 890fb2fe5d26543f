"""Gradient-synchronisation cost of ``DistributedDataParallel``: the quickstart MLP (8x8 digits,
64-512-512-10, 0.3M float32 parameters), one training step with and without the DDP wrapper, and a
bare ``all_reduce`` of the same number of values, with the same per-rank batch.

    python benchmarks/ddp_sync.py                      # world size 1 (MPI singleton)
    mpiexec -n 2 python benchmarks/ddp_sync.py [--steps 60] [--batch 32]

Each rank prints its milliseconds per step without and with DDP, its samples per second, and the
time DDP's backward spent synchronising: copying gradients into buckets and starting their
all-reduce (``launch``) and waiting for them and writing the averages back (``wait``, which also
holds any time spent waiting for a slower rank). Set OMP_NUM_THREADS=1 on a small machine so that
the ranks do not oversubscribe its cores.
"""

from __future__ import annotations

import argparse
import time

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad import nn
from arraygrad.nn.parallel import DistributedDataParallel as DDP


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32, help="samples per rank per step")
    args = parser.parse_args()
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    ag.manual_seed(rank)
    x, y = ag.rand(args.batch, 8, 8), ag.randint(0, 10, (args.batch,))
    for wrapped in (False, True):
        ag.manual_seed(0)
        model = DDP(mlp()) if wrapped else mlp()
        optimizer = ag.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        launch = wait = 0.0
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                dist.barrier()
                launch = wait = 0.0
                start = time.perf_counter()
            loss_fn(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
            if isinstance(model, DDP):
                launch += model.last_sync_seconds["launch"]
                wait += model.last_sync_seconds["wait"]
        elapsed = time.perf_counter() - start
        line = (f"world {world} rank {rank} {'DDP  ' if wrapped else 'plain'}: {1000 * elapsed / args.steps:6.2f} ms/step "
                f"{args.batch * args.steps / elapsed:6.0f} samples/s")
        if wrapped:
            line += f"  sync: launch {1000 * launch / args.steps:.2f} ms + wait {1000 * wait / args.steps:.2f} ms per step"
        print(line, flush=True)
    grads = ag.zeros(sum(p.numel() for p in mlp().parameters()))
    dist.barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        dist.all_reduce(grads)
    print(f"world {world} rank {rank} all_reduce of {grads.numel()} float32: "
          f"{1000 * (time.perf_counter() - start) / args.steps:.2f} ms", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
