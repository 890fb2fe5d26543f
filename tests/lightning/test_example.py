"""``examples/lightning_mnist.py`` runs as a user runs it and writes its metrics, plot and checkpoint."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import arraygrad as ag

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "lightning_mnist.py"


def test_lightning_mnist_example(tmp_path):
    env = {**os.environ, "ARRAYGRAD_BACKEND": "numpy", "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, str(SCRIPT), "--epochs", "1", "--steps", "3", "--out-dir", str(tmp_path)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.startswith("backend: numpy\n")
    assert "Epoch 0: 100%" in out and "3/3" in out  # the progress bar
    assert re.search(r"best checkpoint test accuracy: [\d.]+%", out), out[-2000:]
    log_dir = tmp_path / "lightning_logs" / "version_0"
    header = (log_dir / "metrics.csv").read_text().splitlines()[0]
    assert header == "epoch,step,test_acc,test_loss,train_acc,val_acc,val_loss"  # 3 steps < log_every_n_steps=5
    assert (tmp_path / "lightning_mnist_metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (checkpoint,) = (log_dir / "checkpoints").iterdir()
    assert re.fullmatch(r"epoch=0-val_acc=0\.\d{3}\.ckpt", checkpoint.name)
    assert list(ag.load(checkpoint)["state_dict"]) == ["model.0.weight", "model.0.bias", "model.4.weight", "model.4.bias"]
