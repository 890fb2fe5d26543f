"""Normalization layers against PyTorch: BatchNorm (training and eval, running statistics over
several steps, momentum=None, no tracking), InstanceNorm, LayerNorm, GroupNorm, RMSNorm, and the
functional normalize / cosine_similarity / pairwise_distance."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import assert_close, backend_cases, to_np
from tests.nn._layer_checks import check_layer, copy_params, state_dict_keys_match


@pytest.fixture(autouse=True)
def _float64():
    ag.set_default_dtype(ag.float64)  # restored by the global cleanup fixture


def _randomise_affine(layer):
    """Non-trivial affine parameters (they start at 1 and 0), so their gradients are tested."""
    rng = np.random.default_rng(5)
    with ag.no_grad():
        for p in layer.parameters():
            p.copy_(ag.tensor(rng.standard_normal(tuple(p.shape))))


# name -> (layer class, constructor args, constructor kwargs, input shapes of successive steps)
BN_CASES = {
    "bn2d": ("BatchNorm2d", (3,), {}, [(2, 3, 3, 2)] * 3),
    "bn1d-2d-input": ("BatchNorm1d", (3,), {}, [(5, 3)] * 3),
    "bn1d-3d-input": ("BatchNorm1d", (2,), {"momentum": 0.3, "eps": 1e-3}, [(2, 2, 4), (3, 2, 2)]),
    "bn2d-cumulative": ("BatchNorm2d", (2,), {"momentum": None}, [(2, 2, 2, 3), (1, 2, 3, 3), (3, 2, 1, 2)]),
    "bn2d-no-affine": ("BatchNorm2d", (2,), {"affine": False}, [(2, 2, 2, 2)] * 2),
    "bn2d-untracked": ("BatchNorm2d", (2,), {"track_running_stats": False}, [(2, 2, 3, 2)] * 2),
    "bn2d-no-bias": ("BatchNorm2d", (2,), {"bias": False}, [(2, 2, 2, 2)]),
    "bn3d": ("BatchNorm3d", (2,), {}, [(2, 2, 2, 1, 2)] * 2),
    "in1d": ("InstanceNorm1d", (3,), {}, [(2, 3, 5)]),
    "in2d-affine-tracked": ("InstanceNorm2d", (2,), {"affine": True, "track_running_stats": True},
                            [(2, 2, 3, 3), (3, 2, 2, 3)]),
    "in2d-unbatched": ("InstanceNorm2d", (2,), {"affine": True}, [(2, 3, 4)]),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(BN_CASES), jax_every=100),
                         indirect=["backend"])
def test_batch_norm_train_then_eval_matches_torch(backend, case, torch):
    cls, args, kwargs, shapes = BN_CASES[case]
    layer = getattr(nn, cls)(*args, **kwargs)
    tlayer = getattr(torch.nn, cls)(*args, **kwargs).double()
    _randomise_affine(layer)
    state_dict_keys_match(layer, tlayer)
    assert repr(layer) == repr(tlayer)
    rng = np.random.default_rng(0)
    for step, s in enumerate(shapes):  # training steps: batch statistics, running statistics updated
        check_layer(layer, tlayer, [rng.standard_normal(s) * 2 + 1], seed=step)
        for name, buf in tlayer.named_buffers():
            ours = getattr(layer, name)
            assert ours.backend.name == backend and ours.dtype.name == str(buf.dtype).removeprefix("torch.")
            assert_close(ours, buf, rtol=1e-10, atol=1e-12)
        layer.zero_grad()
        tlayer.zero_grad()
    layer.eval()
    tlayer.eval()
    out, _ = check_layer(layer, tlayer, [rng.standard_normal(shapes[0])], copy=False, seed=9)
    for name, buf in tlayer.named_buffers():  # eval leaves the statistics alone
        assert_close(getattr(layer, name), buf, rtol=1e-10, atol=1e-12)


def test_batch_norm_buffers_and_state_dict(torch):
    bn = nn.BatchNorm2d(4)
    sd = bn.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    nbt = sd["num_batches_tracked"]
    assert nbt.dtype is ag.int64 and tuple(nbt.shape) == () and nbt.item() == 0
    bn(ag.randn(3, 4, 2, 2))
    bn(ag.randn(3, 4, 2, 2))
    # the running statistics are updated in place: a state dict taken before sees them (as PyTorch)
    assert sd["num_batches_tracked"].item() == 2
    np.testing.assert_array_equal(to_np(sd["running_mean"]), to_np(bn.running_mean))
    assert not bn.running_mean.requires_grad and bn.running_mean.grad_fn is None
    fresh = nn.BatchNorm2d(4)
    fresh.load_state_dict(bn.state_dict())
    assert fresh.num_batches_tracked.item() == 2
    # a checkpoint from before num_batches_tracked existed (version 1) still loads
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    old_meta = type(bn.state_dict())(old)
    old_meta._metadata = {"": {"version": 1}}
    nn.BatchNorm2d(4).load_state_dict(old_meta)
    untracked = nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    assert untracked.running_mean is None and list(untracked.state_dict()) == []
    tbn = torch.nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    assert list(tbn.state_dict()) == [] and repr(untracked) == repr(tbn)


def test_batch_norm_in_eval_without_running_stats_uses_batch_stats(torch):
    bn, tbn = nn.BatchNorm1d(3, track_running_stats=False).eval(), torch.nn.BatchNorm1d(3, track_running_stats=False)
    x = np.random.default_rng(0).standard_normal((4, 3))
    check_layer(bn, tbn.double().eval(), [x])


def test_batch_norm_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 3D input of shape \(2, 3, 4\)\)"):
        nn.BatchNorm2d(3)(ag.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input \(got 4D"):
        nn.BatchNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(RuntimeError, match=r"BatchNorm2d: input of shape \(2, 4, 3, 3\) has 4 channels, but "
                                           r"running_mean has shape \(3,\)"):
        nn.BatchNorm2d(3)(ag.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"\[1, 3\]"):
        nn.BatchNorm1d(3)(ag.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(ag.zeros(1, 3))  # fine in eval mode
    with pytest.raises(ValueError, match=r"InstanceNorm1d: expected input's size at dim=1 to match num_features"):
        nn.InstanceNorm1d(3, affine=True)(ag.zeros(2, 4, 5))


@pytest.mark.backends("numpy", "strict")
def test_functional_batch_norm_matches_torch(backend, torch):
    F, tF = nn.functional, torch.nn.functional
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 2, 4)), rng.standard_normal(2), rng.standard_normal(2)
    rm, rv = rng.standard_normal(2), rng.random(2) + 0.5
    ours_rm, ours_rv = ag.tensor(rm), ag.tensor(rv)
    theirs_rm, theirs_rv = torch.tensor(rm), torch.tensor(rv)
    check_layer(lambda x, w, b: F.batch_norm(x, ours_rm, ours_rv, w, b, True, 0.2, 1e-3),
                lambda x, w, b: tF.batch_norm(x, theirs_rm, theirs_rv, w, b, True, 0.2, 1e-3), [x, w, b],
                call=lambda f, xs: f(*xs))
    assert_close(ours_rm, theirs_rm, rtol=1e-12)
    assert_close(ours_rv, theirs_rv, rtol=1e-12)
    check_layer(lambda x: F.batch_norm(x, ours_rm, ours_rv), lambda x: tF.batch_norm(x, theirs_rm, theirs_rv),
                [x], call=lambda f, xs: f(*xs))


# name -> (layer class, constructor args, constructor kwargs, input shape)
NORM_CASES = {
    "groupnorm": ("GroupNorm", (2, 4), {}, (2, 4, 3)),
    "layernorm": ("LayerNorm", (4,), {}, (2, 3, 4)),
    "layernorm-2d-shape": ("LayerNorm", ((3, 4),), {"eps": 1e-3}, (2, 3, 4)),
    "layernorm-no-bias": ("LayerNorm", (5,), {"bias": False}, (3, 5)),
    "layernorm-no-affine": ("LayerNorm", ([2, 3],), {"elementwise_affine": False}, (2, 2, 3)),
    "groupnorm-4d": ("GroupNorm", (3, 6), {"eps": 1e-3}, (2, 6, 2, 2)),
    "groupnorm-instance": ("GroupNorm", (3, 3), {"affine": False}, (2, 3, 4)),
    "groupnorm-layer-no-bias": ("GroupNorm", (1, 4), {"bias": False}, (3, 4, 2, 1)),
    "rmsnorm": ("RMSNorm", (4,), {}, (2, 3, 4)),
    "rmsnorm-eps": ("RMSNorm", ((2, 3),), {"eps": 1e-2}, (2, 2, 3)),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(NORM_CASES), jax_every=100),
                         indirect=["backend"])
def test_norm_layers_match_torch(backend, case, torch):
    cls, args, kwargs, in_shape = NORM_CASES[case]
    layer = getattr(nn, cls)(*args, **kwargs)
    tlayer = getattr(torch.nn, cls)(*args, **kwargs).double()
    assert all(p.backend.name == backend for p in layer.parameters())
    _randomise_affine(layer)
    check_layer(layer, tlayer, [np.random.default_rng(0).standard_normal(in_shape) * 3 - 1])
    state_dict_keys_match(layer, tlayer)
    assert repr(layer) == repr(tlayer)


def test_norm_default_parameters_and_errors(torch):
    ln = nn.LayerNorm((2, 3))
    np.testing.assert_array_equal(to_np(ln.weight), np.ones((2, 3)))
    np.testing.assert_array_equal(to_np(ln.bias), np.zeros((2, 3)))
    assert ln.normalized_shape == (2, 3)
    with pytest.raises(RuntimeError, match=r"LayerNorm: given normalized_shape=\[2, 3\], expected input with shape "
                                           r"\[\*, 2, 3\], but got input of size \[2, 3, 2\]"):
        ln(ag.zeros(2, 3, 2))
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match=r"GroupNorm: expected an input of shape \(N, 4, \*\), got input of shape "
                                           r"\(2, 6, 3\)"):
        nn.GroupNorm(2, 4)(ag.zeros(2, 6, 3))
    with pytest.raises(RuntimeError, match="group_norm: expected the number of channels"):
        nn.functional.group_norm(ag.zeros(2, 5, 3), 2)


@pytest.mark.backends("numpy", "strict")
def test_functional_distances_match_torch(backend, torch):
    F, tF = nn.functional, torch.nn.functional
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    b1 = rng.standard_normal((1, 4, 2))
    cases = [
        lambda f, a, b: f.normalize(a),
        lambda f, a, b: f.normalize(a, p=1.0, dim=-1),
        lambda f, a, b: f.cosine_similarity(a, b),
        lambda f, a, b: f.cosine_similarity(a, b, dim=-1, eps=1e-3),
        lambda f, a, b: f.pairwise_distance(a, b),
        lambda f, a, b: f.pairwise_distance(a, b, p=1.0, keepdim=True),
        lambda f, a, b: f.pairwise_distance(a, b, p=3.0, eps=1e-4),
        lambda f, a, b: f.layer_norm(a, (4, 2), b[0], b[1]),
        lambda f, a, b: f.group_norm(a, 2, b[0, :, 0], b[1, :, 1]),
        lambda f, a, b: f.instance_norm(a),
    ]
    for fn in cases:
        check_layer(lambda a, b, fn=fn: fn(F, a, b), lambda a, b, fn=fn: fn(tF, a, b), [a, b],
                    call=lambda f, xs: f(*xs))
    check_layer(lambda a, b: F.cosine_similarity(a, b), lambda a, b: tF.cosine_similarity(a, b), [a, b1],
                call=lambda f, xs: f(*xs))


def test_cosine_similarity_of_a_zero_vector(torch):
    # the norms are clamped to eps: the result is 0 (not NaN) and the gradient finite, as PyTorch
    F, tF = nn.functional, torch.nn.functional
    z, v = np.zeros((2, 3)), np.arange(6.0).reshape(2, 3)
    check_layer(lambda a, b: F.cosine_similarity(a, b), lambda a, b: tF.cosine_similarity(a, b), [z, v],
                call=lambda f, xs: f(*xs))


def test_norm_layers_copy_params_helper_is_by_name(torch):
    # sanity check of the test helper: it refuses modules whose parameter names differ
    with pytest.raises(AssertionError):
        copy_params(nn.LayerNorm(3), torch.nn.LayerNorm(3, elementwise_affine=False))
