"""The evaluation preprocessing that goes with torchvision's classification weights
(``weights.transforms()``), as ``torchvision.transforms._presets.ImageClassification``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.tensor import Tensor
from arraygrad.nn.modules.module import Module

__all__ = ["ImageClassification"]


class ImageClassification(Module):
    """Resize the smaller edge to ``resize_size``, center-crop ``crop_size``, scale to float in
    ``[0, 1]`` and normalize with ``mean``/``std``.

    Accepts a PIL image, a ``(C, H, W)`` image tensor or a ``(B, C, H, W)`` batch (uint8 or float).

    Args:
        crop_size: the side of the square output.
        resize_size: the smaller edge after resizing.
        mean: per-channel normalization.
        std: per-channel normalization.
        interpolation: of the resize (``InterpolationMode``, default bilinear).
        antialias: smooth when downscaling tensors (PIL always does).
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean: Sequence[float] = (0.485, 0.456, 0.406),
                 std: Sequence[float] = (0.229, 0.224, 0.225), interpolation: Any = None,
                 antialias: bool | None = True) -> None:
        super().__init__()
        from arraygrad.vision.transforms.functional import InterpolationMode

        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = InterpolationMode.BILINEAR if interpolation is None else interpolation
        self.antialias = antialias

    def forward(self, img: Any) -> Tensor:
        """The preprocessed float image(s)."""
        from arraygrad.vision.transforms import functional as F

        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, dtypes.float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}"
                f"\n    mean={self.mean}\n    std={self.std}\n    interpolation={self.interpolation}\n)")

    def describe(self) -> str:
        """What the preset does, in words (torchvision's text)."""
        return (
            "Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``torch.Tensor`` objects. "
            f"The images are resized to ``resize_size={self.resize_size}`` using ``interpolation={self.interpolation}``, "
            f"followed by a central crop of ``crop_size={self.crop_size}``. Finally the values are first rescaled to "
            f"``[0.0, 1.0]`` and then normalized using ``mean={self.mean}`` and ``std={self.std}``."
        )
