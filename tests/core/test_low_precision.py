"""float16 and bfloat16: dtypes, promotion, finfo/iinfo, conversions, printing, saving, and the
numpy backend's float32 accumulation, all compared with PyTorch."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.backends import numpy_low_precision

LOW = {"float16": (ag.float16, torch.float16), "bfloat16": (ag.bfloat16, torch.bfloat16)}
ALL_FLOATS = {"float16": (ag.float16, torch.float16), "bfloat16": (ag.bfloat16, torch.bfloat16),
              "float32": (ag.float32, torch.float32), "float64": (ag.float64, torch.float64)}
OTHERS = {"int64": (ag.int64, torch.int64), "int8": (ag.int8, torch.int8), "uint8": (ag.uint8, torch.uint8),
          "bool": (ag.bool, torch.bool), "complex64": (ag.complex64, torch.complex64)}


def test_dtype_objects_and_aliases():
    assert ag.half is ag.float16
    assert ag.float16.itemsize == ag.bfloat16.itemsize == 2
    assert ag.float16.is_floating_point and ag.bfloat16.is_floating_point and ag.bfloat16.is_signed
    assert repr(ag.bfloat16) == "arraygrad.bfloat16"
    assert ag.core.dtypes.as_dtype("half") is ag.float16
    assert ag.core.dtypes.as_dtype("bfloat16") is ag.bfloat16
    assert ag.core.dtypes.as_dtype(ml_dtypes.bfloat16) is ag.bfloat16
    assert ag.core.dtypes.as_dtype(np.float16) is ag.float16


@pytest.mark.parametrize("a", list({**ALL_FLOATS, **OTHERS}))
@pytest.mark.parametrize("b", list(LOW))
def test_promote_types_like_torch(a, b):
    pa, ta = {**ALL_FLOATS, **OTHERS}[a]
    pb, tb = LOW[b]
    expected = str(torch.promote_types(ta, tb)).removeprefix("torch.")
    assert ag.core.dtypes.promote(pa, pb).name == expected
    assert ag.core.dtypes.promote(pb, pa).name == expected


_TENSOR_CASES = ("tensor_tensor", "zero_dim_other", "zero_dim_self")
_BINARY_CASES = [
    (case, low, other) for case in _TENSOR_CASES for low in LOW for other in ("float16", "bfloat16", "float32", "int64")
] + [(case, low, "float32") for case in ("python_float", "python_int") for low in LOW]
# jax compiles each new op and dtype: it gets every fourth case
_BINARY_PARAMS = [pytest.param("numpy", *c, id=f"numpy-{'-'.join(c)}") for c in _BINARY_CASES] + [
    pytest.param("jax", *c, id=f"jax-{'-'.join(c)}") for c in _BINARY_CASES[::4]
]


@pytest.mark.parametrize(("backend", "case", "low", "other"), _BINARY_PARAMS, indirect=["backend"])
def test_binary_result_dtype_like_torch(backend, case, low, other):
    ag_low, t_low = LOW[low]
    ag_other, t_other = {**ALL_FLOATS, **OTHERS}[other]
    x_t = torch.ones(3, dtype=t_low)
    x_a = ag.ones(3, dtype=ag_low)
    if case == "tensor_tensor":
        t_res, a_res = x_t + torch.ones(3, dtype=t_other), x_a + ag.ones(3, dtype=ag_other)
    elif case == "zero_dim_other":
        t_res, a_res = x_t * torch.tensor(2, dtype=t_other), x_a * ag.tensor(2, dtype=ag_other)
    elif case == "zero_dim_self":
        t_res = torch.tensor(2, dtype=t_low) * torch.ones(3, dtype=t_other)
        a_res = ag.tensor(2, dtype=ag_low) * ag.ones(3, dtype=ag_other)
    elif case == "python_float":
        t_res, a_res = x_t * 2.5, x_a * 2.5
    else:
        t_res, a_res = x_t + 3, x_a + 3
    assert a_res.dtype.name == str(t_res.dtype).removeprefix("torch.")


@pytest.mark.parametrize("name", list(ALL_FLOATS) + ["complex64"])
def test_finfo_like_torch(name):
    a = ag.finfo(({**ALL_FLOATS, **OTHERS})[name][0])
    t = torch.finfo(({**ALL_FLOATS, **OTHERS})[name][1])
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(a, attr) == getattr(t, attr), attr
    assert repr(a) == repr(t)


def test_finfo_default_and_errors():
    assert ag.finfo().dtype == "float32"
    with pytest.raises(TypeError, match="finfo"):
        ag.finfo(ag.int32)
    with pytest.raises(TypeError, match="iinfo"):
        ag.iinfo(ag.float16)
    with pytest.raises(TypeError):
        ag.iinfo(ag.bool)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"])
def test_iinfo_like_torch(name):
    a, t = ag.iinfo(getattr(ag, name)), torch.iinfo(getattr(torch, name))
    assert (a.bits, a.min, a.max, a.dtype) == (t.bits, t.min, t.max, t.dtype)
    assert repr(a) == repr(t)


@pytest.mark.backends("numpy", "jax")
@pytest.mark.parametrize("low", list(LOW))
def test_conversions_round_like_torch(backend, low):
    values = [1.0009765625, -3.14159, 65519.0, 70000.0, 1e-8, 3e38]
    ag_dt, t_dt = LOW[low]
    t = torch.tensor(values, dtype=torch.float64)
    a = ag.tensor(values, dtype=ag.float64)
    method = "half" if low == "float16" else "bfloat16"
    expected = getattr(t, method)()
    for converted in (getattr(a, method)(), a.to(ag_dt), a.to(dtype=ag_dt), a.type(ag_dt)):
        assert converted.dtype is ag_dt
        np.testing.assert_array_equal(converted.double().numpy(), expected.double().numpy())


@pytest.mark.backends("numpy", "jax")
def test_conversion_is_differentiable(backend):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x.half() * 3).sum().backward()
    assert x.grad.dtype is ag.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_module_half_and_bfloat16():
    m = ag.nn.Sequential(ag.nn.Linear(3, 2), ag.nn.BatchNorm1d(2))
    m.half()
    assert {p.dtype for p in m.parameters()} == {ag.float16}
    assert m[1].running_mean.dtype is ag.float16
    assert m[1].num_batches_tracked.dtype is ag.int64  # integer buffers keep their dtype
    m.bfloat16()
    assert {p.dtype for p in m.parameters()} == {ag.bfloat16}
    out = m(ag.ones(4, 3, dtype=ag.bfloat16))
    assert out.dtype is ag.bfloat16


@pytest.mark.backends("numpy", "jax")
@pytest.mark.parametrize("low", list(LOW))
def test_printing_like_torch(backend, low):
    ag_dt, t_dt = LOW[low]
    values = [[1.5, -2.25, 1000.0], [0.001, 3.0, 7.0]]
    expected = repr(torch.tensor(values, dtype=t_dt)).replace("torch.", "arraygrad.")
    assert repr(ag.tensor(values, dtype=ag_dt)) == expected
    assert repr(ag.tensor(3.0, dtype=ag_dt)) == repr(torch.tensor(3.0, dtype=t_dt)).replace("torch.", "arraygrad.")


def test_strict_backend_refuses_low_precision_clearly():
    with ag.use_backend("strict"):
        for dt, name in ((ag.float16, "float16"), (ag.bfloat16, "bfloat16")):
            with pytest.raises(TypeError, match=rf"backend 'strict' has no {name} dtype.*array-api-strict"):
                ag.ones(2, dtype=dt)
            with pytest.raises(TypeError, match=rf"backend 'strict' has no {name} dtype"):
                ag.ones(2).to(dt)


@pytest.mark.backends("numpy", "jax")
@pytest.mark.parametrize("low", list(LOW))
def test_save_and_load_round_trip(backend, low, tmp_path):
    from safetensors.torch import load_file

    ag_dt, t_dt = LOW[low]
    model = ag.nn.Linear(3, 2).to(ag_dt)
    path = tmp_path / "model.safetensors"
    ag.save(model.state_dict(), path)
    loaded = ag.load(path)
    assert loaded["weight"].dtype is ag_dt
    np.testing.assert_array_equal(loaded["weight"].float().numpy(), model.weight.detach().float().numpy())
    # the file holds real F16/BF16 tensors that PyTorch reads
    assert load_file(str(path))["weight"].dtype is t_dt
    nested = tmp_path / "nested.ag"
    ag.save({"m": model.state_dict(), "x": ag.ones(2, dtype=ag_dt)}, nested)
    assert ag.load(nested)["x"].dtype is ag_dt


# ---------------------------------------------------------------------- values against PyTorch


_OPS = ("sum", "mean", "cumsum", "prod", "var", "matmul", "clamp", "where", "softmax")
_OP_PARAMS = [pytest.param("numpy", low, op, id=f"numpy-{low}-{op}") for op in _OPS for low in LOW] + [
    pytest.param("jax", low, op, id=f"jax-{low}-{op}") for i, op in enumerate(_OPS) for low in [list(LOW)[i % 2]]
]


@pytest.mark.parametrize(("backend", "low", "op"), _OP_PARAMS, indirect=["backend"])
def test_low_precision_ops_match_torch(backend, low, op):
    """16-bit results equal PyTorch's (float32 accumulation, one rounding) to one unit in the last place."""
    ag_dt, t_dt = LOW[low]
    rng = np.random.default_rng(0)
    base = rng.uniform(0.5, 1.5, size=(64, 48))
    t = torch.tensor(base).to(t_dt)
    a = ag.tensor(base).to(ag_dt)
    fns = {
        "sum": lambda m, x: x.sum(), "mean": lambda m, x: x.mean(0), "cumsum": lambda m, x: x.cumsum(1),
        "prod": lambda m, x: (x[:4, :8]).prod(1), "var": lambda m, x: x.var(0),
        "matmul": lambda m, x: x @ x.T, "clamp": lambda m, x: x.clamp(0.75, 1.25),
        "where": lambda m, x: m.where(x > 1.0, x, 0.5), "softmax": lambda m, x: m.softmax(x, 1),
    }
    expected = fns[op](torch, t)
    got = fns[op](ag, a)
    assert got.dtype is ag_dt
    eps = ag.finfo(ag_dt).eps
    np.testing.assert_allclose(got.double().numpy(), expected.double().numpy(), rtol=2 * eps, atol=0)


def test_numpy_namespace_accumulates_in_float32():
    """Without the float32 path numpy stops a float16 cumsum of ones at 2048 and a bfloat16 sum at 256."""
    xp = ag.backends.get("numpy").xp
    bf16 = numpy_low_precision.BFLOAT16
    ones16 = np.ones(5000, dtype=np.float16)
    assert xp.cumulative_sum(ones16)[-1] == 5000 and xp.cumulative_sum(ones16).dtype == np.float16
    assert xp.sum(np.ones(5000, dtype=bf16)) == np.float32(4992)  # 5000 rounded to bfloat16, as torch
    assert xp.matmul(np.ones((3, 4), bf16), np.ones((4, 2), bf16)).dtype == bf16
    assert xp.clip(np.ones(3, bf16), 0.5, 2.0).dtype == bf16
    assert xp.where(np.ones(3, bool), np.ones(3, bf16), 0.0).dtype == bf16
    # float32 and mixed inputs go straight to numpy
    assert xp.where(np.ones(3, bool), np.ones(3, bf16), np.ones(3, np.float32)).dtype == np.float32
    assert xp.sum(np.ones(3, np.float32), dtype=np.float64).dtype == np.float64
