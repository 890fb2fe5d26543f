"""Functional image transforms, as ``torchvision.transforms.functional`` (``import ... as F``).

Every function takes a PIL image or a tensor image of shape ``(..., C, H, W)`` (``(..., H, W)``
where a channel makes no difference) and returns the same kind. The PIL path uses Pillow (imported
when first needed); the tensor path uses arraygrad ops only, so it runs on every backend and gives
the same numbers on each. Deterministic functions give torchvision's outputs on the same inputs.

One submodule per family: ``meta`` (kinds and sizes of images), ``conversion`` (PIL / numpy /
tensor, dtypes, ``normalize``), ``geometry`` (flips, pad, crops, resize, rotate, affine, erase) and
``color`` (grayscale, brightness, contrast, saturation, hue, gamma). Every name is importable from
here, the path programs use.
"""

from __future__ import annotations

from arraygrad.vision.transforms.functional.color import (
    _check_channels,
    _check_factor,
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    adjust_hue,
    adjust_saturation,
    rgb_to_grayscale,
    to_grayscale,
)
from arraygrad.vision.transforms.functional.conversion import (
    _TYPESTRS,
    _float_to_uint8,
    _from_array_interface,
    _on_default_backend,
    _pil_to_hwc,
    bytes_to_tensor,
    convert_image_dtype,
    normalize,
    pil_to_tensor,
    to_pil_image,
    to_tensor,
)
from arraygrad.vision.transforms.functional.geometry import (
    _FROM_PIL_INT,
    _TO_PIL_INT,
    InterpolationMode,
    _interpolation,
    _padding_ltrb,
    _pil_fill,
    _resized_output_size,
    _same_kind_pil,
    _size_pair,
    affine,
    center_crop,
    crop,
    erase,
    hflip,
    pad,
    resize,
    resized_crop,
    rotate,
    vflip,
)
from arraygrad.vision.transforms.functional.meta import (
    _check_kind,
    _is_pil_image,
    _pil_image_module,
    get_dimensions,
    get_image_num_channels,
    get_image_size,
)

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation",
    "affine", "center_crop", "convert_image_dtype", "crop", "erase", "get_dimensions", "get_image_num_channels",
    "get_image_size", "hflip", "normalize", "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale",
    "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip",
]
