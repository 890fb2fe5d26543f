"""A small VGG-style network, built from a config list like torchvision's VGG, on the digits at 16x16.

    python examples/vgg_small.py [--epochs 4] [--backend jax] [--out-dir DIR]

``_make_layers(cfg)`` turns ``[16, 16, "M", 32, 32, "M"]`` into Conv-BatchNorm-ReLU blocks (a
number: that many 3x3 filters) and 2x2 max-pools (``"M"``); the classifier has Dropout. Shows
``model.train()`` / ``model.eval()`` mattering: BatchNorm uses batch statistics and Dropout drops
units only in training. Writes ``vgg_small_loss.png`` and ``vgg_small.safetensors`` into ``--out-dir``.
"""

from __future__ import annotations

import time

from _common import load_digits_split, parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset

CFG: list[int | str] = [16, 16, "M", 32, 32, "M"]  # 16x16 -> 8x8 -> 4x4


def _make_layers(cfg: list[int | str], in_channels: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            assert isinstance(v, int)
            # the conv needs no bias: BatchNorm's shift replaces it
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(v), nn.ReLU()]
            in_channels = v
    return nn.Sequential(*layers)


class VGGSmall(nn.Module):
    def __init__(self, cfg: list[int | str], image_size: int = 16, num_classes: int = 10) -> None:
        super().__init__()
        self.features = _make_layers(cfg)
        channels = [v for v in cfg if v != "M"][-1]
        side = image_size // 2 ** cfg.count("M")
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(channels * side * side, 64),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(64, num_classes),
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
    args = parse_args(__doc__.splitlines()[0], epochs=4)
    start = time.perf_counter()
    x_train, x_test, y_train, y_test = load_digits_split(size=16, seed=args.seed)
    train_loader = DataLoader(TensorDataset(ag.tensor(x_train), ag.tensor(y_train)), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(ag.tensor(x_test), ag.tensor(y_test)), batch_size=256)

    model = VGGSmall(CFG)
    print(model)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
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

    save_loss_curve(losses, args.out_dir / "vgg_small_loss.png", "VGG-style net on digits (16x16)")
    save_checkpoint(model, args.out_dir / "vgg_small.safetensors")


if __name__ == "__main__":
    main()
