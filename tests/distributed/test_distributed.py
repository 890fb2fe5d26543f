"""arraygrad.distributed and DistributedDataParallel.

The multi-process tests run the scripts in ``scripts/`` under ``mpiexec -n 2`` (each with a timeout, its
process group killed if it runs over); the rest run in this process without starting MPI.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad.data import DistributedSampler
from arraygrad.distributed import run as launcher

SCRIPTS = Path(__file__).resolve().parent / "scripts"
HAVE_MPI = dist.is_available()
try:
    MPIEXEC: str | None = launcher.find_mpiexec()
except RuntimeError:
    MPIEXEC = None
needs_mpi = pytest.mark.skipif(not HAVE_MPI or MPIEXEC is None,
                               reason="needs mpi4py and mpiexec: pip install 'arraygrad[mpi]'")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "JAX_ENABLE_X64": "1", "JAX_PLATFORMS": "cpu"}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "TORCH_DISTRIBUTED_DEBUG"):
        env.pop(name, None)
    return {**env, **extra}


def run(command: list[str], timeout: float, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in its own session; past ``timeout`` kill the whole session and fail."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(**env),
                            cwd=SCRIPTS, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(command)} ran past {timeout} s:\n{out[-2000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def mpirun(script: str, *args: str, nproc: int = 2, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    assert MPIEXEC is not None
    return run([MPIEXEC, "-n", str(nproc), sys.executable, str(SCRIPTS / script), *args], timeout, **env)


def assert_ok(result: subprocess.CompletedProcess[str], *lines: str) -> None:
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    for line in lines:
        # mpiexec forwards each rank's output as it comes, so two ranks' lines may share a line
        assert line in result.stdout, f"{line!r} missing from:\n{result.stdout}"


# ---------------------------------------------------------------------------------------------------- 2 processes


@needs_mpi
def test_collectives_every_op_and_dtype_match_numpy() -> None:
    assert_ok(mpirun("collectives.py"), "ok collectives 0", "ok collectives 1")


@needs_mpi
@pytest.mark.parametrize(("backend", "models"), [("numpy", "mlp,lenet"), ("jax", "mlp,lenet"), ("strict", "mlp")])
def test_ddp_with_batch_b_per_rank_equals_one_process_with_batch_2b(backend: str, models: str) -> None:
    if backend == "jax":
        pytest.importorskip("jax")
    if backend == "strict":
        pytest.importorskip("array_api_strict")
    result = mpirun("ddp_equivalence.py", models, timeout=240, ARRAYGRAD_BACKEND=backend)
    assert_ok(result, *(f"ok {m} {rank}" for m in models.split(",") for rank in (0, 1)))


@needs_mpi
def test_ddp_no_sync_unused_parameters_buffers_overlap_and_errors() -> None:
    assert_ok(mpirun("ddp_features.py"), "ok ddp_features 0", "ok ddp_features 1")


@needs_mpi
def test_distributed_sampler_takes_rank_from_the_group_and_shards_disjointly() -> None:
    assert_ok(mpirun("sampler.py"), "ok sampler 0", "ok sampler 1")


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@needs_mpi
@pytest.mark.parametrize("mode", ["raise", "kill"])
def test_a_failing_rank_ends_the_whole_job_without_orphans(mode: str) -> None:
    marker = f"arraygrad-test-{uuid.uuid4().hex}"
    start = time.monotonic()
    result = mpirun("fail.py", mode, marker, timeout=30)
    assert time.monotonic() - start < 30
    assert result.returncode != 0
    assert "rank 0 passed the all_reduce" not in result.stdout
    if mode == "raise":
        assert "ValueError: boom on rank 1" in result.stderr, result.stderr
    else:
        assert "signal 9" in result.stdout + result.stderr or "Killed" in result.stdout + result.stderr, result
    deadline = time.monotonic() + 5
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_with(marker), "processes of the failed job are still running"


@needs_mpi
def test_launcher_runs_the_script_on_n_ranks_with_torchrun_variables() -> None:
    result = run([sys.executable, "-m", "arraygrad.distributed.run", "--nproc", "2", "launcher_env.py", "a", "--b"], 60)
    assert_ok(result, "rank 0 of 2 args ['a', '--b']", "rank 1 of 2 args ['a', '--b']")


@needs_mpi
def test_ddp_example_trains_on_two_ranks(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    example = SCRIPTS.parents[2] / "examples" / "ddp.py"
    result = mpirun(str(example), "--epochs", "1", "--steps", "3", "--out-dir", str(tmp_path), timeout=120,
                    MPLBACKEND="Agg")
    assert_ok(result, "world size 2:", "saved checkpoint to")
    for rank in (0, 1):
        assert re.search(rf"rank {rank}: epoch 1 +\d+ samples/s +gradient sync [\d.]+ ms/step", result.stdout), result.stdout
    state = ag.load(tmp_path / "ddp.safetensors", backend="numpy")
    assert not any(k.startswith("module.") for k in state)  # the unwrapped model's weights
    assert (tmp_path / "ddp_loss.png").read_bytes()[:4] == b"\x89PNG"


# ---------------------------------------------------------------------------------------------------- 1 process


@needs_mpi
def test_ddp_on_one_process_without_mpiexec_equals_plain_training() -> None:
    assert_ok(run([sys.executable, str(SCRIPTS / "single.py")], 60), "ok single")


@needs_mpi
def test_init_process_group_checks_rank_variables_against_mpi() -> None:
    code = ("import arraygrad.distributed as d\ntry:\n    d.init_process_group()\nexcept ValueError as e:\n"
            "    print(e)\n")
    result = run([sys.executable, "-c", code], 60, RANK="3", WORLD_SIZE="4")
    assert result.returncode == 0, result.stderr
    assert "init_process_group: world size is 4 ($WORLD_SIZE) but MPI started this process as world size 1" in result.stdout


def test_importing_arraygrad_does_not_start_mpi() -> None:
    code = "import sys, arraygrad, arraygrad.nn.parallel; print('mpi4py' in sys.modules)"
    result = run([sys.executable, "-c", code], 60)
    assert result.stdout.strip() == "False", result.stderr


def test_collectives_before_init_raise_as_pytorch() -> None:
    torch_dist = pytest.importorskip("torch.distributed")
    import torch

    with pytest.raises(Exception) as theirs:
        torch_dist.all_reduce(torch.ones(2))
    for call in (lambda: dist.all_reduce(ag.ones(2)), dist.get_rank, dist.get_world_size, dist.barrier,
                 lambda: dist.broadcast(ag.ones(2), src=0), dist.destroy_process_group):
        with pytest.raises(ValueError) as ours:
            call()
        assert isinstance(ours.value, RuntimeError)  # what PyTorch before 2.x raised
        assert str(ours.value) == str(theirs.value)
        assert type(theirs.value) is ValueError
    assert not dist.is_initialized()


def test_init_process_group_refuses_other_rendezvous_and_backends() -> None:
    with pytest.raises(ValueError, match="init_method 'tcp://"):
        dist.init_process_group(init_method="tcp://127.0.0.1:1234")
    with pytest.raises(ValueError, match="unknown backend 'ucc'"):
        dist.init_process_group(backend="ucc")
    assert not dist.is_initialized()


def test_reduce_op_values_match_pytorch() -> None:
    torch_dist = pytest.importorskip("torch.distributed")
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert int(getattr(dist.ReduceOp, name)) == int(getattr(torch_dist.ReduceOp, name))


def test_distributed_sampler_without_group_or_environment_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(ValueError, match="init_process_group"):
        DistributedSampler(range(8))


def test_launcher_without_mpiexec_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"pip install 'arraygrad\[mpi\]'"):
        launcher.find_mpiexec()
    assert launcher.main(["--nproc", "2", "train.py"]) == 2
    assert "no mpiexec found" in capsys.readouterr().err


def test_set_torchrun_environment_from_mpich_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"):
        # setenv first so that monkeypatch restores the variable's absence afterwards: the launcher
        # sets these in os.environ, and later tests (and their subprocesses) must not see them
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("PMI_RANK", "3")
    monkeypatch.setenv("PMI_SIZE", "4")
    monkeypatch.setenv("MPI_LOCALRANKID", "1")
    monkeypatch.setenv("MPI_LOCALNRANKS", "2")
    launcher.set_torchrun_environment()
    assert [os.environ[n] for n in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")] == ["3", "4", "1", "2"]


# ------------------------------------------------------------------------------- the hook DDP is built on


def test_post_accumulate_grad_hook_runs_once_the_gradient_is_final_as_pytorch() -> None:
    torch = pytest.importorskip("torch")

    def observe(lib, w1, w2):  # type: ignore[no-untyped-def]
        seen = []
        w2.register_post_accumulate_grad_hook(lambda t: seen.append(("w2", t.grad.clone(), w1.grad is None)))
        w1.register_post_accumulate_grad_hook(lambda t: seen.append(("w1", t.grad.clone(), w2.grad is None)))
        x = lib.arange(6.0).reshape(2, 3) / 6
        ((x @ w1).tanh() @ w2 @ w2.T).sum().backward()  # w2 used twice: its hook runs once, after both
        return seen

    a = [[0.1, -0.2, 0.3], [0.5, 0.4, -0.1], [0.2, 0.2, 0.7]]
    ours = observe(ag, ag.tensor(a, requires_grad=True), ag.tensor(a, requires_grad=True))
    theirs = observe(torch, torch.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))
    assert [(n, early) for n, _, early in ours] == [(n, early) for n, _, early in theirs] == [("w2", True), ("w1", False)]
    for (_, g, _), (_, h, _) in zip(ours, theirs):
        assert ag.allclose(g, ag.tensor(h.numpy()), rtol=1e-5, atol=1e-6)


def test_post_accumulate_grad_hook_errors_and_removal() -> None:
    w = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    calls: list[int] = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    (w * 3).sum().backward()
    handle.remove()
    (w * 3).sum().backward()
    assert calls == [1] and ag.equal(w.grad, ag.full((2,), 6.0))
