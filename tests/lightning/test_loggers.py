"""Loggers: CSVLogger's folders, versions, metrics.csv and hparams.yaml; TensorBoardLogger (tensorboardX);
the metrics PNG; the progress bar and the model summary."""

from __future__ import annotations

import importlib.util
import sys

import pytest

import arraygrad.lightning as pl
from arraygrad.lightning.loggers import CSVLogger, TensorBoardLogger, plot_metrics, read_metrics_csv
from arraygrad.lightning.progress import format_summary
from tests.lightning._models import Regressor, loaders, quiet


def test_csv_logger_versions_and_files(tmp_path):
    logger = CSVLogger(tmp_path, name="exp")
    assert logger.log_dir == str(tmp_path / "exp" / "version_0")
    logger.log_hyperparams({"lr": 0.1, "name": "adam", "layers": [1, 2], "nested": {"a": None}})
    logger.log_metrics({"b": 2.0, "a": 1.0}, step=0)
    logger.log_metrics({"c": 3.0}, step=1)  # a new column rewrites the header
    logger.save()
    logger.log_metrics({"a": 4.0}, step=2)
    logger.save()
    text = (tmp_path / "exp" / "version_0" / "metrics.csv").read_text().splitlines()
    assert text == ["a,b,c,step", "1.0,2.0,,0", ",,3.0,1", "4.0,,,2"]
    assert (tmp_path / "exp" / "version_0" / "hparams.yaml").read_text() == (
        "layers:\n  - 1\n  - 2\nlr: 0.1\nname: adam\nnested:\n  a: null\n")
    assert CSVLogger(tmp_path, name="exp").version == 1
    assert CSVLogger(tmp_path, name="exp", version="run").log_dir == str(tmp_path / "exp" / "run")


def test_trainer_writes_hparams_and_metrics_then_plots(tmp_path):
    train, val = loaders()
    trainer = pl.Trainer(**quiet(max_epochs=2, default_root_dir=tmp_path, log_every_n_steps=1))
    trainer.fit(Regressor(lr=0.02), train, val)
    log_dir = tmp_path / "lightning_logs" / "version_0"
    assert (log_dir / "hparams.yaml").read_text() == "features: 3\nlr: 0.02\noptimizer: sgd\n"
    rows = read_metrics_csv(log_dir / "metrics.csv")
    assert len([r for r in rows if "train_loss" in r]) == 10 and len([r for r in rows if "val_loss" in r]) == 2
    png = plot_metrics(log_dir, title="regression")
    assert png == log_dir / "metrics.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="none of the columns"):
        plot_metrics(log_dir, keys=["accuracy"])


def test_tensorboard_logger_needs_tensorboardx(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # as if it were not installed
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        TensorBoardLogger(tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("tensorboardX") is None,
                    reason="tensorboardX is not installed (pip install tensorboardX)")
def test_tensorboard_logger_writes_events(tmp_path):
    logger = TensorBoardLogger(tmp_path)
    train, val = loaders()
    pl.Trainer(**quiet(max_epochs=1, logger=logger, log_every_n_steps=1)).fit(Regressor(), train, val)
    log_dir = tmp_path / "lightning_logs" / "version_0"
    assert any(p.name.startswith("events.out.tfevents") for p in log_dir.rglob("*"))
    assert (log_dir / "hparams.yaml").exists()
    assert (log_dir / "checkpoints" / "epoch=0-step=5.ckpt").exists()


def test_progress_bar_and_summary(tmp_path, capsys):
    train, val = loaders()
    trainer = pl.Trainer(max_epochs=1, default_root_dir=tmp_path)
    trainer.fit(Regressor(), train, val)
    out = capsys.readouterr().out
    assert "Epoch 0: 100%" in out and "5/5" in out and "v_num=0" in out
    assert "Sanity Checking DataLoader 0" in out and "Validation DataLoader 0" in out
    assert "| Name  | Type   | Params | Mode" in out and "0 | layer | Linear | 4      | train" in out
    assert "4         Trainable params" in out and "4         Total params" in out
    assert format_summary(Regressor()).splitlines()[0] == "  | Name  | Type   | Params | Mode "
