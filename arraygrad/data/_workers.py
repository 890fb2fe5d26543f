"""What keeps DataLoader worker processes safe: which backends a dataset uses, sending the
dataset to workers that must not touch those backends, and making workers die with their parent.

Forking a process copies its memory but not its threads. jax (XLA) and cupy (CUDA) keep thread
pools and driver state that a forked child cannot use: the child's first compilation or kernel
launch hangs forever. So a worker never runs such a backend's code: when the dataset holds tensors
of a backend that is not ``fork_safe``, the main process pickles the dataset (each tensor as its
host array) and the forked worker rebuilds it on the host backend; batches are rebuilt on the
dataset's backend in the main process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
import os
import signal
import sys
import threading
import time
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import pickling

#: objects looked at when searching a dataset for tensors: the search runs at every epoch's
#: start and must stay cheap for datasets holding millions of Python objects (file names, labels)
_SEARCH_LIMIT = 20_000

#: seconds between the watchdog's checks that the main process is still alive
WATCHDOG_INTERVAL = 0.5

#: ``PR_SET_PDEATHSIG`` from <linux/prctl.h>
_PR_SET_PDEATHSIG = 1

_SCALARS = (str, bytes, bytearray, int, float, complex, bool, type(None), type)


def tensor_backends(obj: Any, limit: int = _SEARCH_LIMIT) -> list[Any]:
    """The backends of the arraygrad tensors reachable from ``obj``, each once.

    Follows containers (list, tuple, set, dict values) and object attributes (``__dict__`` and
    ``__slots__``), looking at no more than ``limit`` objects (a tensor behind more than that is
    missed); tensors are not looked into.
    """
    found: dict[str, Any] = {}
    seen: set[int] = set()
    stack = [obj]
    looked = 0
    while stack and looked < limit:
        item = stack.pop()
        looked += 1
        if isinstance(item, _SCALARS) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Tensor):
            found.setdefault(item._backend.name, item._backend)
            continue
        room = limit - looked
        if isinstance(item, dict):
            stack.extend(itertools.islice(item.values(), room))
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(itertools.islice(item, room))
        else:
            attrs = getattr(item, "__dict__", None)
            if isinstance(attrs, dict):
                stack.extend(itertools.islice(attrs.values(), room))
            for cls in type(item).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if isinstance(slot, str) and hasattr(item, slot):
                        stack.append(getattr(item, slot))
    return list(found.values())


def describe(obj: Any) -> str:
    """A short name for a user object in an error message: ``dataset (MyDataset)``-style."""
    if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__"):
        return f"'{getattr(obj, '__qualname__', obj)}'"
    return type(obj).__qualname__


def pickle_for_workers(objects: dict[str, Any], method: str, reason: str) -> bytes:
    """``objects`` (role -> object) pickled with tensors as host arrays, for the workers.

    Args:
        objects: e.g. ``{"dataset": ds, "collate_fn": fn}``; each role is pickled on its own so
            that an error can name the one that failed.
        method: the multiprocessing start method, for the error message.
        reason: why the objects must be pickled, for the error message.

    Raises:
        TypeError: an object cannot be pickled; the message names its role and class and how to
            make it picklable.
    """
    try:
        return pickling.dumps(objects)
    except Exception:
        pass
    for role, obj in objects.items():  # find the culprit, to name it
        try:
            pickling.dumps(obj)
        except Exception as exc:
            name = describe(obj)
            raise TypeError(
                f"DataLoader: the {role} ({name}) must be picklable for the {method!r} start method ({reason}), "
                f"but pickling it failed: {type(exc).__name__}: {exc}. Define {name} at the top level of a module "
                "the worker processes can import (not inside a function, not as a lambda), and keep no open files, "
                "locks or generators in it"
            ) from exc
    return pickling.dumps(objects)  # pickling failed once only: a flaky object, let it raise here


def fork_transfer_reason(unsafe: list[Any]) -> str:
    """The reason a forked worker gets its dataset pickled (for error messages)."""
    names = ", ".join(sorted({b.name for b in unsafe}))
    return (f"the dataset holds {names} tensors, and {names} cannot run in a forked worker process, so the "
            "dataset is sent to the workers with its tensors as host arrays")


def _set_parent_death_signal() -> None:
    """Ask Linux to SIGKILL this process when the thread that started it ends (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no usable libc: the watchdog thread alone does the job


def _main_process_alive(main_pid: int, parent_pid: int) -> bool:
    if os.getppid() != parent_pid:
        return False  # re-parented: the process that started this one has died
    if main_pid == parent_pid:
        return True
    # started by a helper process (forkserver) that may outlive the main process: look at it directly
    try:
        os.kill(main_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{main_pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"  # a killed, not yet reaped main process
    except OSError:
        return True  # no /proc: the process exists


def _watch_parent(main_pid: int, parent_pid: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if not _main_process_alive(main_pid, parent_pid):
            os._exit(1)  # nobody reads our batches any more


def start_worker_safety(main_pid: int, main_is_parent: bool, forked: bool, from_main_thread: bool) -> None:
    """Run first in a worker process: make it die with the main process.

    Args:
        main_pid: the pid of the process that iterates the DataLoader.
        main_is_parent: that process started this one (fork, spawn), rather than a helper
            process (forkserver).
        forked: the worker is a fork of the main process (its inherited objects are frozen so
            that its garbage collector never frees the main process's jax/cupy buffers).
        from_main_thread: the worker was started by the main thread. Linux's parent-death
            signal fires when the starting *thread* ends, so it is only asked for then.
    """
    if forked:
        gc.freeze()
    if from_main_thread and main_is_parent:
        _set_parent_death_signal()
    parent = os.getppid()
    if main_is_parent and parent != main_pid or not _main_process_alive(main_pid, parent):
        os._exit(1)  # the main process died before the parent-death signal was armed
    watchdog = threading.Thread(target=_watch_parent, args=(main_pid, parent, WATCHDOG_INTERVAL),
                                name="DataLoaderWatchdog", daemon=True)
    watchdog.start()
