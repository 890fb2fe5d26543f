"""F.interpolate and Upsample against PyTorch: nearest (PyTorch's float32 index rule),
nearest-exact, linear / bilinear / trilinear with and without align_corners, area, sizes and
scale factors (with and without recompute_scale_factor), gradients, ``repr`` and errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import backend_cases, to_np
from tests.nn._layer_checks import check_layer

# name -> (input shape, interpolate kwargs)
CASES = {
    "bilinear-up": ((2, 2, 3, 4), {"size": (5, 7), "mode": "bilinear"}),
    "nearest-1d-up": ((2, 3, 4), {"scale_factor": 2, "mode": "nearest"}),
    "nearest-1d-odd": ((1, 2, 5), {"size": 8, "mode": "nearest"}),
    "nearest-2d-down": ((1, 2, 7, 6), {"size": (3, 4), "mode": "nearest"}),
    "nearest-2d-scale": ((2, 1, 3, 5), {"scale_factor": (1.5, 0.6), "mode": "nearest"}),
    "nearest-2d-recompute": ((1, 2, 3, 5), {"scale_factor": 1.7, "mode": "nearest", "recompute_scale_factor": True}),
    "nearest-exact-2d": ((1, 2, 5, 3), {"size": (7, 8), "mode": "nearest-exact"}),
    "nearest-3d": ((1, 1, 2, 3, 2), {"scale_factor": (2, 1, 1.5), "mode": "nearest"}),
    "linear": ((2, 3, 5), {"size": 8, "mode": "linear"}),
    "linear-align": ((2, 2, 5), {"size": 3, "mode": "linear", "align_corners": True}),
    "linear-scale": ((1, 2, 4), {"scale_factor": 2.5, "mode": "linear"}),
    "bilinear-down": ((1, 2, 7, 6), {"size": (4, 3), "mode": "bilinear"}),
    "bilinear-align-up": ((2, 1, 3, 4), {"size": (6, 5), "mode": "bilinear", "align_corners": True}),
    "bilinear-align-1px": ((1, 1, 3, 4), {"size": (1, 5), "mode": "bilinear", "align_corners": True}),
    "bilinear-scale": ((1, 2, 3, 4), {"scale_factor": (1.5, 2.25), "mode": "bilinear"}),
    "bilinear-recompute": ((1, 2, 3, 4), {"scale_factor": 1.3, "mode": "bilinear", "recompute_scale_factor": True}),
    "trilinear": ((1, 2, 2, 3, 2), {"size": (3, 4, 4), "mode": "trilinear"}),
    "area": ((2, 2, 6, 5), {"size": (4, 3), "mode": "area"}),
    "area-scale": ((1, 2, 6), {"scale_factor": 0.5, "mode": "area"}),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(CASES), jax_every=100), indirect=["backend"])
def test_interpolate_matches_torch(backend, case, torch):
    in_shape, kwargs = CASES[case]
    x = np.random.default_rng(0).standard_normal(in_shape)
    out, tout = check_layer(lambda x: nn.functional.interpolate(x, **kwargs),
                            lambda x: torch.nn.functional.interpolate(x, **kwargs), [x], call=lambda f, xs: f(*xs))
    assert tuple(out.shape) == tuple(tout.shape)


def test_nearest_indices_follow_torch_for_many_sizes(torch):
    # PyTorch computes the nearest source index in float32; sizes whose ratio is not exact in
    # binary are where a float64 computation would pick a different pixel
    pairs = [(n, m) for n in range(1, 14) for m in range(1, 30)]
    for n, m in pairs:
        x = np.arange(float(n)).reshape(1, 1, n)
        for kwargs in ({"size": m}, {"scale_factor": m / n}, {"scale_factor": m / n + 1e-3}):
            for mode in ("nearest", "nearest-exact"):
                theirs = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **kwargs).numpy()
                ours = to_np(nn.functional.interpolate(ag.tensor(x), mode=mode, **kwargs))
                np.testing.assert_array_equal(ours, theirs, err_msg=f"{n} -> {kwargs} {mode}")


def test_linear_float32_matches_torch(torch):
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 7)).astype(np.float32)
    for kwargs in ({"size": (9, 4)}, {"scale_factor": 1.37}, {"size": (3, 11), "align_corners": True}):
        ours = nn.functional.interpolate(ag.tensor(x), mode="bilinear", **kwargs)
        assert ours.dtype is ag.float32
        theirs = torch.nn.functional.interpolate(torch.tensor(x), mode="bilinear", **kwargs)
        np.testing.assert_allclose(to_np(ours), theirs.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.backends("numpy", "strict")
def test_upsample_modules_match_torch(backend, torch):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    for ctor in [
        lambda m: m.Upsample(scale_factor=2),
        lambda m: m.Upsample(size=(5, 6), mode="bilinear"),
        lambda m: m.Upsample(scale_factor=(1.5, 2.0), mode="bilinear", align_corners=True),
        lambda m: m.Upsample(size=7, mode="nearest-exact"),
        lambda m: m.UpsamplingNearest2d(size=(4, 5)),
        lambda m: m.UpsamplingBilinear2d(scale_factor=2),
    ]:
        layer, tlayer = ctor(nn), ctor(torch.nn)
        assert repr(layer) == repr(tlayer)
        assert list(layer.state_dict()) == []
        check_layer(layer, tlayer, [x])


def test_interpolate_errors():
    F = nn.functional
    x = ag.zeros(1, 2, 3, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.interpolate(x, size=(3, 4, 5))
    with pytest.raises(NotImplementedError, match=r"got a 3D input of shape \(1, 2, 3\), but mode 'bilinear' needs 4D"):
        F.interpolate(ag.zeros(1, 2, 3), size=5, mode="bilinear")
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an explicit size"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="mode must be one of"):
        F.interpolate(x, size=3, mode="cubic")
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(x, size=3, mode="bicubic")
