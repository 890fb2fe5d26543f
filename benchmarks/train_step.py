"""Training-step time of three models, arraygrad (numpy backend) side by side with PyTorch CPU eager.

Both frameworks build the same architecture, get the same weights (copied from the PyTorch
model) and run forward + backward + a plain SGD update on the same batch. Prints milliseconds
per step (median of several repeats) and the ratio arraygrad / PyTorch.

    python benchmarks/train_step.py [--steps 20] [--models lenet,lstm,transformer] [--threads 1]

Models (sizes from the nn issue):
- lenet: LeNet-5 on 1x32x32 inputs, batch 64
- lstm: LSTM input 64, hidden 128, sequence 32, batch 32 (+ a linear head on the last step)
- transformer: one TransformerEncoderLayer, d_model 128, 4 heads, feed-forward 512, sequence 64, batch 16
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def median_ms(step: Callable[[], object], steps: int, repeats: int = 5) -> float:
    step()  # warm-up (allocations, caches)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        runs.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(runs)


def build(nn: Any, name: str) -> Any:
    """The same architecture in either framework (``nn`` is torch.nn or arraygrad.nn)."""
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )
    if name == "lstm":

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = nn.LSTM(64, 128, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                out, _ = self.lstm(x)
                return self.head(out[:, -1])

        return Net()
    if name == "transformer":
        return nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
    raise ValueError(name)


def batch(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if name == "lenet":
        return rng.normal(size=(64, 1, 32, 32)).astype(np.float32), rng.integers(0, 10, 64)
    if name == "lstm":
        return rng.normal(size=(32, 32, 64)).astype(np.float32), rng.integers(0, 10, 32)
    return rng.normal(size=(16, 64, 128)).astype(np.float32), np.zeros(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--models", default="lenet,lstm,transformer")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"{'model':12s} {'arraygrad ms':>13s} {'pytorch ms':>11s} {'ratio':>7s}")
    for name in args.models.split(","):
        ms_a, ms_t = compare(name, args.steps, rng)
        print(f"{name:12s} {ms_a:13.2f} {ms_t:11.2f} {ms_a / ms_t:6.2f}x")


def compare(name: str, steps: int, rng: np.random.Generator, lr: float = 0.01) -> tuple[float, float]:
    """Milliseconds per training step of ``name`` in arraygrad and in PyTorch."""
    import torch

    import arraygrad as ag

    torch.manual_seed(0)
    tmodel = build(torch.nn, name)
    amodel = build(ag.nn, name)
    amodel.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tmodel.state_dict().items()})
    xb, yb = batch(name, rng)
    xt, yt = torch.tensor(xb), torch.tensor(yb)
    xa, ya = ag.tensor(xb), ag.tensor(yb)
    tparams, aparams = list(tmodel.parameters()), list(amodel.parameters())

    def loss_t() -> Any:
        out = tmodel(xt)
        if name == "transformer":
            return (out * out).mean()
        return torch.nn.functional.cross_entropy(out, yt)

    def loss_a() -> Any:
        out = amodel(xa)
        if name == "transformer":
            return (out * out).mean()
        logp = out.log_softmax(1)
        return -logp.gather(1, ya.reshape(-1, 1)).mean()

    def step_t() -> None:
        loss = loss_t()
        loss.backward()
        with torch.no_grad():
            for p in tparams:
                p -= lr * p.grad
                p.grad = None

    def step_a() -> None:
        loss = loss_a()
        loss.backward()
        with ag.no_grad():
            for p in aparams:
                p -= lr * p.grad
                p.grad = None

    # same numbers before timing: the comparison is only meaningful for the same computation
    la, lt = loss_a().item(), loss_t().item()
    assert abs(la - lt) <= 1e-3 * max(1.0, abs(lt)), f"{name}: losses differ ({la} vs {lt})"
    return median_ms(step_a, steps), median_ms(step_t, steps)


if __name__ == "__main__":
    main()
