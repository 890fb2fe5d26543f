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
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from arraygrad import backends
from arraygrad.backends.reference import Backend
from arraygrad.core.tensor import Tensor

__all__ = [
    "ReduceOp", "ProcessGroup", "Work", "GroupMember", "is_available", "is_mpi_available", "init_process_group",
    "is_initialized", "destroy_process_group", "get_rank", "get_world_size", "get_backend", "barrier", "all_reduce",
    "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor",
    "gather", "scatter",
]

NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class DistributedNotInitializedError(ValueError, RuntimeError):
    """A collective was called before ``init_process_group``. PyTorch 2.x raises ValueError here
    (earlier releases RuntimeError); this error is both, so code written for either catches it."""


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


# ---------------------------------------------------------------------------------------------------- MPI access


def is_mpi_available() -> bool:
    """Say whether the MPI bindings can be imported (checked without importing them: that starts MPI).

    Returns:
        True when ``mpi4py`` is installed.
    """
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def is_available() -> bool:
    """Say whether arraygrad can run distributed: the MPI bindings (``pip install arraygrad[mpi]``) are installed.

    Returns:
        True when ``mpi4py`` is installed.
    """
    return is_mpi_available()


def _mpi() -> Any:
    """The ``mpi4py.MPI`` module (importing it initialises MPI, as a singleton of world size 1 when
    the process was not started by mpiexec).

    Raises:
        RuntimeError: mpi4py is not installed.
    """
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise RuntimeError(
            "arraygrad.distributed needs MPI: pip install 'arraygrad[mpi]' (mpi4py and the mpich wheel), "
            f"or mpi4py built against your system's MPI ({exc})"
        ) from None
    return MPI


# -------------------------------------------------------------------------------------------- the process group


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator.

    Attributes:
        comm: the ``mpi4py`` communicator the collectives run on (a duplicate, so that arraygrad's
            messages never mix with the program's own MPI traffic).

    Args:
        comm: the ``mpi4py`` communicator to run on (``init_process_group`` passes a duplicate of
            ``COMM_WORLD``).
    """

    def __init__(self, comm: Any) -> None:
        self.comm = comm
        self._rank: int = comm.Get_rank()
        self._size: int = comm.Get_size()

    def rank(self) -> int:
        """Read this process's rank within the group.

        Returns:
            The rank, from 0 to ``size() - 1``.
        """
        return self._rank

    def size(self) -> int:
        """Read how many processes the group has.

        Returns:
            The number of ranks.
        """
        return self._size

    def name(self) -> str:
        """Name the transport the group runs on.

        Returns:
            ``"mpi"``.
        """
        return "mpi"

    def __repr__(self) -> str:
        return f"<arraygrad ProcessGroup mpi rank={self._rank} size={self._size}>"


class GroupMember:
    """``GroupMember.WORLD`` is the default group once ``init_process_group`` has run (as PyTorch's)."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


def _excepthook_that_aborts(previous: Callable[..., Any]) -> Callable[..., Any]:
    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        previous(kind, value, tb)  # print the traceback first: Abort ends the process
        sys.stdout.flush()
        sys.stderr.flush()
        world = GroupMember.WORLD
        if world is not None and world.size() > 1:
            # the other ranks would wait forever in their next collective; Abort ends the whole job
            _mpi().COMM_WORLD.Abort(1)

    hook.arraygrad_aborts = True  # type: ignore[attr-defined]
    return hook


def _validated(name: str, given: int, from_mpi: int, what: str) -> None:
    if given != from_mpi:
        raise ValueError(
            f"init_process_group: {what} is {given} ({name}) but MPI started this process as {what} {from_mpi}; "
            f"launch with mpiexec -n <world size> and let MPI assign ranks"
        )


def init_process_group(
    backend: str | None = None, init_method: str | None = None, timeout: timedelta | None = None,
    world_size: int = -1, rank: int = -1, store: Any = None, group_name: str = "", pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the default process group: every process started by ``mpiexec -n N`` becomes one rank.

    The rank and world size come from MPI. Values given as ``rank=``/``world_size=`` or, with
    ``init_method="env://"`` (or when they are set), as ``$RANK``/``$WORLD_SIZE`` are checked against
    MPI's. A process started without mpiexec is a group of one (MPI's singleton start).

    With more than one rank, an uncaught exception on any rank prints its traceback and then aborts
    the whole MPI job (so the other ranks do not wait forever in their next collective).

    Args:
        backend: ``"mpi"``; ``"gloo"`` and ``"nccl"`` (what PyTorch programs pass) are accepted and run on
            MPI too, since MPI is arraygrad's only transport. None means ``"mpi"``.
        init_method: None or ``"env://"``; other rendezvous URLs (``tcp://``, ``file://``) are refused,
            since MPI's launcher already connected the processes.
        timeout: accepted for compatibility; MPI collectives have no timeout.
        world_size: if given, must equal MPI's.
        rank: if given, must equal MPI's.
        store: accepted for compatibility and unused.
        group_name: accepted for compatibility and unused.
        pg_options: accepted for compatibility and unused.
        device_id: accepted for compatibility and unused.

    Raises:
        RuntimeError: the default group is already initialised, or mpi4py is missing.
        ValueError: an unknown backend or init_method, or a rank/world size that disagrees with MPI's.
    """
    if GroupMember.WORLD is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    if backend is not None and str(backend).lower() not in ("mpi", "gloo", "nccl", "cpu:gloo,cuda:nccl"):
        raise ValueError(f"init_process_group: unknown backend {backend!r}; arraygrad runs on 'mpi'")
    if init_method is not None and init_method != "env://":
        raise ValueError(
            f"init_process_group: init_method {init_method!r} is not supported: processes are connected by "
            "mpiexec, so use init_method=None or 'env://'"
        )
    if store is not None:
        raise ValueError("init_process_group: store= is not supported; processes are connected by mpiexec")
    MPI = _mpi()
    world = MPI.COMM_WORLD
    mpi_rank, mpi_size = world.Get_rank(), world.Get_size()
    if world_size != -1:
        _validated("world_size=", world_size, mpi_size, "world size")
    if rank != -1:
        _validated("rank=", rank, mpi_rank, "rank")
    for var, value, what in (("WORLD_SIZE", mpi_size, "world size"), ("RANK", mpi_rank, "rank")):
        text = os.environ.get(var)
        if text is not None:
            try:
                number = int(text)
            except ValueError:
                raise ValueError(f"init_process_group: ${var}={text!r} is not an integer") from None
            _validated(f"${var}", number, value, what)
        elif init_method == "env://" and mpi_size > 1:
            raise ValueError(f"init_process_group: init_method='env://' but ${var} is not set")
    GroupMember.WORLD = ProcessGroup(world.Dup())
    if mpi_size > 1 and not getattr(sys.excepthook, "arraygrad_aborts", False):
        sys.excepthook = _excepthook_that_aborts(sys.excepthook)


def is_initialized() -> bool:
    """Say whether the default process group exists.

    Returns:
        True once ``init_process_group`` has run, until ``destroy_process_group``.
    """
    return GroupMember.WORLD is not None


def _group(group: ProcessGroup | None) -> ProcessGroup:
    world = GroupMember.WORLD
    if world is None:
        raise DistributedNotInitializedError(NOT_INITIALIZED)
    if group is None:
        return world
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"expected a ProcessGroup or None for group=, got {type(group).__name__}")
    return group


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave a process group (MPI itself is finalised when the process exits).

    Args:
        group: the group to free (default None: the default group, after which
            ``is_initialized()`` is False).

    Raises:
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError and a
            RuntimeError, as PyTorch raises either).
        TypeError: ``group`` is not a ProcessGroup or None.
    """
    pg = _group(group)
    pg.comm.Free()
    if pg is GroupMember.WORLD:
        GroupMember.WORLD = None


def get_rank(group: ProcessGroup | None = None) -> int:
    """Read this process's rank in ``group``.

    Args:
        group: the process group (default None: the default group).

    Returns:
        The rank, from 0 to the group's size minus 1.

    Raises:
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError and a
            RuntimeError, as PyTorch raises either).
        TypeError: ``group`` is not a ProcessGroup or None.
    """
    return _group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Read the number of processes in ``group``.

    Args:
        group: the process group (default None: the default group).

    Returns:
        The group's size.

    Raises:
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError and a
            RuntimeError, as PyTorch raises either).
        TypeError: ``group`` is not a ProcessGroup or None.
    """
    return _group(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """Name the transport ``group`` runs on.

    Args:
        group: the process group (default None: the default group).

    Returns:
        Always ``"mpi"``.

    Raises:
        DistributedNotInitializedError: ``init_process_group`` has not run (a ValueError and a
            RuntimeError, as PyTorch raises either).
        TypeError: ``group`` is not a ProcessGroup or None.
    """
    return _group(group).name()


# ----------------------------------------------------------------------------------------------- work handles


class Work:
    """The handle of a collective started with ``async_op=True``.

    ``wait()`` blocks until the collective has finished and the result is in the output tensors;
    ``is_completed()`` tells without blocking (and finishes the op when it has completed).

    Attributes:
        op: the collective's name (``"all_reduce"`` ...).
        path: ``"buffer"`` when the tensors' memory went to MPI directly (numpy), ``"host-staged"``
            when it was copied through host memory (jax, cupy, array-api-strict, 16-bit floats).

    Args:
        op: the collective's name.
        request: the MPI request of the nonblocking collective.
        finish: what to run once it completes (copying host-staged results back), or None.
        path: ``"buffer"`` or ``"host-staged"``, as above.
        keep: the send buffers, kept alive until the request completes (default None).
    """

    def __init__(self, op: str, request: Any, finish: Callable[[], None] | None, path: str, keep: Any = None) -> None:
        self.op = op
        self.path = path
        self._request = request
        self._finish = finish
        self._keep = keep  # the send buffers: MPI reads them until the request completes
        self._done = False

    def _complete(self) -> None:
        self._done = True
        self._keep = None
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the collective has finished and its outputs are written.

        Args:
            timeout: accepted for PyTorch compatibility; MPI requests cannot time out, so it is
                ignored (default None).

        Returns:
            True.
        """
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Say whether the collective has finished, without blocking (a finished one is completed).

        Returns:
            True once the collective's outputs are written.
        """
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Say whether the collective finished without error (MPI reports errors by aborting).

        Returns:
            The same as ``is_completed()``.
        """
        return self.is_completed()

    def __repr__(self) -> str:
        state = "completed" if self._done else "pending"
        return f"<arraygrad Work {self.op} ({self.path}) {state}>"


def _run(op: str, request: Any, finish: Callable[[], None] | None, path: str, keep: Any, async_op: bool) -> Work | None:
    work = Work(op, request, finish, path, keep)
    if async_op:
        return work
    work.wait()
    return None


# -------------------------------------------------------------------------------------------- host buffers


def host_backend() -> Backend:
    """The backend whose arrays are host memory that MPI reads and writes (numpy's)."""
    return backends.get("numpy")


_MPI_TYPE_NAMES = {
    "bool": "C_BOOL", "int8": "INT8_T", "int16": "INT16_T", "int32": "INT32_T", "int64": "INT64_T",
    "uint8": "UINT8_T", "uint16": "UINT16_T", "uint32": "UINT32_T", "uint64": "UINT64_T",
    "float32": "FLOAT", "float64": "DOUBLE", "complex64": "C_FLOAT_COMPLEX", "complex128": "C_DOUBLE_COMPLEX",
}
# MPI has no 16-bit float type; these travel as float32 (exact both ways)
_WIDENED = {"float16": "float32", "bfloat16": "float32"}


def mpi_datatype(dtype_name: str) -> Any:
    """The MPI datatype of arraygrad dtype ``dtype_name`` (after widening 16-bit floats)."""
    return getattr(_mpi(), _MPI_TYPE_NAMES[_WIDENED.get(dtype_name, dtype_name)])


def _check_tensor(op: str, t: Any, what: str = "tensor") -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(t).__name__}")
    if t.is_sparse:
        raise RuntimeError(f"{op}: sparse tensors are not supported; use t.to_dense()")


def _path(*tensors: Tensor) -> str:
    for t in tensors:
        if t._backend.name != "numpy" or t.dtype.name in _WIDENED:
            return "host-staged"
    return "buffer"


def to_host(t: Tensor) -> Any:
    """``t``'s values as a contiguous host array MPI can read (16-bit floats widened to float32).

    On numpy a contiguous tensor's own memory is returned, not a copy: the caller only reads it.
    """
    host = host_backend()
    arr = t._backend.to_numpy(t._storage.array)
    wide = _WIDENED.get(t.dtype.name)
    if wide is not None:
        return host.xp.astype(arr, host.native_dtype(wide))
    if not host.is_row_major(arr):
        arr = host.contiguous_copy(arr)
    return arr


def empty_host(shape: tuple[int, ...], dtype_name: str) -> Any:
    """A new host array MPI can write into, for values of arraygrad dtype ``dtype_name``."""
    host = host_backend()
    return host.xp.empty(shape, dtype=host.native_dtype(_WIDENED.get(dtype_name, dtype_name)))


def from_host(t: Tensor, values: Any) -> None:
    """Make host array ``values`` (``t``'s shape) the values of ``t``, seen by all its aliases."""
    host = host_backend()
    shape = tuple(t._storage.array.shape)
    if tuple(values.shape) != shape:
        values = host.xp.reshape(values, shape)
    arr = t._backend.from_numpy(values, t._backend.native_dtype(t.dtype.name))
    t._set_array(arr)


def _spec(values: Any, dtype_name: str) -> list[Any]:
    return [values, mpi_datatype(dtype_name)]


# ---------------------------------------------------------------------------------------------- op checks


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


# ------------------------------------------------------------------------------------------------ collectives


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

