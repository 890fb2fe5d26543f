"""Kernel-override checks: each backend's kernels against the reference ``Backend``.

``arraygrad.backends.reference.Backend`` implements every kernel the array API standard
lacks with standard ops; it is the specification. numpy, jax and cupy override some of them
with native code (``np.add.at``, ``.at[].add``, ``lax.conv_general_dilated``...). Each case
here runs the backend's kernel and the reference method *on the same backend object*
(``Backend.index_add(backend, ...)``) and compares both with a plain-numpy expectation, so
the reference itself is checked too (on ``strict`` the two are the same code).

Exception, stated once: reference kernels that write into a fresh array (``out[key] = v``,
:data:`WRITES_IN_PLACE`) cannot run on backends whose arrays are immutable (jax); there the
reference runs on ``strict`` with the same inputs. That is the design (such kernels are
overridden on jax); whether jax's overrides are right is still checked against numpy.

Values are small integers stored as floats, so sums are exact in any order and every
comparison is exact.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import arraygrad as ag
from arraygrad.backends.reference import Backend
from conformance_tests.harness import ARRAY_MODULES, Mismatch, compare, require

#: kernels with cases here
KERNELS = ("getitem", "getitem_grad", "setitem", "index_add", "add_at", "set_at", "conv", "conv_grad_input",
           "conv_grad_weight", "max_pool", "max_pool_grad", "random_bits", "diagonal", "diagonal_put",
           "reshape_view", "expand_view", "topk_indices", "lstm_forward", "lstm_backward", "gru_forward",
           "gru_backward", "sgd_update",
           "adam_update", "adamw_update", "where_or_zero", "batch_norm_forward", "batch_norm_backward")

#: kernels whose results are transcendental functions, compared within these (rtol, atol) in
#: float32 against a float64 numpy computation instead of exactly
TOLERANT = {"lstm_forward": (2e-5, 1e-6), "lstm_backward": (1e-4, 1e-5), "gru_forward": (2e-5, 1e-6),
            "gru_backward": (1e-4, 1e-5), "sgd_update": (1e-6, 1e-7),
            "adam_update": (2e-6, 1e-7), "adamw_update": (2e-6, 1e-7),
            "batch_norm_forward": (2e-5, 1e-6), "batch_norm_backward": (1e-4, 1e-5)}

#: kernels whose last argument is a dict of keyword arguments (the optimizer updates' hyperparameters)
KEYWORD_KERNELS = frozenset({"sgd_update", "adam_update", "adamw_update"})

#: the dtype of kernel checks: index logic does not depend on it, and every dtype doubles the
#: (compile-bound) jax time; tier 2 runs the same kernels through ops in both dtypes
KERNEL_DTYPE = "float32"

#: Backend methods an adapter may override that are not compute kernels: dtype/device
#: plumbing, host transfer and plain copies, exercised by every tier 2 case
PLUMBING = frozenset({
    "native_dtype", "device_of", "to_device", "synchronize", "asarray", "from_numpy", "to_numpy", "from_dlpack",
    "copy", "supports_float64",
    # memory layout queries, row-major copies and shared memory (tests/core/test_views.py checks them)
    "strides", "data_ptr", "is_row_major", "contiguous_copy", "is_shared", "to_shared",
    # device queries behind arraygrad.cuda (tests/test_devices.py checks them with stand-in devices)
    "cuda_device_count", "cuda_device_properties", "cuda_empty_cache", "cuda_memory_stats", "cuda_reset_peak_memory",
    # ag.compile's tracing and compiling (the compiled-step tier, test_compiled_steps.py, checks them)
    "trace_program", "is_traced", "fetch",
})

#: reference kernels that assign into a fresh array, and backends whose arrays are immutable
WRITES_IN_PLACE = frozenset({"getitem_grad", "setitem", "add_at", "set_at"})
IMMUTABLE_ARRAYS = frozenset({"jax"})


def backend_class(name: str) -> type:
    """The adapter class of backend ``name``, without instantiating it (so cupy's class can be
    inspected on a machine without CUDA)."""
    module, cls = ag.backends._REGISTRY[name][:2]  # the registry is the single source of truth
    return getattr(importlib.import_module(module), cls)


def overridden_kernels(name: str) -> set[str]:
    """Public methods and properties of ``Backend`` that backend ``name``'s class redefines."""
    cls = backend_class(name)
    out = set()
    for attr in dir(Backend):
        if attr.startswith("_"):
            continue
        base = inspect.getattr_static(Backend, attr)
        if (callable(base) or isinstance(base, property)) and inspect.getattr_static(cls, attr) is not base:
            out.add(attr)
    return out


# ---------------------------------------------------------------------- inputs


def I(*values: int) -> np.ndarray:  # noqa: E743 - terse index literals
    return np.array(values, dtype=np.int64)


def _values(shape: tuple[int, ...], start: int = 1) -> np.ndarray:
    """Distinct integer-valued floats of alternating sign."""
    n = int(np.prod(shape))
    return (np.arange(start, start + n, dtype=np.float64) * np.where(np.arange(n) % 2, -1.0, 1.0)).reshape(shape)


def _small_ints(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Integer-valued floats in [-3, 3] (convolutions stay exact in float32)."""
    return np.random.default_rng(seed).integers(-3, 4, shape).astype(np.float64)


@dataclass
class IndexCase:
    """An array of ``shape`` indexed by ``key`` (numpy index arrays; converted per backend)."""

    name: str
    shape: tuple[int, ...]
    key: tuple[Any, ...]


_MASK_34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])

#: keys for getitem / getitem_grad / setitem: duplicates, broadcasting, the PyTorch/NumPy rule
#: that separated index arrays move their dimensions to the front, masks, basic-only keys
INDEX_CASES = [
    IndexCase("duplicates", (5, 3), (I(0, 3, 0, -1, 3),)),
    IndexCase("broadcast_arrays", (4, 4), (I(0, 2).reshape(2, 1), I(1, 1, 3))),
    IndexCase("slice_then_array", (3, 4, 2), (slice(None), I(3, 0, 3))),
    IndexCase("separated_arrays", (3, 2, 4), (I(0, 2, 0), slice(None), I(1, 3, 1))),
    IndexCase("int_and_array", (3, 4), (1, I(0, 2, 2))),
    IndexCase("none_ellipsis_array", (2, 3, 4), (None, Ellipsis, I(0, 3, 3))),
    IndexCase("bool_mask", (3, 4), (_MASK_34,)),
    IndexCase("bool_rows", (3, 4), (np.array([True, False, True]),)),
    IndexCase("all_false_mask", (3, 4), (np.zeros((3, 4), dtype=bool),)),
    IndexCase("empty_index", (3, 4), (I(), slice(None))),
    IndexCase("many_duplicates", (7,), (I(6, 0, 6, 2, 6, 0, 2, 6),)),
    IndexCase("basic_only", (3, 4), (slice(1, 3), None, 2)),
]

#: basic keys for add_at / set_at (no repeated positions, as their contract says)
BASIC_CASES = [
    IndexCase("slices", (4, 5), (slice(1, 3), slice(0, 5, 2))),
    IndexCase("int_and_slice", (3, 4), (1, slice(1, None))),
    IndexCase("ellipsis", (2, 3, 4), (Ellipsis, slice(0, 2))),
    IndexCase("strided_window", (1, 2, 5, 5), (slice(None), slice(None), slice(0, 5, 2), slice(1, 4, 2))),
]


@dataclass
class IndexAddCase:
    name: str
    shape: tuple[int, ...]
    axis: int
    index: np.ndarray


INDEX_ADD_CASES = [
    IndexAddCase("axis0_duplicates", (4, 3), 0, I(1, 3, 1, 1, 0)),
    IndexAddCase("axis1_duplicates", (2, 4), 1, I(2, 2, 0)),
    IndexAddCase("axis2_3d", (2, 2, 3), 2, I(0, 2, 0, 0)),
    IndexAddCase("few_of_many_rows", (9, 2), 0, I(8, 3, 8)),
    IndexAddCase("empty_index", (3, 2), 0, I()),
]


@dataclass
class ConvCase:
    """PyTorch layout: x (N, C, *spatial), w (O, C // groups, *kernel); one (lo, hi) pad per dim."""

    name: str
    x_shape: tuple[int, ...]
    w_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int


CONV_CASES = [
    ConvCase("1d_groups_stride_pad", (2, 4, 7), (6, 2, 3), (2,), ((1, 2),), (1,), 2),
    ConvCase("2d_dilation_asym_pad", (1, 3, 5, 6), (4, 3, 2, 3), (1, 2), ((1, 1), (0, 1)), (2, 1), 1),
    ConvCase("2d_depthwise", (2, 2, 4, 4), (2, 1, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 2),
]

@dataclass
class PoolCase:
    """Max pooling of x (N, C, *spatial): one (lo, hi) pad per dim, as the backend kernels take it."""

    name: str
    x_shape: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]


POOL_CASES = [
    PoolCase("2d_tiled", (2, 3, 4, 6), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),  # numpy's reshape path
    PoolCase("2d_overlap_pad", (1, 2, 5, 5), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    PoolCase("1d_tiled", (2, 2, 6), (3,), (3,), ((0, 0),), (1,)),
    PoolCase("2d_dilated", (1, 1, 6, 6), (2, 2), (1, 2), ((0, 0), (0, 1)), (2, 1)),
]


def numpy_max_pool(c: PoolCase, x: np.ndarray, g: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direct-loop max pooling: values, the offset of each window's first maximum (row-major
    over the kernel) and the input gradient for upstream ``g``."""
    padded = np.full(x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], c.padding)), -np.inf)
    padded[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], c.padding))] = x
    out_sp = tuple((p - d * (k - 1) - 1) // st + 1
                   for p, k, st, d in zip(padded.shape[2:], c.kernel, c.stride, c.dilation))
    values = np.zeros(x.shape[:2] + out_sp)
    offsets = np.zeros(x.shape[:2] + out_sp, dtype=np.int64)
    gpad = np.zeros(padded.shape)
    for pos in np.ndindex(*out_sp):
        taps = list(np.ndindex(*c.kernel))
        coords = [tuple(p * st + k * d for p, st, k, d in zip(pos, c.stride, tap, c.dilation)) for tap in taps]
        window = np.stack([padded[(slice(None), slice(None)) + co] for co in coords], axis=-1)
        best = window.argmax(axis=-1)
        values[(slice(None), slice(None)) + pos] = window.max(axis=-1)
        offsets[(slice(None), slice(None)) + pos] = best
        for j, co in enumerate(coords):
            if g is not None:
                gpad[(slice(None), slice(None)) + co] += np.where(best == j, g[(slice(None), slice(None)) + pos], 0.0)
    grad = gpad[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], c.padding))]
    return values, offsets, grad


#: (key, counter, n): crossing a 32-bit counter boundary (carry into the high word), a counter
#: above 2**32, and n = 0
RANDOM_BITS_CASES = [((0, 0), 0, 1), ((123, 456), 5, 10), ((0xFFFFFFFF, 7), 2**32 - 3, 9), ((42, 0), 2**40, 4),
                     ((1, 2), 0, 0)]


# ---------------------------------------------------------------------- numpy expectations


def _numpy_setitem(x: np.ndarray, key: tuple[Any, ...], value: np.ndarray) -> np.ndarray:
    """Sequential assignment: where a position repeats, the last write wins (the reference's contract)."""
    positions = np.arange(x.size).reshape(x.shape)[key].reshape(-1)
    out = x.copy().reshape(-1)
    for pos, v in zip(positions, np.broadcast_to(value, x[key].shape).reshape(-1)):
        out[pos] = v
    return out.reshape(x.shape)


def _conv_windows(c: ConvCase) -> tuple[tuple[int, ...], list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]]:
    """Output spatial shape and, for each (output position, kernel offset), the padded input position."""
    padded = [s + lo + hi for s, (lo, hi) in zip(c.x_shape[2:], c.padding)]
    kernel = c.w_shape[2:]
    out_sp = tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, c.stride, c.dilation))
    pairs = []
    for pos in np.ndindex(*out_sp):
        for off in np.ndindex(*kernel):
            src = tuple(p * s + o * d for p, s, o, d in zip(pos, c.stride, off, c.dilation))
            pairs.append((pos, off, src))
    return out_sp, pairs


def numpy_conv(c: ConvCase, x: np.ndarray, w: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direct-loop convolution, its input gradient and its weight gradient for upstream ``g``."""
    xpad = np.pad(x, [(0, 0), (0, 0), *c.padding])
    out_sp, pairs = _conv_windows(c)
    n, ch = x.shape[:2]
    o = w.shape[0]
    cg, og = ch // c.groups, o // c.groups
    y = np.zeros((n, o, *out_sp))
    gx = np.zeros_like(xpad)
    gw = np.zeros_like(w)
    every = slice(None)
    for pos, off, src in pairs:
        for gi in range(c.groups):
            ci, oi = slice(gi * cg, (gi + 1) * cg), slice(gi * og, (gi + 1) * og)
            x_at: tuple[Any, ...] = (every, ci, *src)
            w_at: tuple[Any, ...] = (oi, every, *off)
            y_at: tuple[Any, ...] = (every, oi, *pos)
            xv, wv, gv = xpad[x_at], w[w_at], g[y_at]  # (n, cg), (og, cg), (n, og)
            y[y_at] += xv @ wv.T
            gx[x_at] += gv @ wv
            gw[w_at] += gv.T @ xv
    crop: tuple[Any, ...] = (every, every, *(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], c.padding)))
    return y, gx[crop], gw


# ---------------------------------------------------------------------- cases and the check


@dataclass
class KernelCase:
    """One kernel on one input case. ``xfail`` maps backends (or ``"*"``) to reasons."""

    kernel: str
    name: str
    data: Any
    xfail: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.kernel}:{self.name}"

    def expected_failure(self, backend: str) -> str | None:
        return self.xfail.get(backend, self.xfail.get("*"))


def _to_backend(value: Any, src: Any, dst: Any) -> Any:
    """Arrays of backend ``src`` inside ``value`` (tuples walked) moved to backend ``dst``."""
    if isinstance(value, tuple):
        return tuple(_to_backend(v, src, dst) for v in value)
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return dst.from_numpy(np.array(src.to_numpy(value), copy=True))  # writable
    return value


@dataclass(frozen=True)
class AnyInteger:
    """The expectation of an index array whose integer dtype is the backend's choice (max
    pooling's window offsets): the values must match, the dtype only be an integer one."""

    values: np.ndarray


def _same(got: Any, want: Any, backend: Any, what: str, tol: tuple[float, float] = (0.0, 0.0)) -> None:
    """Exact comparison (or within ``tol``) of a native result with a numpy expectation, plus array
    type and dtype (a tuple of expectations for kernels that return several arrays; None where the
    kernel returns None)."""
    if want is None:
        if got is not None:
            raise Mismatch(f"{what}: expected None, got {type(got).__name__}")
        return
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            raise Mismatch(f"{what}: expected {len(want)} arrays, got {type(got).__name__}")
        for i, (gi, wi) in enumerate(zip(got, want)):
            _same(gi, wi, backend, f"{what} output {i}", tol)
        return
    any_integer = isinstance(want, AnyInteger)
    if any_integer:
        want = want.values
    module = type(got).__module__
    if not module.startswith(ARRAY_MODULES[backend.name]):
        raise Mismatch(f"{what}: result is a {module}.{type(got).__name__}, not an array of backend {backend.name!r}")
    host = np.asarray(backend.to_numpy(got))
    if any_integer:
        if host.dtype.kind not in "iu":
            raise Mismatch(f"{what}: dtype {host.dtype}, expected an integer dtype")
        host = host.astype(want.dtype)
    elif host.dtype != want.dtype:
        raise Mismatch(f"{what}: dtype {host.dtype}, expected {want.dtype}")
    compare(host, want, tol[0], tol[1], what)


def _expectation(case: KernelCase, backend: Any, dtype: str) -> tuple[np.ndarray, Callable[[], tuple[Any, ...]]]:
    """The numpy expectation of ``case`` and a factory of fresh native arguments (kernels such
    as ``add_at`` may write into their first argument)."""
    k, c = case.kernel, case.data
    if k == "random_bits":
        key, counter, n = c
        want = np.asarray(Backend.random_bits(ag.backends.get("numpy"), key, counter, n))
        if want.dtype != np.uint32 or want.shape != (n,):
            raise Mismatch(f"reference random_bits on numpy gave {want.dtype} {want.shape}, expected uint32 ({n},)")
        return want, lambda: (key, counter, n)
    dt, host = backend.native_dtype(dtype), np.dtype(dtype)
    arr = lambda a: backend.asarray(a.copy(), dt)  # noqa: E731 - a copy: numpy may alias, kernels may write
    i64 = backend.native_dtype("int64")
    native_key = lambda key: tuple(  # noqa: E731
        backend.asarray(v, backend.native_dtype("bool") if v.dtype == bool else i64) if isinstance(v, np.ndarray) else v
        for v in key
    )
    if k == "index_add":
        x = _values(c.shape)
        src_shape = list(c.shape)
        src_shape[c.axis] = len(c.index)
        src = _values(tuple(src_shape), start=100)
        want = x.copy()
        np.add.at(want, (slice(None),) * c.axis + (c.index,), src)
        return want.astype(host), lambda: (arr(x), c.axis, backend.asarray(c.index, i64), arr(src))
    if k in ("conv", "conv_grad_input", "conv_grad_weight"):
        x, w = _small_ints(c.x_shape, 1), _small_ints(c.w_shape, 2)
        out_sp, _ = _conv_windows(c)
        g = _small_ints((c.x_shape[0], c.w_shape[0], *out_sp), 3)
        y, gx, gw = numpy_conv(c, x, w, g)
        params = (c.stride, c.padding, c.dilation, c.groups)
        if k == "conv":
            return y.astype(host), lambda: (arr(x), arr(w), *params)
        if k == "conv_grad_input":
            return gx.astype(host), lambda: (arr(g), arr(w), c.x_shape, *params)
        return gw.astype(host), lambda: (arr(x), arr(g), c.w_shape, *params)
    if k in ("max_pool", "max_pool_grad"):
        rng = np.random.default_rng(5)
        x = rng.permutation(int(np.prod(c.x_shape))).reshape(c.x_shape).astype(np.float64)  # distinct: no ties
        values, offsets, _ = numpy_max_pool(c, x, None)  # the output shape first
        g = _small_ints(values.shape, 4)
        values, offsets, gx = numpy_max_pool(c, x, g)
        params = (c.kernel, c.stride, c.padding, c.dilation)
        if k == "max_pool":
            return (values.astype(host), AnyInteger(offsets)), lambda: (arr(x), *params)
        return gx.astype(host), lambda: (arr(g), backend.asarray(offsets, i64), c.x_shape, *params)
    if k in ("lstm_forward", "lstm_backward"):
        n_steps, n_batch, n_hidden, reverse = c
        rng = np.random.default_rng(7)
        xw, w = rng.normal(size=(n_steps, n_batch, 4 * n_hidden)), rng.normal(size=(4 * n_hidden, n_hidden)) / 2
        h0, c0 = rng.normal(size=(n_batch, n_hidden)), rng.normal(size=(n_batch, n_hidden))
        xw, w, h0, c0 = (a.astype(host).astype(np.float64) for a in (xw, w, h0, c0))  # representable in `host`
        (hs, cs, gates), grads, (dhs, dc_n) = numpy_lstm(xw, h0, c0, w, reverse, rng)
        if k == "lstm_forward":
            return tuple(a.astype(host) for a in (hs, cs, gates)), lambda: (arr(xw), arr(h0), arr(c0), arr(w), reverse)
        return tuple(a.astype(host) for a in grads), lambda: (
            arr(dhs), arr(dc_n), *(arr(a.astype(host)) for a in (hs, cs, gates)), arr(h0), arr(c0), arr(w), reverse)
    if k in ("gru_forward", "gru_backward"):
        n_steps, n_batch, n_hidden, reverse, bias = c
        rng = np.random.default_rng(8)
        xw, w = rng.normal(size=(n_steps, n_batch, 3 * n_hidden)), rng.normal(size=(3 * n_hidden, n_hidden)) / 2
        h0, b = rng.normal(size=(n_batch, n_hidden)), rng.normal(size=(3 * n_hidden,))
        xw, w, h0, b = (a.astype(host).astype(np.float64) for a in (xw, w, h0, b))  # representable in `host`
        (hs, gates, h_n_proj), grads, dhs = numpy_gru(xw, h0, w, b if bias else None, reverse, rng)
        if k == "gru_forward":
            return tuple(a.astype(host) for a in (hs, gates, h_n_proj)), lambda: (
                arr(xw), arr(h0), arr(w), arr(b) if bias else None, reverse)
        return tuple(a.astype(host) for a in grads), lambda: (
            arr(dhs), *(arr(a.astype(host)) for a in (hs, gates, h_n_proj)), arr(h0), arr(w), reverse)
    if k in KEYWORD_KERNELS:
        return _optimizer_expectation(k, c, arr, host)
    if k in ("batch_norm_forward", "batch_norm_backward"):
        _, x_shape, affine = c
        rng = np.random.default_rng(9)
        x, dy = rng.normal(size=x_shape) * 3 + 1, rng.normal(size=x_shape)
        w, b = rng.normal(size=x_shape[1]), rng.normal(size=x_shape[1])
        x, dy, w, b = (a.astype(host).astype(np.float64) for a in (x, dy, w, b))  # representable in `host`
        weight, bias = (w, b) if affine else (None, None)
        y, mean, var, grads = numpy_batch_norm(x, weight, bias, dy, 1e-5)
        if k == "batch_norm_forward":
            return tuple(a.astype(host) for a in (y, mean, var)), lambda: (
                arr(x), None if weight is None else arr(w), None if bias is None else arr(b), 1e-5)
        return tuple(a.astype(host) for a in grads), lambda: (
            arr(dy), arr(x), arr(mean.astype(host)), arr(var.astype(host)), None if weight is None else arr(w), 1e-5)
    if k == "where_or_zero":
        _, x, mask = c
        return np.where(mask, x, 0.0).astype(host), lambda: (
            backend.asarray(mask, backend.native_dtype("bool")), arr(x))
    if k == "topk_indices":
        x, count, axis, largest = c
        return numpy_topk_indices(x, count, axis, largest), lambda: (arr(x), count, axis, largest)
    if k in ("diagonal", "diagonal_put"):
        shape, offset, d1, d2 = c
        x = _values(shape)
        diag = np.diagonal(x, offset, d1, d2)
        if k == "diagonal":
            return diag.astype(host), lambda: (arr(x), offset, d1, d2)
        value = _values(diag.shape, start=100)
        want = x.copy()
        np.moveaxis(want, (d1, d2), (-2, -1))[(Ellipsis, np.arange(diag.shape[-1]) + max(-offset, 0),
                                                np.arange(diag.shape[-1]) + max(offset, 0))] = value
        return want.astype(host), lambda: (arr(x), offset, d1, d2, arr(value))
    if k == "reshape_view":
        shape, new = c
        x = _values(shape)
        return x.reshape(new).astype(host), lambda: (arr(x), new)
    if k == "expand_view":
        shape, new = c
        x = _values(shape)
        return np.broadcast_to(x, new).astype(host), lambda: (arr(x), new)
    x = _values(c.shape)
    selected = x[c.key]
    if k == "getitem":
        return selected.astype(host), lambda: (arr(x), native_key(c.key))
    if k == "getitem_grad":
        grad = _values(selected.shape, start=10)
        want = np.zeros(c.shape)
        np.add.at(want, c.key, grad)
        return want.astype(host), lambda: (c.shape, native_key(c.key), arr(grad))
    if k == "setitem":
        value = _values(selected.shape, start=50)
        return _numpy_setitem(x, c.key, value).astype(host), lambda: (arr(x), native_key(c.key), arr(value))
    if k in ("add_at", "set_at"):
        value = _values(selected.shape, start=50)
        want = x.copy()
        want[c.key] = want[c.key] + value if k == "add_at" else value
        return want.astype(host), lambda: (arr(x), native_key(c.key), arr(value))
    raise ValueError(f"no check for kernel {k!r}")


def check_kernel_case(case: KernelCase, backend_name: str, dtype: str) -> float:
    """Run ``case`` with backend ``backend_name``'s kernel and with the reference ``Backend``
    method on the same backend (``strict`` for in-place-writing references on immutable
    backends); compare both exactly with numpy. Returns 0.0 (the comparisons are exact)."""
    kernel = case.kernel
    backend = require(backend_name, None if kernel == "random_bits" else dtype)
    want, make_args = _expectation(case, backend, dtype)
    what = f"[{case.name}] ({dtype})"
    tol = TOLERANT.get(kernel, (0.0, 0.0))
    args, kwargs = _split_keywords(kernel, make_args())
    _same(_tuples(getattr(backend, kernel)(*args, **kwargs)), want, backend, f"{backend_name}.{kernel} {what}", tol)
    ref_backend = backend
    args, kwargs = _split_keywords(kernel, make_args())
    if kernel in WRITES_IN_PLACE and backend_name in IMMUTABLE_ARRAYS:
        ref_backend = require("strict")
        args = _to_backend(args, backend, ref_backend)
    _same(_tuples(getattr(Backend, kernel)(ref_backend, *args, **kwargs)), want, ref_backend,
          f"reference Backend.{kernel} on {ref_backend.name} {what}", tol)
    return 0.0


def _split_keywords(kernel: str, args: tuple[Any, ...]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Positional arguments and keyword arguments (the trailing dict of :data:`KEYWORD_KERNELS`)."""
    if kernel in KEYWORD_KERNELS:
        return args[:-1], args[-1]
    return args, {}


def _tuples(value: Any) -> Any:
    """Lists inside a kernel's result (the optimizer updates return one per parameter) as tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


#: expected failures by (kernel, case name) -> {backend: reason}; repros in /tmp/conformance_bugs.md
KERNEL_XFAIL: dict[tuple[str, str], dict[str, str]] = {}


#: (shape, offset, dim1, dim2) for the diagonal kernels: square, wide, offsets both ways, batched
DIAGONAL_CASES = [((3, 3), 0, 0, 1), ((2, 4), 1, 0, 1), ((4, 2), -1, 0, 1), ((2, 3, 4), 0, 1, 2),
                  ((3, 2, 3), -1, 2, 0), ((2, 2), 5, 0, 1)]
#: (shape, new shape) for reshape_view on row-major arrays
#: (shape, expanded shape) for expand_view: new leading dims, unit dims, both
EXPAND_CASES = [((3,), (2, 3)), ((2, 1), (2, 4)), ((1, 3, 1), (2, 2, 3, 5)), ((), (2, 2))]
RESHAPE_CASES = [((2, 3), (6,)), ((2, 3, 4), (6, 4)), ((6,), (1, 2, 1, 3)), ((2, 1, 3), (2, 3)), ((), (1, 1))]


#: (steps, batch, hidden, reverse) for the LSTM sequence kernels
LSTM_CASES = [(3, 2, 4, False), (3, 2, 4, True), (1, 1, 2, False), (5, 3, 3, True)]


def numpy_lstm(xw: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: np.ndarray, reverse: bool,
               rng: np.random.Generator) -> tuple[Any, Any, Any]:
    """Float64 LSTM over ``xw`` step by step, and its gradients by the chain rule written out for
    random upstream gradients: ``((hs, cs, gates), (dxw, dh0, dc0, dw), (dhs, dc_n))``."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    n_steps, n_hidden = xw.shape[0], h0.shape[1]
    order = list(range(n_steps))[::-1] if reverse else list(range(n_steps))
    hs, cs, gates = np.zeros(xw.shape[:2] + (n_hidden,)), np.zeros(xw.shape[:2] + (n_hidden,)), np.zeros(xw.shape)
    h, cell = h0, c0
    prev: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for t in order:
        prev[t] = (h, cell)
        z = xw[t] + h @ w.T
        i, f, g, o = sig(z[:, :n_hidden]), sig(z[:, n_hidden:2 * n_hidden]), np.tanh(z[:, 2 * n_hidden:3 * n_hidden]), \
            sig(z[:, 3 * n_hidden:])
        cell = f * cell + i * g
        h = o * np.tanh(cell)
        hs[t], cs[t], gates[t] = h, cell, np.concatenate([i, f, g, o], axis=1)
    dhs, dc_n = rng.normal(size=hs.shape), rng.normal(size=h0.shape)
    dxw, dw = np.zeros_like(xw), np.zeros_like(w)
    dh_next, dc = np.zeros_like(h0), dc_n
    for t in order[::-1]:
        h_prev, c_prev = prev[t]
        i, f, g, o = np.split(gates[t], 4, axis=1)
        dh = dhs[t] + dh_next
        tc = np.tanh(cs[t])
        dc = dc + dh * o * (1 - tc**2)
        dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2), dh * tc * o * (1 - o)],
                            axis=1)
        dxw[t] = dz
        dw += dz.T @ h_prev
        dh_next, dc = dz @ w, dc * f
    return (hs, cs, gates), (dxw, dh_next, dc, dw), (dhs, dc_n)


#: (steps, batch, hidden, reverse, hidden bias) for the GRU sequence kernels
GRU_CASES = [(3, 2, 4, False, True), (3, 2, 4, True, True), (1, 1, 2, False, False), (5, 3, 3, True, False)]


def numpy_gru(xw: np.ndarray, h0: np.ndarray, w: np.ndarray, b: np.ndarray | None, reverse: bool,
              rng: np.random.Generator) -> tuple[Any, Any, Any]:
    """Float64 GRU (PyTorch's gates r, z, n; ``b_hn`` inside the reset product) over ``xw`` step by
    step, and its gradients by the chain rule written out for random upstream gradients:
    ``((hs, gates, h_n_proj), (dxw, dh0, dw, db), dhs)`` (``db``: the hidden bias's gradient, computed with or without one)."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    n_steps, n_hidden = xw.shape[0], h0.shape[1]
    order = list(range(n_steps))[::-1] if reverse else list(range(n_steps))
    bias = np.zeros(3 * n_hidden) if b is None else b
    hs, gates, h_n_proj = np.zeros(xw.shape[:2] + (n_hidden,)), np.zeros(xw.shape), np.zeros(xw.shape[:2] + (n_hidden,))
    h = h0
    prev: dict[int, np.ndarray] = {}
    for t in order:
        prev[t] = h
        hw = h @ w.T + bias
        r, z = sig(xw[t, :, :n_hidden] + hw[:, :n_hidden]), sig(xw[t, :, n_hidden:2 * n_hidden] + hw[:, n_hidden:2 * n_hidden])
        n = np.tanh(xw[t, :, 2 * n_hidden:] + r * hw[:, 2 * n_hidden:])
        h = (1 - z) * n + z * h
        hs[t], gates[t], h_n_proj[t] = h, np.concatenate([r, z, n], axis=1), hw[:, 2 * n_hidden:]
    dhs = rng.normal(size=hs.shape)
    dxw, dw, db = np.zeros_like(xw), np.zeros_like(w), np.zeros(3 * n_hidden)
    dh_next = np.zeros_like(h0)
    for t in order[::-1]:
        r, z, n = np.split(gates[t], 3, axis=1)
        dh = dhs[t] + dh_next
        d_npre = dh * (1 - z) * (1 - n**2)
        d_zpre = dh * (prev[t] - n) * z * (1 - z)
        d_rpre = d_npre * h_n_proj[t] * r * (1 - r)
        dxw[t] = np.concatenate([d_rpre, d_zpre, d_npre], axis=1)
        d_hw = np.concatenate([d_rpre, d_zpre, d_npre * r], axis=1)
        dw += d_hw.T @ prev[t]
        db += d_hw.sum(axis=0)
        dh_next = dh * z + d_hw @ w
    return (hs, gates, h_n_proj), (dxw, dh_next, dw, db), dhs


def numpy_batch_norm(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, dy: np.ndarray,
                     eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Training-mode batch norm of ``x`` (N, C, *) in float64 and its gradients for ``dy``, by the
    textbook formulas: ``(y, mean, var, (dx, dweight, dbias))``."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    xhat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    w = np.ones(x.shape[1]) if weight is None else weight
    y = xhat * w.reshape(shape) + (0.0 if bias is None else bias.reshape(shape))
    dbias, dweight = dy.sum(axis=axes), (dy * xhat).sum(axis=axes)
    dxhat = dy * w.reshape(shape)
    dx = (dxhat - dxhat.mean(axis=axes, keepdims=True) - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)) / np.sqrt(
        var.reshape(shape) + eps)
    return y, mean, var, (dx, dweight, dbias)


def numpy_topk_indices(x: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    """The first ``k`` of the order ``topk_indices`` promises, by a lexicographic sort on
    (NaN-ness, value, index): NaN first when ``largest``, last otherwise; ties by index."""
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = []
    for row in rows:
        nan = np.isnan(row)
        filled = np.where(nan, 0.0, row)
        index = np.arange(row.size)
        order = np.lexsort((index, -filled, ~nan) if largest else (index, filled, nan))
        out.append(order[:k])
    picked = np.array(out, dtype=np.int64).reshape(*moved.shape[:-1], k)
    return np.moveaxis(picked, -1, axis)


_TIES = np.array([[3.0, 1.0, 3.0, 0.0, 1.0, 3.0], [2.0, 2.0, 2.0, 1.0, 0.0, 2.0]])
_NANS = np.array([[1.0, np.nan, 3.0, np.nan, 0.0], [np.nan, np.nan, np.nan, 1.0, 2.0], [4.0, -1.0, 4.0, 0.0, 9.0]])
#: (name, values, k, axis, largest) for topk_indices: ties at the k-th place, NaN, other axes, k = 0 and k = n
TOPK_CASES = [("ties_largest", _TIES, 3, 1, True), ("ties_smallest", _TIES, 2, 1, False),
              ("nan_largest", _NANS, 3, 1, True), ("nan_smallest", _NANS, 4, 1, False),
              ("axis0_3d", np.arange(24.0).reshape(2, 3, 4) % 5, 1, 0, True),
              ("axis1_3d", np.arange(24.0).reshape(2, 4, 3) % 3, 3, 1, False),
              ("k0", _TIES, 0, 1, True), ("k_all", _NANS, 5, 1, True)]


#: parameter shapes of the optimizer-update cases: a matrix, a vector and a 0-d parameter
#: (name, x, mask): the gradient selection of relu/clamp backward; non-finite values take another path on numpy
WHERE_CASES = [
    ("finite", np.array([[-2.0, 3.0, -0.5, 4.0], [1.0, -1.0, 0.0, 2.0]]),
     np.array([[True, False, False, True], [True, False, True, False]])),
    ("nonfinite", np.array([np.nan, np.inf, -np.inf, 1.0, np.nan, -3.0]),
     np.array([True, False, True, False, False, True])),
    ("all_false", np.array([[-1.0, 2.0], [3.0, -4.0]]), np.zeros((2, 2), dtype=bool)),
    ("scalar", np.array(-5.0), np.array(True)),
]

#: (name, input shape, affine): training-mode batch norm, (N, C), (N, C, L) and (N, C, H, W)
BATCH_NORM_CASES = [("2d", (6, 3), True), ("3d", (4, 3, 5), True), ("4d", (2, 4, 3, 3), True),
                    ("4d_no_affine", (3, 2, 2, 4), False)]

OPTIM_SHAPES = ((3, 4), (5,), ())
#: SGD cases: (name, momentum, dampening, weight_decay, nesterov, maximize, first step)
SGD_CASES = [("plain", 0.0, 0.0, 0.0, False, False, False), ("momentum", 0.9, 0.0, 0.0, False, False, False),
             ("momentum_first_step", 0.9, 0.0, 0.0, False, False, True),
             ("dampening_decay", 0.8, 0.25, 0.1, False, False, False), ("nesterov", 0.9, 0.0, 0.01, True, False, False),
             ("maximize", 0.5, 0.0, 0.1, False, True, False)]
#: Adam/AdamW cases: (name, weight_decay, amsgrad, maximize, steps of the three parameters)
ADAM_CASES = [("first_step", 0.0, False, False, (1, 1, 1)), ("later_steps", 0.0, False, False, (4, 7, 2)),
              ("weight_decay", 0.1, False, False, (3, 3, 3)), ("amsgrad", 0.05, True, False, (2, 5, 9)),
              ("maximize", 0.1, False, True, (6, 6, 6))]


def _optimizer_inputs(rng: np.random.Generator, host: np.dtype, positive: bool = False) -> list[np.ndarray]:
    """One array per parameter shape, of values representable in ``host`` (as float64)."""
    out = []
    for shape in OPTIM_SHAPES:
        a = rng.normal(size=shape)
        out.append(np.asarray(np.abs(a) if positive else a).astype(host).astype(np.float64))
    return out


def _optimizer_expectation(k: str, c: Any, arr: Callable[[np.ndarray], Any],
                           host: np.dtype) -> tuple[Any, Callable[[], tuple[Any, ...]]]:
    """The float64 numpy formula of ``torch.optim.SGD`` / ``Adam`` / ``AdamW`` for one step over
    three parameters, and a factory of fresh native arguments (the numpy kernel writes into them:
    ``in_place=True``)."""
    rng = np.random.default_rng(11)
    params, grads = _optimizer_inputs(rng, host), _optimizer_inputs(rng, host)
    lr = 0.05
    if k == "sgd_update":
        _, momentum, dampening, weight_decay, nesterov, maximize, first = c
        bufs = [None] * len(params) if first or momentum == 0 else _optimizer_inputs(rng, host)
        new_params, new_bufs = [], []
        for p, g, b in zip(params, grads, bufs):
            g = (-g if maximize else g) + weight_decay * p
            if momentum != 0:
                b = g.copy() if b is None else momentum * b + (1 - dampening) * g
                g = g + momentum * b if nesterov else b
            new_params.append((p - lr * g).astype(host))
            new_bufs.append(None if b is None else b.astype(host))
        kwargs = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                      maximize=maximize, in_place=True)
        want_bufs = tuple(new_bufs) if momentum != 0 else (None,) * len(params)
        return (tuple(new_params), want_bufs), lambda: (
            [arr(p) for p in params], [arr(g) for g in grads], [None if b is None else arr(b) for b in bufs], kwargs)
    _, weight_decay, amsgrad, maximize, steps = c
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    exp_avgs, exp_avg_sqs = _optimizer_inputs(rng, host), _optimizer_inputs(rng, host, positive=True)
    vmaxes = [np.maximum(v, w) for v, w in zip(exp_avg_sqs, _optimizer_inputs(rng, host, positive=True))]
    want: tuple[list[Any], ...] = ([], [], [], [])
    for p, g, m, v, vmax, step in zip(params, grads, exp_avgs, exp_avg_sqs, vmaxes, steps):
        g = -g if maximize else g
        if k == "adamw_update":
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        vmax = np.maximum(vmax, v) if amsgrad else None
        denom = np.sqrt(vmax if amsgrad else v) / np.sqrt(1 - beta2**step) + eps
        p = p - lr / (1 - beta1**step) * m / denom
        for out, value in zip(want, (p, m, v, vmax)):
            out.append(None if value is None else value.astype(host))
    kwargs = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                  maximize=maximize, in_place=True)
    return tuple(tuple(w) for w in want), lambda: (
        [arr(p) for p in params], [arr(g) for g in grads], [arr(m) for m in exp_avgs], [arr(v) for v in exp_avg_sqs],
        [arr(v) if amsgrad else None for v in vmaxes], list(steps), kwargs)


def _case(kernel: str, name: str, data: Any) -> KernelCase:
    return KernelCase(kernel, name, data, KERNEL_XFAIL.get((kernel, name), {}))


KERNEL_CASES: list[KernelCase] = [
    *(_case(k, c.name, c) for k in ("getitem", "getitem_grad", "setitem") for c in INDEX_CASES),
    *(_case(k, c.name, c) for k in ("add_at", "set_at") for c in BASIC_CASES),
    *(_case("index_add", c.name, c) for c in INDEX_ADD_CASES),
    *(_case(k, c.name, c) for k in ("conv", "conv_grad_input", "conv_grad_weight") for c in CONV_CASES),
    *(_case(k, c.name, c) for k in ("max_pool", "max_pool_grad") for c in POOL_CASES),
    *(_case("random_bits", f"counter={cnt},n={n}", (key, cnt, n)) for key, cnt, n in RANDOM_BITS_CASES),
    *(_case(k, f"{shape},offset={off},dims=({d1},{d2})", (shape, off, d1, d2))
      for k in ("diagonal", "diagonal_put") for shape, off, d1, d2 in DIAGONAL_CASES),
    *(_case("reshape_view", f"{shape}->{new}", (shape, new)) for shape, new in RESHAPE_CASES),
    *(_case("expand_view", f"{shape}->{new}", (shape, new)) for shape, new in EXPAND_CASES),
    *(_case("topk_indices", name, (x, k, axis, largest)) for name, x, k, axis, largest in TOPK_CASES),
    *(_case(k, f"T{t},N{n},H{h}" + (",reverse" if r else ""), (t, n, h, r))
      for k in ("lstm_forward", "lstm_backward") for t, n, h, r in LSTM_CASES),
    *(_case(k, f"T{t},N{n},H{h}" + (",reverse" if r else "") + ("" if bias else ",no_bias"), (t, n, h, r, bias))
      for k in ("gru_forward", "gru_backward") for t, n, h, r, bias in GRU_CASES),
    *(_case("sgd_update", c[0], c) for c in SGD_CASES),
    *(_case(k, c[0], c) for k in ("adam_update", "adamw_update") for c in ADAM_CASES),
    *(_case("where_or_zero", c[0], c) for c in WHERE_CASES),
    *(_case(k, c[0], c) for k in ("batch_norm_forward", "batch_norm_backward") for c in BATCH_NORM_CASES),
]
