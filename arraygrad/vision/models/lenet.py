"""LeNet-5 (LeCun et al., 1998), the classic digit classifier; torchvision has no LeNet.

The network is the one of ``examples/lenet.py``, so checkpoints of either load into the other:

    features:   Conv2d(in_channels, 6, 5, padding) -> Tanh -> MaxPool2d(2)
                -> Conv2d(6, 16, 5) -> Tanh -> MaxPool2d(2)
    classifier: Flatten -> Linear(400, 120) -> Tanh -> Linear(120, 84) -> Tanh -> Linear(84, num_classes)

It takes 32x32 images (the paper's input size). For 28x28 images (MNIST as torchvision loads it)
pass ``padding=2``: the first convolution then pads the image to 32x32 and every later shape --
hence every parameter shape and the ``state_dict`` -- is the same.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.nn.modules.activation import Tanh
from arraygrad.nn.modules.container import Sequential
from arraygrad.nn.modules.conv import Conv2d
from arraygrad.nn.modules.flatten import Flatten
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.pooling import MaxPool2d
from arraygrad.vision.models._api import handle_legacy_pretrained, load_weights, register_model, resolve_weights

__all__ = ["LeNet5", "lenet5"]


class LeNet5(Module):
    """LeNet-5 with tanh activations and max-pooling (the layout above).

    Args:
        num_classes: outputs of the last ``Linear``.
        in_channels: image channels (1 for digits).
        padding: zero padding of the first convolution: 0 for 32x32 inputs, 2 for 28x28.

    The layers keep PyTorch's default initialisation, drawn from arraygrad's seeded generator.

    Raises:
        ValueError: ``padding`` is negative.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, padding: int = 0) -> None:
        super().__init__()
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise ValueError(f"LeNet5: padding must be a non-negative int, got {padding!r}")
        self.features = Sequential(
            Conv2d(in_channels, 6, kernel_size=5, padding=padding),  # 32x32 (28x28 + 2*2) -> 6x28x28
            Tanh(),
            MaxPool2d(2),  # -> 6x14x14
            Conv2d(6, 16, kernel_size=5),  # -> 16x10x10
            Tanh(),
            MaxPool2d(2),  # -> 16x5x5
        )
        self.classifier = Sequential(
            Flatten(),
            Linear(16 * 5 * 5, 120),
            Tanh(),
            Linear(120, 84),
            Tanh(),
            Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Compute class logits for a batch of images.

        Args:
            x: images of shape ``(N, in_channels, 32 - 2 * padding, 32 - 2 * padding)``.

        Returns:
            The logits, of shape ``(N, num_classes)``.

        Raises:
            ValueError: the images are not of that size (after the convolutions the map must be 5x5).
        """
        features = self.features(x)
        if tuple(features.shape[-2:]) != (5, 5):
            pad = self.features[0].padding[0]
            raise ValueError(f"LeNet5: expected {32 - 2 * pad}x{32 - 2 * pad} images (padding={pad}), "
                             f"got input of shape {tuple(x.shape)}")
        return self.classifier(features)


@register_model()
def lenet5(*, weights: str | None = None, progress: bool = True, **kwargs: Any) -> LeNet5:
    """Build a LeNet-5 (see the module docstring); torchvision has no counterpart.

    The other keyword arguments go to :class:`LeNet5` (``num_classes``, ``in_channels``, ``padding``). The
    deprecated ``pretrained=`` is accepted as a path (with a warning); ``pretrained=True`` raises, since there are
    no pretrained weights.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file with this model's
            keys (``arraygrad.save(model.state_dict(), path)`` writes one), loaded with ``strict=True`` (default
            None).
        progress: accepted for symmetry with the other builders; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        FileNotFoundError: ``weights`` is a path that is not a file.
        RuntimeError: the file's keys or shapes differ from the model's.
        TypeError: ``weights`` is neither None nor a path.
        ValueError: ``pretrained=True``, both ``weights`` and ``pretrained`` given, a negative ``padding``, or a
            file that does not hold a flat state_dict of tensors.
    """
    weights = handle_legacy_pretrained("lenet5", weights, kwargs, None)
    path = resolve_weights("lenet5", weights, None)
    return load_weights(LeNet5(**kwargs), path, "lenet5")
