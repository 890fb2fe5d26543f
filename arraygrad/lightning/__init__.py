"""arraygrad.lightning: PyTorch Lightning's API on arraygrad.

    import arraygrad.lightning as pl          # instead of: import pytorch_lightning as pl

    class LitModel(pl.LightningModule):
        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.cross_entropy(self(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            return ag.optim.Adam(self.parameters(), lr=1e-3)

    pl.Trainer(max_epochs=10).fit(LitModel(), datamodule=dm)

``LightningModule``, ``LightningDataModule``, ``Trainer``, ``Callback``, ``seed_everything`` and the
``callbacks`` (``ModelCheckpoint``, ``EarlyStopping``, ``LearningRateMonitor``, ``TQDMProgressBar``) and
``loggers`` (``CSVLogger``, ``TensorBoardLogger``) submodules follow Lightning 2.x: the same names,
arguments, defaults, logged keys, checkpoint file names and folder layout
(``<default_root_dir>/lightning_logs/version_N/{metrics.csv,hparams.yaml,checkpoints/}``).
``arraygrad.lightning.pytorch`` is the same module under the ``lightning.pytorch`` layout.
"""

from __future__ import annotations

import sys

from arraygrad.lightning import callbacks, loggers
from arraygrad.lightning.callbacks import Callback
from arraygrad.lightning.datamodule import LightningDataModule
from arraygrad.lightning.module import LightningModule
from arraygrad.lightning.seed import seed_everything
from arraygrad.lightning.trainer import Trainer
from arraygrad.lightning.utilities import MisconfigurationException

__version__ = "2.6.0"

__all__ = ["Callback", "LightningDataModule", "LightningModule", "MisconfigurationException", "Trainer", "callbacks",
           "loggers", "seed_everything"]

# ``import arraygrad.lightning.pytorch as pl`` / ``from arraygrad.lightning.pytorch.callbacks import ...``
pytorch = sys.modules[__name__]
sys.modules[__name__ + ".pytorch"] = pytorch
sys.modules[__name__ + ".pytorch.callbacks"] = callbacks
sys.modules[__name__ + ".pytorch.loggers"] = loggers
