"""``autocast``: mixed precision regions, with PyTorch's per-device op lists.

Inside ``with ag.autocast("cpu"):`` (or ``"cuda"``) an op on the list of its tensors' device runs
in a chosen dtype: matrix products and convolutions in the lower precision (bfloat16 on cpu,
float16 on cuda by default), their floating inputs cast down; losses, and on cuda also softmax,
norms, ``exp``/``log``, sums and the like, in float32. Every other op runs in its inputs' dtype,
so the output of a lower-precision op stays in lower precision until an op widens it. float64
tensors are never cast, as in PyTorch.

The lists are PyTorch's, restricted to the ops arraygrad has (``arraygrad/core/autocast.py``
holds them and the per-thread state). Code outside an autocast region pays one attribute read in
the ops on the lists.

Backends that cannot give the dtype: entering a region whose dtype the default backend lacks
(float16/bfloat16 on the strict backend) warns and leaves autocast off, as PyTorch does for an
unsupported dtype; a tensor of another backend lacking the dtype is left as it is. ``"cuda"``
without a CUDA backend warns and disables the region, as PyTorch does without CUDA.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from arraygrad import backends
from arraygrad.core import dtypes
from arraygrad.core.autocast import AUTOCAST, DEFAULT_DTYPES

F = TypeVar("F", bound=Callable[..., Any])


def is_autocast_available(device_type: str) -> bool:
    """Say whether autocast supports device type ``device_type``.

    Args:
        device_type: a device type such as ``"cpu"`` or ``"cuda"``.

    Returns:
        True for ``"cpu"`` and ``"cuda"``, False otherwise.
    """
    return device_type in DEFAULT_DTYPES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Say whether autocast is on for ``device_type`` in this thread.

    Args:
        device_type: ``"cpu"`` or ``"cuda"`` (default None: ``"cuda"``, as in PyTorch).

    Returns:
        True inside an enabled ``autocast`` region of that device type.
    """
    return ("cuda" if device_type is None else device_type) in AUTOCAST.dtypes


def get_autocast_dtype(device_type: str) -> dtypes.dtype:
    """Read the dtype autocast uses (or would use) for ``device_type`` in this thread.

    Args:
        device_type: ``"cpu"`` or ``"cuda"``.

    Returns:
        The dtype the current ``autocast`` region of that device type asked for (enabled or not),
        else the default (bfloat16 on ``"cpu"``, float16 on ``"cuda"``).

    Raises:
        ValueError: ``device_type`` is not a string.
        RuntimeError: autocast does not support ``device_type``.
    """
    _check_device_type(device_type)
    return AUTOCAST.requested.get(device_type, DEFAULT_DTYPES[device_type])


def clear_autocast_cache() -> None:
    """Forget the casts autocast cached in this thread."""
    AUTOCAST.cache.clear()


def _check_device_type(device_type: Any) -> None:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in DEFAULT_DTYPES:
        raise RuntimeError(
            f"autocast: unsupported device_type {device_type!r}; arraygrad supports 'cpu' and 'cuda'"
        )


class autocast:  # noqa: N801 - PyTorch's name
    """Context manager and decorator running the ops of its region in mixed precision.

    ::

        with ag.autocast("cpu"):                 # bfloat16 matmuls and convolutions
            loss = loss_fn(model(x), y)          # the loss in float32
        scaler.scale(loss).backward()            # outside the region: no autocast in backward

    Args:
        device_type: ``"cpu"`` (tensors on cpu devices: numpy, jax on cpu, strict) or
            ``"cuda"`` (tensors on CUDA devices: cupy, jax on a GPU).
        dtype: the lower precision dtype; ``float16`` or ``bfloat16``. Default: bfloat16 for
            ``"cpu"``, float16 for ``"cuda"``.
        enabled: False makes the region one without autocast (also inside an enabled one).
        cache_enabled: whether casts of parameters are cached inside the region (default True).

    Raises:
        ValueError: ``device_type`` is not a string.
        RuntimeError: an unsupported device type.

    Warns:
        UserWarning: and leaves autocast off when ``"cuda"`` is asked for without a CUDA
            backend, when ``dtype`` is not float16/bfloat16, or when the default backend has
            no such dtype (the strict backend).
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        _check_device_type(device_type)
        self.device = device_type
        self.fast_dtype = DEFAULT_DTYPES[device_type] if dtype is None else dtypes.as_dtype(dtype)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        self._enabled = bool(enabled)
        if not self._enabled:
            return
        if self.fast_dtype not in dtypes.LOW_PRECISION:
            warnings.warn(
                f"In {device_type.upper()} autocast, but the target dtype is not supported. Disabling autocast.\n"
                f"{device_type.upper()} Autocast only supports dtypes of arraygrad.bfloat16, arraygrad.float16 "
                "currently.",
                stacklevel=2,
            )
            self._enabled = False
        elif device_type == "cuda" and not backends.cuda_available():
            warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=2)
            self._enabled = False
        elif device_type == "cpu" and self.fast_dtype.name not in backends.default().dtypes:
            warnings.warn(
                f"autocast: the default backend {backends.default_name()!r} has no {self.fast_dtype.name} dtype. "
                "Disabling autocast.",
                stacklevel=2,
            )
            self._enabled = False

    def __enter__(self) -> autocast:
        state = AUTOCAST
        self._prev = (state.dtypes.get(self.device), state.requested.get(self.device), state.cache_enabled)
        if self._enabled:
            state.dtypes[self.device] = self.fast_dtype
        else:
            state.dtypes.pop(self.device, None)
        state.requested[self.device] = self.fast_dtype
        state.cache_enabled = self._cache_enabled
        state.active = bool(state.dtypes)
        state.depth += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        state = AUTOCAST
        enabled, requested, state.cache_enabled = self._prev
        if enabled is None:
            state.dtypes.pop(self.device, None)
        else:
            state.dtypes[self.device] = enabled
        if requested is None:
            state.requested.pop(self.device, None)
        else:
            state.requested[self.device] = requested
        state.active = bool(state.dtypes)
        state.depth -= 1
        if state.depth == 0:
            state.cache.clear()

    def __call__(self, fn: F) -> F:
        """Use as a decorator: ``fn`` runs inside this autocast region."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _fresh(self) -> autocast:
        """A copy with the same settings, so that a decorated function may be re-entered."""
        other = object.__new__(type(self))
        other.__dict__.update({k: v for k, v in self.__dict__.items() if k != "_prev"})
        return other


def _cast(value: Any, device_type: str, dtype: dtypes.dtype) -> Any:
    """``value`` with its floating tensors on ``device_type`` (nested in lists, tuples and dicts)
    cast to ``dtype``; float64 tensors and everything else unchanged (PyTorch's rule)."""
    from arraygrad.core.autocast import _device_type
    from arraygrad.core.tensor import Tensor

    if isinstance(value, Tensor):
        dt = value.dtype
        if dt.is_floating_point and dt is not dtypes.float64 and _device_type(value) == device_type:
            return value.to(dtype)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast(v, device_type, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd: Callable[..., Any] | None = None, *, device_type: str, cast_inputs: Any = None) -> Any:
    """Decorator for the ``forward`` of a custom ``autograd.Function`` under autocast
    (``torch.amp.custom_fwd``).

    Without ``cast_inputs``, ``forward`` runs in the caller's autocast state, which is recorded
    on ``ctx`` so that :func:`custom_bwd` runs ``backward`` in the same one. With
    ``cast_inputs`` (a floating dtype), inside an enabled region of ``device_type`` the floating
    tensor arguments are cast to it and ``forward`` runs with autocast off.

    Args:
        fwd: the ``forward`` static method to wrap; omitted when used as ``@custom_fwd(device_type=...)``
            (default None).
        device_type: ``"cpu"`` or ``"cuda"``.
        cast_inputs: a floating dtype to cast the floating tensor arguments to (default None: no cast).

    Returns:
        The wrapped ``forward``, or a decorator that wraps one when ``fwd`` is None.

    Raises:
        ValueError: ``device_type`` is not a string.
        RuntimeError: autocast does not support ``device_type``.
    """
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = False
        if autocast_context:
            target = dtypes.as_dtype(cast_inputs)
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, target), **_cast(kwargs, device_type, target))
        return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Any:
    """Decorator for the ``backward`` of a custom ``autograd.Function``: it runs in the autocast
    state its :func:`custom_fwd` forward ran in (``torch.amp.custom_bwd``).

    Args:
        bwd: the ``backward`` static method to wrap; omitted when used as ``@custom_bwd(device_type=...)``
            (default None).
        device_type: ``"cpu"`` or ``"cuda"``.

    Returns:
        The wrapped ``backward``, or a decorator that wraps one when ``bwd`` is None.

    Raises:
        ValueError: ``device_type`` is not a string.
        RuntimeError: autocast does not support ``device_type``.
    """
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        with warnings.catch_warnings():  # the forward already warned if the dtype is unusable here
            warnings.simplefilter("ignore", UserWarning)
            region = autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype)
        with region:
            return bwd(*args, **kwargs)

    return decorate_bwd
