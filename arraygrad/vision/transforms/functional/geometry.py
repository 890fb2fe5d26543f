"""Geometric transforms: flips, padding, crops, resizing, rotation and affine maps, the
``InterpolationMode`` they resample with, and ``erase`` of a rectangle."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from enum import Enum
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.vision.transforms import _functional_tensor as F_t
from arraygrad.vision.transforms.functional.conversion import pil_to_tensor
from arraygrad.vision.transforms.functional.meta import _check_kind, _pil_image_module, get_dimensions

__all__ = [
    "InterpolationMode", "affine", "center_crop", "crop", "erase", "hflip", "pad", "resize", "resized_crop", "rotate",
    "vflip",
]


class InterpolationMode(Enum):
    """How a resize or rotation computes new pixels (torchvision's names and values)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    # PIL images only
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


#: Pillow's integer resampling constants, accepted wherever an InterpolationMode is
_FROM_PIL_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                 4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_TO_PIL_INT = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.BILINEAR: 2,
               InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
               InterpolationMode.LANCZOS: 1}


def _interpolation(interpolation: Any, op: str) -> InterpolationMode:
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool) and interpolation in _FROM_PIL_INT:
        return _FROM_PIL_INT[interpolation]
    raise TypeError(f"{op}: argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {interpolation!r}")


def hflip(img: Any) -> Any:
    """Flip an image left-right.

    Raises:
        TypeError: neither a PIL image nor a tensor image.
    """
    _check_kind(img, "hflip")
    if isinstance(img, Tensor):
        return img.flip(-1)
    return img.transpose(_pil_image_module().Transpose.FLIP_LEFT_RIGHT)


def vflip(img: Any) -> Any:
    """Flip an image upside down.

    Raises:
        TypeError: neither a PIL image nor a tensor image.
    """
    _check_kind(img, "vflip")
    if isinstance(img, Tensor):
        return img.flip(-2)
    return img.transpose(_pil_image_module().Transpose.FLIP_TOP_BOTTOM)


def _padding_ltrb(padding: Any) -> tuple[int, int, int, int]:
    """torchvision's padding forms: all sides, (left/right, top/bottom), (left, top, right, bottom)."""
    if isinstance(padding, numbers.Number) and not isinstance(padding, bool):
        p = int(padding)  # type: ignore[call-overload]
        return p, p, p, p
    if isinstance(padding, Sequence) and len(padding) in (1, 2, 4):
        if len(padding) == 1:
            return (int(padding[0]),) * 4  # type: ignore[return-value]
        if len(padding) == 2:
            return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
        return int(padding[0]), int(padding[1]), int(padding[2]), int(padding[3])
    if not isinstance(padding, (numbers.Number, Sequence)):
        raise TypeError(f"Got inappropriate padding arg: {padding!r}")
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not {padding!r}")


def _same_kind_pil(values_chw: Tensor, like: Any) -> Any:
    """A PIL image of ``like``'s mode (and palette) from a ``C x H x W`` uint8 tensor."""
    Image = _pil_image_module()
    host = values_chw.permute(1, 2, 0).contiguous().numpy()
    out = Image.frombytes(like.mode, (values_chw.shape[-1], values_chw.shape[-2]), host.tobytes())
    if like.mode == "P":
        out.putpalette(like.getpalette())
    return out


def _pil_fill(fill: Any, img: Any, op: str) -> Any:
    channels = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * channels
        elif len(fill) != channels:
            raise ValueError(f"{op}: the number of elements in 'fill' does not match the number of channels of the "
                             f"image ({len(fill)} != {channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return fill


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad an image on its four sides.

    Args:
        padding: an int (all sides), ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``;
            negative values crop.
        fill: the value of constant padding (a tuple per channel for PIL images).
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'``.

    Raises:
        TypeError: not an image, or a padding of the wrong type.
        ValueError: a padding of the wrong length or an unknown padding_mode.
    """
    _check_kind(img, "pad")
    ltrb = _padding_ltrb(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(img, Tensor):
        if isinstance(fill, (list, tuple)):
            raise TypeError("pad: a tensor image takes one number as fill, got a sequence")
        return F_t.pad(img, ltrb, fill, padding_mode)
    if padding_mode == "constant" and min(ltrb) >= 0:
        from PIL import ImageOps

        out = ImageOps.expand(img, border=ltrb, fill=_pil_fill(fill, img, "pad"))
        if img.mode == "P":
            out.putpalette(img.getpalette())
        return out
    return _same_kind_pil(F_t.pad(pil_to_tensor(img), ltrb, fill, padding_mode), img)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height x width`` window of an image whose top-left corner is ``(top, left)``; parts
    outside the image are zeros.

    Raises:
        TypeError: neither a PIL image nor a tensor image.
    """
    _check_kind(img, "crop")
    if not isinstance(img, Tensor):
        return img.crop((left, top, left + width, top + height))
    h, w = img.shape[-2], img.shape[-1]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = (max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - max(w, left), 0), max(bottom - max(h, top), 0))
        return F_t.pad(img[..., max(top, 0):bottom, max(left, 0):right], ltrb, 0, "constant")
    return img[..., top:bottom, left:right]


def _size_pair(size: Any, op: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        return int(size), int(size)  # type: ignore[call-overload]
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{op}: please provide only two dimensions (h, w) for size, got {size!r}")


def center_crop(img: Any, output_size: Any) -> Any:
    """The central ``output_size`` window of an image (padded with zeros where the image is smaller).

    Raises:
        TypeError: neither a PIL image nor a tensor image.
        ValueError: a size that is not an int or (h, w).
    """
    crop_height, crop_width = _size_pair(output_size, "center_crop")
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        ltrb = ((crop_width - image_width) // 2 if crop_width > image_width else 0,
                (crop_height - image_height) // 2 if crop_height > image_height else 0,
                (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                (crop_height - image_height + 1) // 2 if crop_height > image_height else 0)
        img = pad(img, list(ltrb), fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def _resized_output_size(height: int, width: int, size: Any, max_size: int | None) -> list[int]:
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        size = [int(size)]  # type: ignore[call-overload]
    if not isinstance(size, Sequence) or len(size) not in (1, 2):
        raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not {size!r}")
    if max_size is not None and len(size) != 1:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    if len(size) == 2:
        return [int(size[0]), int(size[1])]
    short, long = (width, height) if width <= height else (height, width)
    requested = int(size[0])
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if width <= height else (new_long, new_short)
    return [new_h, new_w]


def resize(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True) -> Any:
    """Resize an image to ``size``: ``(h, w)``, or an int that the smaller edge is matched to
    (keeping the aspect ratio; ``max_size`` bounds the longer edge).

    Tensor images take nearest, nearest-exact, bilinear and bicubic; ``antialias`` (default True, as
    torchvision >= 0.17) smooths bilinear/bicubic downscaling as PIL does. Integer tensors are
    computed in float32 and rounded back.

    Raises:
        TypeError: not an image, or a bad interpolation.
        ValueError: a bad size or max_size, or a mode tensors do not support.
    """
    mode = _interpolation(interpolation, "resize")
    _, h, w = get_dimensions(img)
    output_size = _resized_output_size(h, w, size, max_size)
    if output_size[0] <= 0 or output_size[1] <= 0:
        raise ValueError(f"resize: the output size must be positive, got {output_size} for an image of size {[h, w]}")
    if [h, w] == output_size:
        return img
    if not isinstance(img, Tensor):
        return img.resize((output_size[1], output_size[0]), _TO_PIL_INT[mode])
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT, InterpolationMode.BILINEAR,
                    InterpolationMode.BICUBIC):
        raise ValueError(f"resize: tensor images support nearest, nearest-exact, bilinear and bicubic "
                         f"interpolation, got {mode.value!r} (it is available on PIL images)")
    return F_t.resize(img, output_size, mode.value, antialias)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    """``crop`` then ``resize`` to ``size``.

    Raises:
        the errors of :func:`crop` and :func:`resize`.
    """
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
           center: Sequence[int] | None = None, fill: Any = None) -> Any:
    """Rotate an image by ``angle`` degrees counter-clockwise about ``center`` (default: the image centre).

    Args:
        interpolation: nearest or bilinear (tensors); any PIL filter for PIL images.
        expand: grow the output to hold the whole rotated image.
        fill: the value of pixels outside the source (default 0).

    Raises:
        TypeError: not an image, a non-numeric angle, or a center that is not a sequence.
        ValueError: an interpolation tensors do not support, or a fill of the wrong length.
    """
    mode = _interpolation(interpolation, "rotate")
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_kind(img, "rotate")
    if not isinstance(img, Tensor):
        return img.rotate(angle, _TO_PIL_INT[mode], expand, center, fillcolor=_pil_fill(fill, img, "rotate"))
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"rotate: tensor images support nearest and bilinear interpolation, got {mode.value!r}")
    _, h, w = get_dimensions(img)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (cv - s * 0.5) for cv, s in zip(center, [w, h])]
    matrix = F_t.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = F_t.expanded_size(matrix, w, h) if expand else (w, h)
    return F_t.grid_transform(img, matrix, ow, oh, mode.value, fill)


def affine(img: Any, angle: float, translate: Sequence[int], scale: float, shear: Any,
           interpolation: Any = InterpolationMode.NEAREST, fill: Any = None, center: Sequence[int] | None = None) -> Any:
    """Rotate (``angle`` degrees, clockwise), scale, shear (degrees, along x then y) and translate
    (pixels) an image about ``center`` (default: the image centre), keeping its size.

    Raises:
        TypeError: not an image, or an argument of the wrong type.
        ValueError: a translate that is not a pair, a scale that is not positive, a bad shear, or
            an interpolation tensors do not support.
    """
    mode = _interpolation(interpolation, "affine")
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Number) and not isinstance(shear, bool):
        shear = [float(shear), 0.0]  # type: ignore[arg-type]
    if not isinstance(shear, (list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = list(shear) * 2 if len(shear) == 1 else list(shear)
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_kind(img, "affine")
    _, height, width = get_dimensions(img)
    if not isinstance(img, Tensor):
        pil_center = [width * 0.5, height * 0.5] if center is None else center
        matrix = F_t.inverse_affine_matrix(pil_center, angle, translate, scale, shear)
        Image = _pil_image_module()
        return img.transform(img.size, Image.Transform.AFFINE, matrix, _TO_PIL_INT[mode],
                             fillcolor=_pil_fill(fill, img, "affine"))
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"affine: tensor images support nearest and bilinear interpolation, got {mode.value!r}")
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (cv - s * 0.5) for cv, s in zip(center, [width, height])]
    matrix = F_t.inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale, shear)
    return F_t.grid_transform(img, matrix, width, height, mode.value, fill)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Tensor:
    """Set the ``h x w`` window at ``(i, j)`` of a tensor image to ``v`` (a tensor broadcastable to it).

    Raises:
        TypeError: not a tensor.
    """
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    out = img if inplace else img.clone()
    out[..., i:i + h, j:j + w] = v
    return out
