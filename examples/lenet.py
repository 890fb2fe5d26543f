"""LeNet-5 on sklearn's digits, upscaled from 8x8 to 32x32 (the input size LeCun et al. used).

    python examples/lenet.py [--epochs 10] [--backend jax] [--compile] [--out-dir DIR]

Conv2d(1,6,5) → tanh → MaxPool2d(2) → Conv2d(6,16,5) → tanh → MaxPool2d(2) → Flatten →
Linear(400,120) → tanh → Linear(120,84) → tanh → Linear(84,10). Prints the model, its parameter
shapes, and the test accuracy per epoch. Writes ``lenet_loss.png`` and ``lenet.safetensors`` into
``--out-dir``.
"""

from __future__ import annotations

from _common import parse_args, save_checkpoint, save_loss_curve, train_digits_classifier

import arraygrad as ag
from arraygrad import nn


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


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=10)

    model = LeNet5()
    print(model)
    for name, p in model.named_parameters():
        print(f"  {name:24s} {tuple(p.shape)}")
    print(f"  {'total':24s} {sum(p.numel() for p in model.parameters()):,} parameters")

    losses, _ = train_digits_classifier(model, args, size=32)

    save_loss_curve(losses, args.out_dir / "lenet_loss.png", "LeNet-5 on digits (32x32)")
    save_checkpoint(model, args.out_dir / "lenet.safetensors")


if __name__ == "__main__":
    main()
