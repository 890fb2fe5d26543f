"""MNIST-shaped data without a download: scikit-learn's 8x8 digits, each pixel repeated 3x3 (24x24) and
padded by 2 on every side to 28x28, scaled to [0, 1]; a fixed split."""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=1)
def _all() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    images = np.kron(images, np.ones((1, 1, 3, 3), dtype=np.float32))
    images = np.pad(images, ((0, 0), (0, 0), (2, 2), (2, 2)))
    return images, digits.target.astype(np.int64)


def digits_mnist(train: bool = True, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images ``(n, 1, 28, 28)`` float32, labels int64): the first 1,400 digits for training, the rest
    for testing; ``n`` keeps only the first ``n`` of the split."""
    images, labels = _all()
    sl = slice(0, 1400) if train else slice(1400, None)
    x, y = images[sl], labels[sl]
    return (x, y) if n is None else (x[:n], y[:n])
