"""Checkpoints: ModelCheckpoint's file names, top-k bookkeeping and last.ckpt; what a checkpoint holds;
resuming (2 epochs + 2 more equals 4 straight, bit for bit); load_from_checkpoint."""

from __future__ import annotations

import os

import pytest

import arraygrad as ag
import arraygrad.lightning as pl
from arraygrad import nn
from arraygrad.lightning.callbacks import ModelCheckpoint
from tests.lightning._models import Regressor, loaders, quiet, weights


def names(folder) -> list[str]:
    return sorted(os.listdir(folder))


def test_default_checkpoint_name_and_folder(tmp_path):
    train, val = loaders()  # 5 batches per epoch
    trainer = pl.Trainer(**quiet(max_epochs=2, default_root_dir=tmp_path))
    trainer.fit(Regressor(), train, val)
    folder = tmp_path / "lightning_logs" / "version_0" / "checkpoints"
    assert names(folder) == ["epoch=1-step=10.ckpt"]  # save_top_k=1 without monitor keeps the latest
    assert trainer.checkpoint_callback.best_model_path == str(folder / "epoch=1-step=10.ckpt")
    # a second fit logs to the next version
    trainer2 = pl.Trainer(**quiet(max_epochs=1, default_root_dir=tmp_path))
    trainer2.fit(Regressor(), train, val)
    assert trainer2.logger.log_dir.endswith("version_1")
    assert names(tmp_path / "lightning_logs" / "version_1" / "checkpoints") == ["epoch=0-step=5.ckpt"]


def test_format_checkpoint_name():
    ckpt = ModelCheckpoint(dirpath="d", filename="{epoch}-{val_loss:.2f}")
    assert ckpt.format_checkpoint_name({"epoch": 2, "val_loss": ag.tensor(0.123456)}) == os.path.join(
        "d", "epoch=2-val_loss=0.12.ckpt")
    assert os.path.basename(ModelCheckpoint(filename="{epoch:03d}").format_checkpoint_name({"epoch": 5})) == "epoch=005.ckpt"
    plain = ModelCheckpoint(filename="e{epoch}-l{val_loss:.1f}", auto_insert_metric_name=False)
    assert plain.format_checkpoint_name({"epoch": 1, "val_loss": 0.26}) == "e1-l0.3.ckpt"
    assert ModelCheckpoint(filename="{missing:d}").format_checkpoint_name({}) == "missing=0.ckpt"
    assert ModelCheckpoint().format_checkpoint_name({"epoch": 0, "step": 100}) == "epoch=0-step=100.ckpt"


class Scripted(Regressor):
    """Logs a scripted ``val_loss`` per epoch so that the ranking is known in advance."""

    SCORES = [0.5, 0.3, 0.4, 0.1, 0.6]

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.SCORES[self.current_epoch])


def test_top_k_keeps_the_best_and_last(tmp_path):
    train, val = loaders()
    ckpt = ModelCheckpoint(dirpath=tmp_path, monitor="val_loss", save_top_k=2, save_last=True,
                           filename="{epoch}-{val_loss:.2f}")
    trainer = pl.Trainer(**quiet(max_epochs=5, logger=False, callbacks=[ckpt], num_sanity_val_steps=0))
    trainer.fit(Scripted(), train, val)
    assert names(tmp_path) == ["epoch=1-val_loss=0.30.ckpt", "epoch=3-val_loss=0.10.ckpt", "last.ckpt"]
    assert ckpt.best_model_path == str(tmp_path / "epoch=3-val_loss=0.10.ckpt")
    assert ckpt.best_model_score.item() == pytest.approx(0.1)
    assert ckpt.kth_best_model_path == str(tmp_path / "epoch=1-val_loss=0.30.ckpt")
    assert sorted(round(v, 6) for v in ckpt.best_k_models.values()) == [0.1, 0.3]
    last = ag.load(tmp_path / "last.ckpt")
    # as Lightning 2.6: last.ckpt follows the saves of the top-k checkpoints (epoch 4 was not in the top 2)
    assert (last["epoch"], last["global_step"]) == (3, 20)


def test_top_k_max_mode_and_every_n_train_steps(tmp_path):
    train, val = loaders()
    best = ModelCheckpoint(dirpath=tmp_path / "max", monitor="val_loss", mode="max", save_top_k=1)
    steps = ModelCheckpoint(dirpath=tmp_path / "steps", every_n_train_steps=4, save_top_k=-1)
    trainer = pl.Trainer(**quiet(max_epochs=3, logger=False, callbacks=[best, steps], num_sanity_val_steps=0))
    trainer.fit(Scripted(), train, val)
    assert names(tmp_path / "max") == ["epoch=0-step=5.ckpt"]  # 0.5 beats 0.3 and 0.4 in max mode
    assert names(tmp_path / "steps") == ["epoch=0-step=4.ckpt", "epoch=1-step=8.ckpt", "epoch=2-step=12.ckpt"]


def test_checkpoint_contents(tmp_path):
    train, val = loaders()
    model = Regressor(lr=0.01)
    trainer = pl.Trainer(**quiet(max_epochs=1, default_root_dir=tmp_path))
    trainer.fit(model, train, val)
    path = tmp_path / "manual.ckpt"
    trainer.save_checkpoint(path)
    ckpt = ag.load(path)
    assert {"epoch", "global_step", "pytorch-lightning_version", "state_dict", "loops", "callbacks", "optimizer_states",
            "lr_schedulers", "hparams_name", "hyper_parameters"} <= set(ckpt)
    assert ckpt["hyper_parameters"] == {"lr": 0.01, "features": 3, "optimizer": "sgd"}
    assert list(ckpt["state_dict"]) == ["layer.weight", "layer.bias"]
    assert any(k.startswith("ModelCheckpoint{") for k in ckpt["callbacks"])
    weights_only = tmp_path / "w.ckpt"
    trainer.save_checkpoint(weights_only, weights_only=True)
    assert "optimizer_states" not in ag.load(weights_only)
    restored = Regressor.load_from_checkpoint(path)
    assert restored.hparams.lr == 0.01 and not restored.training
    assert weights(restored) == weights(model)


def test_monitor_never_logged_names_key_and_logged_ones(tmp_path):
    train, val = loaders()
    ckpt = ModelCheckpoint(dirpath=tmp_path, monitor="val_acc")
    trainer = pl.Trainer(**quiet(max_epochs=1, logger=False, callbacks=[ckpt], num_sanity_val_steps=0))
    with pytest.raises(pl.MisconfigurationException, match=r"`val_acc`.*Logged metrics: `train_loss`, `val_loss`"):
        trainer.fit(Regressor(), train, val)


class Noisy(Regressor):
    """Adam, a StepLR scheduler and dropout: resuming must restore optimizer, scheduler and random state."""

    def __init__(self):
        super().__init__(lr=0.02)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        return self.layer(self.drop(x))

    def configure_optimizers(self):
        opt = ag.optim.Adam(self.parameters(), lr=self.hparams.lr)
        return [opt], [ag.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)]


def _fit(tmp_path, max_epochs, ckpt_path=None):
    pl.seed_everything(7, verbose=False)
    train, val = loaders(shuffle=True)
    model = Noisy()
    ckpt = ModelCheckpoint(dirpath=tmp_path, save_last=True)
    trainer = pl.Trainer(**quiet(max_epochs=max_epochs, logger=False, callbacks=[ckpt]))
    trainer.fit(model, train, val, ckpt_path=ckpt_path)
    return trainer, model


def test_resume_equals_straight_run_bit_for_bit(tmp_path):
    straight, straight_model = _fit(tmp_path / "a", 4)
    _fit(tmp_path / "b", 2)
    resumed, resumed_model = _fit(tmp_path / "b", 4, ckpt_path=tmp_path / "b" / "last.ckpt")
    assert weights(resumed_model) == weights(straight_model)
    assert (resumed.current_epoch, resumed.global_step) == (straight.current_epoch, straight.global_step) == (4, 20)
    assert resumed.optimizers[0].param_groups[0]["lr"] == straight.optimizers[0].param_groups[0]["lr"]
    sa, sb = straight.optimizers[0].state_dict()["state"], resumed.optimizers[0].state_dict()["state"]
    assert [v["exp_avg"].tolist() for v in sa.values()] == [v["exp_avg"].tolist() for v in sb.values()]
    assert resumed.callback_metrics["val_loss"].item() == straight.callback_metrics["val_loss"].item()
    # and "last" finds the newest last.ckpt
    again, _ = _fit(tmp_path / "b", 5, ckpt_path="last")
    assert again.global_step == 25


def test_resume_from_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.ckpt"):
        _fit(tmp_path, 1, ckpt_path=tmp_path / "nope.ckpt")


class NoisyEpochMean(Noisy):
    """Also logs an epoch mean, so that the values logged before a mid-epoch checkpoint must come back."""

    def training_step(self, batch, batch_idx):
        loss = super().training_step(batch, batch_idx)
        self.log("loss_mean", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        opt = ag.optim.Adam(self.parameters(), lr=self.hparams.lr)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": ag.optim.lr_scheduler.StepLR(opt, 2, 0.8),
                                                   "interval": "step"}}


class EpochMeans(pl.Callback):
    def __init__(self):
        self.means: dict[int, float] = {}

    def on_train_epoch_end(self, trainer, pl_module):
        self.means[trainer.current_epoch] = trainer.callback_metrics["loss_mean"].item()


def _fit_steps(folder, ckpt_path=None, when="train_steps"):
    pl.seed_everything(3, verbose=False)
    train, val = loaders(shuffle=True)
    model = NoisyEpochMean()
    if when == "train_steps":  # saved in on_train_batch_end
        ckpt = ModelCheckpoint(dirpath=folder, every_n_train_steps=4, save_top_k=-1)
    else:  # saved in on_validation_end, twice per epoch
        ckpt = ModelCheckpoint(dirpath=folder, monitor="val_loss", save_top_k=-1)
    means = EpochMeans()
    trainer = pl.Trainer(**quiet(max_epochs=3, logger=False, callbacks=[ckpt, means], val_check_interval=0.5))
    trainer.fit(model, train, val, ckpt_path=ckpt_path)
    trainer.epoch_means = means.means
    return trainer, model


@pytest.mark.filterwarnings("ignore:The dirpath has changed")
@pytest.mark.parametrize("when, name", [("train_steps", "epoch=1-step=8.ckpt"), ("validation", "epoch=1-step=7.ckpt")])
def test_resume_from_the_middle_of_an_epoch_bit_for_bit(tmp_path, when, name):
    straight, straight_model = _fit_steps(tmp_path / "a", when=when)
    assert name in names(tmp_path / "a")  # saved in the middle of epoch 1
    resumed, resumed_model = _fit_steps(tmp_path / "b", ckpt_path=tmp_path / "a" / name, when=when)
    assert weights(resumed_model) == weights(straight_model)
    assert resumed.global_step == straight.global_step == 15
    assert resumed.callback_metrics["val_loss"].item() == straight.callback_metrics["val_loss"].item()
    # the interrupted epoch's mean includes the batches logged before the checkpoint
    assert resumed.epoch_means == {e: straight.epoch_means[e] for e in (1, 2)}
    assert resumed.optimizers[0].param_groups[0]["lr"] == straight.optimizers[0].param_groups[0]["lr"]
