"""Flatten parameters into one vector and back (``parameters_to_vector``, ``vector_to_parameters``)."""

from __future__ import annotations

from collections.abc import Iterable

from arraygrad.core import shape
from arraygrad.core.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_backend(tensors: list[Tensor]) -> None:
    for t in tensors[1:]:
        if t.backend is not tensors[0].backend or t.device != tensors[0].device:
            raise TypeError(
                "Found two parameters on different devices, this is currently not supported "
                f"({tensors[0].backend.name}:{tensors[0].device} and {t.backend.name}:{t.device})."
            )


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Flatten ``parameters`` and concatenate them into one 1-d Tensor.

    The result is differentiable with respect to the parameters (it is a new tensor, not a view).

    Args:
        parameters: an iterable of Tensors, e.g. ``model.parameters()``, all on one backend and device.

    Returns:
        A 1-d Tensor of length the total number of elements, in the order of ``parameters``.

    Raises:
        TypeError: the parameters live on different backends or devices.
    """
    params = list(parameters)
    _check_same_backend(params)
    return shape.cat([shape.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d ``vec`` into ``parameters``, in order.

    Each parameter's ``.data`` is replaced by its slice of ``vec`` (detached), reshaped to the
    parameter's shape and converted to its dtype.

    Args:
        vec: a 1-d Tensor with at least as many elements as all ``parameters`` together.
        parameters: an iterable of Tensors, e.g. ``model.parameters()``, on the backend and device of ``vec``.

    Raises:
        TypeError: ``vec`` is not a Tensor, or it and the parameters are on different backends or devices.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected arraygrad.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    _check_same_backend([vec, *params])
    pointer = 0
    for p in params:
        n = p.numel()
        p.data = shape.reshape(vec[pointer : pointer + n].detach(), tuple(p.shape)).to(p.dtype)  # type: ignore[index]
        pointer += n
