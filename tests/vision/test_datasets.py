"""arraygrad.vision.datasets on generated files in the real on-disk formats (idx-ubyte, the CIFAR
python batches, class folders), downloads from a local HTTP server, and torchvision reading the
same roots as the oracle where it is installed."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import socket
import struct
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import DataLoader
from arraygrad.vision import datasets, transforms
from arraygrad.vision.datasets.cifar import SafeUnpickler, load_pickle
from arraygrad.vision.datasets.mnist import read_sn3_pascalvincent_tensor
from arraygrad.vision.datasets.utils import check_integrity, download_url, extract_archive, verify_str_arg

Image = pytest.importorskip("PIL.Image", reason="arraygrad.vision needs Pillow for PIL images; pip install pillow")

TV_REASON = "torchvision is the oracle for dataset contents; pip install torchvision"


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# ---------------------------------------------------------------------- MNIST

def idx_bytes(array: np.ndarray) -> bytes:
    """``array`` in LeCun's idx format (big-endian header and values)."""
    codes = {np.dtype(np.uint8): 8, np.dtype(np.int8): 9, np.dtype(np.int16): 11, np.dtype(np.int32): 12,
             np.dtype(np.float32): 13, np.dtype(np.float64): 14}
    header = struct.pack(">I", codes[array.dtype] * 256 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def mnist_arrays(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def mnist_files(n_train: int = 7, n_test: int = 3) -> dict[str, bytes]:
    """The four gzipped idx files of a small MNIST."""
    files = {}
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = mnist_arrays(seed, n)
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images), mtime=0)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels), mtime=0)
    return files


def write_mnist(root: Path, name: str = "MNIST", gz: bool = False) -> Path:
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    for fname, data in mnist_files().items():
        if gz:
            (raw / fname).write_bytes(data)
        else:
            (raw / fname[:-3]).write_bytes(gzip.decompress(data))
    return raw


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_family_reads_the_raw_layout(tmp_path: Path, cls: type, gz: bool) -> None:
    write_mnist(tmp_path, cls.__name__, gz=gz)
    train, test = cls(str(tmp_path)), cls(tmp_path, train=False)
    images, labels = mnist_arrays(0, 7)
    assert len(train) == 7 and len(test) == 3
    assert isinstance(train.data, ag.Tensor) and train.data.dtype == ag.uint8 and tuple(train.data.shape) == (7, 28, 28)
    assert train.targets.dtype == ag.int64 and train.targets.tolist() == labels.tolist()
    np.testing.assert_array_equal(train.data.numpy(), images)
    np.testing.assert_array_equal(test.data.numpy(), mnist_arrays(1, 3)[0])
    img, target = train[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(target) is int and target == labels[2]
    np.testing.assert_array_equal(np.asarray(img), images[2])
    assert train.class_to_idx[train.classes[3]] == 3 and len(train.classes) == 10
    assert "Split: Train" in repr(train) and "Split: Test" in repr(test)


def test_mnist_transforms_and_dataloader(tmp_path: Path) -> None:
    write_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=transforms.ToTensor(), target_transform=lambda t: t + 100)
    x, y = ds[0]
    images, labels = mnist_arrays(0, 7)
    assert tuple(x.shape) == (1, 28, 28) and x.dtype == ag.float32 and y == labels[0] + 100
    np.testing.assert_allclose(x.numpy()[0], images[0] / np.float32(255), rtol=1e-6)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert tuple(xb.shape) == (4, 1, 28, 28) and yb.tolist() == (labels[:4].astype(int) + 100).tolist()
    assert "Transform: ToTensor()" in repr(ds)


def test_mnist_matches_torchvision(tmp_path: Path) -> None:
    tv = pytest.importorskip("torchvision", reason=TV_REASON)
    write_mnist(tmp_path, gz=False)
    ours, theirs = datasets.MNIST(tmp_path, train=False), tv.datasets.MNIST(str(tmp_path), train=False)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    assert ours.targets.tolist() == theirs.targets.tolist() and ours.classes == theirs.classes
    np.testing.assert_array_equal(np.asarray(ours[1][0]), np.asarray(theirs[1][0]))
    assert ours[1][1] == theirs[1][1]


def test_mnist_legacy_processed_files_and_old_names(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="torch.save writes the legacy processed/training.pt files")
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir(parents=True)
    for name, seed, n in (("training.pt", 0, 7), ("test.pt", 1, 3)):
        images, labels = mnist_arrays(seed, n)
        torch.save((torch.from_numpy(images), torch.from_numpy(labels).long()), processed / name)
    ds = datasets.MNIST(tmp_path, train=False)
    np.testing.assert_array_equal(ds.data.numpy(), mnist_arrays(1, 3)[0])
    assert ds.targets.dtype == ag.int64 and ds[0][1] == int(mnist_arrays(1, 3)[1][0])
    with pytest.warns(UserWarning, match="test_labels has been renamed targets"):
        assert ds.test_labels is ds.targets
    with pytest.warns(UserWarning, match="train_data has been renamed data"):
        assert ds.train_data is ds.data


def test_mnist_missing_files_and_bad_idx(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"Dataset not found\. You can use download=True .*train-images-idx3-ubyte"):
        datasets.MNIST(tmp_path)
    bad = tmp_path / "bad-idx3-ubyte"
    bad.write_bytes(struct.pack(">I", 0x0000FF03) + b"\0" * 12)
    with pytest.raises(ValueError, match=r"bad-idx3-ubyte is not an idx file: magic number 0x0000ff03"):
        read_sn3_pascalvincent_tensor(str(bad))
    short = tmp_path / "short-idx1-ubyte"
    short.write_bytes(idx_bytes(np.arange(5, dtype=np.uint8))[:-2])
    with pytest.raises(ValueError, match=r"short-idx1-ubyte holds 3 values, but its header says \[5\]"):
        read_sn3_pascalvincent_tensor(str(short), strict=False)


def test_idx_multibyte_types_are_big_endian(tmp_path: Path) -> None:
    for dt in (np.int16, np.int32, np.float32, np.float64, np.int8):
        values = (np.arange(12).reshape(3, 4) - 5).astype(dt) * 3
        path = tmp_path / f"v-{np.dtype(dt).name}"
        path.write_bytes(idx_bytes(values))
        out = read_sn3_pascalvincent_tensor(str(path))
        assert str(out.dtype) == f"arraygrad.{np.dtype(dt).name}"
        np.testing.assert_array_equal(out.numpy(), values)


# ---------------------------------------------------------------------- a local HTTP server

@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving ``directory``; yields its base URL (with a trailing /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_mnist_download_tries_mirrors_checks_md5_and_extracts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = mnist_files()
    site = tmp_path / "site"
    site.mkdir()
    for name, data in files.items():
        (site / name).write_bytes(data)
    with serve(site) as url:
        class LocalMNIST(datasets.MNIST):
            mirrors = [closed_port_url(), url]
            resources = [(name, _md5(data)) for name, data in files.items()]

        ds = LocalMNIST(tmp_path / "root", download=True)
        raw = tmp_path / "root" / "LocalMNIST" / "raw"
        assert sorted(p.name for p in raw.iterdir()) == sorted(list(files) + [n[:-3] for n in files])
        np.testing.assert_array_equal(ds.data.numpy(), mnist_arrays(0, 7)[0])
        LocalMNIST(tmp_path / "root", download=True)  # already there: nothing fetched

        class Corrupt(datasets.MNIST):
            mirrors = [url]
            resources = [(name, "0" * 32) for name in files]

        with pytest.raises(RuntimeError, match=r"(?s)Error downloading train-images-idx3-ubyte.gz:\n.*has MD5 [0-9a-f]{32}, "
                                               r"expected 0{32}"):
            Corrupt(tmp_path / "corrupt", download=True)
        assert not (tmp_path / "corrupt" / "Corrupt" / "raw" / "train-images-idx3-ubyte.gz").exists()


def test_mnist_download_offline_names_urls_and_files(tmp_path: Path) -> None:
    dead = closed_port_url()

    class Offline(datasets.MNIST):
        mirrors = [dead]

    with pytest.raises(RuntimeError) as info:
        Offline(tmp_path, download=True)
    message = str(info.value)
    assert f"Tried {dead}train-images-idx3-ubyte.gz" in message
    assert "could not download" in message and "Without network access, place the files" in message
    assert "t10k-labels-idx1-ubyte.gz" in message and str(tmp_path / "Offline" / "raw") in message


def test_download_url_and_integrity(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "blob.bin").write_bytes(b"x" * 70000)
    with serve(tmp_path / "site") as url:
        download_url(url + "blob.bin", tmp_path / "out", md5=_md5(b"x" * 70000))
    out = tmp_path / "out" / "blob.bin"
    assert out.read_bytes() == b"x" * 70000 and check_integrity(out, _md5(b"x" * 70000))
    assert not check_integrity(out, "0" * 32) and not check_integrity(tmp_path / "nope")
    assert not list((tmp_path / "out").glob("*.part"))
    with pytest.raises(RuntimeError, match=r"could not download http://127\.0\.0\.1:\d+/a\.bin .*place it at .*a\.bin"):
        download_url(closed_port_url() + "a.bin", tmp_path / "out")
    with pytest.raises(ValueError, match=r"Unknown value 'x' for argument split. Valid values are \{'a', 'b'\}"):
        verify_str_arg("x", "split", ("a", "b"))


def test_extract_archive_refuses_paths_outside_the_target(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    (tmp_path / "out").mkdir()
    with pytest.raises(tarfile.TarError):
        extract_archive(str(evil), str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists()
    gz = tmp_path / "plain.txt.gz"
    gz.write_bytes(gzip.compress(b"hello"))
    assert Path(extract_archive(str(gz))).read_bytes() == b"hello"


# ---------------------------------------------------------------------- CIFAR

def cifar_batch(seed: int, n: int, fine: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 100 if fine else 10, n).tolist()
    batch: dict[str, Any] = {"batch_label": f"batch {seed}", "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                             "filenames": [f"img_{i}.png" for i in range(n)]}
    batch["fine_labels" if fine else "labels"] = labels
    if fine:
        batch["coarse_labels"] = [v // 5 for v in labels]
    return batch


def make_cifar(cls: type, protocol: int) -> tuple[bytes, dict[str, bytes], dict[str, Any]]:
    """The tar.gz of a small CIFAR of ``cls``'s layout, its members and the batches."""
    fine = cls.base_folder == "cifar-100-python"
    names = [name for name, _ in cls.train_list + cls.test_list]
    batches = {name: cifar_batch(i, 4 + i, fine) for i, name in enumerate(names)}
    meta = {"fine_label_names": [f"fine{i}" for i in range(100)], "coarse_label_names": [f"c{i}" for i in range(20)]} \
        if fine else {"label_names": [f"class{i}" for i in range(10)], "num_cases_per_batch": 10000, "num_vis": 3072}
    members = {name: pickle.dumps(b, protocol=protocol) for name, b in batches.items()}
    members[cls.meta["filename"]] = pickle.dumps(meta, protocol=protocol)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{cls.base_folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue(), members, batches


def local_cifar(cls: type, url: str, archive: bytes, members: dict[str, bytes]) -> type:
    """``cls`` pointed at ``url`` with the generated files' checksums."""
    return type(f"Local{cls.__name__}", (cls,), {
        "url": url, "tgz_md5": _md5(archive),
        "train_list": [[n, _md5(members[n])] for n, _ in cls.train_list],
        "test_list": [[n, _md5(members[n])] for n, _ in cls.test_list],
        "meta": {**cls.meta, "md5": _md5(members[cls.meta["filename"]])},
    })


@pytest.mark.parametrize("cls, protocol", [(datasets.CIFAR10, 2), (datasets.CIFAR10, 5), (datasets.CIFAR100, 4)])
def test_cifar_download_and_read(tmp_path: Path, cls: type, protocol: int) -> None:
    archive, members, batches = make_cifar(cls, protocol)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / cls.filename).write_bytes(archive)
    with serve(tmp_path / "site") as url:
        Local = local_cifar(cls, url + cls.filename, archive, members)
        train = Local(tmp_path / "root", download=True)
    test = Local(str(tmp_path / "root"), train=False)
    key = "fine_labels" if cls is datasets.CIFAR100 else "labels"
    train_names = [n for n, _ in cls.train_list]
    expected = np.concatenate([batches[n]["data"] for n in train_names]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    assert isinstance(train.data, ag.Tensor) and train.data.dtype == ag.uint8
    assert tuple(train.data.shape) == expected.shape and expected.shape[1:] == (32, 32, 3)
    np.testing.assert_array_equal(np.asarray(train.data), expected)
    assert train.targets == sum((batches[n][key] for n in train_names), [])
    assert test.targets == batches[cls.test_list[0][0]][key] and len(test) == len(test.targets)
    assert len(train.classes) == (100 if cls is datasets.CIFAR100 else 10) and train.class_to_idx[train.classes[7]] == 7
    img, target = train[1]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), expected[1])
    assert target == train.targets[1]


def test_cifar_matches_torchvision(tmp_path: Path) -> None:
    tv = pytest.importorskip("torchvision", reason=TV_REASON)
    archive, members, _ = make_cifar(datasets.CIFAR10, 4)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    ours = local_cifar(datasets.CIFAR10, "", archive, members)(tmp_path)
    theirs = local_cifar(tv.datasets.CIFAR10, "", archive, members)(str(tmp_path))
    np.testing.assert_array_equal(np.asarray(ours.data), theirs.data)
    assert ours.targets == theirs.targets and ours.classes == theirs.classes
    np.testing.assert_array_equal(np.asarray(ours[3][0]), np.asarray(theirs[3][0]))


def test_cifar_missing_or_corrupt(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"Dataset not found or corrupted.*cifar-10-python\.tar\.gz"):
        datasets.CIFAR10(tmp_path)

    class Offline(datasets.CIFAR10):
        url = closed_port_url() + "cifar-10-python.tar.gz"

    with pytest.raises(RuntimeError, match=r"could not download http://127.0.0.1:\d+/cifar-10-python.tar.gz .*place it at"):
        Offline(tmp_path, download=True)


class _Exploit:
    """Pickles to a call of os.system, as a tampered data file would."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return os.system, (f"touch {self.target}",)


def test_safe_unpickler_refuses_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"data": np.zeros((1, 3072), np.uint8), "labels": [_Exploit(marker)]}, protocol=2)
    path = tmp_path / "data_batch_1"
    path.write_bytes(payload)
    with pytest.raises(pickle.UnpicklingError, match=r"data_batch_1: SafeUnpickler: refusing to load global "
                                                     r"(posix|os|nt)\.system.*may be malicious"):
        load_pickle(str(path))
    assert not marker.exists()
    for evil in (pickle.dumps(io.BytesIO), pickle.dumps(np.array([object()], dtype=object))):
        with pytest.raises(pickle.UnpicklingError, match="SafeUnpickler"):
            SafeUnpickler(io.BytesIO(evil)).load()
    # a real dataset constructor refuses it too (checksums set to match the tampered files)
    (tmp_path / "cifar-10-batches-py").mkdir()
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(payload)
    (tmp_path / "cifar-10-batches-py" / "batches.meta").write_bytes(pickle.dumps({"label_names": ["a"]}))
    Tampered = type("Tampered", (datasets.CIFAR10,), {"train_list": [], "test_list": [["test_batch", _md5(payload)]]})
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global"):
        Tampered(tmp_path, train=False)
    assert not marker.exists()


def test_safe_unpickler_arrays_of_other_dtypes(tmp_path: Path) -> None:
    values = {"f": np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3), "big": np.arange(4, dtype=">i4"),
              "fortran": np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3)), "b": np.array([True, False])}
    for protocol in (2, 4, 5):
        path = tmp_path / f"p{protocol}"
        path.write_bytes(pickle.dumps(values, protocol=protocol))
        out = load_pickle(str(path))
        for k, v in values.items():
            assert isinstance(out[k], ag.Tensor)
            np.testing.assert_array_equal(out[k].numpy(), v)
        assert out["b"].dtype == ag.bool and out["big"].dtype == ag.int32


# ---------------------------------------------------------------------- folders

def make_folder(root: Path) -> None:
    rng = np.random.default_rng(3)
    for cls, names in {"dog": ["b.png", "a.JPG", "sub/c.png", "notes.txt"], "cat": ["z.bmp"], "bird": []}.items():
        (root / cls).mkdir(parents=True)
        for name in names:
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".txt"):
                path.write_text("not an image")
            else:
                fmt = {"png": "PNG", "jpg": "JPEG", "bmp": "BMP"}[name.rsplit(".", 1)[1].lower()]
                Image.fromarray(rng.integers(0, 256, (5, 6), dtype=np.uint8)).save(path, format=fmt)


def test_image_folder(tmp_path: Path) -> None:
    make_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes bird. Supported extensions are: .jpg"):
        datasets.ImageFolder(tmp_path)
    ds = datasets.ImageFolder(tmp_path, allow_empty=True, transform=transforms.ToTensor())
    assert ds.classes == ["bird", "cat", "dog"] and ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    rel = [(str(Path(p).relative_to(tmp_path)), t) for p, t in ds.samples]
    assert rel == [("cat/z.bmp", 1), ("dog/a.JPG", 2), ("dog/b.png", 2), ("dog/sub/c.png", 2)]
    assert ds.targets == [1, 2, 2, 2] and ds.imgs is ds.samples
    x, y = ds[0]
    assert tuple(x.shape) == (3, 5, 6) and y == 1  # loaded as RGB
    only_png = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"), allow_empty=True)
    assert [Path(p).name for p, _ in only_png.samples] == ["b.png", "c.png"]
    texts = datasets.DatasetFolder(tmp_path, loader=lambda p: Path(p).read_text(), extensions=(".txt",), allow_empty=True)
    assert texts[0] == ("not an image", 2)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(tmp_path, loader=str)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path / "cat")


def test_image_folder_matches_torchvision(tmp_path: Path) -> None:
    tv = pytest.importorskip("torchvision", reason=TV_REASON)
    make_folder(tmp_path)
    ours, theirs = datasets.ImageFolder(tmp_path, allow_empty=True), tv.datasets.ImageFolder(str(tmp_path), allow_empty=True)
    assert ours.samples == theirs.samples and ours.class_to_idx == theirs.class_to_idx
    np.testing.assert_array_equal(np.asarray(ours[2][0]), np.asarray(theirs[2][0]))


# ---------------------------------------------------------------------- FakeData

def test_fake_data_is_deterministic_per_index_and_backend() -> None:
    ds = datasets.FakeData(size=5, image_size=(3, 6, 4), num_classes=3)
    state = ag.get_rng_state()
    img, target = ds[2]
    assert ag.get_rng_state() == state  # the global generator is untouched
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (4, 6) and 0 <= target < 3
    again, target2 = ds[2]
    assert np.array_equal(np.asarray(img), np.asarray(again)) and target == target2
    assert not np.array_equal(np.asarray(ds[3][0]), np.asarray(img))
    shifted = datasets.FakeData(size=5, image_size=(3, 6, 4), num_classes=3, random_offset=1)
    assert np.array_equal(np.asarray(shifted[1][0]), np.asarray(ds[2][0]))
    assert len(ds) == 5 and np.array_equal(np.asarray(ds[-1][0]), np.asarray(ds[4][0]))
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[5]


@pytest.mark.backends("numpy", "strict", "jax")
def test_fake_data_items_are_the_same_on_every_backend(backend: str) -> None:
    gray = datasets.FakeData(size=2, image_size=(1, 3, 3), transform=transforms.ToTensor())
    x, y = gray[1]
    assert x.backend.name == backend and tuple(x.shape) == (1, 3, 3)
    with ag.use_backend("numpy"):
        ref, ref_y = gray[1]
    # NOTE: jax (XLA) turns x / 255 into x * (1 / 255): one ulp apart at most
    np.testing.assert_allclose(x.numpy(), ref.numpy(), rtol=2e-7 if backend == "jax" else 0, atol=0)
    assert y == ref_y
