"""torchvision.transforms as arraygrad provides it."""

from arraygrad.data.transforms import Compose, Lambda, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor

__all__ = ["Compose", "Lambda", "Normalize", "RandomCrop", "RandomHorizontalFlip", "ToTensor"]
