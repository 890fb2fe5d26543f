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


class Lambda(_Transform):
    """A user function as a transform.

    Raises:
        TypeError: ``lambd`` is not callable.
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def forward(self, img: Any) -> Any:
        return self.lambd(img)


class ToTensor(_Transform):
    """A PIL image or ``H x W x C`` numpy array to a ``C x H x W`` tensor, uint8 scaled to ``[0, 1]``
    (see :func:`functional.to_tensor`)."""

    def forward(self, pic: Any) -> Any:
        return F.to_tensor(pic)


class PILToTensor(_Transform):
    """A PIL image to a ``C x H x W`` tensor of its own dtype, values unchanged."""

    def forward(self, pic: Any) -> Any:
        return F.pil_to_tensor(pic)


class ToPILImage(_Transform):
    """A ``C x H x W`` tensor or ``H x W x C`` array to a PIL image (see :func:`functional.to_pil_image`).

    Args:
        mode: the PIL mode; by default inferred from the channels and dtype.
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def forward(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mode={self.mode})" if self.mode is not None else f"{self.__class__.__name__}()"


class ConvertImageDtype(_Transform):
    """Convert a tensor image to ``dtype`` and scale its values (see :func:`functional.convert_image_dtype`)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtypes.as_dtype(dtype)

    def forward(self, image: Any) -> Any:
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """``(img - mean[c]) / std[c]`` for each channel of a float ``(..., C, H, W)`` tensor.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all).
        inplace: update the input tensor in place.

    Raises:
        TypeError: not a tensor, or not a floating tensor.
        ValueError: fewer than 3 dimensions, or a std that is zero in the tensor's dtype.
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor: Any) -> Any:
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
        size: the output size.
        interpolation: an InterpolationMode (default bilinear) or a Pillow constant.
        max_size: the longest the longer edge may become (``size`` an int only).
        antialias: smooth bilinear/bicubic downscaling of tensors (PIL always does).

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
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(_Transform):
    """Crop the centre ``size`` (``(h, w)`` or an int for a square); zero-pads a smaller image.

    Raises:
        ValueError: a bad size.
    """

    def __init__(self, size: Any) -> None:
        self.size = _setup_size(size)

    def forward(self, img: Any) -> Any:
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class Pad(_Transform):
    """Pad all four sides.

    Args:
        padding: an int, ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``.
        fill: the value of constant padding (a tuple per channel for PIL images).
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'``.

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
        """``(top, left, height, width)`` of a random crop of ``output_size``.

        Raises:
            ValueError: the crop is larger than the image.
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
        """``(top, left, height, width)`` of a random crop (ten tries, then a central crop)."""
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
        """An angle uniform in ``[degrees[0], degrees[1])``."""
        return _uniform(float(degrees[0]), float(degrees[1]), generator)

    def forward(self, img: Any) -> Any:
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
        """The order of the four adjustments (a permutation of 0..3) and their factors (None: skipped)."""
        fn_idx = host_randperm(4, generator)
        factors = [None if r is None else _uniform(r[0], r[1], generator) for r in (brightness, contrast, saturation, hue)]
        return fn_idx, factors[0], factors[1], factors[2], factors[3]

    def forward(self, img: Any) -> Any:
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

    Raises:
        ValueError: num_output_channels not 1 or 3 (when applied).
    """

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def forward(self, img: Any) -> Any:
        return F.to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(_Transform):
    """Convert to grayscale (keeping the number of channels) with probability ``p``."""

    def __init__(self, p: float = 0.1, generator: Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def forward(self, img: Any) -> Any:
        channels = F.get_image_num_channels(img)
        if host_rand(1, self.generator)[0] < self.p:
            return F.to_grayscale(img, num_output_channels=channels)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomApply(_Transform):
    """Apply a list of transforms, all or none, with probability ``p``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5,
                 generator: Generator | None = None) -> None:
        self.transforms = list(transforms)
        self.p = p
        self.generator = generator

    def forward(self, img: Any) -> Any:
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
        """``(angle, (tx, ty), scale, (shear_x, shear_y))`` for an image of ``img_size = [width, height]``."""
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
        """``(top, left, height, width, fill)`` of the rectangle (ten tries, else the whole image unchanged)."""
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
