"""The seed's Lightning MNIST program (``mnist_port.py``, changed only in its imports) on MNIST-shaped
digits: it learns on numpy, and jax gives the same numbers."""

from __future__ import annotations

import pytest

import arraygrad as ag
from arraygrad.lightning.loggers import read_metrics_csv
from tests.lightning.mnist_port import main

TINY = ["--n-train", "96", "--n-val", "32", "--batch-size", "32", "--limit-val-batches", "1"]


def metrics(trainer):
    return read_metrics_csv(trainer.logger.log_dir + "/metrics.csv")


def test_mnist_port_learns_on_numpy(tmp_path):
    trainer, model = main(["--max-epochs", "4", "--limit-train-batches", "3", *TINY, "--root", str(tmp_path)])
    rows = metrics(trainer)
    val = [r["val_loss"] for r in rows if "val_loss" in r]
    train = [r["train_loss"] for r in rows if "train_loss" in r]
    assert len(val) == 4 and len(train) == 12
    assert val[-1] < val[0] - 0.2  # the validation loss falls
    assert 0.0 <= rows[-1]["val_acc"] <= 1.0
    ckpt = ag.load(trainer.checkpoint_callback.best_model_path)
    assert ckpt["hyper_parameters"] == {"lr": 1e-3}
    assert [tuple(v.shape) for v in ckpt["state_dict"].values()] == [(32, 1, 3, 3), (32,), (10, 5408), (10,)]


def test_mnist_port_on_jax_matches_numpy(tmp_path):
    if ag.backends.available()["jax"] is not None:
        pytest.skip(f"jax: {ag.backends.available()['jax']}")
    args = ["--max-epochs", "1", "--limit-train-batches", "2", *TINY]
    reference, _ = main([*args, "--root", str(tmp_path / "numpy")])
    with ag.use_backend("jax"):
        trainer, model = main([*args, "--root", str(tmp_path / "jax")])
    assert next(model.parameters()).backend.name == "jax"
    got, want = metrics(trainer), metrics(reference)
    assert [sorted(r) for r in got] == [sorted(r) for r in want]
    for g, w in zip(got, want):
        for key in w:
            assert g[key] == pytest.approx(w[key], rel=2e-4, abs=1e-5), key
