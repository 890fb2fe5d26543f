"""Run every script in examples/ for a couple of steps and check what it prints and writes.

Each example runs in a subprocess (as a user would run it) on numpy; quickstart also on jax.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import arraygrad as ag

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

# script: (files it writes into --out-dir, a regex its stdout must match); xor and
# custom_layer_and_loss train full-batch, so there an epoch is one step
EXAMPLES = {
    "quickstart": (("quickstart_loss.png", "quickstart.safetensors"),
                   r"final test accuracy: [\d.]+%.*\nsaved .*\n.*\nreloaded model test accuracy: [\d.]+%"),
    "xor": (("xor_loss.png", "xor_mlp.safetensors"),
            r"logistic regression: loss [\d.]+ +accuracy [\d.]+%.*\n2-layer MLP: +loss [\d.]+ +accuracy [\d.]+%"),
    "lenet": (("lenet_loss.png", "lenet.safetensors"), r"final test accuracy: [\d.]+%"),
    "custom_layer_and_loss": (("custom_loss.png", "custom.safetensors"),
                              r"hooks recorded 3 activations and 3 gradients.*\n(step .*\n){3}learned alpha"),
    "sequence": (("sequence_loss.png", "sequence.safetensors"), r"final test MSE: [\d.]+"),
    "vgg_small": (("vgg_small_loss.png", "vgg_small.safetensors"), r"final test accuracy: [\d.]+%"),
    "cifar_resnet": (("cifar_resnet_grid.png", "cifar_resnet.safetensors"), r"final test accuracy: [\d.]+%"),
}
FULL_BATCH = {"xor", "custom_layer_and_loss"}


def run_example(name: str, out_dir: Path, *args: str, backend: str = "numpy") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARRAYGRAD_BACKEND": backend, "JAX_ENABLE_X64": "1", "MPLBACKEND": "Agg"}
    cmd = [sys.executable, str(EXAMPLES_DIR / f"{name}.py"), "--out-dir", str(out_dir), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def check_outputs(name: str, result: subprocess.CompletedProcess[str], out_dir: Path, backend: str) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith(f"backend: {backend}\n"), result.stdout[:200]
    files, pattern = EXAMPLES[name]
    assert re.search(pattern, result.stdout), result.stdout
    png, checkpoint = (out_dir / f for f in files)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    state = ag.load(checkpoint, backend="numpy")
    assert state and all(isinstance(v, ag.Tensor) for v in state.values())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_on_numpy(name: str, tmp_path: Path) -> None:
    result = run_example(name, tmp_path, "--epochs", "3" if name in FULL_BATCH else "1", "--steps", "3")
    check_outputs(name, result, tmp_path, "numpy")


def test_quickstart_runs_on_jax(tmp_path: Path) -> None:
    if ag.backends.available()["jax"] is not None:
        pytest.skip(f"jax backend unavailable: {ag.backends.available()['jax']}")
    result = run_example("quickstart", tmp_path, "--epochs", "1", "--steps", "3", backend="jax")
    check_outputs("quickstart", result, tmp_path, "jax")


@pytest.mark.parametrize("name", ["quickstart", "lenet"])
def test_compiled_step_examples_match_eager_on_jax(name: str, tmp_path: Path) -> None:
    """``--compile`` on jax: one compiled program per step, the same numbers as eager numpy."""
    if ag.backends.available()["jax"] is not None:
        pytest.skip(f"jax backend unavailable: {ag.backends.available()['jax']}")
    compiled = run_example(name, tmp_path / "jax", "--epochs", "1", "--steps", "4", "--compile", backend="jax")
    check_outputs(name, compiled, tmp_path / "jax", "jax")
    eager = run_example(name, tmp_path / "numpy", "--epochs", "1", "--steps", "4")
    check_outputs(name, eager, tmp_path / "numpy", "numpy")
    accuracy = re.compile(r"final test accuracy: ([\d.]+)%")
    assert accuracy.search(compiled.stdout).group(1) == accuracy.search(eager.stdout).group(1)  # type: ignore[union-attr]


def test_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    result = run_example("xor", tmp_path, "--backend", "no-such-backend")
    assert result.returncode == 2
    assert "no-such-backend" in result.stderr
