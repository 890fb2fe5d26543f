"""CIFAR-10 and CIFAR-100, as ``torchvision.datasets``, read from the python batches.

The batches are pickled dicts holding numpy arrays. They are read by :class:`SafeUnpickler`, which
rebuilds arrays from their raw bytes with arraygrad (no numpy needed) and refuses every other
global, so a tampered file cannot run code. ``.data`` is a uint8 tensor ``(N, 32, 32, 3)`` (HWC,
the shape of torchvision's numpy array) on the host backend, ``.targets`` a list of ints; an item
is ``(PIL RGB image, int)``.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.shape import cat
from arraygrad.core.tensor import Tensor
from arraygrad.vision.datasets.utils import check_integrity, download_and_extract_archive
from arraygrad.vision.datasets.vision import HOST_BACKEND, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "SafeUnpickler", "load_pickle"]

# numpy dtype kind+size -> (struct format, dtype)
_ARRAY_TYPES = {"u1": ("B", dtypes.uint8), "i1": ("b", dtypes.int8), "b1": ("B", dtypes.bool_),
                "u2": ("H", dtypes.uint16), "i2": ("h", dtypes.int16), "u4": ("I", dtypes.uint32),
                "i4": ("i", dtypes.int32), "u8": ("Q", dtypes.uint64), "i8": ("q", dtypes.int64),
                "f4": ("f", dtypes.float32), "f8": ("d", dtypes.float64)}


class _NDArrayClass:
    """Stands for ``numpy.ndarray`` in a pickle: only ever passed to ``_reconstruct``."""


class _DType:
    """A pickled ``numpy.dtype``: its name (``'u1'``, ``'<f4'``...) and byte order."""

    def __init__(self, name: Any, align: Any = False, copy: Any = True) -> None:
        self.name = name.decode("latin1") if isinstance(name, bytes) else str(name)
        self.byteorder = "="

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) > 1 and isinstance(state[1], (str, bytes)):
            order = state[1]
            self.byteorder = order.decode("latin1") if isinstance(order, bytes) else order


class _PickledArray:
    """A pickled numpy array, kept as shape, dtype and raw bytes until it becomes a tensor."""

    def __init__(self) -> None:
        self.shape: tuple[int, ...] = ()
        self.dtype: _DType | None = None
        self.fortran = False
        self.raw: bytes = b""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError("SafeUnpickler: malformed numpy array state")
        if len(state) == 5:
            state = state[1:]
        shape, dtype, fortran, raw = state
        if not isinstance(dtype, _DType) or not isinstance(raw, (bytes, bytearray, str)):
            raise pickle.UnpicklingError("SafeUnpickler: only numeric numpy arrays can be loaded (no object arrays)")
        self.shape = tuple(int(s) for s in shape)
        self.dtype = dtype
        self.fortran = bool(fortran)
        self.raw = raw.encode("latin1") if isinstance(raw, str) else bytes(raw)

    def to_tensor(self) -> Tensor:
        """The array as an arraygrad tensor on the host backend."""
        from arraygrad.vision.transforms.functional import bytes_to_tensor

        assert self.dtype is not None
        name, order = self.dtype.name, self.dtype.byteorder
        if name[:1] in "<>|=":
            order, name = name[0], name[1:]
        entry = _ARRAY_TYPES.get(name) or _ARRAY_TYPES.get({"uint8": "u1", "int8": "i1", "bool": "b1", "uint16": "u2",
                                                            "int16": "i2", "int32": "i4", "int64": "i8", "float32": "f4",
                                                            "float64": "f8"}.get(name, ""))
        if entry is None:
            raise pickle.UnpicklingError(f"SafeUnpickler: numpy dtype {self.dtype.name!r} is not supported")
        fmt, dt = entry
        swap = order == (">" if sys.byteorder == "little" else "<") and fmt not in "Bb"
        raw = self.raw
        if swap:
            import array

            values = array.array(fmt, raw)
            values.byteswap()
            raw = values.tobytes()
        shape = self.shape[::-1] if self.fortran else self.shape
        out = bytes_to_tensor(raw, fmt, dt, shape).to(HOST_BACKEND)
        if dt is dtypes.bool_:
            out = out != 0
        if self.fortran:
            out = out.permute(*reversed(range(len(shape)))).contiguous()
        return out


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> _PickledArray:
    if cls is not _NDArrayClass:
        raise pickle.UnpicklingError("SafeUnpickler: _reconstruct may only build numpy.ndarray")
    return _PickledArray()


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> _PickledArray:
    """numpy's protocol-5 array form: the bytes, the dtype, the shape and the memory order."""
    if not isinstance(dtype, _DType):
        raise pickle.UnpicklingError("SafeUnpickler: malformed numpy array (protocol 5)")
    out = _PickledArray()
    out.__setstate__((shape, dtype, order == "F", bytes(memoryview(buf))))
    return out


def _latin1_encode(obj: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode``, which protocol-2 pickles made by Python 3 use to spell bytes."""
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("SafeUnpickler: _codecs.encode is only allowed for latin1 strings")
    return obj.encode("latin1")


_ALLOWED: dict[tuple[str, str], Any] = {}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "_reconstruct")] = _reconstruct
for _module in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "ndarray")] = _NDArrayClass
    _ALLOWED[(_module, "dtype")] = _DType
for _module in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_module, "_frombuffer")] = _frombuffer
_ALLOWED[("_codecs", "encode")] = _latin1_encode


class SafeUnpickler(pickle.Unpickler):
    """An unpickler for data files: dicts, lists, tuples, strings, bytes, numbers and numeric numpy
    arrays (rebuilt from their bytes, without numpy). Any other global is refused."""

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f"SafeUnpickler: refusing to load global {module}.{name}: a data file holds only numpy arrays, lists, "
                "dicts, strings and numbers; this file may be malicious"
            )
        return found


def _to_tensors(obj: Any) -> Any:
    if isinstance(obj, _PickledArray):
        return obj.to_tensor()
    if isinstance(obj, dict):
        return {k: _to_tensors(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_tensors(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_to_tensors(v) for v in obj)
    if isinstance(obj, (_DType, _NDArrayClass)) or obj is _NDArrayClass:
        raise pickle.UnpicklingError("SafeUnpickler: a bare numpy dtype or class is not data")
    return obj


def load_pickle(path: str, encoding: str = "latin1") -> Any:
    """Unpickle a data file with :class:`SafeUnpickler`; numpy arrays come back as arraygrad tensors.

    Args:
        path: the file.
        encoding: how Python 2 strings are decoded (``'latin1'``, as torchvision reads CIFAR).

    Raises:
        pickle.UnpicklingError: the file needs a global other than numpy's array reconstruction
            (the message names it), or is not a pickle.
    """
    with open(path, "rb") as f:
        try:
            obj = SafeUnpickler(f, encoding=encoding).load()
        except pickle.UnpicklingError as e:
            raise pickle.UnpicklingError(f"{path}: {e}") from None
        except (EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
            raise pickle.UnpicklingError(f"{path}: not a readable pickle ({type(e).__name__}: {e})") from e
    return _to_tensors(obj)


class CIFAR10(VisionDataset):
    """Load CIFAR-10: 50000 training and 10000 test 32 x 32 colour images in 10 classes.

    The torchvision counterpart is ``torchvision.datasets.CIFAR10``. ``data`` holds the images as one
    uint8 ``(N, 32, 32, 3)`` tensor on the host, ``targets`` the int labels, ``classes`` the class names.

    Args:
        root: the directory holding ``base_folder`` (``cifar-10-batches-py``).
        train: the five training batches if True, else the test batch (default True).
        transform: applied to the PIL image, e.g. ``transforms.ToTensor()`` (default None).
        target_transform: applied to the int label (default None).
        download: fetch and extract ``url`` (checking ``tgz_md5``) unless the batches are there
            (default False).

    Raises:
        RuntimeError: the batches or the metadata file are missing or fail their MD5 (without
            ``download``), a batch holds no uint8 ``data`` array, or the download failed (the message
            names the URL and where to place the archive).
        pickle.UnpicklingError: a batch holds something other than arrays, lists, dicts and numbers.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root: str | os.PathLike[str], train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to download it, or extract "
                               f"{self.filename} (from {self.url}) into {self.root}")
        chunks: list[Tensor] = []
        self.targets: list[int] = []
        for file_name, _ in (self.train_list if self.train else self.test_list):
            entry = load_pickle(os.path.join(self.root, self.base_folder, file_name))  # type: ignore[arg-type]
            data = entry["data"]
            if not isinstance(data, Tensor) or data.dtype is not dtypes.uint8:
                raise RuntimeError(f"{self.__class__.__name__}: {file_name} does not hold a uint8 'data' array")
            chunks.append(data)
            labels = entry["labels"] if "labels" in entry else entry["fine_labels"]
            self.targets.extend(int(v) for v in labels)
        self.data = cat(chunks).reshape(-1, 3, 32, 32).permute(0, 2, 3, 1).contiguous()  # to HWC
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])  # type: ignore[arg-type]
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes: list[str] = list(load_pickle(path)[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a PIL RGB image (after ``transform``) and the int label."""
        from arraygrad.vision.transforms.functional import _pil_image_module

        pixels = self.data[index]
        img = _pil_image_module().frombytes("RGB", (pixels.shape[1], pixels.shape[0]), pixels.numpy().tobytes())
        target = self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        for filename, md5 in self.train_list + self.test_list:
            if not check_integrity(os.path.join(self.root, self.base_folder, filename), md5):  # type: ignore[arg-type]
                return False
        return True

    def download(self) -> None:
        """Download and extract the archive unless the batches are there and intact.

        Raises:
            RuntimeError: the download failed or the archive's MD5 is wrong.
        """
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)  # type: ignore[arg-type]

    def extra_repr(self) -> str:
        """Return the line ``repr`` adds for the split.

        Returns:
            ``"Split: Train"`` or ``"Split: Test"``.
        """
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """Load CIFAR-100: 50000 training and 10000 test 32 x 32 colour images in 100 classes.

    The torchvision counterpart is ``torchvision.datasets.CIFAR100``. The files are read from
    ``root/cifar-100-python`` (one ``train`` and one ``test`` batch); the labels are the
    ``fine_labels`` and ``classes`` the 100 fine label names. Everything else is :class:`CIFAR10`'s.

    Args:
        root: the directory holding ``cifar-100-python``.
        train: the training batch if True, else the test batch (default True).
        transform: applied to the PIL image, e.g. ``transforms.ToTensor()`` (default None).
        target_transform: applied to the int label (default None).
        download: fetch and extract ``url`` (checking ``tgz_md5``) unless the batches are there
            (default False).

    Raises:
        RuntimeError: the batches or the metadata file are missing or fail their MD5 (without
            ``download``), a batch holds no uint8 ``data`` array, or the download failed.
        pickle.UnpicklingError: a batch holds something other than arrays, lists, dicts and numbers.
    """

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
