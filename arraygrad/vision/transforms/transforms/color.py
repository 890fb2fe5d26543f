"""Colour transforms: random brightness, contrast, saturation and hue (``ColorJitter``) and
grayscale conversion, always or with a probability."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from arraygrad.core.random import Generator
from arraygrad.data._utils import host_rand, host_randperm
from arraygrad.vision.transforms import functional as F
from arraygrad.vision.transforms.transforms._utils import _Transform, _uniform

__all__ = ["ColorJitter", "Grayscale", "RandomGrayscale"]


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
