"""What the rest of arraygrad needs to know while ``ag.compile`` traces a function.

While a compiled function is being traced (``arraygrad.core.compiled``), tensors hold the
backend's placeholders (jax tracers) instead of values. Two kinds of code must then behave
differently, and ask this module:

* value checks that read a tensor on the host (index bounds, integer division by zero) cannot
  read a placeholder; they hand the values to ``check_later``, which the compiled program
  returns, and the check runs on the host after each call (the call then changes no state);
* host-side bookkeeping that must run on every call, not once at trace time (a learning-rate
  scheduler's ``step``), asks ``defer`` to replay it after each call.

Outside a trace both are plain function calls, so eager code pays one attribute read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class TraceContext:
    """What one trace collects: deferred checks, deferred host calls, and whether backward ran."""

    def __init__(self, backend: Any, placeholder: Any = None) -> None:
        self.backend = backend
        #: one of this trace's placeholders (tells its values from those of earlier traces)
        self.placeholder = placeholder
        #: (failed: 0-d bool array, values: tuple of arrays, raise_error(*host_values))
        self.checks: list[tuple[Any, tuple[Any, ...], Callable[..., None]]] = []
        #: (bound method, args) to call on the host after each run of the program
        self.host_calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        #: whether ``backward``/``autograd.grad`` ran inside the traced function
        self.backward_ran = False


class _Trace(threading.local):
    """The trace running on this thread (compiling is per thread, like grad mode)."""

    def __init__(self) -> None:
        self.ctx: TraceContext | None = None


TRACE = _Trace()


def current() -> TraceContext | None:
    """The trace running on this thread, or None (eager execution)."""
    return TRACE.ctx


def check_later(failed: Any, values: tuple[Any, ...], raise_error: Callable[..., None]) -> None:
    """Record a value check inside a trace: ``failed`` (a 0-d boolean array) says whether it fails,
    and after the program has run, ``raise_error`` is called with the host values of ``values``
    (Python scalars) to raise the error eager execution would have raised."""
    ctx = TRACE.ctx
    assert ctx is not None, "check_later outside a trace"
    ctx.checks.append((failed, values, raise_error))


def defer(method: Callable[..., Any], *args: Any) -> bool:
    """Inside a trace, record ``method(*args)`` to run on the host after each call of the compiled
    program and return True; outside a trace return False (the caller runs it now)."""
    ctx = TRACE.ctx
    if ctx is None:
        return False
    ctx.host_calls.append((method, args))
    return True


class Offset:
    """A counter inside a trace: a traced integer ``base`` plus a Python int ``offset``.

    Random generators' counters and optimizers' step counts are integers a step only adds constants
    to. Held as an ``Offset`` while a function is traced, ``counter + 1`` stays an ``Offset`` with a
    known increment, so after each call the host adds that increment itself and the program need not
    send the number back (no read from the device per call). Any other use (``beta ** step``,
    ``step * 2``, a comparison) computes ``base + offset`` as a traced value.
    """

    __slots__ = ("base", "offset")

    def __init__(self, base: Any, offset: int = 0) -> None:
        self.base = base
        self.offset = offset

    def value(self) -> Any:
        """``base + offset``, traced."""
        return self.base if self.offset == 0 else self.base + self.offset

    def __add__(self, other: Any) -> Any:
        if type(other) is int:
            return Offset(self.base, self.offset + other)
        return self.value() + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if type(other) is int:
            return Offset(self.base, self.offset - other)
        return self.value() - other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Offset({self.base!r} + {self.offset})"


def _materializing(name: str) -> Callable[..., Any]:
    def method(self: Offset, *args: Any) -> Any:
        return getattr(self.value(), name)(*args)

    method.__name__ = name
    return method


for _name in ("__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__",
              "__mod__", "__rmod__", "__pow__", "__rpow__", "__neg__", "__pos__", "__abs__", "__and__", "__rand__",
              "__or__", "__ror__", "__xor__", "__rxor__", "__lshift__", "__rshift__", "__lt__", "__le__", "__gt__",
              "__ge__", "__eq__", "__ne__", "__bool__", "__int__", "__float__", "__index__"):
    setattr(Offset, _name, _materializing(_name))
del _name


def materialize(value: Any) -> Any:
    """``value`` itself, or an ``Offset``'s traced ``base + offset``."""
    return value.value() if type(value) is Offset else value
