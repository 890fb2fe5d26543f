"""Helpers shared by the shape submodules: the array wrapping shortcuts and the parsing of shape arguments."""

from __future__ import annotations

from typing import Any

from arraygrad.core import views
from arraygrad.core.tensor import Tensor

__all__: list[str] = []

_wrap = Tensor._wrap
_make_view = views.make_view


def _shape_arg(shape: Any, op: str, arg: str = "size") -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` like PyTorch.

    Raises:
        TypeError: an entry that is not an integer (a float would otherwise be truncated).
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    out = []
    for pos, s in enumerate(shape):
        if type(s) is not int:
            if isinstance(s, bool) or not hasattr(s, "__index__"):
                raise TypeError(f"{op}(): argument '{arg}' (position 1) must be tuple of ints, but found element of "
                                f"type {type(s).__name__} at pos {pos}")
            s = s.__index__()
        out.append(s)
    return tuple(out)
