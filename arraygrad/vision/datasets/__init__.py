"""Image datasets in the style of ``torchvision.datasets``, reading the files torchvision writes.

    from arraygrad.vision import datasets, transforms
    train = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())

Items are ``(PIL image, int)`` as in torchvision (a tensor with ``transform=ToTensor()``);
``MNIST.data`` and ``CIFAR10.data`` are uint8 tensors of torchvision's shapes on the host backend.
"""

from arraygrad.vision.datasets.cifar import CIFAR10, CIFAR100
from arraygrad.vision.datasets.fakedata import FakeData
from arraygrad.vision.datasets.folder import DatasetFolder, ImageFolder
from arraygrad.vision.datasets.mnist import KMNIST, MNIST, FashionMNIST
from arraygrad.vision.datasets.vision import StandardTransform, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "KMNIST", "MNIST", "DatasetFolder", "FakeData", "FashionMNIST", "ImageFolder",
           "StandardTransform", "VisionDataset"]
