"""torchvision-style transforms: arraygrad's own, plus ``Resize`` for numpy images."""

from __future__ import annotations

import numpy as np

from arraygrad.data.transforms import *  # noqa: F403  (Compose, ToTensor, Normalize, ...)


class Resize:
    """Nearest-neighbour resize of an ``H x W`` (or ``H x W x C``) numpy image, as torchvision's
    ``Resize`` does for PIL images before ``ToTensor``.

    Args:
        size: an int (the new height and width; the stand-in images are square) or ``(h, w)``.
    """

    def __init__(self, size: int | tuple[int, int]) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)

    def __call__(self, img: np.ndarray) -> np.ndarray:
        height, width = img.shape[:2]
        rows = (np.arange(self.size[0]) * height // self.size[0]).astype(np.int64)
        cols = (np.arange(self.size[1]) * width // self.size[1]).astype(np.int64)
        return img[rows][:, cols]
