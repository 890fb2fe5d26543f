"""Transform classes, as ``torchvision.transforms``: compose them and pass the result as a
dataset's ``transform``.

They take PIL images or tensor images ``(..., C, H, W)`` (``ToTensor`` takes PIL images and
``H x W x C`` numpy arrays). Random transforms draw from arraygrad's seeded generator: the default
one (``ag.manual_seed``; each DataLoader worker seeds it with its own seed) or ``generator=``, so
the same seed augments identically on every backend.

One submodule per family: ``composition`` (Compose, RandomApply, Lambda), ``conversion`` (ToTensor,
ToPILImage, ConvertImageDtype, Normalize, ...), ``geometry`` (Resize, crops, flips, rotation, affine),
``color`` (ColorJitter, grayscale) and ``augment`` (RandomErasing). Every name is importable from here.
"""

from __future__ import annotations

from arraygrad.vision.transforms import functional as F
from arraygrad.vision.transforms.functional import InterpolationMode
from arraygrad.vision.transforms.transforms._utils import _Transform, _uniform
from arraygrad.vision.transforms.transforms.augment import RandomErasing
from arraygrad.vision.transforms.transforms.color import ColorJitter, Grayscale, RandomGrayscale
from arraygrad.vision.transforms.transforms.composition import Compose, Lambda, RandomApply
from arraygrad.vision.transforms.transforms.conversion import (
    ConvertImageDtype,
    Normalize,
    PILToTensor,
    ToPILImage,
    ToTensor,
)
from arraygrad.vision.transforms.transforms.geometry import (
    CenterCrop,
    Pad,
    RandomAffine,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    _check_interpolation,
    _setup_angle,
    _setup_size,
    _tensor_fill,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "Grayscale", "InterpolationMode", "Lambda",
    "Normalize", "PILToTensor", "Pad", "RandomAffine", "RandomApply", "RandomCrop", "RandomErasing", "RandomGrayscale",
    "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation", "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor",
]
