"""Run every script in benchmarks/ with its smallest settings and check that it prints its table.

Each script runs in a subprocess, as a user would run it, two at a time. The scripts check
themselves that their columns compute the same losses before timing, so a run that completes
also says the compared computations agree.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
TRAIN_MODELS = ("mlp", "lenet", "vgg_small", "lstm", "gru", "transformer")
NUMBER = r"\d+\.\d+"

# script: (arguments, modules it needs, regexes its stdout must match)
SCRIPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "train_step": (
        ("--steps", "1", "--repeats", "1", "--threads", "1"),
        ("torch",),
        (r"threads: torch 1, arraygrad BLAS 1",
         r"model +arraygrad ms +pytorch ms +numpy ms +arraygrad/pytorch +arraygrad/numpy",
         rf"mlp +{NUMBER} \( *\d+%\) +{NUMBER} \( *\d+%\) +{NUMBER} \( *\d+%\) +{NUMBER}x \({NUMBER}-{NUMBER}\) +{NUMBER}x",
         *(rf"{m} +{NUMBER} \( *\d+%\) +{NUMBER} \( *\d+%\) +- +{NUMBER}x \({NUMBER}-{NUMBER}\) +-" for m in TRAIN_MODELS[1:])),
    ),
    "memory": (
        ("--repeats", "1"),
        ("torch",),
        (r"model +arraygrad +pytorch +ratio", rf"lenet +{NUMBER} +{NUMBER} +{NUMBER}x", rf"lstm +{NUMBER} +{NUMBER} +{NUMBER}x"),
    ),
    "overhead": (("--iters", "10"), (), (rf"arraygrad-numpy +{NUMBER} us/iter", rf"numpy \(hand-written\) +{NUMBER} us/iter")),
    "optim_step": (
        ("--iters", "2"), (), (rf"arraygrad-numpy Adam +{NUMBER} us/step", rf"numpy hand-written \(in-place\) +{NUMBER}"),
    ),
    "compiled_step": (
        ("--workloads", "mlp", "--columns", "jaxjit,compiled", "--steps", "1", "--repeats", "1"),
        ("jax",),
        (r"\| workload \| jaxjit ms/step \| compiled ms/step \|", rf"\| mlp \| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER} \|"),
    ),
    "compiled_checks": (
        ("--workloads", "mlp", "--steps", "1", "--repeats", "1"),
        ("jax",),
        (r"\| workload \| with checks ms/step \| without ms/step \| ratio \|", rf"\| mlp \| {NUMBER} \| {NUMBER} \| {NUMBER} \|"),
    ),
    "ddp_sync": (
        ("--steps", "2", "--warmup", "1"),
        ("mpi4py",),
        (rf"world 1 rank 0 plain: +{NUMBER} ms/step", rf"world 1 rank 0 DDP +: +{NUMBER} ms/step .*sync: launch {NUMBER} ms"),
    ),
}


def _missing(name: str) -> list[str]:
    return [m for m in SCRIPTS[name][1] if importlib.util.find_spec(m) is None]


def _run(name: str) -> subprocess.CompletedProcess[str]:
    # one BLAS/OpenMP thread per process: two run at once, and the numbers are not the point here
    threads = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env = {**os.environ, **threads, "ARRAYGRAD_BACKEND": "numpy", "JAX_PLATFORMS": "cpu", "KINETO_LOG_LEVEL": "5"}
    cmd = [sys.executable, str(BENCHMARKS_DIR / f"{name}.py"), *SCRIPTS[name][0]]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, cwd=BENCHMARKS_DIR.parent)


@pytest.fixture(scope="module")
def results() -> dict[str, subprocess.CompletedProcess[str]]:
    """Every runnable script's finished process, run two at a time (CI has two cores)."""
    runnable = [name for name in SCRIPTS if not _missing(name)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(runnable, pool.map(_run, runnable)))


def test_every_benchmark_script_is_covered() -> None:
    assert {p.stem for p in BENCHMARKS_DIR.glob("*.py")} == set(SCRIPTS)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_benchmark_prints_its_table(name: str, results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    missing = _missing(name)
    if missing:
        pytest.skip(f"benchmarks/{name}.py needs {', '.join(missing)}, which is not installed")
    result = results[name]
    assert result.returncode == 0, result.stderr[-3000:]
    for pattern in SCRIPTS[name][2]:
        assert re.search(pattern, result.stdout), f"{name}: no line matching {pattern!r} in\n{result.stdout}"
