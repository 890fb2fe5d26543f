"""MNIST, Fashion-MNIST and Kuzushiji-MNIST, as ``torchvision.datasets``.

A root that torchvision filled works as is: the files are ``root/<ClassName>/raw/
{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (the ``.gz`` files are read too when the
uncompressed ones are missing). ``.data`` is a uint8 tensor ``(N, 28, 28)`` and ``.targets`` an
int64 tensor ``(N,)``, both on the host backend (CPU memory, as torchvision's CPU tensors); an item
is ``(PIL image of mode L, int)``.
"""

from __future__ import annotations

import array
import gzip
import os
import struct
import sys
import warnings
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from arraygrad.core import dtypes
from arraygrad.core.creation import tensor
from arraygrad.core.tensor import Tensor
from arraygrad.vision.datasets.utils import check_integrity, download_and_extract_archive
from arraygrad.vision.datasets.vision import HOST_BACKEND, VisionDataset

__all__ = ["KMNIST", "MNIST", "FashionMNIST", "read_image_file", "read_label_file", "read_sn3_pascalvincent_tensor"]

# idx type code -> (array typecode, dtype)
_IDX_TYPES = {8: ("B", dtypes.uint8), 9: ("b", dtypes.int8), 11: ("h", dtypes.int16), 12: ("i", dtypes.int32),
              13: ("f", dtypes.float32), 14: ("d", dtypes.float64)}


def _read_bytes(path: str) -> bytes:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True) -> Tensor:
    """Read an idx file (LeCun's ``*-idx?-ubyte`` format; ``.gz`` compressed too) into a tensor.

    The header is a big-endian magic ``0x0000TTNN`` (type code TT, NN dimensions) and NN big-endian
    uint32 sizes; the values follow, big-endian.

    Args:
        path: the file.
        strict: the number of values must equal the product of the sizes.

    Raises:
        ValueError: not an idx file (bad magic, type code or dimension count, or a truncated file);
            the message names the file.
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"read_sn3_pascalvincent_tensor: {path} is not an idx file: it has only {len(data)} bytes")
    (magic,) = struct.unpack(">I", data[:4])
    nd, ty = magic % 256, magic // 256
    if not 1 <= nd <= 3 or ty not in _IDX_TYPES:
        raise ValueError(f"read_sn3_pascalvincent_tensor: {path} is not an idx file: magic number {magic:#010x} "
                         f"(type code {ty}, {nd} dimensions); expected type 8, 9, 11, 12, 13 or 14 and 1-3 dimensions")
    header = 4 * (nd + 1)
    if len(data) < header:
        raise ValueError(f"read_sn3_pascalvincent_tensor: {path} is truncated: its header needs {header} bytes")
    sizes = list(struct.unpack(f">{nd}I", data[4:header]))
    code, dt = _IDX_TYPES[ty]
    values = array.array(code)
    payload = data[header:]
    payload = payload[: len(payload) - len(payload) % values.itemsize]
    values.frombytes(payload)
    if values.itemsize > 1 and sys.byteorder == "little":
        values.byteswap()
    count = 1
    for s in sizes:
        count *= s
    if len(values) != count:
        if strict or len(values) < count:
            raise ValueError(f"read_sn3_pascalvincent_tensor: {path} holds {len(values)} values, but its header "
                             f"says {sizes} ({count} values)")
        values = values[:count]
    return tensor(memoryview(values), dtype=dt, backend=HOST_BACKEND).reshape(tuple(sizes))


def read_label_file(path: str) -> Tensor:
    """Labels of an idx1 file as an int64 tensor.

    Raises:
        ValueError: not an idx file of uint8 with one dimension.
    """
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype is not dtypes.uint8:
        raise ValueError(f"read_label_file: {path} should hold uint8 labels, not {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"read_label_file: {path} should have 1 dimension instead of {x.ndim}")
    return x.to(dtypes.int64)


def read_image_file(path: str) -> Tensor:
    """Images of an idx3 file as a uint8 tensor ``(N, H, W)``.

    Raises:
        ValueError: not an idx file of uint8 with three dimensions.
    """
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype is not dtypes.uint8:
        raise ValueError(f"read_image_file: {path} should hold uint8 pixels, not {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"read_image_file: {path} should have 3 dimension instead of {x.ndim}")
    return x


def _gray_pil(img: Tensor) -> Any:
    from arraygrad.vision.transforms.functional import _pil_image_module

    height, width = img.shape
    return _pil_image_module().frombytes("L", (width, height), img.contiguous().numpy().tobytes())


class MNIST(VisionDataset):
    """Load the MNIST handwritten digits: 60000 training and 10000 test images of 28 x 28.

    The torchvision counterpart is ``torchvision.datasets.MNIST``. ``data`` holds the images as one uint8
    ``(N, 28, 28)`` tensor on the host and ``targets`` the labels; files that old torchvision versions
    saved under ``processed/`` are read when present.

    Args:
        root: the directory holding ``MNIST/raw/`` (downloaded there with ``download=True``).
        train: the training set (``train-*`` files) if True, else the test set (``t10k-*``) (default True).
        transform: applied to the PIL image, e.g. ``transforms.ToTensor()`` (default None).
        target_transform: applied to the int label (default None).
        download: fetch the missing files from ``mirrors`` (tried in order), checking each file's MD5
            (default False).

    Raises:
        RuntimeError: the files are missing (without ``download``), or every mirror failed (the
            message lists the URLs tried and the files to place in ``raw_folder``).
        ValueError: a file that is not in the idx format, or images and labels of different counts.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike[str], train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found. You can use download=True to download it, or place the files "
                               f"{self._file_names()} in {self.raw_folder}")
        self.data, self.targets = self._load_data()

    @property
    def train_labels(self) -> Tensor:
        """Deprecated name of ``targets``."""
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        """Deprecated name of ``targets``."""
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self) -> Tensor:
        """Deprecated name of ``data``."""
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self) -> Tensor:
        """Deprecated name of ``data``."""
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def raw_folder(self) -> str:
        """``root/<ClassName>/raw``, where the idx files are."""
        return os.path.join(self.root, self.__class__.__name__, "raw")  # type: ignore[arg-type]

    @property
    def processed_folder(self) -> str:
        """``root/<ClassName>/processed``, where old torchvision versions saved ``training.pt``/``test.pt``."""
        return os.path.join(self.root, self.__class__.__name__, "processed")  # type: ignore[arg-type]

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name -> label."""
        return {c: i for i, c in enumerate(self.classes)}

    def _file_names(self) -> list[str]:
        return [os.path.splitext(os.path.basename(name))[0] for name, _ in self.resources]

    def _raw_path(self, name: str) -> str:
        """The uncompressed file if it is there, else the ``.gz`` one."""
        path = os.path.join(self.raw_folder, name)
        return path if os.path.isfile(path) or not os.path.isfile(path + ".gz") else path + ".gz"

    def _check_legacy_exist(self) -> bool:
        if not os.path.exists(self.processed_folder):
            return False
        return all(check_integrity(os.path.join(self.processed_folder, f)) for f in (self.training_file, self.test_file))

    def _load_legacy_data(self) -> tuple[Tensor, Tensor]:
        from arraygrad.serialization import load

        data_file = self.training_file if self.train else self.test_file
        data, targets = load(os.path.join(self.processed_folder, data_file), backend=HOST_BACKEND)
        return data, targets

    def _check_exists(self) -> bool:
        return all(check_integrity(self._raw_path(name)) for name in self._file_names())

    def _load_data(self) -> tuple[Tensor, Tensor]:
        prefix = "train" if self.train else "t10k"
        data = read_image_file(self._raw_path(f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(self._raw_path(f"{prefix}-labels-idx1-ubyte"))
        if data.shape[0] != targets.shape[0]:
            raise ValueError(f"{self.__class__.__name__}: {data.shape[0]} images but {targets.shape[0]} labels in "
                             f"{self.raw_folder}")
        return data, targets

    def download(self) -> None:
        """Download and decompress the files that are missing, trying each mirror in turn.

        Raises:
            RuntimeError: every mirror failed for a file (the message lists each URL and its error,
                and the files to place in ``raw_folder`` by hand).
        """
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if check_integrity(self._raw_path(os.path.splitext(filename)[0])):
                continue
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_and_extract_archive(url, download_root=self.raw_folder, filename=filename, md5=md5)
                except (RuntimeError, URLError) as e:
                    errors.append((url, e))
                    continue
                break
            else:
                tried = "".join(f"Tried {url}, got:\n{err}\n" for url, err in errors)
                raise RuntimeError(f"Error downloading {filename}:\n{tried}Without network access, place the files "
                                   f"{[name for name, _ in self.resources]} (or their uncompressed versions "
                                   f"{self._file_names()}) in {self.raw_folder}")

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a PIL image of mode L (after ``transform``) and the int label."""
        img, target = _gray_pil(self.data[index]), int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        """Return the line ``repr`` adds for the split.

        Returns:
            ``"Split: Train"`` or ``"Split: Test"``.
        """
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Load Zalando's Fashion-MNIST: 28 x 28 grayscale images of 10 kinds of clothing.

    The torchvision counterpart is ``torchvision.datasets.FashionMNIST``; the layout and behaviour are
    :class:`MNIST`'s, with files under ``root/FashionMNIST/raw``.

    Args:
        root: the directory holding ``FashionMNIST/raw/`` (downloaded there with ``download=True``).
        train: the training set (``train-*`` files) if True, else the test set (``t10k-*``) (default True).
        transform: applied to the PIL image, e.g. ``transforms.ToTensor()`` (default None).
        target_transform: applied to the int label (default None).
        download: fetch the missing files from ``mirrors`` (tried in order), checking each file's MD5
            (default False).

    Raises:
        RuntimeError: the files are missing (without ``download``), or every mirror failed (the
            message lists the URLs tried and the files to place in ``raw_folder``).
        ValueError: a file that is not in the idx format, or images and labels of different counts.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Load Kuzushiji-MNIST: 28 x 28 images of 10 cursive Japanese characters.

    The torchvision counterpart is ``torchvision.datasets.KMNIST``; the layout and behaviour are
    :class:`MNIST`'s, with files under ``root/KMNIST/raw``.

    Args:
        root: the directory holding ``KMNIST/raw/`` (downloaded there with ``download=True``).
        train: the training set (``train-*`` files) if True, else the test set (``t10k-*``) (default True).
        transform: applied to the PIL image, e.g. ``transforms.ToTensor()`` (default None).
        target_transform: applied to the int label (default None).
        download: fetch the missing files from ``mirrors`` (tried in order), checking each file's MD5
            (default False).

    Raises:
        RuntimeError: the files are missing (without ``download``), or every mirror failed (the
            message lists the URLs tried and the files to place in ``raw_folder``).
        ValueError: a file that is not in the idx format, or images and labels of different counts.
    """

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
