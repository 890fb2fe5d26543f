"""The default process group: MPI access, ``ProcessGroup``, ``init_process_group`` /
``destroy_process_group`` and the rank, size and backend queries."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

__all__ = [
    "DistributedNotInitializedError", "ProcessGroup", "GroupMember", "is_available", "is_mpi_available",
    "init_process_group", "is_initialized", "destroy_process_group", "get_rank", "get_world_size", "get_backend",
]

NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class DistributedNotInitializedError(ValueError, RuntimeError):
    """A collective was called before ``init_process_group``. PyTorch 2.x raises ValueError here
    (earlier releases RuntimeError); this error is both, so code written for either catches it."""




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
