"""Image transforms: an alias of :mod:`arraygrad.vision.transforms`, where they live.

``from arraygrad.data.transforms import Compose, ToTensor`` keeps working; new code imports
``arraygrad.vision.transforms`` (the module torchvision users know as ``torchvision.transforms``).
"""

from arraygrad.vision.transforms import *  # noqa: F403
from arraygrad.vision.transforms import __all__, functional  # noqa: F401
