"""Whole-training-step time: arraygrad's ``ag.compile`` on jax against hand-written ``jax.jit``,
PyTorch CPU eager and arraygrad eager on numpy.

Every column trains the same model from the same weights (PyTorch's random init, copied into
each) on the same float32 batch (numpy rng, fixed seed), with the same loss and optimizer:

- ``compiled``: arraygrad on jax, the PyTorch-style step (``zero_grad``, forward, ``backward``,
  ``opt.step``) wrapped whole in ``ag.compile``;
- ``jaxjit``: the same math written directly in ``jax.numpy`` (forward, ``jax.value_and_grad``,
  PyTorch's SGD-momentum / Adam formulas) in one ``jax.jit`` step that donates params and state;
  the floor for the compiled column;
- ``torch``: PyTorch eager with ``torch.optim`` (its default implementation);
- ``numpy``: arraygrad eager on numpy.

Workloads: ``mlp`` (784-512-512-10, batch 128, SGD lr 0.01 momentum 0.9), ``lenet`` (LeNet-5 on
1x32x32, batch 64, Adam), ``lstm`` (LSTM 64->128, T 32, batch 32, linear head on the last step,
Adam), ``transformer`` (one post-norm TransformerEncoderLayer, d_model 128, 4 heads, feed-forward
512, T 64, batch 16, linear head on the mean over time, Adam); cross-entropy over 10 classes and
Adam lr 1e-3 everywhere.

    python benchmarks/compiled_step.py [--workloads mlp,lenet,lstm,transformer]
        [--columns torch,jaxjit,numpy,compiled] [--steps 20] [--repeats 5] [--threads N]

Before timing, the first-step losses of all columns must agree (rtol 1e-4) and the second-step
losses (after one optimizer update) within rtol 1e-3. Reported per workload and column: the
median ms/step over ``--repeats`` runs of ``--steps`` steps after warm-up, and the first step's
time (the first call of a freshly built step, so it includes tracing and compilation). Targets:
compiled / jaxjit <= 1.1 per step and compiled first step / jaxjit first step <= 2; compiled /
torch is shown for reference. ``--threads N`` sets torch's intra-op threads and the
OMP/OPENBLAS/MKL thread counts (before numpy is imported); XLA keeps its own thread pool.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

COLUMNS = ("torch", "jaxjit", "numpy", "compiled")
WORKLOADS = ("mlp", "lenet", "lstm", "transformer")

# arraygrad creates PyTorch's int64 labels on jax only in 64-bit mode; the hand-written jax math
# below stays float32 because every array is created with an explicit float32 dtype
os.environ.setdefault("JAX_ENABLE_X64", "1")


# ---------------------------------------------------------------- models, data, optimizers


def build(nn: Any, name: str) -> Any:
    """The same architecture in either framework (``nn`` is torch.nn or arraygrad.nn)."""
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )
    if name == "lstm":

        class LSTMNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = nn.LSTM(64, 128, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                out, _ = self.lstm(x)
                return self.head(out[:, -1])

        return LSTMNet()
    if name == "transformer":

        class EncoderNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.enc = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                return self.head(self.enc(x).mean(1))

        return EncoderNet()
    raise ValueError(f"unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")


def batch(name: str, seed: int = 0) -> tuple[Any, Any]:
    """Inputs (float32) and int64 class labels of ``name``'s batch, from a fixed-seed numpy rng."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = {"mlp": (128, 784), "lenet": (64, 1, 32, 32), "lstm": (32, 32, 64), "transformer": (16, 64, 128)}[name]
    x = rng.normal(size=shape).astype(np.float32)
    return x, rng.integers(0, 10, shape[0]).astype(np.int64)


def make_optimizer(optim: Any, name: str, params: Any) -> Any:
    """``optim`` is torch.optim or arraygrad.optim."""
    if name == "mlp":
        return optim.SGD(params, lr=0.01, momentum=0.9)
    return optim.Adam(params, lr=1e-3)


def initial_weights(name: str) -> dict[str, Any]:
    """PyTorch's random init of ``name`` (seed 0) as float32 numpy arrays, keyed like state_dict."""
    import torch

    torch.manual_seed(0)
    return {k: v.detach().numpy().copy() for k, v in build(torch.nn, name).state_dict().items()}


# ---------------------------------------------------------------- columns
# Each maker returns a step: one training step on the fixed batch, finished (blocked on) before it
# returns, giving the loss computed before the update.


def make_torch(name: str, weights: dict[str, Any], xb: Any, yb: Any) -> Callable[[], float]:
    import torch

    model = build(torch.nn, name)
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    opt = make_optimizer(torch.optim, name, model.parameters())
    x, y = torch.tensor(xb), torch.tensor(yb)

    def step() -> Any:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def make_numpy(name: str, weights: dict[str, Any], xb: Any, yb: Any) -> Callable[[], Any]:
    import arraygrad as ag

    with ag.use_backend("numpy"):
        model = build(ag.nn, name)
        model.load_state_dict({k: ag.tensor(v) for k, v in weights.items()})
        opt = make_optimizer(ag.optim, name, model.parameters())
        x, y = ag.tensor(xb), ag.tensor(yb)

    def step() -> Any:
        with ag.use_backend("numpy"):
            opt.zero_grad()
            loss = ag.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return loss.detach()

    return step


def make_compiled(name: str, weights: dict[str, Any], xb: Any, yb: Any) -> Callable[[], Any]:
    import jax

    import arraygrad as ag

    with ag.use_backend("jax"):
        model = build(ag.nn, name)
        model.load_state_dict({k: ag.tensor(v) for k, v in weights.items()})
        opt = make_optimizer(ag.optim, name, model.parameters())
        xj, yj = ag.tensor(xb), ag.tensor(yb)

    def step(x: Any, y: Any) -> Any:
        opt.zero_grad()
        loss = ag.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    step = ag.compile(step)

    def run() -> Any:
        with ag.use_backend("jax"):
            loss = step(xj, yj)
        jax.block_until_ready(loss.array)
        return loss

    return run


def make_jaxjit(name: str, weights: dict[str, Any], xb: Any, yb: Any) -> Callable[[], Any]:
    """The same forward, loss and optimizer written in jax.numpy, jitted as one step (built fresh,
    so the first call compiles)."""
    import jax
    import jax.numpy as jnp

    f32 = jnp.float32
    params = {k: jnp.asarray(v, dtype=f32) for k, v in weights.items()}
    forward = JAX_FORWARDS[name]

    def loss_fn(p: dict[str, Any], x: Any, y: Any) -> Any:
        logp = jax.nn.log_softmax(forward(p, x), axis=-1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    if name == "mlp":
        init, update = sgd_momentum(lr=0.01, momentum=0.9)
    else:
        init, update = adam(lr=1e-3)
    state = init(params)

    def train_step(p: dict[str, Any], s: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        p, s = update(p, grads, s)
        return p, s, loss

    jitted = jax.jit(train_step, donate_argnums=(0, 1))
    x, y = jnp.asarray(xb, dtype=f32), jnp.asarray(yb, dtype=jnp.int32)
    carry = {"params": params, "state": state}

    def step() -> Any:
        p, s, loss = jitted(carry["params"], carry["state"], x, y)
        jax.block_until_ready((p, s, loss))
        carry["params"], carry["state"] = p, s
        return loss

    return step


MAKERS: dict[str, Callable[[str, dict[str, Any], Any, Any], Callable[[], Any]]] = {
    "torch": make_torch, "jaxjit": make_jaxjit, "numpy": make_numpy, "compiled": make_compiled,
}


# ---------------------------------------------------------------- hand-written jax math (PyTorch's)


def sgd_momentum(lr: float, momentum: float) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """torch.optim.SGD with momentum, no dampening: buf = momentum * buf + g (buf = g on the first
    step, the same as starting from zeros); p -= lr * buf."""
    import jax
    import jax.numpy as jnp

    def init(params: Any) -> Any:
        return jax.tree.map(jnp.zeros_like, params)

    def update(params: Any, grads: Any, bufs: Any) -> tuple[Any, Any]:
        bufs = jax.tree.map(lambda b, g: momentum * b + g, bufs, grads)
        return jax.tree.map(lambda p, b: p - lr * b, params, bufs), bufs

    return init, update


def adam(lr: float, beta1: float = 0.9, beta2: float = 0.999,
         eps: float = 1e-8) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """torch.optim.Adam: m, v moving averages; p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)."""
    import jax
    import jax.numpy as jnp

    f32 = jnp.float32

    def init(params: Any) -> Any:
        return {"t": jnp.zeros((), dtype=f32), "m": jax.tree.map(jnp.zeros_like, params),
                "v": jax.tree.map(jnp.zeros_like, params)}

    def update(params: Any, grads: Any, state: Any) -> tuple[Any, Any]:
        t = state["t"] + jnp.ones((), dtype=f32)
        m = jax.tree.map(lambda m, g: m + (g - m) * (1 - beta1), state["m"], grads)  # torch's lerp
        v = jax.tree.map(lambda v, g: beta2 * v + (1 - beta2) * g * g, state["v"], grads)
        step_size = lr / (1 - jnp.asarray(beta1, dtype=f32) ** t)
        bc2_sqrt = jnp.sqrt(1 - jnp.asarray(beta2, dtype=f32) ** t)
        params = jax.tree.map(lambda p, m, v: p - step_size * (m / (jnp.sqrt(v) / bc2_sqrt + eps)), params, m, v)
        return params, {"t": t, "m": m, "v": v}

    return init, update


def _linear(p: dict[str, Any], prefix: str, x: Any) -> Any:
    return x @ p[prefix + ".weight"].T + p[prefix + ".bias"]


def _mlp(p: dict[str, Any], x: Any) -> Any:
    import jax

    h = jax.nn.relu(_linear(p, "0", x))
    h = jax.nn.relu(_linear(p, "2", h))
    return _linear(p, "4", h)


def _lenet(p: dict[str, Any], x: Any) -> Any:
    import jax
    import jax.numpy as jnp
    from jax import lax

    def conv(x: Any, prefix: str) -> Any:
        out = lax.conv_general_dilated(x, p[prefix + ".weight"], (1, 1), "VALID",
                                       dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return out + p[prefix + ".bias"][None, :, None, None]

    def maxpool2(x: Any) -> Any:
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    h = maxpool2(jax.nn.relu(conv(x, "0")))
    h = maxpool2(jax.nn.relu(conv(h, "3")))
    h = h.reshape(h.shape[0], -1)  # (C, H, W) order, as nn.Flatten
    h = jax.nn.relu(_linear(p, "7", h))
    h = jax.nn.relu(_linear(p, "9", h))
    return _linear(p, "11", h)


def _lstm(p: dict[str, Any], x: Any) -> Any:
    """nn.LSTM (one layer, batch_first): gates i, f, g, o; both biases; zero initial state."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    w_hh = p["lstm.weight_hh_l0"]
    hidden = w_hh.shape[1]
    xw = x @ p["lstm.weight_ih_l0"].T + (p["lstm.bias_ih_l0"] + p["lstm.bias_hh_l0"])  # (B, T, 4H)

    def cell(carry: tuple[Any, Any], xw_t: Any) -> tuple[tuple[Any, Any], None]:
        h, c = carry
        gates = xw_t + h @ w_hh.T
        i, f, g, o = jnp.split(gates, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], hidden), dtype=x.dtype)
    (h, _), _ = lax.scan(cell, (zeros, zeros), jnp.swapaxes(xw, 0, 1))
    return _linear(p, "head", h)


def _layer_norm(p: dict[str, Any], prefix: str, x: Any, eps: float = 1e-5) -> Any:
    import jax.numpy as jnp

    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * p[prefix + ".weight"] + p[prefix + ".bias"]


def _transformer(p: dict[str, Any], x: Any, heads: int = 4) -> Any:
    """nn.TransformerEncoderLayer (post-norm, relu, batch_first) and a head on the mean over time."""
    import jax
    import jax.numpy as jnp

    b, t, e = x.shape
    hd = e // heads

    def split_heads(a: Any) -> Any:
        return a.reshape(b, t, heads, hd).transpose(0, 2, 1, 3)

    # nn.MultiheadAttention: one packed in_proj (q, k, v rows), then out_proj
    qkv = x @ p["enc.self_attn.in_proj_weight"].T + p["enc.self_attn.in_proj_bias"]
    q, k, v = (split_heads(a) for a in jnp.split(qkv, 3, axis=-1))
    scores = (q @ jnp.swapaxes(k, -1, -2)) / math.sqrt(hd)
    attn = (jax.nn.softmax(scores, axis=-1) @ v).transpose(0, 2, 1, 3).reshape(b, t, e)
    h = _layer_norm(p, "enc.norm1", x + _linear(p, "enc.self_attn.out_proj", attn))
    ff = _linear(p, "enc.linear2", jax.nn.relu(_linear(p, "enc.linear1", h)))
    h = _layer_norm(p, "enc.norm2", h + ff)
    return _linear(p, "head", jnp.mean(h, axis=1))


JAX_FORWARDS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "mlp": _mlp, "lenet": _lenet, "lstm": _lstm, "transformer": _transformer,
}


# ---------------------------------------------------------------- timing and report


def timed_call(step: Callable[[], Any]) -> tuple[float, float]:
    """(loss, milliseconds) of one step."""
    start = time.perf_counter()
    loss = step()
    ms = (time.perf_counter() - start) * 1e3
    return float(loss), ms


def median_ms(step: Callable[[], object], steps: int, repeats: int, warmup: int = 1) -> float:
    """Median over ``repeats`` runs of the mean milliseconds per step of ``steps`` steps."""
    for _ in range(warmup):
        step()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        runs.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(runs)


def warm_jax() -> None:
    """Compile and run one tiny gradient step, so that jax's one-time start-up cost (backend,
    compiler) lands in no column's first step."""
    import jax
    import jax.numpy as jnp

    w = jnp.ones((4, 4), dtype=jnp.float32)
    grad = jax.jit(jax.value_and_grad(lambda w, x: jnp.mean(jax.nn.relu(x @ w) ** 2)))
    jax.block_until_ready(grad(w, jnp.ones((2, 4), dtype=jnp.float32)))


def check_agree(name: str, what: str, losses: dict[str, float], rtol: float) -> None:
    ref_col, ref = next(iter(losses.items()))
    shown = ", ".join(f"{c} {v:.7f}" for c, v in losses.items())
    print(f"  {name:12s} {what:18s} {shown}")
    for col, value in losses.items():
        assert math.isclose(value, ref, rel_tol=rtol), (
            f"{name}: {what} of {col} ({value}) and {ref_col} ({ref}) differ by more than rtol {rtol}"
        )


def run_workload(name: str, columns: list[str], steps: int, repeats: int) -> dict[str, tuple[float, float]]:
    """{column: (median ms/step, first-step ms)} of one workload."""
    weights = initial_weights(name)
    xb, yb = batch(name)
    runners = {col: MAKERS[col](name, weights, xb, yb) for col in columns}
    first = {col: timed_call(runner) for col, runner in runners.items()}
    check_agree(name, "first-step loss", {c: loss for c, (loss, _) in first.items()}, 1e-4)
    second = {col: float(runner()) for col, runner in runners.items()}
    check_agree(name, "second-step loss", second, 1e-3)
    return {col: (median_ms(runner, steps, repeats), first[col][1]) for col, runner in runners.items()}


def ratio(results: dict[str, tuple[float, float]], num: str, den: str, index: int) -> str:
    if num in results and den in results:
        return f"{results[num][index] / results[den][index]:.2f}"
    return "-"


def print_table(results: dict[str, dict[str, tuple[float, float]]], columns: list[str]) -> None:
    head = ["workload"]
    head += [f"{c} ms/step" for c in columns] + [f"{c} first ms" for c in columns]
    head += ["compiled / jaxjit (<= 1.1)", "compiled first / jaxjit first (<= 2)", "compiled / torch"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for name, res in results.items():
        row = [name] + [f"{res[c][0]:.2f}" for c in columns] + [f"{res[c][1]:.1f}" for c in columns]
        row += [ratio(res, "compiled", "jaxjit", 0), ratio(res, "compiled", "jaxjit", 1),
                ratio(res, "compiled", "torch", 0)]
        print("| " + " | ".join(row) + " |")


def parse_list(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in items if s not in allowed]
    if unknown or not items:
        raise SystemExit(f"--{what}: unknown {unknown or 'empty list'}; choose from {','.join(allowed)}")
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--columns", default=",".join(COLUMNS))
    parser.add_argument("--steps", type=int, default=20, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the median is reported")
    parser.add_argument("--threads", type=int, default=0, help="torch/OMP/OpenBLAS threads (0: defaults)")
    args = parser.parse_args()
    workloads = parse_list(args.workloads, WORKLOADS, "workloads")
    columns = parse_list(args.columns, COLUMNS, "columns")

    if args.threads:  # before numpy, torch or jax load their BLAS / OpenMP runtimes
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import jax
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"float32; torch {torch.__version__} ({torch.get_num_threads()} threads), jax {jax.__version__} "
          f"on {jax.devices()[0].platform}; {args.steps} steps x {args.repeats} repeats, median")
    warm_jax()
    print("losses (each column's own step, same weights and batch):")
    results = {name: run_workload(name, columns, args.steps, args.repeats) for name in workloads}
    print()
    print_table(results, columns)


if __name__ == "__main__":
    main()
