"""``TrainerFn`` and ``TrainerState``: which entry point the trainer runs and its status, as
Lightning's ``trainer.states``."""

from __future__ import annotations

from enum import Enum

__all__ = ["TrainerFn", "TrainerState"]


class TrainerFn(str, Enum):
    """The entry point running, as passed to ``setup(stage)`` / ``teardown(stage)``; equal to its
    string (``stage == "fit"``), as Lightning's ``TrainerFn``."""

    FITTING = "fit"
    VALIDATING = "validate"
    TESTING = "test"
    PREDICTING = "predict"


class TrainerState:
    """What the trainer is doing: ``fn`` (``"fit"``, ``"validate"``, ``"test"``, ``"predict"`` or ``None``),
    ``status`` (``"initializing"``, ``"running"``, ``"finished"``, ``"interrupted"``)."""

    def __init__(self) -> None:
        self.fn: str | None = None
        self.status = "initializing"
        self.stage: str | None = None

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def __repr__(self) -> str:
        return f"TrainerState(fn={self.fn!r}, status={self.status!r}, stage={self.stage!r})"
