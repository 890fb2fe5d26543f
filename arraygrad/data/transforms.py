"""Image transforms in the style of ``torchvision.transforms``: compose them and pass the result
as a dataset's ``transform``.

Images are tensors of shape ``(..., C, H, W)`` except for ``ToTensor``'s input (an ``H x W x C`` or
``H x W`` numpy array, or a PIL-like image exposing ``__array_interface__``). Random transforms draw
from arraygrad's Generator (``generator=`` or the default one, which each DataLoader worker seeds
with its own seed), so they are reproducible and differ between workers.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable, Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.creation import as_tensor, from_numpy, tensor
from arraygrad.core.random import Generator
from arraygrad.core.shape import pad as _pad
from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import host_rand, host_randint
from arraygrad.data._utils.collate import is_host_array

__all__ = ["Compose", "Lambda", "Normalize", "RandomCrop", "RandomHorizontalFlip", "ToTensor"]


class Compose:
    """Apply transforms one after the other: ``Compose([ToTensor(), Normalize(m, s)])(img)``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


class Lambda:
    """A user function as a transform.

    Raises:
        TypeError: ``lambd`` is not callable.
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


# PIL-style array interfaces: typestr -> (memoryview format, dtype)
_TYPESTRS = {
    "|u1": ("B", dtypes.uint8), "|b1": ("?", dtypes.bool_), "|i1": ("b", dtypes.int8),
    "<u2": ("H", dtypes.uint16), "<i2": ("h", dtypes.int16), "<i4": ("i", dtypes.int32),
    "<f4": ("f", dtypes.float32), "<f8": ("d", dtypes.float64),
}


def _from_array_interface(pic: Any) -> Tensor:
    """A tensor from an object whose ``__array_interface__`` holds its bytes (as PIL images do)."""
    iface = pic.__array_interface__
    shape, typestr, data = tuple(iface["shape"]), iface["typestr"], iface.get("data")
    entry = _TYPESTRS.get(typestr)
    if entry is None or not isinstance(data, (bytes, bytearray, memoryview)) or (
            typestr[0] == "<" and sys.byteorder != "little"):
        raise TypeError(f"pic should be PIL Image or ndarray. Got an image with array interface typestr {typestr!r}")
    fmt, dt = entry
    values = memoryview(data).cast("B").cast(fmt).tolist()  # type: ignore[call-overload]
    return tensor(values, dtype=dt).reshape(shape)


class ToTensor:
    """An ``H x W x C`` (or ``H x W``) image to a ``C x H x W`` tensor on the default backend.

    uint8 images are scaled to floats in ``[0, 1]`` (default float dtype); other dtypes keep their
    values and dtype (as torchvision).

    Raises:
        TypeError: not a numpy array or PIL-like image.
        ValueError: an array that is not 2- or 3-dimensional.
    """

    def __call__(self, pic: Any) -> Tensor:
        if is_host_array(pic):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            img = from_numpy(pic)
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
            return img.to(dtypes.get_default_dtype()).div(255)
        if img.dtype is dtypes.bool_:  # PIL mode "1": black and white
            return img.to(dtypes.get_default_dtype())
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Normalize:
    """``(img - mean[c]) / std[c]`` for each channel ``c`` of a float ``(..., C, H, W)`` tensor.

    Args:
        mean, std: one value per channel (or one for all).
        inplace: update the input tensor in place.

    Raises:
        TypeError: not a tensor, or not a floating tensor.
        ValueError: fewer than 3 dimensions, or a std that is zero in the tensor's dtype.
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, img: Tensor) -> Tensor:
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if not img.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {img.dtype}.")
        if img.ndim < 3:
            raise ValueError(
                f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tuple(img.shape)}"
            )
        mean = as_tensor(self.mean, dtype=img.dtype, backend=img.backend)
        std = as_tensor(self.std, dtype=img.dtype, backend=img.backend)
        if bool((std == 0).any()):  # type: ignore[attr-defined]
            raise ValueError(f"std evaluated to zero after conversion to {img.dtype}, leading to division by zero.")
        if mean.ndim == 1:
            mean = mean.reshape(-1, 1, 1)
        if std.ndim == 1:
            std = std.reshape(-1, 1, 1)
        if self.inplace:
            return img.sub_(mean).div_(std)
        return img.sub(mean).div(std)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


def _check_image(img: Any, name: str) -> Tensor:
    if not isinstance(img, Tensor):
        raise TypeError(f"{name} expects a tensor image (..., H, W), got {type(img).__name__}; apply ToTensor first")
    if img.ndim < 2:
        raise ValueError(f"{name} expects a tensor image (..., H, W), got shape {tuple(img.shape)}")
    return img


class RandomHorizontalFlip:
    """Flip a ``(..., H, W)`` tensor image left-right with probability ``p``.

    Args:
        p: probability of flipping.
        generator: where the coin comes from (default: the default generator).

    Raises:
        TypeError: the image is not a tensor.
    """

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def __call__(self, img: Tensor) -> Tensor:
        img = _check_image(img, "RandomHorizontalFlip")
        if host_rand(1, self.generator)[0] < self.p:
            return img.flip(-1)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


def _setup_size(size: Any) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)  # type: ignore[call-overload]
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return int(size[0]), int(size[1])


def _padding_ltrb(padding: Any) -> tuple[int, int, int, int]:
    """torchvision's padding forms: all sides, (left/right, top/bottom), (left, top, right, bottom)."""
    if isinstance(padding, numbers.Number):
        p = int(padding)  # type: ignore[call-overload]
        return p, p, p, p
    if isinstance(padding, Sequence) and len(padding) in (1, 2, 4):
        if len(padding) == 1:
            return (int(padding[0]),) * 4  # type: ignore[return-value]
        if len(padding) == 2:
            return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
        return int(padding[0]), int(padding[1]), int(padding[2]), int(padding[3])
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not {padding!r}")


_PAD_MODES = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}


def _pad_image(img: Tensor, padding: Any, fill: float, padding_mode: str) -> Tensor:
    left, top, right, bottom = _padding_ltrb(padding)
    widths = [left, right, top, bottom]
    if padding_mode == "symmetric":
        return _symmetric_pad(img, widths)
    mode = _PAD_MODES[padding_mode]
    return _pad(img, widths, mode=mode, value=fill if mode == "constant" else None)


def _symmetric_pad(img: Tensor, widths: list[int]) -> Tensor:
    """Mirror padding that repeats the edge pixel (torchvision's 'symmetric'), by index gathering."""
    out = img
    for axis, (before, after) in ((-1, widths[:2]), (-2, widths[2:])):
        n = out.shape[axis]
        idx = []
        for pos in range(-before, n + after):
            m = pos % (2 * n)
            idx.append(m if m < n else 2 * n - 1 - m)
        key = (Ellipsis, tensor(idx, backend=img.backend)) if axis == -1 else (
            Ellipsis, tensor(idx, backend=img.backend), slice(None))
        out = out[key]
    return out


class RandomCrop:
    """Crop a ``(..., H, W)`` tensor image at a random place.

    Args:
        size: output ``(h, w)``, or an int for a square.
        padding: pad first: an int (all sides), ``(left/right, top/bottom)`` or
            ``(left, top, right, bottom)``.
        pad_if_needed: pad an image smaller than ``size`` (by the missing amount on both sides).
        fill: the value of constant padding.
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'``.
        generator: where the position comes from (default: the default generator).

    Raises:
        ValueError: a bad size, padding or padding_mode; a crop larger than the (padded) image.
        TypeError: the image is not a tensor.
    """

    def __init__(self, size: int | Sequence[int], padding: Any = None, pad_if_needed: bool = False, fill: float = 0,
                 padding_mode: str = "constant", generator: Generator | None = None) -> None:
        self.size = _setup_size(size)
        if padding is not None:
            _padding_ltrb(padding)  # validate now, not on the first image
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    @staticmethod
    def get_params(img: Tensor, output_size: tuple[int, int], generator: Generator | None = None
                   ) -> tuple[int, int, int, int]:
        """``(top, left, height, width)`` of a random crop of ``output_size``.

        Raises:
            ValueError: the crop is larger than the image.
        """
        h, w = img.shape[-2], img.shape[-1]
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = host_randint(h - th + 1, 1, generator)[0]
        j = host_randint(w - tw + 1, 1, generator)[0]
        return i, j, th, tw

    def __call__(self, img: Tensor) -> Tensor:
        img = _check_image(img, "RandomCrop")
        if self.padding is not None:
            img = _pad_image(img, self.padding, self.fill, self.padding_mode)
        th, tw = self.size
        if self.pad_if_needed and img.shape[-1] < tw:
            img = _pad_image(img, [tw - img.shape[-1], 0], self.fill, self.padding_mode)
        if self.pad_if_needed and img.shape[-2] < th:
            img = _pad_image(img, [0, th - img.shape[-2]], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size, self.generator)
        return img[..., i:i + h, j:j + w]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"
