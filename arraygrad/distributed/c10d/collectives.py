"""``ReduceOp`` and the collectives (``barrier``, ``all_reduce``, ``broadcast``, ``reduce``, the gathers and
scatters), with the checks of their arguments."""

from __future__ import annotations

import enum
import os
from datetime import timedelta
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.distributed.c10d.host import _check_tensor, _path, _spec, empty_host, from_host, host_backend, to_host
from arraygrad.distributed.c10d.process_group import ProcessGroup, _group, _mpi
from arraygrad.distributed.c10d.work import Work, _run

__all__ = [
    "ReduceOp", "barrier", "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
    "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter",
]


class ReduceOp(enum.IntEnum):
    """How ``all_reduce``, ``reduce`` and ``reduce_scatter`` combine the ranks' values (PyTorch's values)."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {self.value}>"




def _mpi_op(op_name: str, op: Any, dtype_name: str) -> Any:
    """The MPI reduction for ``op`` on ``dtype_name`` (AVG is a SUM divided afterwards)."""
    try:
        op = ReduceOp(int(op))
    except (TypeError, ValueError):
        raise ValueError(f"{op_name}: unknown reduce op {op!r}; use a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX ...)") from None
    MPI = _mpi()
    if dtype_name == "bool":
        logical = {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.BOR: MPI.LOR, ReduceOp.PRODUCT: MPI.LAND,
                   ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND, ReduceOp.BXOR: MPI.LXOR}
        if op not in logical:
            raise ValueError(f"{op_name}: ReduceOp.{op.name} is not defined for bool tensors")
        return logical[op]
    floating = dtype_name.startswith(("float", "bfloat", "complex"))
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and floating:
        raise ValueError(f"{op_name}: ReduceOp.{op.name} needs an integer or bool tensor, got {dtype_name}")
    if op in (ReduceOp.MIN, ReduceOp.MAX) and dtype_name.startswith("complex"):
        raise ValueError(f"{op_name}: ReduceOp.{op.name} is not defined for complex tensors")
    if op == ReduceOp.AVG and not floating:
        raise ValueError(f"{op_name}: ReduceOp.AVG needs a floating-point or complex tensor, got {dtype_name}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


def _averaged(values: Any, op: Any, size: int) -> Any:
    if int(op) != ReduceOp.AVG:
        return values
    xp = host_backend().xp
    return xp.divide(values, xp.asarray(size, dtype=values.dtype))


def _same_layout(op: str, what: str, t: Tensor, ref: Tensor) -> None:
    if t.dtype != ref.dtype:
        raise ValueError(f"{op}: {what} has dtype {t.dtype} but the input tensor has dtype {ref.dtype}")
    if t._backend is not ref._backend:
        raise ValueError(f"{op}: {what} is on backend {t._backend.name!r} but the input tensor on {ref._backend.name!r}")
    if tuple(t.shape) != tuple(ref.shape):
        raise ValueError(f"{op}: {what} has shape {tuple(t.shape)} but the input tensor has shape {tuple(ref.shape)}")


def _check_rank(op: str, what: str, rank: int | None, pg: ProcessGroup) -> int:
    if rank is None:
        rank = 0
    if not isinstance(rank, int) or not 0 <= rank < pg.size():
        raise ValueError(f"{op}: {what}={rank!r} is not a rank of the group (0 .. {pg.size() - 1})")
    return rank


def _debug_check(op: str, pg: ProcessGroup, signature: tuple[Any, ...]) -> None:
    """With ``TORCH_DISTRIBUTED_DEBUG=DETAIL``: check that every rank called ``op`` with the same signature."""
    if os.environ.get("TORCH_DISTRIBUTED_DEBUG", "").upper() != "DETAIL":
        return
    everyone = pg.comm.allgather((op, signature))
    if any(entry != everyone[0] for entry in everyone):
        detail = "; ".join(f"rank {r}: {name}{sig}" for r, (name, sig) in enumerate(everyone))
        raise RuntimeError(f"{op}: the ranks called mismatched collectives (op, shapes, dtypes): {detail}")




def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: timedelta | None = None) -> Work | None:
    """Block until every rank of the group has reached the barrier.

    Args:
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).
        device_ids: accepted for PyTorch compatibility; ignored (default None).
        timeout: accepted for PyTorch compatibility; ignored (default None).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError and a
            RuntimeError, as PyTorch raises either).
        TypeError: ``group`` is not a ProcessGroup or None.
    """
    pg = _group(group)
    _debug_check("barrier", pg, ())
    return _run("barrier", pg.comm.Ibarrier(), None, "buffer", None, async_op)


def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Combine ``tensor`` across all ranks with ``op``; every rank's ``tensor`` gets the result, in place.

    Args:
        tensor: input and output.
        op: a ReduceOp. AVG (floating-point and complex only) is a SUM divided by the world size.
        group: the process group (default: the default group).
        async_op: return a ``Work`` handle instead of waiting.

    Returns:
        a Work handle with ``async_op=True``, else None.

    Raises:
        ValueError: the default group is not initialised; ``op`` is not defined for the dtype.
        TypeError: ``tensor`` is not a Tensor.
    """
    pg = _group(group)
    _check_tensor("all_reduce", tensor)
    dname = tensor.dtype.name
    mpi_op = _mpi_op("all_reduce", op, dname)
    _debug_check("all_reduce", pg, (tuple(tensor.shape), dname, int(op)))
    send = to_host(tensor)
    recv = empty_host(tuple(send.shape), dname)
    request = pg.comm.Iallreduce(_spec(send, dname), _spec(recv, dname), mpi_op)
    return _run("all_reduce", request, lambda: from_host(tensor, _averaged(recv, op, pg.size())),
                _path(tensor), send, async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every other rank, in place.

    Args:
        tensor: the data on rank ``src``; the output (same shape and dtype) on the other ranks.
        src: the sending rank (default None: rank 0).
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).
        group_src: the sending rank, given by its rank in ``group``; overrides ``src`` (default None).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``src`` is not a rank of the group.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, or ``group`` is not a ProcessGroup.
    """
    pg = _group(group)
    _check_tensor("broadcast", tensor)
    src = _check_rank("broadcast", "src", src if group_src is None else group_src, pg)
    dname = tensor.dtype.name
    _debug_check("broadcast", pg, (tuple(tensor.shape), dname, src))
    if pg.rank() == src:
        # the root only sends; Ibcast wants a writable buffer, so it gets a private copy
        buf = host_backend().copy(to_host(tensor))
        return _run("broadcast", pg.comm.Ibcast(_spec(buf, dname), root=src), None, _path(tensor), buf, async_op)
    buf = empty_host(tuple(tensor.shape), dname)
    request = pg.comm.Ibcast(_spec(buf, dname), root=src)
    return _run("broadcast", request, lambda: from_host(tensor, buf), _path(tensor), None, async_op)


def reduce(tensor: Tensor, dst: int | None = None, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Combine ``tensor`` across ranks with ``op``; only rank ``dst``'s ``tensor`` gets the result, in place.

    Args:
        tensor: every rank's input; the output on rank ``dst`` (other ranks keep theirs).
        dst: the receiving rank (default None: rank 0).
        op: a ReduceOp (default SUM); AVG (floating-point and complex only) is a SUM divided by
            the world size.
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).
        group_dst: the receiving rank, given by its rank in ``group``; overrides ``dst`` (default None).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``dst`` is not a rank of the group, or ``op`` is not defined for the dtype.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, or ``group`` is not a ProcessGroup.
    """
    pg = _group(group)
    _check_tensor("reduce", tensor)
    dst = _check_rank("reduce", "dst", dst if group_dst is None else group_dst, pg)
    dname = tensor.dtype.name
    mpi_op = _mpi_op("reduce", op, dname)
    _debug_check("reduce", pg, (tuple(tensor.shape), dname, int(op), dst))
    send = to_host(tensor)
    recv = empty_host(tuple(send.shape), dname)
    request = pg.comm.Ireduce(_spec(send, dname), _spec(recv, dname), mpi_op, root=dst)
    finish = (lambda: from_host(tensor, _averaged(recv, op, pg.size()))) if pg.rank() == dst else None
    return _run("reduce", request, finish, _path(tensor), send, async_op)


def _check_list(op: str, what: str, tensors: Any, ref: Tensor, pg: ProcessGroup) -> list[Tensor]:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: {what} must be a list of tensors, got {type(tensors).__name__}")
    if len(tensors) != pg.size():
        raise ValueError(f"{op}: {what} has {len(tensors)} tensors but the group has {pg.size()} ranks")
    for i, t in enumerate(tensors):
        _check_tensor(op, t, f"{what}[{i}]")
        _same_layout(op, f"{what}[{i}]", t, ref)
    return list(tensors)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Write every rank's ``tensor`` into ``tensor_list[rank]`` on every rank.

    Args:
        tensor_list: the outputs, one tensor per rank with ``tensor``'s shape and dtype.
        tensor: this rank's input.
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``tensor_list`` does not hold one tensor per rank of ``tensor``'s shape and dtype.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, or ``group`` is not a ProcessGroup.
    """
    pg = _group(group)
    _check_tensor("all_gather", tensor)
    outs = _check_list("all_gather", "tensor_list", tensor_list, tensor, pg)
    dname = tensor.dtype.name
    _debug_check("all_gather", pg, (tuple(tensor.shape), dname))
    send = to_host(tensor)
    recv = empty_host((pg.size(), *send.shape), dname)
    request = pg.comm.Iallgather(_spec(send, dname), _spec(recv, dname))

    def finish() -> None:
        for i, out in enumerate(outs):
            from_host(out, recv[i, ...])

    return _run("all_gather", request, finish, _path(tensor), send, async_op)


def _check_stacked(op: str, big: Tensor, big_name: str, small: Tensor, small_name: str, pg: ProcessGroup) -> None:
    """``big`` must hold world-size copies of ``small``: concatenated along dim 0 or stacked."""
    if big.dtype != small.dtype:
        raise ValueError(f"{op}: {big_name} has dtype {big.dtype} but {small_name} has dtype {small.dtype}")
    if big._backend is not small._backend:
        raise ValueError(f"{op}: {big_name} is on backend {big._backend.name!r} but {small_name} on "
                         f"{small._backend.name!r}")
    n, s, b = pg.size(), tuple(small.shape), tuple(big.shape)
    concatenated = len(s) >= 1 and b == (n * s[0], *s[1:])
    if not (concatenated or b == (n, *s)):
        raise ValueError(
            f"{op}: {big_name} has shape {b}; with {n} ranks and {small_name} of shape {s} it must be "
            f"{(n * s[0], *s[1:]) if s else (n,)} (concatenated) or {(n, *s)} (stacked)"
        )


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Write every rank's ``input_tensor``, concatenated along dim 0 (or stacked), into ``output_tensor``.

    Args:
        output_tensor: the output, of shape ``(world * d0, ...)`` or ``(world, *input_tensor.shape)``.
        input_tensor: this rank's input.
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``output_tensor``'s shape is neither ``(world * d0, ...)`` nor ``(world, *input.shape)``,
            or its dtype or backend differs from ``input_tensor``'s.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, or ``group`` is not a ProcessGroup.
    """
    pg = _group(group)
    _check_tensor("all_gather_into_tensor", input_tensor, "input_tensor")
    _check_tensor("all_gather_into_tensor", output_tensor, "output_tensor")
    _check_stacked("all_gather_into_tensor", output_tensor, "output_tensor", input_tensor, "input_tensor", pg)
    dname = input_tensor.dtype.name
    _debug_check("all_gather_into_tensor", pg, (tuple(input_tensor.shape), dname))
    send = to_host(input_tensor)
    recv = empty_host(tuple(output_tensor.shape), dname)
    request = pg.comm.Iallgather(_spec(send, dname), _spec(recv, dname))
    return _run("all_gather_into_tensor", request, lambda: from_host(output_tensor, recv),
                _path(input_tensor, output_tensor), send, async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: Any = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Combine ``input_list[r]`` over all ranks with ``op`` and write it into ``output`` on rank r.

    Args:
        output: this rank's output.
        input_list: one tensor per rank, each of ``output``'s shape and dtype.
        op: a ReduceOp (default SUM); AVG (floating-point and complex only) is a SUM divided by
            the world size.
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``input_list`` does not hold one tensor per rank of ``output``'s shape and dtype,
            or ``op`` is not defined for the dtype.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, or ``group`` is not a ProcessGroup.
    """
    pg = _group(group)
    _check_tensor("reduce_scatter", output, "output")
    ins = _check_list("reduce_scatter", "input_list", input_list, output, pg)
    dname = output.dtype.name
    mpi_op = _mpi_op("reduce_scatter", op, dname)
    _debug_check("reduce_scatter", pg, (tuple(output.shape), dname, int(op)))
    xp = host_backend().xp
    send = xp.stack([to_host(t) for t in ins], axis=0)
    recv = empty_host(tuple(output.shape), dname)
    request = pg.comm.Ireduce_scatter_block(_spec(send, dname), _spec(recv, dname), mpi_op)
    return _run("reduce_scatter", request, lambda: from_host(output, _averaged(recv, op, pg.size())),
                _path(output, *ins), send, async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: Any = ReduceOp.SUM,  # noqa: A002 - PyTorch name
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Combine ``input`` (world-size blocks along dim 0, or stacked) over ranks; rank r's block into ``output``.

    Args:
        output: this rank's output.
        input: the blocks, of shape ``(world * d0, ...)`` or ``(world, *output.shape)``.
        op: a ReduceOp (default SUM); AVG (floating-point and complex only) is a SUM divided by
            the world size.
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``input``'s shape is neither ``(world * d0, ...)`` nor ``(world, *output.shape)``,
            its dtype or backend differs from ``output``'s, or ``op`` is not defined for the dtype.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, or ``group`` is not a ProcessGroup.
    """
    pg = _group(group)
    _check_tensor("reduce_scatter_tensor", output, "output")
    _check_tensor("reduce_scatter_tensor", input, "input")
    _check_stacked("reduce_scatter_tensor", input, "input", output, "output", pg)
    dname = output.dtype.name
    mpi_op = _mpi_op("reduce_scatter_tensor", op, dname)
    _debug_check("reduce_scatter_tensor", pg, (tuple(output.shape), dname, int(op)))
    send = to_host(input)
    recv = empty_host(tuple(output.shape), dname)
    request = pg.comm.Ireduce_scatter_block(_spec(send, dname), _spec(recv, dname), mpi_op)
    return _run("reduce_scatter_tensor", request, lambda: from_host(output, _averaged(recv, op, pg.size())),
                _path(output, input), send, async_op)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Collect every rank's ``tensor`` into ``gather_list`` on rank ``dst``, as ``torch.distributed.gather``.

    On ``dst``, ``gather_list[r]`` receives rank r's ``tensor`` (written in place); the other ranks only send.

    Args:
        tensor: this rank's data; every rank passes the same shape and dtype.
        gather_list: on ``dst``, one tensor per rank of ``tensor``'s shape and dtype, the outputs; None
            (or empty) on the other ranks (default None).
        dst: the receiving rank (default None: rank 0).
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).
        group_dst: the receiving rank, given by its rank in ``group``; overrides ``dst`` (default None).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``dst`` is not a rank of the group, ``gather_list`` is given on a rank other than
            ``dst``, or on ``dst`` it does not hold one tensor per rank of ``tensor``'s shape and dtype.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, the list on ``dst`` is not a list or tuple, or
            ``group`` is not a ProcessGroup.
        RuntimeError: a sparse tensor.
    """
    pg = _group(group)
    _check_tensor("gather", tensor)
    dst = _check_rank("gather", "dst", dst if group_dst is None else group_dst, pg)
    dname = tensor.dtype.name
    is_dst = pg.rank() == dst
    if is_dst:
        outs = _check_list("gather", "gather_list", gather_list, tensor, pg)
    elif gather_list:
        raise ValueError("gather: Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    _debug_check("gather", pg, (tuple(tensor.shape), dname, dst))
    send = to_host(tensor)
    recv: Any = empty_host((pg.size(), *send.shape), dname) if is_dst else None
    request = pg.comm.Igather(_spec(send, dname), _spec(recv, dname) if is_dst else None, root=dst)

    def finish() -> None:
        for i, out in enumerate(outs):
            from_host(out, recv[i, ...])

    return _run("gather", request, finish if is_dst else None, _path(tensor), send, async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Send ``scatter_list[r]`` of rank ``src`` into ``tensor`` on each rank r, as ``torch.distributed.scatter``.

    Every rank, ``src`` included, receives its part into ``tensor`` in place.

    Args:
        tensor: the output, of the shape and dtype of each part.
        scatter_list: on ``src``, one tensor per rank of ``tensor``'s shape and dtype, the parts; None
            (or empty) on the other ranks (default None).
        src: the sending rank (default None: rank 0).
        group: the process group (default None: the default group).
        async_op: return at once with a Work handle to wait on (default False).
        group_src: the sending rank, given by its rank in ``group``; overrides ``src`` (default None).

    Returns:
        A Work handle with ``async_op``, else None.

    Raises:
        ValueError: ``src`` is not a rank of the group, ``scatter_list`` is given on a rank other than
            ``src``, or on ``src`` it does not hold one tensor per rank of ``tensor``'s shape and dtype.
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError).
        TypeError: a tensor argument is not a Tensor, the list on ``src`` is not a list or tuple, or
            ``group`` is not a ProcessGroup.
        RuntimeError: a sparse tensor.
    """
    pg = _group(group)
    _check_tensor("scatter", tensor)
    src = _check_rank("scatter", "src", src if group_src is None else group_src, pg)
    dname = tensor.dtype.name
    is_src = pg.rank() == src
    send = None
    if is_src:
        ins = _check_list("scatter", "scatter_list", scatter_list, tensor, pg)
        send = host_backend().xp.stack([to_host(t) for t in ins], axis=0)
    elif scatter_list:
        raise ValueError("scatter: Argument ``scatter_list`` must NOT be specified on non-src ranks.")
    _debug_check("scatter", pg, (tuple(tensor.shape), dname, src))
    recv = empty_host(tuple(tensor.shape), dname)
    request = pg.comm.Iscatter(_spec(send, dname) if is_src else None, _spec(recv, dname), root=src)
    return _run("scatter", request, lambda: from_host(tensor, recv), _path(tensor), send, async_op)
