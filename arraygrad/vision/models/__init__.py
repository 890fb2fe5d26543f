"""``arraygrad.vision.models``: torchvision's classification models with identical ``state_dict`` keys.

LeNet-5, AlexNet, VGG 11/13/16/19 (``_bn`` variants too), ResNet 18/34/50/101/152, ResNeXt, Wide
ResNet and MobileNetV2, with torchvision's class names, builder names, constructor arguments and
initialisation schemes (drawn from arraygrad's seeded generator, so the same seed gives the same
model on every backend). A torchvision model's weights, exported with
``safetensors.torch.save_file(model.state_dict(), path)``, load with ``strict=True`` through
``weights=path`` and give the same logits. Nothing is downloaded: torchvision's weights enums
(``ResNet18_Weights.DEFAULT`` ...) exist, and passing one raises an error explaining the export.
"""

from arraygrad.vision.models._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from arraygrad.vision.models.alexnet import AlexNet, AlexNet_Weights, alexnet
from arraygrad.vision.models.lenet import LeNet5, lenet5
from arraygrad.vision.models.mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from arraygrad.vision.models.resnet import (
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    ResNet101_Weights,
    ResNet152_Weights,
    ResNeXt50_32X4D_Weights,
    ResNeXt101_32X8D_Weights,
    ResNeXt101_64X4D_Weights,
    Wide_ResNet50_2_Weights,
    Wide_ResNet101_2_Weights,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    resnext101_32x8d,
    resnext101_64x4d,
    wide_resnet50_2,
    wide_resnet101_2,
)
from arraygrad.vision.models.vgg import (
    VGG,
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG13_BN_Weights,
    VGG13_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    VGG19_BN_Weights,
    VGG19_Weights,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

__all__ = [
    "Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models",
    "LeNet5", "lenet5", "AlexNet", "AlexNet_Weights", "alexnet", "MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2",
    "ResNet", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
    "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights",
    "Wide_ResNet101_2_Weights", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
    "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2", "VGG", "VGG11_Weights",
    "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
    "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
]
