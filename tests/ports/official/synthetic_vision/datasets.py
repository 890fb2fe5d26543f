"""Synthetic MNIST-shaped datasets: ``(image, label)`` pairs with images as ``28 x 28`` uint8 arrays.

The sizes default to small ones (``SYNTHETIC_VISION_TRAIN``, ``SYNTHETIC_VISION_TEST`` in the
environment override them) so a ported program runs an epoch in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["FashionMNIST", "MNIST"]


class MNIST:
    """Ten classes of 28x28 grey images, each class a fixed pattern of strokes plus noise.

    Args:
        root: accepted for torchvision compatibility; nothing is read or written there.
        train: the training split (else the test split, drawn with another seed).
        download: accepted and ignored (the data is generated).
        transform: applied to each image (a ``28 x 28`` uint8 numpy array).
        target_transform: applied to each label (a Python int).
    """

    classes = [f"{i} - {name}" for i, name in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])]
    _pattern_seed = 0

    def __init__(self, root: str, train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, download: bool = False) -> None:
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        size = int(os.environ.get("SYNTHETIC_VISION_TRAIN" if train else "SYNTHETIC_VISION_TEST",
                                  "512" if train else "128"))
        patterns = self._patterns()
        rng = np.random.default_rng(1 if train else 2)
        self.targets = rng.integers(0, 10, size=size).tolist()
        intensity = rng.uniform(0.6, 1.0, size=(size, 1, 1))
        noise = rng.normal(0.0, 30.0, size=(size, 28, 28))
        images = patterns[self.targets] * intensity + noise
        self.data = np.clip(images, 0, 255).astype(np.uint8)

    def _patterns(self) -> np.ndarray:
        """One 28x28 float image per class: three random thick strokes on a black background."""
        rng = np.random.default_rng(self._pattern_seed)
        patterns = np.zeros((10, 28, 28))
        for k in range(10):
            for _ in range(3):
                r0, c0, r1, c1 = rng.integers(4, 24, size=4)
                steps = np.linspace(0.0, 1.0, 40)
                rows = np.round(r0 + (r1 - r0) * steps).astype(int)
                cols = np.round(c0 + (c1 - c0) * steps).astype(int)
                for dr in (-1, 0, 1):
                    patterns[k, np.clip(rows + dr, 0, 27), cols] = 255.0
        return patterns

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class FashionMNIST(MNIST):
    """As MNIST, with other patterns and the FashionMNIST class names."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    _pattern_seed = 1
