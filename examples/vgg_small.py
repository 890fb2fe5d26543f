"""A small VGG-style network, built from a config list like torchvision's VGG, on the digits at 16x16.

    python examples/vgg_small.py [--epochs 4] [--backend jax] [--out-dir DIR]

``_make_layers(cfg)`` turns ``[16, 16, "M", 32, 32, "M"]`` into Conv-BatchNorm-ReLU blocks (a
number: that many 3x3 filters) and 2x2 max-pools (``"M"``); the classifier has Dropout. Shows
``model.train()`` / ``model.eval()`` mattering: BatchNorm uses batch statistics and Dropout drops
units only in training. Writes ``vgg_small_loss.png`` and ``vgg_small.safetensors`` into ``--out-dir``.
"""

from __future__ import annotations

from _common import parse_args, save_checkpoint, save_loss_curve, train_digits_classifier

import arraygrad as ag
from arraygrad import nn

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


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=4)

    model = VGGSmall(CFG)
    print(model)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
    losses, _ = train_digits_classifier(model, args, size=16)

    save_loss_curve(losses, args.out_dir / "vgg_small_loss.png", "VGG-style net on digits (16x16)")
    save_checkpoint(model, args.out_dir / "vgg_small.safetensors")


if __name__ == "__main__":
    main()
