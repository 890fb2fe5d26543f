"""PyTorch's TypeError for an argument of the wrong type, at no cost to calls that succeed.

PyTorch's argument parser refuses a list, None or number where a Tensor is expected (and a float
where an int is) with ``TypeError: abs(): argument 'input' (position 1) must be Tensor, not list``.
Checking every argument up front would tax every call. Instead the public functions of
``arraygrad`` and ``arraygrad.nn.functional`` are wrapped so that the check runs only once a call
has already failed: whatever the wrong type caused inside (an ``AttributeError`` on ``._backend``,
a backend error) is replaced by PyTorch's TypeError. The ``try`` costs nothing on success; the
wrapper itself is one extra Python call.

Which parameters are checked comes from the function's annotations (``Tensor``, ``Tensor | None``,
``int``, ``int | None``), so a function documents and enforces its argument types in one place.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.core.tensor import Tensor

#: annotation -> (the type PyTorch's parser asks for, the Python types it takes, None allowed)
_PARSED_TYPES: dict[str, tuple[str, tuple[type, ...], bool]] = {
    "Tensor": ("Tensor", (Tensor,), False),
    "Tensor | None": ("Tensor", (Tensor,), True),
    "int": ("int", (int,), False),
    "int | None": ("int", (int,), True),
}

#: arraygrad's short parameter names of the core ops, as PyTorch's parser names them
_PYTORCH_NAMES = {"a": "input", "b": "other", "x": "input"}

_Params = tuple[tuple[str, str, tuple[type, ...], bool], ...]


def _typed_parameters(fn: Callable[..., Any]) -> tuple[inspect.Signature, _Params]:
    """``fn``'s signature and its Tensor and int parameters as ``(name, type name, types, optional)``."""
    sig = inspect.signature(fn)
    # ``*tensors: Tensor`` collects a tuple: its elements are checked by the function itself
    params = tuple(
        (name, *_PARSED_TYPES[p.annotation])
        for name, p in sig.parameters.items()
        if isinstance(p.annotation, str) and p.annotation in _PARSED_TYPES
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )
    return sig, params


def mistyped_argument(sig: inspect.Signature, params: _Params, args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> str | None:
    """PyTorch's description of the first argument whose type ``params`` refuses, or None."""
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return None
    names = list(sig.parameters)
    for name, wanted, types, optional in params:
        if name not in bound.arguments:
            continue
        value = bound.arguments[name]
        if optional and value is None:
            continue
        if wanted == "int":
            # any integer-like value (numpy ints too) passes, as in PyTorch's parser; bool does not
            if hasattr(type(value), "__index__") and not isinstance(value, bool):
                continue
        elif isinstance(value, types):
            continue
        shown = _PYTORCH_NAMES.get(name, name)
        return f"argument '{shown}' (position {names.index(name) + 1}) must be {wanted}, not {type(value).__name__}"
    return None


def failure_check(fn: Callable[..., Any], name: str | None = None
                  ) -> Callable[[tuple[Any, ...], dict[str, Any]], TypeError | None] | None:
    """For a failed call ``fn(*args, **kwargs)``: a function giving PyTorch's TypeError when an
    argument has the wrong type (None when every type is right); None when ``fn`` has no Tensor
    parameter (it is not a tensor op) or no signature to read."""
    try:
        sig, params = _typed_parameters(fn)
    except (TypeError, ValueError):  # no signature to read (a builtin)
        return None
    if not any(wanted == "Tensor" for _, wanted, _, _ in params):  # not a tensor op (save, seed...)
        return None
    op = name or fn.__name__

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> TypeError | None:
        problem = mistyped_argument(sig, params, args, kwargs)
        return None if problem is None else TypeError(f"{op}(): {problem}")

    return check


def with_argument_types(fn: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
    """``fn``, raising PyTorch's TypeError when a call fails and an argument has the wrong type;
    ``fn`` itself when it has no Tensor parameter to check."""
    check = failure_check(fn, name)
    if check is None:
        return fn

    @functools.wraps(fn)
    def _typed_call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            error = check(args, kwargs)
            if error is None:
                raise
            raise error from None

    _typed_call._checks_argument_types = True  # type: ignore[attr-defined]
    return _typed_call


def install(namespace: dict[str, Any], names: Iterable[str], skip: Iterable[str] = ()) -> None:
    """Wrap each plain function among ``names`` in ``namespace`` (a module's globals) with
    :func:`with_argument_types`, except those in ``skip`` (whose own wrapper checks them)."""
    skipped = set(skip)
    for name in names:
        if name in skipped:
            continue
        fn = namespace.get(name)
        if inspect.isfunction(fn) and not getattr(fn, "_checks_argument_types", False):
            namespace[name] = with_argument_types(fn, name)
