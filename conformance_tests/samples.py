"""Sample inputs for the op registry: small, domain-aware, reproducible.

Every generator takes a ``numpy.random.Generator`` and returns float64 arrays whose values are
exactly representable in float32 (``f32``). That way the float32 and float64 runs of tier 2
see the *same* inputs, so they can both be compared with tier 1's float64 reference without
the rounding of the inputs themselves eating into the float32 tolerance.

Domain rules (see DESIGN.md, "Conformance suite"): positive values for log/sqrt/pow bases,
values well away from kinks and discontinuities (relu/abs at 0, clamp bounds, floor/round at
integers and half-integers), distinct values for max/min/argmax so that ties cannot occur and
finite differences never straddle a switch of the selected element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

Rng = np.random.Generator


def f32(a: Any) -> np.ndarray:
    """``a`` as float64 values that float32 represents exactly."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


@dataclass
class Sample:
    """One call of an op: positional ``args`` and keyword ``kwargs``.

    numpy arrays among them become tensors on the backend under test: floating arrays in the
    dtype under test, integer arrays as int64 and boolean arrays as bool. Everything else
    (Python numbers, shapes, lists of arrays) is passed as is, with arrays inside lists or
    tuples converted the same way (for ``cat([a, b])``).
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def describe(self) -> str:
        """A short human-readable description: argument shapes/dtypes and kwargs."""

        def one(a: Any) -> str:
            if isinstance(a, np.ndarray):
                kind = "f" if a.dtype.kind == "f" else a.dtype.name
                return f"{kind}{list(a.shape)}"
            if isinstance(a, (list, tuple)) and any(isinstance(v, np.ndarray) for v in a):
                return "[" + ", ".join(one(v) for v in a) + "]"
            return repr(a)

        parts = [one(a) for a in self.args] + [f"{k}={one(v)}" for k, v in self.kwargs.items()]
        text = "(" + ", ".join(parts) + ")"
        return f"{self.label} {text}" if self.label else text


def S(*args: Any, label: str = "", **kwargs: Any) -> Sample:
    """Shorthand for ``Sample(args, kwargs, label)``."""
    return Sample(tuple(args), kwargs, label)


# ---------------------------------------------------------------------- value generators


def normal(r: Rng, *shape: int, scale: float = 1.0) -> np.ndarray:
    return f32(r.standard_normal(shape) * scale)


def uniform(r: Rng, lo: float, hi: float, *shape: int) -> np.ndarray:
    return f32(r.uniform(lo, hi, shape))


def positive(r: Rng, *shape: int, lo: float = 0.5, hi: float = 2.0) -> np.ndarray:
    """Strictly positive values (log, sqrt, rsqrt, reciprocal, pow bases)."""
    return uniform(r, lo, hi, *shape)


def away_from(r: Rng, *shape: int, points: tuple[float, ...] = (0.0,), margin: float = 0.2,
              scale: float = 1.5) -> np.ndarray:
    """Normal-ish values at least ``margin`` away from every point in ``points`` (kinks)."""
    out = np.array(r.standard_normal(shape) * scale, dtype=np.float64)
    for _ in range(100):
        bad = np.zeros(shape, dtype=bool)
        for p in points:
            bad |= np.abs(out - p) < margin
        if not bad.any():
            break
        out[bad] = r.standard_normal(int(bad.sum())) * scale
    return f32(out)


def distinct(r: Rng, *shape: int, spacing: float = 0.3) -> np.ndarray:
    """A random permutation of evenly spaced values: no ties, gaps of ``spacing`` (max/min/sort)."""
    n = int(np.prod(shape))
    values = (np.arange(n) - (n - 1) / 2) * spacing + r.uniform(-0.05, 0.05)
    return f32(r.permutation(values).reshape(shape))


def non_integer(r: Rng, *shape: int, scale: float = 3.0) -> np.ndarray:
    """Values whose fractional part is in [0.15, 0.35] or [0.65, 0.85]: away from integers and
    from .5, so floor/ceil/round/trunc never sit on a step."""
    whole = np.floor(r.uniform(-scale, scale, shape))
    frac = r.uniform(0.15, 0.35, shape) + 0.5 * r.integers(0, 2, shape)
    return f32(whole + frac)


def integer_valued(r: Rng, lo: int, hi: int, *shape: int) -> np.ndarray:
    """Floats with integer values (exact equality comparisons)."""
    return r.integers(lo, hi, shape).astype(np.float64)


def ints(r: Rng, lo: int, hi: int, *shape: int) -> np.ndarray:
    """int64 values in ``[lo, hi)``."""
    return r.integers(lo, hi, shape).astype(np.int64)


def mask(r: Rng, *shape: int) -> np.ndarray:
    """A boolean mask with at least one True and one False (when it has two elements)."""
    m = np.array(r.random(shape) < 0.5)
    flat = m.reshape(-1)
    if flat.size >= 2:
        flat[0], flat[-1] = True, False
    return m


def shuffled_index(r: Rng, n: int, k: int) -> np.ndarray:
    """``k`` indices into a dimension of size ``n`` that include a duplicate when ``k`` allows:
    gradients must accumulate repeated positions."""
    idx = r.integers(0, n, k)
    if k >= 2:
        idx[-1] = idx[0]  # a duplicate
    return idx.astype(np.int64)
