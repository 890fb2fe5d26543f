"""Mixed precision (``ag.autocast``, ``ag.amp.GradScaler``) against PyTorch's CPU autocast and
GradScaler: the dtypes each op gives inside a region, values, gradients, and a whole AMP
training loop (scale trajectory, skipped steps, parameters)."""

from __future__ import annotations

import pickle
import threading
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import arraygrad as ag
import arraygrad.nn.functional as F

pytestmark = pytest.mark.backends("numpy")

DT = {"bfloat16": (ag.bfloat16, torch.bfloat16), "float16": (ag.float16, torch.float16)}


def _name(dt) -> str:
    return str(dt).rsplit(".", 1)[-1]


def _ops(lib, fn_lib):
    """Each op as a function of (x (4, 3), w (5, 3), b (5,), img (2, 3, 6, 6), k (4, 3, 3, 3))."""
    tgt = lib.tensor([0, 1, 2, 0])
    return {
        "matmul": lambda x, w, b, img, k: x @ w.T,
        "mm": lambda x, w, b, img, k: lib.mm(x, w.T),
        "bmm": lambda x, w, b, img, k: lib.bmm(x[None], w.T[None]),
        "linear": lambda x, w, b, img, k: fn_lib.linear(x, w, b),
        "linear_3d": lambda x, w, b, img, k: fn_lib.linear(x[None], w, b),
        "addmm": lambda x, w, b, img, k: lib.addmm(b, x, w.T),
        "conv1d": lambda x, w, b, img, k: fn_lib.conv1d(img[:, :, 0], k[:, :, 0]),
        "conv2d": lambda x, w, b, img, k: fn_lib.conv2d(img, k),
        "conv_transpose2d": lambda x, w, b, img, k: fn_lib.conv_transpose2d(img, k.transpose(0, 1)),
        "softmax": lambda x, w, b, img, k: fn_lib.softmax(x, -1),
        "log_softmax": lambda x, w, b, img, k: fn_lib.log_softmax(x, -1),
        "layer_norm": lambda x, w, b, img, k: fn_lib.layer_norm(x, (3,)),
        "batch_norm": lambda x, w, b, img, k: fn_lib.batch_norm(x, None, None, training=True),
        "exp": lambda x, w, b, img, k: lib.exp(x),
        "log": lambda x, w, b, img, k: lib.log(x.abs()),
        "sum": lambda x, w, b, img, k: x.sum(),
        "prod": lambda x, w, b, img, k: x.prod(),
        "cumsum": lambda x, w, b, img, k: x.cumsum(0),
        "relu": lambda x, w, b, img, k: lib.relu(x),
        "add": lambda x, w, b, img, k: x + x,
        "cat": lambda x, w, b, img, k: lib.cat([x, x.float()]),
        "cross_entropy": lambda x, w, b, img, k: fn_lib.cross_entropy(x, tgt % 3),
        "nll_loss": lambda x, w, b, img, k: fn_lib.nll_loss(x, tgt % 3),
        "mse_loss": lambda x, w, b, img, k: fn_lib.mse_loss(x, x * 0),
        "l1_loss": lambda x, w, b, img, k: fn_lib.l1_loss(x, x * 0),
        "smooth_l1_loss": lambda x, w, b, img, k: fn_lib.smooth_l1_loss(x, x * 0),
        "huber_loss": lambda x, w, b, img, k: fn_lib.huber_loss(x, x * 0),
        "bce_with_logits": lambda x, w, b, img, k: fn_lib.binary_cross_entropy_with_logits(x, lib.ones_like(x)),
        "bce": lambda x, w, b, img, k: fn_lib.binary_cross_entropy(lib.sigmoid(x), lib.ones_like(x)),
        "kl_div": lambda x, w, b, img, k: fn_lib.kl_div(x, lib.ones_like(x), reduction="batchmean"),
    }


OP_NAMES = list(_ops(torch, TF))


def _inputs(lib, dtype):
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (5, 3), (5,), (2, 3, 6, 6), (4, 3, 3, 3)]
    return [lib.tensor(rng.standard_normal(s)).to(dtype) for s in shapes]


@pytest.mark.parametrize("input_dtype", ["float32", "low"])
@pytest.mark.parametrize("low", list(DT))
@pytest.mark.parametrize("op", OP_NAMES)
def test_autocast_dtypes_like_torch(backend, op, low, input_dtype):
    ag_low, t_low = DT[low]
    t_in = _inputs(torch, torch.float32 if input_dtype == "float32" else t_low)
    a_in = _inputs(ag, ag.float32 if input_dtype == "float32" else ag_low)
    with torch.autocast("cpu", dtype=t_low):
        expected = _ops(torch, TF)[op](*t_in)
    with ag.autocast("cpu", dtype=ag_low):
        got = _ops(ag, F)[op](*a_in)
    assert _name(got.dtype) == _name(expected.dtype)
    eps = ag.finfo(ag_low).eps
    np.testing.assert_allclose(got.double().detach().numpy(), expected.double().detach().numpy(),
                               rtol=4 * eps, atol=4 * eps)


def test_autocast_mv_like_torch():
    with torch.autocast("cpu"):
        expected = torch.mv(torch.ones(3, 3), torch.ones(3)).dtype
    with ag.autocast("cpu"):
        got = ag.mv(ag.ones(3, 3), ag.ones(3)).dtype
    assert _name(got) == _name(expected)


def test_outside_the_region_nothing_changes(backend):
    x = ag.ones(2, 2)
    with ag.autocast("cpu"):
        assert (x @ x).dtype is ag.bfloat16
    assert (x @ x).dtype is ag.float32
    assert not ag.is_autocast_enabled("cpu")


def test_gradients_like_torch(backend):
    rng = np.random.default_rng(1)
    x0, w0, b0 = rng.standard_normal((6, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    tw, tb = torch.tensor(w0, dtype=torch.float32, requires_grad=True), torch.tensor(b0, dtype=torch.float32, requires_grad=True)
    aw, ab = ag.tensor(w0, dtype=ag.float32, requires_grad=True), ag.tensor(b0, dtype=ag.float32, requires_grad=True)
    with torch.autocast("cpu"):
        t_loss = TF.cross_entropy(TF.linear(torch.tensor(x0, dtype=torch.float32), tw, tb), torch.tensor([0, 1, 2, 0, 1, 2]))
    with ag.autocast("cpu"):
        a_loss = F.cross_entropy(F.linear(ag.tensor(x0, dtype=ag.float32), aw, ab), ag.tensor([0, 1, 2, 0, 1, 2]))
    t_loss.backward()
    a_loss.backward()
    assert aw.grad.dtype is ag.float32 and ab.grad.dtype is ag.float32
    np.testing.assert_allclose(a_loss.item(), t_loss.item(), rtol=2e-2)
    np.testing.assert_allclose(aw.grad.numpy(), tw.grad.numpy(), rtol=3e-2, atol=3e-2)
    np.testing.assert_allclose(ab.grad.numpy(), tb.grad.numpy(), rtol=3e-2, atol=3e-2)


def test_float64_is_never_cast(backend):
    x = ag.ones(2, 2, dtype=ag.float64)
    with ag.autocast("cpu"):
        assert (x @ x).dtype is ag.float64


def test_nesting_enabled_false_and_dtype(backend):
    x = ag.ones(2, 2)
    with ag.autocast("cpu"):
        with ag.autocast("cpu", enabled=False):
            assert (x @ x).dtype is ag.float32
            assert not ag.is_autocast_enabled("cpu")
        with ag.autocast("cpu", dtype=ag.float16):
            assert (x @ x).dtype is ag.float16
            assert ag.get_autocast_dtype("cpu") is ag.float16
        assert (x @ x).dtype is ag.bfloat16
        assert ag.get_autocast_dtype("cpu") is ag.bfloat16


def test_decorator_and_reentry(backend):
    calls = []

    @ag.autocast("cpu")
    def f(x, depth):
        calls.append(ag.is_autocast_enabled("cpu"))
        if depth:
            f(x, depth - 1)
        return x @ x

    assert f(ag.ones(2, 2), 2).dtype is ag.bfloat16
    assert calls == [True, True, True]
    assert not ag.is_autocast_enabled("cpu")


def test_state_is_per_thread(backend):
    seen = {}

    def other():
        x = ag.ones(2, 2)
        seen["enabled"] = ag.is_autocast_enabled("cpu")
        seen["dtype"] = (x @ x).dtype

    with ag.autocast("cpu"):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == {"enabled": False, "dtype": ag.float32}


def test_parameter_casts_are_cached_within_a_region(backend):
    from arraygrad.core.autocast import AUTOCAST

    w = ag.nn.Parameter(ag.ones(2, 2))
    with ag.autocast("cpu"):
        w @ w
        first = dict(AUTOCAST.cache)
        w @ w
        assert len(first) == 1 and dict(AUTOCAST.cache) == first
    assert not AUTOCAST.cache
    with ag.autocast("cpu", cache_enabled=False):
        w @ w
        assert not AUTOCAST.cache


def test_errors_and_warnings_like_torch(backend):
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ag.autocast(1)
    with pytest.raises(RuntimeError, match="device_type 'tpu'"):
        ag.autocast("tpu")
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling autocast"):
        region = ag.autocast("cpu", dtype=ag.float32)
    with region:
        assert not ag.is_autocast_enabled("cpu")
    if not ag.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            region = ag.autocast("cuda")
        with region:
            assert not ag.is_autocast_enabled("cuda")
            assert (ag.ones(2, 2) @ ag.ones(2, 2)).dtype is ag.float32
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.autocast\(args...\)` is deprecated"):
        region = ag.cpu.amp.autocast()
    with region:
        assert ag.get_autocast_dtype("cpu") is ag.bfloat16
        assert (ag.ones(2, 2) @ ag.ones(2, 2)).dtype is ag.bfloat16
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is deprecated"):
        ag.cuda.amp.autocast(enabled=False)
    assert ag.amp.autocast is ag.autocast
    assert ag.amp.is_autocast_available("cpu") and not ag.amp.is_autocast_available("mps")


@pytest.mark.backends("strict")
def test_strict_backend_autocast_is_a_no_op_with_a_warning(backend):
    with pytest.warns(UserWarning, match="backend 'strict' has no bfloat16 dtype. Disabling autocast"):
        region = ag.autocast("cpu")
    with region:
        x = ag.ones(2, 2)
        assert (x @ x).dtype is ag.float32


# ---------------------------------------------------------------------- GradScaler


def _models(seed_values):
    w1, b1, w2, b2 = seed_values
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    am = ag.nn.Sequential(ag.nn.Linear(4, 3), ag.nn.ReLU(), ag.nn.Linear(3, 1))
    with torch.no_grad(), ag.no_grad():
        for tp, ap, v in zip(tm.parameters(), am.parameters(), (w1, b1, w2, b2)):
            tp.copy_(torch.tensor(v, dtype=torch.float32))
            ap.copy_(ag.tensor(v, dtype=ag.float32))
    return tm, am


@pytest.mark.parametrize("use_autocast", [False, True])
def test_amp_training_loop_like_torch(backend, use_autocast):
    rng = np.random.default_rng(2)
    values = [rng.standard_normal(s) * 0.5 for s in ((3, 4), (3,), (1, 3), (1,))]
    xs = rng.standard_normal((10, 8, 4))
    ys = rng.standard_normal((10, 8, 1))
    tm, am = _models(values)
    t_opt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    a_opt = ag.optim.SGD(am.parameters(), lr=0.1, momentum=0.9)
    t_scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8, growth_interval=3)
    a_scaler = ag.amp.GradScaler("cpu", init_scale=2.0**8, growth_interval=3)
    inf_steps = {2, 6, 7}
    t_scales, a_scales, t_returned, a_returned = [], [], [], []
    for step in range(10):
        for lib, model, opt, scaler, scales, returned in (
            (torch, tm, t_opt, t_scaler, t_scales, t_returned), (ag, am, a_opt, a_scaler, a_scales, a_returned)
        ):
            opt.zero_grad()
            x = lib.tensor(xs[step], dtype=lib.float32)
            y = lib.tensor(ys[step], dtype=lib.float32)
            with lib.autocast("cpu", enabled=use_autocast):
                loss = ((model(x).float() - y) ** 2).mean()
            scaler.scale(loss).backward()
            if step in inf_steps:
                with lib.no_grad():
                    model[0].weight.grad[0, 0] = float("inf") if step != 7 else float("nan")
            returned.append(scaler.step(opt))
            scaler.update()
            scales.append(scaler.get_scale())
    assert a_scales == t_scales
    assert a_returned == t_returned
    tol = dict(rtol=3e-2, atol=3e-2) if use_autocast else dict(rtol=1e-5, atol=1e-6)
    for tp, ap in zip(tm.parameters(), am.parameters()):
        np.testing.assert_allclose(ap.detach().numpy(), tp.detach().numpy(), **tol)
    assert a_scaler.state_dict() == t_scaler.state_dict()


def test_skipped_step_leaves_parameters_unchanged(backend):
    model = ag.nn.Linear(2, 1)
    opt = ag.optim.SGD(model.parameters(), lr=1.0)
    scaler = ag.amp.GradScaler("cpu", init_scale=4.0)
    before = [p.detach().clone() for p in model.parameters()]
    scaler.scale(model(ag.ones(1, 2)).sum()).backward()
    model.bias.grad.fill_(float("inf"))
    assert scaler.step(opt) is None
    scaler.update()
    assert scaler.get_scale() == 2.0
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), b.numpy())


def test_unscale_gives_true_gradients_and_checks_order(backend):
    model = ag.nn.Linear(2, 1)
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    scaler = ag.amp.GradScaler("cpu", init_scale=1024.0)
    scaled = scaler.scale(model(ag.ones(1, 2)).sum())
    assert scaled.item() == pytest.approx(1024.0 * model(ag.ones(1, 2)).sum().item(), rel=1e-6)
    scaled.backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), [[1024.0, 1024.0]])
    scaler.unscale_(opt)
    np.testing.assert_allclose(model.weight.grad.numpy(), [[1.0, 1.0]])
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    scaler.update()


def test_float16_gradients_are_refused(backend):
    model = ag.nn.Linear(2, 1).half()
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    scaler = ag.amp.GradScaler("cpu", init_scale=2.0)
    scaler.scale(model(ag.ones(1, 2, dtype=ag.float16)).float().sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.step(opt)


def test_scale_of_iterables_and_bad_outputs(backend):
    scaler = ag.amp.GradScaler("cpu", init_scale=2.0)
    a, b = ag.ones(2), ag.ones(3)
    out = scaler.scale([a, (b,)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    np.testing.assert_array_equal(out[1][0].numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)


def test_disabled_scaler_is_a_pass_through(backend):
    scaler = ag.amp.GradScaler("cpu", enabled=False)
    loss = ag.ones(()) * 3
    assert scaler.scale(loss) is loss
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {} and not scaler.is_enabled()
    model = ag.nn.Linear(2, 1)
    opt = ag.optim.SGD(model.parameters(), lr=1.0)
    model(ag.ones(1, 2)).sum().backward()
    before = model.bias.detach().clone()
    scaler.step(opt)
    scaler.update()
    assert model.bias.item() == pytest.approx(before.item() - 1.0)


def test_cuda_scaler_without_cuda_warns_and_disables(backend):
    if ag.cuda.is_available():
        pytest.skip("a CUDA backend is present here: the scaler stays enabled")
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
        scaler = ag.amp.GradScaler()
    assert not scaler.is_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)` is deprecated"):
            legacy = ag.cuda.amp.GradScaler()
    assert not legacy.is_enabled()


def test_state_dict_settings_update_and_pickle(backend):
    scaler = ag.amp.GradScaler("cpu", init_scale=8.0, growth_factor=4.0, backoff_factor=0.25, growth_interval=5)
    reference = torch.amp.GradScaler("cpu", init_scale=8.0, growth_factor=4.0, backoff_factor=0.25, growth_interval=5)
    assert scaler.state_dict() == reference.state_dict()
    assert (scaler.get_growth_factor(), scaler.get_backoff_factor(), scaler.get_growth_interval()) == (4.0, 0.25, 5)
    scaler.set_growth_factor(3.0)
    scaler.set_backoff_factor(0.5)
    scaler.set_growth_interval(7)
    scaler.scale(ag.ones(()))
    scaler.update(32.0)
    assert scaler.get_scale() == 32.0
    scaler.update(ag.tensor(16.0))
    assert scaler.get_scale() == 16.0
    other = ag.amp.GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == {"scale": 16.0, "growth_factor": 3.0, "backoff_factor": 0.5, "growth_interval": 7,
                                  "_growth_tracker": 0}
    assert pickle.loads(pickle.dumps(scaler)).state_dict() == scaler.state_dict()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        other.load_state_dict({})
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        other.scale(ag.ones(()))
        other.update()
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0"):
        ag.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="_scale is None"):
        ag.amp.GradScaler("cpu").step(ag.optim.SGD([ag.nn.Parameter(ag.ones(1))], lr=0.1))


def _custom_function(lib, cast_inputs):
    seen = {}

    class Square(lib.autograd.Function):
        @staticmethod
        @lib.amp.custom_fwd(device_type="cpu", cast_inputs=cast_inputs)
        def forward(ctx, x, w):
            seen["forward"] = (_name(x.dtype), _name((x @ w).dtype), lib.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x, w)
            return x @ w

        @staticmethod
        @lib.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            seen["backward"] = lib.is_autocast_enabled("cpu")
            return g @ w.T, x.T @ g

    return Square, seen


@pytest.mark.parametrize("cast_inputs", [None, "float32"])
def test_custom_fwd_and_bwd_like_torch(backend, cast_inputs):
    results = []
    for lib in (torch, ag):
        fn, seen = _custom_function(lib, None if cast_inputs is None else getattr(lib, cast_inputs))
        x = lib.ones(2, 2, requires_grad=True)
        w = lib.ones(2, 2, requires_grad=True)
        with lib.autocast("cpu"):
            y = fn.apply(x, w)
        y.float().sum().backward()
        results.append((seen, _name(y.dtype), _name(x.grad.dtype)))
    assert results[1] == results[0]


def test_cuda_op_list(backend, monkeypatch):
    """PyTorch's cuda list (float32 also for softmax, exp, sums, layer_norm; bce refused), checked by
    treating this machine's tensors as CUDA ones."""
    from arraygrad.core import autocast as state

    monkeypatch.setattr(state, "_device_type", lambda t: "cuda")
    monkeypatch.setattr(ag.backends, "cuda_available", lambda: True)
    x = ag.ones(2, 3, dtype=ag.float16)
    with ag.autocast("cuda"):
        assert (ag.ones(2, 2) @ ag.ones(2, 2)).dtype is ag.float16
        assert ag.mv(ag.ones(2, 2), ag.ones(2)).dtype is ag.float16
        for out in (x.exp(), x.log(), x.sum(), x.cumsum(1), F.softmax(x, -1), F.log_softmax(x, -1),
                    F.layer_norm(x, (3,)), x.pow(2), F.mse_loss(x, x)):
            assert out.dtype is ag.float32
        assert x.sum(dtype=ag.float16).dtype is ag.float16  # an explicit dtype wins
        assert ag.relu(x).dtype is ag.float16
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            F.binary_cross_entropy(ag.sigmoid(x), ag.ones_like(x))
