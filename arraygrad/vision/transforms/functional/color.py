"""Colour transforms: grayscale conversion and brightness, contrast, saturation, hue and gamma
adjustments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core import ops as _ops
from arraygrad.core.creation import zeros_like
from arraygrad.core.shape import stack
from arraygrad.core.tensor import Tensor
from arraygrad.vision.transforms import _functional_tensor as F_t
from arraygrad.vision.transforms.functional.conversion import convert_image_dtype
from arraygrad.vision.transforms.functional.meta import _check_kind, _pil_image_module, get_dimensions

__all__ = [
    "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation", "rgb_to_grayscale",
    "to_grayscale",
]


def _check_channels(img: Tensor, permitted: Sequence[int], op: str) -> int:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"{op}: input image tensor permitted channel values are {list(permitted)}, but found {c}")
    return c


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` of a ``(..., 3, H, W)`` tensor (a copy for 1 channel).

    Raises:
        TypeError: fewer than 3 dimensions or not 1/3 channels.
        ValueError: num_output_channels not 1 or 3.
    """
    if not isinstance(img, Tensor) or img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim if isinstance(img, Tensor) else type(img)}")
    _check_channels(img, [1, 3], "rgb_to_grayscale")
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.to(F_t.work_dtype(img)).unbind(dim=-3)
        gray = r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    if num_output_channels == 3:
        return gray.expand(tuple(img.shape))
    return gray


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """A grayscale version of a PIL image (mode L, or RGB with equal channels) or a tensor image.

    Raises:
        TypeError: not an image.
        ValueError: num_output_channels not 1 or 3.
    """
    if isinstance(img, Tensor):
        return rgb_to_grayscale(img, num_output_channels)
    _check_kind(img, "to_grayscale")
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = img.convert("L")
    if num_output_channels == 3:
        return _pil_image_module().merge("RGB", (gray, gray, gray))
    return gray


def _check_factor(value: float, name: str) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Multiply the intensities by ``brightness_factor`` (0 gives black, 1 the original).

    Raises:
        TypeError: not an image (tensors: not 1 or 3 channels).
        ValueError: a negative factor.
    """
    _check_factor(brightness_factor, "brightness_factor")
    _check_kind(img, "adjust_brightness")
    if not isinstance(img, Tensor):
        from PIL import ImageEnhance

        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    _check_channels(img, [1, 3], "adjust_brightness")
    return F_t.blend(img, zeros_like(img), brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the mean gray level (0 gives a solid gray image, 1 the original).

    Raises:
        TypeError: not an image (tensors: not 1 or 3 channels).
        ValueError: a negative factor.
    """
    _check_factor(contrast_factor, "contrast_factor")
    _check_kind(img, "adjust_contrast")
    if not isinstance(img, Tensor):
        from PIL import ImageEnhance

        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    c = _check_channels(img, [1, 3], "adjust_contrast")
    gray = rgb_to_grayscale(img) if c == 3 else img
    mean = gray.to(F_t.work_dtype(img)).mean(dim=(-3, -2, -1), keepdim=True)
    return F_t.blend(img, mean, contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the grayscale image (0 gives grayscale, 1 the original, 2 doubles saturation).

    Raises:
        TypeError: not an image (tensors: not 1 or 3 channels).
        ValueError: a negative factor.
    """
    _check_factor(saturation_factor, "saturation_factor")
    _check_kind(img, "adjust_saturation")
    if not isinstance(img, Tensor):
        from PIL import ImageEnhance

        return ImageEnhance.Color(img).enhance(saturation_factor)
    if _check_channels(img, [1, 3], "adjust_saturation") == 1:
        return img
    return F_t.blend(img, rgb_to_grayscale(img), saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue by ``hue_factor`` turns of the colour wheel (in ``[-0.5, 0.5]``).

    Raises:
        TypeError: not an image (tensors: not 1 or 3 channels).
        ValueError: a factor outside ``[-0.5, 0.5]``.
    """
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check_kind(img, "adjust_hue")
    if not isinstance(img, Tensor):
        if img.mode in {"L", "1", "I", "F"}:
            return img
        Image = _pil_image_module()
        h, s, v = img.convert("HSV").split()
        shift = int(hue_factor * 255) % 256  # uint8 arithmetic wraps, as intended
        h = h.point(lambda p: (p + shift) % 256)
        return Image.merge("HSV", (h, s, v)).convert(img.mode)
    if _check_channels(img, [1, 3], "adjust_hue") == 1:
        return img
    orig = img.dtype
    x = convert_image_dtype(img, dtypes.float32)
    hh, ss, vv = F_t.rgb2hsv(x).unbind(dim=-3)
    hh = _ops.remainder(hh.add(hue_factor), 1.0)
    return convert_image_dtype(F_t.hsv2rgb(stack((hh, ss, vv), dim=-3)), orig)


def adjust_gamma(img: Any, gamma: float, gain: float = 1) -> Any:
    """``gain * img ** gamma`` on intensities in ``[0, 1]``.

    Raises:
        TypeError: not an image (tensors: not 1 or 3 channels).
        ValueError: a negative gamma.
    """
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    _check_kind(img, "adjust_gamma")
    if not isinstance(img, Tensor):
        input_mode = img.mode
        rgb = img.convert("RGB")
        table = [int((255 + 1 - 1e-3) * gain * pow(ele / 255.0, gamma)) for ele in range(256)] * 3
        return rgb.point(table).convert(input_mode)
    _check_channels(img, [1, 3], "adjust_gamma")
    dtype = img.dtype
    result = img if img.is_floating_point() else convert_image_dtype(img, dtypes.float32)
    result = result.pow(gamma).mul(gain).clamp(0, 1)
    return convert_image_dtype(result, dtype)
