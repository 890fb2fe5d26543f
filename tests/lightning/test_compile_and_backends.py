"""``Trainer(compile=True)`` (ag.compile around the training step), ``accelerator=`` choosing the backend,
the ``lightning.pytorch`` import layout and ``seed_everything``."""

from __future__ import annotations

import os
import random

import pytest

import arraygrad as ag
import arraygrad.lightning as pl
from tests.lightning._models import Regressor, loaders, quiet, weights


def fit(backend="numpy", build="numpy", **kwargs):
    """Fit the regression on ``backend`` with the model and data made on ``build`` (the trainer moves them)."""
    pl.seed_everything(0, verbose=False)
    with ag.use_backend(build):
        train, val = loaders(shuffle=True)
        model = Regressor(optimizer="adam")
    trainer = pl.Trainer(**quiet(logger=False, enable_checkpointing=False, accelerator=backend, **kwargs))
    trainer.fit(model, train, val)
    return trainer, model


@pytest.mark.parametrize("accumulate", [1, 2])
def test_compile_equals_eager_on_numpy(accumulate):
    options = dict(max_epochs=2, accumulate_grad_batches=accumulate, gradient_clip_val=0.5)
    eager, eager_model = fit(**options)
    compiled, compiled_model = fit(compile=True, **options)
    assert weights(compiled_model) == weights(eager_model)
    assert compiled.callback_metrics["train_loss"].item() == eager.callback_metrics["train_loss"].item()
    assert compiled.global_step == eager.global_step


def test_compile_runs_on_jax():
    if ag.backends.available()["jax"] is not None:
        pytest.skip(f"jax: {ag.backends.available()['jax']}")
    options = dict(max_epochs=2, accumulate_grad_batches=2, limit_train_batches=4, num_sanity_val_steps=0)
    compiled, compiled_model = fit("jax", compile=True, **options)  # accelerator="jax" moves the numpy model
    step_fn = compiled._compiled["step"][0]
    assert step_fn.compiles == 2  # the first step makes Adam's state, the second program is reused
    assert next(compiled_model.parameters()).backend.name == "jax"
    eager, eager_model = fit("numpy", **options)  # numpy eager is the reference
    for (k, a), b in zip(weights(compiled_model).items(), weights(eager_model).values()):
        assert a == pytest.approx(b, rel=1e-5, abs=1e-6), k
    assert compiled.callback_metrics["train_loss"].item() == pytest.approx(
        eager.callback_metrics["train_loss"].item(), rel=1e-5)


def test_accelerator_and_precision():
    trainer, model = fit("numpy", max_epochs=1, limit_train_batches=1, limit_val_batches=1, precision="64-true")
    assert next(model.parameters()).backend.name == "numpy"
    assert next(model.parameters()).dtype == ag.float64  # and the float32 batches were converted
    with pytest.raises(pl.MisconfigurationException, match="precision='16-mixed'"):
        pl.Trainer(precision="16-mixed")
    assert pl.Trainer(accelerator="cpu")._backend == ("numpy" if ag.get_default_backend() == "cupy"
                                                      else ag.get_default_backend())
    if ag.backends.available()["cupy"] is not None and ag.backends.available()["jax"] is not None:
        with pytest.raises(pl.MisconfigurationException, match="no CUDA device"):
            pl.Trainer(accelerator="gpu")


def test_lightning_pytorch_layout():
    import arraygrad.lightning.pytorch as lp
    from arraygrad.lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
    from arraygrad.lightning.pytorch.loggers import CSVLogger

    assert lp.Trainer is pl.Trainer and lp.LightningModule is pl.LightningModule
    assert EarlyStopping is pl.callbacks.EarlyStopping and ModelCheckpoint is pl.callbacks.ModelCheckpoint
    assert CSVLogger is pl.loggers.CSVLogger
    for name in ("Callback", "LightningDataModule", "seed_everything"):
        assert hasattr(pl, name)
    for name in ("ModelCheckpoint", "EarlyStopping", "LearningRateMonitor", "Callback", "TQDMProgressBar"):
        assert hasattr(pl.callbacks, name)
    for name in ("CSVLogger", "TensorBoardLogger", "Logger"):
        assert hasattr(pl.loggers, name)


def test_seed_everything(monkeypatch):
    monkeypatch.delenv("PL_GLOBAL_SEED", raising=False)
    assert pl.seed_everything(123, verbose=False) == 123
    assert os.environ["PL_GLOBAL_SEED"] == "123"
    first = (ag.rand(3).tolist(), random.random())
    pl.seed_everything(123, verbose=False)
    assert (ag.rand(3).tolist(), random.random()) == first
    with pytest.raises(ValueError, match="not in the bounds"):
        pl.seed_everything(-1)
