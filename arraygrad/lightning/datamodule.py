"""``LightningDataModule``: the data of an experiment (download, split, dataloaders) in one object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from arraygrad.lightning.hparams import HyperparametersMixin
from arraygrad.lightning.utilities import MisconfigurationException

if TYPE_CHECKING:
    from arraygrad.lightning.trainer import Trainer

__all__ = ["LightningDataModule"]


class LightningDataModule(HyperparametersMixin):
    """Holds the data steps: ``prepare_data()`` (once), ``setup(stage)`` (``"fit"``, ``"validate"``,
    ``"test"``, ``"predict"``), and ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader`` /
    ``predict_dataloader``. Pass it as ``trainer.fit(model, datamodule=dm)``."""

    def __init__(self) -> None:
        super().__init__()
        self.trainer: Trainer | None = None

    def prepare_data(self) -> None:
        """Download or write data to disk (called once per fit, before ``setup``)."""

    def setup(self, stage: str) -> None:
        """Build the datasets for ``stage``; the Trainer calls it at the start of each run, after ``prepare_data``.

        Args:
            stage: ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """

    def teardown(self, stage: str) -> None:
        """Clean up after ``stage``; the Trainer calls it at the end of each run.

        Args:
            stage: ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """

    def train_dataloader(self) -> Any:
        """Give the training DataLoader; override it.

        Returns:
            A DataLoader (or an iterable of batches).

        Raises:
            MisconfigurationException: not overridden.
        """
        raise MisconfigurationException(f"`{type(self).__name__}.train_dataloader` must be implemented to train")

    def val_dataloader(self) -> Any:
        """Give the validation DataLoader(s); override it.

        Returns:
            A DataLoader or a list of them; an empty list (no validation data) by default.
        """
        return []

    def test_dataloader(self) -> Any:
        """Give the test DataLoader(s); override it.

        Returns:
            A DataLoader or a list of them; an empty list (no test data) by default.
        """
        return []

    def predict_dataloader(self) -> Any:
        """Give the prediction DataLoader(s); override it.

        Returns:
            A DataLoader or a list of them; an empty list (no prediction data) by default.
        """
        return []

    def state_dict(self) -> dict[str, Any]:
        """Return the datamodule's state, saved in checkpoints; override it.

        Returns:
            A dict of the state to save (empty by default).
        """
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state that ``state_dict`` returned; override it (does nothing by default).

        Args:
            state_dict: the dict saved in the checkpoint.
        """

    def on_exception(self, exception: BaseException) -> None:
        """Called when fit / validate / test / predict raises, before the exception propagates.

        Args:
            exception: the exception raised.
        """

    @classmethod
    def from_datasets(cls, train_dataset: Any = None, val_dataset: Any = None, test_dataset: Any = None,
                      predict_dataset: Any = None, batch_size: int = 1, num_workers: int = 0,
                      **datamodule_kwargs: Any) -> LightningDataModule:
        """Build a datamodule whose dataloaders wrap the given datasets; the training one shuffles.

        Each dataset argument may be one dataset, a list of them (a list of DataLoaders) or a dict of
        them (a dict of DataLoaders); a ``None`` leaves that dataloader method as it is.

        Args:
            train_dataset: the training dataset(s) (default None).
            val_dataset: the validation dataset(s) (default None).
            test_dataset: the test dataset(s) (default None).
            predict_dataset: the prediction dataset(s) (default None).
            batch_size: the batch size of every DataLoader (default 1).
            num_workers: the ``num_workers`` of every DataLoader (default 0).

        Keyword arguments in ``**datamodule_kwargs`` go to the class's ``__init__``.

        Returns:
            The new datamodule.
        """
        from arraygrad.data import DataLoader

        def loaders(ds: Any, shuffle: bool) -> Any:
            if isinstance(ds, Mapping):
                return {k: DataLoader(v, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers)
                        for k, v in ds.items()}
            if isinstance(ds, Sequence) and not hasattr(ds, "__getitem__") or isinstance(ds, list):
                return [DataLoader(v, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers) for v in ds]
            return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers)

        dm = cls(**datamodule_kwargs)
        if train_dataset is not None:
            dm.train_dataloader = lambda: loaders(train_dataset, True)  # type: ignore[method-assign]
        if val_dataset is not None:
            dm.val_dataloader = lambda: loaders(val_dataset, False)  # type: ignore[method-assign]
        if test_dataset is not None:
            dm.test_dataloader = lambda: loaders(test_dataset, False)  # type: ignore[method-assign]
        if predict_dataset is not None:
            dm.predict_dataloader = lambda: loaders(predict_dataset, False)  # type: ignore[method-assign]
        return dm
