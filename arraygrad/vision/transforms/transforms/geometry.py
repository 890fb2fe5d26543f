"""Geometric transforms: resizing, padding, crops (centre, random, random-resized), random flips,
random rotation and random affine maps."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from arraygrad.core.random import Generator
from arraygrad.data._utils import host_rand, host_randint
from arraygrad.vision.transforms import functional as F
from arraygrad.vision.transforms.functional import InterpolationMode
from arraygrad.vision.transforms.transforms._utils import _Transform, _uniform

__all__ = [
    "CenterCrop", "Pad", "RandomAffine", "RandomCrop", "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation",
    "RandomVerticalFlip", "Resize",
]


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
