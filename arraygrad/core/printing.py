"""``repr`` of tensors in PyTorch's style: ``tensor([1., 2.], grad_fn=<AddBackward0>)``."""

from __future__ import annotations

from typing import Any

from arraygrad import backends
from arraygrad.core import dtypes

_THRESHOLD = 1000  # elements; larger tensors are summarised with "..."
_EDGE = 3


def _format_floats(values: list[float]) -> tuple[str, Any]:
    """PyTorch's choice: integers as ``1.``, else 4 decimals, or scientific when the finite
    non-zero magnitudes span more than 1000x, exceed 1e8 or go below 1e-4."""
    finite = [v for v in values if v == v and v not in (float("inf"), float("-inf"))]
    if finite and all(v == int(v) for v in finite) and max(abs(v) for v in finite) < 1e8:
        return "int", lambda v: _special(v) or f"{int(v)}."
    nonzero = [abs(v) for v in finite if v != 0]
    big = max(nonzero, default=0.0)
    small = min(nonzero, default=1.0)
    if nonzero and (big / small > 1000 or big > 1e8 or small < 1e-4):
        return "sci", lambda v: _special(v) or f"{v:.4e}"
    return "fixed", lambda v: _special(v) or f"{v:.4f}"


def _special(v: float) -> str:
    if v != v:
        return "nan"
    if v == float("inf"):
        return "inf"
    if v == float("-inf"):
        return "-inf"
    return ""


def _flatten(data: Any) -> list[Any]:
    if isinstance(data, list):
        out: list[Any] = []
        for d in data:
            out.extend(_flatten(d))
        return out
    return [data]


def _render(data: Any, fmt: Any, width: int, indent: int, summarise: bool) -> str:
    if not isinstance(data, list):
        return fmt(data).rjust(width)
    if data and not isinstance(data[0], list):
        items = [fmt(v).rjust(width) for v in data]
        if summarise and len(items) > 2 * _EDGE:
            items = items[:_EDGE] + ["..."] + items[-_EDGE:]
        return "[" + ", ".join(items) + "]"
    rows = [_render(d, fmt, width, indent + 1, summarise) for d in data]
    if summarise and len(rows) > 2 * _EDGE:
        rows = rows[:_EDGE] + ["..."] + rows[-_EDGE:]
    depth = 1
    probe = data
    while probe and isinstance(probe[0], list):
        depth += 1
        probe = probe[0]
    sep = "," + "\n" * (depth - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def tensor_repr(t: Any) -> str:
    host = t._backend.to_numpy(t._storage.array)
    data = host.tolist()
    dt = t.dtype
    summarise = t.numel() > _THRESHOLD
    flat = _flatten(data)
    if dt.is_floating_point:
        _, fmt = _format_floats([float(v) for v in flat])
    elif dt is dtypes.bool_:
        fmt = lambda v: "True" if v else "False"  # noqa: E731
    else:
        fmt = str
    finite = [v for v in flat if not (isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))))]
    width = max((len(fmt(v)) for v in finite), default=0)
    body = _render(data, fmt, width, 7, summarise)
    extras = []
    if t.numel() == 0:
        body = "[]"
        if t.ndim > 1:
            extras.append(f"size={tuple(t.shape)}")
    if dt not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
        extras.append(f"dtype={dt!r}")
    if t._backend.name != backends.default_name():
        extras.append(f"backend='{t._backend.name}'")
    dev = str(t.device)
    if dev != "cpu":
        extras.append(f"device='{dev}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
