"""arraygrad.vision.transforms: torchvision as the oracle for deterministic outputs (PIL and tensor
paths), the same numbers on every backend, and seeded randomness."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.vision import transforms as T
from arraygrad.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image", reason="arraygrad.vision needs Pillow for PIL images; pip install pillow")

TV_REASON = "torchvision is the oracle for transform outputs; pip install torchvision"

RNG = np.random.default_rng(0)
U8 = RNG.integers(0, 256, size=(3, 13, 17), dtype=np.uint8)
F32 = RNG.random((2, 3, 13, 17), dtype=np.float32)
PIL_RGB = Image.fromarray(np.ascontiguousarray(U8.transpose(1, 2, 0)))


def oracle() -> tuple[Any, Any]:
    """(torch, torchvision.transforms.functional), or a skip with the reason."""
    tv = pytest.importorskip("torchvision", reason=TV_REASON)
    import torch

    return torch, tv.transforms.functional


def assert_same(ours: Any, theirs: Any, atol: float = 0.0) -> None:
    """Same shape, dtype name and values (within ``atol``) for tensors; same mode and pixels for PIL."""
    if isinstance(theirs, Image.Image):
        assert isinstance(ours, Image.Image) and ours.mode == theirs.mode and ours.size == theirs.size
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
        return
    a, b = ours.numpy(), theirs.numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=0, atol=atol)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_tensor_matches_torchvision(mode: str, antialias: bool) -> None:
    torch, TF = oracle()
    ours_mode, their_mode = T.InterpolationMode(mode), TF.InterpolationMode(mode)
    for size in [(7, 9), (20, 31), 5, [6]]:
        assert_same(F.resize(ag.tensor(F32), size, ours_mode, antialias=antialias),
                    TF.resize(torch.tensor(F32), size, their_mode, antialias=antialias), atol=2e-6)
        # uint8 goes through float32 and is rounded back: rounding of a .5 may differ by one level
        assert_same(F.resize(ag.tensor(U8), size, ours_mode, antialias=antialias),
                    TF.resize(torch.tensor(U8), size, their_mode, antialias=antialias), atol=1)


def test_resize_size_rules() -> None:
    img = ag.zeros(1, 10, 20)
    assert tuple(F.resize(img, 5).shape) == (1, 5, 10)
    assert tuple(F.resize(img, 8, max_size=12).shape) == (1, 6, 12)
    assert F.resize(img, [10, 20]) is img
    assert tuple(T.Resize((3, 4))(ag.zeros(2, 2, 5, 5)).shape) == (2, 2, 3, 4)
    assert PIL_RGB.size == (17, 13) and T.Resize(26)(PIL_RGB).size == (34, 26)
    with pytest.raises(ValueError, match="max_size should only be passed if size specifies the length of the smaller"):
        F.resize(img, [3, 4], max_size=5)
    with pytest.raises(ValueError, match="max_size = 5 must be strictly greater than the requested"):
        F.resize(img, 6, max_size=5)
    with pytest.raises(TypeError, match="interpolation should be a InterpolationMode"):
        F.resize(img, 3, interpolation="bilinear")
    with pytest.raises(ValueError, match="tensor images support nearest, nearest-exact, bilinear and bicubic"):
        F.resize(img, 3, interpolation=T.InterpolationMode.LANCZOS)
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))


@pytest.mark.parametrize("angle", [90, 30, -45.5])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotate_tensor_matches_torchvision(angle: float, mode: str) -> None:
    torch, TF = oracle()
    for expand in (False, True):
        for fill in (None, [0.5, 0.2, 0.1]):
            assert_same(F.rotate(ag.tensor(F32), angle, T.InterpolationMode(mode), expand, None, fill),
                        TF.rotate(torch.tensor(F32), angle, TF.InterpolationMode(mode), expand, None, fill), atol=1e-4)
    assert_same(F.rotate(ag.tensor(U8), angle, T.InterpolationMode(mode), center=[3, 4]),
                TF.rotate(torch.tensor(U8), angle, TF.InterpolationMode(mode), center=[3, 4]), atol=1)


# 44 degrees, not 45: at 45 with an integer centre some source points fall exactly on a half pixel (y = 5.5),
# where float32 rounding noise alone picks the nearest neighbour, on either side, in both libraries
@pytest.mark.parametrize("args", [(30, [2, -3], 1.2, [10, 5]), (-12, [0, 0], 0.8, 7.0), (44, [1, 1], 1.0, [0.0])])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_affine_matches_torchvision(args: tuple[Any, ...], mode: str) -> None:
    torch, TF = oracle()
    ours, theirs = T.InterpolationMode(mode), TF.InterpolationMode(mode)
    for fill in (None, [0.3, 0.2, 0.1]):
        assert_same(F.affine(ag.tensor(F32), *args, ours, fill), TF.affine(torch.tensor(F32), *args, theirs, fill), atol=1e-5)
    assert_same(F.affine(ag.tensor(U8), *args, ours, center=[4, 6]), TF.affine(torch.tensor(U8), *args, theirs, center=[4, 6]),
                atol=1)
    assert_same(F.affine(PIL_RGB, *args, ours, 3), TF.affine(PIL_RGB, *args, theirs, 3))
    v = [1.0, 2.0, 3.0]
    assert_same(F.erase(ag.tensor(F32[0]), 1, 2, 3, 4, ag.tensor(v).reshape(3, 1, 1)),
                TF.erase(torch.tensor(F32[0]), 1, 2, 3, 4, torch.tensor(v).reshape(3, 1, 1)))


@pytest.mark.parametrize("fn, factor", [("adjust_brightness", 1.3), ("adjust_contrast", 0.6), ("adjust_saturation", 1.7),
                                        ("adjust_hue", 0.2), ("adjust_hue", -0.4), ("adjust_gamma", 0.7)])
def test_colour_adjustments_match_torchvision(fn: str, factor: float) -> None:
    torch, TF = oracle()
    assert_same(getattr(F, fn)(ag.tensor(F32), factor), getattr(TF, fn)(torch.tensor(F32), factor), atol=1e-5)
    assert_same(getattr(F, fn)(ag.tensor(U8), factor), getattr(TF, fn)(torch.tensor(U8), factor), atol=1)
    assert_same(getattr(F, fn)(PIL_RGB, factor), getattr(TF, fn)(PIL_RGB, factor))


def test_geometry_and_dtype_functions_match_torchvision() -> None:
    torch, TF = oracle()
    t, tt = ag.tensor(U8), torch.tensor(U8)
    assert_same(F.rgb_to_grayscale(t, 3), TF.rgb_to_grayscale(tt, 3))
    assert_same(F.rgb_to_grayscale(ag.tensor(F32)), TF.rgb_to_grayscale(torch.tensor(F32)), atol=1e-6)
    for mode in ("constant", "edge", "reflect", "symmetric"):
        assert_same(F.pad(t, [1, 2, 3, 4], 7, mode), TF.pad(tt, [1, 2, 3, 4], 7, mode))
        assert_same(F.pad(PIL_RGB, [2, 1], 9, mode), TF.pad(PIL_RGB, [2, 1], 9, mode))
    assert_same(F.pad(t, [-1, 2, 0, -3]), TF.pad(tt, [-1, 2, 0, -3]))
    for size in [(16, 20), (6, 5), 4]:
        assert_same(F.center_crop(t, size), TF.center_crop(tt, size))
        assert_same(F.center_crop(PIL_RGB, size), TF.center_crop(PIL_RGB, size))
    assert_same(F.crop(t, -2, 3, 8, 20), TF.crop(tt, -2, 3, 8, 20))
    assert_same(F.crop(PIL_RGB, 1, 2, 5, 6), TF.crop(PIL_RGB, 1, 2, 5, 6))
    assert_same(F.resized_crop(t, 1, 2, 9, 8, [4, 5]), TF.resized_crop(tt, 1, 2, 9, 8, [4, 5]), atol=1)
    assert_same(F.hflip(t), TF.hflip(tt))
    assert_same(F.vflip(PIL_RGB), TF.vflip(PIL_RGB))
    for dt, tdt in [("uint8", "uint8"), ("float64", "float64"), ("int16", "int16"), ("int32", "int32")]:
        assert_same(F.convert_image_dtype(t, getattr(ag, dt)), TF.convert_image_dtype(tt, getattr(torch, tdt)))
        if dt != "int32":
            assert_same(F.convert_image_dtype(ag.tensor(F32), getattr(ag, dt)),
                        TF.convert_image_dtype(torch.tensor(F32), getattr(torch, tdt)))
    big = ag.tensor(U8.astype(np.int32) * 1000)
    assert_same(F.convert_image_dtype(big, ag.uint8), TF.convert_image_dtype(torch.tensor(U8.astype(np.int32) * 1000),
                                                                             torch.uint8))


@pytest.mark.parametrize("fn, args", [("resize", ([7, 9],)), ("resize", (30, T.InterpolationMode.BICUBIC)),
                                      ("rotate", (30,)), ("rotate", (-20, T.InterpolationMode.BILINEAR, True)),
                                      ("to_grayscale", (3,)), ("to_grayscale", (1,)), ("hflip", ())])
def test_pil_path_matches_torchvision(fn: str, args: tuple[Any, ...]) -> None:
    _, TF = oracle()
    their_args = tuple(TF.InterpolationMode(a.value) if isinstance(a, T.InterpolationMode) else a for a in args)
    assert_same(getattr(F, fn)(PIL_RGB, *args), getattr(TF, fn)(PIL_RGB, *their_args))


@pytest.mark.parametrize("mode", ["RGB", "L", "1", "I", "F", "RGBA", "LA", "P", "I;16"])
def test_pil_to_tensor_conversions_match_torchvision(mode: str) -> None:
    _, TF = oracle()
    img = Image.fromarray(U8[0].astype(np.uint16) * 200) if mode == "I;16" else PIL_RGB.convert(mode)
    assert_same(F.to_tensor(img), TF.to_tensor(img))
    assert_same(T.ToTensor()(img), TF.to_tensor(img))
    assert_same(T.PILToTensor()(img), TF.pil_to_tensor(img))


@pytest.mark.parametrize("values", [F32[0], U8, F32[0, :1], U8[:2], U8[:1].astype(np.int16), U8[:1].astype(np.int32),
                                    np.concatenate([U8, U8[:1]])])
def test_to_pil_image_matches_torchvision(values: np.ndarray) -> None:
    torch, TF = oracle()
    assert_same(T.ToPILImage()(ag.tensor(values)), TF.to_pil_image(torch.tensor(values)))
    hwc = np.ascontiguousarray(np.moveaxis(values, 0, -1))
    assert_same(F.to_pil_image(hwc), TF.to_pil_image(hwc))


def test_pipeline_on_pil_matches_torchvision() -> None:
    tv = pytest.importorskip("torchvision", reason=TV_REASON)
    tvT = tv.transforms
    ours = T.Compose([T.Resize(20), T.CenterCrop(16), T.Grayscale(3), T.ToTensor(), T.Normalize([0.5] * 3, [0.25] * 3),
                      T.Pad(2, padding_mode="reflect")])
    theirs = tvT.Compose([tvT.Resize(20), tvT.CenterCrop(16), tvT.Grayscale(3), tvT.ToTensor(),
                          tvT.Normalize([0.5] * 3, [0.25] * 3), tvT.Pad(2, padding_mode="reflect")])
    assert_same(ours(PIL_RGB), theirs(PIL_RGB), atol=1e-6)
    dt_ours = T.Compose([T.PILToTensor(), T.ConvertImageDtype(ag.float32), T.Resize((5, 7), antialias=True)])
    dt_theirs = tvT.Compose([tvT.PILToTensor(), tvT.ConvertImageDtype(tv.transforms.functional.torch.float32),
                             tvT.Resize((5, 7), antialias=True)])
    assert_same(dt_ours(PIL_RGB), dt_theirs(PIL_RGB), atol=2e-6)


def test_tensor_path_agrees_with_pil() -> None:
    """Pillow as an oracle that needs no torchvision: the antialiased tensor resize is PIL's filter,
    and the colour adjustments blend as PIL's ImageEnhance does (uint8 rounding aside)."""
    pixels = F.pil_to_tensor(PIL_RGB)
    assert pixels.dtype == ag.uint8 and tuple(pixels.shape) == (3, 13, 17)
    np.testing.assert_array_equal(pixels.permute(1, 2, 0).numpy(), np.asarray(PIL_RGB))
    for mode in (T.InterpolationMode.BILINEAR, T.InterpolationMode.BICUBIC):
        for size in ([6, 8], [5, 30], [26, 9]):
            ours = F.resize(pixels, size, mode).numpy().astype(int)
            pil = F.pil_to_tensor(F.resize(PIL_RGB, size, mode)).numpy().astype(int)
            assert np.abs(ours - pil).max() <= 1, (mode, size)
    np.testing.assert_array_equal(F.rotate(pixels[:, :13, :13], 90).numpy(),
                                  F.pil_to_tensor(F.rotate(PIL_RGB.crop((0, 0, 13, 13)), 90)).numpy())
    np.testing.assert_array_equal(F.rotate(pixels[:, :13, :13], 90).numpy(), np.rot90(pixels[:, :13, :13].numpy(), 1, (1, 2)))
    for fn, factor in (("adjust_brightness", 0.7), ("adjust_contrast", 1.4), ("adjust_saturation", 0.3)):
        ours = getattr(F, fn)(pixels, factor).numpy().astype(int)
        pil = F.pil_to_tensor(getattr(F, fn)(PIL_RGB, factor)).numpy().astype(int)
        assert np.abs(ours - pil).max() <= 2, fn
    gray = F.rgb_to_grayscale(pixels).numpy().astype(int)
    assert np.abs(gray - F.pil_to_tensor(F.to_grayscale(PIL_RGB)).numpy().astype(int)).max() <= 1
    assert_same(F.to_pil_image(F.to_tensor(PIL_RGB)), PIL_RGB)
    assert_same(F.to_pil_image(pixels), PIL_RGB)
    np.testing.assert_allclose(F.to_tensor(PIL_RGB).numpy(), np.asarray(PIL_RGB).transpose(2, 0, 1) / np.float32(255), rtol=1e-6)


# ---------------------------------------------------------------------- every backend

def _deterministic_suite(x: ag.Tensor) -> list[ag.Tensor]:
    return [
        F.resize(x, [7, 9]),
        F.rotate(x, 33.0, T.InterpolationMode.BILINEAR, fill=[0.1, 0.2, 0.3]),
        F.adjust_hue(x, 0.3),
        F.adjust_contrast(x, 1.6),
        F.pad(x, [2, 1, 0, 3], padding_mode="symmetric"),
        F.convert_image_dtype(x, ag.uint8),
    ]


@pytest.mark.backends("strict", "jax", "cupy")
def test_tensor_transforms_give_the_same_numbers_on_every_backend(backend: str) -> None:
    ours = _deterministic_suite(ag.tensor(F32))
    with ag.use_backend("numpy"):
        reference = _deterministic_suite(ag.tensor(F32))
    for out, ref in zip(ours, reference):
        assert out.backend.name == backend and out.dtype == ref.dtype
        np.testing.assert_allclose(out.numpy().astype(np.float64), ref.numpy().astype(np.float64), rtol=1e-5, atol=1e-6)


def _random_pipeline() -> T.Compose:
    return T.Compose([T.RandomResizedCrop(8, scale=(0.3, 1.0)), T.RandomHorizontalFlip(), T.RandomVerticalFlip(),
                      T.RandomRotation(20), T.ColorJitter(0.4, 0.4), T.RandomCrop(6, padding=1),
                      T.RandomApply([T.Lambda(lambda t: t * 0.5)], p=0.5), T.RandomErasing(0.7)])


@pytest.mark.backends("numpy", "strict", "jax", "cupy")
def test_the_same_seed_augments_identically_on_every_backend(backend: str) -> None:
    ag.manual_seed(7)
    outs = [_random_pipeline()(ag.tensor(F32[0])) for _ in range(2)]
    with ag.use_backend("numpy"):
        ag.manual_seed(7)
        refs = [_random_pipeline()(ag.tensor(F32[0])) for _ in range(2)]
    for out, ref in zip(outs, refs):
        assert out.backend.name == backend
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(outs[0].numpy(), outs[1].numpy())


# ---------------------------------------------------------------------- random transforms

def test_random_transforms_are_seeded_and_work_on_pil() -> None:
    g1, g2 = ag.Generator().manual_seed(3), ag.Generator().manual_seed(3)
    crops = [T.RandomResizedCrop.get_params(PIL_RGB, (0.08, 1.0), (3 / 4, 4 / 3), g1) for _ in range(50)]
    assert crops == [T.RandomResizedCrop.get_params(ag.tensor(U8), (0.08, 1.0), (3 / 4, 4 / 3), g2) for _ in range(50)]
    for i, j, h, w in crops:
        assert 0 <= i <= 13 - h and 0 <= j <= 17 - w and h > 0 and w > 0
    assert len(set(crops)) > 40
    # impossible bounds: ten tries, then the central crop with the closest ratio
    assert T.RandomResizedCrop.get_params(ag.zeros(1, 10, 40), (0.9, 1.0), (1.0, 1.0)) == (0, 15, 10, 10)
    out = T.RandomResizedCrop((5, 6), generator=g1)(PIL_RGB)
    assert isinstance(out, Image.Image) and out.size == (6, 5)
    assert T.RandomCrop(4, padding=2, fill=(1, 2, 3))(PIL_RGB).size == (4, 4)
    angles = [T.RandomRotation.get_params([-10.0, 30.0], ag.Generator().manual_seed(s)) for s in range(200)]
    assert all(-10 <= a < 30 for a in angles) and max(angles) > 25 and min(angles) < -5
    assert T.RandomRotation(15, expand=True)(PIL_RGB).mode == "RGB"
    flips = [T.RandomVerticalFlip(0.3, generator=ag.Generator().manual_seed(s))(PIL_RGB) is not PIL_RGB for s in range(300)]
    assert abs(sum(flips) / 300 - 0.3) < 0.08
    jitter = T.ColorJitter(brightness=0.5, hue=0.2, generator=ag.Generator().manual_seed(0))
    order, b, c, s, h = T.ColorJitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue,
                                                 ag.Generator().manual_seed(0))
    assert sorted(order) == [0, 1, 2, 3] and 0.5 <= b < 1.5 and c is None and s is None and -0.2 <= h < 0.2
    expected = F.adjust_hue(F.adjust_brightness(PIL_RGB, b), h) if order.index(0) < order.index(3) else \
        F.adjust_brightness(F.adjust_hue(PIL_RGB, h), b)
    assert np.array_equal(np.asarray(jitter(PIL_RGB)), np.asarray(expected))


def test_random_affine_and_erasing() -> None:
    params = T.RandomAffine.get_params([-10.0, 10.0], (0.2, 0.1), (0.8, 1.2), [-5.0, 5.0, -3.0, 3.0], [17, 13],
                                       ag.Generator().manual_seed(1))
    angle, (tx, ty), scale, (sx, sy) = params
    assert -10 <= angle < 10 and abs(tx) <= 3.4 and abs(ty) <= 1.3 and 0.8 <= scale < 1.2 and abs(sx) < 5 and abs(sy) < 3
    g = ag.Generator().manual_seed(1)
    out = T.RandomAffine(10, (0.2, 0.1), (0.8, 1.2), (-5, 5, -3, 3), generator=g)(ag.tensor(U8))
    assert_same_np = np.testing.assert_array_equal
    assert_same_np(out.numpy(), F.affine(ag.tensor(U8), angle, [tx, ty], scale, [sx, sy], fill=[0.0] * 3).numpy())
    assert T.RandomAffine(20, shear=10)(PIL_RGB).size == PIL_RGB.size
    img = ag.ones(3, 20, 20)
    erased = T.RandomErasing(p=1.0, value=(0.0, 0.5, 1.0), generator=ag.Generator().manual_seed(0))(img)
    assert erased is not img and img.sum().item() == 1200
    changed = (erased != 1).any(dim=0).numpy()
    rows, cols = np.nonzero(changed)
    assert changed.sum() == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)  # one rectangle
    assert 0.02 * 400 <= changed.sum() <= 0.33 * 400 + 20
    assert erased[:, rows[0], cols[0]].tolist() == [0.0, 0.5, 1.0]
    noisy = T.RandomErasing(p=1.0, value="random", inplace=True)(img)
    assert noisy is img and (img != 1).any().item()
    assert T.RandomErasing(p=0.0)(img) is img
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="should have either a single value or 3"):
        T.RandomErasing(p=1.0, value=(1, 2))(img)
    with pytest.raises(TypeError, match="RandomErasing: img should be a Tensor image.*apply ToTensor first"):
        T.RandomErasing()(PIL_RGB)
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(2, 0))
    with pytest.raises(ValueError, match="If shear is a sequence, it must be of len 2 or 4"):
        T.RandomAffine(0, shear=(1, 2, 3))
    with pytest.raises(ValueError, match="Argument scale should be positive"):
        F.affine(ag.tensor(U8), 0, [0, 0], 0.0, 0)


def test_random_rotation_default_fill_and_repr() -> None:
    img = ag.ones(3, 9, 9)
    out = T.RandomRotation((45, 45), generator=ag.Generator().manual_seed(0))(img)
    assert out[:, 0, 0].tolist() == [0.0, 0.0, 0.0] and out[:, 4, 4].tolist() == [1.0, 1.0, 1.0]
    out = T.RandomRotation((45, 45), fill=(0.5, 0.25, 1.0))(img)
    assert out[:, 0, 0].tolist() == [0.5, 0.25, 1.0]
    assert repr(T.Resize(3)) == "Resize(size=3, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.ColorJitter(0.5)) == "ColorJitter(brightness=(0.5, 1.5), contrast=None, saturation=None, hue=None)"
    assert repr(T.CenterCrop(4)) == "CenterCrop(size=(4, 4))"
    assert T.Lambda(str).forward(3) == "3"


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(TypeError, match="contrast should be a single number or a list/tuple with length 2"):
        T.ColorJitter(contrast="x")
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match=r"brightness_factor \(-1\) is not non-negative"):
        F.adjust_brightness(ag.zeros(3, 2, 2), -1)
    with pytest.raises(ValueError, match=r"hue_factor \(0\.9\) is not in \[-0\.5, 0\.5\]"):
        F.adjust_hue(PIL_RGB, 0.9)
    with pytest.raises(TypeError, match="permitted channel values are \\[1, 3\\], but found 2"):
        F.adjust_contrast(ag.zeros(2, 3, 3), 0.5)
    with pytest.raises(ValueError, match="tensor images support nearest and bilinear"):
        F.rotate(ag.zeros(1, 3, 3), 10, T.InterpolationMode.BICUBIC)
    with pytest.raises(RuntimeError, match="The cast from arraygrad.float32 to arraygrad.int64 cannot be performed safely"):
        F.convert_image_dtype(ag.zeros(1, 2, 2), ag.int64)
    with pytest.raises(TypeError, match="hflip: img should be PIL Image or Tensor.*apply ToTensor first"):
        F.hflip(U8)
    with pytest.raises(TypeError, match="pic should be PIL Image. Got"):
        F.pil_to_tensor(ag.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 5 channels"):
        F.to_pil_image(ag.zeros(5, 2, 2))
    with pytest.raises(TypeError, match="Input type arraygrad.int64 is not supported"):
        F.to_pil_image(ag.zeros(1, 2, 2, dtype=ag.int64))
    with pytest.raises(ValueError, match=r"Incorrect mode \(L\) supplied for input type arraygrad.int32. Should be I"):
        F.to_pil_image(ag.zeros(1, 2, 2, dtype=ag.int32), mode="L")
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple"):
        F.pad(ag.zeros(1, 2, 2), (1, 2, 3))
    with pytest.raises(ValueError, match=r"Required crop size \(20, 20\) is larger than input image size \(13, 17\)"):
        T.RandomCrop(20)(PIL_RGB)


def test_data_transforms_is_an_alias() -> None:
    from arraygrad.data import transforms as old

    assert old.Compose is T.Compose and old.RandomCrop is T.RandomCrop and old.functional is F
    assert set(T.__all__) <= set(dir(old))
