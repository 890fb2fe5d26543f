"""VGG 11/13/16/19, with and without batch normalisation, as ``torchvision.models.vgg``.

`Very Deep Convolutional Networks for Large-Scale Image Recognition <https://arxiv.org/abs/1409.1556>`_.
Module names, arguments and initialisation follow torchvision, so the ``state_dict`` keys and shapes
are torchvision's (``features.0.weight``, ``features.1.running_mean`` for the ``_bn`` variants,
``classifier.6.bias`` ...). The classifier is sized for a 7x7 map after ``avgpool``, so any input
of at least 32x32 works (smaller maps are spread over 7x7 by the adaptive pool).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.nn import init
from arraygrad.nn.modules.activation import ReLU
from arraygrad.nn.modules.batchnorm import BatchNorm2d
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

__all__ = [
    "VGG", "make_layers", "cfgs", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
    "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13",
    "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
]


class VGG(Module):
    """``features``, a 7x7 adaptive average pool and a three-layer classifier with dropout.

    Args:
        features: the convolutional part, ending with 512 channels (see ``make_layers``).
        num_classes: outputs of the last ``Linear``.
        init_weights: torchvision's init: convolutions ``kaiming_normal_(mode="fan_out",
            nonlinearity="relu")`` with zero bias, batch norms weight 1 and bias 0, linear layers
            ``normal_(0, 0.01)`` with zero bias (drawn from arraygrad's seeded generator). With
            ``False`` the layers keep PyTorch's default init.
        dropout: drop probability of the two ``Dropout`` layers.
    """

    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(512 * 7 * 7, 4096),
            ReLU(True),
            Dropout(p=dropout),
            Linear(4096, 4096),
            ReLU(True),
            Dropout(p=dropout),
            Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        """Compute class logits for a batch of images.

        Args:
            x: images of shape ``(N, 3, H, W)``, with ``H`` and ``W`` at least 32.

        Returns:
            The logits, of shape ``(N, num_classes)``.
        """
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> Sequential:
    """The ``features`` of a VGG: each int is a 3x3 convolution (padding 1) with that many channels,
    followed by ``BatchNorm2d`` (if ``batch_norm``) and ``ReLU``; each ``"M"`` a 2x2 max-pool.

    Raises:
        ValueError: an entry that is neither a positive int nor ``"M"``.
    """
    layers: list[Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [MaxPool2d(kernel_size=2, stride=2)]
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"make_layers: cfg entries must be positive ints or 'M', got {v!r}")
        conv2d = Conv2d(in_channels, v, kernel_size=3, padding=1)
        if batch_norm:
            layers += [conv2d, BatchNorm2d(v), ReLU(inplace=True)]
        else:
            layers += [conv2d, ReLU(inplace=True)]
        in_channels = v
    return Sequential(*layers)


#: the layer configurations of the paper's networks A (VGG-11), B (13), D (16) and E (19)
cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}

_URL = "https://download.pytorch.org/models/"


def _w(file: str, num_params: int, num_classes: int | None = 1000, **preset: Any) -> Weights:
    return Weights(url=_URL + file, transforms=partial(ImageClassification, crop_size=224, **preset),
                   meta={"num_params": num_params, "min_size": (32, 32), "num_classes": num_classes})


class VGG11_Weights(WeightsEnum):  # noqa: N801 - torchvision's name
    """torchvision's VGG-11 weights (not downloaded here; see ``arraygrad.vision.models``)."""

    IMAGENET1K_V1 = _w("vgg11-8a719046.pth", 132863336)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-11-BN weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("vgg11_bn-6002323d.pth", 132868840)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-13 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("vgg13-19584684.pth", 133047848)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-13-BN weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("vgg13_bn-abd245e5.pth", 133053736)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-16 weights (not downloaded here); ``IMAGENET1K_FEATURES`` has no classifier."""

    IMAGENET1K_V1 = _w("vgg16-397923af.pth", 138357544)
    # the weights of the SSD port: pixels scaled to [0, 255] (std 1/255) minus the mean
    IMAGENET1K_FEATURES = _w("vgg16_features-amdegroot-88682ab5.pth", 138357544, None, mean=(0.48235, 0.45882, 0.40784),
                             std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0))
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-16-BN weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("vgg16_bn-6c64b313.pth", 138365992)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-19 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("vgg19-dcbb9e9d.pth", 143667240)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):  # noqa: N801
    """torchvision's VGG-19-BN weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("vgg19_bn-c79401a0.pth", 143678248)
    DEFAULT = IMAGENET1K_V1


def _vgg(name: str, cfg: str, batch_norm: bool, weights: Any, enum_cls: type[WeightsEnum], kwargs: dict[str, Any]) -> VGG:
    weights = handle_legacy_pretrained(name, weights, kwargs, enum_cls["IMAGENET1K_V1"], stacklevel=4)
    path = resolve_weights(name, weights, enum_cls)
    if path is not None:
        kwargs["init_weights"] = False  # the file replaces every value
    return load_weights(VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), path, name)


@register_model(weights=VGG11_Weights)
def vgg11(*, weights: VGG11_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-11 (configuration "A", no batch normalisation), as ``torchvision.models.vgg11``.

    From `Very Deep Convolutional Networks for Large-Scale Image Recognition <https://arxiv.org/abs/1409.1556>`_.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG11_Weights`` members and their
            names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG11_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg11", "A", False, weights, VGG11_Weights, kwargs)


@register_model(weights=VGG11_BN_Weights)
def vgg11_bn(*, weights: VGG11_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-11 with batch normalisation (configuration "A"), as ``torchvision.models.vgg11_bn``.

    Each convolution is followed by a ``BatchNorm2d`` before its ``ReLU``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG11_BN_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG11_BN_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg11_bn", "A", True, weights, VGG11_BN_Weights, kwargs)


@register_model(weights=VGG13_Weights)
def vgg13(*, weights: VGG13_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-13 (configuration "B", no batch normalisation), as ``torchvision.models.vgg13``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG13_Weights`` members and their
            names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG13_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg13", "B", False, weights, VGG13_Weights, kwargs)


@register_model(weights=VGG13_BN_Weights)
def vgg13_bn(*, weights: VGG13_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-13 with batch normalisation (configuration "B"), as ``torchvision.models.vgg13_bn``.

    Each convolution is followed by a ``BatchNorm2d`` before its ``ReLU``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG13_BN_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG13_BN_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg13_bn", "B", True, weights, VGG13_BN_Weights, kwargs)


@register_model(weights=VGG16_Weights)
def vgg16(*, weights: VGG16_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-16 (configuration "D", no batch normalisation), as ``torchvision.models.vgg16``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG16_Weights`` members and their
            names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG16_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg16", "D", False, weights, VGG16_Weights, kwargs)


@register_model(weights=VGG16_BN_Weights)
def vgg16_bn(*, weights: VGG16_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-16 with batch normalisation (configuration "D"), as ``torchvision.models.vgg16_bn``.

    Each convolution is followed by a ``BatchNorm2d`` before its ``ReLU``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG16_BN_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG16_BN_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg16_bn", "D", True, weights, VGG16_BN_Weights, kwargs)


@register_model(weights=VGG19_Weights)
def vgg19(*, weights: VGG19_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-19 (configuration "E", no batch normalisation), as ``torchvision.models.vgg19``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG19_Weights`` members and their
            names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG19_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg19", "E", False, weights, VGG19_Weights, kwargs)


@register_model(weights=VGG19_BN_Weights)
def vgg19_bn(*, weights: VGG19_BN_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """Build a VGG-19 with batch normalisation (configuration "E"), as ``torchvision.models.vgg19_bn``.

    Each convolution is followed by a ``BatchNorm2d`` before its ``ReLU``.

    The other keyword arguments go to :class:`VGG` (``num_classes``, ``init_weights``, ``dropout``);
    ``init_weights`` is turned off when a file is loaded, since the file replaces every value; the deprecated
    ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``VGG19_BN_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``VGG19_BN_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _vgg("vgg19_bn", "E", True, weights, VGG19_BN_Weights, kwargs)
