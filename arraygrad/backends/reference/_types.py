"""The type aliases of the reference kernels: ``Array`` (a backend's native array) and ``Key`` (a
normalised index key)."""

from __future__ import annotations

from typing import Any

__all__ = ["Array", "Key"]

Array = Any
Key = tuple[Any, ...]
