"""Transform classes, as ``torchvision.transforms``: compose them and pass the result as a
dataset's ``transform``.

They take PIL images or tensor images ``(..., C, H, W)`` (``ToTensor`` takes PIL images and
``H x W x C`` numpy arrays). Random transforms draw from arraygrad's seeded generator: the default
one (``ag.manual_seed``; each DataLoader worker seeds it with its own seed) or ``generator=``, so
the same seed augments identically on every backend.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.random import Generator
from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import host_rand, host_randint, host_randperm
from arraygrad.vision.transforms import functional as F
from arraygrad.vision.transforms.functional import InterpolationMode

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "Grayscale", "InterpolationMode", "Lambda",
    "Normalize", "PILToTensor", "Pad", "RandomAffine", "RandomApply", "RandomCrop", "RandomErasing", "RandomGrayscale",
    "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation", "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor",
]


class _Transform:
    """A callable transform with torchvision's ``forward`` spelling."""

    def forward(self, img: Any) -> Any:  # pragma: no cover - every transform overrides it
        raise NotImplementedError

    def __call__(self, img: Any) -> Any:
        return self.forward(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _uniform(low: float, high: float, generator: Generator | None) -> float:
    """One float uniform in ``[low, high)``, as ``torch.empty(1).uniform_(low, high)``."""
    return low + (high - low) * host_rand(1, generator)[0]


class Compose:
    """Apply transforms one after the other: ``Compose([ToTensor(), Normalize(m, s)])(img)``.

    Calling the object passes the image through each transform in order and returns the last result.

    Args:
        transforms: the callables to apply, first to last (copied into a list).
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


class Lambda(_Transform):
    """Wrap a user function as a transform: calling it returns ``lambd(img)``.

    Args:
        lambd: the callable applied to each image.

    Raises:
        TypeError: ``lambd`` is not callable.
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def forward(self, img: Any) -> Any:
        """Apply the wrapped function to ``img``.

        Args:
            img: the input, of whatever kind the function takes.

        Returns:
            What ``lambd(img)`` returns.
        """
        return self.lambd(img)


class ToTensor(_Transform):
    """A PIL image or ``H x W x C`` numpy array to a ``C x H x W`` tensor, uint8 scaled to ``[0, 1]``
    (see :func:`functional.to_tensor`)."""

    def forward(self, pic: Any) -> Any:
        """Convert ``pic`` to a ``C x H x W`` tensor on the default backend.

        Args:
            pic: a PIL image, or a numpy array of shape ``H x W x C`` or ``H x W``.

        Returns:
            A ``C x H x W`` tensor: uint8 input as the default float dtype divided by 255, other dtypes
            with their values and dtype kept, PIL mode "1" as 0.0/1.0.

        Raises:
            TypeError: ``pic`` is neither a PIL image nor a numpy array.
            ValueError: an array that is not 2- or 3-dimensional.
        """
        return F.to_tensor(pic)


class PILToTensor(_Transform):
    """A PIL image to a ``C x H x W`` tensor of its own dtype, values unchanged."""

    def forward(self, pic: Any) -> Any:
        """Convert a PIL image to a tensor without rescaling.

        Args:
            pic: the PIL image.

        Returns:
            A ``C x H x W`` tensor on the default backend, of the image's own dtype (uint8 for L, RGB, RGBA).

        Raises:
            TypeError: ``pic`` is not a PIL image.
        """
        return F.pil_to_tensor(pic)


class ToPILImage(_Transform):
    """A ``C x H x W`` tensor or ``H x W x C`` array to a PIL image (see :func:`functional.to_pil_image`).

    Args:
        mode: the PIL mode; None infers it from the number of channels and the dtype (default None).
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def forward(self, pic: Any) -> Any:
        """Convert ``pic`` to a PIL image of the transform's ``mode``.

        Float input is multiplied by 255 and cast to uint8 unless the mode is ``'F'``.

        Args:
            pic: a ``C x H x W`` (or ``H x W``) tensor, or an ``H x W x C`` (or ``H x W``) numpy array.

        Returns:
            The PIL image.

        Raises:
            TypeError: ``pic`` is neither a tensor nor an array, or has a dtype PIL has no mode for.
            ValueError: not 2- or 3-dimensional, more than 4 channels, or a ``mode`` that does not fit.
        """
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mode={self.mode})" if self.mode is not None else f"{self.__class__.__name__}()"


class ConvertImageDtype(_Transform):
    """Convert a tensor image to ``dtype`` and rescale its values to the range of that dtype.

    Integer images span ``0..max`` of their dtype and float images ``[0, 1]``; the values are scaled
    from one range to the other (see :func:`functional.convert_image_dtype`).

    Args:
        dtype: the target dtype: an arraygrad dtype, its name or a Python type.

    Raises:
        TypeError: ``dtype`` is not a dtype.
    """

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtypes.as_dtype(dtype)

    def forward(self, image: Any) -> Any:
        """Convert ``image`` to the transform's dtype.

        Args:
            image: a tensor image.

        Returns:
            The image in the new dtype with rescaled values (``image`` itself when it has that dtype already).

        Raises:
            TypeError: ``image`` is not a tensor.
            RuntimeError: a float32 to int32/int64 or float64 to int64 conversion, which cannot be exact.
        """
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """``(img - mean[c]) / std[c]`` for each channel of a float ``(..., C, H, W)`` tensor.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all).
        inplace: update the input tensor in place (default False).

    Raises:
        TypeError: not a tensor, or not a floating tensor.
        ValueError: fewer than 3 dimensions, or a std that is zero in the tensor's dtype.
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor: Any) -> Any:
        """Normalize each channel of ``tensor`` with the transform's mean and std.

        Args:
            tensor: a float tensor image of shape ``(..., C, H, W)``.

        Returns:
            The normalized tensor, of the same shape and dtype (``tensor`` itself when ``inplace``).

        Raises:
            TypeError: not a tensor, or not a floating tensor.
            ValueError: fewer than 3 dimensions, or a std that is zero in the tensor's dtype.
        """
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


def _setup_size(size: Any, error_msg: str = "Please provide only two dimensions (h, w) for size.") -> tuple[int, int]:
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        return int(size), int(size)  # type: ignore[call-overload]
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(error_msg)
    return int(size[0]), int(size[1])


def _check_interpolation(interpolation: Any) -> InterpolationMode:
    return F._interpolation(interpolation, "transforms")


class Resize(_Transform):
    """Resize to ``size`` (``(h, w)``, or an int the smaller edge is matched to).

    Args:
        size: the output size: ``(h, w)``, or an int the smaller edge is matched to (keeping the aspect ratio).
        interpolation: an InterpolationMode or a Pillow integer constant (default ``InterpolationMode.BILINEAR``).
        max_size: the longest the longer edge may become, for an int ``size`` only (default None: no bound).
        antialias: smooth bilinear/bicubic downscaling of tensors; PIL images are always smoothed
            (default True).

    Raises:
        TypeError: a size that is not an int or a sequence.
        ValueError: a sequence size of a length other than 1 or 2.
    """

    def __init__(self, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
                 antialias: bool | None = True) -> None:
        if not isinstance(size, (int, Sequence)) or isinstance(size, bool):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = _check_interpolation(interpolation)
        self.antialias = antialias

    def forward(self, img: Any) -> Any:
        """Resize ``img`` to the transform's size.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The resized image, of the same kind (``img`` itself when it has the size already).

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
            ValueError: a ``max_size`` that does not fit ``size``, or an interpolation tensors do not
                support (box, hamming, lanczos).
        """
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(_Transform):
    """Crop the centre ``size`` (``(h, w)`` or an int for a square); zero-pads a smaller image.

    Args:
        size: the output ``(h, w)``, a one-element sequence or an int for a square.

    Raises:
        ValueError: a size that is neither a number nor a sequence of 1 or 2 values.
    """

    def __init__(self, size: Any) -> None:
        self.size = _setup_size(size)

    def forward(self, img: Any) -> Any:
        """Crop the centre of ``img``, padding it with zeros first where it is smaller than the size.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The cropped image, of the same kind, with height and width the transform's size.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
        """
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class Pad(_Transform):
    """Pad all four sides.

    Args:
        padding: an int, ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``.
        fill: the value of constant padding; a tuple with one value per channel is accepted for PIL
            images only (default 0).
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'`` (default ``'constant'``).

    Raises:
        TypeError: a padding or fill of the wrong type.
        ValueError: a padding of the wrong length or an unknown padding_mode.
    """

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img: Any) -> Any:
        """Pad ``img`` with the transform's padding, fill and mode.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The padded image, of the same kind.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image, or a tensor image with a sequence fill.
        """
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop(_Transform):
    """Crop at a random place.

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
        TypeError: the image is neither a PIL image nor a tensor.
    """

    def __init__(self, size: Any, padding: Any = None, pad_if_needed: bool = False, fill: Any = 0,
                 padding_mode: str = "constant", generator: Generator | None = None) -> None:
        self.size = _setup_size(size)
        if padding is not None:
            F._padding_ltrb(padding)  # validate now, not on the first image
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int], generator: Generator | None = None
                   ) -> tuple[int, int, int, int]:
        """Draw the position of a random crop of ``output_size``, as torchvision's ``RandomCrop.get_params``.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``; only its size is read.
            output_size: the crop's ``(height, width)``.
            generator: where the position comes from (default None: the default generator).

        Returns:
            ``(top, left, height, width)`` of the crop, as ints; ``(0, 0, H, W)`` when the crop is the whole image.

        Raises:
            ValueError: the crop is larger than the image.
            TypeError: ``img`` is neither a PIL image nor a tensor image.
        """
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = host_randint(h - th + 1, 1, generator)[0]
        j = host_randint(w - tw + 1, 1, generator)[0]
        return i, j, th, tw

    def forward(self, img: Any) -> Any:
        """Pad ``img`` as configured, then crop a window of the transform's size at a random place.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The cropped image, of the same kind, with height and width the transform's size.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
            ValueError: the crop is larger than the (padded) image.
        """
        F._check_kind(img, "RandomCrop")
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        th, tw = self.size
        if self.pad_if_needed and width < tw:
            img = F.pad(img, [tw - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < th:
            img = F.pad(img, [0, th - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size, self.generator)
        return F.crop(img, i, j, h, w)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomResizedCrop(_Transform):
    """Crop a random area and aspect ratio, then resize it to ``size`` (Inception-style augmentation).

    Args:
        size: output ``(h, w)`` or an int for a square.
        scale: bounds of the crop's area as a fraction of the image's.
        ratio: bounds of the crop's aspect ratio (width / height), drawn log-uniformly.
        interpolation: an InterpolationMode (default bilinear) or a Pillow constant.
        antialias: as :class:`Resize`.
        generator: where the crop comes from (default: the default generator).

    Raises:
        TypeError: scale or ratio not a sequence.
        ValueError: a bad size.
    """

    def __init__(self, size: Any, scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0), interpolation: Any = InterpolationMode.BILINEAR,
                 antialias: bool | None = True, generator: Generator | None = None) -> None:
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        self.interpolation = _check_interpolation(interpolation)
        self.antialias = antialias
        self.scale = scale
        self.ratio = ratio
        self.generator = generator

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float], generator: Generator | None = None
                   ) -> tuple[int, int, int, int]:
        """Draw a random crop of random area and aspect ratio, as torchvision's ``RandomResizedCrop.get_params``.

        The area is drawn uniformly from ``scale`` times the image's and the aspect ratio log-uniformly from
        ``ratio``; after ten draws that do not fit in the image, the largest central crop whose aspect ratio
        is within ``ratio`` is taken.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``; only its size is read.
            scale: ``(min, max)`` of the crop's area as a fraction of the image's.
            ratio: ``(min, max)`` of the crop's aspect ratio (width / height).
            generator: where the crop comes from (default None: the default generator).

        Returns:
            ``(top, left, height, width)`` of the crop, as ints.
        """
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1], generator)
            aspect_ratio = math.exp(_uniform(log_ratio[0], log_ratio[1], generator))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = host_randint(height - h + 1, 1, generator)[0]
                j = host_randint(width - w + 1, 1, generator)[0]
                return i, j, h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img: Any) -> Any:
        """Crop a random area of ``img`` (see ``get_params``) and resize it to the transform's size.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The cropped and resized image, of the same kind.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
            ValueError: an interpolation tensors do not support (box, hamming, lanczos).
        """
        i, j, h, w = self.get_params(img, self.scale, self.ratio, self.generator)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class RandomHorizontalFlip(_Transform):
    """Flip left-right with probability ``p``.

    Args:
        p: probability of flipping.
        generator: where the coin comes from (default: the default generator).

    Raises:
        TypeError: the image is neither a PIL image nor a tensor.
    """

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def forward(self, img: Any) -> Any:
        """Flip ``img`` left-right with probability ``p``.

        Args:
            img: a PIL image or a tensor image ``(..., H, W)``.

        Returns:
            The flipped image, or ``img`` itself when the draw does not flip it.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
        """
        F._check_kind(img, "RandomHorizontalFlip")
        if host_rand(1, self.generator)[0] < self.p:
            return F.hflip(img)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Flip upside down with probability ``p``.

    Args:
        p: probability of flipping.
        generator: where the coin comes from (default: the default generator).

    Raises:
        TypeError: the image is neither a PIL image nor a tensor.
    """

    def forward(self, img: Any) -> Any:
        """Flip ``img`` upside down with probability ``p``.

        Args:
            img: a PIL image or a tensor image ``(..., H, W)``.

        Returns:
            The flipped image, or ``img`` itself when the draw does not flip it.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
        """
        F._check_kind(img, "RandomVerticalFlip")
        if host_rand(1, self.generator)[0] < self.p:
            return F.vflip(img)
        return img


def _setup_angle(x: Any, name: str, req_sizes: tuple[int, ...] = (2,)) -> list[float]:
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        if x < 0:  # type: ignore[operator]
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [-float(x), float(x)]  # type: ignore[arg-type]
    if not isinstance(x, Sequence) or len(x) not in req_sizes:
        raise ValueError(f"If {name} is a sequence, it must be of len {' or '.join(str(n) for n in req_sizes)}.")
    return [float(v) for v in x]


def _tensor_fill(img: Any, fill: Any) -> Any:
    """A fill for a tensor image: one float per channel (PIL images take the fill as given)."""
    if F._is_pil_image(img):
        return fill
    channels = F.get_image_num_channels(img)
    return [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from ``degrees``.

    Args:
        degrees: ``(min, max)``, or a number ``d`` for ``(-d, d)``.
        interpolation: nearest (default) or bilinear for tensors; any PIL filter for PIL images.
        expand: grow the output to hold the whole rotated image.
        center: the centre of rotation ``(x, y)`` (default: the image centre).
        fill: the value outside the rotated image (a number or one per channel).
        generator: where the angle comes from (default: the default generator).

    Raises:
        ValueError: bad degrees or center.
        TypeError: a fill that is not a number or a sequence.
    """

    def __init__(self, degrees: Any, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
                 center: Sequence[int] | None = None, fill: Any = 0, generator: Generator | None = None) -> None:
        self.degrees = _setup_angle(degrees, "degrees")
        self.interpolation = _check_interpolation(interpolation)
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.expand = expand
        self.center = center
        self.fill = fill
        self.generator = generator

    @staticmethod
    def get_params(degrees: list[float], generator: Generator | None = None) -> float:
        """Draw a rotation angle, as torchvision's ``RandomRotation.get_params``.

        Args:
            degrees: ``[min, max]`` of the angle, in degrees.
            generator: where the angle comes from (default None: the default generator).

        Returns:
            An angle uniform in ``[degrees[0], degrees[1])``, as a float.
        """
        return _uniform(float(degrees[0]), float(degrees[1]), generator)

    def forward(self, img: Any) -> Any:
        """Rotate ``img`` counter-clockwise by an angle drawn from ``degrees``.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The rotated image, of the same kind; larger than ``img`` when ``expand`` is set.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
            ValueError: an interpolation tensors do not support, or a fill with neither 1 nor C values.
        """
        fill = _tensor_fill(img, self.fill)
        angle = self.get_params(self.degrees, self.generator)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}, fill={self.fill})")


class ColorJitter(_Transform):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Args:
        brightness: a number ``v`` for factors in ``[max(0, 1 - v), 1 + v]``,
            or ``(min, max)``.
        contrast: a number ``v`` for factors in ``[max(0, 1 - v), 1 + v]``,
            or ``(min, max)``.
        saturation: a number ``v`` for factors in ``[max(0, 1 - v), 1 + v]``,
            or ``(min, max)``.
        hue: a number ``v`` in ``[0, 0.5]`` for shifts in ``[-v, v]``, or ``(min, max)`` within
            ``[-0.5, 0.5]``.
        generator: where the factors and the order come from (default: the default generator).

    Raises:
        ValueError: a negative value or bounds outside their range.
        TypeError: a value that is neither a number nor a pair.
    """

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0, hue: Any = 0,
                 generator: Generator | None = None) -> None:
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)
        self.generator = generator

    @staticmethod
    def _check_input(value: Any, name: str, center: float = 1, bound: tuple[float, float] = (0, float("inf")),
                     clip_first_on_zero: bool = True) -> tuple[float, float] | None:
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            if value < 0:  # type: ignore[operator]
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            lo, hi = center - float(value), center + float(value)  # type: ignore[arg-type]
            if clip_first_on_zero:
                lo = max(lo, 0.0)
        elif isinstance(value, Sequence) and len(value) == 2:
            lo, hi = float(value[0]), float(value[1])
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= lo <= hi <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {[lo, hi]}.")
        if lo == hi == center:
            return None
        return lo, hi

    @staticmethod
    def get_params(brightness: tuple[float, float] | None, contrast: tuple[float, float] | None,
                   saturation: tuple[float, float] | None, hue: tuple[float, float] | None,
                   generator: Generator | None = None
                   ) -> tuple[list[int], float | None, float | None, float | None, float | None]:
        """Draw the order and the factors of the four adjustments, as torchvision's ``ColorJitter.get_params``.

        Args:
            brightness: ``(min, max)`` of the brightness factor, or None to skip it.
            contrast: ``(min, max)`` of the contrast factor, or None to skip it.
            saturation: ``(min, max)`` of the saturation factor, or None to skip it.
            hue: ``(min, max)`` of the hue shift, or None to skip it.
            generator: where the order and the factors come from (default None: the default generator).

        Returns:
            ``(fn_idx, brightness_factor, contrast_factor, saturation_factor, hue_factor)``: a permutation of
            ``0..3`` (brightness, contrast, saturation, hue) giving the order, and each factor drawn uniformly
            from its range (None for a skipped adjustment).
        """
        fn_idx = host_randperm(4, generator)
        factors = [None if r is None else _uniform(r[0], r[1], generator) for r in (brightness, contrast, saturation, hue)]
        return fn_idx, factors[0], factors[1], factors[2], factors[3]

    def forward(self, img: Any) -> Any:
        """Apply the brightness, contrast, saturation and hue changes to ``img`` in a random order.

        Each factor is drawn uniformly from its range; an adjustment whose range is the identity is skipped.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)`` with 1 or 3 channels.

        Returns:
            The adjusted image, of the same kind.

        Raises:
            TypeError: ``img`` is not an image, or a tensor image with neither 1 nor 3 channels.
        """
        fn_idx, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue, self.generator)
        for fn_id in fn_idx:
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale(_Transform):
    """Convert to grayscale with 1 or 3 (equal) channels.

    Tensor images take the luma ``0.2989 R + 0.587 G + 0.114 B``; PIL images are converted to mode L.

    Args:
        num_output_channels: 1 for a single channel, 3 for three equal channels (default 1).

    Raises:
        ValueError: ``num_output_channels`` is not 1 or 3 (when applied).
    """

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def forward(self, img: Any) -> Any:
        """Convert ``img`` to grayscale.

        Args:
            img: a PIL image, or a tensor image ``(..., C, H, W)`` with 1 or 3 channels.

        Returns:
            The grayscale image, of the same kind, with ``num_output_channels`` channels.

        Raises:
            TypeError: ``img`` is not an image, or a tensor with fewer than 3 dimensions or neither 1 nor 3 channels.
            ValueError: ``num_output_channels`` is not 1 or 3.
        """
        return F.to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(_Transform):
    """Convert to grayscale (keeping the number of channels) with probability ``p``.

    Args:
        p: probability of converting (default 0.1).
        generator: where the coin comes from (default None: the default generator).
    """

    def __init__(self, p: float = 0.1, generator: Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def forward(self, img: Any) -> Any:
        """Convert ``img`` to grayscale with probability ``p``, with as many channels as it has.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)`` with 1 or 3 channels.

        Returns:
            The grayscale image, or ``img`` itself when the draw does not convert it.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
        """
        channels = F.get_image_num_channels(img)
        if host_rand(1, self.generator)[0] < self.p:
            return F.to_grayscale(img, num_output_channels=channels)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomApply(_Transform):
    """Apply a list of transforms, all or none, with probability ``p``.

    Args:
        transforms: the callables applied in order when the draw succeeds (copied into a list).
        p: probability of applying them (default 0.5).
        generator: where the coin comes from (default None: the default generator).
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5,
                 generator: Generator | None = None) -> None:
        self.transforms = list(transforms)
        self.p = p
        self.generator = generator

    def forward(self, img: Any) -> Any:
        """Pass ``img`` through every transform with probability ``p``, else return it unchanged.

        Args:
            img: the input image, of whatever kind the transforms take.

        Returns:
            The output of the last transform, or ``img`` itself.
        """
        if self.p < host_rand(1, self.generator)[0]:
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}(\n    p={self.p}{body}\n)"


class RandomAffine(_Transform):
    """A random affine map keeping the image centre: rotation, translation, scale and shear.

    Args:
        degrees: ``(min, max)`` rotation, or a number ``d`` for ``(-d, d)``.
        translate: ``(a, b)``: shifts up to ``a * width`` horizontally and ``b * height`` vertically.
        scale: ``(min, max)`` scale factor (default: 1).
        shear: a number ``s`` for an x-shear in ``(-s, s)``, ``(min, max)`` for x, or
            ``(xmin, xmax, ymin, ymax)`` (degrees; default: none).
        interpolation: nearest (default) or bilinear for tensors; any PIL filter for PIL images.
        fill: the value outside the transformed image.
        center: the centre ``(x, y)`` (default: the image centre).
        generator: where the parameters come from (default: the default generator).

    Raises:
        ValueError: bad degrees, translate, scale, shear or center.
        TypeError: a fill that is not a number or a sequence.
    """

    def __init__(self, degrees: Any, translate: Sequence[float] | None = None, scale: Sequence[float] | None = None,
                 shear: Any = None, interpolation: Any = InterpolationMode.NEAREST, fill: Any = 0,
                 center: Sequence[int] | None = None, generator: Generator | None = None) -> None:
        self.degrees = _setup_angle(degrees, "degrees")
        if translate is not None:
            if not isinstance(translate, Sequence) or len(translate) != 2:
                raise ValueError("translate should be a sequence of length 2.")
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            if not isinstance(scale, Sequence) or len(scale) != 2:
                raise ValueError("scale should be a sequence of length 2.")
            if not all(s > 0 for s in scale):
                raise ValueError("scale values should be positive")
        self.translate = translate
        self.scale = scale
        self.shear = _setup_angle(shear, "shear", req_sizes=(2, 4)) if shear is not None else None
        self.interpolation = _check_interpolation(interpolation)
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("center should be a sequence of length 2.")
        self.center = center
        self.generator = generator

    @staticmethod
    def get_params(degrees: list[float], translate: Sequence[float] | None, scale_ranges: Sequence[float] | None,
                   shears: list[float] | None, img_size: list[int], generator: Generator | None = None
                   ) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """Draw the parameters of a random affine map, as torchvision's ``RandomAffine.get_params``.

        Args:
            degrees: ``[min, max]`` of the rotation angle, in degrees.
            translate: ``(a, b)``: the horizontal shift is drawn within ``±a * width`` and the vertical within
                ``±b * height``, rounded to pixels; None for no shift.
            scale_ranges: ``(min, max)`` of the scale factor; None for 1.
            shears: ``[min, max]`` of the x-shear, or ``[xmin, xmax, ymin, ymax]`` for both; None for no shear.
            img_size: the image's ``[width, height]``.
            generator: where the parameters come from (default None: the default generator).

        Returns:
            ``(angle, (tx, ty), scale, (shear_x, shear_y))``: floats, except the int translations.
        """
        angle = _uniform(float(degrees[0]), float(degrees[1]), generator)
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (int(round(_uniform(-max_dx, max_dx, generator))),
                            int(round(_uniform(-max_dy, max_dy, generator))))
        else:
            translations = (0, 0)
        scale = _uniform(scale_ranges[0], scale_ranges[1], generator) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1], generator)
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3], generator)
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img: Any) -> Any:
        """Apply an affine map with parameters drawn by ``get_params`` to ``img``, keeping its size.

        Args:
            img: a PIL image or a tensor image ``(..., C, H, W)``.

        Returns:
            The transformed image, of the same kind and size.

        Raises:
            TypeError: ``img`` is neither a PIL image nor a tensor image.
            ValueError: an interpolation tensors do not support, or a fill with neither 1 nor C values.
        """
        fill = _tensor_fill(img, self.fill)
        _, height, width = F.get_dimensions(img)
        angle, translations, scale, shear = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                                            [width, height], self.generator)
        return F.affine(img, angle, list(translations), scale, list(shear), self.interpolation, fill, self.center)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(degrees={self.degrees}, translate={self.translate}, scale={self.scale}, "
                f"shear={self.shear}, interpolation={self.interpolation.value}, fill={self.fill})")


class RandomErasing(_Transform):
    """Erase a random rectangle of a tensor image with probability ``p`` (Zhong et al., 2017).

    Args:
        p: probability of erasing.
        scale: bounds of the rectangle's area as a fraction of the image's.
        ratio: bounds of its aspect ratio (drawn log-uniformly).
        value: the fill: a number, one per channel, or ``'random'`` (standard normal noise).
        inplace: erase in the input tensor.
        generator: where the rectangle comes from (default: the default generator).

    Raises:
        TypeError: a value, scale or ratio of the wrong type; the image is not a tensor.
        ValueError: a value string other than 'random', bounds out of range, or a value with
            neither 1 nor C entries.
    """

    def __init__(self, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.33), ratio: tuple[float, float] = (0.3, 3.3),
                 value: Any = 0, inplace: bool = False, generator: Generator | None = None) -> None:
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace
        self.generator = generator

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float], value: list[float] | None = None,
                   generator: Generator | None = None) -> tuple[int, int, int, int, Any]:
        """Draw the rectangle to erase and its fill, as torchvision's ``RandomErasing.get_params``.

        The area is drawn uniformly from ``scale`` times the image's and the aspect ratio log-uniformly from
        ``ratio``; after ten draws that do not fit strictly inside the image, the whole image is returned
        with the image itself as the fill (erasing then leaves it unchanged).

        Args:
            img: a tensor image ``(..., C, H, W)``.
            scale: ``(min, max)`` of the rectangle's area as a fraction of the image's.
            ratio: ``(min, max)`` of its aspect ratio.
            value: the fill values, one or one per channel; None for standard normal noise of the
                rectangle's shape (default None).
            generator: where the rectangle and the noise come from (default None: the default generator).

        Returns:
            ``(top, left, height, width, fill)``: ints and a tensor of the image's dtype and backend
            (``(C, h, w)`` noise, or the values shaped ``(-1, 1, 1)``).
        """
        from arraygrad.core.creation import tensor as make_tensor
        from arraygrad.core.random import randn

        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1], generator)
            aspect_ratio = math.exp(_uniform(log_ratio[0], log_ratio[1], generator))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = randn(img_c, h, w, generator=generator, backend=img.backend).to(img.dtype)
            else:
                v = make_tensor(value, dtype=img.dtype, backend=img.backend).reshape(-1, 1, 1)
            i = host_randint(img_h - h + 1, 1, generator)[0]
            j = host_randint(img_w - w + 1, 1, generator)[0]
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img: Any) -> Any:
        """Erase a random rectangle of ``img`` with probability ``p``.

        Args:
            img: a tensor image ``(..., C, H, W)``.

        Returns:
            The image with the rectangle set to the fill (``img`` itself, modified, when ``inplace``), or
            ``img`` unchanged when the draw does not erase.

        Raises:
            TypeError: ``img`` is not a tensor.
            ValueError: a sequence ``value`` with neither 1 nor C entries.
        """
        if not isinstance(img, Tensor):
            raise TypeError(f"RandomErasing: img should be a Tensor image, got {type(img).__name__}; apply ToTensor first")
        if host_rand(1, self.generator)[0] < self.p:
            if isinstance(self.value, (int, float)):
                value: list[float] | None = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]  # type: ignore[union-attr]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError("If value is a sequence, it should have either a single value or "
                                 f"{img.shape[-3]} (number of input channels)")
            x, y, h, w, v = self.get_params(img, self.scale, self.ratio, value, self.generator)
            return F.erase(img, x, y, h, w, v, self.inplace)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")
