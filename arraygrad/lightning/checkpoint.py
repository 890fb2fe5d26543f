"""Checkpoint files: one ``ag.save`` file (atomic) holding the weights, optimizer and scheduler states,
the loop counters, callback states, hyperparameters and the random generator's state."""

from __future__ import annotations

import os
import pickle
from typing import Any

__all__ = ["load_checkpoint", "save_checkpoint", "CHECKPOINT_VERSION"]

#: written as ``"pytorch-lightning_version"`` (the Lightning release whose layout the file follows)
CHECKPOINT_VERSION = "2.6.0"


def save_checkpoint(checkpoint: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``checkpoint`` to ``path`` with ``ag.save`` (written to a staging file, then renamed over
    ``path``), creating the folder.

    Raises:
        OSError: the file cannot be written (naming the path).
    """
    import arraygrad as ag

    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    ag.save(checkpoint, path)


def load_checkpoint(path: str | os.PathLike[str], map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
    """Read a checkpoint written by ``Trainer.save_checkpoint``.

    Args:
        path: the ``.ckpt`` file.
        map_location: as ``ag.load``'s.
        weights_only: ``None`` or ``True`` reads only tensors and plain values (what the trainer writes
            unless hyperparameters hold other objects); ``False`` unpickles anything (trusted files only).

    Raises:
        FileNotFoundError: no such file.
        pickle.UnpicklingError: the file holds other objects and ``weights_only`` is not ``False``; the
            message names the object.
    """
    import arraygrad as ag

    if not os.path.isfile(path):
        raise FileNotFoundError(f"Checkpoint file not found: {os.fspath(path)!r}")
    try:
        checkpoint = ag.load(path, map_location=map_location, weights_only=weights_only is not False)
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(
            f"{exc}\nThe checkpoint {os.fspath(path)!r} holds objects beyond tensors and plain values (hyperparameters "
            "such as modules?). If you trust the file, pass weights_only=False.") from exc
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ValueError(f"{os.fspath(path)!r} is not a Lightning checkpoint (no 'state_dict' entry)")
    return checkpoint
