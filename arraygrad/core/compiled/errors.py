"""The errors of ``ag.compile``: ``CompileError``, and the message naming the user's line that read
a tensor's value on the host while the function was traced.
"""

from __future__ import annotations

import linecache
from typing import Any

from arraygrad.core.compiled.walk import _is_user_file

__all__ = ["CompileError"]


class CompileError(RuntimeError):
    """A compiled function did something a compiled program cannot: read a tensor's value on the
    host (``.item()``, ``.numpy()``, ``.tolist()``, a Python ``if`` on a tensor) or make a shape
    that depends on values (``nonzero``, boolean-mask indexing, ``unique``)."""


# ---------------------------------------------------------------------------------- errors


def _user_frame(tb: Any) -> tuple[str, int, str, str] | None:
    """(file, line, source, op) of the innermost user frame of a traceback, with the arraygrad
    function it called (the op that needed a value)."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    for i in range(len(frames) - 1, -1, -1):
        code = frames[i].tb_frame.f_code
        if _is_user_file(code.co_filename):
            op = ""
            for inner_tb in frames[i + 1:]:  # the arraygrad function called, past argument-check and hook wrappers
                inner = inner_tb.tb_frame.f_code
                if inner.co_name not in ("_typed_call", "wrapper"):
                    op = getattr(inner, "co_qualname", inner.co_name)
                    break
            line = frames[i].tb_lineno
            return code.co_filename, line, linecache.getline(code.co_filename, line).strip(), op
    return None


def _host_read_error(exc: BaseException, fn_name: str) -> CompileError:
    where = _user_frame(exc.__traceback__)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = str(exc).lower()
    shape_dependent = ("nonzero" in text or "boolean indices" in text or "NonConcrete" in type(exc).__name__) \
        and "boolean conversion" not in text
    what = (
        "makes an array whose shape depends on tensor values (nonzero, boolean-mask indexing, unique)"
        if shape_dependent else "needs a tensor's value on the host (.item(), .tolist(), .numpy(), bool/float/int "
        "of a tensor, a Python if on a tensor)"
    )
    if where is not None:
        file, line, source, op = where
        place = f"{file}:{line}: `{source}`" + (f" (calls {op})" if op else "")
    else:
        place = f"a call inside {fn_name}"
    return CompileError(
        f"ag.compile: {place} {what}, which a compiled function cannot do while it is traced ({detail}). "
        f"Move it out of the compiled function: return the tensor and read it after the call."
    )
