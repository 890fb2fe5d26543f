"""DataLoader with worker processes: order, seeds, errors, dead workers, timeouts and cleanup.

Every test ends with no child process left (the autouse fixture checks), so a leak fails the test
that caused it. Datasets live at module level so that the 'spawn' test can import them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import signal
import time
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import DataLoader, Dataset, IterableDataset, TensorDataset, WorkerInfo, get_worker_info

# jax warns on every fork once it is initialised; workers never touch jax (they build on the host)
pytestmark = pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")


def _gone(pid: int) -> bool:
    """True when ``pid`` neither runs nor lingers as a zombie (an unreaped child keeps its /proc entry)."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    return not os.path.exists(f"/proc/{pid}")


@pytest.fixture(autouse=True)
def _no_children_left():
    yield
    gc.collect()
    children = multiprocessing.active_children()
    assert not children, f"worker processes left running: {children}"


class Items(Dataset):
    """``(index, worker pid)`` samples, with optional misbehaviour at one index."""

    def __init__(self, n: int, fail_at: int | None = None, how: str = "raise") -> None:
        self.n = n
        self.fail_at = fail_at
        self.how = how

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[int, int]:
        if i == self.fail_at:
            if self.how == "raise":
                raise ValueError(f"bad sample {i}")
            if self.how == "keyerror":
                raise KeyError(f"missing {i}")
            if self.how == "exit":
                os._exit(7)
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.how == "sleep":
                time.sleep(0.6)
        return i, os.getpid()


class Randomness(Dataset):
    """Each sample reports its worker and draws from every seeded source."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> dict[str, Any]:
        info = get_worker_info()
        return {"worker": info.id, "seed": info.seed, "ag": ag.rand(1).item(), "py": random.random(),
                "np": float(np.random.rand())}


class Shards(IterableDataset):
    """``range(n)`` split between the workers with get_worker_info (or copied to each when not sharding)."""

    def __init__(self, n: int, shard: bool = True) -> None:
        self.n = n
        self.shard = shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Unsendable(Dataset):
    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> Any:
        return lambda: i


class Holder:
    """A user object carrying a tensor (tensors must cross the process boundary inside it too)."""

    def __init__(self, t: ag.Tensor) -> None:
        self.t = t


class HolderDataset(Dataset):
    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> Holder:
        return Holder(ag.tensor([float(i), 2.0 * i]))


_INIT_CALLS: list[int] = []


def _record_init(worker_id: int) -> None:
    _INIT_CALLS.append(worker_id)


class InitCheck(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> tuple[int, ...]:
        return (get_worker_info().id, *_INIT_CALLS)


def _failing_init(worker_id: int) -> None:
    raise RuntimeError(f"init failed in {worker_id}")


def _values(loader: DataLoader) -> list[int]:
    return [i for batch in loader for i in batch[0].tolist()]


# ---------------------------------------------------------------------- order and content


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True)])
def test_workers_deliver_the_same_batches_in_order(batch_size: int, drop_last: bool) -> None:
    expected = _values(DataLoader(Items(11), batch_size=batch_size, drop_last=drop_last))
    got = DataLoader(Items(11), batch_size=batch_size, drop_last=drop_last, num_workers=2)
    assert _values(got) == expected
    pids = {p for batch in got for p in batch[1].tolist()}
    assert len(pids) == 2 and os.getpid() not in pids  # both workers did the work


def test_shuffle_order_does_not_depend_on_num_workers() -> None:
    def orders(num_workers: int) -> list[list[int]]:
        loader = DataLoader(Items(13), batch_size=4, shuffle=True, num_workers=num_workers,
                            generator=ag.Generator().manual_seed(9))
        return [_values(loader) for _ in range(2)]

    in_process = orders(0)
    assert orders(2) == in_process and in_process[0] != in_process[1]


@pytest.mark.backends("numpy", "strict", "jax")
def test_worker_batches_arrive_on_the_backend_they_would_have_without_workers(backend: str) -> None:
    # tensors of the dataset keep their backend; host data lands on the main default backend
    x = ag.arange(12).reshape(6, 2).to("numpy")
    loader = DataLoader(TensorDataset(x, ag.arange(6).to("numpy")), batch_size=4, num_workers=2)
    (xb, yb), (xc, _) = list(loader)
    assert xb.backend.name == yb.backend.name == "numpy"
    assert next(iter(DataLoader(TensorDataset(x), batch_size=4)))[0].backend.name == "numpy"  # as without workers
    assert xb.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]] and xc.tolist() == [[8, 9], [10, 11]]
    host = next(iter(DataLoader(Items(4), batch_size=2, num_workers=1)))
    assert host[0].backend.name == backend


def test_tensors_inside_user_objects_cross_over() -> None:
    out = list(DataLoader(HolderDataset(), batch_size=None, num_workers=2))
    assert [h.t.tolist() for h in out] == [[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]
    assert all(isinstance(h.t, ag.Tensor) for h in out)


def test_in_order_false_does_not_wait_for_a_slow_batch() -> None:
    batches = [b[0].tolist() for b in DataLoader(Items(10, fail_at=0, how="sleep"), batch_size=2, num_workers=2,
                                                  in_order=False)]
    assert batches[0] != [0, 1]  # the slow first batch came later
    assert sorted(i for b in batches for i in b) == list(range(10))


def test_spawn_context_with_a_tensor_dataset() -> None:
    # spawn pickles the dataset: arraygrad tensors travel as host arrays (the stdlib pickler refuses them)
    ds = TensorDataset(ag.arange(6), ag.arange(6) * 10)
    loader = DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn")
    assert [b[1].tolist() for b in loader] == [[0, 10, 20, 30], [40, 50]]


# ---------------------------------------------------------------------- worker info and seeds


def test_get_worker_info_is_none_in_the_main_process() -> None:
    assert get_worker_info() is None


def test_worker_info_and_per_worker_seeds_are_reproducible() -> None:
    def run() -> list[dict[str, Any]]:
        loader = DataLoader(Randomness(), batch_size=None, num_workers=2, generator=ag.Generator().manual_seed(5))
        return list(loader)

    first = run()
    assert [s["worker"] for s in first] == [0, 1] * 4  # round-robin, delivered in order
    base = first[0]["seed"]
    assert first[1]["seed"] == base + 1
    assert first == run()  # same generator seed: same worker seeds, same random draws
    for source in ("ag", "py", "np"):
        w0 = [s[source] for s in first if s["worker"] == 0]
        w1 = [s[source] for s in first if s["worker"] == 1]
        assert w0 != w1, f"{source}: both workers drew the same numbers"
    other = list(DataLoader(Randomness(), batch_size=None, num_workers=2, generator=ag.Generator().manual_seed(6)))
    assert other[0]["seed"] != base


def test_worker_info_is_frozen() -> None:
    info = WorkerInfo(id=0, num_workers=1, seed=1, dataset=None)
    with pytest.raises(AttributeError):
        info.id = 3  # type: ignore[misc]


def test_worker_init_fn_runs_in_each_worker_with_its_id() -> None:
    out = [tuple(b) for b in DataLoader(InitCheck(), batch_size=None, num_workers=2, worker_init_fn=_record_init)]
    assert out == [(0, 0), (1, 1), (0, 0), (1, 1)]
    assert _INIT_CALLS == []  # it ran in the workers, not here


def test_sharded_iterable_dataset_gives_each_item_once() -> None:
    got = [int(x) for batch in DataLoader(Shards(23), batch_size=4, num_workers=2) for x in batch.tolist()]
    assert sorted(got) == list(range(23))


def test_unsharded_iterable_dataset_is_copied_to_every_worker() -> None:
    got = [int(x) for x in DataLoader(Shards(5, shard=False), batch_size=None, num_workers=2)]
    assert sorted(got) == sorted(list(range(5)) * 2)


def test_iterable_dataset_drop_last_applies_per_worker() -> None:
    # each worker drops its own short last batch (PyTorch's behaviour): 0,2,4,6 | 1,3,5 with batch 3
    got = [b.tolist() for b in DataLoader(Shards(7), batch_size=3, drop_last=True, num_workers=2)]
    assert got == [[0, 2, 4], [1, 3, 5]]


# ---------------------------------------------------------------------- errors


def test_worker_exception_is_reraised_with_the_worker_traceback() -> None:
    with pytest.raises(ValueError) as info:
        list(DataLoader(Items(8, fail_at=5), batch_size=2, num_workers=2))
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.")
    assert "Traceback (most recent call last)" in msg and "bad sample 5" in msg
    assert "test_workers.py" in msg and "__getitem__" in msg  # the worker's own frames


def test_worker_key_error_message_stays_readable() -> None:
    with pytest.raises(KeyError) as info:
        list(DataLoader(Items(4, fail_at=1, how="keyerror"), num_workers=2))
    assert "Caught KeyError in DataLoader worker process 1.\nOriginal Traceback" in str(info.value)


def test_unpicklable_exception_type_becomes_runtime_error() -> None:
    loader = DataLoader(Items(4), num_workers=1, collate_fn=_raise_local_error)
    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 0") as info:
        next(iter(loader))
    assert "LocalError: made in a function" in str(info.value)


def _raise_local_error(batch: Any) -> Any:
    class LocalError(Exception):
        pass

    raise LocalError("made in a function")


def test_unpicklable_batch_is_reported() -> None:
    with pytest.raises(Exception, match="while sending a batch to the main process"):
        list(DataLoader(Unsendable(), batch_size=None, num_workers=1))


def test_worker_init_fn_exception_is_reraised() -> None:
    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(DataLoader(Items(4), num_workers=1, worker_init_fn=_failing_init))


@pytest.mark.parametrize("how, cause", [("exit", "exit code 7"), ("kill", "killed by signal SIGKILL")])
def test_dead_worker_raises_instead_of_hanging(how: str, cause: str) -> None:
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \d \(pid\(s\) \d+\) exited unexpectedly") as info:
        list(DataLoader(Items(8, fail_at=3, how=how), batch_size=2, num_workers=2))
    assert cause in str(info.value)
    assert time.monotonic() - start < 5


def test_timeout_raises() -> None:
    it = iter(DataLoader(Items(4, fail_at=0, how="sleep"), num_workers=1, timeout=0.2))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(it)
    assert time.monotonic() - start < 0.55  # the sample takes 0.6 s
    del it


def test_spawn_refuses_unpicklable_arguments_clearly() -> None:
    loader = DataLoader(Items(4), num_workers=1, multiprocessing_context="spawn", collate_fn=lambda b: b)
    with pytest.raises(TypeError, match="must be picklable for the 'spawn' start method"):
        iter(loader)


# ---------------------------------------------------------------------- cleanup and persistence


def test_breaking_out_of_the_loop_leaves_no_process() -> None:
    loader = DataLoader(Items(40), batch_size=2, num_workers=2)
    pids: set[int] = set()
    for k, (_, p) in enumerate(loader):
        pids.update(p.tolist())
        if k == 2:
            break
    del p
    gc.collect()
    assert multiprocessing.active_children() == []
    assert all(_gone(pid) for pid in pids), "a worker is still running or is a zombie"


def test_deleting_the_iterator_stops_its_workers_without_gc() -> None:
    it = iter(DataLoader(Items(40), batch_size=2, num_workers=2, prefetch_factor=4))
    pid = next(it)[1].tolist()[0]
    del it  # reference counting alone runs the finalizer: the iterator is in no cycle
    assert multiprocessing.active_children() == []
    assert _gone(pid)


def test_a_dead_worker_fails_the_iterator_for_good_but_not_the_loader() -> None:
    loader = DataLoader(Items(6, fail_at=0, how="exit"), batch_size=2, num_workers=2, persistent_workers=True)
    it = iter(loader)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        next(it)
    with pytest.raises(RuntimeError, match="workers were shut down after an error"):
        next(it)
    assert multiprocessing.active_children() == []
    loader.dataset.fail_at = None  # a new epoch starts new workers
    assert _values(loader) == list(range(6))
    del it, loader


def test_too_many_workers_warn() -> None:
    with pytest.warns(UserWarning, match="This DataLoader will create 4096 worker processes in total"):
        DataLoader(Items(2), num_workers=4096)


def test_a_finished_epoch_stops_its_workers_at_once() -> None:
    it = iter(DataLoader(Items(4), batch_size=2, num_workers=2))
    pids = {p for _, ps in it for p in ps.tolist()}
    assert multiprocessing.active_children() == []  # no garbage collection needed
    assert all(_gone(pid) for pid in pids)
    del it


def test_persistent_workers_survive_epochs_and_stop_with_the_loader() -> None:
    loader = DataLoader(Items(6), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b for b in loader]
    second = [b for b in loader]
    assert [b[0].tolist() for b in second] == [b[0].tolist() for b in first] == [[0, 1], [2, 3], [4, 5]]
    pids = {p for b in first + second for p in b[1].tolist()}
    assert len(pids) == 2  # the same two workers served both epochs
    assert len(multiprocessing.active_children()) == 2
    del loader, first, second
    gc.collect()
    assert multiprocessing.active_children() == []


def test_persistent_workers_restart_cleanly_after_a_broken_epoch() -> None:
    loader = DataLoader(Items(12), batch_size=2, num_workers=2, persistent_workers=True, prefetch_factor=3)
    for k, _ in enumerate(loader):
        if k == 1:
            break  # tasks of this epoch are still in flight
    assert _values(loader) == list(range(12))  # none of them leaks into the next epoch
    assert _values(loader) == list(range(12))


def test_persistent_workers_with_an_iterable_dataset() -> None:
    loader = DataLoader(Shards(9), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(int(x) for b in loader for x in b.tolist()) == list(range(9))


def test_non_persistent_workers_are_new_each_epoch() -> None:
    loader = DataLoader(Items(4), batch_size=2, num_workers=2)
    first = {p for _, ps in loader for p in ps.tolist()}
    second = {p for _, ps in loader for p in ps.tolist()}
    assert not first & second
