"""MobileNetV2, as ``torchvision.models.mobilenetv2``.

`MobileNetV2: Inverted Residuals and Linear Bottlenecks <https://arxiv.org/abs/1801.04381>`_. The
``state_dict`` keys and shapes are torchvision's (``features.0.0.weight``, ``features.1.conv.0.0.weight``,
``features.2.conv.3.running_var`` ..., ``classifier.1.weight``), for every ``width_mult``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.modules.activation import ReLU, ReLU6
from arraygrad.nn.modules.batchnorm import BatchNorm2d
from arraygrad.nn.modules.container import Sequential
from arraygrad.nn.modules.conv import Conv2d
from arraygrad.nn.modules.dropout import Dropout
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import GroupNorm
from arraygrad.vision.models._api import (
    Weights,
    WeightsEnum,
    handle_legacy_pretrained,
    load_weights,
    register_model,
    resolve_weights,
)
from arraygrad.vision.models._presets import ImageClassification

__all__ = ["MobileNetV2", "InvertedResidual", "Conv2dNormActivation", "MobileNet_V2_Weights", "mobilenet_v2"]


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``, default ``divisor``),
    never more than 10 % below ``v`` -- the channel rounding of the reference implementation."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(Sequential):
    """``Conv2d``, then an optional norm layer, then an optional activation, as one ``Sequential``
    (torchvision's ``torchvision.ops.Conv2dNormActivation``; children named ``0``, ``1``, ``2``).

    Args:
        in_channels: of the convolution.
        out_channels: of the convolution.
        kernel_size: of the convolution.
        stride: of the convolution.
        groups: of the convolution.
        dilation: of the convolution.
        padding: ``None`` gives ``(kernel_size - 1) // 2 * dilation`` ("same" for odd kernels).
        norm_layer: called with ``out_channels`` (``None``: no norm).
        activation_layer: the activation's class (``None``: none); built with ``inplace=inplace``
            unless ``inplace`` is ``None``.
        inplace: passed to the activation.
        bias: the convolution's bias; ``None`` means "only without a norm layer".
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int | None = None, groups: int = 1, norm_layer: Callable[[int], Module] | None = BatchNorm2d,
                 activation_layer: Callable[..., Module] | None = ReLU, dilation: int = 1, inplace: bool | None = True,
                 bias: bool | None = None) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[Module] = [Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                                       groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            params = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**params))
        super().__init__(*layers)
        self.out_channels = out_channels


class InvertedResidual(Module):
    """1x1 expansion (skipped when ``expand_ratio == 1``), 3x3 depthwise, 1x1 linear projection;
    with a shortcut when the stride is 1 and the channels stay the same.

    Args:
        inp: input channels.
        oup: output channels.
        stride: 1 or 2, of the depthwise convolution.
        expand_ratio: hidden channels are ``round(inp * expand_ratio)``.
        norm_layer: called with a channel count (default ``BatchNorm2d``).

    Raises:
        ValueError: a stride other than 1 or 2.
    """

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int,
                 norm_layer: Callable[[int], Module] | None = None) -> None:
        super().__init__()
        self.stride = stride
        if stride not in [1, 2]:
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers: list[Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=ReLU6))
        layers.extend([
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim, norm_layer=norm_layer,
                                 activation_layer=ReLU6),
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ])
        self.conv = Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x: Tensor) -> Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(Module):
    """MobileNetV2: a strided 3x3 stem, 17 inverted residual blocks, a 1x1 convolution to
    ``last_channel``, global average pooling and a dropout + ``Linear`` classifier.

    Args:
        num_classes: outputs of the classifier.
        width_mult: multiplies every layer's channels (then rounded to ``round_nearest``).
        inverted_residual_setting: rows ``[t, c, n, s]``: expansion, channels, repeats, first stride
            (default: the paper's 7 rows).
        round_nearest: channel counts are multiples of this (1: no rounding).
        block: the block class (default ``InvertedResidual``).
        norm_layer: called with a channel count (default ``BatchNorm2d``).
        dropout: drop probability before the classifier.

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out")`` with zero bias,
    norms weight 1 and bias 0, the ``Linear`` ``normal_(0, 0.01)`` with zero bias.

    Raises:
        ValueError: an empty ``inverted_residual_setting`` or rows that are not 4 long.
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: list[list[int]] | None = None, round_nearest: int = 8,
                 block: Callable[..., Module] | None = None, norm_layer: Callable[[int], Module] | None = None,
                 dropout: float = 0.2) -> None:
        super().__init__()
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = BatchNorm2d
        input_channel = 32
        last_channel = 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [
                # t, c, n, s
                [1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(
                f"inverted_residual_setting should be non-empty or a 4-element list, got {inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: list[Module] = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                                       activation_layer=ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(block(input_channel, output_channel, stride, expand_ratio=t, norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=ReLU6))
        self.features = Sequential(*features)
        self.classifier = Sequential(Dropout(p=dropout), Linear(self.last_channel, num_classes))

        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, (BatchNorm2d, GroupNorm)):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, 0, 0.01)
                init.zeros_(m.bias)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)
        return self.classifier(x)

    def forward(self, x: Tensor) -> Tensor:
        """Compute class logits for a batch of images.

        Args:
            x: images of shape ``(N, 3, H, W)``.

        Returns:
            The logits, of shape ``(N, num_classes)``.
        """
        return self._forward_impl(x)


class MobileNet_V2_Weights(WeightsEnum):  # noqa: N801 - torchvision's name
    """torchvision's MobileNetV2 weights (not downloaded here; see ``arraygrad.vision.models``)."""

    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
                            transforms=partial(ImageClassification, crop_size=224),
                            meta={"num_params": 3504872, "min_size": (1, 1), "num_classes": 1000})
    IMAGENET1K_V2 = Weights(url="https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth",
                            transforms=partial(ImageClassification, crop_size=224, resize_size=232),
                            meta={"num_params": 3504872, "min_size": (1, 1), "num_classes": 1000})
    DEFAULT = IMAGENET1K_V2


@register_model(weights=MobileNet_V2_Weights)
def mobilenet_v2(*, weights: MobileNet_V2_Weights | str | None = None, progress: bool = True,
                 **kwargs: Any) -> MobileNetV2:
    """Build a MobileNetV2, as ``torchvision.models.mobilenet_v2``.

    From `MobileNetV2: Inverted Residuals and Linear Bottlenecks <https://arxiv.org/abs/1801.04381>`_.

    The other keyword arguments go to :class:`MobileNetV2` (``num_classes``, ``width_mult``, ``dropout`` ...); the
    deprecated ``pretrained=`` (True, False or a path) is read as ``weights``, with a warning.

    Args:
        weights: ``None`` for random initialisation, or the path of a local safetensors file (or ``torch.save``'d
            state_dict) with torchvision's keys, loaded with ``strict=True``. ``MobileNet_V2_Weights`` members and
            their names are accepted but raise, explaining how to export the file (default None).
        progress: accepted for torchvision compatibility; nothing is downloaded (default True).

    Returns:
        The model, in training mode.

    Raises:
        RuntimeError: ``weights`` names torchvision's pretrained weights, or the file's keys or shapes differ from
            the model's.
        FileNotFoundError: ``weights`` is a path that is not a file.
        TypeError: ``weights`` is neither None, a path nor a member of ``MobileNet_V2_Weights``.
        ValueError: both ``weights`` and ``pretrained`` are given, or the file does not hold a flat state_dict of
            tensors.
    """
    weights = handle_legacy_pretrained("mobilenet_v2", weights, kwargs, MobileNet_V2_Weights.IMAGENET1K_V1)
    path = resolve_weights("mobilenet_v2", weights, MobileNet_V2_Weights)
    return load_weights(MobileNetV2(**kwargs), path, "mobilenet_v2")
