"""The tensor kernels behind :mod:`arraygrad.vision.transforms.functional`: resampling, grid
sampling, padding and colour-space maths written with arraygrad ops only, so they run on every
backend and give the same numbers on each. The formulas follow torchvision's tensor backend
(and PyTorch's CPU kernels where torchvision calls them), which the tests use as the oracle."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any

from arraygrad.core import dtypes
from arraygrad.core import ops as _ops
from arraygrad.core.creation import ones_like, tensor
from arraygrad.core.shape import pad as _core_pad
from arraygrad.core.shape import stack
from arraygrad.core.tensor import Tensor


def max_value(dtype: Any) -> int:
    """The value of a full-intensity pixel: the largest integer of an integer dtype, 1 for floats."""
    if dtype.is_floating_point:
        return 1
    if dtype is dtypes.bool_:
        return 1
    return dtypes.iinfo(dtype).max


PAD_MODES = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}


def symmetric_pad(img: Tensor, widths: list[int]) -> Tensor:
    """Mirror padding that repeats the edge pixel (torchvision's 'symmetric'), by index gathering."""
    out = img
    for axis, (before, after) in ((-1, widths[:2]), (-2, widths[2:])):
        n = out.shape[axis]
        idx = []
        for pos in range(-before, n + after):
            m = pos % (2 * n)
            idx.append(m if m < n else 2 * n - 1 - m)
        index = tensor(idx, dtype=dtypes.int64, backend=img.backend)
        out = out[(Ellipsis, index)] if axis == -1 else out[(Ellipsis, index, slice(None))]
    return out


def pad(img: Tensor, ltrb: tuple[int, int, int, int], fill: Any, padding_mode: str) -> Tensor:
    left, top, right, bottom = ltrb
    if min(ltrb) < 0:  # negative padding crops (torchvision's rule)
        h, w = img.shape[-2], img.shape[-1]
        img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(v, 0) for v in ltrb)
    widths = [left, right, top, bottom]
    if padding_mode == "symmetric":
        return symmetric_pad(img, widths)
    mode = PAD_MODES[padding_mode]
    value: float = float(fill) if fill is not None else 0.0
    if not img.is_floating_point():
        value = int(value)  # the fill is cast to the image's dtype, as torch's pad does
    squeeze = img.ndim == 2
    if squeeze:
        img = img.unsqueeze(0)
    out = _core_pad(img, widths, mode=mode, value=value if mode == "constant" else None)
    return out.squeeze(0) if squeeze else out


def filter_weights(n_in: int, n_out: int, mode: str, antialias: bool) -> list[list[float]]:
    """The ``n_out x n_in`` matrix of one separable resampling pass (PyTorch's CPU kernels:
    antialiased bilinear/bicubic as PIL's, or plain bicubic with A = -0.75 and clamped borders)."""
    scale = n_in / n_out
    rows = [[0.0] * n_in for _ in range(n_out)]
    if antialias:
        if mode == "bilinear":
            def kernel(x: float) -> float:
                x = abs(x)
                return 1.0 - x if x < 1.0 else 0.0
            interp = 2
        else:
            def kernel(x: float) -> float:
                a, x = -0.5, abs(x)
                if x < 1.0:
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
                if x < 2.0:
                    return (((x - 5.0) * x + 8.0) * x - 4.0) * a
                return 0.0
            interp = 4
        support = interp * 0.5 * scale if scale >= 1.0 else interp * 0.5
        invscale = 1.0 / scale if scale >= 1.0 else 1.0
        for i in range(n_out):
            center = scale * (i + 0.5)
            xmin = max(int(center - support + 0.5), 0)
            xmax = min(int(center + support + 0.5), n_in)
            ws = [kernel((j - center + 0.5) * invscale) for j in range(xmin, xmax)]
            total = sum(ws)
            for j, wv in zip(range(xmin, xmax), ws):
                rows[i][j] = wv / total if total != 0.0 else wv
        return rows
    a = -0.75
    for i in range(n_out):
        src = scale * (i + 0.5) - 0.5
        i0 = math.floor(src)
        t = src - i0
        coeffs = [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                  ((a + 2) * t - (a + 3)) * t * t + 1,
                  ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                  ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
        for k, c in enumerate(coeffs):
            rows[i][min(max(i0 - 1 + k, 0), n_in - 1)] += c
    return rows


def as_float_batch(img: Tensor) -> tuple[Tensor, tuple[int, ...], Any]:
    """``img`` as a float ``(N, 1, H, W)`` batch (each leading index one single-channel plane), with
    its leading shape and dtype to undo it."""
    lead = tuple(img.shape[:-2])
    out_dtype = img.dtype
    x = img if img.dtype in (dtypes.float32, dtypes.float64) else img.to(dtypes.float32)
    x = x.reshape((-1, 1) + tuple(img.shape[-2:]))
    return x, lead, out_dtype


def from_float_batch(x: Tensor, lead: tuple[int, ...], out_dtype: Any) -> Tensor:
    x = x.reshape(lead + tuple(x.shape[-2:]))
    if x.dtype is not out_dtype:
        if not out_dtype.is_floating_point:
            x = x.round()
        x = x.to(out_dtype)
    return x


def resize(img: Tensor, size: list[int], mode: str, antialias: bool | None) -> Tensor:
    """Resize the last two dims to ``size`` with ``mode`` (nearest, nearest-exact, bilinear or bicubic);
    integer images are computed in float32 and rounded back."""
    from arraygrad.nn.functional import interpolate

    x, lead, out_dtype = as_float_batch(img)
    oh, ow = size
    if mode in ("nearest", "nearest-exact"):
        x = interpolate(x, size=(oh, ow), mode=mode)
    elif mode == "bilinear" and not antialias:
        x = interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False)
    else:
        h, w = x.shape[-2], x.shape[-1]
        wh = tensor(filter_weights(h, oh, mode, bool(antialias)), dtype=x.dtype, backend=x.backend)
        ww = tensor(filter_weights(w, ow, mode, bool(antialias)), dtype=x.dtype, backend=x.backend)
        x = _ops.matmul(_ops.matmul(wh, x), ww.transpose(0, 1))
        if mode == "bicubic" and out_dtype is dtypes.uint8:
            x = x.clamp(0, 255)
    return from_float_batch(x, lead, out_dtype)


def inverse_affine_matrix(center: Sequence[float], angle: float, translate: Sequence[float], scale: float,
                           shear: Sequence[float]) -> list[float]:
    """The inverse of ``T * C * RotateScaleShear * C^-1`` as 6 numbers (what PIL and the grid sampler take)."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def f32(v: float) -> float:
    """``v`` rounded to float32."""
    return struct.unpack("f", struct.pack("f", v))[0]


def expanded_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """The (w, h) that holds the whole image after the affine map (PIL's rule with a 1e-4 tolerance).

    Computed in float32 like torchvision, whose rounding decides cases such as a 90 degree turn,
    where float64 leaves a residue of 1e-16 that the tolerance would turn into an extra pixel."""
    pts = [(-0.5 * w, -0.5 * h), (-0.5 * w, 0.5 * h), (0.5 * w, 0.5 * h), (0.5 * w, -0.5 * h)]
    theta = [f32(v) for v in matrix]
    tol = f32(1e-4)
    size = []
    for row, half in ((0, w * 0.5), (3, h * 0.5)):
        vals = [f32(f32(f32(theta[row] * x) + f32(theta[row + 1] * y)) + theta[row + 2]) for x, y in pts]
        hi = math.ceil(f32(math.trunc(f32(f32(max(vals) + half) / tol)) * tol))
        lo = math.floor(f32(math.trunc(f32(f32(min(vals) + half) / tol)) * tol))
        size.append(int(hi - lo))
    return size[0], size[1]


def grid_transform(img: Tensor, matrix: list[float], ow: int, oh: int, mode: str, fill: Any) -> Tensor:
    """Sample ``img`` at the inverse-mapped centre of each output pixel (``grid_sample`` with zero
    padding and ``align_corners=False``, as torchvision's affine/rotate)."""
    lead = tuple(img.shape[:-2])
    out_dtype = img.dtype
    c = img.shape[-3] if img.ndim >= 3 else 1
    h, w = img.shape[-2], img.shape[-1]
    x = img if img.is_floating_point() else img.to(dtypes.float32)
    dt, be = x.dtype, x.backend
    flat = x.reshape(-1, c, h * w)
    theta = [v / s for v, s in zip(matrix, (0.5 * w, 0.5 * w, 0.5 * w, 0.5 * h, 0.5 * h, 0.5 * h))]
    bx = tensor([-ow * 0.5 + 0.5 + k for k in range(ow)], dtype=dt, backend=be).reshape(1, ow)
    by = tensor([-oh * 0.5 + 0.5 + k for k in range(oh)], dtype=dt, backend=be).reshape(oh, 1)
    gx = bx.mul(theta[0]).add(by.mul(theta[1])).add(theta[2])
    gy = bx.mul(theta[3]).add(by.mul(theta[4])).add(theta[5])
    ix = gx.add(1).mul(w).sub(1).div(2)
    iy = gy.add(1).mul(h).sub(1).div(2)

    def gather(xi: Tensor, yi: Tensor) -> tuple[Tensor, Tensor]:
        """Pixels at integer-valued positions (zero outside the image) and the inside mask."""
        inside = ((xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)).to(dt)
        index = yi.clamp(0, h - 1).mul(w).add(xi.clamp(0, w - 1)).to(dtypes.int64).reshape(-1)
        values = flat[..., index].reshape(-1, c, oh, ow)
        return values, inside

    if mode == "nearest":
        values, mask = gather(ix.round(), iy.round())
        out = values.mul(mask)
    else:
        x0, y0 = ix.floor(), iy.floor()
        fx, fy = ix.sub(x0), iy.sub(y0)
        gx0, gy0 = fx.mul(-1.0).add(1.0), fy.mul(-1.0).add(1.0)
        out, mask = None, None
        for dx, dy, wgt in ((0, 0, gx0.mul(gy0)), (1, 0, fx.mul(gy0)), (0, 1, gx0.mul(fy)), (1, 1, fx.mul(fy))):
            values, inside = gather(x0.add(dx), y0.add(dy))
            part = inside.mul(wgt)
            out = values.mul(part) if out is None else out.add(values.mul(part))
            mask = part if mask is None else mask.add(part)
    assert out is not None and mask is not None
    if fill is not None:
        fills = [float(v) for v in fill] if isinstance(fill, (list, tuple)) else [float(fill)]
        if len(fills) not in (1, c):
            raise ValueError(f"rotate: the number of elements in 'fill' does not match the number of channels of the "
                             f"image ({len(fills)} != {c})")
        fill_img = tensor(fills, dtype=dt, backend=be).reshape(1, len(fills), 1, 1)
        if mode == "nearest":
            out = _ops.where(mask < 0.5, fill_img, out)
        else:
            out = out.mul(mask).add(fill_img.mul(mask.mul(-1.0).add(1.0)))
    out = out.reshape(lead + (oh, ow))
    if out_dtype is not dt:
        out = out.round().to(out_dtype)
    return out


def work_dtype(img: Tensor) -> Any:
    return img.dtype if img.is_floating_point() else dtypes.float32


def blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = max_value(img1.dtype)
    dt = work_dtype(img1)
    mixed = img1.to(dt).mul(ratio).add(img2.to(dt).mul(1.0 - ratio))
    return mixed.clamp(0, bound).to(img1.dtype)


def rgb2hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = img.amax(dim=-3)
    minc = img.amin(dim=-3)
    eqc = maxc == minc
    cr = maxc.sub(minc)
    ones = ones_like(maxc)
    s = cr.div(_ops.where(eqc, ones, maxc))
    cr_divisor = _ops.where(eqc, ones, cr)
    rc = maxc.sub(r).div(cr_divisor)
    gc = maxc.sub(g).div(cr_divisor)
    bc = maxc.sub(b).div(cr_divisor)
    dt = img.dtype
    hr = (maxc == r).to(dt).mul(bc.sub(gc))
    hg = ((maxc == g) & (maxc != r)).to(dt).mul(rc.sub(bc).add(2.0))
    hb = ((maxc != g) & (maxc != r)).to(dt).mul(gc.sub(rc).add(4.0))
    h = hr.add(hg).add(hb)
    h = _ops.fmod(h.div(6.0).add(1.0), 1.0)
    return stack((h, s, maxc), dim=-3)


def hsv2rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    i = h.mul(6.0).floor()
    f = h.mul(6.0).sub(i)
    i = _ops.remainder(i.to(dtypes.int32), 6)
    p = v.mul(s.mul(-1.0).add(1.0)).clamp(0.0, 1.0)
    q = v.mul(s.mul(f).mul(-1.0).add(1.0)).clamp(0.0, 1.0)
    t = v.mul(s.mul(f.mul(-1.0).add(1.0)).mul(-1.0).add(1.0)).clamp(0.0, 1.0)
    sectors = tensor(list(range(6)), dtype=dtypes.int32, backend=img.backend).reshape(6, 1, 1)
    mask = (i.unsqueeze(-3) == sectors).to(img.dtype)
    a1 = stack((v, q, p, p, t, v), dim=-3)
    a2 = stack((t, v, v, q, p, p), dim=-3)
    a3 = stack((p, p, t, v, v, q), dim=-3)
    a4 = stack((a1, a2, a3), dim=-4)
    return _ops.sum(mask.unsqueeze(-4).mul(a4), dim=-3)
