"""Fixtures for the data tests. The ``backend`` fixture (numpy, strict, jax; cupy skipped with the
registry's reason) and the global-state cleanup come from tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def torch() -> Any:
    """PyTorch, the reference the data tests compare with (skipped when not installed)."""
    return pytest.importorskip("torch")
