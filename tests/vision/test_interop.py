"""TensorBoard, as the notes use it to look at training: ``arraygrad.utils.tensorboard.SummaryWriter``
(``torch.utils.tensorboard``'s path) takes arraygrad tensors — a ``make_grid`` image, a scalar loss,
a weight histogram — on every backend and writes what tensorboardX writes for the same numpy arrays.
(matplotlib's ``imshow`` of a grid is checked in test_utils.py.)"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.vision import utils


def _summaries(log_dir: Path) -> list[Any]:
    """Every summary value in the event files of ``log_dir`` (TFRecord framing: length, CRC, data, CRC)."""
    from tensorboardX.proto.event_pb2 import Event

    values = []
    for path in sorted(log_dir.glob("events.out.tfevents*")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            event = Event.FromString(data[pos + 12:pos + 12 + length])
            pos += 12 + length + 4
            values += [(event.step, v.tag, v.SerializeToString()) for v in event.summary.value]
    return values


@pytest.mark.parametrize("backend", ["numpy", "jax", "strict"], indirect=True)
def test_summary_writer_takes_arraygrad_tensors(backend: str, tmp_path: Path) -> None:
    tensorboardx = pytest.importorskip("tensorboardX", reason="TensorBoard output needs tensorboardX (in the dev extra)")
    from arraygrad.utils.tensorboard import SummaryWriter

    ag.manual_seed(0)
    grid = utils.make_grid(ag.rand(6, 3, 8, 8), nrow=3)
    loss, weights = ag.tensor(0.25), ag.randn(200)
    with SummaryWriter(str(tmp_path / "ours")) as ours:
        ours.add_image("batch", grid, 0)
        ours.add_scalar("loss", loss, 1)
        ours.add_histogram("weights", weights, 1)
        ours.add_scalars("metrics", {"a": ag.tensor(1.5), "b": 2.0}, 2)
    with tensorboardx.SummaryWriter(str(tmp_path / "plain")) as plain:
        plain.add_image("batch", np.asarray(grid.cpu().numpy()), 0)
        plain.add_scalar("loss", 0.25, 1)
        plain.add_histogram("weights", weights.cpu().numpy(), 1)
        plain.add_scalars("metrics", {"a": 1.5, "b": 2.0}, 2)
    got, want = _summaries(tmp_path / "ours"), _summaries(tmp_path / "plain")
    assert [(s, t) for s, t, _ in got] == [(s, t) for s, t, _ in want] == [(0, "batch"), (1, "loss"), (1, "weights")]
    assert got == want
    for key in ("a", "b"):  # add_scalars writes one run folder per key
        ours_run, plain_run = (_summaries(tmp_path / d / "metrics" / key) for d in ("ours", "plain"))
        assert ours_run == plain_run and [(s, t) for s, t, _ in ours_run] == [(2, "metrics")]


def test_without_tensorboardx_the_import_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import importlib
    import sys

    real_import = builtins.__import__

    def no_tensorboardx(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("tensorboardX"):
            raise ImportError("No module named 'tensorboardX'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboardx)
    monkeypatch.delitem(sys.modules, "arraygrad.utils.tensorboard", raising=False)
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        importlib.import_module("arraygrad.utils.tensorboard")
    monkeypatch.delitem(sys.modules, "arraygrad.utils.tensorboard", raising=False)
