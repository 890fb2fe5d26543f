"""Reductions over dims: sum, mean, prod, var, std, norm, all, any and count_nonzero, and the
cumulative sum, with their backward nodes."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.autocast import AUTOCAST, autocast_args
from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.ops._helpers import _saved_output, _wrap
from arraygrad.core.ops.binary import div, mul, pow, sub, where
from arraygrad.core.ops.comparison import _as_bool, ne
from arraygrad.core.ops.unary import abs, sqrt
from arraygrad.core.tensor import Tensor, _dim

__all__ = [
    "SumBackward0", "SumBackward1", "sum", "MeanBackward0", "MeanBackward1", "mean", "ProdBackward0", "prod",
    "CumsumBackward0", "cumsum", "var", "std", "builtins_max", "LinalgVectorNormBackward0", "norm", "all", "any",
    "count_nonzero",
]


# ---------------------------------------------------------------------- reductions


def _axes(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    if dim is None:
        return None
    if isinstance(dim, int) or not isinstance(dim, (tuple, list)):
        return (_dim(dim, ndim, op),)  # _dim takes integer-likes and refuses the rest
    axes = tuple(sorted(_dim(d, ndim, op) for d in dim))
    for first, second in zip(axes, axes[1:]):
        if first == second:
            raise RuntimeError(f"{op}: dim {first} appears multiple times in the list of dims")
    return axes


def _expand_reduced(g: Tensor, shape: tuple[int, ...], axes: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """Bring the gradient of a reduction back to the input's shape."""
    if not GRAD_MODE.enabled:  # fast path: no graph to record
        xp = g._backend.xp
        arr = g._storage.array
        if not keepdim:
            arr = xp.reshape(arr, tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape)))
        if math.prod(shape) <= 4096:
            # NOTE: for small results a multiply is several times cheaper than numpy's broadcast_to
            return _wrap(xp.multiply(xp.ones(shape, dtype=arr.dtype), arr), g._backend)
        return _wrap(xp.broadcast_to(arr, shape), g._backend)
    if not keepdim:
        kept = tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
        g = reshape(g, kept)
    return expand(g, shape)


class SumBackward0(Node):
    """Backward of a sum over all dims (``SumBackward1`` below: over given dims, PyTorch's names)."""

    __slots__ = ("shape", "axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (_expand_reduced(g, self.shape, self.axes, self.keepdim),)


class SumBackward1(SumBackward0):
    __slots__ = ()


def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum the elements of ``a`` over ``dim``, as ``torch.sum``.

    Integer and bool inputs are summed as int64, as in PyTorch. Under CUDA ``autocast`` (and without ``dtype``)
    a reduced-precision input is summed in float32.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to before summing, which is also the result's (default None).

    Returns:
        A new Tensor of the sums; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    if AUTOCAST.active and dtype is None:
        a = autocast_args("sum", a)
    backend = a._backend
    x = a._storage.array
    axes = _axes(dim, x.ndim, "sum")
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    elif x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        x = backend.xp.astype(x, backend.native_dtype("int64"))
    out = backend.xp.sum(x, axis=axes, keepdims=keepdim)
    if GRAD_MODE.enabled and a._rg:
        node = (SumBackward0 if dim is None else SumBackward1)((a,))
        node.shape, node.axes, node.keepdim = tuple(x.shape), axes, keepdim
        return _wrap(out, backend, node)
    return _wrap(out, backend)


class MeanBackward0(Node):
    __slots__ = ("shape", "axes", "keepdim", "count")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (div(_expand_reduced(g, self.shape, self.axes, self.keepdim), self.count),)


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Average the elements of ``a`` over ``dim``, as ``torch.mean``.

    The mean over no elements is nan, as in PyTorch.

    Args:
        a: the input tensor, of a floating or complex dtype unless ``dtype`` is given.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to before averaging, which is also the result's (default None).

    Returns:
        A new Tensor of the means; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` (cast to ``dtype`` when given) is not of a floating or complex dtype; a dim appears
            more than once.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    backend = a._backend
    x = a._storage.array
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    if x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {a.dtype}"
        )
    axes = _axes(dim, x.ndim, "mean")
    count = math.prod(x.shape) if axes is None else math.prod(x.shape[i] for i in axes)
    if count:
        out = backend.xp.mean(x, axis=axes, keepdims=keepdim)
    else:  # numpy warns on an empty mean; PyTorch returns nan silently
        out = backend.xp.divide(backend.xp.sum(x, axis=axes, keepdims=keepdim), backend.xp.asarray(0, dtype=x.dtype))
    if GRAD_MODE.enabled and a._rg:
        node = (MeanBackward0 if dim is None else MeanBackward1)((a,))
        node.shape, node.axes, node.keepdim, node.count = tuple(x.shape), axes, keepdim, count
        return _wrap(out, backend, node)
    return _wrap(out, backend)


class ProdBackward0(Node):
    __slots__ = ("axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, y = self.saved_tensors
        xp = g._backend.xp
        arr = x._storage.array
        shape = tuple(arr.shape)
        if not bool(xp.any(xp.equal(arr, 0))):
            # prod / x, written with Tensor ops so that higher-order gradients work
            y = _saved_output(self, y)
            return (mul(_expand_reduced(g, shape, self.axes, self.keepdim),
                        div(_expand_reduced(y, shape, self.axes, self.keepdim), x)),)
        # product of all other elements = exclusive prefix product * exclusive suffix product:
        # exact even when the input has zeros (where prod / x would divide by zero)
        if self.axes is None:
            flat = xp.reshape(arr, (-1,))
            others = xp.reshape(_prod_of_others(xp, flat, 0), shape)
        else:
            others = _prod_of_others_axes(xp, arr, self.axes)
        return (mul(_expand_reduced(g, shape, self.axes, self.keepdim), _wrap(others, g._backend)),)


def _prod_of_others(xp: Any, x: Any, axis: int) -> Any:
    n = x.shape[axis]
    ones = xp.ones_like(xp.take(x, xp.asarray([0]), axis=axis))
    before = xp.cumulative_prod(xp.concat([ones, xp.take(x, xp.arange(n - 1), axis=axis)], axis=axis), axis=axis)
    rev = xp.flip(x, axis=axis)
    after = xp.cumulative_prod(xp.concat([ones, xp.take(rev, xp.arange(n - 1), axis=axis)], axis=axis), axis=axis)
    return xp.multiply(before, xp.flip(after, axis=axis))


def _prod_of_others_axes(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    # move reduced axes to the end, flatten them into one, compute, and undo
    keep = [i for i in range(x.ndim) if i not in axes]
    moved = xp.permute_dims(x, tuple(keep) + axes)
    kshape = tuple(moved.shape[: len(keep)])
    flat = xp.reshape(moved, kshape + (-1,))
    others = xp.reshape(_prod_of_others(xp, flat, len(keep)), tuple(moved.shape))
    inverse = [0] * x.ndim
    for pos, ax in enumerate(tuple(keep) + axes):
        inverse[ax] = pos
    return xp.permute_dims(others, tuple(inverse))


def prod(a: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Multiply the elements of ``a`` over ``dim``, as ``torch.prod``.

    Integer and bool inputs are multiplied as int64. The gradient is exact even where ``a`` has zeros. Under
    ``autocast`` (CPU or CUDA, without ``dtype``) a reduced-precision input is computed in float32.

    Args:
        a: the input tensor.
        dim: the dim to reduce (a tuple of dims is also accepted); None reduces all elements (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to before multiplying, which is also the result's (default None).

    Returns:
        A new Tensor of the products; a 0-d Tensor when all elements are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    if AUTOCAST.active and dtype is None:
        a = autocast_args("prod", a)
    backend = a._backend
    x = a._storage.array
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    elif x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        x = backend.xp.astype(x, backend.native_dtype("int64"))
    axes = _axes(dim, x.ndim, "prod")
    out = backend.xp.prod(x, axis=axes, keepdims=keepdim)
    if GRAD_MODE.enabled and a._rg:
        node = ProdBackward0((a,))
        node.axes, node.keepdim = axes, keepdim
        res = _wrap(out, backend, node)
        node.save(a, Tensor._alias(res._storage, backend))
        return res
    return _wrap(out, backend)


class CumsumBackward0(Node):
    __slots__ = ("axis",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (flip(cumsum(flip(g, (self.axis,)), self.axis), (self.axis,)),)


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Compute the cumulative sum of ``a`` along ``dim``, as ``torch.cumsum``.

    Integer and bool inputs are summed as int64; a 0-d tensor is returned as is. Under CUDA ``autocast`` (and
    without ``dtype``) a reduced-precision input is summed in float32.

    Args:
        a: the input tensor.
        dim: the dim to accumulate along.
        dtype: dtype ``a`` is cast to before summing, which is also the result's (default None).

    Returns:
        A new Tensor of the shape of ``a`` whose element ``i`` along ``dim`` is the sum of elements ``0..i``.

    Raises:
        IndexError: ``dim`` is out of range.
        TypeError: ``dim`` is not an integer.
    """
    if AUTOCAST.active and dtype is None:
        a = autocast_args("cumsum", a)
    backend = a._backend
    x = a._storage.array
    if dtype is not None:
        x = backend.xp.astype(x, backend.native_dtype(dtypes.as_dtype(dtype).name))
    elif x.dtype not in backend.float_dtypes and x.dtype not in backend.complex_dtypes:
        x = backend.xp.astype(x, backend.native_dtype("int64"))
    axis = _dim(dim, x.ndim, "cumsum")
    if x.ndim == 0:
        out = x
    else:
        out = backend.xp.cumulative_sum(x, axis=axis)
    if GRAD_MODE.enabled and a._rg:
        node = CumsumBackward0((a,))
        node.axis = axis
        return _wrap(out, backend, node)
    return _wrap(out, backend)


def var(a: Tensor, dim: Any = None, *, correction: float | None = None, unbiased: bool | None = None,
        keepdim: bool = False) -> Tensor:
    """Compute the variance of ``a`` over ``dim``, as ``torch.var``.

    The squared deviations from the mean are summed and divided by ``max(N - correction, 0)``, so a divisor of
    0 gives inf or nan, as in PyTorch.

    Args:
        a: the input tensor, of a floating dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        correction: subtracted from the number of reduced elements ``N`` to form the divisor ``N - correction``
            (clamped at 0); None means 1, or 0 when ``unbiased`` is False (default None).
        unbiased: older way to choose ``correction``: False means 0; ignored when ``correction`` is given
            (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the variances; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` is not of a floating or complex dtype; a dim appears more than once.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _axes(dim, a.ndim, "var")
    n = a.numel() if axes is None else math.prod(a.shape[i] for i in axes)
    centered = sub(a, mean(a, axes, keepdim=True))
    return div(sum(mul(centered, centered), axes, keepdim=keepdim), builtins_max(n - correction, 0))


def std(a: Tensor, dim: Any = None, *, correction: float | None = None, unbiased: bool | None = None,
        keepdim: bool = False) -> Tensor:
    """Compute the standard deviation of ``a`` over ``dim``, as ``torch.std``: the square root of ``var``.

    Args:
        a: the input tensor, of a floating dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        correction: subtracted from the number of reduced elements ``N`` to form the divisor ``N - correction``
            (clamped at 0); None means 1, or 0 when ``unbiased`` is False (default None).
        unbiased: older way to choose ``correction``: False means 0; ignored when ``correction`` is given
            (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new Tensor of the standard deviations; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` is not of a floating or complex dtype; a dim appears more than once.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    return sqrt(var(a, dim, correction=correction, unbiased=unbiased, keepdim=keepdim))


def builtins_max(a: float, b: float) -> float:
    return a if a > b else b


class LinalgVectorNormBackward0(Node):
    """2-norm: ``g * x / ||x||``, and 0 (a subgradient, as PyTorch) where the norm is 0."""

    __slots__ = ("axes", "keepdim")

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, n = self.saved_tensors
        n = _saved_output(self, n)
        shape = tuple(x.shape)
        zero = _wrap(n._storage.array == 0, n._backend)
        scale = where(zero, 0.0, div(g, where(zero, 1.0, n)))
        return (mul(x, _expand_reduced(scale, shape, self.axes, self.keepdim)),)


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Compute the vector p-norm of ``a`` over ``dim``, as ``torch.norm``.

    The elements over the reduced dims are treated as one vector (so ``'fro'`` over two dims is the Frobenius
    norm). ``p`` may be ``'fro'`` or 2 (Euclidean norm; the gradient is 0 where the norm is 0), ``inf`` (largest
    absolute value), ``-inf`` (smallest absolute value), 0 (number of nonzero elements, in ``a``'s dtype), 1
    (sum of absolute values) or any other number (``sum(|a| ** p) ** (1 / p)``).

    Args:
        a: the input tensor, of a floating or complex dtype (after the ``dtype`` cast).
        p: the order of the norm (default ``'fro'``).
        dim: a dim or a tuple/list of dims to reduce; None reduces all elements (default None).
        keepdim: keep the reduced dims with size 1 (default False).
        dtype: dtype ``a`` is cast to first (default None).

    Returns:
        A new Tensor of norms; a 0-d Tensor when all elements are reduced without ``keepdim``.

    Raises:
        RuntimeError: ``a`` is not of a floating or complex dtype; a dim appears more than once.
        ValueError: ``p`` is neither a number nor ``'fro'``.
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
    """
    if dtype is not None:
        a = a.to(dtype)
    backend = a._backend
    if a._storage.array.dtype not in backend.float_dtypes and a._storage.array.dtype not in backend.complex_dtypes:
        raise RuntimeError(f"norm: expected a floating point or complex tensor as input, got {a.dtype}")
    axes = _axes(dim, a.ndim, "norm")
    if p in ("fro", 2, 2.0):
        out = sqrt(sum(mul(a.detach(), a.detach()), axes, keepdim=keepdim))
        if GRAD_MODE.enabled and a._rg:
            node = LinalgVectorNormBackward0((a,))
            node.axes, node.keepdim = axes, keepdim
            res = _wrap(out._storage.array, a._backend, node)
            node.save(a, Tensor._alias(res._storage, a._backend))
            return res
        return out
    if p == math.inf:
        return amax(abs(a), axes if axes is not None else (), keepdim=keepdim)
    if p == -math.inf:
        return amin(abs(a), axes if axes is not None else (), keepdim=keepdim)
    if p == 1:
        return sum(abs(a), axes, keepdim=keepdim)
    if p == 0:
        return sum(ne(a, 0).to(a.dtype), axes, keepdim=keepdim)
    if isinstance(p, (int, float)):
        return pow(sum(pow(abs(a), p), axes, keepdim=keepdim), 1.0 / p)
    raise ValueError(f"norm: unsupported p={p!r}; use a number, 'fro', inf or -inf")


def all(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch name
    """Test whether every element of ``a`` over ``dim`` is true (nonzero), as ``torch.all``.

    Args:
        a: the input tensor, of any dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new bool Tensor; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    return _wrap(a._backend.xp.all(_as_bool(a), axis=_axes(dim, a.ndim, "all"), keepdims=keepdim), a._backend)


def any(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch name
    """Test whether at least one element of ``a`` over ``dim`` is true (nonzero), as ``torch.any``.

    Args:
        a: the input tensor, of any dtype.
        dim: a dim or a tuple/list of dims to reduce; None reduces all of them (default None).
        keepdim: keep the reduced dims with size 1 (default False).

    Returns:
        A new bool Tensor; a 0-d Tensor when all dims are reduced without ``keepdim``.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    return _wrap(a._backend.xp.any(_as_bool(a), axis=_axes(dim, a.ndim, "any"), keepdims=keepdim), a._backend)


def count_nonzero(a: Tensor, dim: Any = None) -> Tensor:
    """Count the nonzero elements of ``a`` over ``dim``, as ``torch.count_nonzero``.

    Args:
        a: the input tensor.
        dim: a dim or a tuple/list of dims to reduce; None counts over all elements (default None).

    Returns:
        A new int64 Tensor of counts, with the reduced dims removed.

    Raises:
        IndexError: a dim is out of range.
        TypeError: a dim is not an integer.
        RuntimeError: a dim appears more than once.
    """
    return sum(ne(a, 0), dim)


# used above; imported at the end, as minmax imports this module
from arraygrad.core.ops.minmax import amax, amin  # noqa: E402

# shape ops used above live in shape.py; imported at the end to avoid an import cycle
from arraygrad.core.shape import expand, flip, reshape  # noqa: E402
