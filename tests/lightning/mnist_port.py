"""The seed notes' PyTorch Lightning MNIST program, ported by changing its imports only.

Original imports (replaced below, one for one):
    import torch
    from torch import nn
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, TensorDataset
    import pytorch_lightning as pl
MNIST itself (torchvision) is replaced by a local stand-in of the same shape (``_digits.digits_mnist``),
and the Trainer's size arguments come from the command line so that a test can keep the run short.
"""

from __future__ import annotations

import argparse

import arraygrad as torch
import arraygrad.lightning as pl
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's spelling

try:
    from tests.lightning._digits import digits_mnist
except ImportError:  # run as a script from this folder
    from _digits import digits_mnist  # type: ignore[no-redef]


class MNISTDataModule(pl.LightningDataModule):
    def __init__(self, batch_size: int = 64, n_train: int | None = None, n_val: int | None = None):
        super().__init__()
        self.batch_size = batch_size
        self.n_train, self.n_val = n_train, n_val

    def setup(self, stage=None):
        x, y = digits_mnist(train=True, n=self.n_train)
        self.mnist_train = TensorDataset(torch.tensor(x), torch.tensor(y))
        x, y = digits_mnist(train=False, n=self.n_val)
        self.mnist_val = TensorDataset(torch.tensor(x), torch.tensor(y))

    def train_dataloader(self):
        return DataLoader(self.mnist_train, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.mnist_val, batch_size=self.batch_size)


class LitMNIST(pl.LightningModule):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.model = nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(5408, 10),
        )

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log('train_loss', loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        acc = (logits.argmax(dim=1) == y).float().mean()
        self.log('val_loss', loss, prog_bar=True)
        self.log('val_acc', acc, prog_bar=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--limit-train-batches", type=int, default=None)
    parser.add_argument("--limit-val-batches", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-val", type=int, default=None)
    parser.add_argument("--root", default=None)
    args = parser.parse_args(argv)

    pl.seed_everything(0)
    dm = MNISTDataModule(batch_size=args.batch_size, n_train=args.n_train, n_val=args.n_val)
    model = LitMNIST()
    trainer = pl.Trainer(max_epochs=args.max_epochs, limit_train_batches=args.limit_train_batches,
                         limit_val_batches=args.limit_val_batches, default_root_dir=args.root, log_every_n_steps=1)
    trainer.fit(model, datamodule=dm)
    return trainer, model


if __name__ == "__main__":
    main()
