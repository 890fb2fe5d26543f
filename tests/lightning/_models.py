"""Tiny modules and data for the trainer tests (a linear regression on fixed random data)."""

from __future__ import annotations

from typing import Any

import arraygrad as ag
import arraygrad.lightning as pl
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset


def regression_data(n: int = 40, seed: int = 0, features: int = 3) -> TensorDataset:
    """``n`` samples of ``y = x @ w + noise`` drawn from arraygrad's seeded generator."""
    g = ag.Generator().manual_seed(seed)
    x = ag.randn(n, features, generator=g)
    w = ag.randn(features, 1, generator=g)
    y = x @ w + 0.1 * ag.randn(n, 1, generator=g)
    return TensorDataset(x, y)


def loaders(n_train: int = 40, n_val: int = 16, batch_size: int = 8, shuffle: bool = False,
            val_batch_size: int = 6) -> tuple[DataLoader[Any], DataLoader[Any]]:
    return (DataLoader(regression_data(n_train, 0), batch_size=batch_size, shuffle=shuffle),
            DataLoader(regression_data(n_val, 1), batch_size=val_batch_size))


class Regressor(pl.LightningModule):
    """Linear regression with SGD; logs ``train_loss`` per step and ``val_loss`` per epoch."""

    def __init__(self, lr: float = 0.05, features: int = 3, optimizer: str = "sgd"):
        super().__init__()
        self.save_hyperparameters()
        self.layer = nn.Linear(features, 1)

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_loss", nn.functional.mse_loss(self(x), y))

    def predict_step(self, batch, batch_idx, dataloader_idx=0):
        return self(batch[0])

    def configure_optimizers(self):
        if self.hparams.optimizer == "adam":
            return ag.optim.Adam(self.parameters(), lr=self.hparams.lr)
        return ag.optim.SGD(self.parameters(), lr=self.hparams.lr)


def quiet(**kwargs: Any) -> dict[str, Any]:
    """Trainer arguments for tests: no progress bar, no summary, plus ``kwargs``."""
    return {"enable_progress_bar": False, "enable_model_summary": False, **kwargs}


def weights(model: nn.Module) -> dict[str, list[float]]:
    return {k: v.detach().reshape(-1).tolist() for k, v in model.state_dict().items()}
