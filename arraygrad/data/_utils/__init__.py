"""Helpers shared by the DataLoader, its samplers and its worker processes.

Index randomness is drawn on the host backend (numpy, arraygrad's core dependency), as PyTorch's
samplers draw on the CPU generator: arraygrad's generator gives the same numbers on every backend,
so the choice changes speed, never the order.
"""

from __future__ import annotations

import pickle
import sys
import traceback
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.random import Generator, default_generator, rand, randint, randperm

#: the backend sampler indices are drawn on and worker processes build their batches on
HOST_BACKEND = "numpy"

#: seconds between liveness checks while a worker or the main process waits on the other
MP_STATUS_CHECK_INTERVAL = 5.0


def draw_seed(generator: Generator | None) -> int:
    """A non-negative 63-bit seed drawn from ``generator`` (the default generator when None),
    like ``torch.empty((), dtype=torch.int64).random_(generator)``."""
    lo, hi = randint(0, 2**32, (2,), generator=generator or default_generator, backend=HOST_BACKEND).tolist()
    return ((hi << 32) | lo) & (2**63 - 1)


def host_randperm(n: int, generator: Generator | None) -> list[int]:
    """A random permutation of ``range(n)`` as Python ints."""
    if n == 0:
        return []
    return randperm(n, generator=generator or default_generator, backend=HOST_BACKEND).tolist()


def host_randint(high: int, size: int, generator: Generator | None) -> list[int]:
    """``size`` ints uniform in ``[0, high)`` as Python ints."""
    if size == 0:
        return []
    return randint(0, high, (size,), generator=generator or default_generator, backend=HOST_BACKEND).tolist()


def host_rand(size: int, generator: Generator | None) -> list[float]:
    """``size`` float64 values uniform in ``[0, 1)`` as Python floats."""
    if size == 0:
        return []
    return rand(size, generator=generator or default_generator, dtype=dtypes.float64, backend=HOST_BACKEND).tolist()


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback text readably."""

    __slots__ = ()

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception caught in a worker process, carried to the main process with its traceback text.

    Args:
        exc_info: ``sys.exc_info()`` of the exception (default: the one being handled).
        where: where it happened, e.g. ``"in DataLoader worker process 0"``.
    """

    def __init__(self, exc_info: Any = None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        exc_type = exc_info[0]
        try:
            pickle.dumps(exc_type)
        except Exception:
            # NOTE: a class defined inside a function cannot cross the process boundary
            exc_type = RuntimeError
        self.exc_type: type[BaseException] = exc_type
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self) -> None:
        """Raise the wrapped exception type with the worker's traceback in its message
        (``RuntimeError`` when that type cannot be built from a single message)."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            # KeyError quotes its argument (repr): keep the traceback readable
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            # some exceptions take the message as a keyword argument
            raise self.exc_type(message=msg)  # type: ignore[call-arg]
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


from arraygrad.data._utils import collate, fetch, pickling, worker  # noqa: E402
