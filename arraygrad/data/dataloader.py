"""``DataLoader``: Dataset -> Sampler -> BatchSampler -> collate_fn, in this process or in workers.

With ``num_workers > 0`` each worker process receives ``(task, indices)`` on its own index queue,
builds the batch on the host backend and sends it back through its own pipe; the main process
delivers batches in task order and rebuilds their tensors on the dataset's backend (see
``_utils/worker.py``). Workers never run jax or cupy code: a forked worker gets a dataset holding
such tensors pickled, as host arrays (see ``_workers.py``). A worker's exception is re-raised here
with the worker's traceback; a worker that dies is noticed at once (end of file on its pipe, its
process sentinel); the workers are stopped when an epoch ends, when the iterator is
garbage-collected, or at exit, and they stop by themselves when the main process dies.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from arraygrad.core import dtypes
from arraygrad.core.random import Generator
from arraygrad.data import _workers
from arraygrad.data._utils import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, draw_seed, pickling
from arraygrad.data._utils.collate import default_collate, default_convert
from arraygrad.data._utils.fetch import _DatasetKind
from arraygrad.data._utils.worker import (
    _IterableDatasetStopIteration,
    _ResumeIteration,
    _worker_loop,
    get_worker_info,
)
from arraygrad.data.dataset import Dataset, IterableDataset
from arraygrad.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

T_co = TypeVar("T_co", covariant=True)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

#: the read ends of every live worker pipe in this process: a forked worker closes its copies,
#: so that when the main process closes a pipe no other process keeps it open
_LIVE_READERS: weakref.WeakSet[Any] = weakref.WeakSet()

#: seconds a shutdown waits for workers to finish the batch they are on before terminating them
_JOIN_TIMEOUT = 2.0


class _InfiniteConstantSampler(Sampler[None]):
    """``None`` forever: the sampler of an IterableDataset (which ignores indices)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _default_context() -> Any:
    """The start method the user chose, else 'fork' on Linux (cheap, shares the dataset's memory)."""
    method = multiprocessing.get_start_method(allow_none=True)
    if method is None and sys.platform.startswith("linux"):
        method = "fork"
    return multiprocessing.get_context(method)


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; None turns automatic batching off (each sample is passed
            through ``default_convert``).
        shuffle: reshuffle every epoch (a ``RandomSampler`` drawing from ``generator``).
        sampler: the order of indices (an iterable with ``__len__``); excludes ``shuffle``.
        batch_sampler: yields lists of indices; excludes batch_size, shuffle, sampler, drop_last.
        num_workers: worker processes (0: load in this process).
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        pin_memory: accepted for compatibility; arraygrad has no pinned memory (warns).
        drop_last: drop the last, incomplete batch.
        timeout: with workers, seconds to wait for a batch before raising (0: wait forever).
        worker_init_fn: called in each worker with its id, after seeding, before loading.
        multiprocessing_context: a start method name ('fork', 'spawn', 'forkserver') or a
            ``multiprocessing`` context (default: Python's start method, 'fork' on Linux).
        generator: arraygrad Generator for the shuffle and for the workers' base seed (default:
            draws from the default generator, so ``ag.manual_seed`` makes the order reproducible).
        prefetch_factor: batches loaded ahead per worker (default 2 with workers).
        persistent_workers: keep the workers (and their dataset copies) between epochs.
        in_order: deliver batches in sampler order (False: as soon as any worker has one).

    Batches built in the main process put host data (numpy arrays, numbers) on the current default
    backend and stack tensors on their own backend. Workers build batches on the host (jax and
    cupy hang or fail in a forked child; a dataset holding their tensors is sent to forked workers
    pickled, with the tensors as host arrays) and the main process rebuilds them on the dataset's
    backend: the backend of the tensors the dataset holds, or the current default backend when it
    holds none (or tensors of several backends). So batches equal the ``num_workers=0`` ones. A
    worker exits by itself when the main process dies (Linux's parent-death signal, and a
    watchdog thread on every platform and start method). Every worker seeds arraygrad's default
    generator and Python's ``random`` (and numpy's global RNG when numpy is loaded) with
    ``base_seed + worker_id``.

    Raises:
        ValueError: negative num_workers/timeout/prefetch_factor; prefetch_factor or
            persistent_workers or timeout without workers; shuffle with sampler; batch_sampler with
            batch_size/shuffle/sampler/drop_last; batch_size=None with drop_last; shuffle, sampler
            or batch_sampler with an IterableDataset; an unknown start method; setting
            batch_size, batch_sampler, sampler, drop_last, dataset or persistent_workers after
            construction.
        TypeError: multiprocessing_context is neither a name nor a context; at iteration start,
            the dataset, collate_fn or worker_init_fn cannot be pickled although the start method
            ('spawn', 'forkserver') or the dataset's backend (jax, cupy under 'fork') needs it.
        RuntimeError: while iterating, a worker died (the message gives its exit code or signal)
            or ``timeout`` passed without a batch.
    """

    _iterator: _BaseDataLoaderIter | None
    __initialized = False

    def __init__(self, dataset: Dataset[T_co], batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler[Any] | Iterable[Any] | None = None,
                 batch_sampler: Sampler[Any] | Iterable[Any] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[Any], Any] | None = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False, in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and timeout > 0:
            # PyTorch fails on the first next(); failing here points at the argument
            raise ValueError("timeout option applies to multi-process loading only: let num_workers > 0 or set "
                             "timeout=0")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]

        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator

        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers

        self.__initialized = True
        self._IterableDataset_len_called: int | None = None
        self._iterator = None
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self) -> Any:
        """The ``multiprocessing`` context the workers start in, or None for the default.

        A start-method name (``"spawn"``, ...) set here is turned into its context."""
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context: Any) -> None:
        if multiprocessing_context is not None:
            if self.num_workers <= 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                    f"but got num_workers={self.num_workers}"
                )
            if isinstance(multiprocessing_context, str):
                valid = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in valid:
                    raise ValueError(
                        f"multiprocessing_context option should specify a valid start method in {valid!r}, but got "
                        f"multiprocessing_context={multiprocessing_context!r}"
                    )
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
            if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string specifying the "
                    f"start method, but got multiprocessing_context={multiprocessing_context}"
                )
        self.__multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr: str, val: Any) -> None:
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    def _get_iterator(self) -> _BaseDataLoaderIter:
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self) -> _BaseDataLoaderIter:
        """A new iterator (one epoch); with persistent workers, the same iterator restarted."""
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._pool.closed:  # type: ignore[attr-defined]  # first epoch, or after an error
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        """Batches per epoch: ``len(batch_sampler)``; for an IterableDataset an estimate from
        ``len(dataset)`` and ``batch_size`` (wrong if the workers' shards are uneven)."""
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn when more workers are asked for than this process may use CPUs."""
        if not self.num_workers:
            return
        try:
            cpus: int | None = len(os.sched_getaffinity(0))
        except AttributeError:
            cpus = os.cpu_count()
        if cpus is None or self.num_workers > cpus:
            suggestion = f"Our suggested max number of worker in current system is {cpus}" if cpus else (
                "DataLoader is not able to compute a suggested max number of worker in current system")
            warnings.warn(
                f"This DataLoader will create {self.num_workers} worker processes in total. {suggestion}, which is "
                "smaller than what this DataLoader is going to create. Please be aware that excessive worker "
                "creation might get DataLoader running slow or even freeze, lower the worker number to avoid "
                "potential slowness/freeze if necessary.",
                stacklevel=3,
            )


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader[Any]) -> None:
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but arraygrad has no pinned host memory; it is "
                          "ignored.", stacklevel=3)
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter: Iterator[Any] | None = iter(self._index_sampler)
        # drawn even without workers so that the generator's stream, hence the shuffle, does not
        # depend on num_workers (a sampler's generator-function body runs after this)
        self._base_seed = draw_seed(loader.generator)
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self) -> _BaseDataLoaderIter:
        return self

    def _reset(self, loader: DataLoader[Any], first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self) -> Any:
        return next(self._sampler_iter)  # type: ignore[arg-type]

    def _next_data(self) -> Any:
        raise NotImplementedError

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._IterableDataset_len_called} "
                   f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker (see arraygrad.data.get_worker_info).")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader[Any]) -> None:
        super().__init__(loader)
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self) -> Any:
        index = self._next_index()  # may raise StopIteration
        return self._dataset_fetcher.fetch(index)  # may raise StopIteration


class _WorkerPool:
    """The processes and channels of one multi-process iterator.

    ``shutdown`` is the iterator's finalizer, so it must not refer to the iterator: then it runs
    when the iterator is collected (also inside a reference cycle) and at interpreter exit.
    """

    def __init__(self, done_event: Any) -> None:
        # a forked child gets a copy of this object (and may collect it): only the creator acts
        self.pid = os.getpid()
        self.done_event = done_event
        self.workers: list[Any] = []
        self.index_queues: list[Any] = []
        self.readers: list[Any] = []
        self.closed = False

    def shutdown(self) -> None:
        if self.closed or os.getpid() != self.pid:
            return
        self.closed = True
        try:
            self.done_event.set()
            for q in self.index_queues:
                q.put(None)
            # a worker blocked sending a batch gets a broken pipe and exits
            for r in self.readers:
                _LIVE_READERS.discard(r)
                r.close()
            deadline = time.monotonic() + _JOIN_TIMEOUT
            for w in self.workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for q in self.index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self.workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Iterates with worker processes.

    Task ``k`` (the ``k``-th entry of the index sampler) goes to the next active worker round-robin;
    at most ``prefetch_factor * num_workers`` tasks are outstanding. ``_task_info[k]`` is
    ``(worker,)`` while task ``k`` is pending and ``(worker, data)`` once it arrived early;
    ``_rcvd_idx`` is the next task to deliver. (This bookkeeping follows PyTorch's iterator.)
    """

    def __init__(self, loader: DataLoader[Any]) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor or 0
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise ValueError("prefetch_factor must be positive when num_workers > 0")
        ctx = loader.multiprocessing_context or _default_context()
        method = ctx.get_start_method()
        fork = method == "fork"
        found = _workers.tensor_backends(self._dataset)
        # batches come back on the dataset's backend, as without workers; a dataset of host data
        # (or of several backends) gives batches on the default backend current when they arrive
        self._result_backend = found[0] if len(found) == 1 else None
        unsafe = [b for b in found if not getattr(b, "fork_safe", True)]
        pickled = None
        if not fork:
            # spawn/forkserver pickle the process arguments: send the user's objects with the
            # tensor-aware pickler instead (the standard one refuses arraygrad tensors)
            pickled = _workers.pickle_for_workers(
                {"dataset": self._dataset, "collate_fn": self._collate_fn, "init_fn": loader.worker_init_fn},
                method, "each worker process receives its own pickled copy")
        elif unsafe:
            # a forked child must never run jax/cupy code (it hangs): it gets host copies instead
            pickled = _workers.pickle_for_workers({"dataset": self._dataset}, method,
                                                  _workers.fork_transfer_reason(unsafe))
        send_dataset = fork and pickled is None
        # Linux's parent-death signal follows the starting thread: only the main thread arms it
        safety = (os.getpid(), method in ("fork", "spawn"), fork, threading.current_thread() is threading.main_thread())
        self._pool = pool = _WorkerPool(ctx.Event())
        self._finalizer = weakref.finalize(self, pool.shutdown)
        default_dtype = dtypes.get_default_dtype().name
        for i in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()  # the queue's feeder thread must never block our exit
            reader, writer = ctx.Pipe(duplex=False)
            _LIVE_READERS.add(reader)
            pool.index_queues.append(index_queue)
            pool.readers.append(reader)
            w = ctx.Process(
                target=_worker_loop,
                args=(self._dataset_kind, self._dataset if send_dataset else None, index_queue, writer,
                      pool.done_event, self._auto_collation, self._collate_fn if fork else None, self._drop_last,
                      self._base_seed, loader.worker_init_fn if fork else None, i, self._num_workers,
                      default_dtype, pickled, list(_LIVE_READERS) if fork else [], safety),
                daemon=True,
            )
            try:
                with warnings.catch_warnings():
                    # jax warns at every fork; this worker never runs jax (it builds on the host)
                    warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
                    w.start()
            finally:
                writer.close()  # the worker's copy is now the only one: its death closes the pipe
            pool.workers.append(w)
        self._reset(loader, first_iter=True)

    # ------------------------------------------------------------------ epoch state
    def _reset(self, loader: DataLoader[Any], first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple[Any, ...]] = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: restart them and drop whatever the last epoch left in flight
            for q in self._pool.index_queues:
                q.put(_ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                return_idx, _ = self._get_data()
                if isinstance(return_idx, _ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ------------------------------------------------------------------ receiving
    def _expected_alive(self, worker_id: int) -> bool:
        return not self._pool.closed and (self._workers_status[worker_id] or self._persistent_workers)

    def _worker_failed(self, worker_id: int) -> RuntimeError:
        w = self._pool.workers[worker_id]
        w.join(timeout=1.0)  # the pipe can close a moment before the exit code is known
        code = w.exitcode
        detail = ""
        if code is None:
            how = "it closed its pipe"
        elif code < 0:
            try:
                sig = signal.Signals(-code)
                how = f"killed by signal {sig.name}"
                # PyTorch's wording, which users search for
                detail = f". DataLoader worker (pid {w.pid}) is killed by signal: {signal.strsignal(sig)}."
                if sig == signal.SIGKILL:
                    detail += " It may have run out of memory (the system kills processes that use too much)."
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        self._shutdown_workers()
        return RuntimeError(f"DataLoader worker {worker_id} (pid(s) {w.pid}) exited unexpectedly ({how}){detail}")

    def _try_get_data(self, timeout: float) -> tuple[bool, Any]:
        """``(True, (task, data))`` from any worker within ``timeout`` seconds, else ``(False, None)``.

        Raises:
            RuntimeError: a worker that should be running has exited.
        """
        pool = self._pool
        deadline = time.monotonic() + timeout
        while True:
            readers: dict[Any, int] = {r: i for i, r in enumerate(pool.readers) if not r.closed}
            sentinels = {pool.workers[i].sentinel: i for i in range(self._num_workers) if self._expected_alive(i)}
            remaining = max(0.0, deadline - time.monotonic())
            ready: list[Any] = multiprocessing.connection.wait([*readers, *sentinels], remaining)
            for obj in ready:
                if obj in readers:
                    worker_id = readers[obj]
                    try:
                        payload = obj.recv_bytes()
                    except (EOFError, OSError):
                        if self._expected_alive(worker_id):
                            raise self._worker_failed(worker_id) from None
                        obj.close()  # a worker that finished its work and exited
                        break
                    return True, pickling.loads(payload, backend=self._result_backend)
            else:
                for obj in ready:
                    if obj in sentinels and not pool.readers[sentinels[obj]].poll():
                        raise self._worker_failed(sentinels[obj])
                if not ready:
                    for i, w in enumerate(pool.workers):
                        if self._expected_alive(i) and not w.is_alive():
                            raise self._worker_failed(i)
                    if time.monotonic() >= deadline:
                        return False, None

    def _get_data(self) -> Any:
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data(MP_STATUS_CHECK_INTERVAL)
            if success:
                return data

    def _next_data(self) -> Any:
        while True:
            # skip tasks of workers that ran out of (iterable) data and will send nothing
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            if self._pool.closed:
                raise RuntimeError("this DataLoader iterator's workers were shut down after an error; "
                                   "iterate over the DataLoader again to start new ones")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and isinstance(data, _IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    # ------------------------------------------------------------------ sending
    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        assert self._tasks_outstanding < max_tasks
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._pool.index_queues[worker_queue_idx].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data: Any, worker_id: int) -> Any:
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # ------------------------------------------------------------------ shutdown
    def _mark_worker_as_unavailable(self, worker_id: int) -> None:
        """Tell a worker whose IterableDataset copy ended to exit (the pool shuts down the rest)."""
        self._pool.index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self) -> None:
        self._finalizer()
