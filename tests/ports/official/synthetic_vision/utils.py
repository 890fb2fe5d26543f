"""``save_image``: a batch of images as one PNG grid, as ``torchvision.utils.save_image`` writes."""

from __future__ import annotations

import os
import struct
import zlib
from typing import Any

import numpy as np

__all__ = ["save_image"]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def save_image(tensor: Any, fp: str | os.PathLike[str], nrow: int = 8, padding: int = 2,
               normalize: bool = False, pad_value: float = 0.0) -> None:
    """Write ``tensor`` (``B x C x H x W`` or ``C x H x W``, values in ``[0, 1]``) as a PNG grid.

    Args:
        tensor: an arraygrad tensor (anything with ``.numpy()``) or a numpy array.
        fp: the file to write.
        nrow: images per row of the grid.
        padding: pixels between images.
        normalize: rescale the values to ``[0, 1]`` by their min and max first.
        pad_value: the value of the padding pixels.

    Raises:
        ValueError: the images are not 3- or 4-dimensional, or have a channel count other than 1 or 3.
    """
    array = np.asarray(tensor.detach().numpy() if hasattr(tensor, "detach") else tensor, dtype=np.float64)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[1] not in (1, 3):
        raise ValueError(f"save_image: expected B x C x H x W with C in (1, 3), got shape {array.shape}")
    if normalize:
        low, high = array.min(), array.max()
        array = (array - low) / max(high - low, 1e-5)
    count, channels, height, width = array.shape
    cols = min(nrow, count)
    rows = -(-count // cols)
    grid = np.full((channels, rows * (height + padding) + padding, cols * (width + padding) + padding), pad_value)
    for i in range(count):
        top, left = padding + (i // cols) * (height + padding), padding + (i % cols) * (width + padding)
        grid[:, top:top + height, left:left + width] = array[i]
    pixels = (np.clip(grid, 0.0, 1.0) * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0)
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)
    header = struct.pack(">IIBBBBB", pixels.shape[1], pixels.shape[0], 8, 0 if channels == 1 else 2, 0, 0, 0)
    with open(fp, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw))
                + _png_chunk(b"IEND", b""))
