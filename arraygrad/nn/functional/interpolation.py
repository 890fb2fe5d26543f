"""Resampling: ``interpolate`` and ``upsample``."""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.core import argtypes as _argtypes
from arraygrad.core import creation, dtypes, ops, shape
from arraygrad.core.conv import (
    _int_size,
    adaptive_avg_poolnd,
)
from arraygrad.core.tensor import Tensor
from arraygrad.nn.functional._utils import _f32, _require_floating

__all__ = [
    "interpolate", "upsample",
]

# Resampling is written as gathers (integer index arrays) and weighted sums, one spatial dim at
# a time, so autograd gives the gradient (the gathers' backward adds repeated indices). The
# source positions follow PyTorch's CPU kernels: ``nearest`` computes them in float32.


def _nearest_sources(n_in: int, n_out: int, scale: float | None, exact: bool) -> list[int]:
    s = _f32(1.0 / scale) if scale is not None and scale > 0 else _f32(n_in / n_out)
    offset = 0.5 if exact else 0.0
    return [min(math.floor(_f32((o + offset) * s)), n_in - 1) for o in range(n_out)]


def _linear_sources(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> tuple[list[int], list[int], list[float]]:
    """(lower index, upper index, weight of the upper) for each output position."""
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        s = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
    lo, hi, lam = [], [], []
    for o in range(n_out):
        src = s * o if align_corners else max(s * (o + 0.5) - 0.5, 0.0)
        i0 = min(int(src), n_in - 1)
        lo.append(i0)
        hi.append(min(i0 + 1, n_in - 1))
        lam.append(min(max(src - i0, 0.0), 1.0))
    return lo, hi, lam


_INTERP_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4, "trilinear": 5,
                 "bicubic": 4}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` by resampling, as ``torch.nn.functional.interpolate``.

    Args:
        input: a floating ``(N, C, *spatial)`` tensor with 1 to 3 spatial dims.
        size: the output spatial size, an int for every dim or a tuple of one int per spatial dim; exactly one of
            ``size`` and ``scale_factor`` is given (default None).
        scale_factor: the multiplier of the spatial sizes, a float for every dim or a tuple of one per spatial dim:
            the output size is ``floor(size * scale_factor)`` (default None).
        mode: ``'nearest'`` (PyTorch's legacy rule, source ``floor(o * in / out)``), ``'nearest-exact'`` (source
            ``floor((o + 0.5) * in / out)``), ``'linear'`` (3-d input), ``'bilinear'`` (4-d), ``'trilinear'`` (5-d) or
            ``'area'`` (adaptive average pooling) (default ``'nearest'``).
        align_corners: for the linear modes only: map the centres of the corner pixels onto each other (True) or their
            outer edges (False); None means False (default None).
        recompute_scale_factor: with ``scale_factor``, place the source positions by ``in / out`` instead of
            ``1 / scale_factor`` (``'area'`` always does); not allowed with ``size`` (default None).
        antialias: not supported; must be False (default False).

    Returns:
        ``(N, C, *out_spatial)``, of the input's dtype.

    Raises:
        ValueError: both or neither of ``size`` and ``scale_factor``, a ``size`` or ``scale_factor`` of the wrong
            length, ``align_corners`` with ``'nearest'``, ``'nearest-exact'`` or ``'area'``, or
            ``recompute_scale_factor`` with ``size``.
        NotImplementedError: ``input`` not floating point, an unknown mode, a mode that does not fit the input's dims
            (or an input without 1 to 3 spatial dims), ``'bicubic'``, or ``antialias``.
        RuntimeError: an input or output spatial size below 1.
        TypeError: a ``size`` entry that is not an int.
    """
    _require_floating(input, "interpolate")
    if mode not in _INTERP_MODES:
        # NotImplementedError, as PyTorch (whose dispatch on mode ends in a "not supported" branch)
        raise NotImplementedError(
            f"interpolate: mode must be one of nearest, nearest-exact, linear, bilinear, trilinear, area; got {mode!r}"
        )
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    nd = input.ndim - 2
    if nd not in (1, 2, 3) or (_INTERP_MODES[mode] is not None and input.ndim != _INTERP_MODES[mode]):
        need = f"{_INTERP_MODES[mode]}D" if _INTERP_MODES[mode] else "3D, 4D or 5D"
        raise NotImplementedError(
            f"interpolate: got a {input.ndim}D input of shape {tuple(input.shape)}, but mode {mode!r} needs {need} "
            "input (N, C, *spatial)"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode 'bicubic' is not supported")
    sizes = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales: list[float | None]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        entries = size if isinstance(size, (list, tuple)) else [size] * nd
        out_sizes = [_int_size(s, "interpolate", "size") for s in entries]
        if len(out_sizes) != nd:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(sizes)} and output size of {size}."
            )
        scales = [None] * nd
    elif scale_factor is not None:
        factors = [float(f) for f in scale_factor] if isinstance(scale_factor, (list, tuple)) else [float(scale_factor)] * nd
        if len(factors) != nd:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(sizes)} and scale_factor of shape {scale_factor}."
            )
        out_sizes = [int(math.floor(n * f)) for n, f in zip(sizes, factors)]
        scales = [None] * nd if (recompute_scale_factor or mode == "area") else list(factors)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if any(s <= 0 for s in out_sizes) or any(s <= 0 for s in sizes):
        raise RuntimeError(
            f"interpolate: Input and output sizes should be greater than 0, but got input {list(sizes)} and output "
            f"{out_sizes} (input of shape {tuple(input.shape)})"
        )
    if mode == "area":
        return adaptive_avg_poolnd(input, tuple(out_sizes), nd, "interpolate")
    backend = input._backend
    out = input
    for i in range(nd):
        n_in, n_out = sizes[i], out_sizes[i]
        lead = (slice(None),) * (2 + i)
        if mode in ("nearest", "nearest-exact"):
            src = _nearest_sources(n_in, n_out, scales[i], mode == "nearest-exact")
            if src != list(range(n_in)):
                out = out[lead + (creation.tensor(src, dtype=dtypes.int64, backend=backend),)]
            continue
        lo, hi, lam = _linear_sources(n_in, n_out, scales[i], bool(align_corners))
        low = out[lead + (creation.tensor(lo, dtype=dtypes.int64, backend=backend),)]
        high = out[lead + (creation.tensor(hi, dtype=dtypes.int64, backend=backend),)]
        weight = shape.reshape(creation.tensor(lam, dtype=input.dtype, backend=backend), (n_out,) + (1,) * (nd - 1 - i))
        out = ops.add(low, ops.mul(ops.sub(high, low), weight))
    return out


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """Resize the spatial dims of a tensor (deprecated: use ``interpolate``), as ``torch.nn.functional.upsample``.

    Every call warns that it is deprecated, then calls ``interpolate`` with the same arguments.

    Args:
        input: a floating ``(N, C, *spatial)`` tensor with 1 to 3 spatial dims.
        size: the output spatial size, an int for every dim or a tuple of one int per spatial dim; exactly one of
            ``size`` and ``scale_factor`` is given (default None).
        scale_factor: the multiplier of the spatial sizes, a float for every dim or a tuple of one per spatial dim:
            the output size is ``floor(size * scale_factor)`` (default None).
        mode: ``'nearest'`` (PyTorch's legacy rule, source ``floor(o * in / out)``), ``'nearest-exact'`` (source
            ``floor((o + 0.5) * in / out)``), ``'linear'`` (3-d input), ``'bilinear'`` (4-d), ``'trilinear'`` (5-d) or
            ``'area'`` (adaptive average pooling) (default ``'nearest'``).
        align_corners: for the linear modes only: map the centres of the corner pixels onto each other (True) or their
            outer edges (False); None means False (default None).

    Returns:
        ``(N, C, *out_spatial)``, of the input's dtype.

    Raises:
        ValueError: both or neither of ``size`` and ``scale_factor``, a ``size`` or ``scale_factor`` of the wrong
            length, ``align_corners`` with ``'nearest'``, ``'nearest-exact'`` or ``'area'``.
        NotImplementedError: ``input`` not floating point, an unknown mode, a mode that does not fit the input's dims
            (or an input without 1 to 3 spatial dims), ``'bicubic'``.
        RuntimeError: an input or output spatial size below 1.
        TypeError: a ``size`` entry that is not an int.
    """
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# PyTorch's TypeError for a list, None or number where a Tensor goes (core/argtypes.py)
_argtypes.install(globals(), __all__)
