"""DDP on every rank with per-rank batch B ends with the parameters of one process trained with batch
world*B. Run under mpiexec; ARRAYGRAD_BACKEND picks the backend; the argument names the models
(default ``mlp,lenet``). Prints 'ok <model> <rank>' per model."""

from __future__ import annotations

import sys

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad import nn
from arraygrad.nn.parallel import DistributedDataParallel as DDP

STEPS, B = 20, 4


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5))


def lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(6 * 2 * 2, 16), nn.ReLU(), nn.Linear(16, 5))


def train(model: nn.Module, batches: list[tuple[ag.Tensor, ag.Tensor]]) -> None:
    opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for x, y in batches:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()


def main() -> None:
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    models = sys.argv[1].split(",") if len(sys.argv) > 1 else ["mlp", "lenet"]
    for name, build in ((m, {"mlp": mlp, "lenet": lenet}[m]) for m in models):
        ag.manual_seed(0)
        x = ag.randn(STEPS, world * B, 1, 10, 10, dtype=ag.float64) if name == "lenet" else \
            ag.randn(STEPS, world * B, 16, dtype=ag.float64)
        y = ag.randint(0, 5, (STEPS, world * B))
        ag.manual_seed(1 + rank)  # different initial weights per rank: DDP must broadcast rank 0's
        ddp = DDP(build().double(), bucket_cap_mb=0.001)  # small buckets: several in flight
        assert len(ddp.bucket_sizes) > 1, ddp.bucket_sizes
        train(ddp, [(x[s, rank * B:(rank + 1) * B], y[s, rank * B:(rank + 1) * B]) for s in range(STEPS)])
        # the single process runs on numpy whatever the backend under test (arraygrad gives the same
        # numbers on every backend), which spares jax compiling every op a second time for batch 2B
        with ag.use_backend("numpy"):
            ag.manual_seed(1)  # rank 0's initial weights
            single = build().double()
            train(single, [(x[s].to("numpy"), y[s].to("numpy")) for s in range(STEPS)])
        for (pname, p), q in zip(ddp.module.named_parameters(), single.parameters()):
            err = ((p.to("numpy") - q).abs().max() / q.abs().max()).item()
            assert err < 1e-10, f"{name} {pname}: relative difference {err} on rank {rank}"
            gathered = [ag.zeros_like(p) for _ in range(world)]
            dist.all_gather(gathered, p.detach())
            assert all(ag.equal(g, gathered[0]) for g in gathered), f"{name} {pname}: ranks differ"
        assert list(ddp.state_dict())[0].startswith("module."), list(ddp.state_dict())
        print(f"ok {name} {rank}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
    sys.exit(0)
