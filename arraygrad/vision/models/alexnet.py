"""AlexNet, as ``torchvision.models.alexnet`` (the "one weird trick" variant torchvision ships:
64-192-384-256-256 channels).

`ImageNet Classification with Deep Convolutional Neural Networks
<https://papers.nips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html>`_ and
`One weird trick... <https://arxiv.org/abs/1404.5997>`_. The ``state_dict`` keys and shapes are
torchvision's (``features.0.weight`` ... ``classifier.6.bias``); inputs need at least 63x63 pixels.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.nn.modules.activation import ReLU
from arraygrad.nn.modules.container import Sequential
from arraygrad.nn.modules.conv import Conv2d
from arraygrad.nn.modules.dropout import Dropout
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.pooling import AdaptiveAvgPool2d, MaxPool2d
from arraygrad.vision.models._api import (
    Weights,
    WeightsEnum,
    handle_legacy_pretrained,
    load_weights,
    register_model,
    resolve_weights,
)
from arraygrad.vision.models._presets import ImageClassification

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(Module):
    """Five convolutions with three max-pools, a 6x6 adaptive average pool and a dropout classifier.

    Args:
        num_classes: outputs of the last ``Linear``.
        dropout: drop probability of the two ``Dropout`` layers.

    The layers keep PyTorch's default initialisation (as torchvision's AlexNet), drawn from
    arraygrad's seeded generator.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = Sequential(
            Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(64, 192, kernel_size=5, padding=2),
            ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(192, 384, kernel_size=3, padding=1),
            ReLU(inplace=True),
            Conv2d(384, 256, kernel_size=3, padding=1),
            ReLU(inplace=True),
            Conv2d(256, 256, kernel_size=3, padding=1),
            ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(p=dropout),
            Linear(256 * 6 * 6, 4096),
            ReLU(inplace=True),
            Dropout(p=dropout),
            Linear(4096, 4096),
            ReLU(inplace=True),
            Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Compute class logits for a batch of images.

        Args:
            x: images of shape ``(N, 3, H, W)``, with ``H`` and ``W`` at least 63.

        Returns:
            The logits, of shape ``(N, num_classes)``.
        """
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)


class AlexNet_Weights(WeightsEnum):  # noqa: N801 - torchvision's name
    """torchvision's AlexNet weights (not downloaded here; see ``arraygrad.vision.models``)."""

    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
                            transforms=partial(ImageClassification, crop_size=224),
                            meta={"num_params": 61100840, "min_size": (63, 63), "num_classes": 1000})
    DEFAULT = IMAGENET1K_V1


@register_model(weights=AlexNet_Weights)
def alexnet(*, weights: AlexNet_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """Build an AlexNet, as ``torchvision.models.alexnet``.

    The one-GPU variant of `One weird trick for parallelizing convolutional neural networks
    <https://arxiv.org/abs/1404.5997>`_, which torchvision implements.

    The other keyword arguments go to :class:`AlexNet` (``num_classes``, ``dropout``); the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``AlexNet_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``AlexNet_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    weights = handle_legacy_pretrained("alexnet", weights, kwargs, AlexNet_Weights.IMAGENET1K_V1)
    path = resolve_weights("alexnet", weights, AlexNet_Weights)
    return load_weights(AlexNet(**kwargs), path, "alexnet")
