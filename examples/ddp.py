"""Data-parallel training: the quickstart classifier on sklearn's 8x8 digits, one process per rank.

    mpiexec -n 2 python examples/ddp.py --epochs 1
    python -m arraygrad.distributed.run --nproc 2 examples/ddp.py --epochs 1   # the same
    python examples/ddp.py --epochs 1                                          # one process

Each rank loads its own shard of the training set (``DistributedSampler``), the model is wrapped in
``DistributedDataParallel`` (gradients averaged across ranks during ``backward()``), and every rank
prints its throughput and the time its backward spent on gradient synchronisation. Rank 0 evaluates,
and writes ``ddp_loss.png`` and ``ddp.safetensors`` (the unwrapped model's weights) into ``--out-dir``.
"""

from __future__ import annotations

import time

from _common import load_digits_split, parse_args, save_checkpoint, save_loss_curve
from quickstart import NeuralNetwork, test

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad import nn
from arraygrad.data import DataLoader, DistributedSampler, TensorDataset
from arraygrad.nn.parallel import DistributedDataParallel as DDP


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=3, add_arguments=lambda p: p.add_argument(
        "--batch-size", type=int, default=32, help="samples per step on each rank (default 32)"))
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()

    x_train, x_test, y_train, y_test = load_digits_split(seed=args.seed)
    training_data = TensorDataset(ag.tensor(x_train), ag.tensor(y_train))
    sampler = DistributedSampler(training_data, shuffle=True, seed=args.seed)
    train_loader = DataLoader(training_data, batch_size=args.batch_size, sampler=sampler)
    test_loader = DataLoader(TensorDataset(ag.tensor(x_test), ag.tensor(y_test)), batch_size=256)

    model = DDP(NeuralNetwork())  # rank 0's initial weights are copied to every rank
    loss_fn = nn.CrossEntropyLoss()
    optimizer = ag.optim.Adam(model.parameters(), lr=1e-3)
    if rank == 0:
        print(f"world size {world}: {len(sampler)} samples per rank per epoch, batch {args.batch_size} per rank, "
              f"gradient buckets {model.bucket_sizes}")

    losses: list[float] = []
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle, the same on every rank
        model.train()
        samples, sync, steps = 0, 0.0, 0
        start = time.perf_counter()
        for batch, (X, y) in enumerate(train_loader):
            if args.steps is not None and batch == args.steps:
                break
            loss = loss_fn(model(X), y)
            loss.backward()  # the gradients are averaged over the ranks when this returns
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            samples += X.shape[0]
            sync += model.last_sync_seconds["launch"] + model.last_sync_seconds["wait"]
            steps += 1
        elapsed = time.perf_counter() - start
        print(f"rank {rank}: epoch {epoch + 1}  {samples / elapsed:.0f} samples/s  "
              f"gradient sync {1000 * sync / max(steps, 1):.2f} ms/step  loss {losses[-1]:.4f}", flush=True)
        dist.barrier()
        if rank == 0:
            accuracy, test_loss = test(test_loader, model.module, loss_fn)
            print(f"epoch {epoch + 1:2d}  test loss {test_loss:.4f}  test accuracy {100 * accuracy:.1f}%", flush=True)

    if rank == 0:
        save_loss_curve(losses, args.out_dir / "ddp_loss.png", f"DDP on {world} processes: training loss of rank 0")
        save_checkpoint(model.module, args.out_dir / "ddp.safetensors")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
