"""XOR: logistic regression cannot separate it, a two-layer network can.

    python examples/xor.py [--epochs 500] [--backend jax] [--out-dir DIR]

The four XOR points (with a little noise, 64 copies each) are not linearly separable, so a
``Linear(2, 1)`` followed by a sigmoid stays near 50 % accuracy however long it trains. One hidden
layer of 8 tanh units bends the decision boundary and reaches 100 %. Writes ``xor_loss.png`` and
``xor_mlp.safetensors`` into ``--out-dir``.
"""

from __future__ import annotations

import numpy as np
from _common import parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad import nn


def make_xor(copies: int = 64, noise: float = 0.1, seed: int = 0) -> tuple[ag.Tensor, ag.Tensor]:
    """The four XOR corners (centred at ±1), each repeated ``copies`` times with Gaussian noise.
    Returns inputs of shape (4*copies, 2) and float labels of shape (4*copies, 1)."""
    rng = np.random.default_rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0], dtype=np.float32)
    x = np.repeat(corners * 2 - 1, copies, axis=0) + noise * rng.standard_normal((4 * copies, 2)).astype(np.float32)
    y = np.repeat(labels, copies)[:, None]
    return ag.tensor(x), ag.tensor(y)


def fit(model: nn.Module, x: ag.Tensor, y: ag.Tensor, epochs: int, lr: float, desc: str) -> tuple[list[float], float]:
    """Full-batch Adam on ``BCEWithLogitsLoss``; returns the losses and the final accuracy."""
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = ag.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in progress(range(epochs), desc=desc):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with ag.no_grad():
        accuracy = ((model(x) > 0).float() == y).float().mean().item()
    return losses, accuracy


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=500)
    x, y = make_xor(seed=args.seed)

    logistic = nn.Linear(2, 1)
    logistic_losses, logistic_accuracy = fit(logistic, x, y, args.epochs, lr=0.05, desc="logistic regression")
    print(f"logistic regression: loss {logistic_losses[-1]:.4f}  accuracy {100 * logistic_accuracy:.1f}%"
          "  (a straight line cannot separate XOR)")

    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    mlp_losses, mlp_accuracy = fit(mlp, x, y, args.epochs, lr=0.05, desc="2-layer MLP")
    print(f"2-layer MLP:         loss {mlp_losses[-1]:.4f}  accuracy {100 * mlp_accuracy:.1f}%")

    save_loss_curve(mlp_losses, args.out_dir / "xor_loss.png", "XOR: 2-layer MLP vs logistic regression",
                    xlabel="epoch", extra={"logistic regression": logistic_losses})
    save_checkpoint(mlp, args.out_dir / "xor_mlp.safetensors")


if __name__ == "__main__":
    main()
