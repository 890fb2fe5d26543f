"""Type checkers see arraygrad's API: the Tensor method stub is current, the package exports its
public names explicitly, and ``mypy --strict`` passes on a user's training script (and still
catches a misspelt method)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

import arraygrad as ag
from arraygrad.core import stubgen

pytest.importorskip("mypy")

TYPING_DIR = Path(__file__).resolve().parent / "typing"


def test_tensor_method_stub_is_current() -> None:
    assert stubgen.STUB.read_text() == stubgen.render(), (
        "arraygrad/core/_tensor_methods.pyi is out of date: run python -m arraygrad.core.stubgen"
    )


def test_every_bound_method_is_declared() -> None:
    stub = stubgen.STUB.read_text()
    for name in ("reshape", "view", "sum", "mean", "argmax", "backward", "__matmul__", "add_", "T"):
        assert f"def {name}(" in stub or name in stubgen._class_body_names(), name


@pytest.mark.parametrize("module", [ag, ag.nn, ag.optim, ag.utils.data, ag.data])
def test_public_names_are_exported_explicitly(module: types.ModuleType) -> None:
    # mypy --strict (no implicit re-export) sees only the names listed in __all__ (submodules it
    # finds by their path); a helper the module imported for itself (Iterator) is not public
    def ours(v: object) -> bool:
        return not isinstance(v, types.ModuleType) and str(getattr(v, "__module__", "arraygrad")).startswith("arraygrad")

    public = {n for n, v in vars(module).items() if not n.startswith("_") and n != "annotations" and ours(v)}
    missing = sorted(public - set(getattr(module, "__all__", ())))
    assert not missing, f"{module.__name__}.__all__ lacks {missing}"


def _mypy(script: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", str(cache),
         "--no-error-summary", str(script)],
        capture_output=True, text=True, timeout=300,
    )


def test_mypy_strict_passes_on_a_training_script(tmp_path: Path) -> None:
    proc = _mypy(TYPING_DIR / "user_script.py", tmp_path / "cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_still_reports_a_misspelt_method(tmp_path: Path) -> None:
    script = tmp_path / "typo.py"
    script.write_text("import arraygrad as torch\n\nx = torch.ones(2, 3)\ny = x.reshapee(3, 2)\n")
    proc = _mypy(script, tmp_path / "cache")
    assert proc.returncode == 1
    assert 'has no attribute "reshapee"' in proc.stdout
