"""Training-step time of six models, arraygrad (numpy backend) side by side with PyTorch CPU eager
and, for the MLP, with the same step written by hand in numpy.

Every column builds the same architecture, gets the same weights (copied from the PyTorch model)
and runs forward + backward + a plain SGD update (lr 0.01) on the same float32 batch. Before
timing, the losses of the first three steps must agree between the columns (rtol 1e-3). The
columns are timed in alternation within one process (one run of ``--steps`` steps of each, in a
rotating order, ``--repeats`` times), so that a slower or faster moment of a shared machine falls
on all of them. Printed per model and column: the median milliseconds per step and the spread of
the runs ((max - min) / median); per pair of columns the median of the per-run ratios and their
range.

    python benchmarks/train_step.py [--models mlp,lenet,vgg_small,lstm,gru,transformer]
        [--steps 20] [--repeats 7] [--threads N] [--profile gru]

Models:
- mlp: 784-512-512-10 with ReLU, batch 128; the ``numpy`` column is this step hand-written in numpy
- lenet: LeNet-5 on 1x32x32 inputs, batch 64
- vgg_small: the VGG-style block of ``examples/vgg_small.py`` (config ``[16, 16, "M", 32, 32, "M"]``:
  conv3x3 (no bias) - BatchNorm2d - ReLU twice, 2x2 max-pool, two such stages) on 1x32x32 inputs, then
  Flatten - Linear(2048, 64) - ReLU - Linear(64, 10); batch 64; the example's Dropout is left out
  (random masks cannot agree between frameworks)
- lstm: LSTM input 64, hidden 128, sequence 32, batch 32 (+ a linear head on the last step)
- gru: GRU of the same sizes and head
- transformer: one TransformerEncoderLayer, d_model 128, 4 heads, feed-forward 512, sequence 64,
  batch 16, loss ``mean(out ** 2)``
Classifiers use ``cross_entropy`` over 10 classes.

``--threads N`` sets torch's intra-op threads (``torch.set_num_threads``) and arraygrad's BLAS
threads (``arraygrad.set_num_threads``) to N; without it both keep their defaults.
``--profile NAME`` runs cProfile over ``--steps`` arraygrad steps of one model after the table and
prints the functions with the most own time (``tottime``) and their share of the total.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

MODELS = ("mlp", "lenet", "vgg_small", "lstm", "gru", "transformer")
VGG_CFG: list[int | str] = [16, 16, "M", 32, 32, "M"]
LR = 0.01
CHECK_STEPS = 3
RTOL = 1e-3


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
    if name == "vgg_small":
        layers: list[Any] = []
        in_channels = 1
        for v in VGG_CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(v), nn.ReLU()]
                in_channels = int(v)
        side = 32 // 2 ** VGG_CFG.count("M")
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(in_channels * side * side, 64), nn.ReLU(), nn.Linear(64, 10))
    if name in ("lstm", "gru"):
        rnn_class = nn.LSTM if name == "lstm" else nn.GRU

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rnn = rnn_class(64, 128, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                out, _ = self.rnn(x)
                return self.head(out[:, -1])

        return Net()
    if name == "transformer":
        return nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")


def batch(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (float32) and class targets (int64; empty for the transformer) of one step."""
    if name == "mlp":
        return rng.normal(size=(128, 784)).astype(np.float32), rng.integers(0, 10, 128)
    if name in ("lenet", "vgg_small"):
        return rng.normal(size=(64, 1, 32, 32)).astype(np.float32), rng.integers(0, 10, 64)
    if name in ("lstm", "gru"):
        return rng.normal(size=(32, 32, 64)).astype(np.float32), rng.integers(0, 10, 32)
    return rng.normal(size=(16, 64, 128)).astype(np.float32), np.zeros(0, dtype=np.int64)


class NumpyMLP:
    """The MLP's training step written directly in numpy: forward, the analytic backward of ReLU and
    mean cross-entropy, and the SGD update in place. Weights are ``(out, in)`` as in ``nn.Linear``."""

    def __init__(self, state: dict[str, np.ndarray], lr: float = LR) -> None:
        self.weights = [state[f"{i}.weight"].copy() for i in (0, 2, 4)]
        self.biases = [state[f"{i}.bias"].copy() for i in (0, 2, 4)]
        self.lr = np.float32(lr)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One forward/backward/SGD step on the batch; returns the loss before the update."""
        (w1, w2, w3), (b1, b2, b3) = self.weights, self.biases
        n = x.shape[0]
        rows = np.arange(n)
        h1 = x @ w1.T
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2.T
        h2 += b2
        np.maximum(h2, 0, out=h2)
        z = h2 @ w3.T
        z += b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        dz = e
        dz /= s
        dz[rows, y] -= 1
        dz /= n
        grads = [(dz.T @ h2, dz.sum(axis=0))]
        dh2 = dz @ w3
        dh2[h2 <= 0] = 0
        grads.append((dh2.T @ h1, dh2.sum(axis=0)))
        dh1 = dh2 @ w2
        dh1[h1 <= 0] = 0
        grads.append((dh1.T @ x, dh1.sum(axis=0)))
        for (gw, gb), w, b in zip(reversed(grads), self.weights, self.biases):
            gw *= self.lr
            w -= gw
            gb *= self.lr
            b -= gb
        return loss


def make_steps(name: str, rng: np.random.Generator, lr: float = LR) -> dict[str, Callable[[], float | Any]]:
    """One training-step function per column (``arraygrad``, ``pytorch`` and, for the MLP, ``numpy``),
    all from PyTorch's initial weights and on the same batch. Each returns the step's loss (a tensor
    for the frameworks, so that timing does not convert it)."""
    import torch

    import arraygrad as ag

    torch.manual_seed(0)
    tmodel = build(torch.nn, name)
    amodel = build(ag.nn, name)
    state = {k: v.detach().numpy().copy() for k, v in tmodel.state_dict().items()}
    amodel.load_state_dict({k: ag.tensor(v) for k, v in state.items()})
    xb, yb = batch(name, rng)
    xt, yt = torch.tensor(xb), torch.tensor(yb)
    xa, ya = ag.tensor(xb), ag.tensor(yb)
    tparams, aparams = list(tmodel.parameters()), list(amodel.parameters())

    def step_t() -> Any:
        out = tmodel(xt)
        loss = (out * out).mean() if name == "transformer" else torch.nn.functional.cross_entropy(out, yt)
        loss.backward()
        with torch.no_grad():
            for p in tparams:
                p -= lr * p.grad
                p.grad = None
        return loss

    def step_a() -> Any:
        out = amodel(xa)
        loss = (out * out).mean() if name == "transformer" else ag.nn.functional.cross_entropy(out, ya)
        loss.backward()
        with ag.no_grad():
            for p in aparams:
                p -= lr * p.grad
                p.grad = None
        return loss

    steps: dict[str, Callable[[], Any]] = {"arraygrad": step_a, "pytorch": step_t}
    if name == "mlp":
        net = NumpyMLP(state, lr)
        steps["numpy"] = lambda: net.step(xb, yb)
    return steps


def _value(loss: Any) -> float:
    return float(loss.detach().item()) if hasattr(loss, "detach") else float(loss)


def check_losses(name: str, steps: dict[str, Callable[[], Any]], n: int = CHECK_STEPS) -> None:
    """Run ``n`` steps of every column and require the same loss at each (rtol ``RTOL``): the timing
    compares the same computation only if it is the same computation."""
    losses = {col: [_value(step()) for _ in range(n)] for col, step in steps.items()}
    ref = losses["pytorch"]
    for col, values in losses.items():
        for i, (a, b) in enumerate(zip(values, ref)):
            if abs(a - b) > RTOL * max(1.0, abs(b)):
                raise AssertionError(f"{name}: step {i} loss of {col} is {a}, PyTorch's is {b}")


def time_alternating(steps: dict[str, Callable[[], Any]], n_steps: int, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per step of each column, one list entry per run; the columns take turns (the
    order rotates every run) after one warm-up step each."""
    for step in steps.values():
        step()
    cols = list(steps)
    runs: dict[str, list[float]] = {col: [] for col in cols}
    for r in range(repeats):
        for col in cols[r % len(cols):] + cols[:r % len(cols)]:
            step = steps[col]
            start = time.perf_counter()
            for _ in range(n_steps):
                step()
            runs[col].append((time.perf_counter() - start) / n_steps * 1e3)
    return runs


def spread(values: list[float]) -> float:
    """(max - min) / median, in percent."""
    return (max(values) - min(values)) / statistics.median(values) * 100


def ratio_text(a: list[float], b: list[float]) -> str:
    ratios = [x / y for x, y in zip(a, b)]
    return f"{statistics.median(ratios):5.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


def profile(name: str, n_steps: int, top: int = 8) -> None:
    """cProfile ``n_steps`` arraygrad steps of ``name``; print the ``top`` functions by own time."""
    step = make_steps(name, np.random.default_rng(0))["arraygrad"]
    step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n_steps):
        step()
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    print(f"\nprofile of {n_steps} arraygrad steps of {name}: {total * 1e3 / n_steps:.2f} ms/step under cProfile")
    print(f"  {'tottime %':>9s} {'ms/step':>8s} {'calls/step':>10s}  function")
    for (file, line, func), (_, ncalls, tottime, _, _) in rows[:top]:
        where = f"{file.split('site-packages/')[-1].split('/main/')[-1]}:{line}" if line else file
        print(f"  {tottime / total * 100:8.1f}% {tottime * 1e3 / n_steps:8.2f} {ncalls / n_steps:10.1f}  {func} ({where})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per column; the median is reported")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=0, help="torch and arraygrad BLAS threads (0: defaults)")
    parser.add_argument("--profile", default="", help="a model to profile (cProfile, arraygrad column)")
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    for name in names + ([args.profile] if args.profile else []):
        if name not in MODELS:
            parser.error(f"unknown model {name!r}; choose from {', '.join(MODELS)}")

    import torch

    import arraygrad as ag

    if args.threads:
        torch.set_num_threads(args.threads)
        ag.set_num_threads(args.threads)
    print(f"threads: torch {torch.get_num_threads()}, arraygrad BLAS {ag.get_num_threads()}; "
          f"{args.steps} steps x {args.repeats} alternating runs; ms/step median (spread of runs)")
    print(f"{'model':12s} {'arraygrad ms':>17s} {'pytorch ms':>17s} {'numpy ms':>17s}  "
          f"{'arraygrad/pytorch':>19s}  {'arraygrad/numpy':>19s}")
    rng = np.random.default_rng(0)
    for name in names:
        steps = make_steps(name, rng)
        check_losses(name, steps)
        runs = time_alternating(steps, args.steps, args.repeats)
        cells = [
            f"{statistics.median(runs[c]):9.2f} ({spread(runs[c]):3.0f}%)" if c in runs else f"{'-':>17s}"
            for c in ("arraygrad", "pytorch", "numpy")
        ]
        vs_numpy = ratio_text(runs["arraygrad"], runs["numpy"]) if "numpy" in runs else f"{'-':>19s}"
        print(f"{name:12s} {' '.join(cells)}  {ratio_text(runs['arraygrad'], runs['pytorch']):>19s}  {vs_numpy:>19s}")
    if args.profile:
        profile(args.profile, args.steps)


if __name__ == "__main__":
    main()
