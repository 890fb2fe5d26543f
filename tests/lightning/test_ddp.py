"""``Trainer(strategy="ddp")`` under ``mpiexec -n 2``: each process trains on its shard and the averaged
gradients make both replicas equal to one process training on the whole batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import arraygrad.distributed as dist
from arraygrad.distributed import run as launcher

SCRIPT = Path(__file__).resolve().parent / "ddp_script.py"
try:
    MPIEXEC: str | None = launcher.find_mpiexec()
except RuntimeError:
    MPIEXEC = None


def _run(command: list[str], out: Path, *names: str) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", JAX_PLATFORMS="cpu")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads((out / name).read_text()) for name in names]


@pytest.mark.skipif(not dist.is_available() or MPIEXEC is None, reason="needs mpi4py and mpiexec: pip install 'arraygrad[mpi]'")
def test_ddp_matches_one_process_on_the_whole_batch(tmp_path):
    ranks = _run([MPIEXEC, "-n", "2", sys.executable, str(SCRIPT), str(tmp_path)], tmp_path, "rank0.json", "rank1.json")
    (single,) = _run([sys.executable, str(SCRIPT), str(tmp_path), "--single"], tmp_path, "single.json")
    assert sorted(r["rank"] for r in ranks) == [0, 1] and {r["world"] for r in ranks} == {2}
    assert ranks[0]["weights"] == ranks[1]["weights"]  # replicas stay identical
    assert ranks[0]["steps"] == single["steps"] == 8
    for key, values in single["weights"].items():
        assert ranks[0]["weights"][key] == pytest.approx(values, rel=1e-5, abs=1e-6), key
