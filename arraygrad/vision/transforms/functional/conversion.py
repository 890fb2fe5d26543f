"""Conversions between PIL images, numpy arrays and tensor images (``to_tensor``, ``pil_to_tensor``,
``to_pil_image``), between dtypes (``convert_image_dtype``), and per-channel ``normalize``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from arraygrad import backends
from arraygrad.core import dtypes
from arraygrad.core import ops as _ops
from arraygrad.core.creation import as_tensor, from_numpy, get_default_device_setting, tensor
from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import HOST_BACKEND
from arraygrad.data._utils.collate import is_host_array
from arraygrad.vision.transforms import _functional_tensor as F_t
from arraygrad.vision.transforms.functional.meta import _is_pil_image, _pil_image_module

__all__ = ["convert_image_dtype", "normalize", "pil_to_tensor", "to_pil_image", "to_tensor"]


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
