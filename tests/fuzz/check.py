"""Run one bad-argument row on one backend and classify what arraygrad did.

Outcomes: ``clean`` (raised a PyTorch-compatible exception from arraygrad's own code),
``leaked`` (the exception came out of numpy, jax, array_api_strict ... : its last traceback
frame is in one of those libraries, or its class is defined there), ``wrong-kind`` (raised, but
an exception class PyTorch would not raise here), ``silent`` (returned where PyTorch raises).
"""

from __future__ import annotations

import builtins
import linecache
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fuzz.cases import resolve, to_arraygrad

#: libraries an error must never surface from (path components of the last frame, module prefixes)
FOREIGN = ("numpy", "jax", "jaxlib", "array_api_strict", "ml_dtypes", "scipy")

#: exceptions that PyTorch raises by accident of its Python code (a list reaching ``input.dim()``,
#: an internal assert): any of the ordinary argument errors matches them
ACCIDENTAL = ("AttributeError", "AssertionError")
ORDINARY = (TypeError, ValueError, IndexError, RuntimeError, NotImplementedError, AttributeError)

ARRAYGRAD_ROOT = Path(__import__("arraygrad").__file__).resolve().parent


@dataclass
class Outcome:
    """What arraygrad did with one row on one backend."""

    kind: str  # clean, leaked, wrong-kind, silent
    error: str  # "ValueError: message" or "none"
    source: str  # the arraygrad file that raised (or defines the op), relative to the package root
    #: False when the exception did not come from a ``raise`` statement in arraygrad but from a
    #: call without Python frames (a numpy/jax C function, a builtin such as ``int()`` or a
    #: tuple index): its message was not written for the user (reported, not failed)
    raised_by_arraygrad: bool = True


def _foreign(filename: str) -> bool:
    """Whether ``filename`` belongs to one of the FOREIGN packages (a directory of that name)."""
    parts = Path(filename).parts[:-1]
    return any(lib in parts for lib in FOREIGN)


def _arraygrad_file(filename: str) -> str | None:
    try:
        return "arraygrad/" + Path(filename).resolve().relative_to(ARRAYGRAD_ROOT).as_posix()
    except ValueError:
        return None


def kind_matches(exc: BaseException, torch_error: str) -> bool:
    """Same exception kind as PyTorch's: an instance of PyTorch's (built-in) class, or of a
    built-in base of it other than Exception; PyTorch's accidental ones accept any ordinary kind."""
    expected = getattr(builtins, torch_error)
    if isinstance(exc, expected):
        return True
    if torch_error in ACCIDENTAL:
        return isinstance(exc, ORDINARY)
    own = type(exc)
    return issubclass(expected, own) and own not in (Exception, BaseException)


def run_row(row: tuple[str, str, tuple[Any, ...], dict[str, Any], str], backend: str) -> Outcome:
    """Call ``row`` on ``backend`` (the default backend must already be ``backend``)."""
    op, _label, args, kwargs, torch_error = row
    fn = resolve(op, "arraygrad")
    built_args, built_kwargs = to_arraygrad(args, backend), to_arraygrad(kwargs, backend)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(*built_args, **built_kwargs)
    except Exception as exc:  # noqa: BLE001 - classifying whatever arraygrad raised is the point
        frames = traceback.extract_tb(exc.__traceback__)
        last = frames[-1].filename if frames else ""
        # the innermost arraygrad frame; an error raised while binding the arguments has none
        source = next((f for f in (_arraygrad_file(fr.filename) for fr in reversed(frames)) if f), None)
        source = source or _defining_file(op)
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:160]
        module = type(exc).__module__.split(".")[0]
        own = _is_raise_statement(frames[-1]) if frames else False
        if _foreign(last) or module in FOREIGN:
            return Outcome("leaked", error, source, own)
        if not kind_matches(exc, torch_error):
            return Outcome("wrong-kind", error, source, own)
        return Outcome("clean", error, source, own)
    return Outcome("silent", "none", _defining_file(op))


def _is_raise_statement(frame: traceback.FrameSummary) -> bool:
    """Whether the frame's line is an arraygrad ``raise`` (or ``assert``) statement."""
    if _arraygrad_file(frame.filename) is None:
        return False
    text = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).lstrip()
    return text.startswith(("raise", "assert"))


def _defining_file(op: str) -> str:
    import inspect

    import arraygrad as ag

    if op.startswith("Tensor."):
        obj = getattr(ag.Tensor, op.split(".", 1)[1], None)
    else:
        obj = resolve(op, "arraygrad")
    try:
        path = inspect.getsourcefile(inspect.unwrap(obj))  # type: ignore[arg-type]
    except TypeError:
        return "?"
    return (path and _arraygrad_file(path)) or "?"


def row_id(row: tuple[Any, ...]) -> str:
    """``op[label]``: the row's name in test output and KNOWN_FAILURES keys."""
    return f"{row[0]}[{row[1]}]"
