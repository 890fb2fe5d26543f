"""``default_collate`` and ``default_convert``: samples to batches, as ``torch.utils.data``.

Host data (numpy arrays, Python numbers) becomes tensors on the current default backend; arrays
are stacked on the host first, so a batch costs one transfer, not one per sample. Tensors are
stacked on their own backend (nothing is moved silently). numpy is never imported: its arrays
are recognised by ``__array_interface__``.
"""

from __future__ import annotations

import collections.abc
import copy
from collections.abc import Callable, Sequence
from typing import Any

from arraygrad import backends
from arraygrad.core import dtypes
from arraygrad.core.creation import from_numpy, tensor
from arraygrad.core.shape import stack
from arraygrad.core.tensor import Tensor
from arraygrad.data._utils import HOST_BACKEND

CollateFnMap = dict[Any, Callable[..., Any]]

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)
_STRING_KINDS = ("S", "U", "O")  # numpy bytes, str and object arrays: nothing to stack


def is_host_array(obj: Any) -> bool:
    """A numpy array or numpy scalar other than a numpy string (duck-typed: numpy is not imported here)."""
    return (
        hasattr(obj, "__array_interface__")
        and hasattr(obj, "dtype")
        and not isinstance(obj, (Tensor, str, bytes))
    )


def is_device_array(obj: Any) -> bool:
    """An array of another library (jax, cupy, array-api-strict) that arraygrad can wrap."""
    return (
        not isinstance(obj, Tensor)
        and hasattr(obj, "shape")
        and hasattr(obj, "dtype")
        and (hasattr(obj, "__array_namespace__") or hasattr(obj, "__dlpack__"))
    )


def _is_string_array(obj: Any) -> bool:
    return getattr(obj.dtype, "kind", None) in _STRING_KINDS


def _to_default(t: Tensor) -> Tensor:
    target = backends.default()
    return t if t.backend is target else t.to(target.name)


def collate(batch: Sequence[Any], *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Merge a list of samples into a batch, keeping the samples' structure.

    A function of ``collate_fn_map`` handles an element type (exact type first, then numpy arrays,
    then ``isinstance`` in the map's order); mappings, namedtuples and sequences are collated
    field by field.

    Args:
        batch: the samples (a list or tuple; at least one).
        collate_fn_map: ``{type or tuple of types: fn(batch, *, collate_fn_map)}``.

    Returns:
        The batch: a mapping of the same type for mappings, the same namedtuple type, a list for
        tuples, the same sequence type for lists.

    Raises:
        RuntimeError: sequences of different lengths in the batch.
        TypeError: an element type no function handles.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        # numpy types cannot be keys here without importing numpy: they are matched by duck type
        if is_host_array(elem) and _HOST_ARRAY in collate_fn_map:
            return collate_fn_map[_HOST_ARRAY](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(collate_type, (type, tuple)) and isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
        if is_device_array(elem) and _DEVICE_ARRAY in collate_fn_map:
            return collate_fn_map[_DEVICE_ARRAY](batch, collate_fn_map=collate_fn_map)

    def sub(samples: Sequence[Any]) -> Any:
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                # a shallow copy keeps the mapping's type and any attributes it carries
                clone = copy.copy(elem)
                clone.update({key: sub([d[key] for d in batch]) for key in elem})
                return clone
            return elem_type({key: sub([d[key] for d in batch]) for key in elem})
        except TypeError:  # the mapping type cannot be built from a dict
            return {key: sub([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [sub(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                seq_clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    seq_clone[i] = sub(samples)
                return seq_clone
            return elem_type([sub(samples) for samples in transposed])
        except TypeError:
            return [sub(samples) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch: Sequence[Tensor], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Stack tensors along a new first dimension (on their backend)."""
    return stack(list(batch), 0)


def collate_host_array_fn(batch: Sequence[Any], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Stack numpy arrays or numpy scalars on the host, then move the batch to the default backend.

    Raises:
        TypeError: string or object arrays.
    """
    elem = batch[0]
    if _is_string_array(elem):
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    host = [from_numpy(b, backend=HOST_BACKEND) for b in batch]
    return _to_default(stack(host, 0))


def collate_device_array_fn(batch: Sequence[Any], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Stack arrays of another array library as tensors of the default backend."""
    return stack([tensor(b) for b in batch], 0)


def collate_float_fn(batch: Sequence[float], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Python floats become a float64 tensor (PyTorch does the same)."""
    return tensor(list(batch), dtype=dtypes.float64)


def collate_int_fn(batch: Sequence[int], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Python ints become an int64 tensor (bools a bool tensor)."""
    return tensor(list(batch))


def collate_str_fn(batch: Sequence[Any], *, collate_fn_map: CollateFnMap | None = None) -> Sequence[Any]:
    """Strings and bytes are left as they are (the batch itself, a list or tuple)."""
    return batch


class _HostArrayKey:
    """Key of ``default_collate_fn_map`` for numpy arrays and scalars (matched by duck type)."""

    def __repr__(self) -> str:
        return "<numpy arrays and scalars>"


class _DeviceArrayKey:
    """Key of ``default_collate_fn_map`` for arrays of other array libraries (jax, cupy...)."""

    def __repr__(self) -> str:
        return "<other array-API arrays>"


_HOST_ARRAY = _HostArrayKey()
_DEVICE_ARRAY = _DeviceArrayKey()

default_collate_fn_map: CollateFnMap = {
    Tensor: collate_tensor_fn,
    _HOST_ARRAY: collate_host_array_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
    _DEVICE_ARRAY: collate_device_array_fn,
}


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge samples into a batch, as ``torch.utils.data.default_collate``.

    - tensors are stacked (``[B, *shape]``) on their backend;
    - numpy arrays and numpy scalars become one stacked tensor on the default backend;
    - Python floats a float64 tensor, ints an int64 tensor, bools a bool tensor;
    - strings and bytes are returned as they are;
    - dicts, namedtuples, tuples and lists are collated field by field: ``[(x, y), ...]`` gives
      ``[X, Y]``, ``[{"a": x}, ...]`` gives ``{"a": X}``.

    Args:
        batch: the samples (at least one).

    Returns:
        The batch.

    Raises:
        TypeError: an element type it cannot collate (the message names it), string arrays.
        RuntimeError: sequences of different lengths; tensors of different shapes (from ``stack``).
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """Turn numpy arrays (and numpy scalars) inside ``data`` into tensors on the default backend,
    keeping the structure; everything else is returned as it is. The DataLoader's collate_fn when
    automatic batching is off (``batch_size=None``).

    Args:
        data: a sample.

    Returns:
        The sample with arrays converted (tuples become lists, as in PyTorch).
    """
    if isinstance(data, Tensor):
        return data
    if is_host_array(data):
        if _is_string_array(data):
            return data
        return _to_default(from_numpy(data, backend=HOST_BACKEND))
    data_type: Any = type(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return data_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return data_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                seq_clone = copy.copy(data)
                for i, d in enumerate(data):
                    seq_clone[i] = default_convert(d)
                return seq_clone
            return data_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
