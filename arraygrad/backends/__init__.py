"""Backend registry.

A backend is an object that owns an array namespace (``backend.xp``, an array API
standard namespace) and the few kernels the standard lacks (scatter-add, indexed
update, random bits, host transfer). Several backends live in one process; every
tensor knows its own.

Backends are created lazily: importing arraygrad never imports jax or cupy. The
first call to :func:`get` for a name imports its library and raises a clear error
when it is not installed.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arraygrad.backends.reference import Backend

# name -> (module, class name, pip extra that installs the library)
_REGISTRY: dict[str, tuple[str, str, str]] = {
    "numpy": ("arraygrad.backends.numpy", "NumpyBackend", "arraygrad (numpy is a core dependency)"),
    "strict": ("arraygrad.backends.reference", "StrictBackend", "arraygrad[dev] (array-api-strict)"),
    "jax": ("arraygrad.backends.jax", "JaxBackend", "arraygrad[jax]"),
    "cupy": ("arraygrad.backends.cupy", "CupyBackend", "arraygrad[cupy]"),
}

_INSTANCES: dict[str, Backend] = {}


class BackendUnavailableError(RuntimeError):
    """Raised when a registered backend cannot be used on this machine."""


def names() -> list[str]:
    """Return the names of all registered backends (usable or not)."""
    return list(_REGISTRY)


def split_name(spec: str) -> tuple[str, int | None]:
    """Split ``"cupy:1"`` into ``("cupy", 1)`` and ``"numpy"`` into ``("numpy", None)``."""
    name, sep, index = spec.partition(":")
    if not sep:
        return name, None
    try:
        return name, int(index)
    except ValueError:
        raise ValueError(f"backend spec {spec!r}: device index {index!r} is not an integer") from None


def get(name: str | Backend) -> Backend:
    """Return the backend object registered as ``name``.

    Raises:
        ValueError: ``name`` is not registered (the message lists the registered names).
        BackendUnavailableError: the backend's library is missing (the message names the
            pip extra) or it has no usable device.
    """
    if not isinstance(name, str):
        return name
    backend = _INSTANCES.get(name)
    if backend is not None:
        return backend
    if name not in _REGISTRY:
        raise ValueError(f"unknown backend {name!r}; registered backends: {', '.join(_REGISTRY)}")
    module_name, class_name, extra = _REGISTRY[name]
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name)
    try:
        backend = cls()
    except ImportError as exc:
        raise BackendUnavailableError(
            f"backend {name!r} needs a library that is not installed ({exc.name or exc}); "
            f"install it with: pip install '{extra}'"
        ) from exc
    _INSTANCES[name] = backend
    return backend


def available() -> dict[str, str | None]:
    """Map every registered backend name to ``None`` when usable, else the reason it is not."""
    result: dict[str, str | None] = {}
    for name in _REGISTRY:
        try:
            get(name)
            result[name] = None
        except BackendUnavailableError as exc:
            result[name] = str(exc)
    return result


_default_name: str = os.environ.get("ARRAYGRAD_BACKEND", "numpy") or "numpy"


def default() -> Backend:
    """The backend new tensors are created on when no ``backend=`` is given."""
    return get(_default_name)


def set_default(name: str) -> None:
    """Make ``name`` the default backend (validated now, so a typo fails here)."""
    global _default_name
    get(name)
    _default_name = name


def default_name() -> str:
    return _default_name
