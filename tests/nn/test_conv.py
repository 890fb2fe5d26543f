"""Conv1d/2d/3d and ConvTranspose1d/2d/3d against PyTorch: outputs and gradients of input,
weight and bias for many configurations, seeded initialisation, state-dict keys, ``repr`` and
error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import assert_close, backend_cases, to_np
from tests.nn._layer_checks import check_layer, state_dict_keys_match

# name -> (layer class, constructor args, constructor kwargs, input shape); jax runs the first
# (jax compiles every new op/shape pair, so whole tables would dominate the suite; the kernels'
# jax overrides are checked against the reference by the conformance suite)
CONV_CASES = {
    "t2d-basic": ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1}, (2, 3, 3, 4)),
    "1d-basic": ("Conv1d", (4, 6, 3), {}, (2, 4, 7)),
    "1d-stride-pad-dil": ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 2, "dilation": 2}, (2, 4, 9)),
    "1d-groups-nobias": ("Conv1d", (4, 6, 3), {"groups": 2, "bias": False}, (2, 4, 6)),
    "1d-same-even-kernel": ("Conv1d", (3, 2, 4), {"padding": "same", "dilation": 1}, (2, 3, 7)),
    "1d-valid": ("Conv1d", (3, 2, 2), {"padding": "valid"}, (1, 3, 5)),
    "1d-reflect": ("Conv1d", (2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 2, 6)),
    "1d-unbatched": ("Conv1d", (3, 2, 3), {"padding": 1}, (3, 5)),
    "2d-basic": ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 5)),
    "2d-rect": ("Conv2d", (2, 3, (2, 3)), {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)}, (2, 2, 6, 7)),
    "2d-depthwise": ("Conv2d", (4, 4, 3), {"groups": 4, "padding": 1}, (1, 4, 5, 5)),
    "2d-same-dilated": ("Conv2d", (2, 3, 3), {"padding": "same", "dilation": 2}, (2, 2, 6, 6)),
    "2d-replicate": ("Conv2d", (2, 2, 3), {"padding": 1, "padding_mode": "replicate", "stride": 2}, (1, 2, 5, 6)),
    "2d-circular-same": ("Conv2d", (2, 2, (2, 3)), {"padding": "same", "padding_mode": "circular"}, (1, 2, 4, 5)),
    "2d-reflect-nobias": ("Conv2d", (2, 4, 3), {"padding": (1, 2), "padding_mode": "reflect", "bias": False},
                          (2, 2, 4, 5)),
    "2d-unbatched": ("Conv2d", (2, 3, 2), {}, (2, 4, 4)),
    "3d-basic": ("Conv3d", (2, 4, 2), {"stride": (1, 2, 1), "padding": 1, "groups": 2}, (1, 2, 3, 4, 3)),
    "t1d-basic": ("ConvTranspose1d", (4, 3, 3), {}, (2, 4, 5)),
    "t1d-stride-outpad": ("ConvTranspose1d", (2, 4, 3), {"stride": 3, "padding": 1, "output_padding": 2},
                          (2, 2, 4)),
    "t1d-groups-dil": ("ConvTranspose1d", (4, 6, 2), {"groups": 2, "dilation": 3, "bias": False}, (1, 4, 5)),
    "t2d-outpad-rect": ("ConvTranspose2d", (2, 3, (3, 2)), {"stride": (2, 3), "output_padding": (1, 2),
                                                            "dilation": (1, 1)}, (1, 2, 3, 3)),
    "t2d-groups-dil": ("ConvTranspose2d", (4, 2, 2), {"groups": 2, "dilation": 2, "padding": 1}, (2, 4, 3, 3)),
    "t2d-unbatched": ("ConvTranspose2d", (2, 2, 2), {"stride": 2}, (2, 3, 2)),
    "t3d-basic": ("ConvTranspose3d", (2, 2, 2), {"stride": 2, "padding": (0, 1, 0)}, (1, 2, 2, 3, 2)),
}


@pytest.fixture(autouse=True)
def _float64():
    ag.set_default_dtype(ag.float64)  # restored by the global cleanup fixture


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize(("backend", "case"), backend_cases(list(CONV_CASES), jax_every=100), indirect=["backend"])
def test_conv_matches_torch(backend, case, torch):
    cls, args, kwargs, in_shape = CONV_CASES[case]
    ag.manual_seed(0)
    layer = getattr(nn, cls)(*args, **kwargs)
    assert layer.weight.backend.name == backend and layer.weight.dtype is ag.float64
    tlayer = getattr(torch.nn, cls)(*args, **kwargs).double()
    x = np.random.default_rng(1).standard_normal(in_shape)
    check_layer(layer, tlayer, [x])
    state_dict_keys_match(layer, tlayer)
    assert repr(layer) == repr(tlayer)


@pytest.mark.backends("numpy", "strict")
def test_conv_transpose_output_size(backend, torch):
    ag.manual_seed(0)
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    tlayer = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    for size in ([6, 8], [5, 7], (1, 3, 6, 7)):
        out, tout = check_layer(layer, tlayer, [x], call=lambda m, xs, s=size: m(xs[0], output_size=s))
        assert tuple(out.shape) == tuple(tout.shape)
        layer.zero_grad()
        tlayer.zero_grad()
    with pytest.raises(ValueError, match="valid sizes range from"):
        layer(ag.tensor(x), output_size=[9, 7])


@pytest.mark.backends("numpy", "strict")
def test_functional_convolutions(backend, torch):
    F, tF = nn.functional, torch.nn.functional
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    args = {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2}
    check_layer(lambda x, w, b: F.conv2d(x, w, b, **args), lambda x, w, b: tF.conv2d(x, w, b, **args), [x, w, b],
                copy=False, call=lambda f, xs: f(*xs))
    xt, wt = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3))
    targs = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 1, "dilation": 1}
    check_layer(lambda x, w: F.conv_transpose1d(x, w, **targs), lambda x, w: tF.conv_transpose1d(x, w, **targs),
                [xt, wt], copy=False, call=lambda f, xs: f(*xs))
    x1, w1 = rng.standard_normal((3, 7)), rng.standard_normal((2, 3, 3))  # unbatched
    check_layer(lambda x, w: F.conv1d(x, w, padding="same"), lambda x, w: tF.conv1d(x, w, padding="same"),
                [x1, w1], copy=False, call=lambda f, xs: f(*xs))


@pytest.mark.backends("numpy", "strict")
def test_unfold_and_fold_match_torch(backend, torch):
    F, tF = nn.functional, torch.nn.functional
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 6))
    kw = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    cols, tcols = check_layer(lambda x: F.unfold(x, **kw), lambda x: tF.unfold(x, **kw), [x], copy=False,
                              call=lambda f, xs: f(*xs))
    y = rng.standard_normal(tuple(tcols.shape))
    check_layer(lambda y: F.fold(y, (5, 6), **kw), lambda y: tF.fold(y, (5, 6), **kw), [y], copy=False,
                call=lambda f, xs: f(*xs))
    with pytest.raises(RuntimeError, match="sliding blocks"):
        F.fold(ag.tensor(y[:, :, :-1]), (5, 6), **kw)


def test_conv_double_backward_matches_torch(torch):
    ag.manual_seed(0)
    layer = nn.Conv2d(2, 3, 3, padding=1, stride=2)
    tlayer = torch.nn.Conv2d(2, 3, 3, padding=1, stride=2).double()
    from tests.nn._layer_checks import copy_params

    copy_params(layer, tlayer)
    xn = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
    x, tx = ag.tensor(xn, requires_grad=True), torch.tensor(xn, requires_grad=True)
    (gx,) = ag.autograd.grad((layer(x) ** 2).sum(), [x], create_graph=True)
    (tgx,) = torch.autograd.grad((tlayer(tx) ** 2).sum(), [tx], create_graph=True)
    (gx**2).sum().backward()
    (tgx**2).sum().backward()
    assert_close(layer.weight.grad, tlayer.weight.grad, rtol=1e-10)
    assert_close(x.grad, tx.grad, rtol=1e-10)


def test_same_seed_same_conv_on_every_backend():
    weights = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(7)
            layer = nn.Conv2d(3, 4, (2, 3), groups=1)
            tlayer = nn.ConvTranspose1d(4, 2, 3, groups=2)
            weights[name] = [to_np(p) for p in (*layer.parameters(), *tlayer.parameters())]
    for name in ("strict", "jax"):
        for a, b in zip(weights["numpy"], weights[name]):
            np.testing.assert_array_equal(a, b)


def test_default_init_bounds():
    ag.manual_seed(0)
    layer = nn.Conv2d(8, 64, 5)
    fan_in = 8 * 25
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w, b = to_np(layer.weight), to_np(layer.bias)
    assert w.shape == (64, 8, 5, 5) and w.dtype == np.float64
    assert 0.98 * bound < np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(b).max() <= bound
    t = nn.ConvTranspose2d(8, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (8, 3, 3, 3)
    tb = 1 / math.sqrt(3 * 9)  # PyTorch's fan_in of a transposed weight is weight.size(1) * k
    assert np.abs(to_np(t.bias)).max() <= tb and np.abs(to_np(t.weight)).max() <= tb


def test_conv_reprs_and_attributes_match_torch(torch):
    for cls, args, kwargs in [
        ("Conv2d", (4, 8, 3), {"padding": "same", "dilation": 2, "groups": 2, "bias": False, "padding_mode": "reflect"}),
        ("Conv1d", (2, 2, 3), {"padding": "valid"}),
        ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
        ("Conv3d", (1, 2, (1, 2, 3)), {"stride": 2}),
    ]:
        ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
        assert repr(ours) == repr(theirs)
        for attr in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups", "padding_mode",
                     "transposed", "_reversed_padding_repeated_twice"):
            assert getattr(ours, attr) == getattr(theirs, attr), (cls, attr)
        state_dict_keys_match(ours, theirs)


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv1d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="strided convolutions"):
        nn.Conv2d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(2, 2, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(2, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


@pytest.mark.backends("numpy", "strict")
def test_conv_forward_errors_name_layer_and_shapes(backend):
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"Conv2d: expected a 3-d \(unbatched\) or 4-d \(batched\) input, got input "
                                           r"of shape \(3, 5\)"):
        conv(ag.zeros(3, 5))
    with pytest.raises(RuntimeError, match=r"Conv2d: unbatched input of shape \(2, 3, 5\) has 2 channels"):
        conv(ag.zeros(2, 3, 5))
    with pytest.raises(RuntimeError, match=r"Conv2d: input of shape \(2, 5, 6, 6\) has 5 channels, but the weight "
                                           r"of shape \(4, 3, 3, 3\) with groups=1 expects 3"):
        conv(ag.zeros(2, 5, 6, 6))
    with pytest.raises(RuntimeError, match=r"Conv2d: input of shape \(1, 3, 2, 6\).*smaller than the kernel"):
        conv(ag.zeros(1, 3, 2, 6))
    tconv = nn.ConvTranspose1d(4, 2, 3)
    with pytest.raises(RuntimeError, match=r"ConvTranspose1d: input of shape \(1, 3, 5\) has 3 channels"):
        tconv(ag.zeros(1, 3, 5))
    with pytest.raises(RuntimeError, match=r"conv1d: expected a 2-d \(unbatched\) or 3-d"):
        nn.functional.conv1d(ag.zeros(5), ag.zeros(1, 1, 1))


def test_small_cnn_matches_torch(torch):
    # the layers composed as in a real model: values and every parameter's gradient, train mode
    def build(m):
        return m.Sequential(m.Conv2d(2, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2),
                            m.Conv2d(4, 3, 3, padding="same", padding_mode="reflect"), m.GroupNorm(1, 3),
                            m.AdaptiveAvgPool2d((2, 1)), m.Flatten(), m.Linear(6, 2))

    ag.manual_seed(0)
    model, tmodel = build(nn), build(torch.nn).double()
    x = np.random.default_rng(0).standard_normal((3, 2, 6, 6))
    check_layer(model, tmodel, [x])
    np.testing.assert_allclose(to_np(model[1].running_var), tmodel[1].running_var.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kwargs", [
    dict(stride=1, output_padding=1, dilation=2), dict(stride=1, output_padding=(2, 1), dilation=3),
    dict(stride=(2, 3), output_padding=(1, 2), dilation=(1, 3), padding=(1, 0)),
])
def test_conv_transpose_gradients_with_output_padding_past_the_stride_match_torch(kwargs: dict) -> None:
    import torch

    rng = np.random.default_rng(0)
    yn, wn = rng.random((1, 2, 4, 5)), rng.random((2, 3, 3, 2))
    y, w = ag.tensor(yn, requires_grad=True), ag.tensor(wn, requires_grad=True)
    ty, tw = torch.tensor(yn, requires_grad=True), torch.tensor(wn, requires_grad=True)
    out = ag.nn.functional.conv_transpose2d(y, w, **kwargs)
    tout = torch.nn.functional.conv_transpose2d(ty, tw, **kwargs)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
