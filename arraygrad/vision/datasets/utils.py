"""Downloading, checksums and archives for the datasets, as ``torchvision.datasets.utils``.

``download_url`` fetches with a progress bar (tqdm when installed), verifies the MD5 and writes
the file atomically; failures name the URL and where to put the file by hand.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, Any, TypeVar

__all__ = [
    "calculate_md5", "check_integrity", "check_md5", "download_and_extract_archive", "download_url",
    "extract_archive", "iterable_to_str", "list_dir", "list_files", "verify_str_arg",
]

USER_AGENT = "arraygrad/vision"
_Path = str | os.PathLike


def calculate_md5(fpath: _Path, chunk_size: int = 1024 * 1024) -> str:
    """The hex MD5 digest of a file, read in chunks."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: _Path, md5: str, **kwargs: Any) -> bool:
    """Whether the file's MD5 is ``md5``."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: _Path, md5: str | None = None) -> bool:
    """Whether ``fpath`` is a file and (when ``md5`` is given) has that MD5."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


class _Progress:
    """A byte-count progress bar: tqdm when it is installed, else a line on stderr."""

    def __init__(self, total: int | None, desc: str) -> None:
        self.done = 0
        self.total = total
        self.desc = desc
        self._bar: Any = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.total:
            print(f"\r{self.desc}: {100 * self.done // self.total}%", end="", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.total:
            print(file=sys.stderr)


def _urlretrieve(url: str, fpath: str, chunk_size: int = 1024 * 32) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    partial = fpath + ".part"
    with urllib.request.urlopen(request, timeout=60) as response:
        progress = _Progress(response.length, os.path.basename(fpath))
        try:
            with open(partial, "wb") as fh:
                while chunk := response.read(chunk_size):
                    fh.write(chunk)
                    progress.update(len(chunk))
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise
        finally:
            progress.close()
    os.replace(partial, fpath)


def download_url(url: str, root: _Path, filename: _Path | None = None, md5: str | None = None,
                 max_redirect_hops: int = 3) -> None:
    """Download ``url`` to ``root/filename`` (default: the URL's basename), unless a file with the
    right MD5 is already there.

    Args:
        url: where to download from (http, https or file URLs; redirects are followed).
        root: the directory to put the file in (created if needed).
        filename: the name to save it under.
        md5: the expected MD5 (None: not checked).
        max_redirect_hops: accepted for torchvision compatibility (urllib follows redirects).

    Raises:
        RuntimeError: the download failed (the message names the URL and where to place the file
            by hand), or the downloaded file's MD5 is not ``md5`` (the file is removed).
    """
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or os.path.basename(url)))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    try:
        _urlretrieve(url, fpath)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise RuntimeError(f"download_url: could not download {url} ({reason}). Without network access, download "
                           f"it elsewhere and place it at {fpath}") from e
    if not check_integrity(fpath, md5):
        actual = calculate_md5(fpath)
        os.remove(fpath)
        raise RuntimeError(f"File not found or corrupted: {fpath} downloaded from {url} has MD5 {actual}, expected "
                           f"{md5}; the file was removed")


def list_dir(root: _Path, prefix: bool = False) -> list[str]:
    """The directories in ``root`` (with ``root`` prepended when ``prefix``)."""
    root = os.path.expanduser(root)
    dirs = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in dirs] if prefix else dirs


def list_files(root: _Path, suffix: str | tuple[str, ...], prefix: bool = False) -> list[str]:
    """The files in ``root`` whose names end with ``suffix``."""
    root = os.path.expanduser(root)
    files = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, f) for f in files] if prefix else files


_COMPRESSED: dict[str, Callable[..., IO[bytes]]] = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}  # type: ignore[dict-item]
_ARCHIVES = (".tar", ".zip")
_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"), ".tgz": (".tar", ".gz")}


def _detect_file_type(file: _Path) -> tuple[str, str | None, str | None]:
    """``(suffix, archive type, compression)`` from a file name."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(f"File '{file}' has no suffixes that could be used to detect the archive type and compression.")
    suffix = suffixes[-1]
    if suffix in _ALIASES:
        return (suffix, *_ALIASES[suffix])
    if suffix in _ARCHIVES:
        return suffix, suffix, None
    if suffix in _COMPRESSED:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVES:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    valid = sorted(set(_ALIASES) | set(_ARCHIVES) | set(_COMPRESSED))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\nKnown suffixes are: '{valid}'.")


def _safe_extractall(tar: tarfile.TarFile, to_path: str) -> None:
    """``tar.extractall`` that refuses members escaping ``to_path`` (the ``"data"`` filter where
    Python has it, the same checks by hand on Python versions before it)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(to_path, filter="data")
        return
    base = os.path.realpath(to_path)
    for member in tar.getmembers():  # pragma: no cover - Python < 3.10.12 / 3.11.4 only
        target = os.path.realpath(os.path.join(base, member.name))
        if os.path.commonpath([base, target]) != base or member.isdev() or (
                (member.issym() or member.islnk()) and os.path.isabs(member.linkname)):
            raise tarfile.TarError(f"extract_archive: refusing to extract {member.name!r} outside {to_path}")
    tar.extractall(to_path)


def extract_archive(from_path: _Path, to_path: _Path | None = None, remove_finished: bool = False) -> _Path:
    """Extract a tar/zip archive (optionally compressed) or decompress a ``.gz``/``.bz2``/``.xz`` file.

    Tar members are extracted with the ``"data"`` filter: no absolute paths, no ``..``, no links
    out of ``to_path``, no device files.

    Args:
        from_path: the archive.
        to_path: the directory to extract into (default: the archive's directory).
        remove_finished: delete the archive afterwards.

    Returns:
        the directory extracted into, or the decompressed file.

    Raises:
        RuntimeError: an unknown suffix.
        tarfile.TarError, zipfile.BadZipFile, OSError: a broken or unsafe archive.
    """
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive, compression = _detect_file_type(from_path)
    if archive is None:
        assert compression is not None
        name = os.path.basename(from_path)
        out = os.path.join(to_path, name[: len(name) - len(suffix)])
        with _COMPRESSED[compression](from_path, "rb") as rfh, open(out, "wb") as wfh:
            while chunk := rfh.read(1024 * 1024):
                wfh.write(chunk)
        result: _Path = out
    elif archive == ".tar":
        with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:  # type: ignore[call-overload]
            _safe_extractall(tar, os.fspath(to_path))
        result = to_path
    else:
        with zipfile.ZipFile(from_path, "r") as zf:
            zf.extractall(to_path)
        result = to_path
    if remove_finished:
        os.remove(from_path)
    return result


def download_and_extract_archive(url: str, download_root: _Path, extract_root: _Path | None = None,
                                 filename: _Path | None = None, md5: str | None = None,
                                 remove_finished: bool = False) -> None:
    """``download_url`` then ``extract_archive`` into ``extract_root`` (default: ``download_root``).

    Raises:
        the errors of :func:`download_url` and :func:`extract_archive`.
    """
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def iterable_to_str(iterable: Iterable[Any]) -> str:
    """``'a', 'b', 'c'``."""
    return "'" + "', '".join(str(item) for item in iterable) + "'"


T = TypeVar("T", str, bytes)


def verify_str_arg(value: T, arg: str | None = None, valid_values: Iterable[T] | None = None,
                   custom_msg: str | None = None) -> T:
    """``value`` if it is a str among ``valid_values``.

    Raises:
        ValueError: not a str, or not one of ``valid_values`` (the message lists them).
    """
    if not isinstance(value, str):
        where = "" if arg is None else f" for argument {arg}"
        raise ValueError(f"Expected type str{where}, but got type {type(value)}.")
    if valid_values is None:
        return value
    valid = list(valid_values)
    if value not in valid:
        raise ValueError(custom_msg or f"Unknown value '{value}' for argument {arg}. Valid values are "
                                       f"{{{iterable_to_str(valid)}}}.")
    return value
