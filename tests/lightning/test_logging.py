"""``self.log``: keys, on_step/on_epoch defaults, epoch reduction weighted by batch size, what reaches
metrics.csv and when, and the errors for values and hooks that cannot be logged."""

from __future__ import annotations

import csv
import struct

import pytest

import arraygrad as ag
import arraygrad.lightning as pl
from arraygrad import nn
from tests.lightning._models import Regressor, loaders, quiet


def f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def rows(trainer: pl.Trainer) -> list[dict[str, str]]:
    with open(trainer.logger.log_dir + "/metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


class Recorder(Regressor):
    """Logs the loss on step and epoch, a batch-index metric with each reduction, and keeps every value."""

    def __init__(self):
        super().__init__()
        self.step_losses: list[float] = []
        self.val_losses: list[tuple[float, int]] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.step_losses.append(loss.item())
        self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True)
        for fx in ("sum", "max", "min"):
            self.log(f"idx_{fx}", float(batch_idx), on_step=False, on_epoch=True, reduce_fx=fx)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.val_losses.append((loss.item(), x.shape[0]))
        self.log("val_loss", loss, prog_bar=True)


def test_step_and_epoch_keys_and_weighted_epoch_mean(tmp_path):
    train, val = loaders(n_train=36, n_val=16)  # batches of 8,8,8,8,4 and of 6,6,4: unequal sizes
    model = Recorder()
    trainer = pl.Trainer(**quiet(max_epochs=1, default_root_dir=tmp_path, log_every_n_steps=1, num_sanity_val_steps=0))
    trainer.fit(model, train, val)
    metrics = trainer.callback_metrics
    assert {"train_loss", "train_loss_step", "train_loss_epoch", "val_loss", "idx_sum", "idx_max", "idx_min"} <= set(metrics)
    sizes = [8, 8, 8, 8, 4]
    # Lightning accumulates value * batch_size in float32, then divides
    acc = 0.0
    for v, s in zip(model.step_losses, sizes):
        acc = f32(acc + f32(f32(v) * s))
    expected = f32(acc / 36)
    assert metrics["train_loss_epoch"].item() == pytest.approx(expected, rel=1e-7)
    assert metrics["train_loss"].item() == metrics["train_loss_epoch"].item()  # the epoch value once the epoch ended
    assert metrics["train_loss_step"].item() == pytest.approx(model.step_losses[-1], rel=1e-6)
    plain_mean = sum(model.step_losses) / 5
    assert abs(expected - plain_mean) > 1e-4  # the weighting is visible with these sizes
    val_expected = sum(v * s for v, s in model.val_losses) / 16
    assert metrics["val_loss"].item() == pytest.approx(val_expected, rel=1e-6)
    assert (metrics["idx_sum"].item(), metrics["idx_max"].item(), metrics["idx_min"].item()) == (10.0, 4.0, 0.0)
    assert set(trainer.progress_bar_metrics) == {"train_loss_step", "train_loss_epoch", "val_loss"}


def test_metrics_csv_rows_follow_log_every_n_steps(tmp_path):
    train, val = loaders(n_train=40)  # 5 batches per epoch
    trainer = pl.Trainer(**quiet(max_epochs=2, default_root_dir=tmp_path, log_every_n_steps=2, num_sanity_val_steps=0))
    trainer.fit(Recorder(), train, val)
    table = rows(trainer)
    assert list(table[0]) == sorted(table[0])  # columns sorted, as Lightning's CSVLogger
    step_rows = [(r["epoch"], r["step"]) for r in table if r["train_loss_step"]]
    # a step row when (batches stepped + 1) % 2 == 0, numbered by the batches stepped before it
    assert step_rows == [("0", "1"), ("0", "3"), ("1", "5"), ("1", "7"), ("1", "9")]
    val_rows = [(r["epoch"], r["step"]) for r in table if r["val_loss"]]
    epoch_rows = [(r["epoch"], r["step"]) for r in table if r["train_loss_epoch"]]
    assert val_rows == epoch_rows == [("0", "4"), ("1", "9")]
    assert trainer.logger.log_dir == str(tmp_path / "lightning_logs" / "version_0")
    assert trainer.global_step == 10


def test_several_val_dataloaders_get_an_index_suffix(tmp_path):
    train, val = loaders()
    _, val2 = loaders(n_val=12)
    trainer = pl.Trainer(**quiet(max_epochs=1, default_root_dir=tmp_path, num_sanity_val_steps=0))
    trainer.fit(Regressor(), train, [val, val2])
    assert {"val_loss/dataloader_idx_0", "val_loss/dataloader_idx_1"} <= set(trainer.callback_metrics)
    results = trainer.validate(dataloaders=[val, val2], verbose=False)
    assert [list(r) for r in results] == [["val_loss/dataloader_idx_0"], ["val_loss/dataloader_idx_1"]]


def test_log_dict_and_epoch_hook_logging(tmp_path):
    class M(Regressor):
        def training_step(self, batch, batch_idx):
            loss = super().training_step(batch, batch_idx)
            self.log_dict({"a": 1.0, "b": ag.tensor(2.0)})
            return loss

        def on_train_epoch_end(self):
            self.log("epoch_metric", 3.0)

    trainer = pl.Trainer(**quiet(max_epochs=1, default_root_dir=tmp_path, logger=False))
    train, _ = loaders()
    trainer.fit(M(), train)
    assert {k: trainer.callback_metrics[k].item() for k in ("a", "b", "epoch_metric")} == {"a": 1.0, "b": 2.0,
                                                                                            "epoch_metric": 3.0}


@pytest.mark.parametrize("value, error, match", [
    (ag.ones(3), ValueError, "must have a single element"),
    ("high", TypeError, "str"),
    ({"a": 1.0}, TypeError, "log_dict"),
])
def test_bad_log_values_raise(tmp_path, value, error, match):
    class M(Regressor):
        def training_step(self, batch, batch_idx):
            self.log("bad", value)
            return super().training_step(batch, batch_idx)

    train, _ = loaders()
    with pytest.raises(error, match=match):
        pl.Trainer(**quiet(max_epochs=1, logger=False, enable_checkpointing=False)).fit(M(), train)


def test_logging_from_predict_step_raises():
    class M(Regressor):
        def predict_step(self, batch, batch_idx, dataloader_idx=0):
            self.log("x", 1.0)

    train, _ = loaders()
    with pytest.raises(pl.MisconfigurationException, match="predict_step"):
        pl.Trainer(**quiet(logger=False)).predict(M(), train)


def test_log_without_trainer_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="trainer` reference is not registered"):
        Regressor().log("x", 1.0)


def test_sanity_check_metrics_are_discarded(tmp_path):
    seen = {}

    class Probe(pl.Callback):
        def on_sanity_check_end(self, trainer, pl_module):
            seen["after_sanity"] = dict(trainer.callback_metrics)

    train, val = loaders()
    trainer = pl.Trainer(**quiet(max_epochs=1, default_root_dir=tmp_path, callbacks=[Probe()]))
    trainer.fit(Regressor(), train, val)
    assert seen["after_sanity"] == {}
    assert [r["step"] for r in rows(trainer) if r["val_loss"]] == ["4"]  # one validation row, the real one


def test_evaluation_step_values_and_metrics_after_test(tmp_path):
    class M(Regressor):
        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("v", nn.functional.mse_loss(self(x), y), on_step=True, on_epoch=True)

    train, val = loaders()  # 3 validation batches per run
    trainer = pl.Trainer(**quiet(max_epochs=2, default_root_dir=tmp_path, num_sanity_val_steps=0))
    model = M()
    trainer.fit(model, train, val)
    table = rows(trainer)
    # as Lightning: evaluation step values are numbered per dataloader across runs, without an epoch
    assert [(r["step"], r["epoch"]) for r in table if r["v_step"]] == [(str(i), "") for i in range(6)]
    assert {"train_loss", "v_epoch", "v"} <= set(trainer.callback_metrics)
    trainer.test(model, val, verbose=False)
    # each entry point starts afresh: after test() only the test metrics remain
    assert set(trainer.callback_metrics) == {"test_loss"} and set(trainer.logged_metrics) == {"test_loss"}
