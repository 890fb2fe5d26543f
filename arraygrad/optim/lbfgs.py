"""Limited-memory BFGS with an optional strong-Wolfe line search: PyTorch's ``torch.optim.LBFGS``.

L-BFGS treats all parameters as one flat vector. Each ``step(closure)`` runs up to ``max_iter``
iterations: a search direction from the last ``history_size`` pairs of (parameter change,
gradient change) by the two-loop recursion, then a fixed step of ``lr`` along it, or a step chosen
by a line search satisfying the strong Wolfe conditions (cubic interpolation to bracket, then zoom).

The flat vectors are backend arrays, combined with array API functions only; scalars (step
lengths, dot products, the loss) are Python floats, read from the device once each, since every
decision of the algorithm (tolerances, the Wolfe tests) needs them on the host anyway.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor
from arraygrad.optim.optimizer import Optimizer, ParamsT, check_non_negative, run_closure

Array = Any

__all__ = ["LBFGS"]


# ---------------------------------------------------------------------- line search


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``, ``g2``,
    clamped to ``bounds`` (default: the interval between the points); the middle of the bounds
    when the cubic has no minimum."""
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


def strong_wolfe(
    obj_func: Callable[[float], tuple[float, Array]], xp: Any, t: float, d: Array, f: float, g: Array, gtd: float,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25,
) -> tuple[float, Array, float, int]:
    """A step length ``t`` along ``d`` satisfying the strong Wolfe conditions (sufficient decrease
    with constant ``c1``, curvature ``|g(t)·d| <= -c2 g(0)·d``), as in minFunc / PyTorch.

    Args:
        obj_func: ``obj_func(t) -> (loss, flat_grad)`` at the parameters moved by ``t * d``.
        xp: the array namespace of ``d`` and ``g``.
        t: the first step length tried.
        d: the search direction; ``f``, ``g``, ``gtd``: loss, gradient and ``g·d`` at ``t = 0``.
        max_ls: the most evaluations of ``obj_func``.

    Returns:
        ``(loss, flat_grad, t, evaluations)`` at the step length found.
    """
    d_norm = float(xp.max(xp.abs(d)))
    f_new, g_new = obj_func(t)
    evals = 1
    gtd_new = _dot(xp, g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # bracketing: grow the step until an interval surely contains an acceptable point
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, bracket_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        t_prev, t = t, cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(t)
        evals += 1
        gtd_new = _dot(xp, g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g, bracket_gtd = [0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    # zoom: shrink the bracket until a point satisfies the conditions
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # NOTE: a trial point very close to an end of the bracket makes little progress; after
        # two such trials in a row (or one outside the bracket) move it 10 % of the way inside
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = obj_func(t)
        evals += 1
        gtd_new = _dot(xp, g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    t = bracket[low]
    return bracket_f[low], bracket_g[low], t, evals


def _dot(xp: Any, a: Array, b: Array) -> float:
    return float(xp.vecdot(a, b))


def _abs_max(xp: Any, a: Array) -> float:
    return float(xp.max(xp.abs(a)))


# ---------------------------------------------------------------------- the optimizer


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS``. ``step`` needs a closure that re-evaluates the model
    (zero the gradients, compute the loss, ``backward()``) and returns the loss.

    Args:
        params: the tensors to optimize (one parameter group; all on one backend).
        lr: learning rate: the step length along each direction, or the line search's first
            trial (default 1).
        max_iter: most iterations per ``step`` (default 20).
        max_eval: most closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient element is at most this (default 1e-7).
        tolerance_change: stop when the loss or the parameters change by less (default 1e-9).
        history_size: number of correction pairs kept (default 100).
        maximize: maximize the closure's value instead of minimizing it (default False).
        line_search_fn: None (fixed steps) or ``"strong_wolfe"``.

    State (kept for the first parameter, as in PyTorch): ``func_evals``, ``n_iter``, the last
    direction ``d`` and step ``t``, the histories ``old_dirs``, ``old_stps``, ``ro``, ``al``, the
    scale ``H_diag``, ``prev_flat_grad`` and ``prev_loss``. Flat vectors are 1-d tensors on the
    parameters' backend; scalars are Python numbers.

    Raises:
        ValueError: a negative lr, more than one parameter group, or parameters on several backends.
        RuntimeError: ``line_search_fn`` is neither None nor ``"strong_wolfe"`` (PyTorch raises
            this at the first ``step``; here it is raised at once).
    """

    _compile_state: frozenset[str] = frozenset()

    _scalar_state = {"func_evals": int, "n_iter": int, "t": float, "H_diag": float, "prev_loss": float}

    def __init__(
        self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
        tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
        line_search_fn: str | None = None, maximize: bool = False,
    ) -> None:
        check_non_negative(lr=lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError(f"LBFGS: only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]
        backends = {p._backend.name for p in self._params}
        if len(backends) != 1:
            raise ValueError(f"LBFGS: all parameters must be on one backend, got {sorted(backends)}")
        self._backend = self._params[0]._backend

    # ------------------------------------------------------------------ flat vectors
    def _flat_grad(self) -> Array:
        """All gradients as one flat array (zeros for parameters without a gradient)."""
        xp = self._backend.xp
        pieces = []
        for p in self._params:
            arr = p._storage.array
            if p.grad is None:
                pieces.append(xp.zeros((math.prod(arr.shape),), dtype=arr.dtype))
            else:
                pieces.append(xp.reshape(p.grad._storage.array, (-1,)))
        return xp.concat(pieces) if len(pieces) > 1 else xp.asarray(pieces[0], copy=True)

    def _add_to_params(self, t: float, d: Array) -> None:
        """Move the parameters by ``t * d``."""
        xp = self._backend.xp
        offset = 0
        for p in self._params:
            arr = p._storage.array
            n = math.prod(arr.shape)
            piece = xp.reshape(d[offset:offset + n], arr.shape)
            p._set_array(xp.add(arr, xp.multiply(piece, t)))
            offset += n

    def _param_arrays(self) -> list[Array]:
        # copies: on mutable backends a later write may go into the parameters' buffers in place
        return [self._backend.copy(p._storage.array) for p in self._params]

    def _set_params(self, arrays: list[Array]) -> None:
        for p, arr in zip(self._params, arrays):
            p._set_array(arr)

    def _directional_evaluate(self, closure: Callable[[], Any], x_init: list[Array], d: Array,
                              t: float) -> tuple[float, Array]:
        """Loss and flat gradient at ``x_init + t * d``; the parameters are put back to ``x_init``."""
        self._add_to_params(t, d)
        _, value, grad = self._evaluate(closure)
        self._set_params([self._backend.copy(a) for a in x_init])
        return value, grad

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, Array]:
        """The closure's loss, and the value and flat gradient the iteration minimizes (both
        negated with ``maximize``)."""
        loss = run_closure(closure)
        if self.param_groups[0].get("maximize", False):
            return loss, -float(loss), self._backend.xp.negative(self._flat_grad())
        return loss, float(loss), self._flat_grad()

    # ------------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: re-evaluates the model (with gradients) and returns the loss; required.

        Returns:
            the loss of the first evaluation (at the parameters ``step`` started from).

        Raises:
            RuntimeError: no closure was given.
        """
        if closure is None:
            raise RuntimeError(
                "LBFGS.step requires a closure that reevaluates the model and returns the loss, "
                "e.g. opt.step(lambda: (opt.zero_grad(), loss_fn(model(x), y), ...)); see the LBFGS docstring"
            )
        with no_grad():
            return self._step(closure)

    def _step(self, closure: Callable[[], Any]) -> Any:
        xp = self._backend.xp
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # NOTE: the state is global; it is kept for the first parameter, as PyTorch does, so that
        # state_dict / load_state_dict move and cast it like any per-parameter state
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss, flat_grad = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        if _abs_max(xp, flat_grad) <= tolerance_grad:
            return orig_loss

        d = _array(state.get("d"))
        t = state.get("t")
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]
        old_stps = [_array(v) for v in state.get("old_stps", [])]
        ro: list[float] = list(state.get("ro", []))
        h_diag = state.get("H_diag")
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")
        al: list[float | None] | None = state.get("al")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the search direction: steepest descent first, then the two-loop recursion
            if state["n_iter"] == 1:
                d = xp.negative(flat_grad)
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = xp.subtract(flat_grad, prev_flat_grad)
                s = xp.multiply(d, t)
                ys = _dot(xp, y, s)
                if ys > 1e-10:  # keep only pairs with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(xp, y, y)
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                q = xp.negative(flat_grad)
                for i in range(num_old - 1, -1, -1):
                    al[i] = a_i = _dot(xp, old_stps[i], q) * ro[i]
                    q = xp.subtract(q, xp.multiply(old_dirs[i], a_i))
                r = xp.multiply(q, h_diag)
                for i in range(num_old):
                    be_i = _dot(xp, old_dirs[i], r) * ro[i]
                    r = xp.add(r, xp.multiply(old_stps[i], al[i] - be_i))  # type: ignore[operator]
                d = r

            prev_flat_grad = flat_grad
            prev_loss = loss

            # the step length: lr, damped on the very first iteration
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = _dot(xp, flat_grad, d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                obj_func = functools.partial(self._directional_evaluate, closure, self._param_arrays(), d)
                # NOTE: PyTorch's line search uses its own default tolerance_change, not the group's
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, xp, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_to_params(t, d)
                opt_cond = _abs_max(xp, flat_grad) <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                # the last iteration does not re-evaluate (in a stochastic setting it would be wasted)
                if n_iter != max_iter:
                    _, loss, flat_grad = self._evaluate(closure)
                    opt_cond = _abs_max(xp, flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _abs_max(xp, xp.multiply(d, t)) <= tolerance_change:  # the parameters barely move
                break
            if abs(loss - prev_loss) < tolerance_change:  # the loss barely changes
                break

        be = self._backend
        state["d"] = Tensor._wrap(d, be)
        state["t"] = t
        state["old_dirs"] = [Tensor._wrap(v, be) for v in old_dirs]
        state["old_stps"] = [Tensor._wrap(v, be) for v in old_stps]
        state["ro"] = ro
        if al is not None:
            state["al"] = al
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = Tensor._wrap(prev_flat_grad, be)
        state["prev_loss"] = prev_loss
        return orig_loss


def _array(value: Any) -> Any:
    """The array of a state tensor (None stays None)."""
    return value._storage.array if isinstance(value, Tensor) else value
