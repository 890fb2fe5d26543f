"""Convolution and pooling kernels of the reference backend: windows gathered by strided slices
(im2col), so a convolution is one matrix product per group and gradients scatter the same slices back."""

from __future__ import annotations

import math
from types import ModuleType
from typing import TYPE_CHECKING

from arraygrad.backends.reference._types import Array, Key

if TYPE_CHECKING:
    from arraygrad.backends.reference.backend import Backend

__all__ = ["ConvKernels"]


class ConvKernels:
    """The convolution and pooling kernels of ``Backend`` (``conv``, ``max_pool``, ``avg_pool`` and their gradients)."""

    xp: ModuleType

    # ------------------------------------------------------------------ convolution and pooling
    # Layout is PyTorch's: x (N, C, *spatial), w (O, C // groups, *kernel). ``padding`` is one
    # (low, high) pair per spatial dim. Windows are gathered with one strided slice per kernel
    # offset (im2col), so a convolution is a single matmul; gradients scatter the same slices back.

    def conv(self, x: Array, w: Array, stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
             dilation: tuple[int, ...], groups: int) -> Array:
        xp = self.xp
        n = x.shape[0]
        o = w.shape[0]
        cols, out_sp = self._conv_cols(x, tuple(w.shape[2:]), stride, padding, dilation, groups)
        wg = xp.reshape(w, (groups, o // groups, -1))
        out = xp.matmul(wg, cols)  # (g, O/g, N * out): one matrix product per group
        return _channels_last_to_first(xp, xp.reshape(out, (o, n) + out_sp))

    def conv_grad_input(self, g: Array, w: Array, x_shape: tuple[int, ...], stride: tuple[int, ...],
                        padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int) -> Array:
        xp = self.xp
        n, c = x_shape[0], x_shape[1]
        o, kernel = w.shape[0], tuple(w.shape[2:])
        out_sp = tuple(g.shape[2:])
        wg = xp.reshape(w, (groups, o // groups, -1))
        gg = xp.reshape(_channels_last_to_first(xp, g), (groups, o // groups, -1))
        cols = xp.reshape(xp.matmul(xp.matrix_transpose(wg), gg), (c, math.prod(kernel), n) + out_sp)
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        gpad = _col2im(self, [cols[:, j, ...] for j in range(cols.shape[1])], (c, n) + padded, kernel, stride,
                       dilation, out_sp)
        return _crop(_channels_last_to_first(xp, gpad), padding)

    def conv_grad_weight(self, x: Array, g: Array, w_shape: tuple[int, ...], stride: tuple[int, ...],
                         padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int) -> Array:
        xp = self.xp
        o = w_shape[0]
        cols, _ = self._conv_cols(x, tuple(w_shape[2:]), stride, padding, dilation, groups)
        gg = xp.reshape(_channels_last_to_first(xp, g), (groups, o // groups, -1))
        return xp.reshape(xp.matmul(gg, xp.matrix_transpose(cols)), w_shape)

    def _conv_cols(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                   padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...],
                   groups: int) -> tuple[Array, tuple[int, ...]]:
        """im2col in the layout that makes a convolution one matrix product per group:
        (groups, C/groups * prod(kernel), N * prod(out))."""
        xp = self.xp
        n, c = x.shape[0], x.shape[1]
        xpad = _channels_last_to_first(xp, _pad_value(self, x, padding, 0.0))  # (C, N, *padded)
        out_sp = _out_shape(tuple(xpad.shape[2:]), kernel, stride, dilation)
        cols = xp.stack([xpad[_window_key(off, stride, dilation, out_sp)] for off in _offsets(kernel)], axis=1)
        return xp.reshape(cols, (groups, (c // groups) * math.prod(kernel), n * math.prod(out_sp))), out_sp

    def where_or_zero(self, mask: Array, x: Array) -> Array:
        """``x`` where the bool ``mask`` (same shape) holds, 0 elsewhere: the backward of relu, of
        clamp with number bounds and of every op whose gradient passes or stops per element."""
        xp = self.xp
        return xp.where(mask, x, xp.zeros((), dtype=x.dtype))

    def max_pool(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> tuple[Array, Array]:
        """Window maxima and, per output, the window offset (0 .. prod(kernel)-1) of the first maximum.

        The offsets' integer dtype is the backend's choice; they go back only to the same backend's
        ``max_pool_grad`` and ``pool_select``."""
        xp = self.xp
        xpad = _pad_value(self, x, padding, -math.inf)
        out_sp = _out_shape(tuple(xpad.shape[2:]), kernel, stride, dilation)
        cols = _im2col(xp, xpad, kernel, stride, dilation, out_sp)
        return xp.max(cols, axis=2), xp.argmax(cols, axis=2)

    def max_pool_grad(self, g: Array, offsets: Array, x_shape: tuple[int, ...], kernel: tuple[int, ...],
                      stride: tuple[int, ...], padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> Array:
        xp = self.xp
        kp = math.prod(kernel)
        picks = xp.equal(xp.expand_dims(offsets, axis=2), xp.reshape(
            xp.arange(kp, dtype=offsets.dtype), (1, 1, kp) + (1,) * (offsets.ndim - 2)))
        cols = xp.where(picks, xp.expand_dims(g, axis=2), xp.zeros((), dtype=g.dtype))
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        gpad = _col2im(self, [cols[:, :, j, ...] for j in range(kp)], tuple(x_shape[:2]) + padded, kernel, stride,
                       dilation, tuple(g.shape[2:]))
        return _crop(gpad, padding)

    def pool_select(self, x: Array, offsets: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                    padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> Array:
        """The value of ``x`` at each window's ``offsets`` (the adjoint of ``max_pool_grad``)."""
        xp = self.xp
        xpad = _pad_value(self, x, padding, 0.0)
        cols = _im2col(xp, xpad, kernel, stride, dilation, tuple(offsets.shape[2:]))
        return xp.squeeze(xp.take_along_axis(cols, xp.expand_dims(offsets, axis=2), axis=2), axis=2)

    def avg_pool(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[tuple[int, int], ...], divisor: Array) -> Array:
        """Window sums (zero padding) divided by ``divisor`` (broadcastable to the output)."""
        xp = self.xp
        xpad = _pad_value(self, x, padding, 0.0)
        ones = (1,) * len(kernel)
        out_sp = _out_shape(tuple(xpad.shape[2:]), kernel, stride, ones)
        cols = _im2col(xp, xpad, kernel, stride, ones, out_sp)
        return xp.divide(xp.sum(cols, axis=2), divisor)

    def avg_pool_grad(self, g: Array, x_shape: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                      padding: tuple[tuple[int, int], ...], divisor: Array) -> Array:
        xp = self.xp
        kp = math.prod(kernel)
        share = xp.divide(g, divisor)
        cols = xp.broadcast_to(xp.expand_dims(share, axis=2), tuple(g.shape[:2]) + (kp,) + tuple(g.shape[2:]))
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        gpad = _col2im(self, [cols[:, :, j, ...] for j in range(kp)], tuple(x_shape[:2]) + padded, kernel, stride,
                       (1,) * len(kernel), tuple(g.shape[2:]))
        return _crop(gpad, padding)


def _out_shape(padded: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
               dilation: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation))


def _offsets(kernel: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every kernel offset, in row-major order (the order of the flattened kernel)."""
    out: list[tuple[int, ...]] = [()]
    for k in kernel:
        out = [o + (i,) for o in out for i in range(k)]
    return out


def _window_key(offset: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
                out_sp: tuple[int, ...]) -> Key:
    return (slice(None), slice(None)) + tuple(
        slice(k * d, k * d + s * (o - 1) + 1, s) for k, s, d, o in zip(offset, stride, dilation, out_sp)
    )


def _im2col(xp: ModuleType, xpad: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
            dilation: tuple[int, ...], out_sp: tuple[int, ...]) -> Array:
    """(N, C, prod(kernel), *out): the input value under each kernel offset at each output position."""
    return xp.stack([xpad[_window_key(off, stride, dilation, out_sp)] for off in _offsets(kernel)], axis=2)


def _col2im(backend: Backend, pieces: list[Array], padded_shape: tuple[int, ...], kernel: tuple[int, ...],
            stride: tuple[int, ...], dilation: tuple[int, ...], out_sp: tuple[int, ...]) -> Array:
    """The adjoint of the window gathering: add each kernel offset's piece (shaped like the
    first two dims of ``padded_shape`` plus ``out_sp``) back where it was read from."""
    out = backend.xp.zeros(padded_shape, dtype=pieces[0].dtype)
    for piece, off in zip(pieces, _offsets(kernel)):
        out = backend.add_at(out, _window_key(off, stride, dilation, out_sp), piece)
    return out


def _channels_last_to_first(xp: ModuleType, x: Array) -> Array:
    """Swap the first two axes: (N, C, ...) <-> (C, N, ...)."""
    return xp.permute_dims(x, (1, 0) + tuple(range(2, x.ndim)))


def _pad_value(backend: Backend, x: Array, padding: tuple[tuple[int, int], ...], value: float) -> Array:
    if all(lo == 0 and hi == 0 for lo, hi in padding):
        return x
    shape = tuple(x.shape[:2]) + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding))
    out = backend.xp.full(shape, value, dtype=x.dtype)
    key = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], padding))
    return backend.set_at(out, key, x)


def _crop(x: Array, padding: tuple[tuple[int, int], ...]) -> Array:
    return x[(slice(None), slice(None)) + tuple(slice(lo, x.shape[2 + i] - hi) for i, (lo, hi) in enumerate(padding))]
