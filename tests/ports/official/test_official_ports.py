"""Run published PyTorch programs (pytorch/examples, pytorch/tutorials) ported to arraygrad.

Each program runs in a subprocess as a user would run it (``python main.py --small-flags``) in a
temporary directory, on numpy and on jax, and the test reads the losses it prints to check that
training made them fall. The torchvision programs import ``arraygrad.vision``; before they run, the test
writes small MNIST / Fashion-MNIST files in torchvision's on-disk layout where the program's ``root``
points, so ``download=True`` finds them and fetches nothing. Each ported file's header lists its
source, license, the imports changed and every line changed beyond them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import arraygrad as ag
from tests.ports.vision_data import assert_not_downloaded, write_mnist

HERE = Path(__file__).resolve().parent
# One BLAS/XLA thread per run: on a small shared machine, multithreaded BLAS makes each of the
# many small matmuls these programs do ~15x slower.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
FLOAT = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def floats(pattern: str, text: str) -> list[float]:
    """Every number captured by the first group of ``pattern`` in ``text``, in order."""
    return [float(m) for m in re.findall(pattern, text, flags=re.MULTILINE)]


@dataclass(frozen=True)
class ImageData:
    """An MNIST-format dataset a program reads: ``datasets.<folder>(root, ...)`` with ``root`` as the
    program names it (relative to its working directory), and the sizes of the files written there."""

    root: str
    folder: str
    train: int
    test: int


@dataclass(frozen=True)
class Port:
    """One ported program: the scripts to run in order (with their flags), how to read its losses,
    and the image data written for it before it runs."""

    scripts: tuple[tuple[str, ...], ...]
    loss_pattern: str
    expected_files: tuple[str, ...] = ()
    make_dirs: tuple[str, ...] = ()
    extra_check: Callable[[str], None] | None = None
    data: ImageData | None = None


def _regression_converged(out: str) -> None:
    match = re.search(rf"Loss: ({FLOAT}) after (\d+) batches", out)
    assert match, out[-2000:]
    # the program's own stop criterion: it only ends once the smooth L1 loss is below 1e-3
    assert float(match.group(1)) < 1e-3 and int(match.group(2)) > 1, match.group(0)
    assert "==> Learned function:" in out


def _quickstart_reloaded(out: str) -> None:
    assert re.search(r'Predicted: "[^"]+", Actual: "[^"]+"', out), out[-2000:]


PORTS: dict[str, Port] = {
    "regression": Port(
        scripts=(("regression/main.py",),),
        loss_pattern=rf"^Loss: ({FLOAT}) after",
        extra_check=_regression_converged,
    ),
    "mnist": Port(
        scripts=(("mnist/main.py", "--epochs", "2", "--batch-size", "32", "--log-interval", "1",
                  "--test-batch-size", "64"),),
        loss_pattern=rf"Average loss: ({FLOAT})",
        data=ImageData("../data", "MNIST", train=128, test=64),
    ),
    "time_sequence_prediction": Port(
        scripts=(("time_sequence_prediction/generate_sine_wave.py",),
                 ("time_sequence_prediction/train.py", "--steps", "1", "--device", "cpu")),
        loss_pattern=rf"^loss: ({FLOAT})",
        expected_files=("traindata.pt", "predict0.pdf"),
    ),
    "vae": Port(
        scripts=(("vae/main.py", "--epochs", "1", "--batch-size", "32", "--log-interval", "1"),),
        loss_pattern=rf"Train Epoch: .*Loss: ({FLOAT})",
        expected_files=("results/reconstruction_1.png", "results/sample_1.png"),
        make_dirs=("results",),
        # one full test batch: the program reshapes the first one to --batch-size images
        data=ImageData("../data", "MNIST", train=128, test=32),
    ),
    "quickstart": Port(
        scripts=(("quickstart/quickstart_tutorial.py",),),
        loss_pattern=rf"Avg loss: ({FLOAT})",
        expected_files=("model.pth",),
        extra_check=_quickstart_reloaded,
        data=ImageData("data", "FashionMNIST", train=128, test=64),
    ),
    "polynomial_nn": Port(
        scripts=(("polynomial_nn/polynomial_nn.py",),),
        loss_pattern=rf"^\d+ ({FLOAT})$",
    ),
    "polynomial_optim": Port(
        scripts=(("polynomial_optim/polynomial_optim.py",),),
        loss_pattern=rf"^\d+ ({FLOAT})$",
    ),
    "dynamic_net": Port(
        scripts=(("dynamic_net/dynamic_net.py",),),
        loss_pattern=rf"^\d+ ({FLOAT})$",
    ),
}

# ports that cannot run yet, with the arraygrad feature each one is missing
MISSING: dict[str, str] = {}


def jax_cache_env(cache_dir: Path | None) -> dict[str, str]:
    """Environment that makes jax keep every compiled kernel in ``cache_dir`` across runs.

    Eager jax compiles each new (operation, shape) once per process; these short programs spend
    most of their jax time on that, so a persistent cache shared by all runs saves most of it.
    """
    if cache_dir is None:
        return {}
    return {"JAX_COMPILATION_CACHE_DIR": str(cache_dir), "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1"}


def run_port(name: str, backend: str, workdir: Path, jax_cache: Path | None = None) -> str:
    """Run every script of port ``name`` in ``workdir`` on ``backend``; return their joined stdout.

    The port's image data is written first, where the program's ``root`` points from ``workdir``.
    """
    port = PORTS[name]
    raw = None if port.data is None else write_mnist(workdir / port.data.root, port.data.train, port.data.test,
                                                     folder=port.data.folder)
    for d in port.make_dirs:
        (workdir / d).mkdir(parents=True, exist_ok=True)
    outputs = []
    for script, *args in port.scripts:
        path = HERE / script
        env = {**os.environ, "ARRAYGRAD_BACKEND": backend, "JAX_ENABLE_X64": "1", "MPLBACKEND": "Agg",
               **SINGLE_THREADED, **jax_cache_env(jax_cache),
               "PYTHONPATH": os.pathsep.join([str(path.parent), os.environ.get("PYTHONPATH", "")])}
        result = subprocess.run([sys.executable, str(path), *args], cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{script} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        outputs.append(result.stdout)
    if raw is not None:
        assert_not_downloaded(raw)
    return "\n".join(outputs)


def check_port(name: str, out: str, workdir: Path) -> None:
    """The losses the program printed fall, and the files it writes exist."""
    port = PORTS[name]
    losses = floats(port.loss_pattern, out)
    if port.extra_check is not None:
        port.extra_check(out)
    else:
        assert len(losses) >= 2, f"fewer than two losses printed:\n{out[-2000:]}"
        assert losses[-1] < losses[0], f"loss did not fall: {losses}"
    for f in port.expected_files:
        assert (workdir / f).is_file() and (workdir / f).stat().st_size > 0, f"{f} was not written"


def _cases() -> list[Any]:  # pytest.param objects
    cases = []
    for backend in ("numpy", "jax"):
        for name in PORTS:
            marks = [pytest.mark.xfail(strict=True, reason=MISSING[name])] if name in MISSING else []
            cases.append(pytest.param(name, backend, id=f"{name}-{backend}", marks=marks))
    return cases


@pytest.fixture(scope="session")
def jax_cache(pytestconfig: pytest.Config) -> Path | None:
    """A jax compilation cache kept in pytest's cache folder (None when pytest's cache is off)."""
    cache = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    if cache is None:
        return None
    return Path(cache.mkdir("arraygrad_jax_compilation_cache"))


@pytest.mark.parametrize(("name", "backend"), _cases())
def test_official_port_trains(name: str, backend: str, tmp_path: Path, jax_cache: Path | None) -> None:
    reason = ag.backends.available()[backend]
    if reason is not None:
        pytest.skip(f"{backend} backend unavailable: {reason}")
    # a working directory one level down, so roots like "../data" stay inside tmp_path
    workdir = tmp_path / name
    workdir.mkdir()
    out = run_port(name, backend, workdir, jax_cache if backend == "jax" else None)
    check_port(name, out, workdir)
