"""The kinds and sizes of images: whether an object is a PIL image or a tensor image, and its
channels, height and width (``get_dimensions``, ``get_image_size``, ``get_image_num_channels``)."""

from __future__ import annotations

import sys
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.data._utils.collate import is_host_array

__all__ = ["get_dimensions", "get_image_num_channels", "get_image_size"]


def _pil_image_module() -> Any:
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow comes with the vision extra
        raise ImportError("arraygrad.vision.transforms: PIL images need Pillow (pip install pillow)") from e
    return Image


def _is_pil_image(img: Any) -> bool:
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(img, module.Image)


def _check_kind(img: Any, op: str) -> None:
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError(f"{op}: tensor is not a torch image: expected a tensor of shape (..., H, W), "
                            f"got shape {tuple(img.shape)}")
        return
    if not _is_pil_image(img):
        hint = "; apply ToTensor first" if is_host_array(img) else ""
        raise TypeError(f"{op}: img should be PIL Image or Tensor. Got {type(img)}{hint}")


def get_dimensions(img: Any) -> list[int]:
    """``[channels, height, width]`` of a PIL image or a ``(..., C, H, W)`` tensor.

    Raises:
        TypeError: neither a PIL image nor a tensor image.
    """
    _check_kind(img, "get_dimensions")
    if isinstance(img, Tensor):
        channels = 1 if img.ndim == 2 else img.shape[-3]
        return [channels, img.shape[-2], img.shape[-1]]
    return [len(img.getbands()), img.height, img.width]


def get_image_size(img: Any) -> list[int]:
    """``[width, height]`` of an image (torchvision's order).

    Raises:
        TypeError: neither a PIL image nor a tensor image.
    """
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    """The number of channels of an image.

    Raises:
        TypeError: neither a PIL image nor a tensor image.
    """
    return get_dimensions(img)[0]
