"""An MNIST-shaped synthetic dataset with torchvision's ``datasets.MNIST`` signature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# a small set keeps every ported run to seconds; the test split is smaller still
TRAIN_SIZE = 400
TEST_SIZE = 100


def _digit_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 28x28 uint8 images and their labels in 0..9.

    Each class is a bright bar at its own position and orientation (even digits vertical, odd
    horizontal), with a random shift and pixel noise, so a small network can learn to tell them apart.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.float64)
    for i, label in enumerate(labels):
        start = 3 + 2 * int(label) + int(rng.integers(-1, 2))
        if label % 2 == 0:
            images[i, 4:24, start:start + 3] += 200
        else:
            images[i, start:start + 3, 4:24] += 200
    return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.int64)


class MNIST:
    """Synthetic stand-in for ``torchvision.datasets.MNIST`` (nothing is downloaded).

    Args:
        root: accepted for signature compatibility; nothing is read or written there.
        train: the training split (400 images) or the test split (100 images).
        transform: applied to each 28x28 uint8 numpy image.
        target_transform: applied to each integer label.
        download: accepted and ignored.

    Items are ``(image, label)`` pairs like torchvision's.
    """

    def __init__(self, root: str, train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, download: bool = False) -> None:
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.data, self.targets = _digit_images(TRAIN_SIZE if train else TEST_SIZE, seed=0 if train else 1)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = self.data[index]
        target: Any = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
