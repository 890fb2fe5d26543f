"""The Lightning MNIST classifier (Conv2d 1->32, ReLU, MaxPool2d, Flatten, Linear 5408->10, Adam 1e-3)
on scikit-learn's digits shaped like MNIST (28x28), trained by ``arraygrad.lightning.Trainer``.

    python examples/lightning_mnist.py --epochs 3
    python examples/lightning_mnist.py --backend jax --epochs 1 --steps 5

The Trainer shows a progress bar per epoch and writes ``lightning_logs/version_N/metrics.csv``,
``hparams.yaml`` and ``checkpoints/`` under ``--out-dir``; this script then draws the logged loss and
accuracy into ``lightning_mnist_metrics.png`` and reloads the best checkpoint to test it.
"""

from __future__ import annotations

import time
from pathlib import Path

from _common import load_digits_split, parse_args

import arraygrad as ag
import arraygrad.lightning as pl
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset
from arraygrad.lightning.callbacks import ModelCheckpoint
from arraygrad.lightning.loggers import CSVLogger, plot_metrics
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's spelling


class DigitsDataModule(pl.LightningDataModule):
    """The digits upscaled to 32x32 and cropped to MNIST's 28x28, split 75/25."""

    def __init__(self, batch_size: int = 64, seed: int = 0):
        super().__init__()
        self.save_hyperparameters()

    def setup(self, stage: str) -> None:
        x_train, x_test, y_train, y_test = load_digits_split(size=32, seed=self.hparams.seed)
        crop = (slice(None), slice(None), slice(2, 30), slice(2, 30))
        self.train_set = TensorDataset(ag.tensor(x_train[crop]), ag.tensor(y_train))
        self.val_set = TensorDataset(ag.tensor(x_test[crop]), ag.tensor(y_test))

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=self.hparams.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.val_set, batch_size=256)

    def test_dataloader(self) -> DataLoader:
        return self.val_dataloader()


class LitMNIST(pl.LightningModule):
    def __init__(self, lr: float = 1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(5408, 10))

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, prog_bar=True)
        self.log("train_acc", (logits.argmax(dim=1) == y).float().mean(), on_step=False, on_epoch=True)
        return loss

    def _evaluate(self, batch, stage):
        x, y = batch
        logits = self(x)
        self.log(f"{stage}_loss", F.cross_entropy(logits, y), prog_bar=True)
        self.log(f"{stage}_acc", (logits.argmax(dim=1) == y).float().mean(), prog_bar=True)

    def validation_step(self, batch, batch_idx):
        self._evaluate(batch, "val")

    def test_step(self, batch, batch_idx):
        self._evaluate(batch, "test")

    def configure_optimizers(self):
        return ag.optim.Adam(self.parameters(), lr=self.hparams.lr)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=3)
    start = time.perf_counter()
    pl.seed_everything(args.seed, verbose=False)
    data = DigitsDataModule(seed=args.seed)
    model = LitMNIST()
    checkpoint = ModelCheckpoint(monitor="val_acc", mode="max", filename="{epoch}-{val_acc:.3f}")
    trainer = pl.Trainer(max_epochs=args.epochs, limit_train_batches=args.steps, log_every_n_steps=5,
                         logger=CSVLogger(args.out_dir), callbacks=[checkpoint], compile=args.compile)
    trainer.fit(model, datamodule=data)
    log_dir = Path(trainer.log_dir)
    print(f"metrics: {log_dir / 'metrics.csv'}")
    png = plot_metrics(log_dir, args.out_dir / "lightning_mnist_metrics.png", title="Lightning MNIST (digits 28x28)")
    print(f"saved metrics plot to {png}")
    print(f"best checkpoint: {checkpoint.best_model_path}")
    best = LitMNIST.load_from_checkpoint(checkpoint.best_model_path)
    result = trainer.test(best, datamodule=data, verbose=False)[0]
    print(f"best checkpoint test accuracy: {100 * result['test_acc']:.1f}%  test loss {result['test_loss']:.4f}"
          f"  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
