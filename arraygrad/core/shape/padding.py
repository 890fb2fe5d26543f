"""Padding: ``pad`` (``torch.nn.functional.pad``) in the constant, reflect, replicate and circular modes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.shape._utils import _shape_arg, _wrap
from arraygrad.core.shape.copying import clone
from arraygrad.core.tensor import Tensor

__all__ = ["ConstantPadNdBackward0", "pad"]


class ConstantPadNdBackward0(Node):
    __slots__ = ("key",)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return (g[self.key],)


def pad(a: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions of ``a``, as ``torch.nn.functional.pad``.

    ``pad`` lists (left, right) amounts starting from the last dimension: ``(1, 2)`` adds 1 element
    before and 2 after the last dimension, ``(1, 1, 2, 2)`` also pads the one before it by 2 on each
    side. A negative amount crops instead. The modes are ``'constant'`` (fill with ``value``),
    ``'reflect'`` (mirror without repeating the edge element), ``'replicate'`` (repeat the edge
    element) and ``'circular'`` (wrap around); each works on any number of dimensions. The result is a
    new tensor (also when every amount is 0).

    Args:
        a: the input tensor.
        pad: the padding amounts, an even-length sequence of ints of at most ``2 * a.ndim`` entries.
        mode: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'`` (default ``'constant'``).
        value: the fill value of ``'constant'`` mode; None means 0. Other modes accept only None or 0
            (default None).

    Returns:
        The padded tensor, of the dtype of ``a``: ``value`` is converted to it (an integer tensor padded
        with ``value=0.7`` gets 0, a bool one gets True for any nonzero ``value``).

    Raises:
        TypeError: a padding amount that is not an integer.
        RuntimeError: odd ``len(pad)``, too many padded dims, a negative amount that leaves a dimension
            smaller than nothing (smaller than one element outside ``'constant'``), reflect padding not
            smaller than the dimension, circular padding larger than it, or a nonzero ``value``
            outside ``'constant'`` mode.
        NotImplementedError: an unknown mode.

    Example:
        >>> import arraygrad as ag
        >>> import arraygrad.nn.functional as F
        >>> F.pad(ag.tensor([1, 2, 3]), (2, 1), mode="reflect")
        tensor([3, 2, 1, 2, 3, 2])
    """
    pad = list(_shape_arg((pad,), "pad", "pad"))
    if len(pad) % 2:
        raise RuntimeError("pad: Padding length must be divisible by 2")
    if len(pad) // 2 > a.ndim:
        raise RuntimeError(
            "pad: Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {a.ndim}"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        axis = a.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        n = a.shape[axis]
        smallest = 0 if mode == "constant" else 1
        if n + left + right < smallest:
            raise RuntimeError(
                f"pad: the input size {n}, plus negative padding {left} and {right} resulted in an output size "
                f"of {n + left + right}, which is invalid. Check dimension {axis} of your input."
            )
        widths[axis] = (left, right)
    if mode == "constant":
        return _constant_pad(a, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    # the other modes gather from the input: the index arrays give the gradient for free
    from arraygrad.core import creation
    from arraygrad.core.ops import where

    out = a
    for axis, (left, right) in enumerate(widths):
        if left == 0 and right == 0:
            continue
        n = out.shape[axis]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(
                f"pad: Padding size should be less than the corresponding input dimension, but got: padding "
                f"({left}, {right}) at dimension {axis} of input {list(a.shape)}"
            )
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError("pad: Padding value causes wrapping around more than once.")
        pos = creation.arange(-left, n + right, backend=a._backend)
        if mode == "replicate":
            idx = pos.clamp(0, n - 1)
        elif mode == "circular":
            idx = pos % n
        else:
            period = 2 * (n - 1) if n > 1 else 1
            m = pos % period
            idx = where(m >= n, period - m, m)
        out = out[(slice(None),) * axis + (idx,)]
    return clone(a) if out is a else out  # nothing to pad: still a new tensor, as PyTorch's


def _constant_pad(a: Tensor, widths: list[tuple[int, int]], value: float) -> Tensor:
    from arraygrad.core.ops import _scalar_in_kind, _scalar_pair

    xp = a._backend.xp
    # the result keeps a's dtype, as PyTorch's: the value is converted to it (0.7 -> 0 for integers)
    x, fill = _scalar_pair(a, _scalar_in_kind(a, value))
    # crop first (negative widths), then place the rest into a filled array
    crop = tuple(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n) for (lo, hi), n in zip(widths, x.shape))
    src = a if all(lo >= 0 and hi >= 0 for lo, hi in widths) else a[crop]
    x = src._storage.array if x.dtype == src._storage.array.dtype else xp.astype(src._storage.array, x.dtype)
    widths = [(lo if lo > 0 else 0, hi if hi > 0 else 0) for lo, hi in widths]
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
    key = tuple(slice(lo, lo + n) for n, (lo, hi) in zip(x.shape, widths))
    out = src._backend.setitem(xp.full(shape, fill, dtype=x.dtype), key, x)
    if GRAD_MODE.enabled and src._rg:
        node = ConstantPadNdBackward0((src,))
        node.key = key
        return _wrap(out, a._backend, node)
    return _wrap(out, a._backend)
