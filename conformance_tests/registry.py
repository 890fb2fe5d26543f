"""The op registry: one row (:class:`OpSpec`) per public op or op variant, and the table of
seeded random functions (:class:`RandomSpec`).

A row names the public API it exercises (``name``, plus ``covers`` for further APIs its
callable runs), the callable, a sample generator (see ``samples.py``), which inputs get
gradients, its kind (which picks the tier 2 tolerance), tolerance overrides and expected
failures. Tests and the report iterate over these tables; no test is written per op.

API names: top-level functions by their name (``"exp"``), Tensor methods, properties and
operators as ``"Tensor.<name>"`` (``"Tensor.__getitem__"``), anything else by its dotted
path (``"arraygrad.nn.functional.pad"``). A Tensor method that *is* a top-level function
(``Tensor.exp is ag.exp``) is covered by that function's rows (see ``coverage.py``).

Expected failures (``xfail={key: reason}``) use keys ``"tier1"`` (finite differences and
the numpy expectation), ``"<backend>"`` or ``"<backend>:<dtype>"`` (tier 2 columns) or ``"*"``
(every tier 2 column). They are strict: once the bug is fixed the test reports XPASS and fails, so the
entry gets removed. Each one has a repro in /tmp/conformance_bugs.md.
"""

from __future__ import annotations

import functools
import operator
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import arraygrad as ag
from arraygrad.nn import functional as F
from conformance_tests.samples import (
    Rng,
    S,
    Sample,
    away_from,
    distinct,
    f32,
    integer_valued,
    ints,
    mask,
    non_integer,
    normal,
    positive,
    shuffled_index,
    uniform,
)

KINDS = ("elementwise", "reduction", "matmul", "shape", "index", "nograd")


@dataclass(eq=False)
class OpSpec:
    """One registry row.

    Attributes:
        name: the public API this row exercises (``"exp"``, ``"Tensor.__getitem__"``).
        fn: callable taking the sample's arguments converted to tensors; returns a Tensor,
            a (nested) tuple of Tensors, or a Python scalar.
        samples: ``rng -> list[Sample]``; a few small, domain-aware samples.
        kind: one of :data:`KINDS`; ``nograd`` rows are checked forward only.
        variant: distinguishes several rows of one API (the id is ``name:variant``).
        grad: indices (into the sample's floating arrays, in order) of the inputs that get
            gradients; ``None`` means all of them.
        tol: tolerance overrides, ``{"forward:float32": (rtol, atol), "grad:float64": ...}``.
        xfail: expected failures ``{column key: reason}`` (see the module docstring).
        covers: further public API names the callable exercises.
        fd_eps: finite-difference step of tier 1 (raise it for ops that round through
            float32, where a 1e-6 step drowns in rounding; only safe for (piecewise) linear ops).
        expect: an independent numpy implementation of the forward (same arguments, numpy
            arrays in place of tensors) for ops whose semantics are easy to get subtly wrong
            (rounding modes, signs of remainders, Bessel corrections); tier 1 compares the
            numpy float64 forward with it. Cross-backend agreement cannot catch such bugs.
    """

    name: str
    fn: Callable[..., Any]
    samples: Callable[[Rng], list[Sample]]
    kind: str = "elementwise"
    variant: str = ""
    grad: tuple[int, ...] | None = None
    tol: dict[str, tuple[float, float]] = field(default_factory=dict)
    xfail: dict[str, str] = field(default_factory=dict)
    covers: tuple[str, ...] = ()
    fd_eps: float | None = None
    expect: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def id(self) -> str:
        """Unique row id used in test ids and the report: ``name`` or ``name:variant``."""
        return f"{self.name}:{self.variant}" if self.variant else self.name

    @property
    def differentiable(self) -> bool:
        return self.kind != "nograd" and self.grad != ()

    @property
    def in_tier1(self) -> bool:
        """Tier 1 checks gradients (differentiable rows) and ``expect`` (rows that have one)."""
        return self.differentiable or self.expect is not None

    @property
    def apis(self) -> tuple[str, ...]:
        """Every public API name this row exercises."""
        return (self.name, *self.covers)

    @functools.cached_property
    def sample_list(self) -> list[Sample]:
        """The samples, generated once from a seed derived from the row id."""
        return self.samples(np.random.default_rng(zlib.crc32(self.id.encode())))

    def expected_failure(self, column: str) -> str | None:
        """The reason this row is expected to fail in ``column`` (``"tier1"`` or
        ``"backend:dtype"``), or None."""
        if column == "tier1":
            return self.xfail.get("tier1")
        backend = column.split(":")[0]
        for key in (column, backend, "*"):
            if key in self.xfail:
                return self.xfail[key]
        return None


# ---------------------------------------------------------------------- sample helpers

UNARY_SHAPES = ((2, 3), (4,), ())
#: operand shape pairs for binary ops: same shape, trailing broadcast, two-sided broadcast
BINARY_SHAPES = (((2, 3), (2, 3)), ((2, 3), (3,)), ((3, 1), (1, 2)))


def unary(gen: Callable[..., np.ndarray] = normal, shapes: tuple[tuple[int, ...], ...] = UNARY_SHAPES,
          **kwargs: Any) -> Callable[[Rng], list[Sample]]:
    """Samples ``(x, **kwargs)`` with ``x = gen(rng, *shape)`` for each shape."""
    return lambda r: [S(gen(r, *s), **kwargs) for s in shapes]


def binary(gen_a: Callable[..., np.ndarray] = normal, gen_b: Callable[..., np.ndarray] | None = None,
           shapes: tuple[Any, ...] = BINARY_SHAPES, **kwargs: Any) -> Callable[[Rng], list[Sample]]:
    """Samples ``(a, b)`` over broadcasting shape pairs."""
    gen_b = gen_b or gen_a
    return lambda r: [S(gen_a(r, *sa), gen_b(r, *sb), **kwargs) for sa, sb in shapes]


def nonzero_values(r: Rng, *shape: int) -> np.ndarray:
    """Values with ``0.5 <= |x| <= 2`` (divisors, reciprocal)."""
    return f32(uniform(r, 0.5, 2.0, *shape) * np.where(r.random(shape) < 0.5, -1.0, 1.0))


def kinked(*points: float, margin: float = 0.2) -> Callable[..., np.ndarray]:
    """A generator of values at least ``margin`` away from ``points``."""
    return lambda r, *shape: away_from(r, *shape, points=points, margin=margin)


def separated_pair(r: Rng, shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` that broadcast together with ``|a - b| >= 0.2`` everywhere (maximum/minimum:
    no ties, and finite differences never cross the switch). Rejection sampling."""
    for _ in range(1000):
        a, b = normal(r, *shape_a), normal(r, *shape_b)
        if (np.abs(a - b) >= 0.2).all():
            return a, b
    raise RuntimeError("separated_pair: no separated sample found")


def separated(shapes: tuple[Any, ...] = (((2, 3), (2, 3)), ((2, 3), (3,)))) -> Callable[[Rng], list[Sample]]:
    return lambda r: [S(*separated_pair(r, sa, sb)) for sa, sb in shapes]


def remainder_pair(r: Rng, *shape: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` with ``a / b`` well away from integers (remainder and floor_divide are
    discontinuous there) and both of either sign."""
    b = nonzero_values(r, *shape)
    return f32(non_integer(r, *shape) * b), b


def divides_five(r: Rng, *shape: int) -> np.ndarray:
    """Positive divisors ``a`` with ``5 / a`` away from integers (``5.0 % a``, ``5.0 // a``)."""
    return f32(5.0 / (non_integer(r, *shape, scale=2.0) + 4.0))


def distinct_abs(r: Rng, *shape: int) -> np.ndarray:
    """Values with distinct magnitudes >= 0.5 and random signs (inf-norms: no ties in |x|)."""
    n = int(np.prod(shape))
    magnitudes = r.permutation(0.5 + 0.2 * np.arange(n))
    return f32((magnitudes * np.where(r.random(n) < 0.5, -1.0, 1.0)).reshape(shape))


def clamp_tensor_bounds(r: Rng) -> list[Sample]:
    """``clamp(x, lo, hi)`` with tensor bounds: ``x`` at least 0.2 from ``lo``, ``hi = lo + 3``."""
    x, lo = separated_pair(r, (2, 3), (2, 3))
    return [S(x, lo, f32(lo + 3.0)), S(f32(lo + 3.5), lo, f32(lo + 3.0), label="above hi")]


def remainder_samples(r: Rng) -> list[Sample]:
    return [S(*remainder_pair(r, 2, 3)), S(*remainder_pair(r, 4))]


def inplace(method: str) -> Callable[..., Any]:
    """``x.clone().<method>(*args)``: an in-place method on a fresh non-leaf tensor."""

    def fn(x: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(x.clone(), method)(*args, **kwargs)

    fn.__name__ = f"clone_then_{method}"
    return fn


def augmented(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """``c = x.clone(); c op= y; c`` for an augmented assignment operator (``operator.iadd``)."""

    def fn(x: Any, y: Any) -> Any:
        return op(x.clone(), y)

    return fn


def assign(key: Any) -> Callable[..., Any]:
    """``c = x.clone(); c[key] = value; c``: ``__setitem__`` as a function. ``key`` may be a
    callable building the key from the extra tensor arguments (index tensors)."""

    def fn(x: Any, value: Any, *index: Any) -> Any:
        c = x.clone()
        c[key(*index) if callable(key) else key] = value
        return c

    return fn


def row_unique_index(r: Rng, rows: int, n: int, k: int) -> np.ndarray:
    """A (rows, k) index into dim 1 of size n, unique within each row (scatter without races)."""
    return np.stack([r.permutation(n)[:k] for _ in range(rows)]).astype(np.int64)


def with_zero(r: Rng) -> np.ndarray:
    x = uniform(r, 0.5, 1.5, 2, 3)
    x[0, 1] = 0.0
    return x


def nan_inf(r: Rng) -> np.ndarray:
    x = normal(r, 2, 4)
    x[0, 1], x[1, 2], x[1, 3] = np.nan, np.inf, -np.inf
    return x


def eq_pair(r: Rng) -> list[Sample]:
    """Integer-valued floats so that some elements compare equal, plus a scalar operand."""
    a = integer_valued(r, -2, 3, 3, 4)
    return [S(a, integer_valued(r, -2, 3, 3, 4)), S(a, integer_valued(r, -2, 3, 4)), S(a, 1.0)]


# ---------------------------------------------------------------------- independent numpy expectations


def np_logsumexp(x: np.ndarray, dim: Any, keepdim: bool = False) -> np.ndarray:
    m = np.max(x, axis=dim, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dim)


def np_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def np_norm(x: np.ndarray, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> np.ndarray:
    """Vector norms over ``dim`` (all elements when None), as ``torch.norm`` computes them."""
    a = np.abs(x)
    if p in ("fro", 2, 2.0):
        return np.sqrt(np.sum(a * a, axis=dim, keepdims=keepdim))
    if p == np.inf:
        return np.max(a, axis=dim, keepdims=keepdim)
    if p == -np.inf:
        return np.min(a, axis=dim, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    return np.sum(a**p, axis=dim, keepdims=keepdim) ** (1.0 / p)


def np_pad(x: np.ndarray, pad: tuple[int, ...], mode: str = "constant", value: float | None = None) -> np.ndarray:
    """``torch.nn.functional.pad``: (left, right) pairs from the last dim; negative amounts crop."""
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, x.shape))
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    extra = {"constant_values": 0.0 if value is None else value} if mode == "constant" else {}
    return np.pad(x[crop], grow, mode=np_mode, **extra)


def np_repeat(x: np.ndarray, *sizes: Any) -> np.ndarray:
    """``Tensor.repeat``: numpy's tile (sizes as varargs or one tuple)."""
    reps = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], tuple) else sizes
    return np.tile(x, reps)


def np_one_hot(a: np.ndarray, num_classes: int = -1) -> np.ndarray:
    n = int(a.max()) + 1 if num_classes == -1 else num_classes
    return np.eye(n, dtype=np.int64)[a]


def np_masked_select(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    shape = np.broadcast_shapes(x.shape, m.shape)
    return np.broadcast_to(x, shape)[np.broadcast_to(m, shape)]


def np_take_along_dim(x: np.ndarray, idx: np.ndarray, dim: int | None = None) -> np.ndarray:
    if dim is None:
        return np.take_along_axis(x.reshape(-1), idx.reshape(-1), 0)
    return np.take_along_axis(x, idx, dim)


def np_reduce(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """A numpy reduction with PyTorch's argument names (``dim``, ``keepdim``)."""
    return lambda x, dim=None, keepdim=False: fn(x, axis=dim, keepdims=keepdim)


E, R, M, SH, IX, NG = "elementwise", "reduction", "matmul", "shape", "index", "nograd"
REDUCE_SHAPE = (2, 3, 4)


def op(name: str, fn: Callable[..., Any], samples: Callable[[Rng], list[Sample]], kind: str = E, **kw: Any) -> OpSpec:
    """Shorthand constructor for a row."""
    return OpSpec(name, fn, samples, kind, **kw)


# ---------------------------------------------------------------------- arithmetic

ARITHMETIC = [
    op("add", ag.add, lambda r: [*binary()(r), S(normal(r, 2, 3), normal(r, 3), alpha=2.0), S(normal(r, 3), 1.5)]),
    op("Tensor.__add__", operator.add, lambda r: [*binary()(r), S(normal(r, 2, 3), 2.0)]),
    op("Tensor.__radd__", lambda a: 2.5 + a, unary()),
    op("Tensor.__iadd__", augmented(operator.iadd), binary(shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))),
    op("sub", ag.sub, lambda r: [*binary()(r), S(normal(r, 2, 3), normal(r, 3), alpha=-0.5), S(normal(r, 3), 1.5)]),
    op("Tensor.__sub__", operator.sub, binary()),
    op("Tensor.__rsub__", lambda a: 3.0 - a, unary()),
    op("Tensor.__isub__", augmented(operator.isub), binary(shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))),
    op("mul", ag.mul, lambda r: [*binary()(r), S(normal(r, 2, 3), -1.5)]),
    op("Tensor.__mul__", operator.mul, binary()),
    op("Tensor.__rmul__", lambda a: 1.5 * a, unary()),
    op("Tensor.__imul__", augmented(operator.imul), binary(shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))),
    op("div", ag.div, lambda r: [*binary(normal, nonzero_values)(r), S(normal(r, 2, 3), 4.0)]),
    op("div", ag.div, lambda r: [S(*remainder_pair(r, 2, 3), rounding_mode="floor"),
                                 S(*remainder_pair(r, 4), rounding_mode="trunc")], NG, variant="rounding",
       expect=lambda a, b, rounding_mode: np.floor(a / b) if rounding_mode == "floor" else np.trunc(a / b)),
    op("Tensor.__truediv__", operator.truediv, binary(normal, nonzero_values)),
    op("Tensor.__rtruediv__", lambda a: 2.0 / a, unary(nonzero_values)),
    op("Tensor.__itruediv__", augmented(operator.itruediv),
       binary(normal, nonzero_values, shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))),
    op("floor_divide", ag.floor_divide, remainder_samples, NG, expect=np.floor_divide),
    op("Tensor.__floordiv__", operator.floordiv, remainder_samples, NG),
    op("Tensor.__rfloordiv__", lambda a: 5.0 // a, unary(divides_five, shapes=((2, 3), (4,))), NG),
    op("remainder", ag.remainder, remainder_samples, expect=np.remainder),
    # torch.fmod: the remainder takes the sign of the dividend (C fmod), unlike remainder
    op("Tensor.fmod", lambda a, b: a.fmod(b), remainder_samples, expect=np.fmod),
    op("Tensor.__mod__", operator.mod, remainder_samples),
    op("Tensor.__rmod__", lambda a: 5.0 % a, unary(divides_five, shapes=((2, 3), (4,)))),
    op("pow", ag.pow, lambda r: [S(positive(r, 2, 3), normal(r, 2, 3)), S(positive(r, 2, 3), normal(r, 3)),
                                 S(positive(r, 4), 2.5), S(normal(r, 4), 3), S(normal(r, 3), 0)]),
    op("Tensor.__pow__", operator.pow, lambda r: [S(positive(r, 2, 3), normal(r, 2, 3)), S(normal(r, 4), 2)]),
    op("Tensor.__rpow__", lambda a: 2.0 ** a, unary()),
    op("Tensor.__matmul__", operator.matmul,
       lambda r: [S(normal(r, 2, 3), normal(r, 3, 4)), S(normal(r, 3), normal(r, 3, 2))], M),
    op("Tensor.__rmatmul__", lambda a, b: b.__rmatmul__(a), lambda r: [S(normal(r, 2, 3), normal(r, 3, 4))], M),
    op("neg", ag.neg, unary(), expect=np.negative),
    op("Tensor.__neg__", operator.neg, unary()),
    op("Tensor.__pos__", operator.pos, unary()),
    op("abs", ag.abs, unary(kinked(0.0)), expect=np.abs),
    op("Tensor.__abs__", operator.abs, unary(kinked(0.0))),
    op("exp", ag.exp, unary(), expect=np.exp),
    op("expm1", ag.expm1, unary(), expect=np.expm1),
    op("log", ag.log, unary(positive), expect=np.log),
    op("log1p", ag.log1p, unary(lambda r, *s: uniform(r, -0.5, 2.0, *s)), expect=np.log1p),
    op("log2", ag.log2, unary(positive), expect=np.log2),
    op("log10", ag.log10, unary(positive), expect=np.log10),
    op("sqrt", ag.sqrt, unary(positive), expect=np.sqrt),
    op("rsqrt", ag.rsqrt, unary(positive), expect=lambda x: 1.0 / np.sqrt(x)),
    op("reciprocal", ag.reciprocal, unary(nonzero_values), expect=np.reciprocal),
    op("square", ag.square, unary(), expect=np.square),
    op("sin", ag.sin, unary(lambda r, *s: normal(r, *s, scale=2.0)), expect=np.sin),
    op("cos", ag.cos, unary(lambda r, *s: normal(r, *s, scale=2.0)), expect=np.cos),
    op("tan", ag.tan, unary(lambda r, *s: uniform(r, -1.2, 1.2, *s)), expect=np.tan),
    op("tanh", ag.tanh, unary(lambda r, *s: normal(r, *s, scale=2.0)), expect=np.tanh),
    op("sigmoid", ag.sigmoid, lambda r: [*unary(lambda r, *s: normal(r, *s, scale=3.0))(r),
                                         S(f32([-30.0, -5.0, 0.5, 5.0, 30.0]), label="tails")],
       expect=lambda x: 1.0 / (1.0 + np.exp(-x))),
    op("relu", ag.relu, unary(kinked(0.0)), expect=lambda x: np.maximum(x, 0.0)),
    op("sign", ag.sign, unary(kinked(0.0)), expect=np.sign),
    op("floor", ag.floor, unary(non_integer), expect=np.floor),
    op("ceil", ag.ceil, unary(non_integer), expect=np.ceil),
    op("trunc", ag.trunc, unary(non_integer), expect=np.trunc),
    op("round", ag.round, lambda r: [*unary(non_integer)(r), S(f32(non_integer(r, 2, 3) / 10), decimals=1)],
       expect=lambda x, decimals=0: np.round(x, decimals)),
    # exact halves round to even (a step of round: forward only)
    op("round", ag.round, lambda r: [S(f32([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]))], NG, variant="half_to_even", expect=np.round),
    op("clamp", ag.clamp, lambda r: [S(away_from(r, 2, 3, points=(-0.5, 0.5), margin=0.1), -0.5, 0.5),
                                     S(away_from(r, 4, points=(0.2,), margin=0.1), min=0.2),
                                     S(away_from(r, 4, points=(-0.3,), margin=0.1), max=-0.3)],
       expect=lambda x, min=None, max=None: np.clip(x, min, max)),
    op("clamp", ag.clamp, clamp_tensor_bounds, variant="tensor_bounds"),
    op("maximum", ag.maximum, separated()),
    op("minimum", ag.minimum, separated()),
    op("max", ag.max, separated((((2, 3), (2, 3)),)), variant="elementwise"),
    op("min", ag.min, separated((((2, 3), (2, 3)),)), variant="elementwise"),
    op("where", ag.where, lambda r: [S(mask(r, 2, 3), normal(r, 2, 3), normal(r, 2, 3)),
                                     S(mask(r, 2, 3), normal(r, 3), normal(r, 2, 1)),
                                     S(mask(r, 4), normal(r, 4), 0.0)], expect=np.where),
    op("softmax", ag.softmax, lambda r: [S(normal(r, *REDUCE_SHAPE), d) for d in (0, 1, -1)], R, expect=np_softmax),
    op("log_softmax", ag.log_softmax, lambda r: [S(normal(r, *REDUCE_SHAPE), d) for d in (0, 1, -1)], R,
       expect=lambda x, d: np.log(np_softmax(x, d))),
]

# ---------------------------------------------------------------------- comparisons and logic (forward only)


def bools(r: Rng) -> list[Sample]:
    return [S(mask(r, 3, 4), mask(r, 3, 4)), S(mask(r, 3, 4), mask(r, 4))]


def int_pair(r: Rng) -> list[Sample]:
    return [S(ints(r, -8, 8, 3, 4), ints(r, -8, 8, 3, 4)), S(ints(r, 0, 16, 5), 6), S(mask(r, 4), mask(r, 4))]


COMPARISONS = [
    *(op(n, getattr(ag, n), eq_pair, NG) for n in ("eq", "ne", "lt", "le", "gt", "ge")),
    *(op(f"Tensor.__{n}__", getattr(operator, n), eq_pair, NG) for n in ("eq", "ne", "lt", "le", "gt", "ge")),
    op("logical_and", ag.logical_and, lambda r: [*bools(r), S(integer_valued(r, -1, 2, 3, 4), mask(r, 3, 4))], NG),
    op("logical_or", ag.logical_or, lambda r: [*bools(r), S(integer_valued(r, -1, 2, 3, 4), mask(r, 3, 4))], NG),
    op("logical_xor", ag.logical_xor, bools, NG),
    op("logical_not", ag.logical_not, lambda r: [S(mask(r, 3, 4)), S(integer_valued(r, -1, 2, 5))], NG),
    op("bitwise_and", ag.bitwise_and, int_pair, NG),
    op("bitwise_or", ag.bitwise_or, int_pair, NG),
    op("bitwise_xor", ag.bitwise_xor, int_pair, NG),
    op("bitwise_not", ag.bitwise_not, lambda r: [S(ints(r, -8, 8, 3, 4)), S(mask(r, 5))], NG),
    op("Tensor.__and__", operator.and_, int_pair, NG),
    op("Tensor.__or__", operator.or_, int_pair, NG),
    op("Tensor.__xor__", operator.xor, int_pair, NG),
    op("Tensor.__rand__", lambda a: 6 & a, lambda r: [S(ints(r, 0, 16, 5))], NG),
    op("Tensor.__ror__", lambda a: 6 | a, lambda r: [S(ints(r, 0, 16, 5))], NG),
    op("Tensor.__rxor__", lambda a: 6 ^ a, lambda r: [S(ints(r, 0, 16, 5))], NG),
    op("Tensor.__invert__", operator.invert, lambda r: [S(ints(r, -8, 8, 3, 4)), S(mask(r, 5))], NG),
    op("isnan", ag.isnan, lambda r: [S(nan_inf(r))], NG),
    op("isinf", ag.isinf, lambda r: [S(nan_inf(r))], NG),
    op("isfinite", ag.isfinite, lambda r: [S(nan_inf(r))], NG),
    op("isclose", ag.isclose, lambda r: [S(f32([1.0, 2.0, 3.0, np.nan]), f32([1.0, 2.5, 3.0, np.nan])),
                                         S(f32([1.0, np.nan]), f32([1.0, np.nan]), equal_nan=True),
                                         S(f32([1.0, 100.0]), f32([1.05, 100.5]), rtol=0.01, atol=0.0)], NG),
    op("allclose", ag.allclose, lambda r: [S(f32([1.0, 2.0]), f32([1.0, 2.0])), S(f32([1.0, 2.0]), f32([1.0, 2.5]))], NG),
    op("equal", ag.equal, lambda r: [S(f32([1.0, 2.0]), f32([1.0, 2.0])), S(f32([1.0, 2.0]), f32([1.0, 2.5])),
                                     S(f32([1.0, 2.0]), f32([[1.0, 2.0]]))], NG),
]

# ---------------------------------------------------------------------- reductions


def np_var(x: np.ndarray, dim: Any = None, *, correction: float | None = None, unbiased: bool | None = None,
           keepdim: bool = False) -> np.ndarray:
    """PyTorch's variance semantics in numpy: Bessel correction 1 unless ``correction`` or
    ``unbiased=False`` says otherwise."""
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    return np.var(x, axis=dim, ddof=ddof, keepdims=keepdim)


def reduce_samples(gen: Callable[..., np.ndarray] = normal, extra: tuple[Sample, ...] = ()) -> Callable[[Rng], list[Sample]]:
    """All elements, one dim, several dims with keepdim, a negative dim."""
    return lambda r: [S(gen(r, *REDUCE_SHAPE)), S(gen(r, *REDUCE_SHAPE), 1),
                      S(gen(r, *REDUCE_SHAPE), (0, 2), keepdim=True), S(gen(r, 3, 4), -1)]


REDUCTIONS = [
    op("sum", ag.sum, reduce_samples(), R, expect=np_reduce(np.sum)),
    op("mean", ag.mean, reduce_samples(), R, expect=np_reduce(np.mean)),
    op("var", ag.var, lambda r: [S(normal(r, *REDUCE_SHAPE)), S(normal(r, *REDUCE_SHAPE), 1, correction=0),
                                 S(normal(r, *REDUCE_SHAPE), (0, 2), unbiased=False, keepdim=True),
                                 S(normal(r, 3, 4), -1, unbiased=True)], R, expect=np_var),
    op("std", ag.std, lambda r: [S(normal(r, *REDUCE_SHAPE)), S(normal(r, *REDUCE_SHAPE), 1, correction=0),
                                 S(normal(r, *REDUCE_SHAPE), (0, 2), unbiased=False, keepdim=True),
                                 S(normal(r, 3, 4), -1, correction=2)], R,
       expect=lambda *a, **k: np.sqrt(np_var(*a, **k))),
    op("prod", ag.prod, lambda r: [S(uniform(r, 0.5, 1.5, 2, 3)), S(uniform(r, 0.5, 1.5, 2, 3), 1),
                                   S(uniform(r, 0.5, 1.5, 2, 3), 0, keepdim=True), S(with_zero(r), label="zero"),
                                   S(with_zero(r), 1, label="zero")], R, expect=np_reduce(np.prod)),
    op("max", ag.max, lambda r: [S(distinct(r, *REDUCE_SHAPE)), S(distinct(r, 5))], R),
    op("max", ag.max, lambda r: [S(distinct(r, *REDUCE_SHAPE), 1), S(distinct(r, 3, 4), -1, keepdim=True)], R,
       variant="dim", expect=lambda x, d, keepdim=False: (np.max(x, d, keepdims=keepdim), np.argmax(x, d, keepdims=keepdim))),
    op("min", ag.min, lambda r: [S(distinct(r, *REDUCE_SHAPE)), S(distinct(r, 5))], R),
    op("min", ag.min, lambda r: [S(distinct(r, *REDUCE_SHAPE), 1), S(distinct(r, 3, 4), -1, keepdim=True)], R,
       variant="dim", expect=lambda x, d, keepdim=False: (np.min(x, d, keepdims=keepdim), np.argmin(x, d, keepdims=keepdim))),
    op("amax", ag.amax, lambda r: [S(distinct(r, *REDUCE_SHAPE)), S(distinct(r, *REDUCE_SHAPE), 1),
                                   S(distinct(r, *REDUCE_SHAPE), (0, 2), keepdim=True)], R, expect=np_reduce(np.max)),
    op("amin", ag.amin, lambda r: [S(distinct(r, *REDUCE_SHAPE)), S(distinct(r, *REDUCE_SHAPE), 1),
                                   S(distinct(r, *REDUCE_SHAPE), (0, 2), keepdim=True)], R, expect=np_reduce(np.min)),
    op("argmax", ag.argmax, lambda r: [S(distinct(r, *REDUCE_SHAPE)), S(distinct(r, *REDUCE_SHAPE), 1),
                                       S(distinct(r, 3, 4), -1, keepdim=True), S(distinct(r, 3, 4), keepdim=True)], NG,
       expect=np_reduce(np.argmax)),
    op("argmin", ag.argmin, lambda r: [S(distinct(r, *REDUCE_SHAPE)), S(distinct(r, *REDUCE_SHAPE), 1),
                                       S(distinct(r, 3, 4), -1, keepdim=True), S(distinct(r, 3, 4), keepdim=True)], NG,
       expect=np_reduce(np.argmin)),
    op("logsumexp", ag.logsumexp, lambda r: [S(normal(r, *REDUCE_SHAPE, scale=3.0), 1),
                                             S(normal(r, *REDUCE_SHAPE), (0, 2), keepdim=True),
                                             S(f32([[500.0, 499.0], [-500.0, -501.0]]), 1, label="large")], R,
       expect=np_logsumexp),
    op("cumsum", ag.cumsum, lambda r: [S(normal(r, 3, 4), 0), S(normal(r, *REDUCE_SHAPE), -1), S(normal(r, 5), 0)], R,
       expect=lambda x, d: np.cumsum(x, axis=d)),
    op("all", ag.all, lambda r: [S(mask(r, 3, 4)), S(mask(r, 3, 4), 1), S(integer_valued(r, 0, 3, 3, 4), 0, keepdim=True),
                                 S(np.ones((2, 2), dtype=bool))], NG),
    op("any", ag.any, lambda r: [S(mask(r, 3, 4)), S(mask(r, 3, 4), 1), S(integer_valued(r, 0, 3, 3, 4), 0, keepdim=True),
                                 S(np.zeros((2, 2), dtype=bool))], NG),
    op("norm", ag.norm, lambda r: [S(normal(r, 3, 4)), S(normal(r, 3, 4), 2, 1), S(normal(r, *REDUCE_SHAPE), "fro", (1, 2)),
                                   S(away_from(r, 3, 4, margin=0.2), 1), S(away_from(r, 3, 4, margin=0.2), 3.0, 1, True),
                                   S(distinct_abs(r, 3, 4), float("inf"), label="inf"),
                                   S(distinct_abs(r, 3, 4), float("-inf"), 1, label="-inf")], R, expect=np_norm),
    op("norm", ag.norm, lambda r: [S(integer_valued(r, -1, 2, 3, 4), 0), S(integer_valued(r, -1, 2, 3, 4), 0, 1)], NG,
       variant="p0", expect=np_norm),
    op("count_nonzero", ag.count_nonzero, lambda r: [S(integer_valued(r, -1, 2, 3, 4)), S(integer_valued(r, -1, 2, 3, 4), 1)],
       NG),
]

# ---------------------------------------------------------------------- matmul family

MATMUL = [
    op("matmul", ag.matmul, lambda r: [
        S(normal(r, 2, 3), normal(r, 3, 4), label="2d@2d"), S(normal(r, 3), normal(r, 3, 2), label="1d@2d"),
        S(normal(r, 2, 3), normal(r, 3), label="2d@1d"), S(normal(r, 4), normal(r, 4), label="1d@1d"),
        S(normal(r, 2, 3, 4), normal(r, 4, 2), label="batch@2d"),
        S(normal(r, 2, 1, 2, 3), normal(r, 3, 3, 2), label="batch broadcast"),
        S(normal(r, 3), normal(r, 2, 3, 2), label="1d@batch")], M, expect=np.matmul),
    op("mm", ag.mm, lambda r: [S(normal(r, 2, 3), normal(r, 3, 4)), S(normal(r, 1, 4), normal(r, 4, 1))], M),
    op("bmm", ag.bmm, lambda r: [S(normal(r, 2, 2, 3), normal(r, 2, 3, 2))], M),
    op("dot", ag.dot, lambda r: [S(normal(r, 4), normal(r, 4)), S(normal(r, 1), normal(r, 1))], M),
    op("inner", ag.inner, lambda r: [S(normal(r, 4), normal(r, 4)), S(normal(r, 2, 3), normal(r, 4, 3)),
                                     S(normal(r, 2, 2, 3), normal(r, 3))], M, expect=np.inner),
    op("outer", ag.outer, lambda r: [S(normal(r, 3), normal(r, 4))], M, expect=np.outer),
    op("mv", ag.mv, lambda r: [S(normal(r, 2, 3), normal(r, 3))], M),
    op("addmm", ag.addmm, lambda r: [S(normal(r, 4), normal(r, 2, 3), normal(r, 3, 4)),
                                     S(normal(r, 2, 1), normal(r, 2, 3), normal(r, 3, 4), beta=0.5, alpha=2.0)], M),
]

# ---------------------------------------------------------------------- shape


SHAPE = [
    op("reshape", ag.reshape, lambda r: [S(normal(r, 2, 6), (3, 4)), S(normal(r, 2, 3, 2), (-1, 2)),
                                         S(normal(r, 2, 3), (2, 3)), S(normal(r, 4), 2, 2), S(normal(r), (1,))], SH),
    op("Tensor.view", lambda x, *s: x.view(*s), lambda r: [S(normal(r, 2, 6), 4, 3), S(normal(r, 2, 3), -1)], SH),
    op("Tensor.view_as", lambda x, y: x.view_as(y), lambda r: [S(normal(r, 2, 6), normal(r, 3, 4))], SH, grad=(0,)),
    op("Tensor.reshape_as", lambda x, y: x.reshape_as(y), lambda r: [S(normal(r, 2, 6), normal(r, 4, 3))], SH, grad=(0,)),
    op("narrow", ag.narrow, lambda r: [S(normal(r, 4, 3), 0, 1, 2), S(normal(r, 2, 5), -1, -3, 3)], SH),
    op("Tensor.narrow", lambda x, *a: x.narrow(*a), lambda r: [S(normal(r, 4, 3), 1, 0, 2)], SH),
    op("select", ag.select, lambda r: [S(normal(r, 4, 3), 0, 2), S(normal(r, *REDUCE_SHAPE), -1, -1)], SH),
    op("Tensor.select", lambda x, *a: x.select(*a), lambda r: [S(normal(r, 4, 3), 1, 0)], SH),
    op("diagonal", ag.diagonal, lambda r: [S(normal(r, 3, 3)), S(normal(r, 3, 4), 1), S(normal(r, 4, 3), -2),
                                           S(normal(r, *REDUCE_SHAPE), 0, 2, 0)], SH),
    op("Tensor.diagonal", lambda x, *a, **k: x.diagonal(*a, **k),
       lambda r: [S(normal(r, 3, 3)), S(normal(r, *REDUCE_SHAPE), offset=1, dim1=1, dim2=2)], SH),
    op("squeeze", ag.squeeze, lambda r: [S(normal(r, 2, 1, 3, 1)), S(normal(r, 2, 1, 3, 1), 1),
                                         S(normal(r, 2, 1, 3, 1), (1, -1)), S(normal(r, 2, 3), 0)], SH),
    op("unsqueeze", ag.unsqueeze, lambda r: [S(normal(r, 2, 3), 0), S(normal(r, 2, 3), -1), S(normal(r, 2, 3), 1)], SH),
    op("transpose", ag.transpose, lambda r: [S(normal(r, 2, 3), 0, 1), S(normal(r, *REDUCE_SHAPE), -1, 0)], SH),
    op("permute", ag.permute, lambda r: [S(normal(r, *REDUCE_SHAPE), (2, 0, 1)), S(normal(r, *REDUCE_SHAPE), 1, 2, 0)], SH),
    op("t", ag.t, lambda r: [S(normal(r, 2, 3)), S(normal(r, 4))], SH),
    op("Tensor.T", lambda x: x.T, lambda r: [S(normal(r, 2, 3)), S(normal(r, *REDUCE_SHAPE))], SH),
    op("Tensor.mT", lambda x: x.mT, lambda r: [S(normal(r, 2, 3)), S(normal(r, *REDUCE_SHAPE))], SH),
    op("Tensor.H", lambda x: x.H, lambda r: [S(normal(r, 2, 3))], SH),
    op("movedim", ag.movedim, lambda r: [S(normal(r, *REDUCE_SHAPE), 0, -1), S(normal(r, *REDUCE_SHAPE), (0, 1), (2, 0))], SH,
       expect=np.moveaxis),
    op("flatten", ag.flatten, lambda r: [S(normal(r, *REDUCE_SHAPE)), S(normal(r, 2, 3, 2, 2), 1, 2), S(normal(r))], SH),
    op("unflatten", ag.unflatten, lambda r: [S(normal(r, 2, 6), 1, (2, 3)), S(normal(r, 6, 2), 0, (3, -1))], SH),
    op("ravel", ag.ravel, unary(), SH),
    op("Tensor.expand", lambda x, *s: x.expand(*s), lambda r: [S(normal(r, 3, 1), 3, 4), S(normal(r, 1, 4), 2, -1, 4),
                                                               S(normal(r, 3), (2, 3))], SH),
    op("Tensor.expand_as", lambda x, y: x.expand_as(y), lambda r: [S(normal(r, 3, 1), normal(r, 2, 3, 4))], SH, grad=(0,)),
    op("broadcast_to", ag.broadcast_to, lambda r: [S(normal(r, 3, 1), (2, 3, 4)), S(normal(r, 4), (3, 4))], SH),
    op("broadcast_tensors", ag.broadcast_tensors,
       lambda r: [S(normal(r, 3, 1), normal(r, 1, 4)), S(normal(r, 2, 3), normal(r, 3))], SH),
    op("cat", ag.cat, lambda r: [S([normal(r, 2, 3), normal(r, 1, 3)]), S([normal(r, 2, 3), normal(r, 2, 1), normal(r, 2, 2)], 1),
                                 S((normal(r, 2, 2), normal(r, 2, 3)), dim=-1)], SH,
       expect=lambda ts, dim=0: np.concatenate(ts, axis=dim)),
    op("stack", ag.stack, lambda r: [S([normal(r, 2, 3), normal(r, 2, 3)]), S([normal(r, 3), normal(r, 3), normal(r, 3)], 1),
                                     S([normal(r, 2, 2), normal(r, 2, 2)], dim=-1)], SH,
       expect=lambda ts, dim=0: np.stack(ts, axis=dim)),
    op("hstack", ag.hstack, lambda r: [S([normal(r, 2, 3), normal(r, 2, 1)]), S([normal(r, 3), normal(r, 2)])], SH,
       expect=np.hstack),
    op("vstack", ag.vstack, lambda r: [S([normal(r, 2, 3), normal(r, 1, 3)]), S([normal(r, 3), normal(r, 3)])], SH,
       expect=np.vstack),
    op("split", ag.split, lambda r: [S(normal(r, 5, 2), 2), S(normal(r, 2, 4), [1, 3], 1), S(normal(r, 4), 4)], SH),
    op("chunk", ag.chunk, lambda r: [S(normal(r, 5, 2), 3), S(normal(r, 2, 6), 2, 1)], SH),
    op("tensor_split", ag.tensor_split, lambda r: [S(normal(r, 5, 2), 3), S(normal(r, 2, 7), 2, 1)], SH),
    op("unbind", ag.unbind, lambda r: [S(normal(r, 3, 2)), S(normal(r, 2, 3), 1)], SH),
    op("flip", ag.flip, lambda r: [S(normal(r, 2, 3), 0), S(normal(r, *REDUCE_SHAPE), (0, 2))], SH, expect=np.flip),
    op("fliplr", ag.fliplr, lambda r: [S(normal(r, 2, 3))], SH),
    op("flipud", ag.flipud, lambda r: [S(normal(r, 2, 3))], SH),
    op("roll", ag.roll, lambda r: [S(normal(r, 2, 3), 2), S(normal(r, 2, 3), (1, -1), (0, 1)), S(normal(r, 5), -2, 0)], SH,
       expect=lambda x, shifts, dims=None: np.roll(x, shifts, axis=dims)),
    op("Tensor.repeat", lambda x, *s: x.repeat(*s), lambda r: [S(normal(r, 2, 3), 2, 1), S(normal(r, 2, 3), 2, 1, 3),
                                                               S(normal(r, 3), (2, 2))], SH, expect=np_repeat),
    op("tile", ag.tile, lambda r: [S(normal(r, 2, 3), (2, 1)), S(normal(r, 2, 3), (2,)), S(normal(r, 3), (2, 1, 2))], SH,
       expect=np.tile),
    op("repeat_interleave", ag.repeat_interleave, lambda r: [S(normal(r, 2, 3), 2, 0), S(normal(r, 2, 3), 3)], SH,
       expect=lambda x, repeats, dim=None: np.repeat(x, repeats, axis=dim)),
    op("arraygrad.nn.functional.pad", F.pad, lambda r: [
        S(normal(r, 2, 3), (1, 2), label="constant"), S(normal(r, 2, 3), (1, 0, 2, 1), value=0.5, label="constant value"),
        S(normal(r, 2, 4), (-1, 1), label="negative crop"), S(normal(r, 2, 4), (2, 1), mode="reflect"),
        S(normal(r, 1, 2, 4), (1, 2, 1, 0), mode="reflect"), S(normal(r, 2, 3), (2, 1), mode="replicate"),
        S(normal(r, 2, 3), (1, 2, 1, 1), mode="replicate"), S(normal(r, 2, 4), (2, 3), mode="circular")], SH,
       expect=np_pad),
    op("Tensor.contiguous", lambda x: x.contiguous(), unary(), SH),
    op("clone", ag.clone, unary(), SH),
    op("tril", ag.tril, lambda r: [S(normal(r, 3, 4)), S(normal(r, 3, 4), 1), S(normal(r, 2, 3, 3), -1)], SH, expect=np.tril),
    op("triu", ag.triu, lambda r: [S(normal(r, 3, 4)), S(normal(r, 3, 4), 1), S(normal(r, 2, 3, 3), -1)], SH, expect=np.triu),
]

# ---------------------------------------------------------------------- indexing

GETITEM = "Tensor.__getitem__"
INDEXING = [
    op(GETITEM, lambda x: x[1], unary(shapes=((3, 4), (4,))), IX, variant="int"),
    op(GETITEM, lambda x: x[:, 1:3], unary(shapes=((3, 4), (2, 4, 2))), IX, variant="slice"),
    op(GETITEM, lambda x: (x[-1], x[:, -2], x[-2:]), unary(shapes=((3, 4),)), IX, variant="negative"),
    op(GETITEM, lambda x: (x[::2], x[1::2, ::3], x[1:, 1::2]), unary(shapes=((5, 6),)), IX, variant="step"),
    # slice bounds beyond the dimension are clamped (Python, NumPy and PyTorch semantics)
    op(GETITEM, lambda x: (x[1:10], x[-10:2], x[:, 2:99]), unary(shapes=((2, 3),)), IX, variant="slice_out_of_range"),
    op(GETITEM, lambda x: (x[None], x[..., 1], x[None, ..., None, 0], x[1, ..., None]), unary(shapes=((2, 3, 4),)), IX,
       variant="none_ellipsis"),
    op(GETITEM, lambda x, i: x[i], lambda r: [S(normal(r, 5, 2), np.array([0, 3, 0, -1, 3])),
                                             S(normal(r, 4, 3), np.array([[1, 1], [0, 3]]))], IX, variant="int_array_dups"),
    op(GETITEM, lambda x, i, j: x[i, j], lambda r: [S(normal(r, 4, 4), np.array([0, 2, 2]), np.array([1, 1, 3])),
                                                   S(normal(r, 3, 2, 3), np.array([[0], [2]]), np.array([1, 0, 1]))], IX,
       variant="broadcast_arrays"),
    op(GETITEM, lambda x, i: (x[:, i], x[1:, i, 0]), lambda r: [S(normal(r, 3, 4, 2), np.array([3, 0, 3]))], IX,
       variant="array_after_slice"),
    op(GETITEM, lambda x, i, j: x[i, :, j], lambda r: [S(normal(r, 3, 2, 4), np.array([0, 2, 0]), np.array([1, 3, 1]))], IX,
       variant="separated_arrays"),
    op(GETITEM, lambda x: x[[0, 2, 0]], unary(shapes=((3, 2),)), IX, variant="list"),
    op(GETITEM, lambda x, m: x[m], lambda r: [S(normal(r, 3, 4), mask(r, 3, 4)), S(normal(r, 3, 4), mask(r, 3)),
                                             S(normal(r, 2, 3, 2), mask(r, 2, 3))], IX, variant="bool_mask"),
    op(GETITEM, lambda x, m: x[:, m], lambda r: [S(normal(r, 3, 4), mask(r, 4))], IX, variant="bool_mask_dim1"),
    op("Tensor.__setitem__", assign((slice(None), slice(1, 3))), lambda r: [S(normal(r, 3, 4), normal(r, 3, 2)),
                                                                          S(normal(r, 3, 4), normal(r, 2))], IX,
       variant="slice"),
    op("Tensor.__setitem__", assign(0), lambda r: [S(normal(r, 3, 4), 2.5)], IX, variant="scalar"),
    op("Tensor.__setitem__", assign(lambda i: i), lambda r: [S(normal(r, 4, 3), normal(r, 2, 3), np.array([2, 0])),
                                                             S(normal(r, 4, 3), normal(r, 3), np.array([-1, 1]))], IX,
       variant="int_array"),
    op("Tensor.__setitem__", assign(lambda m: m), lambda r: [S(normal(r, 3, 4), -1.0, mask(r, 3, 4)),
                                                             S(normal(r, 3, 4), normal(r, 4), mask(r, 3))], IX,
       variant="bool_mask"),
    op("gather", ag.gather, lambda r: [S(normal(r, 3, 4), 1, ints(r, 0, 4, 3, 2)), S(normal(r, 3, 4), 0, ints(r, 0, 3, 2, 4))],
       IX, expect=lambda x, d, idx: np.take_along_axis(x, idx, axis=d)),
    op("scatter", ag.scatter, lambda r: [S(normal(r, 3, 5), 1, row_unique_index(r, 3, 5, 2), normal(r, 3, 2)),
                                         S(normal(r, 3, 5), 1, row_unique_index(r, 2, 5, 3), normal(r, 2, 4))], IX),
    op("scatter", ag.scatter, lambda r: [S(normal(r, 3, 5), 1, row_unique_index(r, 3, 5, 2), value=0.5)], IX, variant="value"),
    op("scatter_add", ag.scatter_add, lambda r: [S(normal(r, 3, 5), 1, ints(r, 0, 5, 3, 4), normal(r, 3, 4)),
                                                 S(normal(r, 4, 2), 0, ints(r, 0, 4, 6, 2), normal(r, 6, 2))], IX),
    op("index_select", ag.index_select, lambda r: [S(normal(r, 4, 3), 0, shuffled_index(r, 4, 5)),
                                                   S(normal(r, 2, 4), 1, shuffled_index(r, 4, 3))], IX,
       expect=lambda x, d, idx: np.take(x, idx, axis=d)),
    op("index_add", ag.index_add, lambda r: [S(normal(r, 4, 3), 0, shuffled_index(r, 4, 5), normal(r, 5, 3)),
                                             S(normal(r, 2, 4), 1, shuffled_index(r, 4, 3), normal(r, 2, 3), alpha=2.0)], IX),
    op("index_put", ag.index_put, lambda r: [
        S(normal(r, 4, 3), (np.array([2, 0]),), normal(r, 2, 3), label="set"),
        S(normal(r, 4, 3), (shuffled_index(r, 4, 5),), normal(r, 5, 3), True, label="accumulate dups"),
        S(normal(r, 3, 3), (np.array([0, 2]), np.array([1, 1])), normal(r, 2), label="pairs")], IX),
    op("masked_fill", ag.masked_fill, lambda r: [S(normal(r, 3, 4), mask(r, 3, 4), -1.5), S(normal(r, 3, 4), mask(r, 4), 2.0),
                                                 S(normal(r, 3, 4), mask(r, 3, 4), f32(0.75), label="0-d tensor value")], IX),
    op("masked_select", ag.masked_select, lambda r: [S(normal(r, 3, 4), mask(r, 3, 4)), S(normal(r, 3, 4), mask(r, 4))], IX,
       expect=np_masked_select),
    op("take", ag.take, lambda r: [S(normal(r, 3, 4), np.array([[0, 11], [5, 0]])), S(normal(r, 5), np.array([-1, 2, 2]))], IX),
    op("take_along_dim", ag.take_along_dim, lambda r: [
        S(normal(r, 3, 4), np.argsort(r.random((3, 4)), axis=1)[:, :2].astype(np.int64), 1),
        S(normal(r, 3, 4), ints(r, 0, 3, 1, 4), 0), S(normal(r, 3, 4), np.array([0, 7, 7]))], IX, expect=np_take_along_dim),
    op("nonzero", ag.nonzero, lambda r: [S(integer_valued(r, -1, 2, 3, 4)), S(integer_valued(r, -1, 2, 5), as_tuple=True)], NG),
    op("argwhere", ag.argwhere, lambda r: [S(integer_valued(r, -1, 2, 3, 4))], NG),
    op("arraygrad.nn.functional.one_hot", F.one_hot, lambda r: [S(ints(r, 0, 4, 5)), S(ints(r, 0, 3, 2, 3), 5)], NG,
       expect=np_one_hot),
]

# ---------------------------------------------------------------------- in-place (on a clone, so gradients flow)

INPLACE = [
    op("Tensor.add_", inplace("add_"), lambda r: [*binary(shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))(r),
                                                   S(normal(r, 3), normal(r, 3), alpha=2.0), S(normal(r, 4), 1.5)]),
    op("Tensor.sub_", inplace("sub_"), binary(shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))),
    op("Tensor.mul_", inplace("mul_"), lambda r: [*binary(shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))(r), S(normal(r, 4), 2.0)]),
    op("Tensor.div_", inplace("div_"), binary(normal, nonzero_values, shapes=(((2, 3), (2, 3)), ((2, 3), (3,))))),
    op("Tensor.pow_", inplace("pow_"), lambda r: [S(positive(r, 2, 3), 1.5), S(positive(r, 2, 3), normal(r, 2, 3))]),
    op("Tensor.clamp_", inplace("clamp_"), lambda r: [S(away_from(r, 2, 3, points=(-0.5, 0.5), margin=0.1), -0.5, 0.5)]),
    op("Tensor.clip_", inplace("clip_"), lambda r: [S(away_from(r, 2, 3, points=(0.3,), margin=0.1), max=0.3)]),
    op("Tensor.neg_", inplace("neg_"), unary()),
    op("Tensor.exp_", inplace("exp_"), unary()),
    op("Tensor.log_", inplace("log_"), unary(positive)),
    op("Tensor.sqrt_", inplace("sqrt_"), unary(positive)),
    op("Tensor.abs_", inplace("abs_"), unary(kinked(0.0))),
    op("Tensor.relu_", inplace("relu_"), unary(kinked(0.0))),
    op("Tensor.sigmoid_", inplace("sigmoid_"), unary()),
    op("Tensor.tanh_", inplace("tanh_"), unary()),
    op("Tensor.floor_", inplace("floor_"), unary(non_integer)),
    op("Tensor.ceil_", inplace("ceil_"), unary(non_integer)),
    op("Tensor.round_", inplace("round_"), unary(non_integer)),
    op("Tensor.maximum_", inplace("maximum_"), separated((((2, 3), (2, 3)),))),
    op("Tensor.minimum_", inplace("minimum_"), separated((((2, 3), (2, 3)),))),
    op("Tensor.masked_fill_", inplace("masked_fill_"), lambda r: [S(normal(r, 3, 4), mask(r, 3, 4), -1.5)], IX),
    op("Tensor.scatter_", inplace("scatter_"), lambda r: [S(normal(r, 3, 5), 1, row_unique_index(r, 3, 5, 2), normal(r, 3, 2))],
       IX),
    op("Tensor.scatter_add_", inplace("scatter_add_"), lambda r: [S(normal(r, 3, 5), 1, ints(r, 0, 5, 3, 4), normal(r, 3, 4))],
       IX),
    op("Tensor.index_add_", inplace("index_add_"), lambda r: [S(normal(r, 4, 3), 0, shuffled_index(r, 4, 5), normal(r, 5, 3))],
       IX),
    op("Tensor.lerp_", inplace("lerp_"), lambda r: [S(normal(r, 2, 3), normal(r, 2, 3), 0.25),
                                                     S(normal(r, 2, 3), normal(r, 3), uniform(r, 0.0, 1.0, 2, 3))]),
    op("Tensor.addcmul_", inplace("addcmul_"), lambda r: [S(normal(r, 2, 3), normal(r, 2, 3), normal(r, 3), value=0.5)]),
    op("Tensor.addcdiv_", inplace("addcdiv_"), lambda r: [S(normal(r, 2, 3), normal(r, 2, 3), nonzero_values(r, 3), value=2.0)]),
    op("Tensor.zero_", inplace("zero_"), unary(shapes=((2, 3),))),
    op("Tensor.fill_", inplace("fill_"), lambda r: [S(normal(r, 2, 3), 1.25), S(normal(r, 2, 3), f32(-0.5), label="0-d tensor")]),
    op("Tensor.copy_", inplace("copy_"), lambda r: [S(normal(r, 2, 3), normal(r, 2, 3)), S(normal(r, 2, 3), normal(r, 3))]),
]

# ---------------------------------------------------------------------- dtype conversion


def to_and_back(x: Any) -> Any:
    """float64 round trip through ``to`` (differentiable between float dtypes)."""
    y = x.to(ag.float64)
    return (y * y).to(x.dtype)


CONVERSION = [
    op("Tensor.to", to_and_back, unary(shapes=((2, 3),)), covers=("to",)),
    op("Tensor.type_as", lambda x, y: x.type_as(y), lambda r: [S(normal(r, 2, 3), normal(r, 1))], grad=(0,)),
    op("Tensor.double", lambda x: (x.double() * 3.0).to(x.dtype), unary(shapes=((2, 3),))),
    # rounds to float32 and back: a 1e-6 step would measure the rounding, not the derivative
    op("Tensor.float", lambda x: x.float().to(x.dtype), unary(shapes=((2, 3),)), fd_eps=1e-3),
    op("Tensor.type", lambda x: x.type(ag.float64).type(x.dtype), unary(shapes=((2, 3),))),
    op("Tensor.long", lambda x: x.long(), unary(non_integer, shapes=((2, 3),)), NG),
    op("Tensor.int", lambda x: x.int(), unary(non_integer, shapes=((2, 3),)), NG),
    op("Tensor.bool", lambda x: x.bool(), lambda r: [S(integer_valued(r, -1, 2, 2, 3))], NG),
]

# ---------------------------------------------------------------------- sorting, selection, diagonal matrices


def np_sort(x: np.ndarray, dim: int = -1, descending: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(values, indices) of a sort along ``dim`` (for inputs without ties)."""
    idx = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return np.take_along_axis(x, idx, dim), idx


def np_topk(x: np.ndarray, k: int, dim: int = -1, largest: bool = True) -> tuple[np.ndarray, np.ndarray]:
    values, idx = np_sort(x, dim, largest)
    return np.take(values, np.arange(k), axis=dim), np.take(idx, np.arange(k), axis=dim)


def np_kthvalue(x: np.ndarray, k: int, dim: int = -1, keepdim: bool = False) -> tuple[np.ndarray, np.ndarray]:
    values, idx = np_sort(x, dim)
    values, idx = np.take(values, [k - 1], axis=dim), np.take(idx, [k - 1], axis=dim)
    return (values, idx) if keepdim else (np.squeeze(values, dim), np.squeeze(idx, dim))


def np_lower_median(x: np.ndarray) -> np.ndarray:
    flat = np.sort(x.reshape(-1))
    return flat[(flat.size - 1) // 2]


def np_cumulative_extremum(x: np.ndarray, dim: int, largest: bool) -> tuple[np.ndarray, np.ndarray]:
    """Running max/min along ``dim`` and where each was reached (for inputs without ties)."""
    moved = np.moveaxis(x, dim, -1)
    values = (np.maximum if largest else np.minimum).accumulate(moved, axis=-1)
    # without ties, the running value sits at exactly one position up to here
    idx = np.array([[int(np.flatnonzero(row[: i + 1] == v[i])[0]) for i in range(row.size)]
                    for row, v in zip(moved.reshape(-1, moved.shape[-1]), values.reshape(-1, moved.shape[-1]))])
    return np.moveaxis(values, -1, dim), np.moveaxis(idx.reshape(moved.shape), -1, dim)


def _with_backend(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(*args, backend=like.backend)``: a creation-like op, made on the backend of the
    tensor ``like`` (which carries only the backend under test into the call)."""
    return lambda like, *args, **kwargs: fn(*args, backend=like.backend, **kwargs)


def _without_like(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda like, *args, **kwargs: fn(*args, **kwargs)


SORTING = [
    op("sort", ag.sort, lambda r: [S(distinct(r, 3, 4)), S(distinct(r, 3, 4), 0, True), S(distinct(r, 5)),
                                   S(distinct(r, 2, 3, 4), 1, descending=True)], IX, expect=np_sort),
    op("argsort", ag.argsort, lambda r: [S(distinct(r, 3, 4)), S(distinct(r, 3, 4), 0, True),
                                         S(distinct(r, 2, 3, 4), dim=1, descending=True)], NG,
       expect=lambda *a, **k: np_sort(*a, **k)[1]),
    op("msort", ag.msort, lambda r: [S(distinct(r, 4, 3)), S(distinct(r, 5))], IX,
       expect=lambda x: np.sort(x, axis=0)),
    op("topk", ag.topk, lambda r: [S(distinct(r, 3, 5), 2), S(distinct(r, 3, 5), 3, 0, False), S(distinct(r, 4), 4),
                                   S(distinct(r, 2, 6), 1, largest=False)], IX, expect=np_topk),
    op("kthvalue", ag.kthvalue, lambda r: [S(distinct(r, 3, 5), 2), S(distinct(r, 3, 5), 1, 0, True),
                                           S(distinct(r, 6), 6)], IX, expect=np_kthvalue),
    op("median", ag.median, lambda r: [S(distinct(r, 3, 4)), S(distinct(r, 5))], IX, expect=np_lower_median),
    op("median", ag.median, lambda r: [S(distinct(r, 3, 4), 1), S(distinct(r, 4, 3), 0, True)], IX, variant="dim",
       expect=lambda x, d, keepdim=False: np_kthvalue(x, (x.shape[d] + 1) // 2, d, keepdim)),
    op("nanmedian", ag.nanmedian, lambda r: [S(distinct(r, 3, 4)), S(distinct(r, 4, 3), 0, keepdim=True)], IX),
    op("cummax", ag.cummax, lambda r: [S(distinct(r, 3, 5), 1), S(distinct(r, 4, 3), 0), S(distinct(r, 6), 0)], IX,
       expect=lambda x, d: np_cumulative_extremum(x, d, True)),
    op("cummin", ag.cummin, lambda r: [S(distinct(r, 3, 5), 1), S(distinct(r, 4, 3), 0), S(distinct(r, 6), 0)], IX,
       expect=lambda x, d: np_cumulative_extremum(x, d, False)),
    op("unique", ag.unique, lambda r: [S(ints(r, 0, 4, 3, 4)), S(ints(r, 0, 4, 3, 4), return_inverse=True, return_counts=True),
                                       S(integer_valued(r, -2, 2, 5), return_counts=True),
                                       S(ints(r, 0, 2, 4, 2), dim=0, return_inverse=True)], NG),
    op("unique_consecutive", ag.unique_consecutive, lambda r: [
        S(ints(r, 0, 2, 8), return_inverse=True, return_counts=True), S(ints(r, 0, 2, 4, 2), dim=0)], NG),
    op("searchsorted", ag.searchsorted, lambda r: [
        S(np.sort(distinct(r, 6)), normal(r, 2, 3)), S(np.sort(distinct(r, 6)), normal(r, 4), right=True),
        S(np.sort(distinct(r, 2, 5), axis=1), normal(r, 2, 3), side="right")], NG),
    op("bucketize", ag.bucketize, lambda r: [S(normal(r, 2, 3), np.sort(distinct(r, 4))),
                                             S(normal(r, 5), np.sort(distinct(r, 4)), right=True)], NG,
       expect=lambda x, b, right=False: np.searchsorted(b, x, side="right" if right else "left")),
    op("bincount", ag.bincount, lambda r: [S(ints(r, 0, 4, 9), normal(r, 9)), S(ints(r, 0, 3, 5), normal(r, 5), 6)], IX,
       expect=lambda x, w, minlength=0: np.bincount(x, w, minlength)),
    op("bincount", ag.bincount, lambda r: [S(ints(r, 0, 4, 9)), S(ints(r, 2, 5, 5), minlength=7)], NG, variant="counts",
       expect=lambda x, minlength=0: np.bincount(x, minlength=minlength)),
    op("diag", ag.diag, lambda r: [S(normal(r, 3)), S(normal(r, 3), 1), S(normal(r, 3, 4)), S(normal(r, 4, 3), -1)], SH,
       expect=np.diag),
    op("diag_embed", ag.diag_embed, lambda r: [S(normal(r, 2, 3)), S(normal(r, 3), 1), S(normal(r, 2, 3), -1, 0, 2),
                                               S(normal(r, 2, 2), 0, 2, 0)], SH),
    op("diagflat", ag.diagflat, lambda r: [S(normal(r, 2, 2)), S(normal(r, 3), -1)], SH, expect=np.diagflat),
    # no tensor input: ``like`` only carries the backend under test
    op("tril_indices", _with_backend(ag.tril_indices), lambda r: [S(normal(r, 1), 3, 4), S(normal(r, 1), 4, 3, -1),
                                                                  S(normal(r, 1), 3, 3, 1)], NG,
       expect=_without_like(lambda row, col, offset=0: np.array(np.tril_indices(row, offset, col)))),
    op("triu_indices", _with_backend(ag.triu_indices), lambda r: [S(normal(r, 1), 3, 4), S(normal(r, 1), 4, 3, -1),
                                                                  S(normal(r, 1), 3, 3, 1)], NG,
       expect=_without_like(lambda row, col, offset=0: np.array(np.triu_indices(row, offset, col)))),
]

#: the op table
OPS: list[OpSpec] = [*ARITHMETIC, *COMPARISONS, *REDUCTIONS, *MATMUL, *SHAPE, *INDEXING, *INPLACE, *CONVERSION,
                     *SORTING]


def by_id() -> dict[str, OpSpec]:
    """Rows by id; raises if two rows share an id."""
    table: dict[str, OpSpec] = {}
    for spec in OPS:
        if spec.id in table:
            raise ValueError(f"duplicate registry id {spec.id!r}")
        table[spec.id] = spec
    return table


# ---------------------------------------------------------------------- seeded random functions


@dataclass(eq=False)
class RandomSpec:
    """A seeded random function: with the same ``ag.manual_seed`` it must give the same values
    on every backend. ``draw(backend, dtype)`` makes two successive draws (the second one
    checks that the stream's counter advances identically). ``exact``: bit-identical;
    otherwise (values through log/cos) within the elementwise tolerance of the dtype.
    ``float_dtypes``: the function is drawn per float dtype; else once ("int64").
    ``valid``: ``(description, predicate over the list of numpy draws)``: what the values
    must satisfy (range, permutation...), checked on the numpy anchor."""

    name: str
    draw: Callable[[str, str], tuple[Any, ...]]
    exact: bool = True
    float_dtypes: bool = True
    covers: tuple[str, ...] = ()
    xfail: dict[str, str] = field(default_factory=dict)
    variant: str = ""
    valid: tuple[str, Callable[[list[np.ndarray]], bool]] | None = None

    @property
    def id(self) -> str:
        return f"{self.name}:{self.variant}" if self.variant else self.name

    @property
    def apis(self) -> tuple[str, ...]:
        return (self.name, *self.covers)

    def expected_failure(self, column: str) -> str | None:
        backend = column.split(":")[0]
        for key in (column, backend, "*"):
            if key in self.xfail:
                return self.xfail[key]
        return None


def _dt(dtype: str) -> Any:
    return getattr(ag, dtype)


def _within(lo: float, hi: float) -> Callable[[list[np.ndarray]], bool]:
    return lambda draws: all(bool(((d >= lo) & (d < hi)).all()) for d in draws)


UNIT = ("every value in [0, 1)", _within(0.0, 1.0))


RANDOM_OPS: list[RandomSpec] = [
    RandomSpec("rand", lambda b, d: (ag.rand(3, 5, dtype=_dt(d), backend=b), ag.rand(7, dtype=_dt(d), backend=b)), valid=UNIT),
    RandomSpec("randn", lambda b, d: (ag.randn(3, 5, dtype=_dt(d), backend=b), ag.randn(7, dtype=_dt(d), backend=b)),
               exact=False),
    RandomSpec("randint", lambda b, d: (ag.randint(0, 10, (4, 5), backend=b), ag.randint(-3, 1_000_003, (7,), backend=b)),
               float_dtypes=False, valid=("values in [low, high)", lambda d: bool(
                   ((d[0] >= 0) & (d[0] < 10)).all() and ((d[1] >= -3) & (d[1] < 1_000_003)).all()))),
    RandomSpec("randint", lambda b, d: (ag.randint(5, (3,), backend=b),), float_dtypes=False, variant="high_size",
               valid=("values in [0, 5)", _within(0, 5))),
    RandomSpec("randperm", lambda b, d: (ag.randperm(17, backend=b), ag.randperm(1, backend=b), ag.randperm(300, backend=b)),
               float_dtypes=False,
               valid=("permutations of 0..n-1", lambda d: all(np.array_equal(np.sort(p), np.arange(p.size)) for p in d))),
    RandomSpec("rand_like", lambda b, d: (ag.rand_like(ag.zeros(2, 3, dtype=_dt(d), backend=b)),), valid=UNIT),
    RandomSpec("randn_like", lambda b, d: (ag.randn_like(ag.zeros(2, 3, dtype=_dt(d), backend=b)),), exact=False),
    RandomSpec("randint_like", lambda b, d: (ag.randint_like(ag.zeros(2, 3, dtype=ag.int64, backend=b), 3, 9),),
               float_dtypes=False, valid=("values in [3, 9)", _within(3, 9))),
    RandomSpec("bernoulli", lambda b, d: (ag.bernoulli(ag.full((4, 5), 0.3, dtype=_dt(d), backend=b)),),
               valid=("values 0 or 1", lambda d: bool(np.isin(d[0], (0.0, 1.0)).all()))),
    RandomSpec("Tensor.uniform_", lambda b, d: (ag.zeros(3, 4, dtype=_dt(d), backend=b).uniform_(-2.0, 3.0),),
               valid=("values in [-2, 3)", _within(-2.0, 3.0))),
    RandomSpec("Tensor.normal_", lambda b, d: (ag.zeros(3, 4, dtype=_dt(d), backend=b).normal_(1.0, 2.0),), exact=False),
    # a Generator of its own, seeded from the default one's seed so that the stream depends on it
    RandomSpec("Generator", lambda b, d: (
        ag.rand(6, dtype=_dt(d), backend=b, generator=ag.Generator().manual_seed(ag.initial_seed() + 99)),
        ag.randint(0, 50, (6,), backend=b, generator=ag.Generator().manual_seed(ag.initial_seed() + 7)))),
    RandomSpec("multinomial", lambda b, d: (
        ag.multinomial(ag.tensor([[0.5, 1.0, 0.0, 2.5, 1.0], [3.0, 0.25, 1.0, 1.0, 2.0]], dtype=_dt(d), backend=b), 3),
        ag.multinomial(ag.tensor([1.0, 0.0, 4.0, 2.0], dtype=_dt(d), backend=b), 9, replacement=True)),
        valid=("distinct categories per row without replacement; no category of weight 0 drawn", lambda d: bool(
            all(len(set(row.tolist())) == 3 for row in d[0]) and 2 not in d[0][0] and (d[1] != 1).all()))),
]
