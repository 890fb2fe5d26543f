"""Atomic writes to a path: a staging directory beside the target, fsync, rename, and removal of what
saves killed midway left behind."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable

import safetensors
import safetensors.numpy

from arraygrad.serialization._utils import _is_safetensors_panic, _message

__all__: list[str] = []


def _atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Write the file with ``write(temporary path)`` next to ``path``, fsync it, rename it over
    ``path``; on any failure remove the temporary file and leave ``path`` alone.

    The temporary file lives in a staging directory ``.<name>.<pid>.<random>.tmp`` beside
    ``path`` (safetensors' writer makes a temporary file of its own beside the file it is given,
    which then lands there too), locked with ``flock`` while it is written. A process killed in
    the middle (``kill -9``, a power cut) leaves that directory behind; the next save to the same
    path removes every such directory whose process is gone and whose lock is free.

    Raises:
        OSError: the file cannot be written (a full disk, no permission...), with the error's
            ``errno`` where it is known and a message naming ``path``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "ag.save: is a directory", path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "ag.save: no such directory", directory)
    base = os.path.basename(path)
    _remove_stale_staging(directory, base)
    staging = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    try:
        os.mkdir(staging, 0o700)
    except OSError as exc:
        raise _write_error(exc, path) from None
    lock = _lock(staging, blocking=True)
    tmp = os.path.join(staging, base)
    try:
        # O_EXCL: never clobber a file; mode 0o666 minus the umask is what a plain open() would give
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
        try:  # the permissions of the file being replaced, else those of a new file
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = stat.S_IMODE(os.stat(tmp).st_mode)
        _run_writer(write, tmp, path)
        os.chmod(tmp, mode)  # safetensors (re)creates the file as 0o600
        with open(tmp, "r+b") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove_staging(staging)
        raise _write_error(exc, path) from None
    except BaseException:
        _remove_staging(staging)
        raise
    finally:
        if lock is not None:
            os.close(lock)
    _remove_staging(staging)
    if os.name == "posix":  # make the rename itself durable
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _run_writer(write: Callable[[str], None], tmp: str, path: str) -> None:
    """``write(tmp)``, with the safetensors library's own errors turned into ``OSError``."""
    try:
        write(tmp)
    except safetensors.SafetensorError as exc:  # "I/O error: No space left on device (os error 28)"
        raise _write_error(exc, path) from None
    except BaseException as exc:
        if not _is_safetensors_panic(exc):
            raise
        raise _write_error(exc, path) from None


def _write_error(exc: BaseException, path: str) -> OSError:
    """An ``OSError`` naming ``path`` for a failed write, keeping the ``errno`` where known."""
    code = exc.errno if isinstance(exc, OSError) else None
    reason = (exc.strerror if isinstance(exc, OSError) else None) or _message(exc)
    if code is None:
        found = re.search(r"os error (\d+)", str(exc))
        code = int(found.group(1)) if found else None
    message = f"ag.save: cannot write {path}: {reason}"
    return OSError(code, message, path) if code is not None else OSError(message)


#: a staging directory's name after ``.<file name>.``: ``<pid>.<12 hex digits>.tmp``
_STAGING = re.compile(r"(\d+)\.[0-9a-f]{12}\.tmp")


def _remove_stale_staging(directory: str, base: str) -> None:
    """Remove the staging directories of earlier saves to ``directory/base`` whose process died
    mid-write. Only where ``flock`` exists: a directory is stale when its process is not running
    on this machine and nobody holds its lock (a lock dies with its process, even on ``kill -9``;
    the process check keeps the moment between ``mkdir`` and ``flock`` safe)."""
    if os.name != "posix":
        return
    prefix = f".{base}."
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix)]
    except OSError:
        return
    for n in names:
        found = _STAGING.fullmatch(n, len(prefix))
        if found is None or _running(int(found.group(1))):
            continue
        staging = os.path.join(directory, n)
        if os.path.islink(staging) or not os.path.isdir(staging):
            continue
        lock = _lock(staging, blocking=False)
        if lock is None:  # held by a live writer, or no locking here: leave it
            continue
        try:
            _remove_staging(staging)
        finally:
            os.close(lock)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def _lock(staging: str, blocking: bool) -> int | None:
    """An exclusive ``flock`` on the directory (its descriptor), or None where none can be had."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    try:
        fd = os.open(staging, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def _remove_staging(staging: str) -> None:
    """Remove a staging directory and the files in it (never following links or subdirectories)."""
    with contextlib.suppress(OSError):
        for entry in os.listdir(staging):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(staging, entry))
        os.rmdir(staging)
