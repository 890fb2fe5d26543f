"""LeNet-5 on sklearn's digits, upscaled from 8x8 to 32x32 (the input size LeCun et al. used).

    python examples/lenet.py [--epochs 10] [--backend jax] [--out-dir DIR]

Conv2d(1,6,5) → tanh → MaxPool2d(2) → Conv2d(6,16,5) → tanh → MaxPool2d(2) → Flatten →
Linear(400,120) → tanh → Linear(120,84) → tanh → Linear(84,10). Prints the model, its parameter
shapes, and the test accuracy per epoch. Writes ``lenet_loss.png`` and ``lenet.safetensors`` into
``--out-dir``.
"""

from __future__ import annotations

import time

from _common import load_digits_split, parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset


class LeNet5(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),   # 1x32x32 -> 6x28x28
            nn.Tanh(),
            nn.MaxPool2d(2),                  # -> 6x14x14
            nn.Conv2d(6, 16, kernel_size=5),  # -> 16x10x10
            nn.Tanh(),
            nn.MaxPool2d(2),                  # -> 16x5x5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.classifier(self.features(x))


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = 0
    with ag.no_grad():
        for X, y in loader:
            correct += (model(X).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=10)
    start = time.perf_counter()

    x_train, x_test, y_train, y_test = load_digits_split(size=32, seed=args.seed)
    train_loader = DataLoader(TensorDataset(ag.tensor(x_train), ag.tensor(y_train)), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(ag.tensor(x_test), ag.tensor(y_test)), batch_size=256)

    model = LeNet5()
    print(model)
    for name, p in model.named_parameters():
        print(f"  {name:24s} {tuple(p.shape)}")
    print(f"  {'total':24s} {sum(p.numel() for p in model.parameters()):,} parameters")

    loss_fn = nn.CrossEntropyLoss()
    optimizer = ag.optim.Adam(model.parameters(), lr=2e-3)
    losses: list[float] = []
    accuracy = 0.0
    steps = len(train_loader) if args.steps is None else min(args.steps, len(train_loader))
    for epoch in range(args.epochs):
        model.train()
        for step, (X, y) in enumerate(progress(train_loader, total=steps, desc=f"epoch {epoch + 1}")):
            if step == steps:
                break
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch + 1:2d}  train loss {losses[-1]:.4f}  test accuracy {100 * accuracy:.1f}%"
              f"  ({time.perf_counter() - start:.0f} s)")
    print(f"final test accuracy: {100 * accuracy:.1f}%  ({time.perf_counter() - start:.1f} s)")

    save_loss_curve(losses, args.out_dir / "lenet_loss.png", "LeNet-5 on digits (32x32)")
    save_checkpoint(model, args.out_dir / "lenet.safetensors")


if __name__ == "__main__":
    main()
