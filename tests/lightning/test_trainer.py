"""The Trainer's loop options (limits, fast_dev_run, validation schedule, accumulation, clipping,
stopping), configure_optimizers' return forms, manual optimization, hooks and the errors it raises."""

from __future__ import annotations

import math

import pytest

import arraygrad as ag
import arraygrad.lightning as pl
from arraygrad import nn
from arraygrad.data import DataLoader
from arraygrad.lightning.callbacks import EarlyStopping, LearningRateMonitor
from tests.lightning._models import Regressor, loaders, quiet, regression_data, weights


class Counter(pl.Callback):
    """Counts the batches each loop ran."""

    def __init__(self):
        self.train = self.val = self.sanity = 0
        self.val_runs: list[tuple[int, int]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.train += 1

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        if trainer.sanity_checking:
            self.sanity += 1
        else:
            self.val += 1

    def on_validation_start(self, trainer, pl_module):
        if not trainer.sanity_checking:
            self.val_runs.append((trainer.current_epoch, trainer.global_step))


def run(tmp_path=None, model=None, train_val=None, **kwargs):
    counter = Counter()
    callbacks = [counter, *kwargs.pop("callbacks", [])]
    trainer = pl.Trainer(**quiet(logger=False, enable_checkpointing=False, callbacks=callbacks, **kwargs))
    train, val = train_val or loaders()
    trainer.fit(model or Regressor(), train, val)
    return trainer, counter


@pytest.mark.parametrize("limits, expected", [
    ({"limit_train_batches": 2, "limit_val_batches": 1}, (4, 2)),
    ({"limit_train_batches": 0.5, "limit_val_batches": 0.5}, (4, 2)),  # int(5 * 0.5) = 2, int(3 * 0.5) = 1
    ({}, (10, 6)),
])
def test_limit_batches(limits, expected):
    trainer, counter = run(max_epochs=2, num_sanity_val_steps=0, **limits)
    assert (counter.train, counter.val) == expected
    assert trainer.global_step == expected[0]


def test_limit_fraction_too_small_raises():
    with pytest.raises(pl.MisconfigurationException, match="limit_train_batches"):
        run(limit_train_batches=0.1)


def test_fast_dev_run(tmp_path, capsys):
    trainer, counter = run(fast_dev_run=True, max_epochs=5, default_root_dir=tmp_path)
    assert (counter.train, counter.val, counter.sanity, trainer.global_step) == (1, 1, 0, 1)
    assert trainer.loggers == []
    trainer, counter = run(fast_dev_run=3, default_root_dir=tmp_path)
    assert (counter.train, counter.val, trainer.current_epoch) == (3, 3, 1)
    assert not list(tmp_path.iterdir())  # no logs, no checkpoints
    assert "fast_dev_run" in capsys.readouterr().out


def test_sanity_steps_and_val_check_interval():
    _, counter = run(max_epochs=1)
    assert counter.sanity == 2  # num_sanity_val_steps=2 by default
    _, counter = run(max_epochs=1, num_sanity_val_steps=-1)
    assert counter.sanity == 3
    _, counter = run(max_epochs=2, val_check_interval=0.5, num_sanity_val_steps=0)
    assert counter.val_runs == [(0, 2), (0, 4), (1, 7), (1, 9)]  # every int(5 * 0.5) = 2 batches
    _, counter = run(max_epochs=2, val_check_interval=3, num_sanity_val_steps=0)
    assert counter.val_runs == [(0, 3), (1, 8)]
    _, counter = run(max_epochs=4, check_val_every_n_epoch=2, num_sanity_val_steps=0)
    assert counter.val_runs == [(1, 10), (3, 20)]
    with pytest.raises(ValueError, match=r"`val_check_interval` \(7\) must be less than or equal"):
        run(val_check_interval=7)


def test_max_steps_and_min_epochs():
    trainer, counter = run(max_steps=7, num_sanity_val_steps=0)
    assert (trainer.global_step, counter.train, trainer.current_epoch) == (7, 7, 2)

    class StopNow(pl.Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            trainer.should_stop = True

    trainer, _ = run(max_epochs=10, min_epochs=3, callbacks=[StopNow()])
    assert trainer.current_epoch == 3


def test_early_stopping_patience_and_min_delta():
    class Plateau(Regressor):
        SCORES = [1.0, 0.8, 0.79, 0.795, 0.7, 0.9, 0.9, 0.9, 0.9]

        def validation_step(self, batch, batch_idx):
            self.log("val_loss", self.SCORES[self.current_epoch])

    stopper = EarlyStopping(monitor="val_loss", patience=2, min_delta=0.05)
    trainer, _ = run(model=Plateau(), max_epochs=9, callbacks=[stopper], num_sanity_val_steps=0)
    # improvements beyond 0.05 at epochs 0 and 1; 0.79 and 0.795 are not enough: stop after epoch 3
    assert trainer.current_epoch == 4 and stopper.stopped_epoch == 3
    assert stopper.best_score == pytest.approx(0.8) and stopper.wait_count == 2
    maximise = EarlyStopping(monitor="val_loss", mode="max", patience=1)
    trainer, _ = run(model=Plateau(), max_epochs=9, callbacks=[maximise], num_sanity_val_steps=0)
    assert maximise.stopped_epoch == 1


def test_early_stopping_monitor_missing_names_key_and_logged_ones():
    with pytest.raises(pl.MisconfigurationException,
                       match=r"metric `val_acc` which is not available.*Logged metrics: `train_loss`, `val_loss`"):
        run(callbacks=[EarlyStopping(monitor="val_acc")], num_sanity_val_steps=0)


def test_accumulation_equals_a_larger_batch():
    ds = regression_data(32)
    ag.manual_seed(0)
    small = Regressor(lr=0.1)
    big = Regressor(lr=0.1)
    big.load_state_dict(small.state_dict())
    t_small, _ = run(model=small, train_val=(DataLoader(ds, batch_size=4), None), max_epochs=2, accumulate_grad_batches=2)
    t_big, _ = run(model=big, train_val=(DataLoader(ds, batch_size=8), None), max_epochs=2)
    assert t_small.global_step == t_big.global_step == 8
    for (k, a), b in zip(weights(small).items(), weights(big).values()):
        assert a == pytest.approx(b, rel=1e-5, abs=1e-6), k


def test_accumulation_steps_on_the_last_batch_of_an_epoch():
    trainer, counter = run(max_epochs=2, accumulate_grad_batches=3, num_sanity_val_steps=0)
    assert counter.train == 10 and trainer.global_step == 4  # steps after batches 3, 5 of each epoch


@pytest.mark.parametrize("algorithm", ["norm", "value"])
def test_gradient_clipping(algorithm):
    class OneStep(Regressor):
        def training_step(self, batch, batch_idx):
            return 100.0 * super().training_step(batch, batch_idx)  # huge gradients

    model = OneStep(lr=1.0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    run(model=model, max_steps=1, gradient_clip_val=0.01, gradient_clip_algorithm=algorithm, num_sanity_val_steps=0)
    deltas = [(model.state_dict()[k] - v).reshape(-1) for k, v in before.items()]
    delta = ag.cat(deltas)  # SGD with lr=1: minus the clipped gradient
    if algorithm == "norm":
        assert delta.norm().item() == pytest.approx(0.01, rel=1e-4)
    else:
        assert delta.abs().max().item() == pytest.approx(0.01, rel=1e-5)


def test_training_step_outputs_that_cannot_be_used():
    cases = {
        "float": (lambda loss: loss.item(), "must return a Tensor, a dict, or None"),
        "dict without loss": (lambda loss: {"value": loss}, "'loss' key needs to be present"),
        "detached": (lambda loss: loss.detach(), "does not require grad"),
        "vector": (lambda loss: loss * ag.ones(2), "one-element tensor"),
    }
    for transform, match in cases.values():
        class Bad(Regressor):
            def training_step(self, batch, batch_idx, _t=transform):
                return _t(super().training_step(batch, batch_idx))

        with pytest.raises(pl.MisconfigurationException, match=match):
            run(model=Bad(), num_sanity_val_steps=0)


def test_training_step_returning_none_skips_the_batch():
    class Skip(Regressor):
        def training_step(self, batch, batch_idx):
            loss = super().training_step(batch, batch_idx)
            return None if batch_idx % 2 else {"loss": loss, "extra": 1}

    model = Skip()
    before = weights(model)
    trainer, counter = run(model=model, max_epochs=1, num_sanity_val_steps=0)
    assert counter.train == 5 and weights(model) != before


def test_configure_optimizers_forms():
    def fit(fn, **kwargs):
        class M(Regressor):
            def configure_optimizers(self):
                return fn(self)
        trainer, _ = run(model=M(), max_epochs=2, num_sanity_val_steps=0, **kwargs)
        return trainer

    sgd = lambda m: ag.optim.SGD(m.parameters(), lr=0.1)  # noqa: E731
    trainer = fit(lambda m: [sgd(m)])
    assert len(trainer.optimizers) == 1 and trainer.lr_scheduler_configs == []
    trainer = fit(lambda m: (lambda o: ([o], [ag.optim.lr_scheduler.StepLR(o, 1, 0.5)]))(sgd(m)))
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.025)  # stepped once per epoch
    trainer = fit(lambda m: (lambda o: {"optimizer": o, "lr_scheduler": {
        "scheduler": ag.optim.lr_scheduler.StepLR(o, 1, 0.5), "interval": "step", "frequency": 2}})(sgd(m)))
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 5)  # 10 steps, every 2nd
    trainer = fit(lambda m: (lambda o: {"optimizer": o, "lr_scheduler": ag.optim.lr_scheduler.ReduceLROnPlateau(
        o, patience=0, factor=0.5), "monitor": "train_loss"})(sgd(m)))
    assert trainer.optimizers[0].param_groups[0]["lr"] <= 0.1
    with pytest.raises(pl.MisconfigurationException, match="must include a monitor"):
        fit(lambda m: (lambda o: {"optimizer": o, "lr_scheduler": ag.optim.lr_scheduler.ReduceLROnPlateau(o)})(sgd(m)))
    with pytest.raises(pl.MisconfigurationException, match="ReduceLROnPlateau conditioned on metric nope"):
        fit(lambda m: (lambda o: {"optimizer": o, "lr_scheduler": ag.optim.lr_scheduler.ReduceLROnPlateau(o),
                                  "monitor": "nope"})(sgd(m)))
    with pytest.raises(pl.MisconfigurationException, match="Unknown configuration for model optimizers"):
        fit(lambda m: "adam")
    with pytest.raises(pl.MisconfigurationException, match="multiple optimizers is only supported with manual"):
        fit(lambda m: [sgd(m), sgd(m)])
    with pytest.warns(UserWarning, match="returned `None`"):
        trainer = fit(lambda m: None)
    assert trainer.optimizers == []


def test_manual_optimization_with_two_optimizers():
    class GANish(Regressor):
        def __init__(self):
            super().__init__()
            self.automatic_optimization = False
            self.other = nn.Linear(3, 1)

        def training_step(self, batch, batch_idx):
            opt_a, opt_b = self.optimizers()
            x, y = batch
            for opt, layer in ((opt_a, self.layer), (opt_b, self.other)):
                loss = nn.functional.mse_loss(layer(x), y)
                opt.zero_grad()
                self.manual_backward(loss)
                opt.step()
            self.log("loss", loss)

        def configure_optimizers(self):
            return ag.optim.SGD(self.layer.parameters(), lr=0.1), ag.optim.SGD(self.other.parameters(), lr=0.1)

    model = GANish()
    before = weights(model)
    trainer, _ = run(model=model, max_epochs=1, num_sanity_val_steps=0)
    assert trainer.global_step == 10  # two optimizer steps per batch, as Lightning counts them
    after = weights(model)
    assert all(after[k] != before[k] for k in before)


def test_hook_order():
    calls: list[str] = []

    class Traced(Regressor):
        pass

    for hook in ("on_fit_start", "on_train_start", "on_train_epoch_start", "on_train_batch_start", "on_before_zero_grad",
                 "on_before_backward", "on_after_backward", "on_before_optimizer_step", "on_train_batch_end",
                 "on_validation_start", "on_validation_epoch_end", "on_validation_end", "on_train_epoch_end",
                 "on_train_end", "on_fit_end"):
        setattr(Traced, hook, (lambda name: lambda self, *a: calls.append(name))(hook))
    run(model=Traced(), max_epochs=1, limit_train_batches=1, limit_val_batches=1, num_sanity_val_steps=0)
    assert calls == ["on_fit_start", "on_train_start", "on_train_epoch_start", "on_train_batch_start",
                     "on_before_zero_grad", "on_before_backward", "on_after_backward", "on_before_optimizer_step",
                     "on_train_batch_end", "on_validation_start", "on_validation_epoch_end", "on_validation_end",
                     "on_train_epoch_end", "on_train_end", "on_fit_end"]


def test_validate_test_predict(capsys):
    train, val = loaders()
    model = Regressor()
    trainer = pl.Trainer(**quiet(max_epochs=1, logger=False, enable_checkpointing=False))
    trainer.fit(model, train, val)
    results = trainer.test(model, val)
    assert list(results[0]) == ["test_loss"] and math.isfinite(results[0]["test_loss"])
    assert "test_loss" in capsys.readouterr().out
    assert trainer.validate(model, val, verbose=False)[0]["val_loss"] == pytest.approx(
        trainer.callback_metrics["val_loss"].item())
    predictions = trainer.predict(model, val)
    assert [tuple(p.shape) for p in predictions] == [(6, 1), (6, 1), (4, 1)]
    assert trainer.predict(model, val, return_predictions=False) is None

    class NoTest(Regressor):
        test_step = pl.LightningModule.test_step

    with pytest.raises(pl.MisconfigurationException, match=r"No `test_step\(\)` method defined"):
        trainer.test(NoTest(), val)
    with pytest.raises(pl.MisconfigurationException, match=r"No `test_dataloader\(\)` method defined"):
        trainer.test(model)


def test_datamodule_flow_and_errors():
    calls: list = []

    class DM(pl.LightningDataModule):
        def __init__(self, batch_size=8):
            super().__init__()
            self.save_hyperparameters()

        def prepare_data(self):
            calls.append("prepare_data")

        def setup(self, stage):
            calls.append(("setup", stage))
            self.train, self.val = loaders(batch_size=self.hparams.batch_size)

        def train_dataloader(self):
            return self.train

        def val_dataloader(self):
            return self.val

        def teardown(self, stage):
            calls.append(("teardown", stage))

    trainer = pl.Trainer(**quiet(max_epochs=1, logger=False, enable_checkpointing=False))
    dm = DM(batch_size=10)
    trainer.fit(Regressor(), datamodule=dm)
    assert calls == ["prepare_data", ("setup", "fit"), ("teardown", "fit")] and trainer.num_training_batches == 4
    assert repr(calls[1][1]) == "<TrainerFn.FITTING: 'fit'>"  # Lightning's enum, equal to its string
    assert dm.trainer is trainer and dm.hparams.batch_size == 10
    trainer.validate(datamodule=dm, verbose=False)
    assert calls[-2:] == [("setup", "validate"), ("teardown", "validate")]
    with pytest.raises(pl.MisconfigurationException, match="cannot pass `train_dataloader`"):
        trainer.fit(Regressor(), loaders()[0], datamodule=dm)
    with pytest.raises(pl.MisconfigurationException, match="No `train_dataloader"):
        pl.Trainer(**quiet(logger=False)).fit(Regressor())


def test_learning_rate_monitor(tmp_path):
    class M(Regressor):
        def configure_optimizers(self):
            opt = ag.optim.SGD(self.parameters(), lr=0.1)
            return [opt], [ag.optim.lr_scheduler.StepLR(opt, 1, 0.5)]

    monitor = LearningRateMonitor()
    trainer = pl.Trainer(**quiet(max_epochs=3, default_root_dir=tmp_path, callbacks=[monitor]))
    trainer.fit(M(), loaders()[0])
    assert monitor.lrs == {"lr-SGD": [0.1, 0.05, 0.025]}
    with pytest.raises(pl.MisconfigurationException, match="no logger"):
        run(callbacks=[LearningRateMonitor()])


def test_bad_trainer_arguments():
    for kwargs, match in [({"accelerator": "abacus"}, "invalid accelerator"),
                          ({"strategy": "fsdp"}, "strategy='fsdp'"),
                          ({"gradient_clip_algorithm": "l1"}, "gradient_clip_algorithm"),
                          ({"accumulate_grad_batches": 0}, "accumulate_grad_batches"),
                          ({"limit_train_batches": 1.5}, "limit_train_batches"),
                          ({"val_check_interval": 1.5}, "val_check_interval"),
                          ({"devices": 4}, "devices=4"),
                          ({"enable_checkpointing": False, "callbacks": [pl.callbacks.ModelCheckpoint()]},
                           "enable_checkpointing=False")]:
        with pytest.raises(pl.MisconfigurationException, match=match):
            pl.Trainer(**kwargs)
    with pytest.raises(TypeError, match="requires a `LightningModule`"):
        pl.Trainer(**quiet(logger=False)).fit(nn.Linear(2, 2), loaders()[0])


def test_metric_logged_in_on_train_epoch_end_reaches_model_checkpoint(tmp_path):
    class M(Regressor):
        def on_train_epoch_end(self):
            self.log("score", float(self.current_epoch))

    ckpt = pl.callbacks.ModelCheckpoint(dirpath=tmp_path, monitor="score", mode="max", filename="{epoch}-{score:.0f}")
    trainer = pl.Trainer(**quiet(max_epochs=2, logger=False, callbacks=[ckpt]))
    trainer.fit(M(), loaders()[0])
    assert [p.name for p in tmp_path.iterdir()] == ["epoch=1-score=1.ckpt"]


def test_keyboard_interrupt_tells_callbacks_and_exits():
    seen = []

    class Interrupt(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            raise KeyboardInterrupt

        def on_exception(self, trainer, pl_module, exception):
            seen.append(type(exception).__name__)

    with pytest.raises(SystemExit) as info:
        run(callbacks=[Interrupt()], num_sanity_val_steps=0)
    assert info.value.code == 1 and seen == ["KeyboardInterrupt"]


def test_save_hyperparameters_variants():
    class M(Regressor):
        def __init__(self, lr=0.1, backbone=None, *, name="m"):
            super().__init__(lr=lr)
            self.save_hyperparameters("lr", "name")

    assert dict(M(lr=0.3).hparams) == {"lr": 0.3, "name": "m"}

    class WithModule(pl.LightningModule):
        def __init__(self, backbone):
            super().__init__()
            self.save_hyperparameters()

    with pytest.warns(UserWarning, match=r"ignore=\['backbone'\]"):
        WithModule(nn.Linear(1, 1))

    class Ignored(pl.LightningModule):
        def __init__(self, backbone, width=3):
            super().__init__()
            self.save_hyperparameters(ignore=["backbone"])

    hp = Ignored(nn.Linear(1, 1)).hparams
    assert dict(hp) == {"width": 3} and hp.width == 3
