"""``arraygrad.distributed``: data-parallel training across processes, shaped like ``torch.distributed``.

Processes are started by MPI's launcher and join one group::

    mpiexec -n 4 python train.py
    python -m arraygrad.distributed.run --nproc 4 train.py   # the same, plus torchrun's RANK/WORLD_SIZE variables

    import arraygrad.distributed as dist
    dist.init_process_group()            # rank and world size come from MPI
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

Wrap a model in ``arraygrad.nn.parallel.DistributedDataParallel`` to average its gradients across
ranks during ``backward()``. Needs ``pip install 'arraygrad[mpi]'`` (mpi4py and the mpich wheel);
importing this package does not start MPI, ``init_process_group`` does.
"""

from arraygrad.distributed.c10d import (
    DistributedNotInitializedError,
    GroupMember,
    ProcessGroup,
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    gather,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)

__all__ = [
    "DistributedNotInitializedError", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather",
    "all_gather_into_tensor", "all_reduce", "barrier", "broadcast", "destroy_process_group", "gather", "get_backend",
    "get_rank", "get_world_size", "init_process_group", "is_available", "is_initialized", "is_mpi_available",
    "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter",
]
