"""Small image datasets written in torchvision's on-disk formats, for the ported programs.

The ported programs call ``datasets.MNIST(root, download=True)`` (or ``FashionMNIST``) exactly as
published. The tests write beforehand the files a download extracts into ``root``, so the programs
find them and nothing is fetched: ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``
(LeCun's idx format, uncompressed: the names torchvision's ``MNIST._check_exists`` looks for; with only
the ``.gz`` archives, whose MD5 would not match, torchvision would download).

The images are scikit-learn's handwritten digits (8 x 8, 16 grey levels), scaled up three times and
padded to 28 x 28 as MNIST centres its digits, so the programs' "loss falls" checks hold as on MNIST.
The Fashion-MNIST files hold the same digits transposed: the two sets differ, the format is the same.
"""

from __future__ import annotations

import struct
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["MNIST_FILES", "assert_not_downloaded", "digit_images", "write_idx", "write_mnist"]

# the files of an MNIST-format ``raw`` folder, uncompressed, as torchvision reads them
MNIST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte")

# idx type codes by numpy dtype: LeCun's format (http://yann.lecun.com/exdb/mnist/), big-endian values
_IDX_TYPE = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
             np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


@cache
def _all_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits as 28 x 28 uint8 images (dark background, bright strokes) and labels,
    in a fixed shuffled order."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    small = digits.images[order]  # (N, 8, 8), values 0..16
    large = np.kron(small, np.ones((1, 3, 3)))  # (N, 24, 24)
    images = np.pad(large, ((0, 0), (2, 2), (2, 2)))
    return np.round(images * (255 / 16)).astype(np.uint8), digits.target[order].astype(np.uint8)


def digit_images(count: int, offset: int = 0, *, transpose: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``count`` 28 x 28 uint8 digit images and their uint8 labels, starting at ``offset`` in a fixed order.

    Args:
        count: how many images.
        offset: where to start (disjoint ranges give disjoint images: train and test splits).
        transpose: transpose each image (the Fashion-MNIST stand-in images).

    Raises:
        ValueError: the range goes past the 1797 digits available.
    """
    images, labels = _all_digits()
    if offset < 0 or count < 0 or offset + count > len(labels):
        raise ValueError(f"digit_images: images {offset}..{offset + count} asked for, only {len(labels)} digits exist")
    chosen = images[offset:offset + count]
    if transpose:
        chosen = chosen.transpose(0, 2, 1)
    return np.ascontiguousarray(chosen), labels[offset:offset + count].copy()


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write ``array`` as an idx file: magic ``0x0000TTNN`` (type code TT, NN dimensions), the sizes as
    big-endian uint32, then the values big-endian.

    Raises:
        ValueError: a dtype the idx format has no code for, or not 1 to 3 dimensions.
    """
    data = array.astype(array.dtype.newbyteorder(">")) if array.dtype.itemsize > 1 else array
    code = _IDX_TYPE.get(data.dtype)
    if code is None or not 1 <= array.ndim <= 3:
        raise ValueError(f"write_idx: cannot store dtype {array.dtype} with {array.ndim} dimensions as idx")
    header = struct.pack(f">I{array.ndim}I", code << 8 | array.ndim, *array.shape)
    path.write_bytes(header + np.ascontiguousarray(data).tobytes())


def write_mnist(root: Path, train: int, test: int, folder: str = "MNIST") -> Path:
    """Write an MNIST-format dataset under ``root/folder/raw``: the four uncompressed idx files.

    Args:
        root: the ``root`` the program passes to ``datasets.MNIST`` (resolved from its working directory).
        train: the number of training images (``train-*`` files).
        test: the number of test images (``t10k-*`` files), disjoint from the training ones.
        folder: ``"MNIST"`` or ``"FashionMNIST"`` (the dataset class's name; Fashion-MNIST gets the
            transposed digits).

    Returns:
        The ``raw`` folder written.

    Raises:
        ValueError: ``train + test`` is more than the 1797 digits available.
    """
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    transpose = folder != "MNIST"
    for prefix, count, offset in (("train", train, 0), ("t10k", test, train)):  # names as in MNIST_FILES
        images, labels = digit_images(count, offset, transpose=transpose)
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return raw


def assert_not_downloaded(raw: Path) -> None:
    """Fail unless ``raw`` holds exactly the files :func:`write_mnist` wrote (a program that downloaded
    anything, even with network access, would leave its archives there)."""
    found = tuple(sorted(p.name for p in raw.iterdir()))
    assert found == MNIST_FILES, f"{raw} holds {found}, expected only the written files {MNIST_FILES}"
