"""Moving batches between processes: arraygrad tensors refuse to be pickled (their arrays may live on
a device), so the worker pickler sends each tensor as its host (numpy) array and the main process
rebuilds it on the backend it asks for. Tensors are found anywhere in the object graph, also inside
user classes, without walking the structure by hand."""

from __future__ import annotations

import io
import pickle
from typing import Any

from arraygrad import backends
from arraygrad.core.creation import from_numpy
from arraygrad.core.tensor import Tensor

_TAG = "arraygrad.Tensor"


class _TensorPickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Tensor):
            return (_TAG, obj.detach().numpy(), obj.requires_grad)
        return None


class _TensorUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, backend: Any) -> None:
        super().__init__(file)
        self.backend = backend

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 3 and pid[0] == _TAG):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        tensor = from_numpy(pid[1], backend=self.backend)
        if pid[2]:
            tensor.requires_grad_(True)
        return tensor


def dumps(obj: Any) -> bytes:
    """Pickle ``obj``, arraygrad tensors included (as host arrays)."""
    buf = io.BytesIO()
    _TensorPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def loads(data: bytes, backend: Any = None) -> Any:
    """Unpickle what :func:`dumps` made; tensors are rebuilt on ``backend`` (default: the
    current default backend)."""
    be = backends.get(backend) if backend is not None else backends.default()
    return _TensorUnpickler(io.BytesIO(data), be).load()
