"""Helpers shared by the serialization submodules: error messages and the safetensors library's panics."""

from __future__ import annotations

__all__: list[str] = []


def _is_safetensors_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is a panic inside the safetensors library (pyo3's ``PanicException``, which
    derives from BaseException, not Exception, and is not importable under a stable name)."""
    kind = type(exc)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
