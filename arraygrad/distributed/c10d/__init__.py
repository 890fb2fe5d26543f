"""The process group and its collectives, shaped like ``torch.distributed``, on MPI (mpi4py).

One process per rank, started by ``mpiexec -n N python train.py`` (or
``python -m arraygrad.distributed.run --nproc N train.py``). ``init_process_group()`` takes the rank
and world size from MPI; every collective then runs on a private duplicate of ``MPI.COMM_WORLD``.

How a tensor travels:

- numpy tensors go to MPI as buffers (mpi4py's upper-case, buffer-based calls: ``Iallreduce``,
  ``Ibcast`` ...), with no pickling; a contiguous tensor is sent straight from its own memory and the
  result lands in a fresh host array that becomes the tensor's values (``Work.path == "buffer"``).
- tensors of other backends (jax, cupy, array-api-strict) are copied into host memory first and the
  result is copied back (``Work.path == "host-staged"``).
- float16 and bfloat16 travel as float32 (MPI has no 16-bit float type); the conversion is exact both ways.

Results are written through the tensor's storage (``Tensor._set_array``), so every alias and view of
it sees them and autograd's version counter moves, as for any in-place op.

Every collective is started with MPI's nonblocking call; ``async_op=True`` returns the ``Work``
handle, otherwise the call waits for it and returns None, as in PyTorch.

Set ``TORCH_DISTRIBUTED_DEBUG=DETAIL`` to have every collective first check that all ranks called
the same op with the same shapes and dtypes (one extra small exchange per call); a mismatch raises
an error naming the op and the ranks.

One submodule per part: ``process_group`` (MPI access, the default group, rank and size),
``work`` (the ``Work`` handle), ``host`` (host buffers and MPI datatypes) and ``collectives``
(``ReduceOp`` and the collectives); every name is importable from here.
"""

from __future__ import annotations

from arraygrad.distributed.c10d.collectives import (
    ReduceOp,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    gather,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)
from arraygrad.distributed.c10d.host import _spec, empty_host, from_host, host_backend, mpi_datatype, to_host
from arraygrad.distributed.c10d.process_group import (
    NOT_INITIALIZED,
    DistributedNotInitializedError,
    GroupMember,
    ProcessGroup,
    _group,
    _mpi,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)
from arraygrad.distributed.c10d.work import Work

__all__ = [
    "ReduceOp", "ProcessGroup", "Work", "GroupMember", "is_available", "is_mpi_available", "init_process_group",
    "is_initialized", "destroy_process_group", "get_rank", "get_world_size", "get_backend", "barrier", "all_reduce",
    "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor",
    "gather", "scatter",
]
