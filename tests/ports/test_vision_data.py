"""The MNIST files the port tests write are the real format: torchvision reads them as they are.

torchvision (the test oracle in the dev extra) opens the written root with ``download=True`` and must
not try to download; ``arraygrad.vision`` must read the same pixels and labels; and the images must be
learnable, as the ports' "loss falls" checks need.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arraygrad.vision import datasets
from tests.ports.vision_data import digit_images, write_idx, write_mnist


@pytest.fixture
def offline_torchvision(monkeypatch: pytest.MonkeyPatch):
    """torchvision's MNIST module, with any download attempt failing the test."""
    tv_mnist = pytest.importorskip("torchvision.datasets.mnist", reason="torchvision (the dev extra's oracle) is needed")

    def no_download(url: str, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"torchvision tried to download {url}: the written files were not accepted")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", no_download)
    return tv_mnist


@pytest.mark.parametrize("folder", ["MNIST", "FashionMNIST"])
def test_torchvision_reads_the_written_files_without_downloading(folder: str, tmp_path: Path,
                                                                 offline_torchvision) -> None:
    raw = write_mnist(tmp_path, train=40, test=10, folder=folder)
    assert raw == tmp_path / folder / "raw"
    for train, count in ((True, 40), (False, 10)):
        reference = getattr(offline_torchvision, folder)(str(tmp_path), train=train, download=True)
        ours = getattr(datasets, folder)(str(tmp_path), train=train, download=True)
        assert tuple(reference.data.shape) == (count, 28, 28) and str(reference.data.dtype) == "torch.uint8"
        np.testing.assert_array_equal(ours.data.numpy(), reference.data.numpy())
        np.testing.assert_array_equal(ours.targets.numpy(), reference.targets.numpy())
        image, label = ours[3]
        assert image.mode == "L" and image.size == (28, 28) and label == int(reference.targets[3])
        np.testing.assert_array_equal(np.asarray(image), np.asarray(reference[3][0]))


def test_splits_are_disjoint_and_fashion_differs(tmp_path: Path) -> None:
    train, _ = digit_images(100)
    test, _ = digit_images(50, offset=100)
    flat_train = {img.tobytes() for img in train}
    assert not any(img.tobytes() in flat_train for img in test)
    fashion, _ = digit_images(100, transpose=True)
    np.testing.assert_array_equal(fashion, train.transpose(0, 2, 1))
    with pytest.raises(ValueError, match="only 1797 digits"):
        digit_images(400, offset=1500)


def test_digits_are_learnable() -> None:
    """A nearest-class-mean classifier fit on 400 training images labels most of 100 test images right."""
    train, train_labels = digit_images(400)
    test, test_labels = digit_images(100, offset=400)
    assert set(train_labels.tolist()) == set(range(10)) and train.max() == 255 and train[:, :2].max() == 0
    means = np.stack([train[train_labels == k].astype(np.float64).mean(axis=0) for k in range(10)])
    distances = ((test[:, None].astype(np.float64) - means[None]) ** 2).sum(axis=(2, 3))
    accuracy = (distances.argmin(axis=1) == test_labels).mean()
    assert accuracy > 0.8, accuracy


def test_write_idx_header(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4], dtype=np.uint8)
    write_idx(tmp_path / "labels", labels)
    assert (tmp_path / "labels").read_bytes() == bytes.fromhex("00000801 00000003") + b"\x03\x01\x04"
    values = np.array([[1, -2]], dtype=np.int32)
    write_idx(tmp_path / "values", values)
    assert (tmp_path / "values").read_bytes() == bytes.fromhex("00000c02 00000001 00000002 00000001 fffffffe")
    with pytest.raises(ValueError, match="write_idx"):
        write_idx(tmp_path / "bad", np.zeros((2, 2), dtype=np.uint64))
