"""The numpy backend's namespace: numpy itself, with float16/bfloat16 fixes for a few functions.

NumPy has float16 but no bfloat16; ``ml_dtypes`` adds bfloat16 as a numpy dtype, and most of
numpy's ufuncs work on it. Two kinds of function need help:

- reductions and products accumulate in the input dtype on numpy (a float16 ``cumsum`` of ones
  stops at 2048, a bfloat16 ``sum`` at 256; numpy's bfloat16 ``matmul`` even returns float32).
  PyTorch accumulates 16-bit floats in float32 and rounds the result once, so these functions
  compute in float32 and round back (the tables below list them);
- ``clip`` and ``where`` promote a bfloat16 array with a Python float to float32, where every
  other function keeps bfloat16 (as PyTorch does), so their result is rounded back.

Every wrapper checks the dtype first (identity comparisons) and calls numpy directly otherwise, so
float32/float64 code pays a Python call and a comparison.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    import ml_dtypes

    BFLOAT16: Any = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - ml_dtypes is a dependency; without it there is no bfloat16
    BFLOAT16 = None

_F32 = np.dtype(np.float32)
_F16 = np.dtype(np.float16)
# NOTE: numpy's builtin dtypes and ml_dtypes' bfloat16 are singletons, so the wrappers compare
# them with ``is``, which is much cheaper than ``==`` on the float32 path every call takes

#: reductions that take one array and a ``dtype=`` argument: accumulate in float32
ACCUMULATE_IN_FLOAT32 = ("sum", "mean", "prod", "std", "var", "cumulative_sum", "cumulative_prod")
#: products of two arrays: computed in float32 (BLAS, float32 accumulation), rounded back
PRODUCTS_IN_FLOAT32 = ("matmul", "vecdot", "tensordot")


def _reduction(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reduction(x: Any, /, *args: Any, **kwargs: Any) -> Any:
        dt = getattr(x, "dtype", None)
        if (dt is _F16 or (dt is BFLOAT16 and dt is not None)) and kwargs.get("dtype") is None and not args:
            kwargs["dtype"] = _F32
            return fn(x, **kwargs).astype(dt)
        return fn(x, *args, **kwargs)

    reduction.__name__ = reduction.__qualname__ = fn.__name__
    reduction.__doc__ = f"numpy.{fn.__name__}, accumulating float16/bfloat16 in float32."
    return reduction


def _product(fn: Callable[..., Any]) -> Callable[..., Any]:
    def product(x1: Any, x2: Any, /, *args: Any, **kwargs: Any) -> Any:
        dt = getattr(x1, "dtype", None)
        if (dt is _F16 or (dt is BFLOAT16 and dt is not None)) and getattr(x2, "dtype", None) is dt:
            return fn(x1.astype(_F32), x2.astype(_F32), *args, **kwargs).astype(dt)
        return fn(x1, x2, *args, **kwargs)

    product.__name__ = product.__qualname__ = fn.__name__
    product.__doc__ = f"numpy.{fn.__name__}, computing float16/bfloat16 in float32."
    return product


def where(condition: Any, x1: Any, x2: Any, /) -> Any:
    """numpy.where, keeping bfloat16 when the other operand is a Python scalar (numpy gives float32)."""
    out = np.where(condition, x1, x2)
    if out.dtype is _F32:
        d1, d2 = getattr(x1, "dtype", None), getattr(x2, "dtype", None)
        if (d1 is BFLOAT16 and d2 is None) or (d2 is BFLOAT16 and d1 is None):
            return out.astype(BFLOAT16)
    return out


def clip(x: Any, /, min: Any = None, max: Any = None, **kwargs: Any) -> Any:  # noqa: A002 - numpy's names
    """numpy.clip, keeping bfloat16 when the bounds are Python scalars (numpy gives float32)."""
    out = np.clip(x, min, max, **kwargs)
    if out.dtype is _F32 and x.dtype is BFLOAT16 and getattr(min, "dtype", None) in (None, BFLOAT16) \
            and getattr(max, "dtype", None) in (None, BFLOAT16):
        return out.astype(BFLOAT16)
    return out


def make_namespace() -> types.ModuleType:
    """numpy's namespace with the wrappers above in place of numpy's own functions."""
    ns = types.ModuleType("arraygrad.backends.numpy_namespace", "numpy, with float16/bfloat16 fixes")
    ns.__dict__.update({k: v for k, v in vars(np).items() if not k.startswith("__")})
    ns.__getattr__ = lambda name: getattr(np, name)  # type: ignore[method-assign]  # numpy's lazy attributes
    for name in ACCUMULATE_IN_FLOAT32:
        setattr(ns, name, _reduction(getattr(np, name)))
    for name in PRODUCTS_IN_FLOAT32:
        setattr(ns, name, _product(getattr(np, name)))
    if BFLOAT16 is not None:
        for fn in (where, clip):
            setattr(ns, fn.__name__, fn)
    return ns
