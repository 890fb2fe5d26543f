"""PyTorch's legacy tensor types and constructors, for programs that still use them.

``Tensor(data)`` / ``FloatTensor(2, 3)`` / ``LongTensor([1, 2])``, ``x.type()`` returning PyTorch's
type string (``'torch.FloatTensor'``, ``'torch.cuda.FloatTensor'``: programs compare against those
exact strings), ``x.type(ag.DoubleTensor)`` and the ``x.new*`` family.

The typed constructors (``FloatTensor``, ``LongTensor``, ...) are not subclasses of ``Tensor``,
as in PyTorch: every tensor is a plain ``Tensor``. Their metaclass makes
``isinstance(x, FloatTensor)`` true exactly for float32 tensors off CUDA (as PyTorch's), so tensor
creation pays nothing for them.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import backends
from arraygrad.core import creation, dtypes
from arraygrad.core.tensor import Size, Tensor

# PyTorch's scalar type names, which the legacy type names are made of ("torch.LongTensor")
SCALAR_NAMES: dict[str, str] = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
    "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}


def type_string(t: Tensor) -> str:
    """PyTorch's legacy type name of ``t``: ``'torch.FloatTensor'``, ``'torch.cuda.LongTensor'``, ..."""
    prefix = "torch.cuda." if t.is_cuda else "torch."
    return f"{prefix}{SCALAR_NAMES[t.dtype.name]}Tensor"


class LegacyTensorType(type):
    """The metaclass of ``FloatTensor``, ``cuda.LongTensor``, ...: calling one creates a tensor of
    its dtype (and on CUDA for the ``cuda`` ones); ``isinstance`` checks dtype and device."""

    dtype: dtypes.dtype
    is_cuda: bool
    is_sparse = False

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.is_cuda == cls.is_cuda

    def __subclasscheck__(cls, sub: Any) -> bool:
        return sub is cls

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:  # type: ignore[override]
        return construct(cls.dtype, cls.is_cuda, args, kwargs, cls.__name__)

    def type_string(cls) -> str:
        return ("torch.cuda." if cls.is_cuda else "torch.") + cls.__name__


def _make_type(dt: dtypes.dtype, cuda: bool) -> LegacyTensorType:
    name = f"{SCALAR_NAMES[dt.name]}Tensor"
    doc = (
        f"PyTorch's legacy {'CUDA ' if cuda else ''}{dt} tensor type: ``{name}(data)``, ``{name}(2, 3)`` "
        f"(zero-filled), ``{name}()`` (empty); ``isinstance(x, {name})`` is true for {dt} tensors "
        f"{'on' if cuda else 'off'} CUDA."
    )
    cls = LegacyTensorType(name, (), {"__doc__": doc, "__module__": "arraygrad.cuda" if cuda else "arraygrad"})
    cls.dtype = dt
    cls.is_cuda = cuda
    return cls


_LEGACY_DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"]
#: dtypes that exist in this build (half precision comes with dtypes.float16 / dtypes.bfloat16)
_AVAILABLE = [dtypes.BY_NAME[n] for n in _LEGACY_DTYPES if n in dtypes.BY_NAME]

#: ``FloatTensor``, ``LongTensor``, ... by name (exported by ``arraygrad``)
CPU_TYPES: dict[str, LegacyTensorType] = {f"{SCALAR_NAMES[d.name]}Tensor": _make_type(d, False) for d in _AVAILABLE}
#: ``cuda.FloatTensor``, ... by name (exported by ``arraygrad.cuda``)
CUDA_TYPES: dict[str, LegacyTensorType] = {f"{SCALAR_NAMES[d.name]}Tensor": _make_type(d, True) for d in _AVAILABLE}

FloatTensor = CPU_TYPES["FloatTensor"]
DoubleTensor = CPU_TYPES["DoubleTensor"]
HalfTensor = CPU_TYPES["HalfTensor"]
BFloat16Tensor = CPU_TYPES["BFloat16Tensor"]
LongTensor = CPU_TYPES["LongTensor"]
IntTensor = CPU_TYPES["IntTensor"]
ShortTensor = CPU_TYPES["ShortTensor"]
CharTensor = CPU_TYPES["CharTensor"]
ByteTensor = CPU_TYPES["ByteTensor"]
BoolTensor = CPU_TYPES["BoolTensor"]

_BY_TYPE_STRING: dict[str, LegacyTensorType] = {
    **{f"torch.{n}": c for n, c in CPU_TYPES.items()},
    **{f"torch.cuda.{n}": c for n, c in CUDA_TYPES.items()},
}


# ---------------------------------------------------------------------- constructors


def _is_shape(args: tuple[Any, ...]) -> bool:
    """Whether legacy constructor arguments are sizes: ints, or a single ``Size`` (a plain tuple
    or list is data, as in PyTorch: ``Tensor((2, 3))`` is ``tensor([2., 3.])``)."""
    if len(args) == 1 and isinstance(args[0], Size):
        return True
    return bool(args) and all(isinstance(a, int) and not isinstance(a, bool) for a in args)


def construct(dtype: dtypes.dtype | None, cuda: bool, args: tuple[Any, ...], kwargs: dict[str, Any], name: str,
              like: Tensor | None = None) -> Tensor:
    """A tensor from legacy constructor arguments.

    Args:
        dtype: the dtype to create (None: the default float dtype, as ``Tensor(...)``).
        cuda: create on CUDA (the ``cuda.*Tensor`` types).
        args: ``()`` (empty), sizes (ints or one ``Size``; zero-filled), data (a list, tuple or
            array, converted) or one tensor (shared, which must have ``dtype`` unless ``dtype`` is None).
        kwargs: only ``device=``.
        name: the constructor's name, for errors.
        like: for ``x.new(...)``: create on ``like``'s backend.

    Raises:
        TypeError: unknown keywords, a tensor of another dtype, or data that is not a sequence.
        RuntimeError: negative sizes; no CUDA device for a ``cuda`` type.
    """
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"{name}(): got unexpected keyword arguments {sorted(kwargs)}; only device= is accepted")
    if cuda:
        device = "cuda" if device is None else device
    backend = like._backend if like is not None and device is None else None
    target = dtype if dtype is not None else dtypes.get_default_dtype()
    try:
        if not args:
            return creation.zeros(0, dtype=target, device=device, backend=backend)
        if _is_shape(args):
            return creation.zeros(*args, dtype=target, device=device, backend=backend)
        if len(args) > 1:
            kinds = ", ".join(type(a).__name__ for a in args)
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got ({kinds}): expected no argument, "
                "sizes (ints or one Size), one tensor, or one sequence of data"
            )
        data = args[0]
        if isinstance(data, Tensor):
            if dtype is not None and data.dtype is not dtype:
                raise TypeError(f"{name}(): expected a tensor of dtype {dtype}, got a tensor of dtype {data.dtype}")
            if device is None:
                return Tensor._alias(data._storage, data._backend)  # shares memory, as PyTorch's
            return creation.as_tensor(data, device=device)
        if isinstance(data, str):
            raise TypeError(f"{name}(): invalid data type 'str'")
        if isinstance(data, range):  # a sequence, as PyTorch reads it (``LongTensor(range(n))``)
            data = list(data)
        if not isinstance(data, (list, tuple)) and getattr(data, "ndim", 0) == 0:
            raise TypeError(f"{name}(): data must be a sequence (got {type(data).__name__})")
        return creation.tensor(data, dtype=target, device=device, backend=backend)
    except backends.BackendUnavailableError as exc:
        raise backends.BackendUnavailableError(f"{name}(): cannot create a CUDA tensor: {exc}") from None


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor)  # every tensor is a Variable, as in PyTorch


class Variable(metaclass=_VariableMeta):
    """PyTorch's legacy ``autograd.Variable``: ``Variable(t)`` is ``t.detach()`` (sharing its
    memory) and ``Variable(t, requires_grad=True)`` a leaf that requires grad; ``Variable()`` is
    an empty tensor. ``isinstance(x, Variable)`` is true for every tensor.

    Raises:
        TypeError: ``data`` is not a tensor.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = False, volatile: bool = False) -> Any:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with arraygrad.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            data = creation.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


# ---------------------------------------------------------------------- Tensor methods


def tensor_type(t: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """Return PyTorch's legacy type string of ``t``, or ``t`` converted to a given type.

    ``x.type()`` gives the type string (``'torch.FloatTensor'``). ``x.type(T)`` converts ``x`` to
    ``T``, moving it to or from CUDA when ``T`` says so.

    Args:
        t: the tensor.
        dtype: None for the type string; else the target: a legacy type such as ``ag.DoubleTensor``,
            its string (``'torch.cuda.FloatTensor'``), a dtype, or ``ag.Tensor`` for the default
            float type (default None).
        non_blocking: accepted for PyTorch compatibility; ignored (default False).

    Returns:
        The type string when ``dtype`` is None; else the converted tensor (``t`` itself when it
        already has that type).

    Raises:
        ValueError: an unknown type string.
    """
    if dtype is None:
        return type_string(t)
    if isinstance(dtype, str):
        found = _BY_TYPE_STRING.get(dtype)
        if found is None:
            raise ValueError(f"invalid type: {dtype!r}")
        dtype = found
    if dtype is Tensor:
        dtype = CPU_TYPES[f"{SCALAR_NAMES[dtypes.get_default_dtype().name]}Tensor"]
    if isinstance(dtype, LegacyTensorType):
        if isinstance(t, dtype):
            return t
        out = t
        if dtype.is_cuda != t.is_cuda:
            out = out.to("cuda" if dtype.is_cuda else "cpu")
        return out.to(dtype.dtype)
    return t.to(dtypes.as_dtype(dtype))


def new(t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Create a tensor with ``t``'s dtype and backend from legacy constructor arguments.

    ``x.new()`` is empty, ``x.new(2, 3)`` is zero-filled of that size, ``x.new([1, 2])`` holds the
    data, ``x.new(other)`` shares ``other``'s memory; only the ``device=`` keyword is accepted.

    Args:
        t: the tensor whose dtype and backend are taken.

    Returns:
        The new tensor.

    Raises:
        TypeError: unknown keywords, a tensor of another dtype, or data that is not a sequence.
    """
    return construct(t.dtype, False, args, kwargs, "new", like=t)


def _like(t: Tensor, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Creation keywords with ``t``'s dtype and backend where none are given."""
    if kwargs.get("dtype") is None:
        kwargs["dtype"] = t.dtype
    if kwargs.get("device") is None and kwargs.get("backend") is None:
        kwargs["backend"] = t._backend
    return kwargs


def new_tensor(t: Tensor, data: Any, **kwargs: Any) -> Tensor:
    """Create a new tensor (a copy) of ``data`` with ``t``'s dtype and backend.

    Keywords are those of ``arraygrad.tensor``; ``dtype=``, ``device=`` or ``backend=`` override
    what is taken from ``t``.

    Args:
        t: the tensor whose dtype and backend are taken.
        data: the data to copy: a number, a nested sequence, an array or a tensor.

    Returns:
        The new tensor.
    """
    return creation.tensor(data, **_like(t, kwargs))


def new_zeros(t: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    """Create a tensor of the given size, filled with zeros, with ``t``'s dtype and backend.

    The sizes are given as ints or as one sequence; keywords are those of ``arraygrad.zeros``, and
    ``dtype=``, ``device=`` or ``backend=`` override what is taken from ``t``.

    Args:
        t: the tensor whose dtype and backend are taken.

    Returns:
        The new tensor.
    """
    return creation.zeros(*size, **_like(t, kwargs))


def new_ones(t: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    """Create a tensor of the given size, filled with ones, with ``t``'s dtype and backend.

    The sizes are given as ints or as one sequence; keywords are those of ``arraygrad.ones``, and
    ``dtype=``, ``device=`` or ``backend=`` override what is taken from ``t``.

    Args:
        t: the tensor whose dtype and backend are taken.

    Returns:
        The new tensor.
    """
    return creation.ones(*size, **_like(t, kwargs))


def new_empty(t: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    """Create a tensor of the given size, uninitialised (here zero-filled), with ``t``'s dtype and backend.

    The sizes are given as ints or as one sequence; keywords are those of ``arraygrad.empty``, and
    ``dtype=``, ``device=`` or ``backend=`` override what is taken from ``t``.

    Args:
        t: the tensor whose dtype and backend are taken.

    Returns:
        The new tensor.
    """
    return creation.empty(*size, **_like(t, kwargs))


def new_full(t: Tensor, size: Any, fill_value: Any, **kwargs: Any) -> Tensor:
    """Create a tensor of ``size`` filled with ``fill_value``, with ``t``'s dtype and backend.

    Keywords are those of ``arraygrad.full``; ``dtype=``, ``device=`` or ``backend=`` override what
    is taken from ``t``.

    Args:
        t: the tensor whose dtype and backend are taken.
        size: the shape of the result, a sequence of ints.
        fill_value: the value of every element.

    Returns:
        The new tensor.
    """
    return creation.full(size, fill_value, **_like(t, kwargs))


def bind() -> None:
    """Attach ``type``, ``new`` and the ``new_*`` methods to ``Tensor`` (declared for type checkers
    in ``_tensor_methods.pyi``)."""
    methods = {
        "type": tensor_type, "new": new, "new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
        "new_empty": new_empty, "new_full": new_full,
    }
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
