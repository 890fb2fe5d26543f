"""A small local stand-in for the parts of torchvision the ported programs use.

``datasets.MNIST`` / ``datasets.FashionMNIST`` build synthetic 28x28 uint8 images in memory (each class
a fixed stroke pattern plus noise, so a model can learn them in a few steps) instead of downloading;
``transforms`` is arraygrad's own ``arraygrad.data.transforms``; ``utils.save_image`` writes a PNG grid.
The programs import it in place of torchvision, e.g. ``from synthetic_vision import datasets, transforms``.
"""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
