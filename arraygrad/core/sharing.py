"""Pickling tensors, and tensors in memory shared between processes.

A tensor pickles as its values, dtype, backend and ``requires_grad`` (a ``Parameter`` stays a
``Parameter``). A tensor whose memory was moved to shared memory with ``share_memory_()``
pickles as a handle to that memory instead, so that the copy another process unpickles writes
into the same numbers: this is how ``arraygrad.multiprocessing`` runs PyTorch's Hogwild recipe.
"""

from __future__ import annotations

from typing import Any

from arraygrad import backends
from arraygrad.core.tensor import Tensor


def reduce_tensor(t: Tensor) -> tuple[Any, ...]:
    be = t._backend
    root = t._storage.base or t._storage
    requires_grad = t._rg and t.grad_fn is None
    if be.shares_host_memory and be.is_shared(root.array):
        arr = t._storage.array
        name, offset = be.segment_of(arr)
        return _rebuild_shared, (type(t), be.name, name, offset, tuple(arr.shape), tuple(arr.strides),
                                 arr.dtype.str, requires_grad)
    host = be.to_numpy(t._storage.array).copy()
    return _rebuild, (type(t), be.name, host, requires_grad)


def _finish(cls: type, t: Tensor, requires_grad: bool) -> Tensor:
    if cls is not Tensor and issubclass(cls, Tensor) and hasattr(cls, "__new__"):
        try:
            return cls(t, requires_grad=requires_grad)  # nn.Parameter
        except TypeError:
            pass
    return t.requires_grad_(requires_grad) if requires_grad else t


def _rebuild(cls: type, backend: str, host: Any, requires_grad: bool) -> Tensor:
    from arraygrad.core.creation import from_numpy

    return _finish(cls, from_numpy(host, backend=backend), requires_grad)


def _rebuild_shared(cls: type, backend: str, name: str, offset: int, shape: tuple[int, ...],
                    strides: tuple[int, ...], dtype: str, requires_grad: bool) -> Tensor:
    be = backends.get(backend)
    array = be.attach_shared(name, offset, shape, strides, dtype)
    t = Tensor._wrap(array, be)
    t._storage.pinned = True
    return _finish(cls, t, requires_grad)


def reduce_for_ipc(t: Tensor) -> tuple[Any, ...]:
    """What ``arraygrad.multiprocessing`` queues and process arguments send: like PyTorch's, a
    tensor on a backend that can share host memory is moved there first, so both sides see one
    memory; others travel as copies."""
    if t._backend.shares_host_memory:
        if t.grad_fn is not None:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
                "support crossing process boundaries.  If you just want to transfer the data, call detach() on "
                "the tensor before serializing (e.g., putting it on the queue)."
            )
        t.share_memory_()
    return reduce_tensor(t)
