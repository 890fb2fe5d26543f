"""The user's allowlist of globals for weights-only loads (``add_safe_globals`` / ``safe_globals``) and the
error naming a refused global."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from arraygrad._torch_format.common import Refused

__all__ = ["add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals", "WEIGHTS_ONLY_HINT"]

_user_globals: list[Any] = []


def _entry_path(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str):
        return entry[1], entry[0]
    module, name = getattr(entry, "__module__", None), getattr(entry, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        raise TypeError(f"add_safe_globals: expected a class or function (or (obj, 'module.name')), got {entry!r}")
    return f"{module}.{name}", entry


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes/functions in ``load(..., weights_only=True)``, like PyTorch's
    ``torch.serialization.add_safe_globals``.

    Args:
        safe_globals: classes or functions, or ``(obj, "module.name")`` pairs naming the path a
            file refers to it by.

    Raises:
        TypeError: an entry is neither a class/function nor such a pair.
    """
    for entry in safe_globals:
        _entry_path(entry)
    for entry in safe_globals:
        if entry not in _user_globals:
            _user_globals.append(entry)


def get_safe_globals() -> list[Any]:
    """The globals added with ``add_safe_globals`` (and open ``safe_globals`` blocks)."""
    return list(_user_globals)


def clear_safe_globals() -> None:
    """Forget every global added with ``add_safe_globals``."""
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """A ``with`` block inside which ``safe_globals`` are allowed by ``load(weights_only=True)``;
    those not already allowed before are removed again on exit."""
    added = [g for g in safe_globals if g not in _user_globals]
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        for g in added:
            with contextlib.suppress(ValueError):
                _user_globals.remove(g)


def _user_allowed() -> dict[str, Any]:
    return dict(_entry_path(g) for g in _user_globals)


WEIGHTS_ONLY_HINT = (
    "Re-running ag.load with weights_only=False (the explicit, unsafe opt-in) will likely succeed, but it can "
    "result in arbitrary code execution: do it only if you got the file from a trusted source."
)


def _refused(full_path: str) -> Refused:
    shown = full_path[len("builtins."):] if full_path.startswith("builtins.") else full_path
    return Refused(
        f"Weights only load failed: this PyTorch pickle checkpoint needs the unsupported global GLOBAL {shown}, "
        f"which is not an allowed global by default. {WEIGHTS_ONLY_HINT} Alternatively, to load with "
        f"weights_only=True, allowlist it if you trust it: ag.serialization.add_safe_globals([{shown}]) or the "
        f"`with ag.serialization.safe_globals([{shown}]):` context manager.",
        refused=full_path,
    )
