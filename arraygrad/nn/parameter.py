"""``nn.Parameter``: a tensor that a ``Module`` registers as one of its learnable parameters."""

from __future__ import annotations

from arraygrad.core import creation
from arraygrad.core.tensor import Tensor


class Parameter(Tensor):
    """A tensor that, when assigned as an attribute of a ``Module``, is registered as its parameter
    and listed by ``parameters()``.

    ``Parameter(data)`` shares ``data``'s storage (no copy, like PyTorch) and is a leaf that
    requires grad. Operations on a parameter return plain tensors.

    Args:
        data: the initial value (an empty 1-d tensor when None).
        requires_grad: whether the parameter requires gradient.

    Raises:
        TypeError: ``data`` is not a Tensor.
        RuntimeError: ``requires_grad`` is set on a tensor that is not floating point or complex.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = creation.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor as data, got {type(data).__name__}")
        param = cls._alias(data._storage, data._backend)
        param.requires_grad = requires_grad
        return param  # type: ignore[return-value]

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__; Tensor.__init__ refuses direct construction

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
