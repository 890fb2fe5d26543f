"""Train a tiny two-layer network on a toy regression problem and print the loss falling.

Runs on the backend named by ARRAYGRAD_BACKEND (default numpy):

    python examples/demo.py [--steps 200] [--backend jax]
"""

from __future__ import annotations

import argparse
import math

import arraygrad as ag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--backend", default=None, help="numpy, strict, jax or cupy (default: ARRAYGRAD_BACKEND)")
    args = parser.parse_args()
    if args.backend:
        ag.set_default_backend(args.backend)

    ag.manual_seed(0)
    # y = sin(3x) on [-1, 1], learned by a 1-32-1 tanh network
    x = ag.linspace(-1.0, 1.0, 128).reshape(-1, 1)
    y = (x * 3).sin()

    hidden = 32
    w1 = (ag.randn(1, hidden) * math.sqrt(1.0)).requires_grad_()
    b1 = ag.zeros(hidden, requires_grad=True)
    w2 = (ag.randn(hidden, 1) / math.sqrt(hidden)).requires_grad_()
    b2 = ag.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    lr = 0.1

    print(f"backend: {ag.get_default_backend()}")
    for step in range(args.steps + 1):
        pred = (x @ w1 + b1).tanh() @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with ag.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        if step % (args.steps // 10 or 1) == 0:
            print(f"step {step:4d}  loss {loss.item():.5f}")


if __name__ == "__main__":
    main()
