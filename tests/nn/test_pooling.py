"""Max, average and adaptive pooling layers against PyTorch: outputs, indices and input
gradients for many configurations, ``repr``, and errors that name the layer."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import backend_cases, to_np
from tests.nn._layer_checks import check_layer

# name -> (layer class, constructor args, constructor kwargs, input shape); jax runs the first
POOL_CASES = {
    "adaptive-max2d-indices": ("AdaptiveMaxPool2d", (3,), {"return_indices": True}, (1, 2, 5, 4)),
    "max1d": ("MaxPool1d", (3,), {}, (2, 3, 8)),
    "max1d-stride-pad-dil": ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 2}, (2, 2, 9)),
    "max1d-ceil-indices": ("MaxPool1d", (2,), {"stride": 2, "ceil_mode": True, "return_indices": True}, (1, 2, 7)),
    "max2d": ("MaxPool2d", (2,), {}, (2, 3, 6, 5)),
    "max2d-rect-pad": ("MaxPool2d", ((3, 2),), {"stride": (2, 1), "padding": (1, 1)}, (2, 2, 6, 5)),
    "max2d-ceil-dil-indices": ("MaxPool2d", (2,), {"stride": 2, "dilation": 2, "ceil_mode": True,
                                                    "return_indices": True}, (1, 2, 7, 6)),
    "max2d-unbatched": ("MaxPool2d", (2,), {"stride": 1}, (3, 4, 4)),
    "max3d": ("MaxPool3d", (2,), {"stride": (1, 2, 2), "padding": (1, 0, 1)}, (1, 2, 3, 4, 5)),
    "avg1d": ("AvgPool1d", (3,), {"stride": 2}, (2, 3, 8)),
    "avg1d-pad-exclude": ("AvgPool1d", (3,), {"padding": 1, "count_include_pad": False, "ceil_mode": True},
                          (2, 2, 7)),
    "avg2d": ("AvgPool2d", (2,), {}, (2, 3, 6, 6)),
    "avg2d-pad-ceil": ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 2, 6, 7)),
    "avg2d-exclude-pad": ("AvgPool2d", ((3, 2),), {"stride": (2, 1), "padding": (1, 1), "count_include_pad": False},
                          (2, 2, 5, 5)),
    "avg2d-divisor": ("AvgPool2d", (2,), {"stride": 1, "padding": 1, "divisor_override": 3}, (1, 2, 4, 4)),
    "avg3d": ("AvgPool3d", (2,), {"stride": 1, "padding": (0, 1, 0)}, (1, 1, 3, 3, 4)),
    "adaptive-avg1d": ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    "adaptive-avg2d": ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 2, 7, 5)),
    "adaptive-avg2d-none": ("AdaptiveAvgPool2d", ((None, 3),), {}, (1, 2, 4, 7)),
    "adaptive-avg2d-up": ("AdaptiveAvgPool2d", (5,), {}, (1, 2, 3, 4)),
    "adaptive-avg3d": ("AdaptiveAvgPool3d", ((2, 1, 3),), {}, (1, 2, 3, 4, 5)),
    "adaptive-max1d": ("AdaptiveMaxPool1d", (3,), {"return_indices": True}, (2, 3, 7)),
    "adaptive-max2d": ("AdaptiveMaxPool2d", ((2, 3),), {}, (2, 2, 5, 7)),
    "adaptive-max2d-unbatched": ("AdaptiveMaxPool2d", ((None, 2),), {}, (2, 3, 5)),
    "adaptive-max3d": ("AdaptiveMaxPool3d", (2,), {"return_indices": True}, (1, 1, 3, 4, 3)),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(POOL_CASES), jax_every=100), indirect=["backend"])
def test_pooling_matches_torch(backend, case, torch):
    cls, args, kwargs, in_shape = POOL_CASES[case]
    layer = getattr(nn, cls)(*args, **kwargs)
    tlayer = getattr(torch.nn, cls)(*args, **kwargs)
    x = np.random.default_rng(1).standard_normal(in_shape)
    out, tout = check_layer(layer, tlayer, [x])
    if kwargs.get("return_indices"):
        assert out[1].dtype is ag.int64
    assert repr(layer) == repr(tlayer)
    assert layer.state_dict() == {} or list(layer.state_dict()) == []


@pytest.mark.backends("numpy", "strict")
def test_functional_pooling(backend, torch):
    F, tF = nn.functional, torch.nn.functional
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 7))
    cases = [
        (lambda f, x: f.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
        (lambda f, x: f.avg_pool2d(x, (2, 3), padding=1, count_include_pad=False)),
        (lambda f, x: f.adaptive_avg_pool2d(x, (4, 3))),
        (lambda f, x: f.adaptive_max_pool2d(x, 4, return_indices=True)),
        (lambda f, x: f.max_pool1d(x[0], 2, return_indices=True)),
        (lambda f, x: f.avg_pool1d(x[0], 3, 1, 1)),
        (lambda f, x: f.adaptive_avg_pool1d(x[0], 4)),
        (lambda f, x: f.adaptive_max_pool1d(x[0], 5)),
    ]
    for fn in cases:
        check_layer(lambda x, fn=fn: fn(F, x), lambda x, fn=fn: fn(tF, x), [x], call=lambda f, xs: f(*xs))


@pytest.mark.backends("numpy", "strict")
def test_adaptive_max_pool_ties_give_one_gradient(backend, torch):
    # ties (e.g. the zeros after a ReLU) send the gradient to the first maximum, as PyTorch
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 3, 3] = -1.0
    check_layer(nn.AdaptiveMaxPool2d(2, return_indices=True), torch.nn.AdaptiveMaxPool2d(2, return_indices=True), [x])


def test_max_pool_indices_invert_with_gather():
    x = ag.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    flat = x.reshape(2, 3, 36)
    np.testing.assert_array_equal(to_np(flat.gather(2, idx.reshape(2, 3, -1)).reshape(2, 3, 3, 3)), to_np(out))


@pytest.mark.backends("numpy", "strict")
def test_pooling_errors_name_layer_and_shapes(backend):
    with pytest.raises(RuntimeError, match=r"MaxPool2d: expected a 3-d or 4-d input, got shape \(5, 5\)"):
        nn.MaxPool2d(2)(ag.zeros(5, 5))
    with pytest.raises(RuntimeError, match=r"AvgPool1d: expected a 2-d or 3-d input, got shape \(1, 2, 3, 4\)"):
        nn.AvgPool1d(2)(ag.zeros(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="MaxPool2d: pad should be at most half"):
        nn.MaxPool2d(2, padding=2)(ag.zeros(1, 1, 6, 6))
    with pytest.raises(RuntimeError, match=r"MaxPool1d: input of shape \(1, 1, 2\) is too small"):
        nn.MaxPool1d(3)(ag.zeros(1, 1, 2))
    with pytest.raises(RuntimeError, match=r"AdaptiveMaxPool2d: expected a 3-d \(unbatched\) or 4-d"):
        nn.AdaptiveMaxPool2d(2)(ag.zeros(4, 4))
    with pytest.raises(RuntimeError, match=r"AdaptiveAvgPool1d: expected a 2-d \(unbatched\) or 3-d \(batched\) input"):
        nn.AdaptiveAvgPool1d(2)(ag.zeros(4))
