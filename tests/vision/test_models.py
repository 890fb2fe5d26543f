"""arraygrad.vision.models: state_dict keys/shapes and logits against torchvision, weights loading,
initialisation schemes, and errors.

torchvision is the oracle: a randomly initialised torchvision model is exported with
``safetensors.torch.save_file`` and loaded with ``weights=path`` (``strict=True``); the logits must
agree within float32 tolerance. Tests that need torchvision skip (with the reason) where it is absent.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.vision import models

TV_REASON = "torchvision is the oracle for model weights/logits; pip install torchvision"


def _torchvision() -> Any:
    return pytest.importorskip("torchvision", reason=TV_REASON)


@pytest.fixture
def skip_random_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``nn.init.uniform_``/``normal_`` leave tensors as allocated.

    Used where the values do not matter -- keys and shapes, or models whose every value is then
    loaded from a file -- because drawing VGG's 130 M initial values takes ~30 s.
    """
    monkeypatch.setattr(nn.init, "uniform_", lambda tensor, *args, **kwargs: tensor)
    monkeypatch.setattr(nn.init, "normal_", lambda tensor, *args, **kwargs: tensor)


def _layout(state: Any) -> list[tuple[str, tuple[int, ...], str]]:
    return [(k, tuple(v.shape), str(v.dtype).rsplit(".", 1)[-1]) for k, v in state.items()]


# ------------------------------------------------------------------------------- keys and shapes

KEY_CASES = [
    ("alexnet", {}), ("vgg11", {}), ("vgg11_bn", {}), ("vgg13", {}), ("vgg13_bn", {}), ("vgg16", {}),
    ("vgg16_bn", {}), ("vgg19", {}), ("vgg19_bn", {}), ("resnet18", {}), ("resnet34", {}), ("resnet50", {}),
    ("resnet101", {}), ("resnext50_32x4d", {}), ("wide_resnet50_2", {}), ("mobilenet_v2", {}),
    ("mobilenet_v2", {"width_mult": 0.5}), ("mobilenet_v2", {"width_mult": 1.4, "num_classes": 7}),
    ("resnet18", {"num_classes": 10, "zero_init_residual": True}), ("vgg16", {"num_classes": 3, "dropout": 0.1}),
]


@pytest.mark.parametrize(("name", "kwargs"), KEY_CASES, ids=[f"{n}-{k}" if k else n for n, k in KEY_CASES])
def test_state_dict_keys_shapes_dtypes_and_repr_match_torchvision(name: str, kwargs: dict[str, Any],
                                                                   skip_random_fill: None) -> None:
    torchvision = _torchvision()
    import torch

    with torch.device("meta"):  # shapes only: nothing allocated or initialised
        expected = getattr(torchvision.models, name)(**kwargs)
    model = getattr(models, name)(**kwargs)
    assert _layout(model.state_dict()) == _layout(expected.state_dict())
    assert repr(model) == repr(expected)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in expected.parameters())


def test_resnet_with_group_norm_layer_matches_torchvision_keys() -> None:
    torchvision = _torchvision()
    import torch

    with torch.device("meta"):
        expected = torchvision.models.resnet18(norm_layer=lambda c: torch.nn.GroupNorm(2, c), num_classes=5)
    model = models.resnet18(norm_layer=lambda c: nn.GroupNorm(2, c), num_classes=5)
    assert _layout(model.state_dict()) == _layout(expected.state_dict())


def test_builder_names_match_torchvision() -> None:
    torchvision = _torchvision()
    ours = set(models.list_models()) - {"lenet5"}
    assert ours <= set(torchvision.models.list_models())
    for name in ours:
        weights = models.get_model_weights(name)
        expected = torchvision.models.get_model_weights(name)
        assert weights.__name__ == expected.__name__
        assert list(weights.__members__) == list(expected.__members__)
        for member in weights:
            assert member.url == expected[member.name].url
            assert member.meta["num_params"] == expected[member.name].meta["num_params"]
            assert repr(member.transforms()) == repr(expected[member.name].transforms())


@pytest.mark.parametrize("weights", ["ResNet50_Weights.IMAGENET1K_V2", "VGG16_Weights.IMAGENET1K_FEATURES"])
def test_weights_transforms_match_torchvision(weights: str) -> None:
    """``weights.transforms()``: resize, center crop, scale and normalize as torchvision's preset."""
    torchvision = _torchvision()
    import torch
    from PIL import Image

    expected_preset, preset = torchvision.models.get_weight(weights).transforms(), models.get_weight(weights).transforms()
    pixels = np.random.default_rng(0).integers(0, 256, (250, 240, 3)).astype(np.uint8)
    image = Image.fromarray(pixels)
    np.testing.assert_allclose(preset(image).numpy(), expected_preset(image).numpy(), rtol=1e-6, atol=1e-5)
    batch = np.random.default_rng(1).random((2, 3, 240, 250)).astype(np.float32)
    expected = expected_preset(torch.from_numpy(batch)).numpy()
    actual = preset(ag.tensor(batch)).numpy()
    assert actual.shape == expected.shape == (2, 3, 224, 224)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


# ------------------------------------------------------------------------------- logits

def _random_torch_model(torchvision: Any, name: str, **kwargs: Any) -> Any:
    """A torchvision model with its own random init plus random norm statistics and affine parameters
    (so that eval-mode batch norm is not the identity)."""
    import torch

    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(**kwargs)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.num_batches_tracked.fill_(7)
    return model


def _export(model: Any, path: Path) -> Path:
    import safetensors.torch

    safetensors.torch.save_file(model.state_dict(), str(path))
    return path


def _images(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


LOGIT_CASES = [
    ("resnet18", {"num_classes": 10}, 32),
    ("resnet50", {"num_classes": 10}, 32),
    ("mobilenet_v2", {"num_classes": 10}, 32),
    ("alexnet", {"num_classes": 10}, 64),
    ("vgg11", {}, 32),
]


@pytest.mark.parametrize(("name", "kwargs", "size"), LOGIT_CASES, ids=[c[0] for c in LOGIT_CASES])
def test_eval_logits_match_torchvision_after_loading_its_weights(name: str, kwargs: dict[str, Any], size: int,
                                                                 tmp_path: Path, skip_random_fill: None) -> None:
    torchvision = _torchvision()
    import torch

    expected_model = _random_torch_model(torchvision, name, **kwargs).eval()
    model = getattr(models, name)(weights=_export(expected_model, tmp_path / f"{name}.safetensors"), **kwargs).eval()
    state, expected_state = model.state_dict(), expected_model.state_dict()
    for key in [k for k in expected_state if k.endswith(("running_var", "num_batches_tracked"))][-2:]:
        np.testing.assert_array_equal(state[key].numpy(), expected_state[key].numpy(), err_msg=key)
    x = _images((2, 3, size, size))
    with torch.no_grad():
        expected = expected_model(torch.from_numpy(x)).numpy()
    with ag.no_grad():
        actual = model(ag.tensor(x)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_resnet18_training_step_matches_torchvision(tmp_path: Path) -> None:
    """Train mode: batch statistics, the running-stat update and the gradients equal torchvision's."""
    torchvision = _torchvision()
    import torch

    expected_model = _random_torch_model(torchvision, "resnet18", num_classes=4)
    model = models.resnet18(weights=_export(expected_model, tmp_path / "r18.safetensors"), num_classes=4)
    x, y = _images((4, 3, 32, 32), seed=1), np.array([0, 3, 1, 2])
    expected_loss = torch.nn.functional.cross_entropy(expected_model(torch.from_numpy(x)), torch.from_numpy(y))
    expected_loss.backward()
    loss = nn.functional.cross_entropy(model(ag.tensor(x)), ag.tensor(y))
    loss.backward()
    np.testing.assert_allclose(loss.item(), expected_loss.item(), rtol=1e-5)
    for key in ("layer1.0.bn1.running_mean", "layer4.1.bn2.running_var", "bn1.num_batches_tracked"):
        np.testing.assert_allclose(model.state_dict()[key].numpy(), expected_model.state_dict()[key].numpy(),
                                   rtol=1e-4, atol=1e-6, err_msg=key)
    grads = dict(expected_model.named_parameters())
    for key in ("conv1.weight", "layer2.0.downsample.0.weight", "layer3.1.bn2.weight", "fc.weight"):
        expected_grad = grads[key].grad.numpy()
        actual_grad = dict(model.named_parameters())[key].grad.detach().numpy()
        np.testing.assert_allclose(actual_grad, expected_grad, rtol=1e-3, atol=1e-4 * np.abs(expected_grad).max(),
                                   err_msg=key)


def test_weights_from_a_torch_save_checkpoint_load_too(tmp_path: Path) -> None:
    """A ``torch.save``'d state_dict (as torchvision caches its downloads) is accepted as well."""
    torch = pytest.importorskip("torch", reason="torch writes the checkpoint of this test")
    source = models.mobilenet_v2(width_mult=0.25, num_classes=3)
    torch.save({k: torch.from_numpy(v.numpy().copy()) for k, v in source.state_dict().items()}, tmp_path / "m.pth")
    model = models.mobilenet_v2(weights=tmp_path / "m.pth", width_mult=0.25, num_classes=3)
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[key].numpy(), value.numpy(), err_msg=key)


# ------------------------------------------------------------------------------- LeNet-5

def _torch_lenet(padding: int) -> Any:
    torch = pytest.importorskip("torch", reason="torch is the oracle of the LeNet-5 layout")
    tnn = torch.nn
    model = tnn.Module()
    model.features = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=padding), tnn.Tanh(), tnn.MaxPool2d(2),
                                    tnn.Conv2d(6, 16, 5), tnn.Tanh(), tnn.MaxPool2d(2))
    model.classifier = tnn.Sequential(tnn.Flatten(), tnn.Linear(400, 120), tnn.Tanh(), tnn.Linear(120, 84), tnn.Tanh(),
                                      tnn.Linear(84, 10))
    return model


@pytest.mark.parametrize(("padding", "size"), [(0, 32), (2, 28)])
def test_lenet5_matches_the_classic_layout(padding: int, size: int, tmp_path: Path) -> None:
    import torch

    expected_model = _torch_lenet(padding)
    model = models.lenet5(padding=padding, weights=_export(expected_model, tmp_path / "lenet.safetensors"))
    assert _layout(model.state_dict()) == _layout(expected_model.state_dict())
    x = _images((3, 1, size, size))
    with torch.no_grad():
        expected = expected_model.classifier(expected_model.features(torch.from_numpy(x))).numpy()
    np.testing.assert_allclose(model(ag.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_lenet5_rejects_images_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match=r"LeNet5: expected 32x32 images \(padding=0\).*\(2, 1, 28, 28\)"):
        models.LeNet5()(ag.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="padding"):
        models.LeNet5(padding=-1)


# ------------------------------------------------------------------------------- weights=

def test_weights_path_round_trip_and_pretrained_path(tmp_path: Path) -> None:
    ag.manual_seed(1)
    source = models.resnet18(width=8, num_classes=3)
    path = tmp_path / "r.safetensors"
    ag.save(source.state_dict(), path)
    for model in (models.resnet18(weights=str(path), width=8, num_classes=3),
                  models.get_model("resnet18", weights=path, width=8, num_classes=3)):
        for key, value in source.state_dict().items():
            np.testing.assert_array_equal(model.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        model = models.resnet18(pretrained=path, width=8, num_classes=3)
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), source.fc.weight.detach().numpy())


def test_weights_file_of_another_architecture_fails_strictly(tmp_path: Path) -> None:
    path = tmp_path / "r.safetensors"
    ag.save(models.resnet18(width=8, num_classes=3).state_dict(), path)
    with pytest.raises(RuntimeError, match="layer1.2"):  # resnet34 has a third block in layer1
        models.resnet34(weights=path, width=8, num_classes=3)
    with pytest.raises(RuntimeError, match="size mismatch"):
        models.resnet18(weights=path, width=8, num_classes=4)


@pytest.mark.parametrize("weights", ["DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.IMAGENET1K_V1",
                                     models.ResNet18_Weights.DEFAULT, models.ResNet18_Weights.IMAGENET1K_V1])
def test_torchvision_weights_names_explain_how_to_export(weights: Any) -> None:
    with pytest.raises(RuntimeError) as info:
        models.resnet18(weights=weights)
    message = str(info.value)
    assert "does not download" in message
    assert "safetensors.torch.save_file(model.state_dict(), 'resnet18.safetensors')" in message
    assert "torchvision.models.resnet18(weights='ResNet18_Weights.IMAGENET1K_V1')" in message
    assert "resnet18-f37072fd.pth" in message


def test_pretrained_true_and_false_follow_torchvision() -> None:
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"), pytest.raises(RuntimeError, match="VGG11_Weights"):
        models.vgg11(pretrained=True)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        model = models.mobilenet_v2(pretrained=False, width_mult=0.25)
    assert isinstance(model, models.MobileNetV2)
    with pytest.raises(ValueError, match="No weights available for model lenet5"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models.lenet5(pretrained=True)


def test_bad_weights_arguments_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"resnet18\(weights='.*nope.safetensors'\): no such file"):
        models.resnet18(weights=tmp_path / "nope.safetensors")
    with pytest.raises(TypeError, match="weights must be None, a path"):
        models.alexnet(weights=3)
    with pytest.raises(TypeError, match="expected AlexNet_Weights"):
        models.alexnet(weights=models.ResNet18_Weights.DEFAULT)
    ag.save({"w": ag.zeros(2), "nested": {"x": 1}}, tmp_path / "odd.safetensors")
    with pytest.raises(ValueError, match="flat state_dict"):
        models.lenet5(weights=tmp_path / "odd.safetensors")


def test_weights_enums_behave_like_torchvisions() -> None:
    weights = models.ResNet50_Weights
    assert weights.DEFAULT is weights.IMAGENET1K_V2
    assert weights.verify("IMAGENET1K_V1") is weights.IMAGENET1K_V1
    assert weights.verify("ResNet50_Weights.DEFAULT") is weights.IMAGENET1K_V2
    assert weights.verify(None) is None
    assert repr(weights.IMAGENET1K_V1) == "ResNet50_Weights.IMAGENET1K_V1"
    assert weights.IMAGENET1K_V2.meta["num_params"] == 25557032
    assert models.get_weight("VGG16_Weights.IMAGENET1K_FEATURES").meta["num_classes"] is None
    assert models.get_model_weights(models.vgg11_bn) is models.VGG11_BN_Weights
    with pytest.raises(TypeError, match="expected ResNet50_Weights"):
        weights.verify(models.ResNet18_Weights.DEFAULT)
    with pytest.raises(RuntimeError, match="does not download"):
        weights.DEFAULT.get_state_dict(progress=False)
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model("resnet9000")
    assert models.list_models(include="vgg1[19]*") == ["vgg11", "vgg11_bn", "vgg19", "vgg19_bn"]
    assert models.list_models(include="resnet*", exclude="*50") == ["resnet101", "resnet152", "resnet18", "resnet34"]
    assert models.list_models(module=models) == models.list_models()


# ------------------------------------------------------------------------------- init schemes

def test_resnet_init_follows_torchvision() -> None:
    ag.manual_seed(0)
    model = models.resnet18(width=16, num_classes=5)
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            fan_out = module.weight.shape[0] * math.prod(module.weight.shape[2:])
            std = float(module.weight.std().item())
            assert abs(std / math.sqrt(2.0 / fan_out) - 1) < 0.15, (name, std)  # kaiming normal, fan_out, relu
            assert abs(float(module.weight.mean().item())) < 0.2 * std, name
        elif isinstance(module, nn.BatchNorm2d):
            np.testing.assert_array_equal(module.weight.detach().numpy(), 1)
            np.testing.assert_array_equal(module.bias.detach().numpy(), 0)
    bound = 1 / math.sqrt(128)  # fc keeps PyTorch's Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert float(model.fc.weight.abs().max().item()) <= bound
    assert float(model.fc.weight.abs().max().item()) > 0.9 * bound
    zero = models.resnet18(width=8, zero_init_residual=True)
    assert all(float(b.bn2.weight.abs().sum().item()) == 0 for layer in (zero.layer1, zero.layer4) for b in layer)
    assert float(zero.layer1[0].bn1.weight.sum().item()) == 8
    bottleneck = models.resnet50(width=8, zero_init_residual=True)
    assert float(bottleneck.layer2[0].bn3.weight.abs().sum().item()) == 0


def test_vgg_and_mobilenet_init_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """VGG: conv kaiming-normal fan_out (relu gain), linear N(0, 0.01); MobileNetV2: conv kaiming-normal
    fan_out (leaky_relu gain, a=0), linear N(0, 0.01). Recorded instead of drawn (130 M values)."""
    calls: list[tuple[tuple[int, ...], float, float]] = []

    def record(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> ag.Tensor:
        calls.append((tuple(tensor.shape), mean, std))
        return tensor

    monkeypatch.setattr(nn.init, "normal_", record)
    monkeypatch.setattr(nn.init, "uniform_", lambda tensor, *args, **kwargs: tensor)
    model = models.vgg11_bn(num_classes=10)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    expected = [(tuple(c.weight.shape), 0.0, math.sqrt(2.0) / math.sqrt(c.weight.shape[0] * 9)) for c in convs]
    expected += [(tuple(lin.weight.shape), 0, 0.01) for lin in linears]
    assert [c[0] for c in calls] == [e[0] for e in expected]
    assert [c[1] for c in calls] == [e[1] for e in expected]
    assert [c[2] for c in calls] == pytest.approx([e[2] for e in expected])
    assert all(float(c.bias.abs().sum().item()) == 0 for c in convs)
    assert all(float(lin.bias.abs().sum().item()) == 0 for lin in linears)
    calls.clear()
    assert models.vgg11(init_weights=False) is not None and calls == []
    mobile = models.mobilenet_v2(width_mult=0.25)
    conv_calls = [c for c in calls if len(c[0]) == 4]
    first = mobile.features[0][0].weight
    assert conv_calls[0][0] == tuple(first.shape)
    assert conv_calls[0][2] == pytest.approx(math.sqrt(2.0) / math.sqrt(first.shape[0] * 9))
    assert calls[-1] == (tuple(mobile.classifier[1].weight.shape), 0, 0.01)


def test_same_seed_same_model_on_numpy_and_strict() -> None:
    """The init draws from arraygrad's generator: the same seed gives the same model on each backend
    (jax draws the same bits too; it is left out here because its eager first calls take ~10 s)."""
    if ag.backends.available()["strict"] is not None:
        pytest.skip(f"strict: {ag.backends.available()['strict']}")
    states = {}
    for name in ("numpy", "strict"):
        with ag.use_backend(name):
            ag.manual_seed(3)
            states[name] = {k: v.numpy() for k, v in models.resnet18(width=4, num_classes=2).state_dict().items()}
    for key, value in states["numpy"].items():
        np.testing.assert_allclose(states["strict"][key], value, rtol=1e-6, atol=1e-7, err_msg=key)
    ag.manual_seed(4)
    other = models.resnet18(width=4, num_classes=2).state_dict()
    assert not np.allclose(other["conv1.weight"].numpy(), states["numpy"]["conv1.weight"])


@pytest.mark.backends("numpy", "strict")
def test_forward_and_backward_on_each_backend(backend: str) -> None:
    ag.manual_seed(0)
    model = models.resnet18(width=4, num_classes=3)
    x = ag.tensor(_images((2, 3, 16, 16)))
    loss = model(x).logsumexp(1).sum()
    loss.backward()
    assert model.conv1.weight.grad is not None and model.conv1.weight.grad.shape == model.conv1.weight.shape
    with ag.use_backend("numpy"):
        ag.manual_seed(0)
        reference = models.resnet18(width=4, num_classes=3)
        expected = reference(ag.tensor(_images((2, 3, 16, 16))))
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------- argument errors

def test_architecture_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        models.resnet18(width_per_group=32)
    with pytest.raises(ValueError, match="expected value 32 but got 4"):
        models.resnext50_32x4d(groups=4)
    with pytest.raises(ValueError, match="width must be a positive int"):
        models.resnet18(width=0)
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None or a 3-element tuple"):
        models.resnet50(width=8, replace_stride_with_dilation=[True])
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        models.resnet18(width=8, replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match="inverted_residual_setting should be non-empty"):
        models.mobilenet_v2(inverted_residual_setting=[])
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        models.mobilenetv2.InvertedResidual(8, 8, stride=3, expand_ratio=1)
    with pytest.raises(ValueError, match="cfg entries must be positive ints or 'M'"):
        models.vgg.make_layers([8, "X"])


def test_dilated_resnet50_output_stride() -> None:
    model = models.resnet50(width=4, num_classes=2, replace_stride_with_dilation=[False, True, True]).eval()
    x = ag.zeros(1, 3, 32, 32)
    stem = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    assert tuple(model.layer4(model.layer3(model.layer2(model.layer1(stem)))).shape) == (1, 128, 4, 4)
    # as torchvision: a stage's first block keeps the previous dilation, the others get the new one
    assert (model.layer3[0].conv2.dilation, model.layer3[1].conv2.dilation) == ((1, 1), (2, 2))
    assert (model.layer4[0].conv2.dilation, model.layer4[1].conv2.dilation) == ((2, 2), (4, 4))
