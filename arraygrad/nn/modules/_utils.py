"""Small helpers of ``nn.Module``: the result of ``load_state_dict``, ``repr`` indentation, type
names in error messages, and the argument parsing of ``Module.to``."""

from __future__ import annotations

from typing import Any, NamedTuple

from arraygrad.core import dtypes
from arraygrad.core.tensor import Tensor


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


_IncompatibleKeys.__str__ = _IncompatibleKeys.__repr__  # type: ignore[method-assign,assignment]


def _addindent(s: str, num_spaces: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line for line in lines)


def _typename(obj: Any) -> str:
    if isinstance(obj, Tensor):
        return "arraygrad.Tensor"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


def _parse_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(dtype, device, backend) meant by the arguments of ``Module.to``."""
    dt = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    backend = kwargs.pop("backend", None)
    for key in ("non_blocking", "copy", "memory_format"):
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dt, backend = dt or a.dtype, a.backend
        elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
            dt = a
        elif hasattr(a, "xp") and hasattr(a, "name"):  # a Backend object
            backend = a
        elif isinstance(a, bool):  # non_blocking given positionally
            continue
        elif a is not None:
            device = a
    return (dtypes.as_dtype(dt) if dt is not None else None), device, backend
