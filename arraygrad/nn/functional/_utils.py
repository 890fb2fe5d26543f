"""Helpers shared by the functional submodules."""

from __future__ import annotations

import struct
from typing import Any

from arraygrad.core import shape
from arraygrad.core.conv import scalar_name
from arraygrad.core.methods import _check_inplace, _commit
from arraygrad.core.tensor import Tensor


def _inplace_result(input: Tensor, fn: Any, name: str) -> Tensor:  # noqa: A002
    """Overwrite ``input`` with ``fn(copy of input)`` and return it (PyTorch's ``inplace=True``)."""
    _check_inplace(input)
    return _commit(input, fn(shape.clone(input)), name)


def _require_floating(input: Tensor, op: str) -> None:  # noqa: A002
    """PyTorch has no integer kernel for ``op`` (numpy and jax would promote silently)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"{op}: not implemented for an input of dtype '{scalar_name(input.dtype)}' ({input.dtype.name}); "
            "convert it to a floating dtype first"
        )


def _f32(v: float) -> float:
    """``v`` rounded to float32 (the precision of PyTorch's nearest-neighbour index arithmetic)."""
    return struct.unpack("f", struct.pack("f", v))[0]
