"""Conversion transforms: PIL images and numpy arrays to tensors and back (``ToTensor``,
``PILToTensor``, ``ToPILImage``), dtype conversion (``ConvertImageDtype``) and ``Normalize``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.vision.transforms import functional as F
from arraygrad.vision.transforms.transforms._utils import _Transform

__all__ = ["ConvertImageDtype", "Normalize", "PILToTensor", "ToPILImage", "ToTensor"]


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
