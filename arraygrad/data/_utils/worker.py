"""The loop a DataLoader worker process runs, and ``get_worker_info``.

A worker reads ``(task index, sampler indices)`` from its index queue, fetches and collates the
batch on the host backend, and sends ``(task index, batch)`` back through its own pipe: batches
are pickled here with tensors as host arrays (see ``pickling``) and rebuilt on the dataset's
backend in the main process. One pipe per worker means a worker that dies can corrupt nothing but
its own channel, and the main process sees it at once (end of file on the pipe, the process
sentinel).
"""

from __future__ import annotations

import os
import queue
import random
import sys
from dataclasses import dataclass
from typing import Any

from arraygrad import backends
from arraygrad.core import dtypes
from arraygrad.core.random import manual_seed
from arraygrad.data._utils import HOST_BACKEND, MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, pickling
from arraygrad.data._utils.fetch import _DatasetKind
from arraygrad.data._workers import start_worker_safety


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process.

    Attributes:
        id: this worker's id, ``0 .. num_workers - 1``.
        num_workers: how many workers the DataLoader runs.
        seed: the seed of this worker's default generator (and of Python's ``random``):
            the iterator's base seed plus ``id``.
        dataset: this process's copy of the dataset (shard an IterableDataset with it).

    Args:
        id: this worker's id.
        num_workers: how many workers the DataLoader runs.
        seed: the seed of this worker's default generator.
        dataset: this process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Information about the current DataLoader worker process, or None in the main process.

    Use it in an ``IterableDataset.__iter__`` (or a ``worker_init_fn``) to give each worker its
    own share of the data::

        info = get_worker_info()
        if info is not None:
            start, step = info.id, info.num_workers

    Returns:
        This worker's WorkerInfo (id, num_workers, seed, dataset), or None outside a worker.
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch (and echoed back)."""


class _ManagerWatchdog:
    """Tells a worker whether the process that started it is still alive."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _seed_other_rngs(seed: int) -> None:
    """Seed Python's ``random`` and, when the user's code has loaded numpy, numpy's global RNG:
    forked workers would otherwise all copy the parent's state and make the same "random"
    augmentations. numpy is only looked up, never imported here."""
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed % 2**32)


def _send(conn: Any, idx: Any, data: Any, worker_id: int) -> None:
    try:
        payload = pickling.dumps((idx, data))
    except Exception:
        wrapper = ExceptionWrapper(
            where=f"in DataLoader worker process {worker_id} while sending a batch to the main process "
            "(the batch must be picklable)"
        )
        payload = pickling.dumps((idx, wrapper))
    conn.send_bytes(payload)


def _worker_loop(dataset_kind: int, dataset: Any, index_queue: Any, result_conn: Any, done_event: Any,
                 auto_collation: bool, collate_fn: Any, drop_last: bool, base_seed: int, init_fn: Any,
                 worker_id: int, num_workers: int, default_dtype: str, pickled: bytes | None,
                 inherited: list[Any], safety: tuple[int, bool, bool, bool] | None = None) -> None:
    """Body of a worker process (see the module docstring).

    ``pickled`` maps ``"dataset"``, ``"collate_fn"``, ``"init_fn"`` to the objects sent pickled
    instead of as arguments: all three when the start method pickles the process arguments
    (spawn, forkserver), the dataset alone when it holds tensors a forked child cannot use.
    ``inherited`` lists the main process's pipe ends a forked child got copies of: they are
    closed so that the main process alone holds them. ``safety`` is the arguments of
    ``start_worker_safety`` (the worker dies with the main process).
    """
    try:
        if safety is not None:
            start_worker_safety(*safety)
        for conn in inherited:
            conn.close()
        # batches are built on the host: jax and cupy are not safe to use in a forked child
        backends.set_default(HOST_BACKEND)
        dtypes.set_default_dtype(dtypes.as_dtype(default_dtype))
        init_exception = None
        if pickled is not None:
            try:
                sent = pickling.loads(pickled, backend=HOST_BACKEND)
            except Exception:
                init_exception = ExceptionWrapper(
                    where=f"in DataLoader worker process {worker_id} while loading the objects sent by the main "
                    "process (their classes and functions are imported by name: define them in a module the "
                    "workers can import, not in an interactive session or a `python -c` command)")
            else:
                dataset = sent.get("dataset", dataset)
                collate_fn = sent.get("collate_fn", collate_fn)
                init_fn = sent.get("init_fn", init_fn)
        seed = base_seed + worker_id
        manual_seed(seed)
        _seed_other_rngs(seed)

        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        fetcher = None
        try:
            if init_exception is None:
                if init_fn is not None:
                    init_fn(worker_id)
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        iteration_end = False
        watchdog = _ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                _send(result_conn, r, None, worker_id)
                iteration_end = False
                if init_exception is None:
                    try:
                        fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                                              drop_last)
                    except Exception:
                        init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                continue
            if r is None:  # shut down
                break
            if done_event.is_set() or iteration_end:
                continue  # draining the queue after a shutdown or the end of an IterableDataset
            idx, index = r
            data: Any
            if init_exception is not None:
                data = init_exception
            else:
                try:
                    data = fetcher.fetch(index)  # type: ignore[union-attr]
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            if done_event.is_set():
                continue
            _send(result_conn, idx, data, worker_id)
            del data, idx, index, r  # free the batch before waiting for the next task
    except (KeyboardInterrupt, BrokenPipeError):
        # Ctrl-C reaches the whole process group; a broken pipe means the main process
        # stopped listening (shutdown): either way, leave quietly
        pass
    finally:
        result_conn.close()
