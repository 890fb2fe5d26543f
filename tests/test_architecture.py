"""The design's central rule: outside ``arraygrad/backends`` the code imports no array library.

core, nn, optim, data, distributed, vision and lightning get their namespace from a tensor's backend and use only the
array API standard (distributed may import mpi4py, its transport, which is no array library); this
scans their source (AST) so that an import slipping in fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import arraygrad

PACKAGE = Path(arraygrad.__file__).parent
CHECKED = ("core", "nn", "optim", "data", "distributed", "vision", "lightning")
FORBIDDEN = {"numpy", "cupy", "cupyx", "jax", "jaxlib", "torch", "array_api_strict", "array_api_compat"}


def forbidden_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) for every import of a forbidden top-level module, at any nesting depth
    (function-local and TYPE_CHECKING imports count too), plus ``importlib.import_module("...")``
    and ``__import__("...")`` calls with a literal forbidden name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in FORBIDDEN]
    return found


def _sources() -> list[Path]:
    files = [f for sub in CHECKED for f in sorted((PACKAGE / sub).rglob("*.py"))]
    return files


def test_the_scan_covers_every_checked_subpackage() -> None:
    files = _sources()
    for sub in CHECKED:
        assert (PACKAGE / sub / "__init__.py").exists(), f"arraygrad/{sub} is missing"
    assert any(f.parent.name == "ops" and f.parent.parent.name == "core" and f.name == "binary.py" for f in files)


@pytest.mark.parametrize(
    "snippet",
    [
        "import numpy as np",
        "import jax.numpy as jnp",
        "from numpy import asarray",
        "from cupyx.scatter_add import x",
        "def f():\n    import torch",
        "if TYPE_CHECKING:\n    import array_api_strict",
        "import importlib\nimportlib.import_module('jax')",
        "__import__('array_api_compat')",
    ],
)
def test_scanner_catches_forbidden_import(snippet: str) -> None:
    assert forbidden_imports(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    ["from arraygrad.core import ops", "from . import numpy_helpers", "import numbers", "import jaxtyping_like"],
)
def test_scanner_allows_other_imports(snippet: str) -> None:
    assert not forbidden_imports(snippet)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_array_library_imported_outside_backends(path: Path) -> None:
    bad = forbidden_imports(path.read_text())
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {bad}: use the tensor's backend.xp instead"
