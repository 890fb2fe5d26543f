"""arraygrad.lightning follows the design's rule for code outside ``arraygrad/backends``: it imports no
array library (numpy, jax, torch, cupy...), only arraygrad's own API."""

from __future__ import annotations

from pathlib import Path

import pytest

import arraygrad.lightning
from tests.test_architecture import forbidden_imports

SOURCES = sorted(Path(arraygrad.lightning.__file__).parent.rglob("*.py"))


def test_the_scan_sees_the_package():
    assert {p.name for p in SOURCES} >= {"trainer.py", "module.py", "model_checkpoint.py", "loggers.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_array_library_imported(path):
    assert forbidden_imports(path.read_text()) == []
