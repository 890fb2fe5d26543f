"""Gradient checks by finite differences, as ``torch.autograd.gradcheck`` / ``gradgradcheck``.

The numeric core is three functions, shared with the conformance suite's tier 1
(``conformance_tests/harness.py``):

* :func:`central_difference`: ``(f(x + eps*u) - f(x - eps*u)) / (2*eps)`` along a direction ``u``;
* :func:`numerical_jacobian`: that along every unit direction of every input, giving Jacobians;
* :func:`vjp` / :func:`analytical_jacobian`: the same Jacobians from backward, one unit cotangent
  per output element (a row of the Jacobian per backward).

:func:`gradcheck` compares the two Jacobians for every (output, input) pair with
``|analytical - numerical| <= atol + rtol * |numerical|`` (``allclose``). Both Jacobians of an
input of ``n`` elements and an output of ``m`` elements have shape ``(n, m)``, PyTorch's layout.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from arraygrad.core import creation, dtypes, random
from arraygrad.core.autograd import grad as autograd_grad
from arraygrad.core.shape import stack
from arraygrad.core.tensor import Tensor

__all__ = [
    "GradcheckError", "analytical_jacobian", "central_difference", "gradcheck", "gradgradcheck",
    "numerical_jacobian", "vjp",
]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` and :func:`gradgradcheck` when a check fails
    (``torch.autograd.gradcheck.GradcheckError``)."""


# ---------------------------------------------------------------------- the numeric core


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return list(value)
    return [value]


def _flat64(t: Tensor) -> Tensor:
    return t.detach().reshape(-1).to(dtypes.float64)


def _unit(t: Tensor, index: int) -> Tensor:
    """A tensor shaped and typed like ``t``: 1 at flat ``index``, 0 elsewhere."""
    n = t.numel()
    positions = creation.arange(n, dtype=dtypes.int64, backend=t._backend)
    return (positions == index).to(t.dtype).reshape(tuple(t.shape))


def central_difference(
    fn: Callable[..., Any], inputs: Sequence[Any], direction: Sequence[Tensor | None], eps: float
) -> list[Tensor]:
    """Central difference of ``fn`` at ``inputs`` along ``direction``.

    Args:
        fn: called as ``fn(*inputs)``; returns a Tensor or a sequence of them.
        inputs: the arguments; entries with a direction are Tensors.
        direction: one entry per input: a Tensor of that input's shape, or None to leave it.
        eps: the step.

    Returns:
        Per output of ``fn``, ``(fn(x + eps*u) - fn(x - eps*u)) / (2*eps)`` flattened, in float64.
        Perturbed inputs are new tensors (detached, requiring grad as the original did), so ``fn``
        may itself run autograd on them.
    """
    def shifted(sign: float) -> list[Tensor]:
        args = []
        for x, u in zip(inputs, direction):
            if u is None:
                args.append(x)
                continue
            moved = x.detach() + (sign * eps) * u
            args.append(moved.requires_grad_() if x.requires_grad else moved)
        return [_flat64(o) for o in _as_list(fn(*args))]

    plus, minus = shifted(1.0), shifted(-1.0)
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def numerical_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Any], wrt: Iterable[int], eps: float
) -> list[list[Tensor]]:
    """Jacobians of ``fn`` by central differences along each element of the inputs ``wrt``.

    Args:
        fn: called as ``fn(*inputs)``; returns a Tensor or a sequence of them.
        inputs: the arguments.
        wrt: positions in ``inputs`` of the Tensors to differentiate with respect to.
        eps: the finite-difference step.

    Returns:
        ``jac[i][k]``: float64 Tensor of shape ``(inputs[wrt[i]].numel(), numel of output k)``.
    """
    jacobians = []
    for i in wrt:
        x = inputs[i]
        columns: list[list[Tensor]] = []  # per input element, one flat derivative per output
        for e in range(x.numel()):
            direction: list[Tensor | None] = [None] * len(inputs)
            direction[i] = _unit(x, e)
            columns.append(central_difference(fn, inputs, direction, eps))
        n_outputs = len(columns[0]) if columns else len(_as_list(fn(*inputs)))
        per_output = []
        for k in range(n_outputs):
            if columns:
                per_output.append(stack([col[k] for col in columns], dim=0))
            else:
                out = _as_list(fn(*inputs))[k]
                per_output.append(creation.zeros((0, out.numel()), dtype=dtypes.float64, backend=x._backend))
        jacobians.append(per_output)
    return jacobians


def vjp(outputs: Sequence[Tensor], inputs: Sequence[Tensor], cotangents: Sequence[Tensor]) -> list[Tensor]:
    """``sum_k cotangent_k . d output_k / d input`` for each input by backward (graph retained).

    Returns:
        One Tensor per input, in the input's shape and the gradient's dtype (zeros for an input
        the outputs do not depend on).
    """
    grads = autograd_grad(list(outputs), list(inputs), grad_outputs=list(cotangents), retain_graph=True,
                          allow_unused=True)
    return [g if g is not None else creation.zeros_like(x) for g, x in zip(grads, inputs)]


def analytical_jacobian(outputs: Sequence[Tensor], inputs: Sequence[Tensor]) -> list[list[Tensor]]:
    """Jacobians of ``outputs`` with respect to ``inputs`` by backward, one per output element.

    Returns:
        ``jac[k][i]``: float64 Tensor of shape ``(inputs[i].numel(), outputs[k].numel())``.
    """
    jacobians = []
    for out in outputs:
        rows: list[list[Tensor]] = []  # per output element, one flat gradient per input
        for e in range(out.numel()):
            rows.append([_flat64(g) for g in vjp([out], inputs, [_unit(out, e)])])
        per_input = []
        for i, x in enumerate(inputs):
            if rows:
                per_input.append(stack([row[i] for row in rows], dim=1))
            else:
                per_input.append(creation.zeros((x.numel(), 0), dtype=dtypes.float64, backend=x._backend))
        jacobians.append(per_input)
    return jacobians


def _allclose(a: Tensor, b: Tensor, rtol: float, atol: float) -> bool:
    if a.numel() == 0:
        return True
    a64, b64 = a.to(dtypes.float64), b.to(dtypes.float64)
    return bool(((a64 - b64).abs() <= atol + rtol * b64.abs()).all())


# ---------------------------------------------------------------------- gradcheck


def _reject(option: str, value: Any, default: Any, where: str) -> None:
    if value != default:
        raise NotImplementedError(f"{where}: {option}={value!r} is not supported by arraygrad")


def _check_inputs(inputs: list[Any]) -> list[int]:
    """Positions of the inputs requiring grad; warns for those that are not float64."""
    diff = []
    for idx, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype.is_complex:
                raise NotImplementedError(f"gradcheck: input #{idx} is complex; arraygrad checks real inputs only")
            if x.dtype != dtypes.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are not of double precision floating point "
                    "or complex. ",
                    UserWarning,
                    stacklevel=4,
                )
            diff.append(idx)
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have "
            "requires_grad=True."
        )
    return diff


def _mismatch_message(analytical: Tensor, numerical: Tensor, output_idx: int, input_idx: int) -> str:
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{numerical}\nanalytical:{analytical}\n"
    )


def _run_gradcheck(
    func: Callable[..., Any], inputs: list[Any], eps: float, atol: float, rtol: float, nondet_tol: float,
    check_undefined_grad: bool, check_grad_dtypes: bool, check_backward_ad: bool, fast_mode: bool = False,
) -> bool:
    diff = _check_inputs(inputs)
    diff_inputs = [inputs[i] for i in diff]
    func_out = _as_list(func(*inputs))
    for k, o in enumerate(func_out):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: output {k} of the function is a {type(o).__name__}, not a Tensor")
        if o.dtype.is_complex:
            raise NotImplementedError(f"gradcheck: output {k} is complex; arraygrad checks real outputs only")
    if not check_backward_ad:
        return True
    outputs = [(k, o) for k, o in enumerate(func_out) if o.requires_grad]
    if fast_mode:
        _fast_check(func, inputs, diff, outputs, eps, atol, rtol, nondet_tol)
    else:
        _slow_check(func, inputs, diff, outputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    if outputs:
        _check_backward_multiplies_grad_output([o for _, o in outputs], diff_inputs)
        if check_undefined_grad and len(outputs) > 1:
            _check_undefined_grad(func, inputs, diff_inputs)
    return True


def _slow_check(
    func: Callable[..., Any], inputs: list[Any], diff: list[int], outputs: list[tuple[int, Tensor]], eps: float,
    atol: float, rtol: float, nondet_tol: float, check_grad_dtypes: bool,
) -> None:
    """Full Jacobians: every (output, input) pair element by element."""
    diff_inputs = [inputs[i] for i in diff]
    # numerical Jacobians for every output, as PyTorch: those that do not require grad must be zero
    numerical = numerical_jacobian(func, inputs, diff, eps)
    if not outputs:
        for per_input in numerical:
            for jac in per_input:
                if bool((jac != 0).any()):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return

    for out_pos, (k, o) in enumerate(outputs):
        first = analytical_jacobian([o], diff_inputs)[0]
        again = analytical_jacobian([o], diff_inputs)[0]
        for i in range(len(diff_inputs)):
            if not _allclose(first[i], numerical[i][k], rtol, atol):
                raise GradcheckError(_mismatch_message(first[i], numerical[i][k], out_pos, i))
            if first[i].numel() and float((first[i] - again[i]).abs().max().item()) > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                    "times gives different values, although analytical gradient matches numerical gradient."
                    f"The tolerance for nondeterminism was {nondet_tol}."
                )
        grads = autograd_grad([o], diff_inputs, grad_outputs=[creation.zeros_like(o)], retain_graph=True,
                              allow_unused=True)
        for g, x in zip(grads, diff_inputs):
            if g is None:
                continue
            if tuple(g.shape) != tuple(x.shape):
                raise GradcheckError("Analytical gradient has incorrect size")
            if check_grad_dtypes and g.dtype != x.dtype:
                raise GradcheckError("Gradient has dtype mismatch")


def _random_unit(like: Tensor, generator: random.Generator) -> Tensor:
    """A random vector (flat, ``like``'s numel, dtype and backend) of non-negative entries and norm 1."""
    vec = random.rand((like.numel(),), generator=generator, dtype=like.dtype, backend=like._backend)
    return vec / (vec * vec).sum().sqrt()


def _fast_check(
    func: Callable[..., Any], inputs: list[Any], diff: list[int], outputs: list[tuple[int, Tensor]], eps: float,
    atol: float, rtol: float, nondet_tol: float,
) -> None:
    """PyTorch's fast mode: per (output k, input i) compare the scalars ``v_k . (J u_i)`` (finite
    differences along ``u_i``) and ``(v_k J) . u_i`` (one backward per output) for random unit
    vectors, with ``atol`` scaled by ``sum(u_i) * sum(v_k)``; a failure is explained by the
    slow-mode Jacobians of that pair."""
    generator = random.Generator().manual_seed(0)  # a stream of its own: the user's is left alone
    diff_inputs = [inputs[i] for i in diff]
    us = [_random_unit(x, generator) for x in diff_inputs]
    vs = [_random_unit(o, generator) for _, o in outputs]
    jvps = []  # per input, the flat J u of every output
    for pos, (i, u) in enumerate(zip(diff, us)):
        direction: list[Tensor | None] = [None] * len(inputs)
        direction[i] = u.reshape(tuple(diff_inputs[pos].shape))
        jvps.append(central_difference(func, inputs, direction, eps))
    if not outputs:
        for per_output in jvps:
            for ju in per_output:
                if bool((ju != 0).any()):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    for out_pos, ((k, o), v) in enumerate(zip(outputs, vs)):
        cotangent = v.reshape(tuple(o.shape))
        first = [_flat64(g) for g in vjp([o], diff_inputs, [cotangent])]
        again = [_flat64(g) for g in vjp([o], diff_inputs, [cotangent])]
        v64 = v.to(dtypes.float64)
        for pos, u in enumerate(us):
            u64 = u.to(dtypes.float64)
            analytical = (first[pos] * u64).sum()
            numerical = (jvps[pos][k] * v64).sum()
            scaled_atol = atol * float(u64.sum().item()) * float(v64.sum().item())
            if not _allclose(analytical, numerical, rtol, scaled_atol):
                raise GradcheckError(
                    _mismatch_message(analytical, numerical, out_pos, pos)
                    + _slow_mode_explanation(func, inputs, diff, pos, o, k, eps, atol, rtol)
                )
            if float((first[pos] - again[pos]).abs().max().item()) > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                    "times gives different values, although analytical gradient matches numerical gradient."
                    f"The tolerance for nondeterminism was {nondet_tol}."
                )


def _slow_mode_explanation(
    func: Callable[..., Any], inputs: list[Any], diff: list[int], pos: int, output: Tensor, k: int, eps: float,
    atol: float, rtol: float,
) -> str:
    numerical = numerical_jacobian(func, inputs, [diff[pos]], eps)[0][k]
    analytical = analytical_jacobian([output], [inputs[diff[pos]]])[0][0]
    max_diff = (numerical - analytical).abs().max()
    text = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {numerical}\n"
        f"Analytical:\n{analytical}\n\n"
        f"The max per-element difference (slow mode) is: {max_diff}.\n"
    )
    if _allclose(analytical, numerical, rtol, atol):
        text += (
            "Fast gradcheck failed but element-wise differences are small. This means that the\n"
            "test might've passed in slow_mode! Call gradcheck/gradgradcheck with fast_mode=False."
        )
    return text


def _check_backward_multiplies_grad_output(outputs: list[Tensor], diff_inputs: list[Tensor]) -> None:
    grads = autograd_grad(outputs, diff_inputs, grad_outputs=[creation.zeros_like(o) for o in outputs],
                          retain_graph=True, allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if not bool((g == 0).all()):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype != x.dtype:
            raise GradcheckError("grad is incorrect type")
        if tuple(g.shape) != tuple(x.shape):
            raise GradcheckError("grad is incorrect size")


def _check_undefined_grad(func: Callable[..., Any], inputs: list[Any], diff_inputs: list[Tensor]) -> None:
    """With several outputs, backward must cope with an output that receives no gradient at all
    (arraygrad's undefined gradient: the node is given None for it)."""
    outputs = [o for o in _as_list(func(*inputs)) if o.requires_grad]
    for skip in range(len(outputs)):
        kept = [o for k, o in enumerate(outputs) if k != skip]
        try:
            grads = autograd_grad(kept, diff_inputs, grad_outputs=[creation.zeros_like(o) for o in kept],
                                  retain_graph=True, allow_unused=True)
        except Exception as exc:
            raise GradcheckError(
                f"Expected backward function to handle undefined output grads (output {skip} received no "
                f"gradient): {type(exc).__name__}: {exc}"
            ) from exc
        for g in grads:
            if g is not None and not bool((g == 0).all()):
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are undefined or zero."
                )


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    For every differentiable output and every input requiring grad, the Jacobian from backward
    (one backward per output element) must satisfy ``|analytical - numerical| <= atol + rtol *
    |numerical|``. Backward is also run twice (results within ``nondet_tol``), with zero gradients
    (results must be zero: the backward multiplies by the incoming gradient), and, with
    several outputs and ``check_undefined_grad``, with one output receiving no gradient at all.
    Use float64 inputs: float32 finite differences are too coarse for the default tolerances.

    Args:
        func: called as ``func(*inputs)``; returns a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of arguments; those requiring grad are checked.
        eps: finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).
        nondet_tol: how far two backward runs with the same input may differ.
        check_undefined_grad: check backward copes with outputs that receive no gradient.
        check_grad_dtypes: check every gradient has its input's dtype.
        check_batched_grad: not supported (arraygrad has no vmap): only False.
        check_batched_forward_grad: not supported (no forward-mode AD): only False.
        check_forward_ad: not supported (no forward-mode AD): only False.
        check_backward_ad: check backward-mode gradients (False: only the inputs are checked).
        fast_mode: compare ``v . J u`` for random unit vectors ``u`` and ``v`` instead of whole Jacobians
            (one finite difference per input, one backward per output); a failure shows both
            Jacobians of the failing pair.
        masked: not supported for True (sparse masked semantics).

    Returns:
        True when every check passes; False on failure with ``raise_exception=False``.

    Raises:
        GradcheckError: a check failed ("Jacobian mismatch for output 0 with respect to input 0,"
            followed by both matrices), unless ``raise_exception=False``.
        ValueError: no input requires grad.
        NotImplementedError: an option arraygrad cannot honour is set, or an input/output is complex.
    """
    for option, value, default in (
        ("check_batched_grad", check_batched_grad, False), ("check_batched_forward_grad", check_batched_forward_grad, False),
        ("check_forward_ad", check_forward_ad, False),
    ):
        _reject(option, value, default, "gradcheck")
    if masked:
        _reject("masked", masked, None, "gradcheck")
    try:
        return _run_gradcheck(func, _as_list(inputs), eps, atol, rtol, nondet_tol, check_undefined_grad,
                              check_grad_dtypes, check_backward_ad, fast_mode)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second-order gradients: :func:`gradcheck` of the function that maps
    ``(inputs, grad_outputs)`` to the gradients of ``func`` (computed with ``create_graph=True``).

    Args:
        func: called as ``func(*inputs)``; returns a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of arguments; those requiring grad are checked.
        grad_outputs: the gradients of the outputs; default random values in ``[-1, 1)`` in each
            output's dtype, requiring grad (so the check covers them too).
        eps: the finite-difference step, as in :func:`gradcheck` (default 1e-6).
        atol: absolute tolerance, as in :func:`gradcheck` (default 1e-5).
        rtol: relative tolerance, as in :func:`gradcheck` (default 1e-3).
        raise_exception: raise on a mismatch instead of returning False (default True).
        nondet_tol: tolerance for nondeterminism, as in :func:`gradcheck` (default 0).
        check_undefined_grad: as in :func:`gradcheck` (default True).
        check_grad_dtypes: as in :func:`gradcheck` (default False).
        gen_non_contig_grad_outputs: accepted; arraygrad has no strides, so every tensor is
            contiguous and this changes nothing.
        fast_mode: as :func:`gradcheck`.
        check_batched_grad: not supported: only their defaults.
        check_fwd_over_rev: not supported: only their defaults.
        masked: not supported: only their defaults.
        check_rev_over_rev: check reverse-over-reverse gradients (the only kind arraygrad has).

    Returns:
        True when every check passes; False on failure with ``raise_exception=False``.

    Raises:
        GradcheckError: a check failed, unless ``raise_exception=False``.
        NotImplementedError: an option arraygrad cannot honour is set.
    """
    for option, value, default in (
        ("check_batched_grad", check_batched_grad, False), ("check_fwd_over_rev", check_fwd_over_rev, False),
        ("masked", masked, False),
    ):
        _reject(option, value, default, "gradgradcheck")
    if not check_rev_over_rev:
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    tupled_inputs = _as_list(inputs)
    if grad_outputs is None:
        outputs = [o for o in _as_list(func(*tupled_inputs)) if o.requires_grad]
        tupled_grad_outputs = [
            (random.rand_like(o.detach(), dtype=o.dtype if o.dtype.is_floating_point else dtypes.float64) * 2 - 1)
            .requires_grad_()
            for o in outputs
        ]
    else:
        tupled_grad_outputs = _as_list(grad_outputs)
    n_grad_outputs = len(tupled_grad_outputs)
    diff_input_indices = {i for i, x in enumerate(tupled_inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_output_indices = {i for i, g in enumerate(tupled_grad_outputs) if g.requires_grad}

    def first_order_grads(*args: Any) -> tuple[Tensor, ...]:
        input_args = [
            x.requires_grad_() if i in diff_input_indices and not x.requires_grad else x
            for i, x in enumerate(args[:-n_grad_outputs] if n_grad_outputs else args)
        ]
        outputs = [o for o in _as_list(func(*input_args)) if o.requires_grad]
        gouts = [
            g.requires_grad_() if i in diff_grad_output_indices and not g.requires_grad else g
            for i, g in enumerate(args[len(args) - n_grad_outputs:])
        ]
        diff_args = [x for i, x in enumerate(input_args) if i in diff_input_indices]
        grads = autograd_grad(outputs, diff_args, grad_outputs=gouts, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_order_grads,
        tupled_inputs + tupled_grad_outputs,
        eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode,
    )

