"""PyTorch's ``torch.backends.*`` flags and the global switches next to them
(``set_float32_matmul_precision``, ``use_deterministic_algorithms``, ``set_num_threads``).

They appear as attributes of ``arraygrad.backends`` (``ag.backends.cudnn.benchmark = True``), so
scripts that set them run unchanged. Questions that have an answer get the real one
(``ag.backends.cuda.is_built()``, ``cudnn.is_available()``, ``mps.is_available()``). Settings that
tune libraries arraygrad does not call (cuDNN autotuning, TF32 matmuls, reduced-precision
reductions, deterministic-algorithm checks) are accepted and stored so that they read back as set,
and change nothing: arraygrad computes float32 matmuls at each backend's own precision and has no
nondeterministic-kernel check. ``set_num_threads`` does change the BLAS thread pool when the
``threadpoolctl`` package is installed, and warns that it cannot otherwise.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import warnings
from collections.abc import Iterator
from typing import Any

_PRECISIONS = ("highest", "high", "medium")
_state: dict[str, Any] = {
    "matmul_precision": "highest",
    "deterministic": False,
    "deterministic_warn_only": False,
    "num_threads": None,  # None: what the BLAS library started with
}


class _Flags:
    """A namespace of settable flags with fixed names: an unknown name is an AttributeError, as in
    PyTorch (so a misspelt flag is not silently stored)."""

    _names: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._names and not hasattr(type(self), name):
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)


class _CudaMatmul(_Flags):
    """``ag.backends.cuda.matmul``: stored flags (arraygrad's matmuls ignore them)."""

    _names = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self) -> None:
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self) -> bool:
        """TF32 matmuls allowed: the same setting as ``set_float32_matmul_precision`` ("highest" is False)."""
        return _state["matmul_precision"] != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _state["matmul_precision"] = "high" if value else "highest"


class _Cuda:
    """``ag.backends.cuda``."""

    def __init__(self) -> None:
        self.matmul = _CudaMatmul()

    def is_built(self) -> bool:
        """Whether a library that reaches CUDA is installed (cupy, or jax with its CUDA plugin);
        whether a device is there is ``arraygrad.cuda.is_available()``."""
        from arraygrad import backends

        if importlib.util.find_spec("cupy") is not None:
            return True
        return importlib.util.find_spec("jax") is not None and any(
            backends._module_exists(m) for m in backends._JAX_CUDA_MODULES
        )


class _Cudnn:
    """``ag.backends.cudnn``: arraygrad does not call cuDNN itself, so ``is_available()`` is False and
    ``version()`` None; ``enabled``, ``benchmark``, ``deterministic`` and ``allow_tf32`` are stored
    (like PyTorch's module, it stores any other attribute set on it too)."""

    def __init__(self) -> None:
        self.enabled = True
        self.benchmark = False
        self.deterministic = False
        self.allow_tf32 = True
        self.benchmark_limit = 10

    def is_available(self) -> bool:
        """False: no arraygrad kernel calls cuDNN."""
        return False

    def version(self) -> int | None:
        """None: arraygrad is not linked against cuDNN."""
        return None

    @contextlib.contextmanager
    def flags(self, enabled: bool = False, benchmark: bool = False, deterministic: bool = False,
              allow_tf32: bool = True) -> Iterator[None]:
        """Within the block the four flags have the given values; restored afterwards."""
        saved = (self.enabled, self.benchmark, self.deterministic, self.allow_tf32)
        self.enabled, self.benchmark, self.deterministic, self.allow_tf32 = enabled, benchmark, deterministic, allow_tf32
        try:
            yield
        finally:
            self.enabled, self.benchmark, self.deterministic, self.allow_tf32 = saved


class _Mps:
    """``ag.backends.mps``: no arraygrad backend runs on Apple's Metal."""

    def is_available(self) -> bool:
        """False: no backend places tensors on MPS."""
        return False

    def is_built(self) -> bool:
        """False: arraygrad has no MPS backend."""
        return False


class _Mkldnn:
    """``ag.backends.mkldnn``: arraygrad does not call oneDNN; ``enabled`` is stored."""

    def __init__(self) -> None:
        self.enabled = True

    def is_available(self) -> bool:
        """False: no arraygrad kernel calls oneDNN (MKL-DNN)."""
        return False


class _Openmp:
    """``ag.backends.openmp``."""

    def is_available(self) -> bool:
        """False: arraygrad runs no OpenMP code of its own (a backend's BLAS may use threads)."""
        return False


cuda = _Cuda()
cudnn = _Cudnn()
mps = _Mps()
mkldnn = _Mkldnn()
openmp = _Openmp()


def set_float32_matmul_precision(precision: str) -> None:
    """Store PyTorch's float32 matmul precision ("highest", "high" or "medium"); arraygrad's matmuls
    keep each backend's own float32 precision. An unknown value warns and changes nothing, as in PyTorch.

    Args:
        precision: ``"highest"``, ``"high"`` or ``"medium"``.
    """
    if precision not in _PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "set_float32_matmul_precision call has no effect.",
            stacklevel=2,
        )
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """Read the float32 matmul precision setting.

    Returns:
        The value last given to :func:`set_float32_matmul_precision` (default ``"highest"``).
    """
    return str(_state["matmul_precision"])


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Store PyTorch's deterministic-algorithms switch. arraygrad has no nondeterministic-kernel
    check, so it changes nothing (numpy, strict and jax on a CPU are deterministic).

    Args:
        mode: turn the switch on (True) or off (False).
        warn_only: with ``mode`` True, PyTorch would warn instead of raising for a nondeterministic
            op; stored only (default False).

    Raises:
        TypeError: ``mode`` or ``warn_only`` is not a bool.
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(
            f"use_deterministic_algorithms(): argument 'warn_only' must be bool, not {type(warn_only).__name__}"
        )
    _state["deterministic"], _state["deterministic_warn_only"] = mode, warn_only and mode


def are_deterministic_algorithms_enabled() -> bool:
    """Read the deterministic-algorithms switch.

    Returns:
        The ``mode`` that :func:`use_deterministic_algorithms` last set (default False).
    """
    return bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Read the warn-only part of the deterministic-algorithms switch.

    Returns:
        True when :func:`use_deterministic_algorithms` was last called with ``mode=True`` and
        ``warn_only=True``.
    """
    return bool(_state["deterministic_warn_only"])


def _threadpoolctl() -> Any:
    if importlib.util.find_spec("threadpoolctl") is None:
        return None
    import threadpoolctl

    return threadpoolctl


def set_num_threads(n: int) -> None:
    """Limit the BLAS thread pools of the CPU backends (numpy's OpenBLAS/MKL) to ``n`` threads.

    This needs the ``threadpoolctl`` package (``pip install threadpoolctl``); without it the pool
    cannot be resized at run time, and a warning says to set ``OMP_NUM_THREADS`` before starting.

    Args:
        n: the number of BLAS threads, a positive int.

    Raises:
        RuntimeError: ``n`` is not a positive integer.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    ctl = _threadpoolctl()
    if ctl is None:
        warnings.warn(
            "arraygrad.set_num_threads: the BLAS thread pool cannot be resized at run time without threadpoolctl "
            "(pip install threadpoolctl); set OMP_NUM_THREADS before starting Python instead",
            stacklevel=2,
        )
        return
    ctl.threadpool_limits(limits=n, user_api="blas")
    _state["num_threads"] = n


def kernel_threads() -> int:
    """The number of threads the numpy backend's elementwise kernels (the optimizer updates) split
    their work over: the last :func:`set_num_threads`, else :func:`get_num_threads` read once (a
    call to ``threadpoolctl.threadpool_info`` costs about a millisecond, too much for every step)."""
    n = _state["num_threads"]
    if n is None:
        n = _state.get("started_threads")
        if n is None:
            n = _state["started_threads"] = get_num_threads()
    return int(n)


def get_num_threads() -> int:
    """Read the number of threads the CPU backends' BLAS uses.

    Returns:
        What threadpoolctl reports (the largest BLAS pool) when it is installed, else the value of
        ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` at start, else the
        number of CPUs.
    """
    ctl = _threadpoolctl()
    if ctl is not None:
        pools = [info["num_threads"] for info in ctl.threadpool_info() if info.get("user_api") == "blas"]
        if pools:
            return int(max(pools))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1
