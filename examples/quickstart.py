"""Quickstart: train a small classifier on sklearn's 8x8 digits, the shape of PyTorch's quickstart tutorial.

    python examples/quickstart.py [--epochs 10] [--backend jax] [--compile] [--out-dir DIR] [--update-docs]

Data → DataLoader → model → train/test loops → save the weights with ``ag.save`` → load them
into a fresh model and check it scores the same. Writes ``quickstart_loss.png`` and
``quickstart.safetensors`` into ``--out-dir``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from _common import load_digits_split, parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset

DOCS_PNG = Path(__file__).resolve().parent.parent / "docs" / "quickstart_loss.png"


class NeuralNetwork(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def make_train_step(model: nn.Module, loss_fn: nn.Module, optimizer: ag.optim.Optimizer,
                    compile: bool) -> Callable[[ag.Tensor, ag.Tensor], ag.Tensor]:  # noqa: A002
    def train_step(X: ag.Tensor, y: ag.Tensor) -> ag.Tensor:  # noqa: N803 - the tutorial's names
        # compute the prediction error
        pred = model(X)
        loss = loss_fn(pred, y)

        # backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    # --compile: on jax the whole step becomes one compiled program (eager on other backends)
    return ag.compile(train_step) if compile else train_step


def train(dataloader: DataLoader, model: nn.Module, train_step: Callable[[ag.Tensor, ag.Tensor], ag.Tensor],
          max_steps: int | None, losses: list[float]) -> None:
    model.train()
    total = len(dataloader) if max_steps is None else min(max_steps, len(dataloader))
    for batch, (X, y) in enumerate(progress(dataloader, total=total, desc="train")):
        if batch == total:
            break
        loss = train_step(X, y)
        losses.append(loss.item())


def test(dataloader: DataLoader, model: nn.Module, loss_fn: nn.Module) -> tuple[float, float]:
    """Returns (accuracy, average loss) over ``dataloader``."""
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0.0, 0
    with ag.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).sum().item()
    return correct / size, test_loss / num_batches


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=10, add_arguments=lambda p: p.add_argument(
        "--update-docs", action="store_true", help=f"also copy the loss curve to {DOCS_PNG.relative_to(DOCS_PNG.parents[1])}"))
    start = time.perf_counter()

    x_train, x_test, y_train, y_test = load_digits_split(seed=args.seed)
    training_data = TensorDataset(ag.tensor(x_train), ag.tensor(y_train))
    test_data = TensorDataset(ag.tensor(x_test), ag.tensor(y_test))
    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=64)
    for X, y in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {tuple(X.shape)}  Shape of y: {tuple(y.shape)} {y.dtype}")
        break

    model = NeuralNetwork()
    print(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = ag.optim.Adam(model.parameters(), lr=1e-3)
    train_step = make_train_step(model, loss_fn, optimizer, args.compile)

    losses: list[float] = []
    test_losses: list[float] = []
    accuracy = 0.0
    for t in range(args.epochs):
        train(train_dataloader, model, train_step, args.steps, losses)
        accuracy, test_loss = test(test_dataloader, model, loss_fn)
        test_losses.append(test_loss)
        print(f"epoch {t + 1:2d}  train loss {losses[-1]:.4f}  test loss {test_loss:.4f}  test accuracy {100 * accuracy:.1f}%")
    print(f"final test accuracy: {100 * accuracy:.1f}%  ({time.perf_counter() - start:.1f} s)")

    png = save_loss_curve(losses, args.out_dir / "quickstart_loss.png", "quickstart: MLP on 8x8 digits",
                          extra={"test loss (per epoch)": test_losses})
    if args.update_docs:
        DOCS_PNG.parent.mkdir(exist_ok=True)
        shutil.copyfile(png, DOCS_PNG)
        print(f"copied loss curve to {DOCS_PNG}")

    # save the weights, load them into a fresh model and check it scores the same
    path = save_checkpoint(model, args.out_dir / "quickstart.safetensors")
    reloaded = NeuralNetwork()
    reloaded.load_state_dict(ag.load(path))
    reloaded_accuracy, _ = test(test_dataloader, reloaded, loss_fn)
    print(f"reloaded model test accuracy: {100 * reloaded_accuracy:.1f}%")
    if reloaded_accuracy != accuracy:
        raise SystemExit(f"reloaded model scores {reloaded_accuracy} instead of {accuracy}")


if __name__ == "__main__":
    main()
