"""Backend-independent dtype objects (``ag.float32``...) and the promotion rules PyTorch users expect."""

from __future__ import annotations

from typing import Any


class dtype:  # noqa: N801 - named like torch.dtype
    """A data type, independent of the backend; each backend maps it to its native dtype.

    The dtypes are the module-level instances (``arraygrad.float32``...); there is no need to make
    new ones.

    Args:
        name: the dtype's name, such as ``"float32"``.
        kind: one letter: ``"b"`` bool, ``"u"`` unsigned int, ``"i"`` signed int, ``"f"`` float,
            ``"c"`` complex.
        itemsize: the size of one element in bytes.
    """

    __slots__ = ("name", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, kind: str, itemsize: int) -> None:
        self.name = name
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = kind in "fic"
        self.itemsize = itemsize

    def __repr__(self) -> str:
        return f"arraygrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool_ = dtype("bool", "b", 1)
uint8 = dtype("uint8", "u", 1)
uint16 = dtype("uint16", "u", 2)
uint32 = dtype("uint32", "u", 4)
uint64 = dtype("uint64", "u", 8)
int8 = dtype("int8", "i", 1)
int16 = dtype("int16", "i", 2)
int32 = dtype("int32", "i", 4)
int64 = dtype("int64", "i", 8)
float16 = dtype("float16", "f", 2)
bfloat16 = dtype("bfloat16", "f", 2)
float32 = dtype("float32", "f", 4)
float64 = dtype("float64", "f", 8)
complex64 = dtype("complex64", "c", 8)
complex128 = dtype("complex128", "c", 16)

BY_NAME: dict[str, dtype] = {
    d.name: d
    for d in (bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64, float16, bfloat16, float32, float64,
              complex64, complex128)
}
# PyTorch spellings
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32, "short": int16}
#: the 16-bit floating dtypes: not every backend has them (the array API standard does not)
LOW_PRECISION = frozenset({float16, bfloat16})

_default_float = float32


def get_default_dtype() -> dtype:
    """Read the dtype of float tensors made from Python floats.

    Returns:
        ``float32`` unless ``set_default_dtype`` changed it.
    """
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (``ag.float32`` or ``ag.float64``; PyTorch also allows
    ``float16`` and ``bfloat16``).

    Args:
        d: the new default floating dtype.

    Raises:
        TypeError: ``d`` is not a floating dtype.
    """
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default_float = d


def as_dtype(d: Any) -> dtype:
    """Turn ``d`` (an arraygrad dtype, its name, or a Python type) into an arraygrad dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _default_float
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        found = BY_NAME.get(d) or ALIASES.get(d)
        if found is not None:
            return found
    name = getattr(d, "name", None) or getattr(d, "__name__", None)
    if isinstance(name, str) and name in BY_NAME:
        return BY_NAME[name]
    # dtype objects of other libraries print as e.g. "array_api_strict.int64"
    name = str(d).rsplit(".", 1)[-1]
    if name in BY_NAME and not isinstance(d, str):
        return BY_NAME[name]
    raise TypeError(f"not a dtype: {d!r}; use one of {', '.join('arraygrad.' + n for n in BY_NAME)}")


def promote(a: dtype, b: dtype) -> dtype:
    """PyTorch's result dtype for two tensors: bool < integer < floating, wider wins."""
    if a is b:
        return a
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    ka, kb = _kind(a), _kind(b)
    if rank[ka] != rank[kb]:
        return a if rank[ka] > rank[kb] else b
    if ka != kb:  # signed with unsigned integer: the next signed type wide enough for both
        size = max(a.itemsize if ka == "i" else 2 * a.itemsize, b.itemsize if kb == "i" else 2 * b.itemsize)
        return BY_NAME[f"int{min(8 * size, 64)}"]
    if a.itemsize == b.itemsize and ka == "f":  # float16 with bfloat16: neither holds the other
        return float32
    return a if a.itemsize >= b.itemsize else b


def category(d: dtype) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex: the order in which PyTorch promotes."""
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[_kind(d)]


def _kind(d: dtype) -> str:
    if d.is_complex:
        return "c"
    if d.is_floating_point:
        return "f"
    if d is bool_:
        return "b"
    return "i" if d.is_signed else "u"


# ---------------------------------------------------------------------- finfo / iinfo

# (bits, eps, max, smallest normal, resolution) of each floating dtype, as torch.finfo reports them
_FLOAT_LIMITS: dict[str, tuple[int, float, float, float, float]] = {
    "float16": (16, 2.0**-10, 65504.0, 2.0**-14, 1e-3),
    "bfloat16": (16, 2.0**-7, 3.3895313892515355e38, 2.0**-126, 1e-2),
    "float32": (32, 2.0**-23, 3.4028234663852886e38, 2.0**-126, 1e-6),
    "float64": (64, 2.0**-52, 1.7976931348623157e308, 2.0**-1022, 1e-15),
}
# a complex dtype reports the limits of its real part, as in PyTorch
_COMPLEX_PARTS = {"complex64": "float32", "complex128": "float64"}


class finfo:  # noqa: N801 - named like torch.finfo
    """Machine limits of a floating dtype (``torch.finfo``): ``bits``, ``eps``, ``max``, ``min``,
    ``tiny`` (= ``smallest_normal``), ``resolution`` and ``dtype`` (the name, e.g. ``'float16'``).

    Args:
        type: a floating or complex dtype; the default dtype when omitted.

    Raises:
        TypeError: ``type`` is not a floating or complex dtype.
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        d = _default_float if type is None else as_dtype(type)
        name = _COMPLEX_PARTS.get(d.name, d.name)
        if name not in _FLOAT_LIMITS:
            raise TypeError("finfo() requires a floating point input type. Use iinfo to handle 'finfo'"
                            f" (got {d})")
        self.bits, self.eps, self.max, self.smallest_normal, self.resolution = _FLOAT_LIMITS[name]
        self.min = -self.max
        self.tiny = self.smallest_normal
        self.dtype = name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - named like torch.iinfo
    """Limits of an integer dtype (``torch.iinfo``): ``bits``, ``max``, ``min`` and ``dtype`` (its name).

    Args:
        type: an integer dtype.

    Raises:
        TypeError: ``type`` is not an integer dtype (``bool`` included, as in PyTorch).
    """

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        d = as_dtype(type)
        if d.is_floating_point or d.is_complex or d is bool_:
            raise TypeError(f"{d} is not supported by iinfo")
        self.bits = 8 * d.itemsize
        self.min = -(2 ** (self.bits - 1)) if d.is_signed else 0
        self.max = 2 ** (self.bits - 1) - 1 if d.is_signed else 2**self.bits - 1
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
