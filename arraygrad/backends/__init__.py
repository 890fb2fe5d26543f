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
import importlib.util
import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arraygrad.backends.reference import Backend

# name -> (adapter module, class name, library it imports, pip command that installs the library)
_REGISTRY: dict[str, tuple[str, str, str, str]] = {
    "numpy": ("arraygrad.backends.numpy", "NumpyBackend", "numpy", "pip install 'numpy>=2'"),
    "strict": (
        "arraygrad.backends.reference", "StrictBackend", "array_api_strict",
        "pip install 'array-api-strict>=2.3' (or the dev tools: pip install -e \".[dev]\" in an arraygrad checkout)",
    ),
    "jax": (
        "arraygrad.backends.jax", "JaxBackend", "jax",
        "pip install -e \".[jax]\" in an arraygrad checkout (or: pip install 'jax>=0.4.32' 'jaxlib>=0.4.32')",
    ),
    "cupy": (
        "arraygrad.backends.cupy", "CupyBackend", "cupy",
        "pip install -e \".[cupy]\" in an arraygrad checkout for CUDA 13 (or: pip install cupy-cuda13x; "
        "for CUDA 12: pip install cupy-cuda12x)",
    ),
}

_INSTANCES: dict[str, Backend] = {}


class BackendUnavailableError(RuntimeError):
    """Raised when a registered backend cannot be used on this machine."""


def names() -> list[str]:
    """List the names of all registered backends (usable or not).

    Returns:
        The names, in registration order.
    """
    return list(_REGISTRY)


def split_name(spec: str) -> tuple[str, int | None]:
    """Split ``"cupy:1"`` into ``("cupy", 1)`` and ``"numpy"`` into ``("numpy", None)``.

    Args:
        spec: a backend name, optionally followed by ``:`` and a device index.

    Returns:
        The name and the index (None without one).

    Raises:
        ValueError: the part after ``:`` is not an integer.
    """
    name, sep, index = spec.partition(":")
    if not sep:
        return name, None
    try:
        return name, int(index)
    except ValueError:
        raise ValueError(f"backend spec {spec!r}: device index {index!r} is not an integer") from None


def get(name: str | Backend) -> Backend:
    """Return the backend object registered as ``name``.

    Args:
        name: a registered backend name (``"numpy"``, ``"jax"``, ``"cupy"``, ``"strict"``); a
            backend object is returned as it is.

    Returns:
        The backend object (created on first use).

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
    _check_registered(name)
    module_name, class_name, _library, _install = _REGISTRY[name]
    try:
        module = importlib.import_module(module_name)
        backend = getattr(module, class_name)()
    except ImportError as exc:
        raise _missing_library(name, exc.name or str(exc)) from exc
    _INSTANCES[name] = backend
    return backend


def install_hint(name: str) -> str:
    """Give the pip command that installs the library backend ``name`` needs.

    Args:
        name: a registered backend name.

    Returns:
        The command, as a string to show the user.

    Raises:
        ValueError: ``name`` is not registered.
    """
    _check_registered(name)
    return _REGISTRY[name][3]


def _check_registered(name: str) -> None:
    if name not in _REGISTRY:
        raise ValueError(f"unknown backend {name!r}; registered backends: {', '.join(_REGISTRY)}")


def _missing_library(name: str, library: str) -> BackendUnavailableError:
    return BackendUnavailableError(
        f"backend {name!r} needs a library that is not installed ({library}); install it with: {_REGISTRY[name][3]}"
    )


def available() -> dict[str, str | None]:
    """Check which registered backends can be used here.

    Returns:
        A dict from every registered backend name to None when it is usable, else the reason it is
        not (with the install command).
    """
    result: dict[str, str | None] = {}
    for name in _REGISTRY:
        try:
            get(name)
            result[name] = None
        except BackendUnavailableError as exc:
            result[name] = str(exc)
    return result


def _default_from_environment() -> str:
    """The backend named by ``ARRAYGRAD_BACKEND`` (default ``numpy``), checked at import.

    A name that is not registered, or one whose library is not installed, fails ``import arraygrad``
    at once: a misspelt or half-installed setting should stop a run before it loads any data, not
    at its first tensor. Only the library's presence is checked (``find_spec``, no import), so
    importing arraygrad stays fast and never imports jax or cupy; whether cupy finds a CUDA device
    is known only once CUDA starts, on first use.

    Raises:
        ValueError: the name is not registered (the message lists the registered names).
        BackendUnavailableError: the backend's library is not installed (the message says how to install it).
    """
    name = os.environ.get("ARRAYGRAD_BACKEND", "numpy") or "numpy"
    if name not in _REGISTRY:
        raise ValueError(
            f"ARRAYGRAD_BACKEND={name!r} is not a registered backend; registered backends: {', '.join(_REGISTRY)}"
        )
    library = _REGISTRY[name][2]
    if importlib.util.find_spec(library) is None:
        raise _missing_library(name, library)
    return name


# The default backend is per thread, like PyTorch's grad mode: ``use_backend`` in one thread never
# changes what another thread creates tensors on. A thread that has not chosen its own default uses
# the process default: ARRAYGRAD_BACKEND, or what ``set_default`` last set on the main thread.
_process_default: str = _default_from_environment()
_thread_default = threading.local()


def default() -> Backend:
    """Get the backend new tensors are created on when no ``backend=`` is given (in this thread).

    Returns:
        The backend object.
    """
    return get(default_name())


def set_default(name: str) -> None:
    """Make ``name`` this thread's default backend (validated now, so a typo fails here).

    On the main thread it is also the process default, used by every thread that has not set its own.

    Args:
        name: a registered backend name.

    Raises:
        ValueError: ``name`` is not registered (the message lists the registered names).
        BackendUnavailableError: the backend's library is missing or it has no usable device.
    """
    global _process_default
    get(name)
    _thread_default.name = name
    if threading.current_thread() is threading.main_thread():
        _process_default = name


def default_name() -> str:
    """Name this thread's default backend.

    Returns:
        Its registered name: the thread's own setting, else the process default.
    """
    return getattr(_thread_default, "name", _process_default)


def set_thread_default(name: str | None) -> None:
    """Set (or, with None, forget) this thread's own default without touching the process default.

    ``use_backend`` restores the previous state with it.

    Args:
        name: a registered backend name, or None to follow the process default again.

    Raises:
        ValueError: ``name`` is not registered (the message lists the registered names).
        BackendUnavailableError: the backend's library is missing or it has no usable device.
    """
    if name is None:
        if hasattr(_thread_default, "name"):
            del _thread_default.name
    else:
        get(name)
        _thread_default.name = name


def thread_default_setting() -> str | None:
    """Read this thread's own default backend setting.

    Returns:
        Its name, or None when the thread follows the process default.
    """
    return getattr(_thread_default, "name", None)


# ---------------------------------------------------------------------- CUDA devices
#
# "cuda" in a device string means the backend that places arrays on CUDA GPUs: the tensor's own
# backend when it can (jax on a GPU, cupy), else cupy when it is usable, else jax on a GPU.

# modules one of which is installed when jax can see CUDA GPUs (the CUDA plugins, or an older
# jaxlib built with CUDA); without any of them jax is not imported just to find no GPU
_JAX_CUDA_MODULES = (
    "jax_cuda13_plugin", "jax_cuda12_plugin", "jax_cuda13_pjrt", "jax_cuda12_pjrt", "jax_plugins.xla_cuda13",
    "jax_plugins.xla_cuda12", "jaxlib.cuda",
)
_cuda_index = threading.local()


def _jax_cuda_reason() -> str | None:
    """None when jax sees a CUDA GPU, else why not."""
    if "jax" not in _INSTANCES:
        if importlib.util.find_spec("jax") is None:
            return f"jax is not installed ({install_hint('jax')})"
        if not any(_module_exists(m) for m in _JAX_CUDA_MODULES):
            return "jax has no CUDA support installed (pip install 'jax[cuda13]' or 'jax[cuda12]')"
    try:
        jax_backend = get("jax")
    except BackendUnavailableError as exc:
        return str(exc)
    return None if jax_backend.cuda_device_count() > 0 else "jax sees no CUDA GPU"


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a missing parent package
        return False


def _cupy_reason() -> str | None:
    try:
        return None if get("cupy").cuda_device_count() > 0 else "backend 'cupy': no CUDA device"
    except BackendUnavailableError as exc:
        return str(exc)


def cuda_backend(preferred: Backend | None = None) -> Backend:
    """The backend that puts tensors on CUDA devices (what ``device="cuda"`` means).

    ``preferred`` (a tensor's own backend, or the backend asked for) when it has a CUDA device,
    else cupy when it is usable, else jax when it sees a CUDA GPU.

    Args:
        preferred: the backend to use when it has a CUDA device (default None).

    Returns:
        The chosen backend object.

    Raises:
        BackendUnavailableError: no backend can reach a CUDA device (the message says why for
            each candidate).
    """
    if preferred is not None and preferred.cuda_device_count() > 0:
        return preferred
    reasons = {"cupy": _cupy_reason()}
    if reasons["cupy"] is None:
        return get("cupy")
    reasons["jax"] = _jax_cuda_reason()
    if reasons["jax"] is None:
        return get("jax")
    raise BackendUnavailableError(
        "device 'cuda' needs a backend with a CUDA device, and there is none here ("
        + "; ".join(f"{name}: {why}" for name, why in reasons.items())
        + "); arraygrad.cuda.is_available() tells whether CUDA can be used"
    )


def cuda_available() -> bool:
    """Say whether some backend can place tensors on a CUDA device.

    Returns:
        True when cupy is usable or jax sees a CUDA GPU.
    """
    try:
        cuda_backend()
    except BackendUnavailableError:
        return False
    return True


def current_cuda_index() -> int:
    """Read which CUDA device ``"cuda"`` without an index means in this thread (``arraygrad.cuda.set_device``).

    Returns:
        The device index (default 0).
    """
    return getattr(_cuda_index, "value", 0)


def set_current_cuda_index(index: int) -> None:
    """Make CUDA device ``index`` the one ``"cuda"`` means in this thread.

    Args:
        index: the CUDA device index.
    """
    _cuda_index.value = index


# PyTorch's torch.backends.* flag namespaces: ag.backends.cudnn.benchmark = True ...
from arraygrad.backends.flags import cuda, cudnn, mkldnn, mps, openmp  # noqa: E402
