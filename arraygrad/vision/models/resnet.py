"""ResNet (He et al., 2015), ResNeXt and Wide ResNet, as ``torchvision.models.resnet``.

Module names, constructor arguments, defaults and initialisation follow torchvision, so the
``state_dict`` keys and shapes are torchvision's (``conv1.weight``, ``layer1.0.bn1.running_mean``,
``layer2.0.downsample.0.weight``, ``fc.bias`` ...) and its weights load with ``strict=True``. The
bottleneck puts the stride on its 3x3 convolution (ResNet v1.5), as torchvision's does.

One addition: ``ResNet(..., width=64)`` sets the channels of the stem and of ``layer1`` (layers 2-4
get twice, four and eight times as many). ``width=64`` is torchvision's network; a smaller width
gives the same architecture with fewer channels, for small images and quick experiments.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.nn import init
from arraygrad.nn.modules.activation import ReLU
from arraygrad.nn.modules.batchnorm import BatchNorm2d
from arraygrad.nn.modules.container import Sequential
from arraygrad.nn.modules.conv import Conv2d
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import GroupNorm
from arraygrad.nn.modules.pooling import AdaptiveAvgPool2d, MaxPool2d
from arraygrad.vision.models._api import (
    Weights,
    WeightsEnum,
    handle_legacy_pretrained,
    load_weights,
    ovewrite_named_param,
    register_model,
    resolve_weights,
)
from arraygrad.vision.models._presets import ImageClassification

__all__ = [
    "ResNet", "BasicBlock", "Bottleneck", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
    "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights",
    "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
]

NormLayer = Callable[[int], Module]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> Conv2d:
    """3x3 convolution with padding ``dilation`` and no bias."""
    return Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                  dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution without bias."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(Module):
    """Two 3x3 conv-norm layers and a shortcut (ResNet-18/34).

    Args:
        inplanes: input channels.
        planes: output channels.
        stride: stride of the first convolution.
        downsample: the shortcut's projection (``None``: identity).
        groups: must be 1 (accepted for ``Bottleneck``'s signature; default 1).
        base_width: must be 64 (accepted for ``Bottleneck``'s signature; default 64).
        dilation: must be 1.
        norm_layer: called with a channel count (default ``BatchNorm2d``).

    Raises:
        ValueError: ``groups != 1`` or ``base_width != 64``.
        NotImplementedError: ``dilation > 1``.
    """

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None, groups: int = 1,
                 base_width: int = 64, dilation: int = 1, norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(Module):
    """1x1 reduce, 3x3 (strided, grouped), 1x1 expand (x4), each with a norm, and a shortcut (ResNet-50+).

    Args:
        inplanes: input channels.
        planes: the block's base channels; the output has ``planes * 4``.
        stride: stride of the 3x3 convolution.
        downsample: the shortcut's projection (``None``: identity).
        groups: groups of the 3x3 convolution (ResNeXt).
        base_width: channels per group at ``planes=64`` (the inner width is
            ``int(planes * base_width / 64) * groups``).
        dilation: dilation of the 3x3 convolution.
        norm_layer: called with a channel count (default ``BatchNorm2d``).
    """

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None, groups: int = 1,
                 base_width: int = 64, dilation: int = 1, norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(Module):
    """A residual network: 7x7/2 stem, 3x3/2 max-pool, four stages of blocks, global average pool, ``fc``.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: blocks per stage (``[2, 2, 2, 2]`` is ResNet-18).
        num_classes: outputs of ``fc`` (default 1000).
        zero_init_residual: start the last norm of each block at weight 0, so each block starts as
            the identity (default False).
        groups: groups of the bottlenecks' 3x3 convolutions (ResNeXt) (default 1).
        width_per_group: bottleneck channels per group at the first stage (Wide ResNet: 128) (default 64).
        replace_stride_with_dilation: three bools, for stages 2-4: dilate instead of striding
            (default None: stride everywhere).
        norm_layer: called with a channel count (default None: ``BatchNorm2d``).
        width: channels of the stem and of stage 1 (keyword only; not in torchvision, whose
            networks all have 64); stages 2-4 get 2x, 4x and 8x (default 64).

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out", nonlinearity="relu")``,
    norm layers weight 1 and bias 0, ``fc`` PyTorch's default ``Linear`` init; all drawn from
    arraygrad's seeded generator.

    Raises:
        ValueError: ``layers`` does not have 4 elements; ``replace_stride_with_dilation`` does not have 3
            elements; ``width`` is not a positive int; ``BasicBlock`` with ``groups != 1`` or
            ``width_per_group != 64``.
    """

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: list[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: list[bool] | None = None, norm_layer: NormLayer | None = None, *,
                 width: int = 64) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        self._norm_layer = norm_layer
        if isinstance(width, bool) or not isinstance(width, int) or width <= 0:
            raise ValueError(f"ResNet: width must be a positive int, got {width!r}")
        if len(layers) != 4:
            raise ValueError(f"ResNet: layers must give the number of blocks of the 4 stages, got {layers!r}")
        self.inplanes = width
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(
                f"replace_stride_with_dilation should be None or a 3-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(8 * width * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (BatchNorm2d, GroupNorm)):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and getattr(m.bn3, "weight", None) is not None:
                    init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and getattr(m.bn2, "weight", None) is not None:
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[BasicBlock | Bottleneck], planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers: list[Module] = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                                      previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return Sequential(*layers)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x).flatten(1)
        return self.fc(x)

    def forward(self, x: Tensor) -> Tensor:
        """Compute class logits for a batch of images.

        Args:
            x: images of shape ``(N, 3, H, W)``.

        Returns:
            The logits, of shape ``(N, num_classes)``.
        """
        return self._forward_impl(x)


# ---------------------------------------------------------------------------------------- weights

_URL = "https://download.pytorch.org/models/"


def _w(file: str, num_params: int, resize_size: int = 256) -> Weights:
    return Weights(url=_URL + file, transforms=partial(ImageClassification, crop_size=224, resize_size=resize_size),
                   meta={"num_params": num_params, "min_size": (1, 1), "num_classes": 1000})


class ResNet18_Weights(WeightsEnum):  # noqa: N801 - torchvision's name
    """torchvision's ResNet-18 weights (not downloaded here; see ``arraygrad.vision.models``)."""

    IMAGENET1K_V1 = _w("resnet18-f37072fd.pth", 11689512)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNet-34 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnet34-b627a593.pth", 21797672)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNet-50 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnet50-0676ba61.pth", 25557032)
    IMAGENET1K_V2 = _w("resnet50-11ad3fa6.pth", 25557032, 232)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNet-101 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnet101-63fe2227.pth", 44549160)
    IMAGENET1K_V2 = _w("resnet101-cd907fc2.pth", 44549160, 232)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNet-152 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnet152-394f9c45.pth", 60192808)
    IMAGENET1K_V2 = _w("resnet152-f82ba261.pth", 60192808, 232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNeXt-50 32x4d weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnext50_32x4d-7cdf4587.pth", 25028904)
    IMAGENET1K_V2 = _w("resnext50_32x4d-1a0047aa.pth", 25028904, 232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNeXt-101 32x8d weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnext101_32x8d-8ba56ff5.pth", 88791336)
    IMAGENET1K_V2 = _w("resnext101_32x8d-110c445d.pth", 88791336, 232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):  # noqa: N801
    """torchvision's ResNeXt-101 64x4d weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("resnext101_64x4d-173b62eb.pth", 83455272, 232)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):  # noqa: N801
    """torchvision's Wide ResNet-50-2 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("wide_resnet50_2-95faca4d.pth", 68883240)
    IMAGENET1K_V2 = _w("wide_resnet50_2-9ba9bcbe.pth", 68883240, 232)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):  # noqa: N801
    """torchvision's Wide ResNet-101-2 weights (not downloaded here)."""

    IMAGENET1K_V1 = _w("wide_resnet101_2-32ee1156.pth", 126886696)
    IMAGENET1K_V2 = _w("wide_resnet101_2-d733dc28.pth", 126886696, 232)
    DEFAULT = IMAGENET1K_V2


# ---------------------------------------------------------------------------------------- builders

def _resnet(name: str, block: type[BasicBlock | Bottleneck], layers: list[int], weights: Any,
            enum_cls: type[WeightsEnum], kwargs: dict[str, Any]) -> ResNet:
    weights = handle_legacy_pretrained(name, weights, kwargs, enum_cls["IMAGENET1K_V1"], stacklevel=4)
    path = resolve_weights(name, weights, enum_cls)
    return load_weights(ResNet(block, layers, **kwargs), path, name)


@register_model(weights=ResNet18_Weights)
def resnet18(*, weights: ResNet18_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Build a ResNet-18 (basic blocks, ``[2, 2, 2, 2]``), as ``torchvision.models.resnet18``.

    From `Deep Residual Learning for Image Recognition <https://arxiv.org/abs/1512.03385>`_.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); the deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNet18_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNet18_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, ResNet18_Weights, kwargs)


@register_model(weights=ResNet34_Weights)
def resnet34(*, weights: ResNet34_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Build a ResNet-34 (basic blocks, ``[3, 4, 6, 3]``), as ``torchvision.models.resnet34``.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); the deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNet34_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNet34_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, ResNet34_Weights, kwargs)


@register_model(weights=ResNet50_Weights)
def resnet50(*, weights: ResNet50_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Build a ResNet-50 (bottleneck blocks, ``[3, 4, 6, 3]``), as ``torchvision.models.resnet50``.

    The stride is on the bottleneck's 3x3 convolution (ResNet v1.5).

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); the deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNet50_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNet50_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, ResNet50_Weights, kwargs)


@register_model(weights=ResNet101_Weights)
def resnet101(*, weights: ResNet101_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Build a ResNet-101 (bottleneck blocks, ``[3, 4, 23, 3]``), as ``torchvision.models.resnet101``.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); the deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNet101_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNet101_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, ResNet101_Weights, kwargs)


@register_model(weights=ResNet152_Weights)
def resnet152(*, weights: ResNet152_Weights | str | None = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """Build a ResNet-152 (bottleneck blocks, ``[3, 8, 36, 3]``), as ``torchvision.models.resnet152``.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); the deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNet152_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNet152_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, ResNet152_Weights, kwargs)


@register_model(weights=ResNeXt50_32X4D_Weights)
def resnext50_32x4d(*, weights: ResNeXt50_32X4D_Weights | str | None = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """Build a ResNeXt-50 32x4d, as ``torchvision.models.resnext50_32x4d``.

    Bottleneck blocks ``[3, 4, 6, 3]`` with ``groups=32`` and ``width_per_group=4``.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); ``groups`` and ``width_per_group`` are fixed and may only be passed with these values; the
    deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNeXt50_32X4D_Weights`` members
            and their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNeXt50_32X4D_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors, or a keyword conflicts with the values the builder fixes.
    """
    ovewrite_named_param(kwargs, "groups", 32)
    ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet("resnext50_32x4d", Bottleneck, [3, 4, 6, 3], weights, ResNeXt50_32X4D_Weights, kwargs)


@register_model(weights=ResNeXt101_32X8D_Weights)
def resnext101_32x8d(*, weights: ResNeXt101_32X8D_Weights | str | None = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """Build a ResNeXt-101 32x8d, as ``torchvision.models.resnext101_32x8d``.

    Bottleneck blocks ``[3, 4, 23, 3]`` with ``groups=32`` and ``width_per_group=8``.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); ``groups`` and ``width_per_group`` are fixed and may only be passed with these values; the
    deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNeXt101_32X8D_Weights`` members
            and their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNeXt101_32X8D_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors, or a keyword conflicts with the values the builder fixes.
    """
    ovewrite_named_param(kwargs, "groups", 32)
    ovewrite_named_param(kwargs, "width_per_group", 8)
    return _resnet("resnext101_32x8d", Bottleneck, [3, 4, 23, 3], weights, ResNeXt101_32X8D_Weights, kwargs)


@register_model(weights=ResNeXt101_64X4D_Weights)
def resnext101_64x4d(*, weights: ResNeXt101_64X4D_Weights | str | None = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """Build a ResNeXt-101 64x4d, as ``torchvision.models.resnext101_64x4d``.

    Bottleneck blocks ``[3, 4, 23, 3]`` with ``groups=64`` and ``width_per_group=4``.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); ``groups`` and ``width_per_group`` are fixed and may only be passed with these values; the
    deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``ResNeXt101_64X4D_Weights`` members
            and their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``ResNeXt101_64X4D_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors, or a keyword conflicts with the values the builder fixes.
    """
    ovewrite_named_param(kwargs, "groups", 64)
    ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet("resnext101_64x4d", Bottleneck, [3, 4, 23, 3], weights, ResNeXt101_64X4D_Weights, kwargs)


@register_model(weights=Wide_ResNet50_2_Weights)
def wide_resnet50_2(*, weights: Wide_ResNet50_2_Weights | str | None = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """Build a Wide ResNet-50-2, as ``torchvision.models.wide_resnet50_2``.

    Bottleneck blocks ``[3, 4, 6, 3]`` with ``width_per_group=128``: the inner convolutions have twice ResNet-50's
    channels.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); ``width_per_group`` is fixed and may only be passed as 128; the deprecated ``pretrained=``
    (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``Wide_ResNet50_2_Weights`` members
            and their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``Wide_ResNet50_2_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors, or a keyword conflicts with the values the builder fixes.
    """
    ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet("wide_resnet50_2", Bottleneck, [3, 4, 6, 3], weights, Wide_ResNet50_2_Weights, kwargs)


@register_model(weights=Wide_ResNet101_2_Weights)
def wide_resnet101_2(*, weights: Wide_ResNet101_2_Weights | str | None = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """Build a Wide ResNet-101-2, as ``torchvision.models.wide_resnet101_2``.

    Bottleneck blocks ``[3, 4, 23, 3]`` with ``width_per_group=128``: the inner convolutions have twice
    ResNet-101's channels.

    The other keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``, ``norm_layer``,
    ``width`` ...); ``width_per_group`` is fixed and may only be passed as 128; the deprecated ``pretrained=``
    (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``Wide_ResNet101_2_Weights`` members
            and their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``Wide_ResNet101_2_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors, or a keyword conflicts with the values the builder fixes.
    """
    ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet("wide_resnet101_2", Bottleneck, [3, 4, 23, 3], weights, Wide_ResNet101_2_Weights, kwargs)
