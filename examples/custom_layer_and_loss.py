"""A user-defined layer and loss, a forward hook recording activations and a tensor hook recording gradients.

    python examples/custom_layer_and_loss.py [--epochs 200] [--backend jax] [--out-dir DIR]

``ScaledResidual`` is a layer with its own ``Parameter`` (y = x + alpha * tanh(W x + b));
``FocalLoss`` is a loss written with ordinary tensor ops, so autograd differentiates it with no
backward code. A forward hook on the residual layer keeps the mean/std of its output, and
``register_hook`` on the logits keeps the norm of their gradient, for every step. Trains on
sklearn's two-moons data. Writes ``custom_loss.png`` and ``custom.safetensors`` into ``--out-dir``.
"""

from __future__ import annotations

import numpy as np
from _common import parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F


class ScaledResidual(nn.Module):
    """y = x + alpha * tanh(x @ W.T + b), with a learnable scalar ``alpha`` starting at 0 so the
    layer begins as the identity."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(features, features)
        self.alpha = nn.Parameter(ag.zeros(1))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return x + self.alpha * self.linear(x).tanh()

    def extra_repr(self) -> str:
        return f"features={self.linear.in_features}"


class FocalLoss(nn.Module):
    """Focal loss (Lin et al., 2017): cross-entropy scaled by (1 - p_true) ** gamma, which shrinks
    the loss of examples the model already gets right. ``gamma=0`` is plain cross-entropy."""

    def __init__(self, gamma: float = 2.0) -> None:
        super().__init__()
        self.gamma = gamma

    def forward(self, logits: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        log_p = F.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
        return (-((1 - log_p.exp()) ** self.gamma) * log_p).mean()

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}"


def main() -> None:
    from sklearn.datasets import make_moons

    args = parse_args(__doc__.splitlines()[0], epochs=200)
    x_np, y_np = make_moons(n_samples=512, noise=0.15, random_state=args.seed)
    x, y = ag.tensor(x_np.astype(np.float32)), ag.tensor(y_np.astype(np.int64))

    block = ScaledResidual(16)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), block, nn.Linear(16, 2))
    loss_fn = FocalLoss(gamma=2.0)
    print(model)
    print(loss_fn)
    with ag.no_grad():  # with gamma=0 the focal loss is cross-entropy
        logits = model(x)
        gap = abs(FocalLoss(gamma=0.0)(logits, y).item() - nn.CrossEntropyLoss()(logits, y).item())
    print(f"|FocalLoss(gamma=0) - CrossEntropyLoss| = {gap:.1e}")

    # forward hook: called as hook(module, inputs, output) after block.forward
    activations: list[tuple[float, float]] = []

    def record_activation(module: nn.Module, inputs: tuple[ag.Tensor, ...], output: ag.Tensor) -> None:
        out = output.detach()
        activations.append((out.mean().item(), out.std().item()))

    handle = block.register_forward_hook(record_activation)

    # tensor hook: called with the gradient of the logits during backward
    grad_norms: list[float] = []

    def record_grad(grad: ag.Tensor) -> None:
        grad_norms.append(grad.norm().item())

    optimizer = ag.optim.Adam(model.parameters(), lr=0.01)
    losses: list[float] = []
    for _ in progress(range(args.epochs), desc="train"):
        logits = model(x)
        logits.register_hook(record_grad)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    handle.remove()

    with ag.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    print(f"hooks recorded {len(activations)} activations and {len(grad_norms)} gradients "
          f"(the forward hook is removed, so the evaluation pass above added none)")
    for i in sorted({0, len(losses) // 2, len(losses) - 1}):
        mean, std = activations[i]
        print(f"step {i + 1:4d}  loss {losses[i]:.4f}  residual-block output mean {mean:+.3f} std {std:.3f}"
              f"  |d loss / d logits| {grad_norms[i]:.2e}")
    print(f"learned alpha: {block.alpha.item():.3f}")
    print(f"final loss {losses[-1]:.4f}  train accuracy {100 * accuracy:.1f}%")

    save_loss_curve(losses, args.out_dir / "custom_loss.png", "focal loss on two moons")
    save_checkpoint(model, args.out_dir / "custom.safetensors")


if __name__ == "__main__":
    main()
