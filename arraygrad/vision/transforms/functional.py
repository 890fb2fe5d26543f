"""Functional image transforms, as ``torchvision.transforms.functional`` (``import ... as F``).

Every function takes a PIL image or a tensor image of shape ``(..., C, H, W)`` (``(..., H, W)``
where a channel makes no difference) and returns the same kind. The PIL path uses Pillow (imported
when first needed); the tensor path uses arraygrad ops only, so it runs on every backend and gives
the same numbers on each. Deterministic functions give torchvision's outputs on the same inputs.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

from arraygrad import backends
from arraygrad.core import dtypes
from arraygrad.core import ops as _ops
from arraygrad.core.creation import as_tensor, from_numpy, get_default_device_setting, tensor, zeros_like
from arraygrad.core.shape import stack
from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import HOST_BACKEND
from arraygrad.data._utils.collate import is_host_array
from arraygrad.vision.transforms import _functional_tensor as F_t

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation",
    "affine", "center_crop", "convert_image_dtype", "crop", "erase", "get_dimensions", "get_image_num_channels",
    "get_image_size", "hflip", "normalize", "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale",
    "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip",
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


# ---------------------------------------------------------------------- kinds of images

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


# ---------------------------------------------------------------------- conversions
# (array-interface typestr) -> (memoryview format, dtype)
_TYPESTRS = {
    "|u1": ("B", dtypes.uint8), "|b1": ("B", dtypes.uint8), "|i1": ("b", dtypes.int8),
    "<u2": ("H", dtypes.uint16), "<i2": ("h", dtypes.int16), "<i4": ("i", dtypes.int32),
    "<f4": ("f", dtypes.float32), "<f8": ("d", dtypes.float64),
}


def bytes_to_tensor(data: bytes | bytearray | memoryview, fmt: str, dtype: Any, shape: Sequence[int],
                    backend: Any = None) -> Tensor:
    """A tensor of ``shape`` holding ``data`` read as native-order elements of struct format ``fmt``,
    on ``backend`` (default: the default backend).

    The bytes are copied once, so the tensor owns its memory and may be written to.
    """
    view = memoryview(bytearray(data)).cast(fmt)  # type: ignore[call-overload]
    return tensor(view, dtype=dtype, backend=backend).reshape(tuple(shape))


def _on_default_backend(t: Tensor) -> Tensor:
    """``t``, built on the host backend, on the default backend and device. Conversions of host
    images run on the host and move once, so every backend receives the same values."""
    if backends.default() is t._backend and get_default_device_setting() is None:
        return t
    return tensor(t.numpy())


def _from_array_interface(pic: Any) -> Tensor:
    """An ``H x W (x C)`` tensor from an object whose ``__array_interface__`` holds its bytes (as PIL images)."""
    iface = pic.__array_interface__
    shape, typestr, data = tuple(iface["shape"]), iface["typestr"], iface.get("data")
    entry = _TYPESTRS.get(typestr)
    if entry is None or not isinstance(data, (bytes, bytearray, memoryview)) or (
            typestr[0] == "<" and sys.byteorder != "little"):
        raise TypeError(f"pic should be PIL Image or ndarray. Got an image with array interface typestr {typestr!r}")
    fmt, dt = entry
    out = bytes_to_tensor(data, fmt, dt, shape, backend=HOST_BACKEND)
    if typestr == "|b1":  # PIL mode "1" hands out its pixels as 0/255 bytes
        out = out != 0
    return out


def _pil_to_hwc(pic: Any, for_to_tensor: bool) -> Tensor:
    if for_to_tensor and pic.mode == "1":
        return _from_array_interface(pic.convert("L")).reshape(pic.height, pic.width, 1)
    out = _from_array_interface(pic)
    if for_to_tensor and pic.mode == "I;16":  # torchvision reads these as int16
        out = bytes_to_tensor(pic.tobytes(), "h", dtypes.int16, (pic.height, pic.width), backend=HOST_BACKEND)
    return out.reshape(pic.height, pic.width, len(pic.getbands()))


def to_tensor(pic: Any) -> Tensor:
    """A PIL image or an ``H x W x C`` / ``H x W`` numpy array to a ``C x H x W`` tensor (default backend).

    uint8 images (PIL modes L, RGB, RGBA, P...) are scaled to floats in ``[0, 1]`` of the default
    float dtype; other dtypes (PIL modes I, I;16, F, float arrays) keep their values and dtype, as
    torchvision's. PIL mode "1" gives 0.0 and 1.0.

    Raises:
        TypeError: not a PIL image or a numpy array.
        ValueError: an array that is not 2- or 3-dimensional.
    """
    if is_host_array(pic):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        img = from_numpy(pic, backend=HOST_BACKEND)
    elif _is_pil_image(pic):
        img = _pil_to_hwc(pic, for_to_tensor=True)
    elif hasattr(pic, "__array_interface__") and not isinstance(pic, Tensor):
        img = _from_array_interface(pic)
        if img.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {img.ndim} dimensions.")
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if img.ndim == 2:
        img = img.unsqueeze(-1)
    img = img.permute(2, 0, 1).contiguous()
    if img.dtype is dtypes.uint8:
        img = img.to(dtypes.get_default_dtype()).div(255)
    elif img.dtype is dtypes.bool_:
        img = img.to(dtypes.get_default_dtype())
    return _on_default_backend(img)


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image to a ``C x H x W`` tensor of its own dtype (uint8 for L/RGB/RGBA, no scaling).

    Raises:
        TypeError: not a PIL image.
    """
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return _on_default_backend(_pil_to_hwc(pic, for_to_tensor=False).permute(2, 0, 1))


def _float_to_uint8(x: Tensor) -> Tensor:
    """``(x * 255)`` cast to uint8 the way a C cast does on every backend: truncate, wrap modulo 256."""
    return _ops.remainder(_ops.trunc(x.mul(255)), 256).to(dtypes.uint8)


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """A ``C x H x W`` tensor or an ``H x W x C`` numpy array to a PIL image.

    Float images are multiplied by 255 and cast to uint8 (unless ``mode='F'``). One channel gives
    mode L (uint8), I;16 (int16), I (int32) or F (float32); two LA; three RGB; four RGBA.

    Raises:
        TypeError: not a tensor or array, or a dtype PIL has no mode for.
        ValueError: not 2/3-dimensional, more than 4 channels, or a ``mode`` that does not fit.
    """
    Image = _pil_image_module()
    if isinstance(pic, Tensor):
        if pic.ndim == 3:
            pic = pic.permute(1, 2, 0)
        img = pic.detach()
    elif is_host_array(pic):
        img = from_numpy(pic)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if img.ndim == 2:
        img = img.unsqueeze(2)
    if img.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {img.ndim} dimensions.")
    channels = img.shape[-1]
    if channels > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {channels} channels.")
    if img.is_floating_point() and mode != "F":
        img = _float_to_uint8(img)
    dt = img.dtype
    raw: str | None = None
    if channels == 1:
        img = img[:, :, 0]
        expected = {dtypes.uint8: "L", dtypes.int16: "I;16", dtypes.int32: "I", dtypes.float32: "F"}.get(dt)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {dt}. Should be {expected}")
        mode = expected
        raw = {"I;16": "I;16", "I": "I", "F": "F"}.get(mode or "")
    elif channels == 2:
        if mode is not None and mode != "LA":
            raise ValueError("Only modes ['LA'] are supported for 2D inputs")
        if mode is None and dt is dtypes.uint8:
            mode = "LA"
    elif channels == 4:
        if mode is not None and mode not in ("RGBA", "CMYK", "RGBX"):
            raise ValueError("Only modes ['RGBA', 'CMYK', 'RGBX'] are supported for 4D inputs")
        if mode is None and dt is dtypes.uint8:
            mode = "RGBA"
    else:
        if mode is not None and mode not in ("RGB", "YCbCr", "HSV"):
            raise ValueError("Only modes ['RGB', 'YCbCr', 'HSV'] are supported for 3D inputs")
        if mode is None and dt is dtypes.uint8:
            mode = "RGB"
    if mode is None:
        raise TypeError(f"Input type {dt} is not supported")
    if raw is None and dt is not dtypes.uint8:
        raise TypeError(f"to_pil_image: mode {mode} needs uint8 pixels, got {dt}")
    host = img.contiguous().numpy()
    return Image.frombytes(mode, (img.shape[1], img.shape[0]), host.tobytes(), "raw", raw or mode)


def convert_image_dtype(image: Tensor, dtype: Any = dtypes.float32) -> Tensor:
    """Convert a tensor image to ``dtype``, rescaling values (ints: ``0..max``, floats: ``0..1``).

    Raises:
        TypeError: not a tensor.
        RuntimeError: float32 to int32/int64 or float64 to int64 (not representable exactly).
    """
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    dtype = dtypes.as_dtype(dtype)
    if image.dtype is dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype is dtypes.float32 and dtype in (dtypes.int32, dtypes.int64)) or (
                image.dtype is dtypes.float64 and dtype is dtypes.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        return image.mul(float(F_t.max_value(dtype)) + 1.0 - eps).to(dtype)
    input_max = F_t.max_value(image.dtype)
    if dtype.is_floating_point:
        return image.to(dtype).div(float(input_max))
    output_max = F_t.max_value(dtype)
    if input_max > output_max:
        factor = (input_max + 1) // (output_max + 1)
        return _ops.div(image, factor, rounding_mode="floor").to(dtype)
    factor = (output_max + 1) // (input_max + 1)
    return image.to(dtype).mul(factor)


def normalize(tensor: Tensor, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> Tensor:
    """``(tensor - mean[c]) / std[c]`` for each channel ``c`` of a float ``(..., C, H, W)`` tensor.

    Raises:
        TypeError: not a tensor, or not a floating tensor.
        ValueError: fewer than 3 dimensions, or a std that is zero in the tensor's dtype.
    """
    img = tensor
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not img.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {img.dtype}.")
    if img.ndim < 3:
        raise ValueError(
            f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tuple(img.shape)}"
        )
    mean_t = as_tensor(mean, dtype=img.dtype, backend=img.backend)
    std_t = as_tensor(std, dtype=img.dtype, backend=img.backend)
    if bool((std_t == 0).any()):  # type: ignore[attr-defined]
        raise ValueError(f"std evaluated to zero after conversion to {img.dtype}, leading to division by zero.")
    if mean_t.ndim == 1:
        mean_t = mean_t.reshape(-1, 1, 1)
    if std_t.ndim == 1:
        std_t = std_t.reshape(-1, 1, 1)
    if inplace:
        return img.sub_(mean_t).div_(std_t)
    return img.sub(mean_t).div(std_t)


# ---------------------------------------------------------------------- geometry

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


# ---------------------------------------------------------------------- colour

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
