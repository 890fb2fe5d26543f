"""Anomaly detection for the autograd engine, as ``torch.autograd.detect_anomaly``.

While anomaly mode is on (per thread, as in PyTorch):

* every graph node records the stack of the forward call that created it (the user's frames:
  the frames inside arraygrad itself are left out), at a cost paid only in this mode;
* when a node's backward raises, a warning shows that forward stack ("Error detected in
  SqrtBackward0. Traceback of forward call that caused the error: ...");
* with ``check_nan``, a node whose backward returns a gradient holding NaN raises
  ``RuntimeError("Function 'SqrtBackward0' returned nan values in its 0th output.")``.

With anomaly mode off, node creation pays one flag check and backward one per node.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arraygrad.core.autograd import Node

__all__ = [
    "detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "set_anomaly_enabled",
    "set_detect_anomaly",
]

#: frames from files under this folder are arraygrad's own machinery, not the user's forward call
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _AnomalyMode(threading.local):
    """The per-thread switches; every thread starts with anomaly mode off."""

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True
        #: the node whose backward is running (anomaly mode only): nodes its backward creates point at it
        self.current_node: Node | None = None


ANOMALY_MODE = _AnomalyMode()


def is_anomaly_enabled() -> bool:
    """Say whether anomaly detection is on in this thread (``torch.is_anomaly_enabled``).

    Returns:
        True inside ``detect_anomaly()`` or ``set_detect_anomaly(True)``, or after
        ``set_anomaly_enabled(True)``.
    """
    return ANOMALY_MODE.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Say whether anomaly detection checks backward results for NaN in this thread
    (``torch.is_anomaly_check_nan_enabled``).

    Returns:
        The ``check_nan`` setting last given to ``detect_anomaly``, ``set_detect_anomaly`` or
        ``set_anomaly_enabled`` in this thread (True by default, as in PyTorch); it matters only
        while anomaly detection is on.
    """
    return ANOMALY_MODE.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off in this thread (``torch.set_anomaly_enabled``).

    Args:
        enabled: whether nodes record their forward stack and backward errors show it.
        check_nan: whether a backward result holding NaN raises an error (while enabled).
    """
    ANOMALY_MODE.enabled = bool(enabled)
    ANOMALY_MODE.check_nan = bool(check_nan)


class _AnomalyContext:
    """Base of ``detect_anomaly`` / ``set_detect_anomaly``: restores the previous state on exit,
    and wraps a function when used as a decorator."""

    _mode: bool
    _check_nan: bool
    _prev: bool
    _prev_check_nan: bool

    def __exit__(self, *exc: object) -> None:
        set_anomaly_enabled(self._prev, self._prev_check_nan)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode, check_nan = self._mode, self._check_nan

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev, prev_check_nan = ANOMALY_MODE.enabled, ANOMALY_MODE.check_nan
            set_anomaly_enabled(mode, check_nan)
            try:
                return fn(*args, **kwargs)
            finally:
                set_anomaly_enabled(prev, prev_check_nan)

        return wrapper


class detect_anomaly(_AnomalyContext):  # noqa: N801 - PyTorch name
    """Enable anomaly detection inside a ``with`` block (or a decorated function).

    Nodes created inside remember the stack of their forward call; a backward error shows it,
    and with ``check_nan`` a backward that returns NaN raises ``RuntimeError`` naming the node.
    Warns (as PyTorch does) that this mode slows the program down.

    Args:
        check_nan: raise when a node's backward returns a gradient holding NaN.

    Example::

        with ag.autograd.detect_anomaly():
            y = x.sqrt() * 0
            y.sum().backward()  # RuntimeError: Function 'SqrtBackward0' returned nan values ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._mode = True
        self._check_nan = bool(check_nan)
        self._prev = ANOMALY_MODE.enabled
        self._prev_check_nan = ANOMALY_MODE.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        # read again: the object may be made long before the block is entered
        self._prev, self._prev_check_nan = ANOMALY_MODE.enabled, ANOMALY_MODE.check_nan
        set_anomaly_enabled(True, self._check_nan)


class set_detect_anomaly(_AnomalyContext):  # noqa: N801 - PyTorch name
    """Set anomaly detection on or off: takes effect immediately, and as a context manager
    restores the previous setting on exit.

    Args:
        mode: whether anomaly detection is on.
        check_nan: raise when a node's backward returns a gradient holding NaN.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._mode, self._check_nan = bool(mode), bool(check_nan)
        self._prev = ANOMALY_MODE.enabled
        self._prev_check_nan = ANOMALY_MODE.check_nan
        set_anomaly_enabled(self._mode, self._check_nan)

    def __enter__(self) -> None:
        pass


# ---------------------------------------------------------------------- recording and checking


def _is_internal(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR)


def record_forward_stack(node: Node) -> None:
    """Remember on ``node`` the user's stack of the forward call creating it (anomaly mode only).

    The innermost frames inside arraygrad (the op's implementation, nn layers, functional
    wrappers) are dropped, so the last frame shown is the user's line that made the op.
    A node made while another node's backward runs (``create_graph=True``) also remembers
    that node, whose forward stack is shown after its own.
    """
    stack = traceback.extract_stack(sys._getframe(1))
    end = len(stack)
    while end > 0 and _is_internal(stack[end - 1].filename):
        end -= 1
    # a graph built entirely inside arraygrad (its own tests, examples run from the package)
    # keeps its whole stack rather than none
    node._anomaly_trace = (stack[:end] if end else stack, ANOMALY_MODE.current_node)


def anomaly_report(node: Node) -> str:
    """What anomaly mode says when the backward of ``node`` fails: the recorded forward stack of
    ``node`` and of the nodes whose backward created it (PyTorch's wording)."""
    recorded = getattr(node, "_anomaly_trace", None)
    if recorded is None:
        return (
            f"Error detected in {node.name()}. No forward pass information available. Enable detect anomaly "
            "during forward pass for more information."
        )
    stack, parent = recorded
    text = f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
    text += "".join(traceback.format_list(stack)).rstrip("\n")
    while parent is not None:
        parent_recorded = getattr(parent, "_anomaly_trace", None)
        if parent_recorded is None:
            break
        text += (
            "\n\nPrevious calculation was induced by "
            f"{parent.name()}. Traceback of forward call that induced the previous calculation:\n"
            + "".join(traceback.format_list(parent_recorded[0])).rstrip("\n")
        )
        parent = parent_recorded[1]
    return text


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first frame outside arraygrad."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _check_nan(node: Node, grads: Any) -> None:
    for k, g in enumerate(grads):
        storage = getattr(g, "_storage", None)
        if storage is None:
            continue
        arr = storage.array
        xp = g._backend.xp
        if not (xp.isdtype(arr.dtype, "real floating") or xp.isdtype(arr.dtype, "complex floating")):
            continue
        if bool(xp.any(xp.isnan(arr))):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th output.")


def run_node_backward(node: Node, grad: Any) -> tuple[Any, ...]:
    """``node.backward(grad)`` as the engine runs it in anomaly mode: the node is the current one
    (nodes created by its backward point back at it), a NaN result raises when ``check_nan`` is
    on, and any error is preceded by a warning holding the node's forward stack."""
    mode = ANOMALY_MODE
    previous = mode.current_node
    mode.current_node = node
    try:
        grads = node.backward(grad)
        if mode.check_nan:
            _check_nan(node, grads)
    except Exception:
        warnings.warn(
            anomaly_report(node),
            UserWarning,
            stacklevel=_user_stacklevel(),
        )
        raise
    finally:
        mode.current_node = previous
    return grads
