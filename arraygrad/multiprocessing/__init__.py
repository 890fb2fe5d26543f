"""``arraygrad.multiprocessing``: Python's ``multiprocessing`` with tensors that share memory.

Like ``torch.multiprocessing``: everything of the standard module is here, and a tensor sent to
another process (a ``Process`` argument under spawn, a ``Queue`` item) moves to shared memory
first on the numpy backend, so both processes see one memory. With ``Module.share_memory()``
before starting the workers, this runs the Hogwild recipe (several processes training one
model's parameters in place). Tensors of backends that cannot share host memory (jax, cupy,
strict) are sent as copies.
"""

from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F403 - the standard module's API, as torch.multiprocessing
from multiprocessing.reduction import ForkingPickler as _ForkingPickler
from typing import Any

from arraygrad.core.sharing import reduce_for_ipc as _reduce_for_ipc
from arraygrad.core.tensor import Tensor as _Tensor

__all__ = list(_mp.__all__) + ["spawn", "get_sharing_strategy", "set_sharing_strategy", "get_all_sharing_strategies"]


def _register(cls: type) -> None:
    _ForkingPickler.register(cls, _reduce_for_ipc)


_register(_Tensor)
try:
    from arraygrad.nn.parameter import Parameter as _Parameter

    _register(_Parameter)
except ImportError:  # pragma: no cover - nn always imports with the package
    pass


def get_all_sharing_strategies() -> set[str]:
    return {"file_system"}


def get_sharing_strategy() -> str:
    return "file_system"


def set_sharing_strategy(strategy: str) -> None:
    """Accepted for PyTorch compatibility: shared memory segments are named files in /dev/shm."""
    if strategy not in get_all_sharing_strategies():
        raise ValueError(f"set_sharing_strategy: unknown strategy {strategy!r}; arraygrad uses 'file_system'")


def spawn(fn: Any, args: tuple[Any, ...] = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn") -> Any:
    """Start ``nprocs`` processes running ``fn(i, *args)`` (``torch.multiprocessing.spawn``).

    Returns the list of processes when ``join`` is False.

    Raises:
        RuntimeError: a process exited with a non-zero code (when joining).
    """
    ctx = _mp.get_context(start_method)
    procs = [ctx.Process(target=fn, args=(i, *args), daemon=daemon) for i in range(nprocs)]
    for p in procs:
        p.start()
    if not join:
        return procs
    for p in procs:
        p.join()
    failed = [(i, p.exitcode) for i, p in enumerate(procs) if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"spawn: process {failed[0][0]} terminated with exit code {failed[0][1]}")
    return None
