"""DataLoader workers and backends that cannot run in a forked process, workers dying with
their parent, and how worker failures reach the main process.

jax cases are few and small: a forked worker that ran jax would hang, so each of them sets a
``timeout`` that turns a hang into a failure.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import arraygrad as ag
from arraygrad import backends
from arraygrad.data import DataLoader, Dataset, TensorDataset, _workers, get_worker_info

REPO = Path(__file__).resolve().parents[2]

#: seconds after which a jax worker counts as hung
HANG = 30.0


@pytest.fixture(autouse=True)
def _no_children_left():
    yield
    gc.collect()
    children = multiprocessing.active_children()
    assert not children, f"worker processes left running: {children}"


def _jax() -> Any:
    try:
        return backends.get("jax")
    except Exception as exc:  # not installed, or no usable device
        pytest.skip(f"jax backend unavailable: {exc}")


def _running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return False


def _batches(loader: DataLoader) -> list[tuple[str, list[Any]]]:
    return [(b[0].backend.name, [t.tolist() for t in b]) for b in loader]


class JaxPairs(Dataset):
    """A module-level dataset holding jax tensors (spawn imports it by name in the worker)."""

    def __init__(self, n: int) -> None:
        self.x = ag.arange(3 * n, dtype=ag.float32, backend="jax").reshape(n, 3)
        self.y = ag.arange(n, dtype=ag.int32, backend="jax")

    def __len__(self) -> int:
        return self.x.shape[0]

    def __getitem__(self, i: int) -> tuple[ag.Tensor, ag.Tensor]:
        return self.x[i] * 2.0, self.y[i]


class Numbers(Dataset):
    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n = n
        self.fail_at = fail_at

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if i == self.fail_at:
            raise ValueError(f"sample {i} is broken")
        if i == -1:
            time.sleep(5)
        return i


# ---------------------------------------------------------------------- backends that cannot fork


@pytest.mark.parametrize("context", [None, "fork", "fork-object"])
def test_jax_tensor_dataset_in_forked_workers_matches_in_process(context: str | None) -> None:
    _jax()
    n = 13  # shapes the main process has not compiled: a worker running jax would hang compiling
    ds = TensorDataset(ag.arange(2 * n, dtype=ag.float32, backend="jax").reshape(n, 2) / 3.0,
                       ag.arange(n, dtype=ag.int32, backend="jax"))
    ctx = multiprocessing.get_context("fork") if context == "fork-object" else context
    loader = DataLoader(ds, batch_size=5, num_workers=2, timeout=HANG, multiprocessing_context=ctx)
    got = _batches(loader)
    assert got == _batches(DataLoader(ds, batch_size=5))
    assert {name for name, _ in got} == {"jax"}


def _worker_dataset_backends(batch: Any) -> list[str]:
    return [t.backend.name for t in get_worker_info().dataset.tensors]


def test_forked_worker_holds_host_copies_of_jax_tensors() -> None:
    _jax()
    ds = TensorDataset(ag.zeros(4, backend="jax"), ag.zeros(4, backend="jax"))
    loader = DataLoader(ds, batch_size=2, num_workers=1, timeout=HANG, collate_fn=_worker_dataset_backends)
    assert list(loader) == [["numpy", "numpy"]] * 2
    assert [t.backend.name for t in ds.tensors] == ["jax", "jax"]  # the main process's dataset is untouched


def test_jax_dataset_of_a_test_module_with_spawn() -> None:
    _jax()
    loader = DataLoader(JaxPairs(5), batch_size=2, num_workers=1, timeout=HANG, multiprocessing_context="spawn")
    got = _batches(loader)
    assert got == _batches(DataLoader(JaxPairs(5), batch_size=2))
    assert [name for name, _ in got] == ["jax"] * 3


def test_unpicklable_jax_dataset_with_fork_names_the_dataset() -> None:
    _jax()

    class LocalJax(Dataset):
        def __init__(self) -> None:
            self.x = ag.zeros(4, backend="jax")
            self.transform = lambda t: t

        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> ag.Tensor:
            return self.transform(self.x[i])

    loader = DataLoader(LocalJax(), num_workers=2)
    with pytest.raises(TypeError) as info:
        iter(loader)
    msg = str(info.value)
    assert "dataset (test_unpicklable_jax_dataset_with_fork_names_the_dataset.<locals>.LocalJax)" in msg
    assert "'fork'" in msg and "jax" in msg and "top level of a module" in msg


def test_spawn_names_an_unpicklable_dataset_class() -> None:
    class LocalNumbers(Numbers):
        pass

    loader = DataLoader(LocalNumbers(4), num_workers=1, multiprocessing_context="spawn")
    with pytest.raises(TypeError, match=r"the dataset \(.*LocalNumbers\) must be picklable for the 'spawn' start "
                                        r"method .*top level of a module"):
        iter(loader)


def test_spawn_worker_that_cannot_import_the_dataset_class_explains_why(tmp_path: Path) -> None:
    # a class defined in `python -c` pickles by name but cannot be found in a spawned worker
    script = textwrap.dedent("""
        from arraygrad.data import DataLoader, Dataset
        class Local(Dataset):
            def __len__(self): return 2
            def __getitem__(self, i): return i
        try:
            list(DataLoader(Local(), num_workers=1, multiprocessing_context="spawn", timeout=60))
        except AttributeError as exc:
            print("RAISED", exc)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "RAISED Caught AttributeError in DataLoader worker process 0 while loading the objects sent" in out.stdout
    assert "Local" in out.stdout and "python -c" in out.stdout


def test_tensor_backends_searches_nested_objects_once() -> None:
    inner = TensorDataset(ag.zeros(3, backend="numpy"))
    holder: dict[str, Any] = {"parts": [inner, (ag.ones(2, backend="strict"),)]}
    holder["self"] = holder  # a cycle
    names = [b.name for b in _workers.tensor_backends(holder)]
    assert sorted(names) == ["numpy", "strict"]  # each backend once
    assert _workers.tensor_backends(Numbers(3)) == []
    # the search is bounded: a tensor behind a long list of plain objects is not looked for
    assert _workers.tensor_backends([object()] * 5 + [[ag.zeros(1)]], limit=4) == []


def test_backends_say_whether_they_survive_a_fork() -> None:
    assert backends.get("numpy").fork_safe and backends.get("strict").fork_safe
    assert _jax().fork_safe is False


# ---------------------------------------------------------------------- workers die with their parent


_PARENT = """
import os, sys, time
from arraygrad.data import DataLoader, Dataset

class Slow(Dataset):
    def __len__(self):
        return 100

    def __getitem__(self, i):
        open(os.path.join(sys.argv[2], str(os.getpid())), "w").close()
        time.sleep(120)
        return i

if __name__ == "__main__":
    it = iter(DataLoader(Slow(), batch_size=None, num_workers=2, multiprocessing_context=sys.argv[1]))
    print(" ".join(str(w.pid) for w in it._pool.workers), flush=True)
    time.sleep(300)
"""


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_workers_die_when_the_parent_is_killed(tmp_path: Path, context: str) -> None:
    script = tmp_path / "parent.py"
    script.write_text(_PARENT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    parent = subprocess.Popen([sys.executable, str(script), context, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True, env=env)
    pids: list[int] = []
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2
        deadline = time.monotonic() + 90
        while not all((tmp_path / str(p)).exists() for p in pids):  # both are inside a slow __getitem__
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 3.0
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in pids if _running(p)], "workers outlived their killed parent"
    finally:
        parent.kill()
        parent.wait()
        for p in pids:
            if _running(p):
                os.kill(p, signal.SIGKILL)


def test_watchdog_sees_a_dead_main_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert _workers._main_process_alive(os.getpid(), os.getppid())
    assert not _workers._main_process_alive(child.pid, os.getppid())  # gone
    assert not _workers._main_process_alive(os.getpid(), os.getppid() + 1)  # re-parented


def test_workers_started_from_a_thread_outlive_the_thread() -> None:
    # Linux's parent-death signal follows the starting thread: it must not kill these workers
    loader = DataLoader(Numbers(6), batch_size=2, num_workers=2, persistent_workers=True)
    out: list[Any] = []
    t = threading.Thread(target=lambda dl: out.append([b.tolist() for b in dl]), args=(loader,))
    t.start()
    t.join()
    assert out == [[[0, 1], [2, 3], [4, 5]]]
    assert [b.tolist() for b in loader] == out[0]  # the same workers, after their thread ended
    del loader
    gc.collect()


# ---------------------------------------------------------------------- failures reach the main process


def test_worker_exception_names_the_worker_and_keeps_its_traceback() -> None:
    with pytest.raises(ValueError) as info:
        list(DataLoader(Numbers(6, fail_at=3), num_workers=2))
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.\nOriginal Traceback")
    assert "sample 3 is broken" in msg and "test_worker_safety.py" in msg


def test_worker_killed_by_a_signal_raises_with_pytorchs_wording() -> None:
    it = iter(DataLoader(Numbers(100), batch_size=None, num_workers=2, timeout=HANG))
    next(it)
    victim = it._pool.workers[1].pid
    os.kill(victim, signal.SIGKILL)
    start = time.monotonic()
    with pytest.raises(RuntimeError) as info:
        for _ in it:
            pass
    assert time.monotonic() - start < 5
    msg = str(info.value)
    assert f"DataLoader worker (pid {victim}) is killed by signal: Killed." in msg
    assert "killed by signal SIGKILL" in msg
    del it


def test_timeout_raises_and_stops_the_workers() -> None:
    loader = DataLoader(Numbers(4), sampler=[-1, 0], num_workers=1, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(loader)
    assert time.monotonic() - start < 3
