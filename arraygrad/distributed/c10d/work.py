"""``Work``: the handle of a collective started with ``async_op=True``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

__all__ = ["Work"]


class Work:
    """The handle of a collective started with ``async_op=True``.

    ``wait()`` blocks until the collective has finished and the result is in the output tensors;
    ``is_completed()`` tells without blocking (and finishes the op when it has completed).

    Attributes:
        op: the collective's name (``"all_reduce"`` ...).
        path: ``"buffer"`` when the tensors' memory went to MPI directly (numpy), ``"host-staged"``
            when it was copied through host memory (jax, cupy, array-api-strict, 16-bit floats).

    Args:
        op: the collective's name.
        request: the MPI request of the nonblocking collective.
        finish: what to run once it completes (copying host-staged results back), or None.
        path: ``"buffer"`` or ``"host-staged"``, as above.
        keep: the send buffers, kept alive until the request completes (default None).
    """

    def __init__(self, op: str, request: Any, finish: Callable[[], None] | None, path: str, keep: Any = None) -> None:
        self.op = op
        self.path = path
        self._request = request
        self._finish = finish
        self._keep = keep  # the send buffers: MPI reads them until the request completes
        self._done = False

    def _complete(self) -> None:
        self._done = True
        self._keep = None
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the collective has finished and its outputs are written.

        Args:
            timeout: accepted for PyTorch compatibility; MPI requests cannot time out, so it is
                ignored (default None).

        Returns:
            True.
        """
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Say whether the collective has finished, without blocking (a finished one is completed).

        Returns:
            True once the collective's outputs are written.
        """
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Say whether the collective finished without error (MPI reports errors by aborting).

        Returns:
            The same as ``is_completed()``.
        """
        return self.is_completed()

    def __repr__(self) -> str:
        state = "completed" if self._done else "pending"
        return f"<arraygrad Work {self.op} ({self.path}) {state}>"


def _run(op: str, request: Any, finish: Callable[[], None] | None, path: str, keep: Any, async_op: bool) -> Work | None:
    work = Work(op, request, finish, path, keep)
    if async_op:
        return work
    work.wait()
    return None
