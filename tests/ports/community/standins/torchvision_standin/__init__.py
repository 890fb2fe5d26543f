"""Local stand-in for the parts of torchvision the ported programs use.

The ported programs download MNIST through ``torchvision.datasets``; the tests must not reach the
network, so they import this package in place of torchvision. ``datasets.MNIST`` builds a small,
seeded, MNIST-shaped set of 28x28 digit-like images, ``transforms`` is arraygrad's
``arraygrad.data.transforms`` plus ``Resize``, and ``utils.save_image`` writes a PNG grid.
"""

from torchvision_standin import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
