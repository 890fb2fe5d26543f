"""What every transform class shares: the ``_Transform`` base (torchvision's ``forward`` spelling)
and one uniform draw from arraygrad's seeded generator."""

from __future__ import annotations

from typing import Any

from arraygrad.core.random import Generator
from arraygrad.data._utils import host_rand

__all__: list[str] = []


class _Transform:
    """A callable transform with torchvision's ``forward`` spelling."""

    def forward(self, img: Any) -> Any:  # pragma: no cover - every transform overrides it
        raise NotImplementedError

    def __call__(self, img: Any) -> Any:
        return self.forward(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _uniform(low: float, high: float, generator: Generator | None) -> float:
    """One float uniform in ``[low, high)``, as ``torch.empty(1).uniform_(low, high)``."""
    return low + (high - low) * host_rand(1, generator)[0]
