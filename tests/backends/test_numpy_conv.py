"""The numpy backend's convolution and max-pooling kernels (strided window views, one matrix
product per group, flat shifted accumulation) against the reference backend's kernels in float64
and against PyTorch's convolutions and their gradients in float32."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

import arraygrad as ag

Pads = tuple[tuple[int, int], ...]


def _numpy():
    return ag.backends.get("numpy")


def _strict():
    return ag.backends.get("strict")


def _random_conv_case(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], Pads,
                                                         tuple[int, ...], int]:
    """A random valid geometry: x shape, w shape, stride, (lo, hi) padding, dilation, groups."""
    while True:
        nd = int(rng.integers(1, 4))
        groups = int(rng.choice([1, 2, 3]))
        n = int(rng.integers(1, 3))
        c, o = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kernel = tuple(int(v) for v in rng.integers(1, 4, nd))
        stride = tuple(int(v) for v in rng.integers(1, 4, nd))
        dilation = tuple(int(v) for v in rng.integers(1, 3, nd))
        padding = tuple((int(lo), int(hi)) for lo, hi in rng.integers(0, 3, (nd, 2)))
        spatial = tuple(int(v) for v in rng.integers(1, 7 if nd < 3 else 5, nd))
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, padding))
        if all(p >= d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilation)):
            return (n, c) + spatial, (o, c // groups) + kernel, stride, padding, dilation, groups


def _out_shape(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: tuple[int, ...], padding: Pads,
               dilation: tuple[int, ...]) -> tuple[int, ...]:
    return (x_shape[0], w_shape[0]) + tuple(
        (s + lo + hi - d * (k - 1) - 1) // st + 1
        for s, (lo, hi), k, st, d in zip(x_shape[2:], padding, w_shape[2:], stride, dilation))


def _both(kernel: str, *args, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """``kernel`` on the numpy backend and on the reference (array-api-strict) backend, as numpy arrays."""
    nb, sb = _numpy(), _strict()
    conv = [sb.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
    mine = getattr(nb, kernel)(*args, **kwargs)
    theirs = getattr(sb, kernel)(*conv, **kwargs)
    if isinstance(mine, tuple):
        return tuple(nb.to_numpy(m) for m in mine), tuple(sb.to_numpy(t) for t in theirs)
    return nb.to_numpy(mine), sb.to_numpy(theirs)


@pytest.mark.parametrize("seed", range(6))
def test_conv_kernels_match_the_reference_in_float64(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(12):
        x_shape, w_shape, stride, padding, dilation, groups = _random_conv_case(rng)
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        g = rng.standard_normal(_out_shape(x_shape, w_shape, stride, padding, dilation))
        where = f"x{x_shape} w{w_shape} stride={stride} padding={padding} dilation={dilation} groups={groups}"
        for name, args in (("conv", (x, w)), ("conv_grad_input", (g, w, x_shape)), ("conv_grad_weight", (x, g, w_shape))):
            mine, ref = _both(name, *args, stride, padding, dilation, groups)
            assert mine.shape == ref.shape, f"{name} {where}"
            assert mine.dtype == np.float64 and mine.flags.c_contiguous, f"{name} {where}"
            np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10, err_msg=f"{name} {where}")


def test_conv_kernels_edge_geometries() -> None:
    """Batch 1, one channel, depthwise groups, a stride past the kernel (input rows no window reads),
    padding wider than the kernel reach, and a larger input shape for the input gradient (what a
    transposed convolution's output_padding asks for)."""
    rng = np.random.default_rng(7)
    cases = [
        ((1, 1, 9, 9), (1, 1, 3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
        ((1, 4, 7, 6), (4, 1, 3, 2), (2, 1), ((1, 0), (0, 2)), (1, 2), 4),
        ((2, 2, 11), (3, 2, 2), (4,), ((0, 0),), (1,), 1),
        ((2, 1, 5), (2, 1, 2), (1,), ((4, 3),), (1,), 1),
        ((1, 3, 4, 5, 3), (6, 1, 2, 3, 1), (1, 2, 1), ((1, 1), (0, 1), (2, 0)), (2, 1, 1), 3),
        ((2, 6, 5, 5), (12, 1, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 6),  # many groups: one batched product
        ((2, 6, 7, 5), (6, 1, 2, 2), (2, 2), ((0, 1), (1, 0)), (1, 1), 6),
    ]
    for x_shape, w_shape, stride, padding, dilation, groups in cases:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        g = rng.standard_normal(_out_shape(x_shape, w_shape, stride, padding, dilation))
        for name, args in (("conv", (x, w)), ("conv_grad_input", (g, w, x_shape)), ("conv_grad_weight", (x, g, w_shape))):
            mine, ref = _both(name, *args, stride, padding, dilation, groups)
            assert mine.shape == ref.shape
            np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10, err_msg=f"{name} x{x_shape} w{w_shape}")
    # the input gradient onto an input one element larger than any window reaches
    x_shape, w_shape = (2, 2, 6, 5), (3, 2, 3, 3)
    g = rng.standard_normal((2, 3, 2, 3))
    w = rng.standard_normal(w_shape)
    mine, ref = _both("conv_grad_input", g, w, (2, 2, 7, 6), (2, 1), ((0, 0), (0, 0)), (1, 1), 1)
    assert mine.shape == (2, 2, 7, 6)
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10)


def test_conv_grad_input_in_batch_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stride-1 input gradient adds back a few samples at a time on large inputs; forced here
    down to one sample per pass, it is the same."""
    import arraygrad.backends.numpy as numpy_backend

    rng = np.random.default_rng(8)
    g, w = rng.standard_normal((5, 4, 6, 5)), rng.standard_normal((4, 3, 3, 2))
    args = ((5, 3, 6, 5), (1, 1), ((1, 1), (0, 1)), (1, 1), 1)
    whole = _numpy().conv_grad_input(g, w, *args)
    monkeypatch.setattr(numpy_backend, "_CACHE_BYTES", 1)
    chunked = _numpy().conv_grad_input(g, w, *args)
    _, ref = _both("conv_grad_input", g, w, *args)
    np.testing.assert_allclose(chunked, ref, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(chunked, whole)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_conv_forward_and_weight_gradient_in_batch_chunks(monkeypatch: pytest.MonkeyPatch, groups: int) -> None:
    """The forward and the weight gradient copy the windows of a few samples at a time; forced down
    to the fewest samples per pass (with a last, shorter pass), they are the reference's."""
    import arraygrad.backends.numpy as numpy_backend

    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((11, 6, 7, 6)), rng.standard_normal((6, 6 // groups, 3, 2))
    args = ((1, 2), ((1, 0), (0, 1)), (2, 1), groups)
    whole = _numpy().conv(x, w, *args)
    whole_gw = _numpy().conv_grad_weight(x, np.ones_like(whole), w.shape, *args)
    monkeypatch.setattr(numpy_backend, "_CACHE_BYTES", 1)
    y, ref = _both("conv", x, w, *args)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(y, whole)
    g = rng.standard_normal(y.shape)
    gw, ref_gw = _both("conv_grad_weight", x, g, w.shape, *args)
    np.testing.assert_allclose(gw, ref_gw, rtol=0, atol=1e-10)
    np.testing.assert_allclose(_numpy().conv_grad_weight(x, np.ones_like(whole), w.shape, *args), whole_gw,
                               rtol=1e-12, atol=1e-12)


def test_conv_kernels_keep_float32_and_read_strided_inputs() -> None:
    nb = _numpy()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 8, 2)).astype(np.float32).transpose(3, 1, 2, 0)  # (2, 5, 8, 3), not contiguous
    w = rng.standard_normal((4, 5, 3, 2)).astype(np.float32)[:, :, ::-1]  # negative strides
    args = ((1, 1), ((1, 1), (0, 1)), (1, 1), 1)
    y = nb.conv(x, w, *args)
    assert y.dtype == np.float32 and y.flags.c_contiguous
    ref = _numpy().to_numpy(_strict().to_numpy(_strict().conv(_strict().from_numpy(np.ascontiguousarray(x)),
                                                                _strict().from_numpy(np.ascontiguousarray(w)), *args)))
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(y.shape).astype(np.float32)
    gx = nb.conv_grad_input(g, w, x.shape, *args)
    gw = nb.conv_grad_weight(x, g, w.shape, *args)
    assert gx.dtype == gw.dtype == np.float32 and gx.flags.c_contiguous and gw.flags.c_contiguous
    assert gx.shape == x.shape and gw.shape == w.shape
    np.testing.assert_array_equal(x, x.copy())  # inputs are read, not written


def _torch_pad(x: torch.Tensor, padding: Pads) -> torch.Tensor:
    """Asymmetric zero padding for torch (F.pad takes the last dim first)."""
    return F.pad(x, [p for lo_hi in reversed(padding) for p in lo_hi])


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_kernels_match_torch_in_float32(nd: int) -> None:
    nb = _numpy()
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    rng = np.random.default_rng(10 + nd)
    for _ in range(6):
        while True:
            x_shape, w_shape, stride, padding, dilation, groups = _random_conv_case(rng)
            if len(x_shape) == nd + 2:
                break
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        xt = torch.tensor(x, requires_grad=True)
        wt = torch.tensor(w, requires_grad=True)
        yt = conv(_torch_pad(xt, padding), wt, stride=stride, dilation=dilation, groups=groups)
        g = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
        yt.backward(torch.tensor(g))
        args = (stride, padding, dilation, groups)
        where = f"x{x_shape} w{w_shape} {args}"
        np.testing.assert_allclose(nb.conv(x, w, *args), yt.detach().numpy(), rtol=1e-4, atol=1e-4, err_msg=where)
        np.testing.assert_allclose(nb.conv_grad_input(g, w, x_shape, *args), xt.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=where)
        np.testing.assert_allclose(nb.conv_grad_weight(x, g, w_shape, *args), wt.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=where)


@pytest.mark.parametrize(("stride", "padding", "output_padding", "dilation", "groups"), [
    ((1, 1), (0, 0), (0, 0), (1, 1), 1),
    ((2, 2), (1, 0), (1, 0), (1, 1), 1),
    ((3, 2), (1, 1), (2, 1), (1, 2), 2),
    ((2, 1), (2, 1), (1, 0), (2, 2), 1),
])
def test_conv_grad_input_is_torch_conv_transpose(stride, padding, output_padding, dilation, groups) -> None:
    """conv_grad_input is the transposed convolution: torch's conv_transpose2d and its gradients."""
    nb = _numpy()
    rng = np.random.default_rng(sum(stride) + sum(output_padding))
    n, o, c = 2, 2 * groups, 3 * groups
    y = rng.standard_normal((n, o, 4, 5)).astype(np.float32)
    w = rng.standard_normal((o, c // groups, 3, 2)).astype(np.float32)
    yt = torch.tensor(y, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    out = F.conv_transpose2d(yt, wt, stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                             dilation=dilation)
    pads = tuple((p, p) for p in padding)
    args = (stride, pads, dilation, groups)
    mine = nb.conv_grad_input(y, w, tuple(out.shape), *args)
    np.testing.assert_allclose(mine, out.detach().numpy(), rtol=1e-4, atol=1e-4)
    gout = rng.standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(torch.tensor(gout))
    # the transposed convolution's gradients are the forward convolution and the weight kernel (over
    # the windows y's positions read: output_padding adds rows no position of y reaches)
    crop = (slice(None), slice(None), slice(0, y.shape[2]), slice(0, y.shape[3]))
    np.testing.assert_allclose(nb.conv(gout, w, *args)[crop], yt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(nb.conv_grad_weight(gout, y, w.shape, *args), wt.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv2d_module_gradients_match_torch() -> None:
    """End to end through arraygrad's autograd on the numpy backend."""
    torch.manual_seed(0)
    tconv = torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
    with ag.use_backend("numpy"):
        aconv = ag.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
        aconv.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tconv.state_dict().items()})
        x = np.random.default_rng(0).standard_normal((3, 4, 9, 8)).astype(np.float32)
        xa = ag.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        (aconv(xa) ** 2).sum().backward()
        (tconv(xt) ** 2).sum().backward()
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(aconv.weight.grad.numpy(), tconv.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(aconv.bias.grad.numpy(), tconv.bias.grad.numpy(), rtol=1e-4, atol=1e-3)


# ---------------------------------------------------------------------- max pooling


def _random_pool_case(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], Pads,
                                                         tuple[int, ...]]:
    while True:
        nd = int(rng.integers(1, 4))
        kernel = tuple(int(v) for v in rng.integers(1, 4, nd))
        stride = tuple(int(v) for v in rng.integers(1, 4, nd))
        dilation = tuple(int(v) for v in rng.integers(1, 3, nd))
        padding = tuple((int(rng.integers(0, k // 2 + 1)), int(rng.integers(0, k // 2 + 1))) for k in kernel)
        spatial = tuple(int(v) for v in rng.integers(1, 7 if nd < 3 else 5, nd))
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, padding))
        if all(p >= d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilation)):
            return (int(rng.integers(1, 3)), int(rng.integers(1, 3))) + spatial, kernel, stride, padding, dilation


@pytest.mark.parametrize("seed", range(4))
def test_max_pool_matches_the_reference_exactly(seed: int) -> None:
    """Values, first-maximum offsets (ties: integer-valued inputs) and gradients, NaN included."""
    rng = np.random.default_rng(100 + seed)
    for i in range(25):
        x_shape, kernel, stride, padding, dilation = _random_pool_case(rng)
        x = rng.integers(-2, 3, x_shape).astype(np.float64)
        if i % 3 == 0:
            x[rng.random(x_shape) < 0.15] = np.nan
        if i % 4 == 0:
            x = x.astype(np.float32)
        where = f"x{x_shape} kernel={kernel} stride={stride} padding={padding} dilation={dilation}"
        (values, offsets), (ref_values, ref_offsets) = _both("max_pool", x, kernel, stride, padding, dilation)
        # the offsets are the backend's own (numpy: uint8 for windows of under 256 elements)
        assert values.dtype == ref_values.dtype and offsets.dtype.kind in "iu", where
        np.testing.assert_array_equal(values, ref_values, err_msg=where)
        np.testing.assert_array_equal(offsets, ref_offsets, err_msg=where)
        g = rng.standard_normal(values.shape).astype(x.dtype)
        if i % 5 == 0:
            g.flat[0] = np.inf  # a non-finite gradient reaches only its own maximum
        mine, ref = _both("max_pool_grad", g, offsets, x_shape, kernel, stride, padding, dilation)
        assert mine.shape == ref.shape and mine.dtype == ref.dtype and mine.flags.c_contiguous, where
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12, err_msg=where)
        assert not np.signbit(mine[mine == 0]).any(), where  # +0.0 where nothing arrives, as the reference


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), [
    ((2, 2), (2, 2), (0, 0), (1, 1)),
    ((3, 3), (2, 2), (1, 1), (1, 1)),
    ((3, 2), (1, 2), (1, 0), (2, 1)),
])
def test_max_pool2d_gradients_match_torch(kernel, stride, padding, dilation) -> None:
    x = np.random.default_rng(5).permutation(2 * 3 * 9 * 8).reshape(2, 3, 9, 8).astype(np.float32)  # no ties
    xt = torch.tensor(x, requires_grad=True)
    yt, it = F.max_pool2d(xt, kernel, stride, padding, dilation, return_indices=True)
    g = np.random.default_rng(6).standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    with ag.use_backend("numpy"):
        xa = ag.tensor(x, requires_grad=True)
        ya, ia = ag.nn.functional.max_pool2d(xa, kernel, stride, padding, dilation, return_indices=True)
        ya.backward(ag.tensor(g))
    np.testing.assert_array_equal(ya.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(ia.numpy(), it.numpy())
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)  # overlaps: summation order


def test_max_pool_integer_input_without_padding() -> None:
    x = np.random.default_rng(2).integers(-5, 5, (2, 2, 6, 6)).astype(np.int32)
    (values, offsets), (ref_values, ref_offsets) = _both("max_pool", x, (3, 2), (2, 2), ((0, 0), (0, 0)), (1, 1))
    assert values.dtype == np.int32
    np.testing.assert_array_equal(values, ref_values)
    np.testing.assert_array_equal(offsets, ref_offsets)
    assert math.prod(values.shape) > 0
