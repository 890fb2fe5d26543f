"""The compiled-step tier: ``ag.compile`` of whole training steps against the same steps run eagerly.

Each workload builds a model, an optimizer (and maybe a scheduler) from a seed, and runs
``STEPS`` training steps — ``opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward();
opt.step()`` (+ ``sched.step()``) — on fresh batches from a seeded numpy generator, once
eagerly and once through ``ag.compile``, on the same backend and dtype. ``check`` compares the
losses of every step, then the model's ``state_dict`` (parameters and buffers), every
parameter's ``.grad``, the optimizer's ``state_dict`` (state and learning rates) and the random
generator's state. On backends that compile (jax) the compiled run is held against the eager
run on numpy (eager jax gives numpy's numbers within tier 2's tolerance, and compiles every op
for every shape, which would take minutes) within ``TOLERANCE``; elsewhere ``ag.compile`` runs
the function eagerly, so the numbers must be identical to an eager run on the same backend.

Workloads (the ones ``ag.compile`` must get right; small sizes so the tier runs in CI):

- ``mlp_sgd``: MLP, SGD with momentum and Nesterov;
- ``lenet_adam``: LeNet-5 on 1x32x32, Adam;
- ``lstm_adam``: LSTM with a linear head, Adam;
- ``transformer_adamw``: TransformerEncoderLayer with dropout 0.1, AdamW (new masks every step);
- ``bn_dropout_cnn``: Conv + BatchNorm + Dropout CNN, switching train/eval every few steps
  (eval steps run a compiled evaluation function under ``no_grad``);
- ``mlp_onecycle``: MLP, SGD with OneCycleLR stepping inside the compiled step, and a
  ``StepLR`` variant (``mlp_steplr``) stepping outside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import arraygrad as ag
from arraygrad import nn
from conformance_tests.harness import Mismatch, compare

STEPS = 20
#: (rtol, atol) of a compiled run against the eager one: float64 1e-9 relative (atol for entries that
#: are rounding noise around zero, such as the key bias of attention); float32 the module tolerance
TOLERANCE = {"float64": (1e-9, 1e-10), "float32": (5e-3, 1e-3)}


@dataclass
class Workload:
    name: str
    build: Callable[[], tuple[Any, Any, Any]]  # -> (model, optimizer, scheduler or None)
    batch: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]  # -> (x, integer labels)
    scheduler_inside: bool = True  # whether sched.step() is part of the compiled step
    eval_every: int = 0  # > 0: every eval_every-th step is an evaluation step (model.eval(), no_grad)


def _mlp() -> Any:
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 4))


def _lenet() -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 32), nn.ReLU(), nn.Linear(32, 10),
    )


class _LSTMNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(6, 8, batch_first=True)
        self.head = nn.Linear(8, 4)

    def forward(self, x: Any) -> Any:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class _TransformerNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.1, batch_first=True)
        self.head = nn.Linear(16, 4)

    def forward(self, x: Any) -> Any:
        return self.head(self.layer(x).mean(dim=1))


def _bn_cnn() -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.25), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * 4 * 4, 4),
    )


def _images(rng: np.random.Generator, n: int, side: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((n, 1, side, side)), rng.integers(0, classes, n)


WORKLOADS = [
    Workload(
        "mlp_sgd",
        lambda: (m := _mlp(), ag.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
                 None),
        lambda rng: (rng.standard_normal((8, 12)), rng.integers(0, 4, 8)),
    ),
    Workload(
        "lenet_adam",
        lambda: (m := _lenet(), ag.optim.Adam(m.parameters(), lr=1e-3), None),
        lambda rng: _images(rng, 4, 32, 10),
    ),
    Workload(
        "lstm_adam",
        lambda: (m := _LSTMNet(), ag.optim.Adam(m.parameters(), lr=1e-2), None),
        lambda rng: (rng.standard_normal((3, 5, 6)), rng.integers(0, 4, 3)),
    ),
    Workload(
        "transformer_adamw",
        lambda: (m := _TransformerNet(), ag.optim.AdamW(m.parameters(), lr=1e-3), None),
        lambda rng: (rng.standard_normal((3, 5, 16)), rng.integers(0, 4, 3)),
    ),
    Workload(
        "bn_dropout_cnn",
        lambda: (m := _bn_cnn(), ag.optim.SGD(m.parameters(), lr=0.05, momentum=0.5), None),
        lambda rng: _images(rng, 6, 8, 4),
        eval_every=4,
    ),
    Workload(
        "mlp_onecycle",
        lambda: (m := _mlp(), o := ag.optim.SGD(m.parameters(), lr=0.05),
                 ag.optim.lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=STEPS, cycle_momentum=False)),
        lambda rng: (rng.standard_normal((8, 12)), rng.integers(0, 4, 8)),
    ),
    Workload(
        "mlp_steplr",
        lambda: (m := _mlp(), o := ag.optim.Adam(m.parameters(), lr=1e-2),
                 ag.optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.5)),
        lambda rng: (rng.standard_normal((8, 12)), rng.integers(0, 4, 8)),
        scheduler_inside=False,
    ),
]
BY_NAME = {w.name: w for w in WORKLOADS}


@dataclass
class Run:
    """What one run leaves behind, on the host."""

    losses: list[np.ndarray]
    model_state: dict[str, np.ndarray]
    grads: list[np.ndarray | None]
    optim_state: dict[str, np.ndarray]
    lrs: list[float]
    rng_state: Any
    compiles: int


def _host(v: Any) -> np.ndarray:
    return np.asarray(v.detach().cpu().numpy()) if isinstance(v, ag.Tensor) else np.asarray(v)


def run(workload: Workload, backend: str, dtype: str, compiled: bool, seed: int = 0) -> Run:
    """``STEPS`` steps of ``workload`` on ``backend`` in ``dtype``, compiled or eager."""
    dt = getattr(ag, dtype)
    with ag.use_backend(backend):
        ag.manual_seed(seed)
        model, opt, sched = workload.build()
        model = model.to(dt)
        loss_fn = nn.CrossEntropyLoss()

        def train_step(x: Any, y: Any) -> Any:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            if sched is not None and workload.scheduler_inside:
                sched.step()
            return loss

        def eval_step(x: Any, y: Any) -> Any:
            with ag.no_grad():
                return loss_fn(model(x), y)

        train = ag.compile(train_step) if compiled else train_step
        evaluate = ag.compile(eval_step) if compiled else eval_step
        rng = np.random.default_rng(seed + 1)
        losses = []
        for i in range(STEPS):
            xs, ys = workload.batch(rng)
            x, y = ag.tensor(xs, dtype=dt), ag.tensor(ys, dtype=ag.int64)
            if workload.eval_every and i % workload.eval_every == workload.eval_every - 1:
                model.eval()
                losses.append(_host(evaluate(x, y)))
                model.train()
            else:
                losses.append(_host(train(x, y)))
                if sched is not None and not workload.scheduler_inside:
                    sched.step()
        optim_state = {}
        for index, entries in opt.state_dict()["state"].items():
            for name, value in entries.items():
                optim_state[f"state[{index}][{name!r}]"] = _host(value)
        return Run(
            losses=losses,
            model_state={k: _host(v) for k, v in model.state_dict().items()},
            grads=[None if p.grad is None else _host(p.grad) for p in model.parameters()],
            optim_state=optim_state,
            lrs=[g["lr"] for g in opt.param_groups],
            rng_state=ag.get_rng_state(),
            compiles=getattr(train, "compiles", 0) + getattr(evaluate, "compiles", 0),
        )


def check(workload: Workload, backend: str, dtype: str) -> float:
    """Compiled vs eager on one backend and dtype; the worst error/tolerance ratio (0: identical).

    Raises:
        Mismatch: a quantity differs beyond the tolerance (any difference where the backend does
            not compile), or the compiled run did not compile on a backend that can.
    """
    compiles = ag.backends.get(backend).can_compile
    # eager jax compiles every op for every shape (minutes for the tier); the eager numbers of
    # a compiling backend are those of numpy (tier 2 holds them equal), so numpy is the reference
    eager = run(workload, "numpy" if compiles else backend, dtype, compiled=False)
    comp = run(workload, backend, dtype, compiled=True)
    if compiles and comp.compiles == 0:
        raise Mismatch(f"{workload.name} on {backend}: ag.compile did not compile")
    if not compiles and comp.compiles:
        raise Mismatch(f"{workload.name} on {backend}: compiled on a backend that runs eagerly")
    rtol, atol = TOLERANCE[dtype] if compiles else (0.0, 0.0)
    worst = 0.0
    what = f"{workload.name} {backend}:{dtype}"
    for i, (a, b) in enumerate(zip(comp.losses, eager.losses, strict=True)):
        worst = max(worst, compare(a, b, rtol, atol, f"{what}: loss of step {i}"))
    if comp.model_state.keys() != eager.model_state.keys():
        raise Mismatch(f"{what}: state_dict keys differ")
    for k in eager.model_state:
        worst = max(worst, compare(comp.model_state[k], eager.model_state[k], rtol, atol, f"{what}: state_dict[{k!r}]"))
    for i, (a, b) in enumerate(zip(comp.grads, eager.grads, strict=True)):
        if (a is None) != (b is None):
            raise Mismatch(f"{what}: .grad of parameter {i} is {'None' if a is None else 'set'} after compiled steps")
        if a is not None:
            worst = max(worst, compare(a, b, rtol, atol, f"{what}: .grad of parameter {i}"))
    if comp.optim_state.keys() != eager.optim_state.keys():
        raise Mismatch(f"{what}: optimizer state keys differ: {sorted(comp.optim_state)} vs {sorted(eager.optim_state)}")
    for k in eager.optim_state:
        worst = max(worst, compare(comp.optim_state[k], eager.optim_state[k], rtol, atol, f"{what}: optimizer {k}"))
    worst = max(worst, compare(np.asarray(comp.lrs), np.asarray(eager.lrs), 1e-12, 0.0, f"{what}: learning rates"))
    if comp.rng_state != eager.rng_state:
        raise Mismatch(f"{what}: random generator state {comp.rng_state} != eager {eager.rng_state}")
    return worst
