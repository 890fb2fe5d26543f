"""NumPy adapter (CPU): NumPy 2's main namespace follows the array API standard; native
kernels replace the reference ones where they are faster."""

from __future__ import annotations

import functools
import math
import threading
from typing import Any

import numpy as np

from arraygrad.backends import numpy_low_precision, numpy_parallel
from arraygrad.backends.reference import (
    _KEY_PARITY,
    _MASK32,
    _ROTATIONS,
    Array,
    Backend,
    Key,
    _is_array,
    ignore_floating_point_warnings,
)

ignore_floating_point_warnings(r"arraygrad\.")


class NumpyBackend(Backend):
    name = "numpy"
    writes_in_place = True
    shares_host_memory = True

    low_precision_note = "bfloat16 on numpy needs the ml_dtypes package: pip install ml_dtypes"

    def __init__(self) -> None:
        self.xp = numpy_low_precision.make_namespace()
        super().__init__()
        # shared-memory segments made by to_shared, by start address: (size, segment)
        self._segments: dict[int, tuple[int, Any]] = {}

    def _find_dtype(self, name: str) -> Any:
        if name == "bfloat16":  # numpy has none; ml_dtypes adds it
            return numpy_low_precision.BFLOAT16
        return super()._find_dtype(name)

    def copy(self, array: Array) -> Array:
        return np.array(array, copy=True, order="K")  # keeps the layout, so views can be re-taken

    def contiguous_copy(self, array: Array) -> Array:
        return np.array(array, copy=True, order="C")

    def strides(self, array: Array) -> tuple[int, ...] | None:
        item = array.itemsize
        return tuple(s // item for s in array.strides)

    def is_row_major(self, array: Array) -> bool:
        return bool(array.flags.c_contiguous)

    def data_ptr(self, array: Array) -> int | None:
        return int(array.__array_interface__["data"][0])

    def reshape_view(self, x: Array, shape: tuple[int, ...]) -> Array:
        return np.reshape(x, shape, copy=False)

    def expand_view(self, x: Array, shape: tuple[int, ...]) -> Array:
        # np.broadcast_to's view is read-only; this one can be written through (views.write refuses
        # writes where elements repeat, except fills)
        lead = len(shape) - x.ndim
        strides = (0,) * lead + tuple(0 if n != m else s for n, m, s in zip(x.shape, shape[lead:], x.strides))
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    def diagonal(self, x: Array, offset: int, dim1: int, dim2: int) -> Array:
        # np.diagonal's view is read-only; this one can be written through
        start = [slice(None)] * x.ndim
        start[dim1], start[dim2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
        corner = x[tuple(start)]
        n = max(0, min(corner.shape[dim1], corner.shape[dim2]))
        keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
        shape = tuple(x.shape[i] for i in keep) + (n,)
        strides = tuple(x.strides[i] for i in keep) + (x.strides[dim1] + x.strides[dim2],)
        return np.lib.stride_tricks.as_strided(corner, shape, strides, writeable=x.flags.writeable)

    def is_shared(self, array: Array) -> bool:
        return self.segment_of(array) is not None

    def to_shared(self, array: Array) -> Array:
        import atexit
        from multiprocessing import shared_memory

        segment = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
        atexit.register(_unlink, segment)  # the creator removes the name; mappings stay valid
        out: np.ndarray = np.ndarray(array.shape, dtype=array.dtype, buffer=segment.buf)
        out[...] = array
        self._segments[int(out.__array_interface__["data"][0])] = (max(array.nbytes, 1), segment)
        return out

    def attach_shared(self, name: str, offset: int, shape: tuple[int, ...], strides: tuple[int, ...],
                      dtype: str) -> Array:
        """The array another process placed in shared memory with ``to_shared`` (segment ``name``,
        ``offset`` bytes in, with byte ``strides``)."""
        from multiprocessing import shared_memory

        start = None
        for ptr, (_, seg) in self._segments.items():
            if seg.name == name:
                segment, start = seg, ptr
        if start is None:
            # the creating process owns the name (and removes it at exit); this one only maps it
            segment = shared_memory.SharedMemory(name=name)
            whole: np.ndarray = np.ndarray((segment.size,), dtype=np.uint8, buffer=segment.buf)
            start = int(whole.__array_interface__["data"][0])
            self._segments[start] = (segment.size, segment)
        return np.ndarray(shape, dtype=np.dtype(dtype), buffer=segment.buf, offset=offset, strides=strides)

    def segment_of(self, array: Array) -> tuple[str, int] | None:
        """(segment name, byte offset of ``array`` in it) for an array in shared memory."""
        if not self._segments:
            return None
        ptr = int(array.__array_interface__["data"][0])
        for start, (size, segment) in self._segments.items():
            if start <= ptr < start + size:
                return segment.name, ptr - start
        return None

    def asarray(self, data: Any, dtype: Any) -> Array:
        return np.asarray(data, dtype=dtype)

    def from_numpy(self, array: np.ndarray, dtype: Any = None) -> Array:
        return array if dtype is None or array.dtype == dtype else array.astype(dtype)

    def to_numpy(self, array: Array) -> np.ndarray:
        return np.asarray(array)

    def getitem(self, x: Array, key: Key) -> Array:
        return np.asarray(x)[key]

    def getitem_grad(self, shape: tuple[int, ...], key: Key, grad: Array) -> Array:
        out = np.zeros(shape, dtype=grad.dtype)
        if any(_is_array(k) for k in key):
            np.add.at(out, key, grad)
        else:
            out[key] = grad
        return out

    def setitem(self, x: Array, key: Key, value: Array) -> Array:
        out = np.array(x, copy=True)
        out[key] = value
        return out

    def index_add(self, x: Array, axis: int, index: Array, source: Array) -> Array:
        out = np.array(x, copy=True)
        np.add.at(out, (slice(None),) * axis + (index,), source)
        return out

    def add_at(self, out: Array, key: Key, value: Array) -> Array:
        out[key] += value  # ``out`` is a fresh array the caller owns: no temporary needed
        return out

    def topk_indices(self, x: Array, k: int, axis: int, largest: bool) -> Array:
        # a partition (linear time) finds the k-th value; everything strictly better plus the
        # earliest equal ones are the k winners, and only those get sorted (same order as the reference)
        n = x.shape[axis]
        if k == 0 or k >= n or x.dtype.kind not in "fiu":
            return super().topk_indices(x, k, axis, largest)
        moved = np.moveaxis(x, axis, -1)
        rows = moved.reshape(-1, n)
        kth = n - k if largest else k - 1
        threshold = np.partition(rows, kth, axis=-1)[:, kth : kth + 1]  # NaN partitions as the largest
        better = rows > threshold if largest else rows < threshold
        equal = rows == threshold
        if rows.dtype.kind == "f":
            nan, nan_threshold = np.isnan(rows), np.isnan(threshold)
            better |= (nan & ~nan_threshold) if largest else (~nan & nan_threshold)
            equal |= nan & nan_threshold
        needed = k - better.sum(axis=-1, keepdims=True)
        chosen = better | (equal & (np.cumsum(equal, axis=-1) <= needed))
        winners = np.nonzero(chosen)[1].reshape(-1, k)  # ascending index within each row
        order = super().topk_indices(np.take_along_axis(rows, winners, -1), k, 1, largest)
        picked = np.take_along_axis(winners, order, -1).astype(np.int64, copy=False)
        return np.moveaxis(picked.reshape(*moved.shape[:-1], k), -1, axis)

    # ------------------------------------------------------------------ convolution
    # Layout is PyTorch's: x (N, C, *spatial), w (O, C // groups, *kernel), one (low, high) pad
    # pair per spatial dim. The windows are a strided view of the padded input, copied once into
    # the matrix of a single batched matrix product (the weight gradient: one product against the
    # same windows). The input gradient is one product of the transposed weight with g, added back
    # with one shifted add per kernel offset: over whole flattened planes for stride 1 (g laid out
    # in rows as wide as the padded input), through strided slices otherwise.

    def conv(self, x: Array, w: Array, stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
             dilation: tuple[int, ...], groups: int) -> Array:
        x, w = np.asarray(x), np.asarray(w)
        n, c, o = x.shape[0], x.shape[1], w.shape[0]
        windows, out_sp = _conv_windows(x, tuple(w.shape[2:]), stride, padding, dilation)
        wg = w.reshape(groups, o // groups, -1)
        rows, positions = wg.shape[2], math.prod(out_sp)
        out = np.empty((n, groups, o // groups, positions), dtype=np.result_type(x, w))
        # a few samples at a time: their window matrix stays in cache and is never the whole batch's
        chunk = _samples_per_chunk(n, c * math.prod(w.shape[2:]) * positions * x.dtype.itemsize)
        cols = np.empty((chunk, groups, rows, positions), dtype=x.dtype)
        for first in range(0, n, chunk):
            part = slice(first, min(n, first + chunk))
            m = part.stop - part.start
            np.copyto(cols[:m].reshape(windows[part].shape), windows[part])
            _matmul_into(self.xp.matmul, wg, cols[:m], out[part])
        return out.reshape((n, o) + out_sp)

    def conv_grad_input(self, g: Array, w: Array, x_shape: tuple[int, ...], stride: tuple[int, ...],
                        padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int) -> Array:
        g, w = np.asarray(g), np.asarray(w)
        n, o = g.shape[0], w.shape[0]
        c, kernel, out_sp = x_shape[1], tuple(w.shape[2:]), tuple(g.shape[2:])
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        wt = np.ascontiguousarray(w.reshape(groups, o // groups, -1).transpose(0, 2, 1))  # (groups, C/g * k, O/g)
        if all(s == 1 for s in stride):
            out = _col2im_flat(self.xp.matmul, wt, g, (n, c) + padded, kernel, dilation, groups)
        else:
            # every window's share in one product per group, with the batch inside the columns
            # (channels first: one long product instead of many short ones), added back where each
            # kernel offset read it
            gt = g.reshape(n, groups, o // groups, -1).transpose(1, 2, 0, 3).reshape(groups, o // groups, -1)
            cols = self.xp.matmul(wt, gt).reshape((c,) + kernel + (n,) + out_sp)
            acc = np.zeros((c, n) + padded, dtype=cols.dtype)
            for offset in np.ndindex(*kernel):
                acc[_pool_key(offset, stride, dilation, out_sp)] += cols[(slice(None),) + offset]
            out = acc.transpose((1, 0) + tuple(range(2, acc.ndim)))
        if any(lo or hi for lo, hi in padding):
            out = out[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x_shape[2:], padding))]
        return np.ascontiguousarray(out)

    def conv_grad_weight(self, x: Array, g: Array, w_shape: tuple[int, ...], stride: tuple[int, ...],
                         padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...], groups: int) -> Array:
        x, g = np.asarray(x), np.asarray(g)
        n, c, o, nd = g.shape[0], x.shape[1], w_shape[0], len(w_shape) - 2
        windows, out_sp = _conv_windows(x, tuple(w_shape[2:]), stride, padding, dilation)
        # (C, *kernel, N, *out): the batch joins the output positions as the products' inner dimension
        windows = windows.transpose((1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd)))
        rows, positions = (c // groups) * math.prod(w_shape[2:]), math.prod(out_sp)
        g4 = g.reshape(n, groups, o // groups, positions)
        acc = np.zeros((groups, o // groups, rows), dtype=np.result_type(x, g))
        # a few samples at a time (the window matrix of the whole batch can be many times the input);
        # each chunk's products are summed into the result
        chunk = _samples_per_chunk(n, c * math.prod(w_shape[2:]) * positions * x.dtype.itemsize, least=8)
        cols = np.empty(c * math.prod(w_shape[2:]) * chunk * positions, dtype=x.dtype)
        for first in range(0, n, chunk):
            part = slice(first, min(n, first + chunk))
            m = part.stop - part.start
            block = cols[:c * math.prod(w_shape[2:]) * m * positions].reshape((c,) + tuple(w_shape[2:]) + (m,) + out_sp)
            np.copyto(block, windows[(slice(None),) * (1 + nd) + (part,)])
            cg = block.reshape(groups, rows, m * positions)  # (groups, C/groups * prod(kernel), m * prod(out))
            gg = g4[part].transpose(1, 2, 0, 3).reshape(groups, o // groups, m * positions)
            if groups <= 4:
                # a 2-d product per group with BLAS reading the transposed operand in place; computed as
                # (columns @ g^T)^T, which OpenBLAS runs about twice as fast for these long, thin operands
                for i in range(groups):
                    acc[i] += self.xp.matmul(cg[i], gg[i].T).T
            else:
                acc += self.xp.matmul(gg, cg.transpose(0, 2, 1))
        return acc.reshape(w_shape)

    def where_or_zero(self, mask: Array, x: Array) -> Array:
        x, mask = np.asarray(x), np.asarray(mask)
        # numpy's where branches per element (4.7 ms for 1 M floats against 0.5 for a product): where
        # x is finite, x * mask is the same selection (0 * finite = 0), and adding 0.0 turns the
        # -0.0 of negative masked-out values into where's 0.0 (NOTE: a -0.0 that is kept becomes
        # 0.0 too, where keeps its sign; the values compare equal)
        if x.dtype.kind != "f" or mask.dtype != bool or x.shape != mask.shape or not np.isfinite(x).all():
            return super().where_or_zero(mask, x)
        out = np.multiply(x, mask, out=np.empty(x.shape, dtype=x.dtype))  # out=: an array for 0-d too
        return np.add(out, 0.0, out=out)

    # max pooling: one strided slice of the (-inf padded) input per kernel offset, folded into a
    # running maximum and the offset where it was first reached; the gradient adds g back through
    # the same slices where the recorded offset matches
    def max_pool(self, x: Array, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> tuple[Array, Array]:
        x = np.asarray(x)
        padded_any = any(lo or hi for lo, hi in padding)
        if x.dtype.kind not in "fiu" or (padded_any and x.dtype.kind != "f"):
            return super().max_pool(x, kernel, stride, padding, dilation)
        if padded_any:
            xpad = np.full(tuple(x.shape[:2]) + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding)),
                           -np.inf, dtype=x.dtype)
            xpad[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], padding))] = x
        else:
            xpad = x
        out_sp = tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(xpad.shape[2:], kernel, stride, dilation))
        offsets = list(np.ndindex(*kernel))
        best = np.array(xpad[_pool_key(offsets[0], stride, dilation, out_sp)], copy=True)
        # the offset of the first maximum: an offset that beats every earlier one is the largest so far,
        # so a running maximum of (better * j) tracks it without masked writes (slow in numpy)
        small = np.uint8 if len(offsets) < 256 else np.intp
        where = np.zeros(best.shape, dtype=small)
        better = np.empty(best.shape, dtype=bool)
        nan = x.dtype.kind == "f" and bool(np.isnan(x).any())
        for j, offset in enumerate(offsets[1:], start=1):
            value = xpad[_pool_key(offset, stride, dilation, out_sp)]
            np.greater(value, best, out=better)
            if nan:  # NaN wins over numbers and the first NaN stays, as numpy's argmax
                better |= np.isnan(value) & ~np.isnan(best)
            np.maximum(where, np.multiply(better, j, dtype=small), out=where)
            np.maximum(best, value, out=best)  # propagates NaN, as numpy's max
        return best, where  # uint8 when the window has under 256 offsets: 1/8 of the memory saved for backward

    def max_pool_grad(self, g: Array, offsets: Array, x_shape: tuple[int, ...], kernel: tuple[int, ...],
                      stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
                      dilation: tuple[int, ...]) -> Array:
        g, offsets = np.asarray(g), np.asarray(offsets)
        out_sp = tuple(g.shape[2:])
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x_shape[2:], padding))
        out = np.zeros(tuple(x_shape[:2]) + padded, dtype=g.dtype)
        # windows that cannot overlap write each input element at most once: assignment serves
        disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        finite = bool(np.isfinite(g).all())  # then g * 0 is 0 and a product serves as the selection
        zero = np.zeros((), dtype=g.dtype)
        for j, offset in enumerate(np.ndindex(*kernel)):
            key = _pool_key(offset, stride, dilation, out_sp)
            picked = offsets == j
            if finite:  # added to the zeros, not written: -0.0 * False is -0.0, 0.0 + -0.0 is 0.0
                out[key] += picked * g
            elif disjoint:
                out[key] = np.where(picked, g, zero)
            else:
                out[key] += np.where(picked, g, zero)
        if any(lo or hi for lo, hi in padding):
            out = np.ascontiguousarray(out[(slice(None), slice(None)) + tuple(
                slice(lo, lo + s) for s, (lo, _) in zip(x_shape[2:], padding))])
        return out


    # ------------------------------------------------------------------ optimizer updates
    # In place, as PyTorch's foreach optimizers: every step of the reference formula is one ufunc
    # with ``out=`` into the parameter, its state or a scratch buffer reused across steps, in the
    # reference's order of operations (so the numbers are the reference's, bit for bit). Anything
    # the in-place path does not cover (other dtypes, read-only memory, array-valued
    # hyperparameters) takes the reference path.

    # -- batch normalization in training mode: the reference's formulas on an (N, C, L) view, with
    # the channel sums as einsum contractions (no product temporary) and the elementwise passes in
    # place in one output buffer (4 passes forward, 7 backward)
    def batch_norm_forward(self, x: Array, weight: Array | None, bias: Array | None,
                           eps: float) -> tuple[Array, Array, Array]:
        if x.dtype not in _NORM_DTYPES or (weight is not None and weight.dtype != x.dtype) or (
                bias is not None and bias.dtype != x.dtype):
            return super().batch_norm_forward(x, weight, bias, eps)
        n, c = x.shape[:2]
        x3 = x.reshape(n, c, -1)
        count = x3.shape[0] * x3.shape[2]
        mean = np.divide(np.einsum("ncl->c", x3), count, dtype=x.dtype)
        y = np.subtract(x3, mean[:, None])
        var = np.divide(np.einsum("ncl,ncl->c", y, y), count, dtype=x.dtype)
        scale = np.divide(1.0, np.sqrt(var + x.dtype.type(eps)), dtype=x.dtype)
        if weight is not None:
            scale *= weight
        y *= scale[:, None]
        if bias is not None:
            y += bias[:, None]
        return y.reshape(x.shape), mean, var

    def batch_norm_backward(self, dy: Array, x: Array, mean: Array, var: Array, weight: Array | None,
                            eps: float) -> tuple[Array, Array, Array]:
        if x.dtype not in _NORM_DTYPES or dy.dtype != x.dtype or mean.dtype != x.dtype or (
                weight is not None and weight.dtype != x.dtype):
            return super().batch_norm_backward(dy, x, mean, var, weight, eps)
        n, c = x.shape[:2]
        x3, dy3 = x.reshape(n, c, -1), dy.reshape(n, c, -1)
        count = x3.shape[0] * x3.shape[2]
        invstd = np.divide(1.0, np.sqrt(var + x.dtype.type(eps)), dtype=x.dtype)
        xhat = np.subtract(x3, mean[:, None])
        xhat *= invstd[:, None]
        dbias = np.einsum("ncl->c", dy3)
        dweight = np.einsum("ncl,ncl->c", dy3, xhat)
        dx = xhat  # the buffer becomes dx: dy - dbias / count - xhat * dweight / count, times the scale
        dx *= (dweight / count)[:, None]
        np.subtract(dy3, dx, out=dx)
        dx -= (dbias / count)[:, None]
        dx *= (invstd if weight is None else invstd * weight)[:, None]
        return dx.reshape(x.shape), dweight, dbias

    # -- LSTM over a whole sequence: the reference's recurrence with preallocated outputs and in-place
    # ufuncs (the array-API loop stacks per-step lists and allocates ~20 temporaries a step)
    def lstm_forward(self, xw: Array, h0: Array, c0: Array, w_hh: Array, reverse: bool) -> tuple[Array, Array, Array]:
        n_steps, n_hidden = xw.shape[0], h0.shape[-1]
        # sigmoid(z) = tanh(z / 2) / 2 + 1/2, so one tanh over the whole (N, 4H) row activates all four
        # gates: the sigmoid gates' pre-activations are halved up front (in the input projection, all
        # steps at once, and in the recurrent weight), and ``tanh * scale + shift`` maps them back.
        # Three passes over the row instead of nine over slices of it.
        scale = np.full(4 * n_hidden, 0.5, dtype=xw.dtype)
        scale[2 * n_hidden: 3 * n_hidden] = 1.0
        shift = np.where(scale == 1.0, 0.0, 0.5).astype(xw.dtype)
        hs = np.empty(xw.shape[:2] + (n_hidden,), dtype=xw.dtype)
        cs = np.empty_like(hs)
        gates = np.multiply(xw, scale)
        # C order: the (N, H) @ (H, 4H) products run ~1.5x faster than on the transpose's F-ordered layout
        w_t = np.multiply(w_hh.T, scale, order="C")
        hw, ig = np.empty(xw.shape[1:], dtype=xw.dtype), np.empty_like(hs[0])
        h, c = h0, c0
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            z = gates[t]
            np.matmul(h, w_t, out=hw)
            z += hw
            np.tanh(z, out=z)
            z *= scale
            z += shift
            i, f, g, o = z[:, :n_hidden], z[:, n_hidden: 2 * n_hidden], z[:, 2 * n_hidden: 3 * n_hidden], z[:, 3 * n_hidden:]
            c_new, h_new = cs[t], hs[t]
            np.multiply(f, c, out=c_new)
            np.multiply(i, g, out=ig)
            c_new += ig
            np.tanh(c_new, out=h_new)
            h_new *= o
            h, c = h_new, c_new
        return hs, cs, gates

    def lstm_backward(self, dhs: Array, dc_n: Array, hs: Array, cs: Array, gates: Array, h0: Array, c0: Array,
                      w_hh: Array, reverse: bool) -> tuple[Array, Array, Array, Array]:
        n_steps, n_batch, n_hidden = hs.shape
        order = list(range(n_steps - 1, -1, -1) if reverse else range(n_steps))
        dxw = np.empty(gates.shape, dtype=gates.dtype)
        dh_carry, dc = np.zeros_like(h0), np.array(dc_n, copy=True)
        dh, tc, tmp = np.empty_like(h0), np.empty_like(h0), np.empty_like(h0)
        for k in range(n_steps - 1, -1, -1):
            t = order[k]
            c_prev = c0 if k == 0 else cs[order[k - 1]]
            gt, dz = gates[t], dxw[t]
            i, f, g, o = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden], gt[:, 2 * n_hidden: 3 * n_hidden], gt[:, 3 * n_hidden:]
            di, df = dz[:, :n_hidden], dz[:, n_hidden: 2 * n_hidden]
            dg, do = dz[:, 2 * n_hidden: 3 * n_hidden], dz[:, 3 * n_hidden:]
            np.add(dhs[t], dh_carry, out=dh)
            np.tanh(cs[t], out=tc)
            # do = dh * tc * o * (1 - o); dc += dh * o * (1 - tc^2)
            np.multiply(dh, tc, out=do)
            _times_sigmoid_grad_(do, o, tmp)
            np.multiply(tc, tc, out=tc)
            np.subtract(1.0, tc, out=tc)
            tc *= o
            tc *= dh
            dc += tc
            np.multiply(dc, g, out=di)
            _times_sigmoid_grad_(di, i, tmp)
            np.multiply(dc, c_prev, out=df)
            _times_sigmoid_grad_(df, f, tmp)
            np.multiply(g, g, out=dg)
            np.subtract(1.0, dg, out=dg)
            dg *= dc
            dg *= i
            dc *= f
            np.matmul(dz, w_hh, out=dh_carry)
        rows = n_steps * n_batch
        # h_{t-1} of every step, in step order: the weight gradient is one product over all of them
        dw = dxw.reshape(rows, 4 * n_hidden).T @ _previous_states(hs, h0, reverse).reshape(rows, n_hidden)
        return dxw, dh_carry, dc, dw

    # -- GRU over a whole sequence: the reference's recurrence with preallocated outputs and in-place
    # ufuncs, the r and z gates activated by one tanh as in ``lstm_forward``
    def gru_forward(self, xw: Array, h0: Array, w_hh: Array, b_hh: Array | None,
                    reverse: bool) -> tuple[Array, Array, Array]:
        n_steps, n_hidden = xw.shape[0], h0.shape[-1]
        two = 2 * n_hidden
        # sigmoid(v) = tanh(v / 2) / 2 + 1/2: r's and z's pre-activations are halved up front
        scale = np.full(3 * n_hidden, 0.5, dtype=xw.dtype)
        scale[two:] = 1.0
        hs = np.empty(xw.shape[:2] + (n_hidden,), dtype=xw.dtype)
        h_n_proj = np.empty_like(hs)
        gates = np.multiply(xw, scale)  # r, z: (x + b_ih) / 2, then + (h W + b_hh) / 2; n: x_n + b_in
        b_n = None
        if b_hh is not None:
            gates[:, :, :two] += b_hh[:two] * 0.5
            b_n = b_hh[two:]
        w_t = np.multiply(w_hh.T, scale, order="C")  # C order: the per-step products run ~1.5x faster
        hw, rh = np.empty(xw.shape[1:], dtype=xw.dtype), np.empty_like(hs[0])
        h = h0
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            gt, h_n, h_new = gates[t], h_n_proj[t], hs[t]
            np.matmul(h, w_t, out=hw)
            rz, n = gt[:, :two], gt[:, two:]
            rz += hw[:, :two]
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            if b_n is None:
                np.copyto(h_n, hw[:, two:])
            else:
                np.add(hw[:, two:], b_n, out=h_n)
            np.multiply(rz[:, :n_hidden], h_n, out=rh)
            n += rh
            np.tanh(n, out=n)
            np.subtract(h, n, out=h_new)  # h' = n + z (h - n)
            h_new *= rz[:, n_hidden:]
            h_new += n
            h = h_new
        return hs, gates, h_n_proj

    def gru_backward(self, dhs: Array, hs: Array, gates: Array, h_n_proj: Array, h0: Array, w_hh: Array,
                     reverse: bool) -> tuple[Array, Array, Array, Array]:
        n_steps, n_batch, n_hidden = hs.shape
        two = 2 * n_hidden
        order = list(range(n_steps - 1, -1, -1) if reverse else range(n_steps))
        # the gradient of h W_hh^T + b_hh is dxw with dn * r in place of dn; dn of each step is kept
        dhw = np.empty(gates.shape, dtype=gates.dtype)
        dns = np.empty_like(hs)
        dh_carry, dh, tmp = np.zeros_like(h0), np.empty_like(h0), np.empty_like(h0)
        for k in range(n_steps - 1, -1, -1):
            t = order[k]
            h_prev = h0 if k == 0 else hs[order[k - 1]]
            gt, dt = gates[t], dhw[t]
            r, z, n = gt[:, :n_hidden], gt[:, n_hidden: two], gt[:, two:]
            dr, dz, dn = dt[:, :n_hidden], dt[:, n_hidden: two], dns[t]
            np.add(dhs[t], dh_carry, out=dh)
            # dn = dh (1 - z) (1 - n^2)
            np.subtract(1.0, z, out=tmp)
            np.multiply(dh, tmp, out=dn)
            np.multiply(n, n, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            dn *= tmp
            # dz = dh (h_prev - n) z (1 - z); dr = dn h_n r (1 - r)
            np.subtract(h_prev, n, out=dz)
            dz *= dh
            _times_sigmoid_grad_(dz, z, tmp)
            np.multiply(dn, h_n_proj[t], out=dr)
            _times_sigmoid_grad_(dr, r, tmp)
            np.multiply(dn, r, out=dt[:, two:])
            # dh_prev = dh z + dhw W_hh
            np.matmul(dt, w_hh, out=dh_carry)
            np.multiply(dh, z, out=tmp)
            dh_carry += tmp
        rows = n_steps * n_batch
        flat = dhw.reshape(rows, 3 * n_hidden)
        # h_{t-1} of every step, in step order: the weight gradient is one product over all of them
        dw = flat.T @ _previous_states(hs, h0, reverse).reshape(rows, n_hidden)
        db = flat.sum(axis=0)
        dxw = dhw  # becomes dxw: dn in place of dn * r
        dxw[:, :, two:] = dns
        return dxw, dh_carry, dw, db

    # -- random bits
    def random_bits(self, key: tuple[int, int], counter: int, n: int) -> np.ndarray:
        """The reference's Threefry-2x32 stream (same bits), computed in place in cache-sized chunks:
        the array-API version allocates a temporary per round and runs ~8x slower on large tensors."""
        blocks = (n + 1) // 2
        out = np.empty((blocks, 2), dtype=np.uint32)
        k0, k1 = key[0] & _MASK32, key[1] & _MASK32
        ks = (k0, k1, k0 ^ k1 ^ _KEY_PARITY)
        hi_start, lo_start = (counter >> 32) & _MASK32, counter & _MASK32
        x0 = np.empty(min(blocks, _THREEFRY_CHUNK), dtype=np.uint32)
        x1, t = np.empty_like(x0), np.empty_like(x0)
        with np.errstate(over="ignore"):
            for start in range(0, blocks, _THREEFRY_CHUNK):
                size = min(_THREEFRY_CHUNK, blocks - start)
                a, b, tmp = x0[:size], x1[:size], t[:size]
                # counters: low word lo_start + i (wrapping), high word + 1 where the low word wrapped
                first = (lo_start + start) & _MASK32
                np.add(np.arange(size, dtype=np.uint32), np.uint32(first), out=b)
                np.less(b, np.uint32(first), out=tmp, casting="unsafe")
                hi = hi_start + (1 if lo_start + start > _MASK32 else 0)
                np.add(tmp, np.uint32(hi & _MASK32), out=a)
                np.add(a, np.uint32(ks[0]), out=a)
                np.add(b, np.uint32(ks[1]), out=b)
                for group in range(5):
                    for r in _ROTATIONS[group % 2]:
                        np.add(a, b, out=a)
                        np.left_shift(b, np.uint32(r), out=tmp)
                        np.right_shift(b, np.uint32(32 - r), out=b)
                        np.bitwise_or(b, tmp, out=b)
                        np.bitwise_xor(b, a, out=b)
                    np.add(a, np.uint32(ks[(group + 1) % 3]), out=a)
                    np.add(b, np.uint32((ks[(group + 2) % 3] + group + 1) & _MASK32), out=b)
                out[start:start + size, 0] = a
                out[start:start + size, 1] = b
        return out.reshape(-1)[:n]

    def sgd_update(self, params: list[Array], grads: list[Array], momentum_buffers: list[Array | None], *,
                   lr: Any, momentum: float, dampening: float, weight_decay: float, nesterov: bool, maximize: bool,
                   in_place: bool = False) -> tuple[list[Array], list[Array | None]]:
        if not (in_place and _numbers(lr, momentum, dampening, weight_decay)
                and _writable(params, grads, momentum_buffers)):
            return super().sgd_update(params, grads, momentum_buffers, lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        # a missing momentum buffer gets memory of its own here, and the first update copies into it
        fresh = [momentum != 0 and buf is None for buf in momentum_buffers]
        new_buffers = [np.empty_like(p) if new else buf for p, buf, new in zip(params, momentum_buffers, fresh)]
        kernel = functools.partial(_sgd_one, lr=lr, momentum=momentum, dampening=dampening,
                                   weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        numpy_parallel.for_each(kernel, [((p, g, buf), (new,))
                                         for p, g, buf, new in zip(params, grads, new_buffers, fresh)])
        return list(params), new_buffers

    def adam_update(self, params: list[Array], grads: list[Array], exp_avgs: list[Array], exp_avg_sqs: list[Array],
                    max_exp_avg_sqs: list[Array | None], steps: list[Any], *, lr: Any, beta1: float, beta2: float,
                    eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                    decoupled_weight_decay: bool = False,
                    in_place: bool = False) -> tuple[list[Array], list[Array], list[Array], list[Array | None]]:
        state = (exp_avgs, exp_avg_sqs) + ((max_exp_avg_sqs,) if amsgrad else ())
        if not (in_place and _numbers(lr, beta1, beta2, eps, weight_decay, *steps)
                and _writable(params, grads, *state) and not (amsgrad and any(v is None for v in max_exp_avg_sqs))):
            return super().adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr=lr, beta1=beta1,
                                       beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                       maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        kernel = functools.partial(_adam_one, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                                   amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        numpy_parallel.for_each(kernel, [((p, g, m, v, vmax if amsgrad else None), (step,)) for p, g, m, v, vmax, step
                                         in zip(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps)])
        return list(params), list(exp_avgs), list(exp_avg_sqs), list(max_exp_avg_sqs)

    def adamw_update(self, params: list[Array], grads: list[Array], exp_avgs: list[Array], exp_avg_sqs: list[Array],
                     max_exp_avg_sqs: list[Array | None], steps: list[Any], *, lr: Any, beta1: float, beta2: float,
                     eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                     in_place: bool = False) -> tuple[list[Array], list[Array], list[Array], list[Array | None]]:
        return self.adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr=lr, beta1=beta1,
                                beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                                decoupled_weight_decay=True, in_place=in_place)


#: counter blocks per Threefry pass: 3 x 256 KiB of uint32 working arrays stay in the L2 cache
_THREEFRY_CHUNK = 1 << 16
def _sgd_one(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, fresh: bool, *, lr: float,
             momentum: float, dampening: float, weight_decay: float, nesterov: bool, maximize: bool) -> None:
    """One parameter's (or a flat slice of it) SGD update, ``param``, ``buf`` written in place as in
    ``torch.optim.SGD``; ``fresh``: ``buf`` is new and takes the first gradient as it is."""
    tmp = _scratch(param, 0)
    if maximize or weight_decay != 0:
        g = _scratch(param, 1)
        if maximize:
            np.negative(grad, out=g)
            grad = g
        if weight_decay != 0:
            np.multiply(param, weight_decay, out=tmp)
            np.add(grad, tmp, out=g)
        grad = g
    if momentum != 0:
        assert buf is not None
        if fresh:
            np.copyto(buf, grad)
        else:
            buf *= momentum
            if dampening == 0:
                buf += grad
            else:
                np.multiply(grad, 1 - dampening, out=tmp)
                buf += tmp
        if nesterov:
            np.multiply(buf, momentum, out=tmp)
            np.add(grad, tmp, out=tmp)
            grad = tmp
        else:
            grad = buf
    np.multiply(grad, lr, out=tmp)
    param -= tmp


def _adam_one(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
              vmax: np.ndarray | None, step: float, *, lr: float, beta1: float, beta2: float, eps: float,
              weight_decay: float, amsgrad: bool, maximize: bool, decoupled_weight_decay: bool) -> None:
    """One parameter's (or a flat slice of it) Adam / AdamW update, parameter and state written in
    place as in ``torch.optim.Adam``'s foreach implementation."""
    tmp = _scratch(param, 0)
    if maximize or (weight_decay != 0 and not decoupled_weight_decay):
        g = _scratch(param, 1)
        if maximize:
            np.negative(grad, out=g)
            grad = g
        if weight_decay != 0 and not decoupled_weight_decay:
            np.multiply(param, weight_decay, out=tmp)
            np.add(grad, tmp, out=g)
        grad = g
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
    np.subtract(grad, exp_avg, out=tmp)
    tmp *= 1 - beta1
    exp_avg += tmp
    exp_avg_sq *= beta2
    np.multiply(grad, grad, out=tmp)
    tmp *= 1 - beta2
    exp_avg_sq += tmp
    second = exp_avg_sq
    if amsgrad:
        assert vmax is not None
        np.maximum(vmax, exp_avg_sq, out=vmax)
        second = vmax
    bias_correction1 = 1 - beta1**step
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    np.sqrt(second, out=tmp)
    tmp += eps * bias_correction2_sqrt
    np.divide(exp_avg, tmp, out=tmp)
    tmp *= lr * bias_correction2_sqrt / bias_correction1
    param -= tmp


def _previous_states(hs: np.ndarray, h0: np.ndarray, reverse: bool) -> np.ndarray:
    """The hidden state each step of a recurrence started from, at the step's own position: ``h0``
    for the first step run (the last position when ``reverse``), the neighbouring step's state for
    the others."""
    if reverse:
        return np.concatenate([hs[1:], h0[None]], axis=0)
    return np.concatenate([h0[None], hs[:-1]], axis=0)


def _times_sigmoid_grad_(d: np.ndarray, s: np.ndarray, tmp: np.ndarray) -> None:
    """``d *= s * (1 - s)`` in place (``s`` a sigmoid output), as the reference groups it."""
    np.subtract(1.0, s, out=tmp)
    tmp *= s
    d *= tmp


#: dtypes of the numpy batch-norm kernels (others, float16 included, take the reference path)
_NORM_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64))
#: dtypes the in-place optimizer updates cover (ufuncs with ``out=`` round exactly as without)
_UPDATE_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))
#: per thread: scratch buffers of the in-place optimizer updates, by (dtype, slot)
_SCRATCH = threading.local()


def _numbers(*values: Any) -> bool:
    """Whether every hyperparameter is a Python number (numpy scalars would change the promotion)."""
    return all(type(v) in (int, float, bool) for v in values)


def _writable(params: list[Any], grads: list[Any], *state: list[Any]) -> bool:
    """Whether the in-place updates can run: numpy arrays of one covered dtype, gradients and state
    (lists aligned with ``params``, None entries skipped) of the parameters' shapes and dtypes, the
    parameters and the state writable."""
    for i, p in enumerate(params):
        if type(p) is not np.ndarray or p.dtype not in _UPDATE_DTYPES or not p.flags.writeable:
            return False
        g = grads[i]
        if type(g) is not np.ndarray or g.dtype != p.dtype or g.shape != p.shape:
            return False
        for arrays in state:
            s = arrays[i]
            if s is not None and (type(s) is not np.ndarray or s.dtype != p.dtype or s.shape != p.shape
                                  or not s.flags.writeable):
                return False
    return True


def _scratch(like: np.ndarray, slot: int | str) -> np.ndarray:
    """A scratch array shaped like ``like`` (the front of a per-thread buffer that only grows, so a
    step allocates nothing once the largest parameter has been seen)."""
    return _buffer(like.shape, like.dtype, slot)


#: scratch buffers larger than this are allocated per call instead of being kept
_SCRATCH_MAX_BYTES = 128 << 20


def _buffer(shape: tuple[int, ...], dtype: Any, slot: int | str) -> np.ndarray:
    """An uninitialised array of ``shape`` that lives until the next request for the same ``slot`` on
    this thread: the front of a per-thread buffer that only grows (up to ``_SCRATCH_MAX_BYTES``).

    NOTE: it is for results a kernel uses up before it returns. Fresh large arrays cost more than
    their copy: glibc maps allocations over 32 MiB anew each time, and every page faults on first
    touch (a 37 MB convolution matrix: 6.2 ms allocated, 2.1 ms reused)."""
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    if size * dtype.itemsize > _SCRATCH_MAX_BYTES:
        return np.empty(shape, dtype=dtype)
    buffers = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = {}
    key = (dtype, slot)
    buf = buffers.get(key)
    if buf is None or buf.size < size:
        buf = buffers[key] = np.empty(max(size, 1), dtype=dtype)
    return buf[:size].reshape(shape)


def _pool_key(offset: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
              out_sp: tuple[int, ...]) -> tuple[slice, ...]:
    """The strided slice of a padded (N, C, *spatial) array that kernel ``offset`` reads for every output."""
    return (slice(None), slice(None)) + tuple(
        slice(k * d, k * d + s * (m - 1) + 1, s) for k, s, d, m in zip(offset, stride, dilation, out_sp))


def _conv_windows(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
                  padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """The convolution windows of ``x`` (N, C, *spatial) as a read-only strided view
    (N, C, *kernel, *out) of the (zero-padded) input, and the output's spatial shape."""
    n, c = x.shape[0], x.shape[1]
    if any(lo or hi for lo, hi in padding):
        padded = np.zeros((n, c) + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding)), dtype=x.dtype)
        padded[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], padding))] = x
        x = padded
    out_sp = tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(x.shape[2:], kernel, stride, dilation))
    sp_strides = x.strides[2:]
    view = np.lib.stride_tricks.as_strided(
        x, (n, c) + kernel + out_sp,
        x.strides[:2] + tuple(d * t for d, t in zip(dilation, sp_strides)) + tuple(s * t for s, t in zip(stride, sp_strides)),
        writeable=False)
    return view, out_sp


def _samples_per_chunk(n: int, bytes_per_sample: int, least: int = 1) -> int:
    """How many of ``n`` samples a kernel processes at once so that their scratch matrix stays within
    ``_CACHE_BYTES`` (at least ``least``, at most ``n``)."""
    return min(n, max(least, _CACHE_BYTES // max(1, bytes_per_sample)))


def _matmul_into(matmul: Any, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = matmul(a, b)``, written in place where the dtypes allow (16-bit floats are
    multiplied in float32 by the backend namespace's ``matmul`` and rounded)."""
    if out.dtype.itemsize >= 4 and out.dtype == np.result_type(a, b):
        matmul(a, b, out=out)
    else:
        out[...] = matmul(a, b)


#: the size of the products ``_col2im_flat`` adds back in one pass (kept in cache)
_CACHE_BYTES = 2 << 20


def _col2im_flat(matmul: Any, wt: np.ndarray, g: np.ndarray, padded_shape: tuple[int, ...], kernel: tuple[int, ...],
                 dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """The stride-1 input gradient on the padded input (N, C, *padded): ``g`` is laid out in rows
    as wide as the padded input (zeros past the output's edge), so every output position and its
    input position differ by one constant flat offset per kernel offset, and the accumulation is
    one contiguous shifted add per kernel offset over whole flattened planes. ``matmul`` is the
    backend namespace's (16-bit floats multiplied in float32)."""
    n, o = g.shape[0], g.shape[1]
    c, inner = padded_shape[1], padded_shape[3:]  # every spatial dim but the first keeps its padded size
    wide = np.zeros((n, o, g.shape[2]) + inner, dtype=g.dtype)
    wide[(slice(None),) * 3 + tuple(slice(0, m) for m in g.shape[3:])] = g
    length = math.prod(wide.shape[2:])
    wide = wide.reshape(n, groups, o // groups, length)
    plane = math.prod(padded_shape[2:])
    steps = [math.prod(padded_shape[3 + i:]) * d for i, d in enumerate(dilation)]
    starts = [sum(k * st for k, st in zip(offset, steps)) for offset in np.ndindex(*kernel)]
    # positions past the last output row only ever receive zeros; the slack holds them
    out = np.zeros((n, c, max(plane, starts[-1] + length)), dtype=g.dtype)
    # a few samples at a time, so that the products being added back stay in cache (_CACHE_BYTES)
    # (one buffer for all of them, so that two chunks' products are never alive at once)
    chunk = _samples_per_chunk(n, c * math.prod(kernel) * length * g.dtype.itemsize)
    products = np.empty((chunk, groups, wt.shape[1], length), dtype=np.result_type(wt, wide))
    for first in range(0, n, chunk):
        part = slice(first, min(n, first + chunk))
        cols = products[:part.stop - part.start]
        _matmul_into(matmul, wt, wide[part], cols)  # (samples, groups, C/g * prod(k), length)
        cols = cols.reshape((cols.shape[0], c, math.prod(kernel), length))
        target = out[part]
        for j, start in enumerate(starts):
            target[:, :, start:start + length] += cols[:, :, j]
    return out[:, :, :plane].reshape(padded_shape)


def _unlink(segment: Any) -> None:
    try:
        segment.unlink()
    except FileNotFoundError:
        pass
