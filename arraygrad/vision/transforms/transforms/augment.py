"""Augmentations that overwrite part of a tensor image: ``RandomErasing``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from arraygrad.core.random import Generator
from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import host_rand, host_randint
from arraygrad.vision.transforms import functional as F
from arraygrad.vision.transforms.transforms._utils import _Transform, _uniform

__all__ = ["RandomErasing"]


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
