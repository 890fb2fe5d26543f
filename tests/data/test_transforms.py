"""Image transforms against the same computation written with torch (torchvision is not a dependency)."""

from __future__ import annotations

import gc
import multiprocessing
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import DataLoader, Dataset
from arraygrad.data.transforms import Compose, Lambda, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor
from tests.helpers import assert_close

# NOTE: jax (XLA) turns x / 255 into x * (1 / 255): float32 results can differ by one ulp there
ULP = {"jax": 2e-7}

IMAGE = np.random.default_rng(0).integers(0, 256, size=(4, 5, 3), dtype=np.uint8)


class FakePILImage:
    """What PIL.Image exposes to numpy: ``__array_interface__`` with the pixel bytes."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    @property
    def __array_interface__(self) -> dict[str, Any]:
        return {"shape": self._array.shape, "typestr": self._array.dtype.str, "version": 3,
                "data": self._array.tobytes()}


def test_to_tensor_scales_uint8_hwc_to_chw(backend: str, torch: Any) -> None:
    out = ToTensor()(IMAGE)
    expected = torch.from_numpy(IMAGE).permute(2, 0, 1).float().div(255)
    assert out.backend.name == backend and out.dtype == ag.float32 and tuple(out.shape) == (3, 4, 5)
    assert_close(out, expected, rtol=ULP.get(backend, 0), atol=0)


def test_to_tensor_grayscale_pil_like_and_other_dtypes(torch: Any) -> None:
    gray = IMAGE[..., 0]
    assert tuple(ToTensor()(gray).shape) == (1, 4, 5)
    assert_close(ToTensor()(FakePILImage(IMAGE)), ToTensor()(IMAGE), rtol=0, atol=0)
    assert_close(ToTensor()(FakePILImage(gray)), ToTensor()(gray), rtol=0, atol=0)
    floats = IMAGE.astype(np.float64) * 3
    out = ToTensor()(floats)  # not uint8: values and dtype are kept (torchvision does the same)
    assert out.dtype == ag.float64
    assert_close(out, torch.from_numpy(floats).permute(2, 0, 1), rtol=0, atol=0)
    assert_close(ToTensor()(FakePILImage(floats.astype(np.float32))), ToTensor()(floats.astype(np.float32)))


def test_to_tensor_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        ToTensor()([[1, 2]])
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        ToTensor()(ag.zeros(3, 2, 2))


def test_normalize_matches_torch(backend: str, torch: Any) -> None:
    img = ToTensor()(IMAGE)
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    t = torch.from_numpy(IMAGE).permute(2, 0, 1).float().div(255)
    expected = (t - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    out = Normalize(mean, std)(img)
    assert_close(out, expected, rtol=1e-6, atol=1e-6)
    assert_close(img, t, rtol=ULP.get(backend, 0), atol=0)  # not in place
    batch = ag.stack([img, img])  # (..., C, H, W) works too
    assert_close(Normalize(mean, std)(batch)[1], expected, rtol=1e-6, atol=1e-6)
    same = Normalize(mean, std, inplace=True)(img)
    assert same is img
    assert_close(img, expected, rtol=1e-6, atol=1e-6)


def test_normalize_errors() -> None:
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        Normalize([0.5], [0.5])(ag.zeros(1, 2, 2, dtype=ag.uint8))
    with pytest.raises(ValueError, match="Expected tensor to be a tensor image of size"):
        Normalize([0.5], [0.5])(ag.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        Normalize([0.5, 0.5], [1.0, 0.0])(ag.zeros(2, 2, 2))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        Normalize([0.5], [0.5])(IMAGE)


def test_random_horizontal_flip(backend: str) -> None:
    img = ag.arange(12, dtype=ag.float32).reshape(1, 3, 4)
    assert RandomHorizontalFlip(p=1.0)(img).tolist() == img.flip(-1).tolist()
    assert RandomHorizontalFlip(p=0.0)(img) is img
    flips = [RandomHorizontalFlip(0.3, generator=ag.Generator().manual_seed(s))(img) is not img for s in range(400)]
    assert abs(sum(flips) / 400 - 0.3) < 0.08
    g1, g2 = ag.Generator().manual_seed(4), ag.Generator().manual_seed(4)
    assert [RandomHorizontalFlip(generator=g1)(img) is img for _ in range(20)] == [
        RandomHorizontalFlip(generator=g2)(img) is img for _ in range(20)]
    with pytest.raises(TypeError, match="apply ToTensor first"):
        RandomHorizontalFlip()(IMAGE)


def _find_window(out: np.ndarray, padded: np.ndarray) -> list[tuple[int, int]]:
    h, w = out.shape[-2:]
    return [(i, j) for i in range(padded.shape[-2] - h + 1) for j in range(padded.shape[-1] - w + 1)
            if np.array_equal(padded[..., i:i + h, j:j + w], out)]


@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")])
def test_random_crop_is_a_window_of_the_padded_image(torch: Any, mode: str, torch_mode: str) -> None:
    data = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6) + 1
    padded = torch.nn.functional.pad(torch.from_numpy(data)[None], (2, 1, 3, 0), mode=torch_mode,
                                     **({"value": -1.0} if mode == "constant" else {}))[0].numpy()
    crop = RandomCrop((4, 5), padding=(2, 3, 1, 0), fill=-1, padding_mode=mode, generator=ag.Generator().manual_seed(0))
    positions = set()
    for _ in range(30):
        out = crop(ag.tensor(data)).numpy()
        assert out.shape == (2, 4, 5)
        found = _find_window(out, padded)
        assert found, "the crop is not a window of the padded image"
        positions.add(found[0])
    assert len(positions) > 5  # the position varies


def test_random_crop_symmetric_padding_matches_numpy() -> None:
    data = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    out = RandomCrop((7, 6), padding=(1, 2), padding_mode="symmetric")(ag.tensor(data))
    np.testing.assert_array_equal(out.numpy(), np.pad(data, ((0, 0), (2, 2), (1, 1)), mode="symmetric"))


def test_random_crop_seeded_pad_if_needed_and_errors() -> None:
    img = ag.arange(64, dtype=ag.float32).reshape(1, 8, 8)
    a = [RandomCrop(3, generator=ag.Generator().manual_seed(1))(img).tolist() for _ in range(2)]
    b = RandomCrop(3, generator=ag.Generator().manual_seed(1))(img).tolist()
    assert a[0] == a[1] == b
    small = ag.ones(1, 2, 3)
    out = RandomCrop((4, 5), pad_if_needed=True, fill=0)(small)
    assert tuple(out.shape) == (1, 4, 5) and out.sum().item() == 6.0
    assert RandomCrop((8, 8))(img).tolist() == img.tolist()
    with pytest.raises(ValueError, match=r"Required crop size \(9, 9\) is larger than input image size \(8, 8\)"):
        RandomCrop(9)(img)
    with pytest.raises(ValueError, match="Padding mode should be either"):
        RandomCrop(3, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple"):
        RandomCrop(3, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="Please provide only two dimensions"):
        RandomCrop((1, 2, 3))


def test_compose_lambda_and_repr() -> None:
    pipeline = Compose([ToTensor(), Lambda(lambda t: t * 2), Normalize([1.0], [2.0])])
    out = pipeline(np.full((2, 2), 255, np.uint8))
    assert out.tolist() == [[[0.5, 0.5], [0.5, 0.5]]]  # (1 * 2 - 1) / 2
    assert repr(pipeline) == "Compose(\n    ToTensor()\n    Lambda()\n    Normalize(mean=[1.0], std=[2.0])\n)"
    assert repr(RandomCrop(3, padding=1)) == "RandomCrop(size=(3, 3), padding=1)"
    assert repr(RandomHorizontalFlip(0.25)) == "RandomHorizontalFlip(p=0.25)"
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        Lambda(3)  # type: ignore[arg-type]


class FlipDecisions(Dataset):
    """Applies a random flip (default generator) and reports whether it happened."""

    def __len__(self) -> int:
        return 32

    def __getitem__(self, i: int) -> tuple[int, bool]:
        from arraygrad.data import get_worker_info

        img = ag.zeros(1, 2, 2)
        return get_worker_info().id, RandomHorizontalFlip()(img) is not img


@pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")
def test_random_transforms_in_workers_differ_per_worker_and_repeat_per_seed() -> None:
    def run() -> list[tuple[int, bool]]:
        loader = DataLoader(FlipDecisions(), batch_size=None, num_workers=2, generator=ag.Generator().manual_seed(2))
        return [tuple(s) for s in loader]  # type: ignore[misc]

    first = run()
    assert first == run()
    w0 = [flip for w, flip in first if w == 0]
    w1 = [flip for w, flip in first if w == 1]
    assert w0 != w1 and 0 < sum(w0) < 16
    gc.collect()
    assert multiprocessing.active_children() == []
