"""torchvision-shaped datasets, transforms, models and image utilities.

``import arraygrad.vision as torchvision`` (or ``from arraygrad.vision import datasets, transforms,
models, utils``) gives the names torchvision users know. The submodules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["datasets", "models", "transforms", "utils"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'arraygrad.vision' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
