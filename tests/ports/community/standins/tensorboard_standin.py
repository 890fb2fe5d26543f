"""Local stand-in for ``torch.utils.tensorboard.SummaryWriter`` used by the ported programs.

tensorboard is not a dependency of arraygrad, so the ports import this small writer in its place.
It appends every scalar to ``scalars.tsv`` in the log directory (one ``tag step value`` line each),
which keeps what a program logs inspectable by the tests.
"""

from __future__ import annotations

import os


class SummaryWriter:
    """Write scalars logged with ``add_scalar``/``add_scalars`` to a tab-separated text file.

    Args:
        log_dir: directory for ``scalars.tsv``; created if missing (default ``runs``).
        **kwargs: other ``SummaryWriter`` arguments, accepted and ignored.
    """

    def __init__(self, log_dir: str | None = None, **kwargs: object) -> None:
        self.log_dir = log_dir or "runs"
        os.makedirs(self.log_dir, exist_ok=True)
        self._file = open(os.path.join(self.log_dir, "scalars.tsv"), "a", encoding="utf-8")  # noqa: SIM115

    def add_scalar(self, tag: str, scalar_value: object, global_step: int | None = None) -> None:
        """Record one scalar value under ``tag`` at ``global_step``."""
        self._file.write(f"{tag}\t{global_step}\t{float(scalar_value)}\n")

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict[str, object], global_step: int | None = None) -> None:
        """Record several scalars, each as ``main_tag/key``."""
        for key, value in tag_scalar_dict.items():
            self.add_scalar(f"{main_tag}/{key}", value, global_step)

    def flush(self) -> None:
        """Write buffered lines to disk."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()
