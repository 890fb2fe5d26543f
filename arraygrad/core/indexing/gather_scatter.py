"""Indexing along a dimension: ``gather``, ``take_along_dim``, ``take``, ``scatter``, ``scatter_add``,
``index_select`` and ``index_add``.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core import dtypes
from arraygrad.core.indexing.keys import _index_array, _mismatch, check_index_bounds
from arraygrad.core.indexing.subscript import (
    GatherBackward0,
    IndexBackward0,
    IndexSelectBackward0,
    getitem,
    getitem_normalized,
    index_put,
    named_node,
)
from arraygrad.core.tensor import Tensor, _dim

__all__ = ["gather", "take_along_dim", "scatter", "scatter_add", "index_select", "index_add", "check_embedding_indices", "take"]




def _gather_key(a: Tensor, dim: int, index: Tensor, op: str, *, negative: bool = False,
                error: type[Exception] = RuntimeError) -> tuple[Any, ...]:
    """The normalised advanced-indexing key equivalent to ``gather(a, dim, index)``; the index
    values must lie in ``[0, a.shape[dim])`` (``[-size, size)`` when ``negative``)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    d = _dim(dim, a.ndim, op)  # PyTorch checks the dim first
    if index.ndim != a.ndim:
        raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as input ({index.ndim} vs {a.ndim})")
    if index.dtype.is_floating_point or index.dtype.is_complex or index.dtype is dtypes.bool_:
        raise RuntimeError(f"{op}: expected an integer index tensor, got {index.dtype}")
    if index._backend is not a._backend:
        raise _mismatch(a, index)
    backend = a._backend
    xp = backend.xp
    arr = index._storage.array
    a_shape = a._storage.array.shape
    check_index_bounds(op, arr, a_shape[d] if a.ndim else 1, d, backend, negative=negative, error=error)
    i64 = backend.native_dtype("int64")
    key: list[Any] = []
    for ax in range(a.ndim):
        n = arr.shape[ax]
        if ax == d:
            key.append(arr)
            continue
        if n > a_shape[ax]:
            raise RuntimeError(
                f"{op}: size of index ({tuple(index.shape)}) must not exceed the input size ({tuple(a.shape)}) at "
                f"dimension {ax}"
            )
        shape = [1] * a.ndim
        shape[ax] = n
        key.append(xp.reshape(xp.arange(n, dtype=i64), tuple(shape)))
    return (*key, Ellipsis)  # a 0-d input (and index, whose value is 0) gives (Ellipsis,): the input


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """Collect the values of ``a`` along ``dim`` at the positions given by ``index``, as ``torch.gather``.

    For a 3-d input and ``dim=1``, ``out[i][j][k] = a[i][index[i][j][k]][k]``. ``index`` has the rank of
    ``a`` and may be smaller than ``a`` in every dimension but ``dim``; it is not broadcast. The gradient
    adds back into ``a`` at the gathered positions (repeated positions accumulate).

    Args:
        a: the source tensor.
        dim: the dimension to index along; negative counts from the end.
        index: integer tensor of positions in ``[0, a.shape[dim])`` (negative values are refused, as in PyTorch).

    Returns:
        A tensor of ``index``'s shape and ``a``'s dtype.

    Raises:
        TypeError: ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``dim`` is out of range.
        RuntimeError: ``index`` has another rank than ``a``, is not an integer tensor, is on another
            backend, holds a position outside ``[0, a.shape[dim])``, or is larger than ``a`` in a
            dimension other than ``dim``.

    Example:
        >>> import arraygrad as ag
        >>> ag.gather(ag.tensor([[1, 2], [3, 4]]), 1, ag.tensor([[1, 0], [0, 0]]))
        tensor([[2, 1],
                [3, 3]])
    """
    return named_node(getitem_normalized(a, _gather_key(a, dim, index, "gather")), IndexBackward0, GatherBackward0)


def take_along_dim(a: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Pick values of ``a`` along ``dim`` at ``indices``, as ``torch.take_along_dim``.

    Outside ``dim``, ``a`` and ``indices`` broadcast against each other; along ``dim`` the result has
    ``indices``' length. With ``dim=None`` both are flattened first. Negative indices count from the end
    (unlike ``gather``), as in PyTorch.

    Args:
        a: the source tensor.
        indices: integer tensor of positions along ``dim``, of ``a``'s rank (any shape when ``dim`` is None).
        dim: the dimension to index along, or None to index the flattened ``a`` with the flattened
            ``indices`` (default None).

    Returns:
        A tensor of ``a``'s dtype: the broadcast shape with ``indices``' size along ``dim``, or the 1-d
        tensor of ``indices.numel()`` values when ``dim`` is None.

    Raises:
        TypeError: ``dim`` is not an integer or None.
        IndexError: ``dim`` is out of range.
        RuntimeError: ``indices`` is not an integer tensor, holds a position outside ``[-size, size)``,
            has another number of dimensions than ``a`` (with ``dim`` given), or does not broadcast
            against ``a`` outside ``dim``.
    """
    from arraygrad.core.shape import broadcast_shapes, expand, reshape

    if dim is None:
        flat = reshape(a, (-1,))
        key = _gather_key(flat, 0, reshape(indices, (-1,)), "take_along_dim", negative=True)
        return named_node(getitem_normalized(flat, key), IndexBackward0, GatherBackward0)
    d = _dim(dim, a.ndim, "take_along_dim")
    if indices.ndim != a.ndim:
        raise RuntimeError(
            "take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{a.ndim} dimensions for input, and {indices.ndim} dimensions for indices"
        )
    a_shape, i_shape = list(a.shape), list(indices.shape)
    a_shape[d] = i_shape[d] = 1
    common = list(broadcast_shapes(a_shape, i_shape))
    ta, ti = common.copy(), common.copy()
    ta[d], ti[d] = a.shape[d], indices.shape[d]
    # PyTorch wraps negative indices here (unlike gather)
    source = expand(a, tuple(ta))
    key = _gather_key(source, d, expand(indices, tuple(ti)), "take_along_dim", negative=True)
    return named_node(getitem_normalized(source, key), IndexBackward0, GatherBackward0)


def scatter(a: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
    """Return a copy of ``a`` with ``src`` (or ``value``) written along ``dim`` at ``index``, as ``torch.scatter``.

    For a 3-d input and ``dim=1``, ``out[i][index[i][j][k]][k] = src[i][j][k]``. A tensor ``src`` is read
    only over ``index``'s shape (its leading block); a number is written at every position of ``index``.
    Where ``index`` repeats a position, which value is kept is unspecified unless ``reduce="add"``, which
    adds the values to the existing entries instead.

    Args:
        a: the tensor to update (the result is a new tensor).
        dim: the dimension to index along; negative counts from the end.
        index: integer tensor of positions in ``[0, a.shape[dim])``, of ``a``'s rank and no larger than
            ``a`` outside ``dim`` (nor than ``src`` anywhere).
        src: a tensor of ``a``'s dtype and rank, or a number, to write (default None: use ``value``).
        value: a number to write when ``src`` is not given (default None).
        reduce: None to replace the entries or ``"add"`` to add to them (default None).

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        ValueError: ``reduce`` is neither None nor ``"add"``.
        TypeError: neither ``src`` nor ``value`` is given, ``src`` is neither a tensor nor a number,
            ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``dim`` is out of range for ``a`` or ``src``.
        RuntimeError: ``index`` holds a position outside ``[0, a.shape[dim])``, is not an integer
            tensor, or has a bad rank or size; ``src`` has another dtype than ``a``.

    Example:
        >>> import arraygrad as ag
        >>> ag.scatter(ag.zeros(4), 0, ag.tensor([3, 1]), ag.tensor([1.0, 2.0]))
        tensor([0., 2., 0., 1.])
    """
    return _scatter("scatter", a, dim, index, src, value, reduce)


def _scatter(op: str, a: Tensor, dim: int, index: Tensor, src: Any, value: Any, reduce: str | None) -> Tensor:
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: give src (a tensor) or value (a number)")
    if not isinstance(src, Tensor) and (op != "scatter" or not isinstance(src, (bool, int, float, complex))):
        kind = "Tensor" if op != "scatter" else "Tensor or Number"
        raise TypeError(f"{op}(): argument 'src' must be {kind}, not {type(src).__name__}")
    key = _gather_key(a, dim, index, op)
    if isinstance(src, Tensor):
        if src._storage.array.dtype != a._storage.array.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype ({a.dtype} vs {src.dtype})")
        if src.ndim:
            _dim(dim, src.ndim, op)  # PyTorch range-checks dim against src first (IndexError)
        if src.ndim != index.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor")
        if any(i > n for i, n in zip(index.shape, src.shape)):
            raise RuntimeError(
                f"{op}(): Expected index {list(index.shape)} to be no larger than self {list(a.shape)} apart from "
                f"dimension {_dim(dim, a.ndim, op)} and to be no larger size than src {list(src.shape)}"
            )
        src = src[tuple(slice(0, n) for n in index.shape)]
    return index_put(a, key, src, accumulate=reduce == "add", normalized=True)


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Return a copy of ``a`` with ``src`` added along ``dim`` at ``index``, as ``torch.scatter_add``.

    For a 3-d input and ``dim=1``, ``out[i][index[i][j][k]][k] += src[i][j][k]``; repeated positions
    accumulate. ``src`` is read only over ``index``'s shape.

    Args:
        a: the tensor to add into (the result is a new tensor).
        dim: the dimension to index along; negative counts from the end.
        index: integer tensor of positions in ``[0, a.shape[dim])``, of ``a``'s rank and no larger than
            ``a`` outside ``dim`` (nor than ``src`` anywhere).
        src: the tensor of values to add, of ``a``'s dtype and rank.

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        TypeError: ``src`` or ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``dim`` is out of range for ``a`` or ``src``.
        RuntimeError: ``index`` holds a position outside ``[0, a.shape[dim])``, is not an integer
            tensor, or has a bad rank or size; ``src`` has another dtype than ``a``.

    Example:
        >>> import arraygrad as ag
        >>> ag.scatter_add(ag.zeros(3), 0, ag.tensor([0, 0, 2]), ag.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
    return _scatter("scatter_add", a, dim, index, src, None, "add")


def _dim_index_key(op: str, a: Tensor, dim: int, index: Tensor) -> tuple[Any, ...]:
    """The normalised key selecting the 1-d ``index`` along ``dim`` (index_select, index_add),
    whose values must lie in ``[0, a.shape[dim])`` as in PyTorch."""
    arr = _index_array(op, a, index)
    if arr.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got {arr.ndim}-d")
    d = _dim(dim, a.ndim, op)
    shape = a._storage.array.shape
    # NOTE: PyTorch's index_select raises IndexError along dim 0 (its row-lookup kernel) and
    # RuntimeError along the others; index_add raises RuntimeError everywhere
    error = IndexError if op == "index_select" and d == 0 else RuntimeError
    check_index_bounds(op, arr, shape[d] if shape else 1, d, a._backend, error=error)
    if arr.ndim == 0:
        arr = a._backend.xp.reshape(arr, (1,))
    if not shape:  # a 0-d tensor: the index (all zeros, checked above) selects the tensor itself
        return (Ellipsis,)
    return (slice(None),) * d + (arr, Ellipsis)


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """Select the entries of ``a`` along ``dim`` at the positions of a 1-d ``index``, as ``torch.index_select``.

    Args:
        a: the source tensor.
        dim: the dimension to index along; negative counts from the end.
        index: a 0-d or 1-d integer tensor of positions in ``[0, a.shape[dim])`` (negative values are refused).

    Returns:
        A new tensor of ``a``'s dtype and shape, except that ``dim`` has ``index``'s length.

    Raises:
        TypeError: ``index`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``index`` has more than one dimension, ``dim`` is out of range, or (along dim 0,
            as in PyTorch) a position is out of range.
        RuntimeError: a position outside ``[0, a.shape[dim])`` along a dim other than 0, ``index`` not
            an integer tensor, or on another backend.
    """
    key = _dim_index_key("index_select", a, dim, index)
    return named_node(getitem_normalized(a, key), IndexBackward0, IndexSelectBackward0)


def index_add(a: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """Return a copy of ``a`` with ``alpha * source`` added along ``dim`` at ``index``, as ``torch.index_add``.

    Slice ``k`` of ``source`` along ``dim`` is added to slice ``index[k]`` of ``a``; repeated positions
    accumulate.

    Args:
        a: the tensor to add into (the result is a new tensor).
        dim: the dimension to index along; negative counts from the end.
        index: a 0-d or 1-d integer tensor of positions in ``[0, a.shape[dim])`` (negative values are refused).
        source: a tensor of ``a``'s dtype and shape except along ``dim``, where its length is
            ``index.numel()``; it is not broadcast.
        alpha: factor applied to ``source`` before adding (default 1).

    Returns:
        A new tensor of ``a``'s shape and dtype.

    Raises:
        TypeError: ``index`` or ``source`` is not a tensor, or ``dim`` is not an integer.
        IndexError: ``index`` has more than one dimension, or ``dim`` is out of range.
        RuntimeError: a position outside ``[0, a.shape[dim])``, ``index`` not an integer tensor or on
            another backend, ``source`` of another dtype or of the wrong shape.

    Example:
        >>> import arraygrad as ag
        >>> ag.index_add(ag.zeros(3), 0, ag.tensor([0, 2]), ag.tensor([1.0, 5.0]), alpha=2)
        tensor([ 2.,  0., 10.])
    """
    key = _dim_index_key("index_add", a, dim, index)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source._storage.array.dtype != a._storage.array.dtype:
        raise RuntimeError(f"index_add(): self ({a.dtype}) and source ({source.dtype}) must have the same scalar type")
    _check_index_add_source(a, _dim(dim, a.ndim, "index_add"), index, source)
    if alpha != 1:
        source = source * alpha
    return index_put(a, key, source, accumulate=True, normalized=True)


def _check_index_add_source(a: Tensor, d: int, index: Tensor, source: Tensor) -> None:
    """PyTorch's shape rules for ``index_add``'s ``source`` (no broadcasting): ``a``'s shape with
    dim ``d`` of ``index``'s length."""
    if source.ndim == 0 and d > 0:
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim 0")
    count = 1 if source.ndim == 0 else source.shape[d] if d < source.ndim else None
    if count is not None and count != index.numel():
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.numel()}) should be equal to source.size(dim) ({count})"
        )
    mine, theirs = list(a.shape), list(source.shape)
    if mine and theirs and d < len(theirs):
        del mine[d], theirs[d]
    if mine != theirs:
        raise RuntimeError(
            "index_add_(): source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(a.shape)} source.shape = {list(source.shape)}"
        )


def check_embedding_indices(indices: Tensor, num_embeddings: int) -> None:
    """PyTorch's IndexError for ``embedding`` indices outside ``[0, num_embeddings)`` (plain
    indexing would wrap negative ones)."""
    check_index_bounds("embedding", indices._storage.array, num_embeddings, 0, indices._backend, error=IndexError)


def take(a: Tensor, index: Tensor) -> Tensor:
    """Return the elements of the flattened ``a`` at ``index``, as ``torch.take``.

    Args:
        a: the source tensor, read in row-major order.
        index: an int64 tensor of positions in ``[-a.numel(), a.numel())``; negative ones count from the end.

    Returns:
        A tensor of ``index``'s shape and ``a``'s dtype.

    Raises:
        TypeError: ``index`` is not a tensor.
        RuntimeError: ``index`` is not int64.
        IndexError: a position outside ``[-a.numel(), a.numel())``.
    """
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    return getitem(a.reshape(-1), index)
