"""Fixtures for the nn tests. The ``backend`` fixture (numpy, strict, jax; cupy skipped with its
reason) and the global-state cleanup come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


@pytest.fixture
def torch() -> Any:
    """PyTorch, the reference the nn tests compare with (skipped when not installed)."""
    return pytest.importorskip("torch")


@pytest.fixture
def copy_to_torch(torch: Any) -> Callable[[Any, Any], None]:
    """``copy_to_torch(module, torch_module)`` copies an arraygrad module's parameters into a torch
    module of the same architecture (matched by name)."""

    def copy(module: Any, torch_module: Any) -> None:
        theirs = dict(torch_module.named_parameters())
        ours = dict(module.named_parameters())
        assert sorted(ours) == sorted(theirs)
        with torch.no_grad():
            for name, p in ours.items():
                theirs[name].copy_(torch.tensor(np.asarray(p.detach().numpy()), dtype=theirs[name].dtype))

    return copy
