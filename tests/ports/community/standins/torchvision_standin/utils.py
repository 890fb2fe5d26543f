"""``save_image`` in the style of ``torchvision.utils``: a PNG grid of a batch of images."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np


def _write_png(path: str, gray: np.ndarray) -> None:
    """Write a 2-D uint8 array as an 8-bit grayscale PNG."""
    height, width = gray.shape
    raw = b"".join(b"\x00" + gray[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def save_image(tensor: Any, fp: str, nrow: int = 8, padding: int = 2, normalize: bool = False, **kwargs: Any) -> None:
    """Save a batch of images ``(B, C, H, W)`` as one PNG grid with ``nrow`` images per row.

    Args:
        tensor: an arraygrad tensor (or array) of images; the first channel is drawn.
        fp: the file path to write.
        nrow: images per grid row.
        padding: pixels between images.
        normalize: rescale the values to 0..1 by their min and max first.
        **kwargs: other torchvision arguments, accepted and ignored.
    """
    images = np.asarray(tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else tensor, dtype=np.float64)
    if images.ndim == 3:
        images = images[None]
    images = images[:, 0]
    if normalize:
        low, high = images.min(), images.max()
        images = (images - low) / max(high - low, 1e-5)
    count, height, width = images.shape
    ncol = min(nrow, count)
    nrows = -(-count // ncol)
    grid = np.zeros((nrows * (height + padding) + padding, ncol * (width + padding) + padding))
    for i in range(count):
        top, left = padding + (i // ncol) * (height + padding), padding + (i % ncol) * (width + padding)
        grid[top:top + height, left:left + width] = images[i]
    _write_png(fp, (np.clip(grid, 0, 1) * 255).astype(np.uint8))
