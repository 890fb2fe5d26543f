"""DDP in one process started without mpiexec (MPI's singleton start, world size 1) gives exactly the
result of training without DDP. Prints 'ok single'."""

from __future__ import annotations

import gc
import weakref

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad import nn
from arraygrad.nn.parallel import DistributedDataParallel as DDP


def build() -> nn.Module:
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))


def train(model: nn.Module) -> None:
    ag.manual_seed(1)
    opt = ag.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(10):
        x, y = ag.randn(8, 5), ag.randint(0, 3, (8,))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def main() -> None:
    assert not dist.is_initialized()
    dist.init_process_group(backend="mpi", init_method="env://")
    assert (dist.get_rank(), dist.get_world_size(), dist.is_initialized()) == (0, 1, True)
    plain = build()
    train(plain)
    wrapped = DDP(build(), bucket_cap_mb=0.0005)
    train(wrapped)
    for p, q in zip(wrapped.module.parameters(), plain.parameters()):
        assert ag.equal(p, q), "DDP on one process changed the result"
    assert wrapped.last_sync_seconds["wait"] >= 0.0
    # the parameters' hooks do not keep a dropped wrapper alive; the module then trains alone
    inner, ref = wrapped.module, weakref.ref(wrapped)
    del wrapped
    gc.collect()
    assert ref() is None, "the gradient hooks keep the DDP wrapper alive"
    train(inner)
    dist.destroy_process_group()
    print("ok single", flush=True)


if __name__ == "__main__":
    main()
