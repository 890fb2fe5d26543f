"""Where loaded tensors go: ``map_location`` and ``backend`` turned into a backend and device per storage."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad import _torch_format as tf
from arraygrad.core import dtypes
from arraygrad.core.creation import resolve
from arraygrad.core.tensor import Tensor
from arraygrad.core.tensor import device as Device

__all__: list[str] = []


class _Placement:
    """Turns ``map_location`` and ``backend`` into the backend and device index of each tensor."""

    def __init__(self, map_location: Any, backend: Any) -> None:
        if map_location is not None and not isinstance(map_location, (str, Device, dict)) and not callable(map_location):
            raise TypeError(
                "ag.load: map_location must be a str, an ag.device, a dict or a callable, got "
                f"{type(map_location).__name__}"
            )
        self.map_location, self.backend = map_location, backend
        self.fixed = resolve(backend, map_location) if isinstance(map_location, (str, Device)) else None
        if self.fixed is None:
            resolve(backend, None)
        self.cache: dict[str, tuple[Any, int | None]] = {}

    def target(self, storage: tf.LoadedStorage) -> tuple[Any, int | None]:
        if self.fixed is not None:
            return self.fixed
        saved, ml = storage.location, self.map_location
        spec: Any = saved
        if isinstance(ml, dict):
            spec = ml.get(saved, saved)
        elif ml is not None:
            moved = ml(storage, saved)
            if isinstance(moved, tf.LoadedStorage) and moved.target is not None:
                spec = moved.target
            elif moved is not None and not isinstance(moved, tf.LoadedStorage):
                raise _MapLocationError(
                    f"ag.load: map_location returned {type(moved).__name__}, expected the storage it was given"
                )
        if spec == "cpu" or (ml is None and self.backend is not None):
            spec = None  # host tensors: the chosen (or default) backend
        key = str(spec)
        if key not in self.cache:
            try:
                self.cache[key] = resolve(self.backend, spec)
            except Exception as exc:
                if spec != saved:
                    raise
                raise _PlacementError(
                    f"ag.load: tensors were saved on {saved!r}, which is not available here ({exc}); pass "
                    "map_location='cpu' (or another device or backend) to load them elsewhere"
                ) from None
        return self.cache[key]

    def place(self, host: np.ndarray, dtype_name: str, storage: tf.LoadedStorage) -> Tensor:
        be, index = self.target(storage)
        return _to_tensor(host, dtype_name, be, index)

    def place_host(self, host: np.ndarray, dtype_name: str) -> Tensor:
        return self.place(host, dtype_name, tf.LoadedStorage(host, dtype_name, "cpu"))


class _PlacementError(RuntimeError):
    """Tensors were saved on a device that is not available here."""


class _MapLocationError(TypeError):
    """A ``map_location`` callable returned something other than a storage."""


class _BackendError(Exception):
    """Carries an error raised while creating a tensor on the target backend (not a file problem)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _to_tensor(array: np.ndarray, dtype_name: str, be: Any, index: int | None) -> Tensor:
    if dtype_name not in dtypes.BY_NAME:
        raise tf.LoadError(f"a tensor has dtype {dtype_name}, which arraygrad does not support")
    try:
        native = be.native_dtype(dtype_name)
        out = be.from_numpy(np.asarray(array), native)
        if index is not None:
            out = be.to_device(out, index)
    except Exception as exc:
        raise _BackendError(exc) from exc
    return Tensor._wrap(out, be)
