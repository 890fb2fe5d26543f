"""Indexing kernels of the reference backend: NumPy-style advanced indexing, its gradient, functional
assignment and ``index_add``, written with the standard's ``take``, ``searchsorted`` and slicing."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from arraygrad.backends.reference._types import Array, Key

__all__ = ["IndexingKernels"]


class IndexingKernels:
    """The indexing kernels of ``Backend`` (``getitem``, ``setitem``, ``index_add``, ...)."""

    xp: ModuleType

    # ------------------------------------------------------------------ indexing kernels
    def getitem(self, x: Array, key: Key) -> Array:
        """``x[key]`` with NumPy semantics for any mix of ints, slices, None, Ellipsis and
        integer/boolean index arrays (already normalised: a tuple; arrays are native arrays).

        The standard only guarantees basic indexing plus limited integer-array indexing, so
        the general case is written with ``take`` on a flattened group of axes.
        """
        xp = self.xp
        if not any(_is_array(k) for k in key):
            return x[key]
        x, key = _expand_none(xp, x, key)
        key = _bools_to_ints(xp, key)
        key = _expand_ellipsis(key, x.ndim)
        adv_axes = [i for i, k in enumerate(key) if _is_array(k) or isinstance(k, int)]
        # ints become 0-d index arrays: with other index arrays present NumPy treats them alike
        idx = [
            xp.asarray(key[i], dtype=xp.int64) if isinstance(key[i], int) else key[i] for i in adv_axes
        ]
        for j, i in enumerate(adv_axes):
            idx[j] = _normalize_index(xp, idx[j], x.shape[i], i)
        # apply the slices first, leaving advanced axes whole
        basic = tuple(slice(None) if i in adv_axes else k for i, k in enumerate(key))
        x = x[basic]
        idx = list(xp.broadcast_arrays(*idx))
        bshape = tuple(idx[0].shape)
        sizes = [x.shape[i] for i in adv_axes]
        flat = xp.zeros(bshape, dtype=xp.int64)
        for j, size in enumerate(sizes):
            flat = xp.add(xp.multiply(flat, size), idx[j])
        rest_axes = [i for i in range(x.ndim) if i not in adv_axes]
        moved = xp.permute_dims(x, tuple(adv_axes) + tuple(rest_axes))
        rest_shape = tuple(x.shape[i] for i in rest_axes)
        moved = xp.reshape(moved, (math.prod(sizes),) + rest_shape)
        out = xp.take(moved, xp.reshape(flat, (-1,)), axis=0)
        out = xp.reshape(out, bshape + rest_shape)
        contiguous = adv_axes == list(range(adv_axes[0], adv_axes[-1] + 1))
        if contiguous and adv_axes[0] > 0:
            nb, first = len(bshape), adv_axes[0]
            order = tuple(range(nb, nb + first)) + tuple(range(nb)) + tuple(range(nb + first, out.ndim))
            out = xp.permute_dims(out, order)
        return out

    def getitem_grad(self, shape: tuple[int, ...], key: Key, grad: Array) -> Array:
        """Gradient of ``x[key]``: zeros of ``shape`` with ``grad`` added at ``key``, summing
        the contributions of repeated indices."""
        xp = self.xp
        if not any(_is_array(k) for k in key):
            out = xp.zeros(shape, dtype=grad.dtype)
            key, grad = _without_none(out, key, grad)
            out[key] = grad
            return out
        n = math.prod(shape)
        positions = self.getitem(xp.reshape(xp.arange(n, dtype=xp.int64), shape), key)
        flat = self.index_add(
            xp.zeros((n,), dtype=grad.dtype), 0, xp.reshape(positions, (-1,)), xp.reshape(grad, (-1,))
        )
        return xp.reshape(flat, shape)

    def setitem(self, x: Array, key: Key, value: Array) -> Array:
        """A new array equal to ``x`` with ``x[key] = value`` (``x`` itself is not modified);
        ``value`` has the shape of ``x[key]``. Where an index repeats, the last value written wins."""
        xp = self.xp
        out = xp.asarray(x, copy=True)
        if not any(_is_array(k) for k in key):
            key, value = _without_none(out, key, value)
            out[key] = value
            return out
        n = math.prod(x.shape)
        positions = xp.reshape(self.getitem(xp.reshape(xp.arange(n, dtype=xp.int64), x.shape), key), (-1,))
        if positions.shape[0] == 0:  # an all-False mask or an empty index writes nothing
            return out
        value = xp.reshape(xp.broadcast_to(value, self.getitem(x, key).shape), (-1,))
        return xp.reshape(_put_last_wins(xp, xp.reshape(out, (-1,)), positions, value), x.shape)

    def index_add(self, x: Array, axis: int, index: Array, source: Array) -> Array:
        """``x`` plus ``source`` added along ``axis`` at ``index`` (like ``torch.index_add``);
        repeated indices accumulate. Returns a new array."""
        xp = self.xp
        n, k = x.shape[axis], index.shape[0]
        if k == 0:
            return xp.asarray(x, copy=True)
        x_front = xp.moveaxis(x, axis, 0)
        src = xp.reshape(xp.moveaxis(source, axis, 0), (k, -1))
        # The sources of each distinct target are summed by a one-hot matmul over the m <= k
        # distinct targets (not over all n rows), then each row finds its sum by binary search.
        # NOTE: a one-hot matmul sums exactly like a loop, but a non-finite source value
        # spreads NaN over its whole column; native overrides do not have that caveat.
        targets, inverse = xp.unique_inverse(index)
        m = targets.shape[0]
        onehot = xp.astype(
            xp.equal(xp.reshape(inverse, (k, 1)), xp.reshape(xp.arange(m, dtype=inverse.dtype), (1, m))),
            src.dtype,
        )
        sums = xp.matmul(xp.matrix_transpose(onehot), src)  # (m, prod of the other dims)
        rows = xp.arange(n, dtype=targets.dtype)
        found = xp.clip(xp.searchsorted(targets, rows), 0, m - 1)
        hit = xp.reshape(xp.equal(xp.take(targets, found), rows), (n, 1))
        added = xp.where(hit, xp.take(sums, found, axis=0), xp.zeros((n, sums.shape[1]), dtype=sums.dtype))
        return xp.moveaxis(xp.add(x_front, xp.reshape(added, x_front.shape)), 0, axis)

    def add_at(self, out: Array, key: Key, value: Array) -> Array:
        """``out[key] += value`` for a fresh array ``out`` this backend owns (basic key, no
        repeated positions); returns the result (a new array on immutable backends)."""
        out[key] = self.xp.add(out[key], value)
        return out

    def set_at(self, out: Array, key: Key, value: Array) -> Array:
        """``out[key] = value`` for a fresh array ``out`` (basic key); returns the result."""
        out[key] = value
        return out


def _drop_none(key: Key) -> Key:
    return tuple(k for k in key if k is not None)


def _without_none(x: Array, key: Key, value: Array) -> tuple[Key, Array]:
    """``__setitem__`` of the standard takes no ``None``: drop it from the key and reshape
    ``value`` (shaped like ``x[key]``) to the shape of ``x[key without None]``."""
    if not any(k is None for k in key):
        return key, value
    key = _drop_none(key)
    return key, value.__array_namespace__().reshape(value, x[key].shape)


def _is_array(k: Any) -> bool:
    return hasattr(k, "shape") and hasattr(k, "dtype")


def _expand_ellipsis(key: Key, ndim: int) -> Key:
    """Replace ``...`` (or pad the end) with full slices so the key covers every axis.
    Expects a key without None and without boolean arrays: each entry consumes one axis."""
    consumed = sum(1 for k in key if k is not Ellipsis)
    fill = (slice(None),) * (ndim - consumed)
    for pos, k in enumerate(key):
        if k is Ellipsis:
            return key[:pos] + fill + key[pos + 1 :]
    return key + fill


def _expand_none(xp: ModuleType, x: Array, key: Key) -> tuple[Array, Key]:
    """Insert the axes asked for by ``None`` first, so the rest of the key has no None."""
    if not any(k is None for k in key):
        return x, key
    n_new = sum(k is None for k in key)
    key = _bools_to_ints(xp, key)
    consumed = sum(1 for k in key if k is not Ellipsis)  # None entries count as new axes
    fill = (slice(None),) * (x.ndim + n_new - consumed)
    for pos, k in enumerate(key):
        if k is Ellipsis:
            key = key[:pos] + fill + key[pos + 1 :]
            break
    else:
        key = key + fill
    shape, src = [], 0
    for k in key:
        if k is None:
            shape.append(1)
        else:
            shape.append(x.shape[src])
            src += 1
    return xp.reshape(x, tuple(shape)), tuple(slice(None) if k is None else k for k in key)


def _bools_to_ints(xp: ModuleType, key: Key) -> Key:
    out: list[Any] = []
    for k in key:
        if _is_array(k) and k.dtype == xp.bool:
            if k.ndim == 0:
                raise IndexError("indexing with a 0-d boolean array is not supported; use a 1-d or larger mask")
            out.extend(xp.nonzero(k))
        else:
            out.append(k)
    return tuple(out)


def _put_last_wins(xp: ModuleType, flat: Array, positions: Array, values: Array) -> Array:
    """``flat`` with ``flat[positions] = values``; where a position repeats, the last write wins.

    The standard has no scatter, so each element looks its last writer up in the stably sorted
    positions by binary search: O((n + k) log k) instead of a k x n comparison matrix.
    """
    order = xp.argsort(positions, stable=True)
    ordered = xp.take(positions, order)
    targets = xp.arange(flat.shape[0], dtype=positions.dtype)
    last = xp.subtract(xp.searchsorted(ordered, targets, side="right"), 1)
    found = xp.clip(last, 0, None)
    hit = xp.logical_and(xp.greater_equal(last, 0), xp.equal(xp.take(ordered, found), targets))
    return xp.where(hit, xp.take(values, xp.take(order, found)), flat)


def _normalize_index(xp: ModuleType, idx: Array, size: int, axis: int) -> Array:
    """Wrap negative indices and check bounds (jax would clamp out-of-range indices silently)."""
    if idx.dtype != xp.int64:
        idx = xp.astype(idx, xp.int64)
    if math.prod(idx.shape) == 0:
        return idx
    lo, hi = int(xp.min(idx)), int(xp.max(idx))
    if lo < -size or hi >= size:
        bad = hi if hi >= size else lo
        raise IndexError(f"index {bad} is out of bounds for dimension {axis} with size {size}")
    return xp.where(idx < 0, xp.add(idx, size), idx)
