"""arraygrad.vision.utils: make_grid, save_image and draw_bounding_boxes, equal to torchvision's
outputs on the same inputs (torchvision as the oracle, skipped with the reason where absent), plus
hand-checked values, backends, autograd, matplotlib interop and errors."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.vision.utils import draw_bounding_boxes, make_grid, save_image

TV_REASON = "torchvision is the oracle for make_grid/save_image/draw_bounding_boxes; pip install torchvision"


def _tv_utils() -> Any:
    return pytest.importorskip("torchvision", reason=TV_REASON).utils


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _pixels(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


# ------------------------------------------------------------------------------- make_grid

GRID_CASES = [
    {}, {"nrow": 2}, {"nrow": 5}, {"padding": 0}, {"padding": 3, "pad_value": 0.25}, {"normalize": True},
    {"normalize": True, "scale_each": True}, {"normalize": True, "value_range": (-1, 1)},
    {"normalize": True, "value_range": (-0.5, 2.0), "scale_each": True},
]


@pytest.mark.parametrize("kwargs", GRID_CASES, ids=[str(k) for k in GRID_CASES])
def test_make_grid_equals_torchvision(kwargs: dict[str, Any]) -> None:
    tv = _tv_utils()
    import torch

    x = _rng().standard_normal((5, 3, 6, 7)).astype(np.float32)
    expected = tv.make_grid(torch.from_numpy(x), **kwargs).numpy()
    actual = make_grid(ag.tensor(x), **kwargs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("shape", [(6, 7), (1, 6, 7), (3, 6, 7), (1, 3, 6, 7), (4, 1, 6, 7), (9, 2, 3, 3)])
def test_make_grid_shapes_equal_torchvision(shape: tuple[int, ...]) -> None:
    tv = _tv_utils()
    import torch

    x = _rng(1).random(shape).astype(np.float32)
    expected = tv.make_grid(torch.from_numpy(x), nrow=4).numpy()
    np.testing.assert_array_equal(make_grid(ag.tensor(x), nrow=4).numpy(), expected)


def test_make_grid_of_a_list_and_of_uint8_equals_torchvision() -> None:
    tv = _tv_utils()
    import torch

    x = _rng(2).integers(0, 256, (3, 3, 4, 5)).astype(np.uint8)
    expected = tv.make_grid([torch.from_numpy(v) for v in x], pad_value=7).numpy()
    actual = make_grid([ag.tensor(v) for v in x], pad_value=7)
    assert actual.dtype == ag.uint8
    np.testing.assert_array_equal(actual.numpy(), expected)


def test_make_grid_layout_by_hand() -> None:
    x = ag.arange(1, 13, dtype=ag.float32).reshape(3, 1, 2, 2)  # three 2x2 gray images 1..4, 5..8, 9..12
    grid = make_grid(x, nrow=2, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 7, 7)  # 2 rows, 2 columns of (2 + 1) pixels, plus 1
    expected = np.full((7, 7), -1.0, dtype=np.float32)
    expected[1:3, 1:3] = [[1, 2], [3, 4]]
    expected[1:3, 4:6] = [[5, 6], [7, 8]]
    expected[4:6, 1:3] = [[9, 10], [11, 12]]  # the fourth cell stays padding
    for channel in grid:  # gray images become 3 identical channels
        np.testing.assert_array_equal(channel, expected)


def test_make_grid_normalize_by_hand() -> None:
    x = ag.tensor([[[[0.0, 2.0]]], [[[4.0, 8.0]]]])  # (2, 1, 1, 2)
    together = make_grid(x, padding=0, normalize=True).numpy()[0]
    np.testing.assert_allclose(together, [[0.0, 0.25, 0.5, 1.0]])
    each = make_grid(x, padding=0, normalize=True, scale_each=True).numpy()[0]
    np.testing.assert_allclose(each, [[0.0, 1.0, 0.0, 1.0]])
    clamped = make_grid(x, padding=0, normalize=True, value_range=(1, 5)).numpy()[0]
    np.testing.assert_allclose(clamped, [[0.0, 0.25, 0.75, 1.0]])
    np.testing.assert_array_equal(x.numpy()[1, 0, 0], [4.0, 8.0])  # the input is not modified


def test_make_grid_of_one_image_is_that_image() -> None:
    x = ag.tensor(_rng().random((1, 3, 4, 4)).astype(np.float32))
    np.testing.assert_array_equal(make_grid(x, padding=5).numpy(), x.numpy()[0])


@pytest.mark.backends("numpy", "strict", "jax")
def test_make_grid_stays_on_the_backend_and_is_differentiable(backend: str) -> None:
    x = ag.tensor(_rng().random((3, 3, 2, 2)).astype(np.float32), requires_grad=True)
    grid = make_grid(x, nrow=2, padding=1)
    assert grid.device == x.device and grid.backend == x.backend
    with ag.use_backend("numpy"):
        expected = make_grid(ag.tensor(x.detach().numpy()), nrow=2, padding=1).numpy()
    np.testing.assert_array_equal(grid.detach().numpy(), expected)
    (grid * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 3, 2, 2), 2.0, dtype=np.float32))


def test_make_grid_errors() -> None:
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got <class 'numpy.ndarray'>"):
        make_grid(np.zeros((2, 3, 4, 4)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got a list containing <class 'int'>"):
        make_grid([ag.zeros(3, 2, 2), 1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(ag.zeros(2, 3, 4, 4), normalize=True, value_range=[0, 1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nrow must be a positive int, got 0"):
        make_grid(ag.zeros(2, 3, 4, 4), nrow=0)
    with pytest.raises(ValueError, match="padding must be a non-negative int, got -1"):
        make_grid(ag.zeros(2, 3, 4, 4), padding=-1)
    with pytest.raises(ValueError, match=r"got a tensor of shape \(1, 2, 3, 4, 4\)"):
        make_grid(ag.zeros(1, 2, 3, 4, 4))
    with pytest.raises(ValueError, match="empty list"):
        make_grid([])


def test_matplotlib_imshow_accepts_a_grid() -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib interop test; pip install matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    batch = ag.tensor(_rng().random((6, 3, 5, 5)).astype(np.float32))
    grid = make_grid(batch, nrow=3)
    fig, ax = plt.subplots()
    try:
        image = ax.imshow(grid.permute(1, 2, 0))
        np.testing.assert_array_equal(np.asarray(image.get_array()), grid.permute(1, 2, 0).numpy())
        out = io.BytesIO()
        fig.savefig(out, format="png")
        assert out.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        plt.close(fig)


# ------------------------------------------------------------------------------- save_image

@pytest.mark.parametrize("kwargs", [{}, {"nrow": 2, "padding": 1}, {"normalize": True}])
def test_save_image_writes_the_same_png_as_torchvision(kwargs: dict[str, Any]) -> None:
    tv = _tv_utils()
    import torch

    x = _rng(3).random((5, 3, 8, 8)).astype(np.float32) * 1.2 - 0.1  # some values outside [0, 1]
    ours, theirs = io.BytesIO(), io.BytesIO()
    save_image(ag.tensor(x), ours, format="png", **kwargs)
    tv.save_image(torch.from_numpy(x), theirs, format="png", **kwargs)
    np.testing.assert_array_equal(_pixels(ours.getvalue()), _pixels(theirs.getvalue()))
    assert ours.getvalue() == theirs.getvalue()


def test_save_image_rounds_and_clamps(tmp_path: Path) -> None:
    values = ag.tensor([[[-0.5, 0.0, 0.5, 0.998, 0.999, 3.0]]])  # one 1x6 gray image
    path = tmp_path / "row.png"
    save_image(values, path)  # the format comes from the extension
    pixels = _pixels(path.read_bytes())
    assert pixels.shape == (1, 6, 3) and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels[0, :, 0], [0, 0, 128, 254, 255, 255])  # round(255 x), clamped
    np.testing.assert_array_equal(pixels[..., 0], pixels[..., 2])


def test_save_image_of_a_batch_that_requires_grad(tmp_path: Path) -> None:
    batch = ag.tensor(_rng().random((4, 1, 3, 3)).astype(np.float32), requires_grad=True)
    save_image(batch, tmp_path / "grid.jpg", nrow=2, padding=0)
    from PIL import Image

    with Image.open(tmp_path / "grid.jpg") as im:
        assert im.format == "JPEG" and im.size == (6, 6)


# ------------------------------------------------------------------------------- draw_bounding_boxes

BOX_CASES = [
    {}, {"colors": "red", "width": 3}, {"fill": True, "labels": ["a", "bb", "ccc"]},
    {"labels": ["x", "y", "z"], "fill_labels": True, "colors": ["blue", (10, 200, 30), "#FF00FF"]},
    {"labels": ["x", "y", "z"], "label_colors": "white", "label_background_colors": "black"},
]


def _image_and_boxes() -> tuple[np.ndarray, np.ndarray]:
    image = _rng(4).integers(0, 256, (3, 40, 50)).astype(np.uint8)
    boxes = np.array([[2, 3, 20, 30], [10, 5, 45, 38.7], [0, 0, 49, 39]], dtype=np.float32)
    return image, boxes


@pytest.mark.parametrize("kwargs", BOX_CASES, ids=[str(sorted(k)) for k in BOX_CASES])
def test_draw_bounding_boxes_equals_torchvision(kwargs: dict[str, Any]) -> None:
    tv = _tv_utils()
    import torch

    image, boxes = _image_and_boxes()
    expected = tv.draw_bounding_boxes(torch.from_numpy(image), torch.from_numpy(boxes), **kwargs).numpy()
    actual = draw_bounding_boxes(ag.tensor(image), ag.tensor(boxes), **kwargs)
    assert actual.dtype == ag.uint8
    np.testing.assert_array_equal(actual.numpy(), expected)


def test_draw_oriented_and_float_gray_boxes_equal_torchvision() -> None:
    tv = _tv_utils()
    import torch

    image, _ = _image_and_boxes()
    corners = np.array([[5, 5, 30, 8, 28, 30, 3, 27]], dtype=np.float32)
    expected = tv.draw_bounding_boxes(torch.from_numpy(image), torch.from_numpy(corners), fill=True).numpy()
    np.testing.assert_array_equal(draw_bounding_boxes(ag.tensor(image), ag.tensor(corners), fill=True).numpy(), expected)
    gray = _rng(5).random((1, 40, 50)).astype(np.float32)
    boxes = np.array([[1, 2, 30, 20]], dtype=np.float32)
    expected = tv.draw_bounding_boxes(torch.from_numpy(gray), torch.from_numpy(boxes), colors="yellow").numpy()
    actual = draw_bounding_boxes(ag.tensor(gray), ag.tensor(boxes), colors="yellow")
    assert actual.dtype == ag.float32
    np.testing.assert_array_equal(actual.numpy(), expected)


def test_draw_bounding_boxes_by_hand() -> None:
    image = ag.zeros(3, 10, 12, dtype=ag.uint8)
    out = draw_bounding_boxes(image, ag.tensor([[2.0, 3.0, 8.0, 7.0]]), colors=(255, 0, 0)).numpy()
    assert out.shape == (3, 10, 12)
    outline = np.zeros((10, 12), dtype=bool)
    outline[3, 2:9] = outline[7, 2:9] = outline[3:8, 2] = outline[3:8, 8] = True
    np.testing.assert_array_equal(out[0] == 255, outline)
    assert not out[1:].any()
    np.testing.assert_array_equal(image.numpy(), 0)  # the input is not modified
    filled = draw_bounding_boxes(image, ag.tensor([[2.0, 3.0, 8.0, 7.0]]), colors=(255, 0, 0), fill=True).numpy()
    assert filled[0, 5, 5] == round(255 * 100 / 255)  # the color at alpha 100 over black


def test_draw_bounding_boxes_errors() -> None:
    image = ag.zeros(3, 10, 10, dtype=ag.uint8)
    box = ag.tensor([[1.0, 1.0, 5.0, 5.0]])
    with pytest.raises(TypeError, match="Tensor expected"):
        draw_bounding_boxes(np.zeros((3, 10, 10), dtype=np.uint8), box)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="The image dtype must be uint8 or float"):
        draw_bounding_boxes(ag.zeros(3, 10, 10, dtype=ag.int32), box)
    with pytest.raises(ValueError, match="Pass individual images, not batches"):
        draw_bounding_boxes(ag.zeros(1, 3, 10, 10, dtype=ag.uint8), box)
    with pytest.raises(ValueError, match="Only grayscale and RGB images are supported"):
        draw_bounding_boxes(ag.zeros(4, 10, 10, dtype=ag.uint8), box)
    with pytest.raises(ValueError, match=r"boxes must be a \(N, 4\) or \(N, 8\) tensor, got \(1, 5\)"):
        draw_bounding_boxes(image, ag.zeros(1, 5))
    with pytest.raises(ValueError, match=r"\(xmin, ymin, xmax, ymax\) format"):
        draw_bounding_boxes(image, ag.tensor([[5.0, 1.0, 1.0, 5.0]]))
    with pytest.raises(ValueError, match=r"Number of boxes \(1\) and labels \(2\) mismatch"):
        draw_bounding_boxes(image, box, labels=["a", "b"])
    with pytest.raises(ValueError, match="Number of colors must be equal or larger"):
        draw_bounding_boxes(image, ag.cat([box, box]), colors=["red"])
    with pytest.raises(ValueError, match="RGB triplet"):
        draw_bounding_boxes(image, box, colors=(1, 2))  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="No box was drawn"):
        assert draw_bounding_boxes(image, ag.zeros(0, 4)) is image


@pytest.mark.backends("numpy", "strict", "jax")
def test_save_image_and_draw_bounding_boxes_on_each_backend(backend: str) -> None:
    image, boxes = _image_and_boxes()
    drawn = draw_bounding_boxes(ag.tensor(image), ag.tensor(boxes), labels=["a", "b", "c"], fill=True)
    assert drawn.backend == ag.tensor(image).backend
    batch = ag.tensor(_rng(6).random((3, 3, 4, 4)).astype(np.float32))
    out = io.BytesIO()
    save_image(batch, out, format="png", nrow=2)
    with ag.use_backend("numpy"):
        expected_drawn = draw_bounding_boxes(ag.tensor(image), ag.tensor(boxes), labels=["a", "b", "c"], fill=True)
        expected_out = io.BytesIO()
        save_image(ag.tensor(batch.numpy()), expected_out, format="png", nrow=2)
    np.testing.assert_array_equal(drawn.numpy(), expected_drawn.numpy())
    assert out.getvalue() == expected_out.getvalue()
