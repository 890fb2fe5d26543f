"""The comparison machinery shared by the pytest suite and ``report.py`` (one implementation).

Vocabulary:

* A *case* is one op-registry row (:class:`conformance_tests.registry.OpSpec`) run on its
  samples on one backend and dtype.
* The *reference* of a sample is its result on numpy float64: forward outputs and the
  vector-Jacobian product with a fixed random cotangent (the "gradients").
* **Tier 1** (:func:`check_tier1`) proves the reference right: gradients must equal central
  finite differences (full Jacobian for small inputs, random directions for larger), and
  forwards must equal the row's independent numpy implementation where it has one.
* **Tier 2** (:func:`check_tier2`) runs the same samples on every backend x dtype and
  compares forward outputs and gradients with the reference, within DESIGN.md's tolerances,
  and checks that every result array comes from the backend under test, in the right dtype,
  and that no input tensor was modified.
* :func:`check_random`: seeded random functions give numpy's values on every backend.
* Modules (:class:`conformance_tests.modules.ModuleSpec` rows): the same two tiers, with the
  module's parameters as further gradient inputs and its buffers compared after the forward
  (:func:`check_module_tier1`, :func:`check_module_tier2`).

Checks return the worst error/tolerance ratio seen (<= 1 means pass) and raise
:class:`Mismatch` (an ``AssertionError``) on a failed comparison. A backend that cannot run
here raises :class:`BackendUnavailable` with the reason; callers turn it into a skip (or a
failure with ``--require-backends``). Errors raised by arraygrad itself propagate unchanged,
so pytest shows their traceback.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

import arraygrad as ag
from arraygrad.core import gradcheck as numeric  # the finite-difference core of ag.autograd.gradcheck
from conformance_tests.samples import Sample, f32

if TYPE_CHECKING:
    from conformance_tests.modules import ModuleSpec
    from conformance_tests.registry import OpSpec

#: every backend the suite declares; each appears in every result (run, skipped or failed)
BACKENDS: tuple[str, ...] = ("numpy", "strict", "jax", "cupy")
DTYPES: tuple[str, ...] = ("float32", "float64")

#: ``type(array).__module__`` must start with this for a result of each backend
#: ("jax" also matches jax's "jaxlib" array implementation module)
#: (a 0-d numpy bfloat16 result is an ``ml_dtypes.bfloat16`` scalar, as a float32 one is a ``numpy.float32``)
ARRAY_MODULES: dict[str, str | tuple[str, ...]] = {
    "numpy": ("numpy", "ml_dtypes"), "strict": "array_api_strict", "jax": "jax", "cupy": "cupy",
}

# Tier 1: central finite differences (DESIGN.md)
FD_EPS = 1e-6
FD_RTOL = 1e-3
FD_ATOL = 1e-5
#: full Jacobians up to this many input elements (and FULL_JACOBIAN_MAX_OUT output elements)
FULL_JACOBIAN_MAX_IN = 30
FULL_JACOBIAN_MAX_OUT = 64
#: random directions checked when the Jacobian is too big to build
RANDOM_DIRECTIONS = 3

# Tier 2 tolerances (rtol, atol) by quantity, tolerance class and dtype (DESIGN.md)
TOLERANCES: dict[tuple[str, str], tuple[float, float]] = {
    ("elementwise", "float32"): (1e-4, 1e-5),
    ("reduction", "float32"): (1e-3, 1e-4),
    ("grad", "float32"): (2e-3, 1e-4),
    ("elementwise", "float64"): (1e-7, 1e-9),
    ("reduction", "float64"): (1e-7, 1e-9),
    ("grad", "float64"): (1e-7, 1e-9),
    # module rows (forward outputs, gradients and buffers alike)
    ("module", "float32"): (5e-3, 1e-3),
    ("module", "float64"): (1e-7, 1e-9),
}
#: registry kinds -> forward tolerance class
KIND_TOLERANCE = {
    "elementwise": "elementwise", "shape": "elementwise", "index": "elementwise", "nograd": "elementwise",
    "reduction": "reduction", "matmul": "reduction",
}


class BackendUnavailable(Exception):
    """The backend (or the dtype on it) cannot run on this machine; ``reason`` says why."""

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend}: {reason}")
        self.backend = backend
        self.reason = reason


class Mismatch(AssertionError):
    """A result differs from the reference (or comes from the wrong backend / dtype)."""


# ---------------------------------------------------------------------- backends


@functools.cache
def unavailable_reason(backend: str, dtype: str | None = None) -> str | None:
    """``None`` when ``backend`` can run ``dtype`` here, else the reason (from
    ``ag.backends.available()``, or the backend's own error for the dtype, e.g. jax float64
    without ``JAX_ENABLE_X64``)."""
    if backend not in ag.backends.names():
        return f"not registered in arraygrad.backends (registered: {', '.join(ag.backends.names())})"
    reason = ag.backends.available()[backend]
    if reason is not None:
        return reason
    if dtype is not None:
        try:
            ag.backends.get(backend).native_dtype(dtype)
        except TypeError as exc:
            return str(exc)
    return None


def require(backend: str, dtype: str | None = None) -> Any:
    """The backend object, or :class:`BackendUnavailable` when it cannot run ``dtype`` here."""
    reason = unavailable_reason(backend, dtype)
    if reason is not None:
        raise BackendUnavailable(backend, reason)
    return ag.backends.get(backend)


def assert_native(t: Any, backend: str, what: str) -> None:
    """``t`` must be a Tensor of ``backend`` whose array is that backend's native array type."""
    if not isinstance(t, ag.Tensor):
        raise Mismatch(f"{what}: expected an arraygrad Tensor, got {type(t).__name__}")
    if t.backend.name != backend:
        raise Mismatch(f"{what}: tensor is on backend {t.backend.name!r}, expected {backend!r}")
    module = type(t.array).__module__
    if not module.startswith(ARRAY_MODULES[backend]):
        raise Mismatch(
            f"{what}: the array is a {module}.{type(t.array).__name__}, not an array of backend {backend!r}"
        )


def enable_jax_compilation_cache() -> None:
    """Keep jax's compiled kernels between runs.

    jax compiles every primitive for every new shape and dtype, so tier 2 on jax is
    compile-bound (about 1,200 compiles per dtype); a warm persistent cache makes it about 3x
    faster. Directory: ``$ARRAYGRAD_CONFORMANCE_JAX_CACHE`` (empty: disabled), default
    ``conformance_tests/.jax_cache`` (git-ignored). A cache directory the user configured for
    jax is left alone. Numerics are unaffected: the cache holds the same executables.
    """
    path = os.environ.get("ARRAYGRAD_CONFORMANCE_JAX_CACHE", os.path.join(os.path.dirname(__file__), ".jax_cache"))
    if not path:
        return
    settings = {
        "jax_compilation_cache_dir": path,
        "jax_persistent_cache_min_compile_time_secs": 0,
        "jax_persistent_cache_min_entry_size_bytes": 0,
    }
    if "jax" in sys.modules:  # already imported: configure it directly, unless the user did
        import jax

        if jax.config.jax_compilation_cache_dir is None:  # type: ignore[attr-defined]
            for name, value in settings.items():
                jax.config.update(name, value)
    else:  # read by jax when it is first imported
        for name, value in settings.items():
            os.environ.setdefault(name.upper(), str(value))


# ---------------------------------------------------------------------- samples -> tensors


def float_arrays(sample: Sample) -> list[np.ndarray]:
    """The floating-point numpy arrays of ``sample`` in order (positional, then keyword;
    depth-first into lists/tuples). Registry ``grad`` indices refer to this order."""
    found: list[np.ndarray] = []

    def walk(v: Any) -> None:
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "f":
                found.append(v)
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item)

    walk(sample.args)
    walk(list(sample.kwargs.values()))
    return found


def build_call(sample: Sample, backend: str, dtype: str, grad: tuple[int, ...],
               replace: list[np.ndarray] | None = None, inputs: list[tuple[Any, np.ndarray]] | None = None,
               ) -> tuple[tuple[Any, ...], dict[str, Any], list[Any]]:
    """Positional and keyword arguments for one call of an op on ``backend``.

    Floating arrays become ``dtype`` tensors (those whose index is in ``grad`` require grad
    and are returned as the leaves, in order); integer arrays become int64 and boolean
    arrays bool tensors. ``replace`` substitutes the floating arrays (finite differences);
    ``inputs``, when given, collects ``(tensor, values it was made from)`` pairs.
    """
    counter = iter(range(1 << 30))
    leaves: list[Any] = []

    def convert(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "f":
                i = next(counter)
                data = replace[i] if replace is not None else v
                t = host_tensor(data, dtype, backend)
                if i in grad:
                    t.requires_grad_(True)
                    leaves.append(t)
            else:
                data = v
                t = host_tensor(v, "bool" if v.dtype.kind == "b" else "int64", backend)
            if inputs is not None:
                inputs.append((t, data))
            return t
        if isinstance(v, (list, tuple)):
            return type(v)(convert(item) for item in v)
        return v

    args = tuple(convert(a) for a in sample.args)
    kwargs = {k: convert(v) for k, v in sample.kwargs.items()}
    return args, kwargs, leaves


def host_tensor(data: np.ndarray, dtype: str, backend: str) -> Any:
    """A new tensor of ``backend`` and ``dtype`` (an arraygrad dtype name) holding ``data``,
    made the way users make one: ``ag.tensor(data, dtype=..., backend=...)``."""
    return ag.tensor(np.asarray(data), dtype=getattr(ag, dtype), backend=backend)


def flatten_outputs(out: Any) -> list[Any]:
    """An op's result as a flat list: a Tensor, a (nested) tuple/list of them, or a Python scalar."""
    if isinstance(out, (tuple, list)):
        flat: list[Any] = []
        for item in out:
            flat.extend(flatten_outputs(item))
        return flat
    return [out]


def to_host(value: Any) -> np.ndarray:
    """A Tensor's values (or a Python scalar) as a numpy array."""
    if isinstance(value, ag.Tensor):
        return np.asarray(value.detach().numpy())
    return np.asarray(value)


def _seed(*parts: Any) -> int:
    """A stable seed from strings/ints (Python's ``hash`` is salted per process)."""
    return zlib.crc32("\x00".join(str(p) for p in parts).encode())


# ---------------------------------------------------------------------- comparison


def compare(got: np.ndarray, want: np.ndarray, rtol: float, atol: float, what: str) -> float:
    """Worst ``|got - want| / (atol + rtol * |want|)`` over the elements (0 for exact
    integer/bool equality). Raises :class:`Mismatch` when a shape, a non-float value, a
    NaN/inf position or an element outside the tolerance differs."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise Mismatch(f"{what}: shape {got.shape} != expected {want.shape}")
    if want.dtype.kind not in "fc":
        if not np.array_equal(got, want):
            bad = np.argwhere(got != want)[:5].tolist()
            raise Mismatch(f"{what}: values differ at {bad}:\n got  {got!r}\n want {want!r}")
        return 0.0
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    finite = np.isfinite(want64)
    same_special = np.array_equal(np.isnan(got64), np.isnan(want64)) and np.array_equal(
        got64[~finite & ~np.isnan(want64)], want64[~finite & ~np.isnan(want64)]
    )
    if not same_special:
        raise Mismatch(f"{what}: NaN/inf positions differ:\n got  {got!r}\n want {want!r}")
    if not finite.any():
        return 0.0
    err = np.abs(got64[finite] - want64[finite])
    allowed = atol + rtol * np.abs(want64[finite])
    with np.errstate(divide="ignore", invalid="ignore"):  # zero tolerance: exact comparison
        ratios = np.where(err == 0, 0.0, err / allowed)
    worst = int(np.argmax(ratios))
    ratio = float(ratios[worst])
    if not ratio <= 1.0:  # also catches NaN in got where want is finite
        where = np.argwhere(finite)[worst].tolist()
        raise Mismatch(
            f"{what}: max error {err[worst]:.3g} at index {where} exceeds tolerance (rtol={rtol:g}, atol={atol:g}); "
            f"got {got64[finite][worst]!r}, expected {want64[finite][worst]!r} (error/tolerance = {ratio:.3g})"
        )
    return ratio


# ---------------------------------------------------------------------- the reference (numpy float64)


@dataclass
class Reference:
    """numpy float64 results of one sample, used by both tiers."""

    outputs: list[np.ndarray]  # every output, on the host
    python_outputs: list[bool]  # output i was a Python scalar, not a Tensor
    diff: list[int]  # indices of outputs that require grad (the differentiable ones)
    cotangents: list[np.ndarray]  # one random upstream gradient per differentiable output
    grads: list[np.ndarray]  # vector-Jacobian products, one per grad leaf


def grad_indices(spec: OpSpec, sample: Sample) -> tuple[int, ...]:
    """Indices (into :func:`float_arrays`) of the inputs that get gradients."""
    if not spec.differentiable:
        return ()
    n = len(float_arrays(sample))
    return tuple(range(n)) if spec.grad is None else tuple(spec.grad)


def run_vjp(spec: OpSpec, sample: Sample, backend: str, dtype: str, grad: tuple[int, ...],
            cotangents: list[np.ndarray] | None, diff: list[int] | None = None,
            ) -> tuple[list[Any], list[Any], list[int]]:
    """Run ``spec`` on ``sample``; return (outputs, gradients of the leaves, diff indices).

    The gradients are ``sum_i cotangent_i . d output_i / d leaf`` over the outputs listed in
    ``diff`` (default: every output that requires grad). Unused leaves get zeros.
    """
    inputs: list[tuple[Any, np.ndarray]] = []
    args, kwargs, leaves = build_call(sample, backend, dtype, grad, inputs=inputs)
    outs = flatten_outputs(spec.fn(*args, **kwargs))
    if diff is None:
        diff = [i for i, o in enumerate(outs) if isinstance(o, ag.Tensor) and o.requires_grad]
    grads: list[Any] = []
    if leaves and cotangents is not None:
        for i in diff:
            if not (isinstance(outs[i], ag.Tensor) and outs[i].requires_grad):
                raise Mismatch(f"output {i} does not require grad although its inputs do")
        cts = [host_tensor(c, dtype, backend) for c in cotangents]
        raw = ag.autograd.grad([outs[i] for i in diff], leaves, grad_outputs=cts, allow_unused=True)
        grads = [g if g is not None else ag.zeros_like(leaf) for g, leaf in zip(raw, leaves)]
    check_inputs_unmodified(inputs, f"{spec.id} on {backend}:{dtype}")  # registry callables clone before in-place work
    return outs, grads, diff


def check_inputs_unmodified(inputs: list[tuple[Any, np.ndarray]], what: str) -> None:
    """Every ``(tensor, values it was made from)`` pair of :func:`build_call` still holds its values."""
    for k, (t, data) in enumerate(inputs):
        if not np.array_equal(to_host(t), np.asarray(data).astype(to_host(t).dtype), equal_nan=data.dtype.kind == "f"):
            raise Mismatch(f"{what}: input tensor {k} was modified by the op or its backward")


_REFERENCES: dict[tuple[OpSpec, int], Reference] = {}  # rows hash by identity


def reference(spec: OpSpec, index: int) -> Reference:
    """The numpy float64 reference of sample ``index`` of ``spec`` (computed once)."""
    key = (spec, index)
    if key not in _REFERENCES:
        sample = spec.sample_list[index]
        grad = grad_indices(spec, sample)
        outs, _, diff = run_vjp(spec, sample, "numpy", "float64", grad, None)
        if grad and not diff:
            raise Mismatch(
                f"{spec.id} {sample.describe()}: no output requires grad although inputs {list(grad)} do "
                "(the op did not record a graph)"
            )
        rng = np.random.default_rng(_seed("cotangent", spec.id, index))
        host = [to_host(o) for o in outs]
        cotangents = [f32(rng.standard_normal(host[i].shape)) for i in diff]
        grads: list[np.ndarray] = []
        if grad:
            _, g, _ = run_vjp(spec, sample, "numpy", "float64", grad, cotangents, diff)
            grads = [to_host(t) for t in g]
        _REFERENCES[key] = Reference(
            outputs=host,
            python_outputs=[not isinstance(o, ag.Tensor) for o in outs],
            diff=diff, cotangents=cotangents, grads=grads,
        )
    return _REFERENCES[key]


# ---------------------------------------------------------------------- tier 1: finite differences


def _fd_function(spec: OpSpec, sample: Sample, xs: list[np.ndarray], grad: tuple[int, ...],
                 diff: list[int]) -> Callable[..., list[Any]]:
    """The differentiable outputs of ``spec`` (numpy float64) as a function of the gradient
    inputs (tensors), the other float inputs held at ``xs``: what the shared finite-difference
    core (``arraygrad.core.gradcheck``) perturbs."""
    def outputs(*leaves: Any) -> list[Any]:
        replaced = list(xs)
        for i, t in zip(grad, leaves):
            replaced[i] = to_host(t)
        with ag.no_grad():
            args, kwargs, _ = build_call(sample, "numpy", "float64", (), replace=replaced)
            outs = flatten_outputs(spec.fn(*args, **kwargs))
        return [outs[i] for i in diff]
    return outputs


def _host_blocks(blocks: list[list[Any]], by_output: bool) -> np.ndarray:
    """One (n_out, n_in) matrix from the core's per-pair Jacobians (each (input numel, output
    numel)), listed ``[input][output]`` or, with ``by_output``, ``[output][input]``."""
    rows = blocks if by_output else [list(col) for col in zip(*blocks)]
    return np.block([[to_host(b).astype(np.float64).T for b in row] for row in rows])


def _analytic_rows(spec: OpSpec, sample: Sample, grad: tuple[int, ...], diff: list[int],
                   cotangents_list: Iterator[list[np.ndarray]]) -> Iterator[np.ndarray]:
    """For each cotangent set, the flattened concatenated VJP (one forward, retained graph)."""
    args, kwargs, leaves = build_call(sample, "numpy", "float64", grad)
    outs = flatten_outputs(spec.fn(*args, **kwargs))
    targets = [outs[i] for i in diff]
    for cts in cotangents_list:
        gts = [host_tensor(c, "float64", "numpy") for c in cts]
        grads = numeric.vjp(targets, leaves, gts)
        yield np.concatenate([to_host(g).astype(np.float64).ravel() for g in grads])


def _split(vector: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    parts, start = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        parts.append(vector[start:start + n].reshape(shape))
        start += n
    return parts


def check_expectation(spec: OpSpec, index: int) -> float:
    """The numpy float64 forward of sample ``index`` against the row's independent numpy
    implementation ``spec.expect`` (float64 tolerance)."""
    if spec.expect is None:
        raise ValueError(f"{spec.id} has no numpy expectation")
    sample = spec.sample_list[index]
    ref = reference(spec, index)
    want = flatten_outputs(spec.expect(*sample.args, **sample.kwargs))
    what = f"{spec.id} sample {index} {sample.describe()}"
    if len(want) != len(ref.outputs):
        raise Mismatch(f"{what}: {len(ref.outputs)} outputs, the numpy expectation has {len(want)}")
    rtol, atol = TOLERANCES[("elementwise", "float64")]
    return max(compare(got, np.asarray(w), rtol, atol, f"{what}, output {k} vs independent numpy expectation")
               for k, (got, w) in enumerate(zip(ref.outputs, want)))


def check_tier1(spec: OpSpec) -> float:
    """Analytic gradients of ``spec`` (numpy float64) against central finite differences,
    and the forward against ``spec.expect`` where the row has one (see :func:`gradcheck`)."""
    worst = 0.0
    any_grad = False
    for index, sample in enumerate(spec.sample_list):
        if spec.expect is not None:
            worst = max(worst, check_expectation(spec, index))
        if grad_indices(spec, sample):
            any_grad = True
            worst = max(worst, gradcheck(spec, index))
    if spec.differentiable and not any_grad:
        raise Mismatch(f"{spec.id}: registered as differentiable but no sample has a gradient input")
    return worst


def gradcheck(spec: OpSpec, index: int) -> float:
    """Finite-difference check of sample ``index`` of ``spec``.

    Small cases build both full Jacobians (one backward per output element, one pair of
    forward calls per input element); larger ones compare directional derivatives along
    random directions, for the reference cotangent and for a second random cotangent. In
    both modes the reference VJP that tier 2 compares against is checked too.
    """
    sample = spec.sample_list[index]
    grad = grad_indices(spec, sample)
    ref = reference(spec, index)
    eps = spec.fd_eps or FD_EPS
    what = f"{spec.id} sample {index} {sample.describe()}"
    xs = [x.copy() for x in float_arrays(sample)]
    in_shapes = [xs[i].shape for i in grad]
    out_shapes = [ref.outputs[i].shape for i in ref.diff]
    n_in = sum(int(np.prod(s)) for s in in_shapes)
    n_out = sum(int(np.prod(s)) for s in out_shapes)
    v = np.concatenate([c.ravel() for c in ref.cotangents])
    g_ref = np.concatenate([g.astype(np.float64).ravel() for g in ref.grads])

    outputs_at = _fd_function(spec, sample, xs, grad, ref.diff)
    points = [host_tensor(xs[i], "float64", "numpy") for i in grad]

    def directional(u: np.ndarray) -> np.ndarray:
        """Central difference of the flattened outputs along input direction ``u``."""
        parts = [host_tensor(part, "float64", "numpy") for part in _split(u, in_shapes)]
        return np.concatenate([to_host(d) for d in numeric.central_difference(outputs_at, points, parts, eps)])

    if n_in <= FULL_JACOBIAN_MAX_IN and n_out <= FULL_JACOBIAN_MAX_OUT:
        jac_fd = _host_blocks(numeric.numerical_jacobian(outputs_at, points, range(len(points)), eps), False)
        args, kwargs, leaves = build_call(sample, "numpy", "float64", grad)
        outs = flatten_outputs(spec.fn(*args, **kwargs))
        jac = _host_blocks(numeric.analytical_jacobian([outs[i] for i in ref.diff], leaves), True)
        return max(compare(jac, jac_fd, FD_RTOL, FD_ATOL, f"{what}: Jacobian vs finite differences"),
                   compare(g_ref, v @ jac_fd, FD_RTOL, FD_ATOL, f"{what}: reference VJP vs finite differences"))
    rng = np.random.default_rng(_seed("directions", spec.id, index))
    w = rng.standard_normal(n_out)
    (g_w,) = _analytic_rows(spec, sample, grad, ref.diff, iter([_split(w, out_shapes)]))
    worst = 0.0
    for _ in range(RANDOM_DIRECTIONS):
        u = rng.standard_normal(n_in)
        d = directional(u)
        got, want = np.array([g_ref @ u, g_w @ u]), np.array([v @ d, w @ d])
        worst = max(worst, compare(got, want, FD_RTOL, FD_ATOL, f"{what}: directional derivative vs finite differences"))
    return worst


# ---------------------------------------------------------------------- tier 2: backends x dtypes


def tolerance(spec: OpSpec, quantity: str, dtype: str) -> tuple[float, float]:
    """(rtol, atol) for ``quantity`` ('forward' or 'grad') of ``spec`` in ``dtype``; registry
    overrides use keys like ``'forward:float32'`` or ``'grad:float32'``."""
    override = spec.tol.get(f"{quantity}:{dtype}")
    if override is not None:
        return override
    cls = "grad" if quantity == "grad" else KIND_TOLERANCE[spec.kind]
    return TOLERANCES[(cls, dtype)]


def _expected_dtype(ref: np.ndarray, dtype: str) -> str:
    return dtype if ref.dtype.kind == "f" else ("bool" if ref.dtype.kind == "b" else ref.dtype.name)


def check_tier2(spec: OpSpec, backend: str, dtype: str) -> float:
    """Every sample of ``spec`` on ``backend`` in ``dtype`` against the numpy float64
    reference: forward outputs and gradients, result types and dtypes."""
    require(backend, dtype)
    f_rtol, f_atol = tolerance(spec, "forward", dtype)
    g_rtol, g_atol = tolerance(spec, "grad", dtype)
    worst = 0.0
    for index, sample in enumerate(spec.sample_list):
        ref = reference(spec, index)
        grad = grad_indices(spec, sample)
        what = f"{spec.id} on {backend}:{dtype}, sample {index} {sample.describe()}"
        outs, grads, _ = run_vjp(spec, sample, backend, dtype, grad, ref.cotangents if grad else None, ref.diff)
        if len(outs) != len(ref.outputs):
            raise Mismatch(f"{what}: {len(outs)} outputs, expected {len(ref.outputs)}")
        for k, (out, want) in enumerate(zip(outs, ref.outputs)):
            label = f"{what}, output {k}"
            if ref.python_outputs[k]:
                if isinstance(out, ag.Tensor):
                    raise Mismatch(f"{label}: expected a Python {type(want.item()).__name__}, got a Tensor")
            else:
                assert_native(out, backend, label)
                expected = _expected_dtype(want, dtype)
                if out.dtype.name != expected:
                    raise Mismatch(f"{label}: dtype {out.dtype.name}, expected {expected}")
            worst = max(worst, compare(to_host(out), want, f_rtol, f_atol, label))
        for k, (g, want) in enumerate(zip(grads, ref.grads)):
            label = f"{what}, gradient of input {grad[k]}"
            assert_native(g, backend, label)
            if g.dtype.name != dtype:
                raise Mismatch(f"{label}: dtype {g.dtype.name}, expected {dtype}")
            worst = max(worst, compare(to_host(g), want, g_rtol, g_atol, label))
    return worst


# ---------------------------------------------------------------------- outcomes (report)


@dataclass
class Outcome:
    """One cell of the report: status is pass, FAIL, skip, xfail or XPASS."""

    status: str
    ratio: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "skip", "xfail")


def evaluate(check: Callable[[], float], expected_failure: str | None = None) -> Outcome:
    """Run one check and classify it: a pass with its worst error/tolerance ratio, a failure
    with the first line of the error, a skip with the backend's reason, an expected failure
    (with the registry's reason), or an unexpected pass of an expected failure (XPASS)."""
    try:
        ratio = check()
    except BackendUnavailable as exc:
        return Outcome("skip", None, exc.reason)
    except Exception as exc:  # noqa: BLE001 - every error is a result here
        first = (str(exc).strip().splitlines() or [""])[0]
        detail = f"{type(exc).__name__}: {first}"
        if expected_failure is not None:
            return Outcome("xfail", None, expected_failure)
        return Outcome("FAIL", None, detail)
    if expected_failure is not None:
        return Outcome("XPASS", ratio, f"passes although marked expected failure ({expected_failure})")
    return Outcome("pass", ratio)


# ---------------------------------------------------------------------- random streams

#: seeds for the random-stream check: small, large, and one above 2**32 (both key words used)
SEEDS = (0, 1234567, 2**40 + 3)


def _draw(spec: Any, backend: str, dtype: str, seed: int) -> list[Any]:
    ag.manual_seed(seed)
    return flatten_outputs(spec.draw(backend, dtype))


def check_random(spec: Any, backend: str, dtype: str) -> float:
    """``spec`` (a :class:`conformance_tests.registry.RandomSpec`) drawn on ``backend`` after
    ``ag.manual_seed(s)`` must equal the numpy draw for each seed in :data:`SEEDS`: bit for
    bit when ``spec.exact``, else within the elementwise tolerance of ``dtype``. The numpy
    stream must also depend on the seed (a constant generator would agree everywhere)."""
    require(backend, dtype if spec.float_dtypes else "int64")
    state = ag.get_rng_state()
    try:
        return _check_random(spec, backend, dtype)
    finally:
        ag.set_rng_state(state)  # leave the default generator as the caller had it


def _check_random(spec: Any, backend: str, dtype: str) -> float:
    rtol, atol = TOLERANCES[("elementwise", dtype if spec.float_dtypes else "float64")]
    worst = 0.0
    anchors = []
    for seed in SEEDS:
        want = [to_host(t) for t in _draw(spec, "numpy", dtype, seed)]
        anchors.append(want)
        got = _draw(spec, backend, dtype, seed)
        if len(got) != len(want):
            raise Mismatch(f"{spec.id} on {backend}: {len(got)} draws, expected {len(want)}")
        for k, (g, w) in enumerate(zip(got, want)):
            what = f"{spec.id} on {backend}:{dtype}, seed {seed}, draw {k}"
            assert_native(g, backend, what)
            host = to_host(g)
            if host.dtype != w.dtype:
                raise Mismatch(f"{what}: dtype {host.dtype}, numpy gave {w.dtype}")
            if spec.exact:
                if host.shape != w.shape or host.tobytes() != w.tobytes():
                    compare(host, w, 0.0, 0.0, f"{what} (must be bit-identical to numpy)")
                    raise Mismatch(f"{what}: not bit-identical to numpy (differs in sign of zero or NaN payload)")
            else:
                worst = max(worst, compare(host, w, rtol, atol, what))
    if all(np.array_equal(a, b) for a, b in zip(anchors[0], anchors[1])):
        raise Mismatch(f"{spec.id}: numpy draws for seeds {SEEDS[0]} and {SEEDS[1]} are identical")
    if spec.valid is not None:
        description, predicate = spec.valid
        for seed, draws in zip(SEEDS, anchors):
            if not predicate(draws):
                raise Mismatch(f"{spec.id} (numpy, seed {seed}): expected {description}, got {draws!r}")
    return worst


# ---------------------------------------------------------------------- modules
#
# A module row (conformance_tests.modules.ModuleSpec) is checked like an op row, with the
# module's parameters as further gradient inputs (compared by name) and its state (parameters
# and buffers) compared after the forward: BatchNorm in training updates its running
# statistics. The state is made once (numpy float64, fixed seed, see :func:`module_state`)
# and loaded with ``load_state_dict`` into every backend x dtype instance.
#
# Rows with a ``seed`` (dropout in training) re-seed the default generator before every
# forward, which makes them deterministic functions of their inputs, so both tiers apply
# unchanged. Their masks depend on the dtype (a float32 draw is not a float64 draw), so their
# tier 2 anchor is numpy *in the dtype under test*; on every backend the zero positions must
# equal numpy's, and float64 results must be bit-identical to numpy's.

#: finite-difference directions per gradient tensor: each input and each parameter is
#: perturbed on its own, so that a wrong gradient of a small bias cannot hide behind the
#: gradient of a large weight in one joint direction
MODULE_DIRECTIONS = 2
#: tensors of at most this many elements are checked along each unit direction instead
MODULE_FULL_MAX = 4


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Leave the default generator as the caller had it (constructors and dropout draw from it)."""
    state = ag.get_rng_state()
    try:
        yield
    finally:
        ag.set_rng_state(state)


_MODULE_STATES: dict[ModuleSpec, dict[str, np.ndarray]] = {}  # rows hash by identity


def module_state(spec: ModuleSpec) -> dict[str, np.ndarray]:
    """The state (``state_dict`` as numpy arrays) that every instance of ``spec`` loads.

    Made once: the module is built on numpy in float64 after ``ag.manual_seed`` (a seed derived
    from the row id). Floating entries the constructor fills with one constant (norm weights 1,
    biases 0, running mean 0 and variance 1) are replaced by random values (variances positive),
    else a wrong use of them would go unnoticed; every floating value is rounded to float32 so
    that float32 and float64 instances hold the same numbers (as the samples are, see
    ``samples.f32``).
    """
    if spec not in _MODULE_STATES:
        seed = _seed("module state", spec.id)
        previous = ag.get_default_dtype()
        with preserved_rng(), ag.use_backend("numpy"):
            ag.manual_seed(seed)
            ag.set_default_dtype(ag.float64)
            try:
                module = spec.make()
            finally:
                ag.set_default_dtype(previous)
        rng = np.random.default_rng(seed)
        state: dict[str, np.ndarray] = {}
        for name, t in module.state_dict().items():
            value = to_host(t).copy()
            if value.dtype.kind == "f":
                if value.dtype != np.float64:
                    raise Mismatch(f"{spec.id}: state entry {name!r} is {value.dtype} although built in float64")
                if spec.perturb and value.size and np.all(value == value.reshape(-1)[0]):
                    if name.rsplit(".", 1)[-1] == "running_var":
                        value = rng.uniform(0.5, 1.5, value.shape)
                    else:
                        value = value + 0.5 * rng.standard_normal(value.shape)
                value = f32(value)
            state[name] = value
        _MODULE_STATES[spec] = state
    return _MODULE_STATES[spec]


def _state_dtype(value: np.ndarray, dtype: str) -> str:
    return dtype if value.dtype.kind == "f" else ("bool" if value.dtype.kind == "b" else value.dtype.name)


def module_instance(spec: ModuleSpec, backend: str, dtype: str) -> Any:
    """A new instance of ``spec`` on ``backend`` in ``dtype`` holding :func:`module_state`.

    Constructed on numpy, moved with ``Module.to(backend=..., dtype=...)``, then loaded with
    ``load_state_dict`` (strict) from the state converted to tensors of that backend and dtype,
    and put in training or eval mode. Every parameter and buffer must then be a native array of
    ``backend`` in the right dtype.
    """
    state = module_state(spec)
    with ag.use_backend("numpy"):
        module = spec.make()
    module.to(backend=backend, dtype=getattr(ag, dtype))
    module.load_state_dict({k: host_tensor(v, _state_dtype(v, dtype), backend) for k, v in state.items()})
    module.train(spec.train)
    for name, t in [*module.named_parameters(), *module.named_buffers()]:
        label = f"{spec.id} on {backend}:{dtype}, state entry {name!r} after load_state_dict"
        assert_native(t, backend, label)
        if name in state and t.dtype.name != _state_dtype(state[name], dtype):
            raise Mismatch(f"{label}: dtype {t.dtype.name}, expected {_state_dtype(state[name], dtype)}")
    return module


def module_grad_indices(spec: ModuleSpec, sample: Sample) -> tuple[int, ...]:
    """Indices (into :func:`float_arrays`) of the sample's inputs that get gradients."""
    return tuple(range(len(float_arrays(sample)))) if spec.grad is None else tuple(spec.grad)


def _grad_parameters(module: Any) -> list[tuple[str, Any]]:
    return [(name, p) for name, p in module.named_parameters() if p.requires_grad]


def _module_forward(spec: ModuleSpec, module: Any, sample: Sample, backend: str, dtype: str, grad: tuple[int, ...],
                    replace: list[np.ndarray] | None = None, inputs: list[tuple[Any, np.ndarray]] | None = None,
                    ) -> tuple[list[Any], list[Any]]:
    """One forward of ``module`` on ``sample`` (re-seeded first for seeded rows): the flat
    outputs (None where the module returns None) and the input leaves."""
    args, kwargs, leaves = build_call(sample, backend, dtype, grad, replace=replace, inputs=inputs)
    if spec.seed is not None:
        ag.manual_seed(spec.seed)
    return flatten_outputs(spec.forward(module, args, kwargs)), leaves


def _module_vjp(outs: list[Any], diff: list[int], targets: list[Any], cotangents: list[np.ndarray], backend: str,
                dtype: str, what: str) -> list[Any]:
    """Gradients of ``sum(cotangent * output)`` over the differentiable outputs with respect
    to ``targets`` (zeros for a target the outputs do not depend on)."""
    for i in diff:
        if not (isinstance(outs[i], ag.Tensor) and outs[i].requires_grad):
            raise Mismatch(f"{what}: output {i} does not require grad although the reference's does")
    cts = [host_tensor(c, dtype, backend) for c in cotangents]
    raw = ag.autograd.grad([outs[i] for i in diff], targets, grad_outputs=cts, allow_unused=True)
    return [g if g is not None else ag.zeros_like(t) for g, t in zip(raw, targets)]


@dataclass
class ModuleReference:
    """numpy results of one module sample (float64, or the dtype's anchor for seeded rows)."""

    outputs: list[np.ndarray | None]  # every output on the host (None where the module returned None)
    diff: list[int]  # indices of outputs that require grad
    cotangents: list[np.ndarray]  # one random upstream gradient per differentiable output
    grad_names: list[str]  # "input <i>" (index into float_arrays) or "parameter <name>"
    grads: list[np.ndarray]  # the vector-Jacobian products, one per grad_names entry
    state: dict[str, np.ndarray]  # state_dict after the forward


_MODULE_REFERENCES: dict[tuple[ModuleSpec, int, str], ModuleReference] = {}


def module_reference(spec: ModuleSpec, index: int, dtype: str = "float64") -> ModuleReference:
    """The numpy reference of sample ``index`` of ``spec`` (computed once). ``dtype`` other
    than float64 only for seeded rows (their anchor per dtype)."""
    key = (spec, index, dtype)
    if key not in _MODULE_REFERENCES:
        sample = spec.sample_list[index]
        what = f"{spec.id} sample {index} {sample.describe()} (numpy {dtype} reference)"
        grad = module_grad_indices(spec, sample)
        with preserved_rng():
            module = module_instance(spec, "numpy", dtype)
            inputs: list[tuple[Any, np.ndarray]] = []
            outs, leaves = _module_forward(spec, module, sample, "numpy", dtype, grad, inputs=inputs)
            params = _grad_parameters(module)
            diff = [i for i, o in enumerate(outs) if isinstance(o, ag.Tensor) and o.requires_grad]
            if (leaves or params) and not diff:
                raise Mismatch(f"{what}: no output requires grad although the inputs or parameters do")
            host = [None if o is None else to_host(o) for o in outs]
            rng = np.random.default_rng(_seed("module cotangent", spec.id, index))
            cotangents = [f32(rng.standard_normal(tuple(outs[i].shape))) for i in diff]
            names = [f"input {i}" for i in grad] + [f"parameter {n}" for n, _ in params]
            grads = []
            if diff:
                targets = leaves + [p for _, p in params]
                grads = [to_host(g) for g in _module_vjp(outs, diff, targets, cotangents, "numpy", dtype, what)]
            state = {k: to_host(v) for k, v in module.state_dict().items()}
            check_inputs_unmodified(inputs, what)
        _MODULE_REFERENCES[key] = ModuleReference(host, diff, cotangents, names if diff else [], grads, state)
    return _MODULE_REFERENCES[key]


def check_module_tier1(spec: ModuleSpec) -> float:
    """Tier 1 of a module row on numpy float64: the row's ``validate`` predicate on the outputs
    where it has one, and gradients with respect to the inputs and every parameter against
    central finite differences (:func:`module_gradcheck`)."""
    worst = 0.0
    checked = False
    for index, sample in enumerate(spec.sample_list):
        ref = module_reference(spec, index)
        if spec.validate is not None:
            description, predicate = spec.validate
            if not predicate(float_arrays(sample), ref.outputs):
                raise Mismatch(f"{spec.id} sample {index} {sample.describe()}: expected {description}")
            checked = True
        if ref.grad_names:
            worst = max(worst, module_gradcheck(spec, index))
            checked = True
    if not checked:
        raise Mismatch(f"{spec.id}: nothing to check in tier 1 (no gradient input or parameter, no validate)")
    return worst


def module_gradcheck(spec: ModuleSpec, index: int) -> float:
    """Finite-difference check of sample ``index`` of ``spec``: for each gradient input and each
    parameter on its own, the directional derivative along random directions (every unit
    direction for tensors of at most :data:`MODULE_FULL_MAX` elements) must equal the reference
    gradient projected on it, for the reference cotangent and for a second random one.

    Finite-difference forwards reuse one numpy float64 instance, reloading the full state
    (buffers included: BatchNorm in training updates them) before each forward.
    """
    sample = spec.sample_list[index]
    ref = module_reference(spec, index)
    state = module_state(spec)
    grad = module_grad_indices(spec, sample)
    what = f"{spec.id} sample {index} {sample.describe()}"
    xs = [x.copy() for x in float_arrays(sample)]
    out_shapes = [ref.outputs[i].shape for i in ref.diff]  # type: ignore[union-attr]
    eps = spec.fd_eps or FD_EPS

    with preserved_rng():
        module = module_instance(spec, "numpy", "float64")

        def outputs_at(inputs: list[np.ndarray], st: dict[str, np.ndarray]) -> list[Any]:
            module.load_state_dict({k: host_tensor(v, _state_dtype(v, "float64"), "numpy") for k, v in st.items()})
            with ag.no_grad():
                outs, _ = _module_forward(spec, module, sample, "numpy", "float64", (), replace=inputs)
            return [outs[i] for i in ref.diff]

        def perturbed(kind: str, key: str) -> Callable[[Any], list[Any]]:
            """The outputs as a function of one input or one state entry (a tensor)."""
            def outputs(t: Any) -> list[Any]:
                if kind == "input":
                    inputs = list(xs)
                    inputs[int(key)] = to_host(t)
                    return outputs_at(inputs, state)
                return outputs_at(xs, {**state, key: to_host(t)})
            return outputs

        # the gradients for a second cotangent w
        rng = np.random.default_rng(_seed("module directions", spec.id, index))
        w = rng.standard_normal(sum(int(np.prod(s)) for s in out_shapes))
        fresh = module_instance(spec, "numpy", "float64")
        outs, leaves = _module_forward(spec, fresh, sample, "numpy", "float64", grad)
        targets = leaves + [p for _, p in _grad_parameters(fresh)]
        g_w = [to_host(g) for g in _module_vjp(outs, ref.diff, targets, _split(w, out_shapes), "numpy", "float64",
                                                what)]
        v = np.concatenate([c.ravel() for c in ref.cotangents])

        worst = 0.0
        unknown = set(spec.fd_skip) - set(ref.grad_names)
        if unknown:
            raise Mismatch(f"{what}: fd_skip names {sorted(unknown)}, which are not gradients of the row "
                           f"({ref.grad_names})")
        for name, g_ref, g_second in zip(ref.grad_names, ref.grads, g_w):
            kind, _, key = name.partition(" ")
            base = xs[int(key)] if kind == "input" else state[key]
            n = base.size
            directions = (np.eye(n) if n <= MODULE_FULL_MAX else rng.standard_normal((MODULE_DIRECTIONS, n)))
            if name in spec.fd_skip:  # entries whose gradient is by definition not the derivative
                _, entries = spec.fd_skip[name]
                keep = np.ones(base.shape, dtype=bool)
                keep[entries if entries is not None else ...] = False
                directions = directions * keep.ravel()
            fn, point = perturbed(kind, key), [host_tensor(base, "float64", "numpy")]
            for u in directions:
                if not u.any():
                    continue
                direction = [host_tensor(u.reshape(base.shape), "float64", "numpy")]
                d = np.concatenate([to_host(p) for p in numeric.central_difference(fn, point, direction, eps)])
                got = np.array([g_ref.astype(np.float64).ravel() @ u, g_second.astype(np.float64).ravel() @ u])
                worst = max(worst, compare(got, np.array([v @ d, w @ d]), FD_RTOL, FD_ATOL,
                                           f"{what}: directional derivative for {name} vs finite differences"))
    return worst


def module_tolerance(spec: ModuleSpec, quantity: str, dtype: str) -> tuple[float, float]:
    """(rtol, atol) for ``quantity`` ('forward', 'grad' or 'state') of a module row in ``dtype``;
    overrides in ``spec.tol`` use keys like ``'grad:float32'``."""
    return spec.tol.get(f"{quantity}:{dtype}") or TOLERANCES[("module", dtype)]


def _check_seeded(got: np.ndarray, want: np.ndarray, dtype: str, what: str) -> None:
    """Seeded rows: zero positions (the dropout mask) equal numpy's; float64 values bit-identical."""
    if got.shape == want.shape and not np.array_equal(got == 0, want == 0):
        bad = np.argwhere((got == 0) != (want == 0))[:5].tolist()
        raise Mismatch(f"{what}: the dropout mask differs from numpy's under the same seed (zero positions differ at {bad})")
    if dtype == "float64" and got.shape == want.shape and got.tobytes() != want.tobytes():
        compare(got, want, 0.0, 0.0, f"{what} (must be bit-identical to numpy's under the same seed)")
        raise Mismatch(f"{what}: not bit-identical to numpy's under the same seed (sign of zero or NaN payload)")


def check_module_tier2(spec: ModuleSpec, backend: str, dtype: str) -> float:
    """Every sample of ``spec`` on ``backend`` in ``dtype`` against the numpy reference: forward
    outputs, gradients with respect to the inputs and every parameter, and the state after the
    forward, with result types and dtypes checked."""
    require(backend, dtype)
    worst = 0.0
    anchor = dtype if spec.seed is not None else "float64"
    with preserved_rng():
        for index, sample in enumerate(spec.sample_list):
            ref = module_reference(spec, index, anchor)
            grad = module_grad_indices(spec, sample)
            what = f"{spec.id} on {backend}:{dtype}, sample {index} {sample.describe()}"
            module = module_instance(spec, backend, dtype)
            inputs: list[tuple[Any, np.ndarray]] = []
            outs, leaves = _module_forward(spec, module, sample, backend, dtype, grad, inputs=inputs)
            if len(outs) != len(ref.outputs):
                raise Mismatch(f"{what}: {len(outs)} outputs, expected {len(ref.outputs)}")
            rtol, atol = module_tolerance(spec, "forward", dtype)
            for k, (out, want) in enumerate(zip(outs, ref.outputs)):
                label = f"{what}, output {k}"
                if want is None or out is None:
                    if want is not None or out is not None:
                        raise Mismatch(f"{label}: {'None' if out is None else 'a tensor'}, the reference has "
                                       f"{'None' if want is None else 'a tensor'}")
                    continue
                assert_native(out, backend, label)
                if out.dtype.name != _expected_dtype(want, dtype):
                    raise Mismatch(f"{label}: dtype {out.dtype.name}, expected {_expected_dtype(want, dtype)}")
                if spec.seed is not None:
                    _check_seeded(to_host(out), want, dtype, label)
                worst = max(worst, compare(to_host(out), want, rtol, atol, label))
            if ref.diff:
                params = _grad_parameters(module)
                names = [f"input {i}" for i in grad] + [f"parameter {n}" for n, _ in params]
                if names != ref.grad_names:
                    raise Mismatch(f"{what}: gradient targets {names}, the reference has {ref.grad_names}")
                targets = leaves + [p for _, p in params]
                grads = _module_vjp(outs, ref.diff, targets, ref.cotangents, backend, dtype, what)
                rtol, atol = module_tolerance(spec, "grad", dtype)
                for name, g, want in zip(names, grads, ref.grads):
                    label = f"{what}, gradient of {name}"
                    assert_native(g, backend, label)
                    if g.dtype.name != dtype:
                        raise Mismatch(f"{label}: dtype {g.dtype.name}, expected {dtype}")
                    if spec.seed is not None:
                        _check_seeded(to_host(g), want, dtype, label)
                    worst = max(worst, compare(to_host(g), want, rtol, atol, label))
            state = module.state_dict()
            if list(state) != list(ref.state):
                raise Mismatch(f"{what}: state_dict keys {list(state)} after the forward, expected {list(ref.state)}")
            rtol, atol = module_tolerance(spec, "state", dtype)
            for name, t in state.items():
                label = f"{what}, state entry {name!r} after the forward"
                want = ref.state[name]
                assert_native(t, backend, label)
                if t.dtype.name != _state_dtype(want, dtype):
                    raise Mismatch(f"{label}: dtype {t.dtype.name}, expected {_state_dtype(want, dtype)}")
                worst = max(worst, compare(to_host(t), want, rtol, atol, label))
            check_inputs_unmodified(inputs, what)
    return worst
