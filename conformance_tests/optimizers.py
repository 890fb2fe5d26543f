"""The optimizer registry: one row (:class:`OptimSpec`) per ``arraygrad.optim`` optimizer x option
set, and the learning-rate scheduler sequences.

Every row runs :data:`STEPS` steps on one fixed least-squares problem of three parameters of
shapes (3, 4), (4,) and (2, 2) (:func:`problem_loss`; float32-exact data and starting values):

* **Tier 1** (:func:`check_optim_tier1`): the numpy float64 trajectory of arraygrad (the
  parameters after every step) equals a plain float64 reference: the published update rule
  written below in numpy (:data:`NUMPY_RULES`, following PyTorch's documented algorithms) with
  the analytic gradient of the problem, or, for optimizers without a numpy rule here,
  ``torch.optim`` (skipped with the reason when torch is not installed).
* **Tier 2** (:func:`check_optim_tier2`): every backend x dtype follows the numpy float64
  trajectory of arraygrad (float64 rtol 1e-9; float32 5e-3 / 1e-3 after 20 steps), with every
  parameter a native array of the backend in the right dtype.

Schedulers (:data:`SCHEDULERS`) are backend-independent (the lr is a Python float): their lr
sequences over 30 values are compared with closed forms once (:func:`check_scheduler`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import arraygrad as ag
from conformance_tests.harness import (
    BackendUnavailable,
    Mismatch,
    assert_native,
    compare,
    host_tensor,
    require,
    to_host,
)
from conformance_tests.samples import f32

__all__ = ["OPTIMIZERS", "SCHEDULERS", "OptimSpec", "check_optim_tier1", "check_optim_tier2", "check_scheduler"]

STEPS = 20
#: (rtol, atol) of trajectories: tier 1 and float64 runs, float32 runs after 20 steps
TRAJECTORY_TOL = {"float64": (1e-9, 1e-12), "float32": (5e-3, 1e-3)}

# ---------------------------------------------------------------------- the problem

_rng = np.random.default_rng(20240611)
X, Y = f32(_rng.standard_normal((5, 3))), f32(_rng.standard_normal((5, 4)))
A, B = f32(_rng.standard_normal((2, 2))), f32(_rng.standard_normal((2, 2)))
#: starting values of the parameters W (3, 4), b (4,), M (2, 2)
START = [f32(_rng.standard_normal((3, 4))), f32(_rng.standard_normal(4)), f32(_rng.standard_normal((2, 2)))]


def problem_loss(W: Any, b: Any, M: Any, data: list[Any]) -> Any:  # noqa: N803
    """``0.5 mean_rows |X W + b - Y|^2 + 0.5 |A M - B|^2`` for arraygrad tensors."""
    x, y, a, bb = data
    r = x @ W + b - y
    s = a @ M - bb
    return (r * r).sum() * (0.5 / X.shape[0]) + (s * s).sum() * 0.5


def problem_grad(params: list[np.ndarray]) -> list[np.ndarray]:
    """The analytic gradient of :func:`problem_loss` in numpy float64."""
    W, b, M = params  # noqa: N806
    r = (X @ W + b - Y) / X.shape[0]
    return [X.T @ r, r.sum(0), A.T @ (A @ M - B)]


# ---------------------------------------------------------------------- numpy reference rules
# Each rule is ``rule(params, grads, state, t, **options) -> params`` (t counts from 1; ``state``
# a dict per parameter, mutated), following the algorithms in PyTorch's documentation.


def sgd(p: np.ndarray, g: np.ndarray, st: dict, t: int, lr: float, momentum: float = 0, dampening: float = 0,
        weight_decay: float = 0, nesterov: bool = False, maximize: bool = False) -> np.ndarray:
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        st["buf"] = g if t == 1 else momentum * st["buf"] + (1 - dampening) * g
        g = g + momentum * st["buf"] if nesterov else st["buf"]
    return p - lr * g


def adam(p: np.ndarray, g: np.ndarray, st: dict, t: int, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
         eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False,
         decoupled: bool = False) -> np.ndarray:
    b1, b2 = betas
    g = -g if maximize else g
    if weight_decay:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
    v = st["v"]
    if amsgrad:
        st["vmax"] = v = np.maximum(st.get("vmax", 0), v)
    denom = np.sqrt(v) / math.sqrt(1 - b2**t) + eps
    return p - lr / (1 - b1**t) * st["m"] / denom


def adamw(p: np.ndarray, g: np.ndarray, st: dict, t: int, weight_decay: float = 1e-2, **kw: Any) -> np.ndarray:
    return adam(p, g, st, t, weight_decay=weight_decay, decoupled=True, **kw)


def rmsprop(p: np.ndarray, g: np.ndarray, st: dict, t: int, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0, momentum: float = 0, centered: bool = False, maximize: bool = False) -> np.ndarray:
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    st["sq"] = alpha * st.get("sq", 0) + (1 - alpha) * g * g
    avg = st["sq"]
    if centered:
        st["ga"] = alpha * st.get("ga", 0) + (1 - alpha) * g
        avg = avg - st["ga"] ** 2
    avg = np.sqrt(avg) + eps
    if momentum:
        st["buf"] = momentum * st.get("buf", 0) + g / avg
        return p - lr * st["buf"]
    return p - lr * g / avg


def adagrad(p: np.ndarray, g: np.ndarray, st: dict, t: int, lr: float = 1e-2, lr_decay: float = 0,
            weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
            maximize: bool = False) -> np.ndarray:
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    st["sum"] = st.get("sum", initial_accumulator_value) + g * g
    return p - clr * g / (np.sqrt(st["sum"]) + eps)


def rprop(p: np.ndarray, g: np.ndarray, st: dict, t: int, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
          step_sizes: tuple[float, float] = (1e-6, 50), maximize: bool = False) -> np.ndarray:
    g = -g if maximize else g
    prev, size = st.get("prev", np.zeros_like(p)), st.get("size", np.full_like(p, lr))
    sign = np.sign(g * prev)
    size = np.clip(size * np.where(sign > 0, etas[1], np.where(sign < 0, etas[0], 1.0)), *step_sizes)
    g = np.where(sign < 0, 0.0, g)  # after a sign flip the element rests for one step
    st["prev"], st["size"] = g, size
    return p - np.sign(g) * size


def asgd(p: np.ndarray, g: np.ndarray, st: dict, t: int, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
         t0: float = 1e6, weight_decay: float = 0, maximize: bool = False) -> np.ndarray:
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    eta = lr / (1 + lambd * lr * (t - 1)) ** alpha  # the rate and averaging weight of step t
    mu = 1 / max(1, t - 1 - t0)
    p = p * (1 - lambd * eta) - eta * g
    st["ax"] = st.get("ax", np.zeros_like(p)) + mu * (p - st.get("ax", np.zeros_like(p)))
    return p


NUMPY_RULES: dict[type, Callable[..., np.ndarray]] = {
    ag.optim.SGD: sgd, ag.optim.Adam: adam, ag.optim.AdamW: adamw, ag.optim.RMSprop: rmsprop,
    ag.optim.Adagrad: adagrad, ag.optim.Rprop: rprop, ag.optim.ASGD: asgd,
}


def numpy_trajectory(rule: Callable[..., np.ndarray], kwargs: dict[str, Any]) -> list[list[np.ndarray]]:
    params = [p.copy() for p in START]
    states: list[dict] = [{} for _ in params]
    out = []
    for t in range(1, STEPS + 1):
        grads = problem_grad(params)
        params = [rule(p, g, st, t, **kwargs) for p, g, st in zip(params, grads, states)]
        out.append([p.copy() for p in params])
    return out


def torch_unavailable() -> str | None:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        return f"torch is not installed ({exc}): no reference for this optimizer"
    return None


def problem_loss_np(params: list[np.ndarray]) -> float:
    """:func:`problem_loss` in numpy float64 (what the torch reference's closure returns)."""
    W, b, M = params  # noqa: N806
    r, s = X @ W + b - Y, A @ M - B
    return float((r * r).sum() * (0.5 / X.shape[0]) + (s * s).sum() * 0.5)


def torch_trajectory(name: str, kwargs: dict[str, Any], closure: bool = False) -> list[list[np.ndarray]]:
    """``torch.optim.<name>`` in float64 on the same problem (gradients set from :func:`problem_grad`;
    with ``closure``, by a closure passed to ``step``, as LBFGS requires).

    torch's default dtype is float64 meanwhile: torch keeps scalar state (``step``, NAdam's
    ``mu_product``) in the default dtype, which would make a float32 reference."""
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in START]
        opt = getattr(torch.optim, name)(params, **kwargs)
        out = []

        def set_grads() -> float:
            values = [p.detach().numpy() for p in params]
            for p, g in zip(params, problem_grad(values)):
                p.grad = torch.from_numpy(np.array(g))
            return problem_loss_np(values)

        for _ in range(STEPS):
            if closure:
                opt.step(lambda: torch.tensor(set_grads(), dtype=torch.float64))
            else:
                set_grads()
                opt.step()
            out.append([p.detach().numpy().copy() for p in params])
    finally:
        torch.set_default_dtype(previous)
    return out


# ---------------------------------------------------------------------- the table


@dataclass(eq=False)
class OptimSpec:
    """One optimizer row: ``cls(params, **kwargs)``; ``variant`` names the option set (id
    ``Class:variant``); ``xfail`` maps column keys (``"tier1"``, ``"<backend>"``,
    ``"<backend>:<dtype>"``, ``"*"``) to reasons (strict); ``closure``: ``step`` is given a closure
    that recomputes the loss and gradients (LBFGS needs one; it re-evaluates several times a step)."""

    cls: type
    kwargs: dict[str, Any]
    variant: str = ""
    xfail: dict[str, str] = field(default_factory=dict)
    closure: bool = False

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def id(self) -> str:
        return f"{self.name}:{self.variant}" if self.variant else self.name

    @property
    def reference(self) -> str:
        """``"numpy"`` (a rule in :data:`NUMPY_RULES`) or ``"torch"``."""
        return "numpy" if self.cls in NUMPY_RULES else "torch"

    def expected_failure(self, column: str) -> str | None:
        if column == "tier1":
            return self.xfail.get("tier1")
        for key in (column, column.split(":")[0], "*"):
            if key in self.xfail:
                return self.xfail[key]
        return None


Opt = OptimSpec
optim = ag.optim

OPTIMIZERS: list[OptimSpec] = [
    Opt(optim.SGD, {"lr": 0.05}, "plain"),
    Opt(optim.SGD, {"lr": 0.05, "momentum": 0.9}, "momentum"),
    Opt(optim.SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}, "momentum_dampening_wd"),
    Opt(optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, "nesterov_weight_decay"),
    Opt(optim.SGD, {"lr": 0.01, "momentum": 0.5, "maximize": True}, "maximize"),
    Opt(optim.Adam, {"lr": 0.05}, "plain"),
    Opt(optim.Adam, {"lr": 0.05, "amsgrad": True}, "amsgrad"),
    Opt(optim.Adam, {"lr": 0.05, "weight_decay": 0.1, "betas": (0.8, 0.99)}, "weight_decay_betas"),
    Opt(optim.Adam, {"lr": 0.05, "maximize": True}, "maximize"),
    Opt(optim.AdamW, {"lr": 0.05}, "plain"),
    Opt(optim.AdamW, {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, "amsgrad_weight_decay"),
    Opt(optim.RMSprop, {"lr": 0.01}, "plain"),
    Opt(optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.9}, "centered_momentum"),
    Opt(optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}, "alpha_weight_decay"),
    Opt(optim.Adagrad, {"lr": 0.1}, "plain"),
    Opt(optim.Adagrad, {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.05},
      "lr_decay_initial_accumulator_wd"),
    Opt(optim.Adadelta, {"lr": 1.0}, "plain"),
    Opt(optim.Adadelta, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}, "rho_weight_decay"),
    Opt(optim.Adamax, {"lr": 0.05}, "plain"),
    Opt(optim.Adamax, {"lr": 0.05, "weight_decay": 0.1}, "weight_decay"),
    Opt(optim.NAdam, {"lr": 0.05}, "plain"),
    Opt(optim.NAdam, {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, "decoupled_weight_decay"),
    Opt(optim.RAdam, {"lr": 0.05}, "plain"),
    Opt(optim.RAdam, {"lr": 0.05, "weight_decay": 0.1}, "weight_decay"),
    Opt(optim.Rprop, {"lr": 0.01}, "plain"),
    Opt(optim.Rprop, {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}, "etas_bounds_maximize"),
    Opt(optim.ASGD, {"lr": 0.05}, "plain"),
    Opt(optim.ASGD, {"lr": 0.05, "lambd": 0.05, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}, "averaging_weight_decay"),
    Opt(optim.LBFGS, {"lr": 0.1, "max_iter": 2, "history_size": 4}, "fixed_step", closure=True),
    Opt(optim.LBFGS, {"lr": 1, "max_iter": 2, "history_size": 3, "line_search_fn": "strong_wolfe"}, "strong_wolfe",
        closure=True),
]


def by_id() -> dict[str, OptimSpec]:
    table: dict[str, OptimSpec] = {}
    for spec in OPTIMIZERS:
        if spec.id in table:
            raise ValueError(f"duplicate optimizer registry id {spec.id!r}")
        table[spec.id] = spec
    return table


def optimizer_classes() -> set[type]:
    return {spec.cls for spec in OPTIMIZERS}


# ---------------------------------------------------------------------- checks


def trajectory(spec: OptimSpec, backend: str, dtype: str) -> list[list[Any]]:
    """arraygrad's parameters (tensors, detached copies) after each of :data:`STEPS` steps."""
    data = [host_tensor(v, dtype, backend) for v in (X, Y, A, B)]
    params = [host_tensor(p, dtype, backend).requires_grad_(True) for p in START]
    opt = spec.cls(params, **spec.kwargs)

    def closure() -> Any:
        opt.zero_grad()
        loss = problem_loss(*params, data)
        loss.backward()
        return loss

    out = []
    for _ in range(STEPS):
        if spec.closure:
            opt.step(closure)
        else:
            closure()
            opt.step()
        out.append([p.detach().clone() for p in params])
    return out


_ANCHORS: dict[OptimSpec, list[list[np.ndarray]]] = {}


def anchor(spec: OptimSpec) -> list[list[np.ndarray]]:
    """The numpy float64 trajectory of arraygrad (computed once)."""
    if spec not in _ANCHORS:
        _ANCHORS[spec] = [[to_host(p) for p in ps] for ps in trajectory(spec, "numpy", "float64")]
    return _ANCHORS[spec]


def _compare_trajectories(got: list[list[Any]], want: list[list[np.ndarray]], rtol: float, atol: float,
                          what: str) -> float:
    worst = 0.0
    for step, (ps, ws) in enumerate(zip(got, want), 1):
        for k, (p, w) in enumerate(zip(ps, ws)):
            worst = max(worst, compare(to_host(p), w, rtol, atol, f"{what}, parameter {k} {w.shape} after step {step}"))
    return worst


def reference_trajectory(spec: OptimSpec) -> list[list[np.ndarray]]:
    """The independent float64 reference: the numpy rule, or torch.optim."""
    if spec.reference == "numpy":
        return numpy_trajectory(NUMPY_RULES[spec.cls], spec.kwargs)
    return torch_trajectory(spec.name, spec.kwargs, spec.closure)


def check_optim_tier1(spec: OptimSpec) -> float:
    """arraygrad's numpy float64 trajectory vs the float64 reference (rtol 1e-9)."""
    reason = torch_unavailable() if spec.reference == "torch" else None
    if reason is not None:
        raise BackendUnavailable("torch", reason)  # a skip with the reason (report and tests)
    rtol, atol = TRAJECTORY_TOL["float64"]
    return _compare_trajectories(anchor(spec), reference_trajectory(spec), rtol, atol,
                                 f"{spec.id} numpy float64 vs the {spec.reference} reference")


def check_optim_tier2(spec: OptimSpec, backend: str, dtype: str) -> float:
    """The trajectory on ``backend`` in ``dtype`` vs arraygrad's numpy float64 one."""
    require(backend, dtype)
    what = f"{spec.id} on {backend}:{dtype}"
    got = trajectory(spec, backend, dtype)
    for k, p in enumerate(got[-1]):
        assert_native(p, backend, f"{what}, parameter {k}")
        if p.dtype.name != dtype:
            raise Mismatch(f"{what}, parameter {k}: dtype {p.dtype.name}, expected {dtype}")
    rtol, atol = TRAJECTORY_TOL[dtype]
    return _compare_trajectories(got, anchor(spec), rtol, atol, what)


# ---------------------------------------------------------------------- schedulers

LR0 = 0.1
SCHED_STEPS = 30


def _cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))


def _one_cycle(t: int, total: int = SCHED_STEPS, max_v: float = LR0, pct_start: float = 0.3,
               start: float | None = None, end: float | None = None) -> float:
    """OneCycleLR's cos schedule at step ``t``: ``start`` -> ``max_v`` -> ``end``."""
    up = pct_start * total - 1
    if t <= up:
        return _cos(start, max_v, t / up)  # type: ignore[arg-type]
    return _cos(max_v, end, (t - up) / (total - 1 - up))  # type: ignore[arg-type]


@dataclass(eq=False)
class SchedulerSpec:
    """``make(optimizer)`` and the closed form ``lr(t)`` (and ``momentum(t)`` where it cycles it)."""

    id: str
    make: Callable[[Any], Any]
    lr: Callable[[int], float]
    momentum: Callable[[int], float] | None = None
    xfail: dict[str, str] = field(default_factory=dict)


sched = ag.optim.lr_scheduler
_I, _M = LR0 / 25, 0.95  # OneCycle's initial lr (max_lr / div_factor) and max momentum

SCHEDULERS: list[SchedulerSpec] = [
    SchedulerSpec("StepLR", lambda o: sched.StepLR(o, step_size=7, gamma=0.5), lambda t: LR0 * 0.5 ** (t // 7)),
    SchedulerSpec("MultiStepLR", lambda o: sched.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3),
                  lambda t: LR0 * 0.3 ** sum(t >= m for m in (5, 12, 12, 20))),
    SchedulerSpec("ExponentialLR", lambda o: sched.ExponentialLR(o, gamma=0.9), lambda t: LR0 * 0.9**t),
    SchedulerSpec("CosineAnnealingLR", lambda o: sched.CosineAnnealingLR(o, T_max=SCHED_STEPS - 1, eta_min=0.01),
                  lambda t: 0.01 + (LR0 - 0.01) * (1 + math.cos(math.pi * t / (SCHED_STEPS - 1))) / 2),
    SchedulerSpec("LinearLR", lambda o: sched.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8),
                  lambda t: LR0 * (0.25 + (0.9 - 0.25) * min(t, 8) / 8)),
    SchedulerSpec("OneCycleLR:cos", lambda o: sched.OneCycleLR(o, max_lr=LR0, total_steps=SCHED_STEPS),
                  lambda t: _one_cycle(t, start=_I, end=_I / 1e4),
                  momentum=lambda t: _one_cycle(t, max_v=0.85, start=_M, end=_M)),
]


def check_scheduler(spec: SchedulerSpec) -> float:
    """``SCHED_STEPS`` lr values (the initial one, then after each ``optimizer.step();
    scheduler.step()``) vs the closed form (rtol 1e-12), also through ``get_last_lr()``."""
    param = ag.zeros(2, requires_grad=True)
    opt = ag.optim.SGD([param], lr=LR0, momentum=0.9)
    scheduler = spec.make(opt)
    lrs, last, momenta = [], [], []
    for t in range(SCHED_STEPS):
        if t:
            opt.step()
            scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
        last.append(scheduler.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
    t = np.arange(SCHED_STEPS)
    worst = compare(np.array(lrs), np.array([spec.lr(int(i)) for i in t]), 1e-12, 0.0, f"{spec.id}: lr vs closed form")
    worst = max(worst, compare(np.array(last), np.array(lrs), 0.0, 0.0, f"{spec.id}: get_last_lr() vs the group's lr"))
    if spec.momentum is not None:
        worst = max(worst, compare(np.array(momenta), np.array([spec.momentum(int(i)) for i in t]), 1e-12, 0.0,
                                   f"{spec.id}: momentum vs closed form"))
    return worst
