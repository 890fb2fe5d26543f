"""``out=`` on the public functions, compared with PyTorch: values written into ``out``, the same
tensor returned, version bump, resizing, dtype rules and the refusal of autograd."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.core import ops
from tests.helpers import backend_cases

RNG = np.random.default_rng(0)
A = RNG.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
B = RNG.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
SQ = RNG.uniform(0.5, 2.0, (3, 3)).astype(np.float32)
BATCH = RNG.uniform(0.5, 2.0, (2, 3, 3)).astype(np.float32)
IDX = np.array([[0, 2], [1, 0]], dtype=np.int64)


def _t(m, arr):
    return m.from_numpy(arr.copy()) if m is torch else m.tensor(arr)


# name -> call(module, tensor-maker) returning the call's positional args and keywords
CASES = {
    "add": lambda m, t: ((t(A), t(B)), {"alpha": 2}),
    "sub": lambda m, t: ((t(A), t(B)), {}),
    "mul": lambda m, t: ((t(A), 3.0), {}),
    "div": lambda m, t: ((t(A), t(B)), {}),
    "pow": lambda m, t: ((t(A), 2), {}),
    "maximum": lambda m, t: ((t(A), t(B)), {}),
    "matmul": lambda m, t: ((t(A), t(SQ)), {}),
    "mm": lambda m, t: ((t(A), t(SQ)), {}),
    "bmm": lambda m, t: ((t(BATCH), t(BATCH)), {}),
    "cat": lambda m, t: (([t(A), t(B)],), {"dim": 1}),
    "stack": lambda m, t: (([t(A), t(B)],), {}),
    "sum": lambda m, t: ((t(A), 1), {}),
    "mean": lambda m, t: ((t(A),), {"dim": 0, "keepdim": True}),
    "argmax": lambda m, t: ((t(A),), {"dim": 1}),
    "clamp": lambda m, t: ((t(A), 0.8, 1.5), {}),
    "exp": lambda m, t: ((t(A),), {}),
    "log": lambda m, t: ((t(A),), {}),
    "sqrt": lambda m, t: ((t(A),), {}),
    "tanh": lambda m, t: ((t(A),), {}),
    "sigmoid": lambda m, t: ((t(A),), {}),
    "abs": lambda m, t: ((t(A),), {}),
    "neg": lambda m, t: ((t(A),), {}),
    "where": lambda m, t: ((t(A) > 1.0, t(A), t(B)), {}),
    "gather": lambda m, t: ((t(A), 1, t(IDX)), {}),
    "index_select": lambda m, t: ((t(A), 1, t(np.array([2, 0], dtype=np.int64))), {}),
    "eq": lambda m, t: ((t(A), t(A)), {}),
    "zeros": lambda m, t: ((2, 3), {}),
    "ones": lambda m, t: ((4,), {}),
    "full": lambda m, t: (((2, 2), 1.5), {}),
    "arange": lambda m, t: ((0, 5), {}),
    "linspace": lambda m, t: ((0.0, 1.0, 5), {}),
}
OUT_DTYPES = {"argmax": "int64", "eq": "bool", "arange": "int64"}


@pytest.mark.parametrize(
    "backend, name", backend_cases(list(CASES), jax_always=["add", "cat", "where"]), indirect=["backend"]
)
def test_values_match_torch_and_out_is_returned(backend: str, name: str) -> None:
    targs, tkw = CASES[name](torch, lambda a: _t(torch, a))
    args, kw = CASES[name](ag, lambda a: _t(ag, a))
    dtype = OUT_DTYPES.get(name, "float32")
    tout = torch.empty(0, dtype=getattr(torch, dtype))
    out = ag.empty(0, dtype=getattr(ag, dtype))
    expected = getattr(torch, name)(*targs, **tkw, out=tout)
    version = out._version
    got = getattr(ag, name)(*args, **kw, out=out)
    assert got is out and expected is tout
    assert out._version > version
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-5, atol=1e-6)


def test_random_factories_fill_out_with_out_dtype() -> None:
    for name, args in (("rand", (2, 3)), ("randn", (4,)), ("randint", (0, 5, (3,)))):
        ag.manual_seed(3)
        expected = getattr(ag, name)(*args, dtype=ag.float64)
        ag.manual_seed(3)
        out = ag.empty(0, dtype=ag.float64)
        assert getattr(ag, name)(*args, out=out) is out
        assert out.dtype is ag.float64 and out.tolist() == expected.tolist()
        assert getattr(torch, name)(*args, out=torch.empty(0, dtype=torch.float64)).dtype is torch.float64


def test_max_min_with_dim_fill_a_pair(backend: str) -> None:
    x = ag.tensor(A)
    values, indices = ag.empty(0), ag.empty(0, dtype=ag.int64)
    got = ag.max(x, 1, out=(values, indices))
    tv, ti = torch.max(torch.from_numpy(A), 1)
    assert got.values is values and got.indices is indices
    np.testing.assert_allclose(values.numpy(), tv.numpy())
    assert indices.tolist() == ti.tolist()
    values, indices = ag.empty(0), ag.empty(0, dtype=ag.int64)
    got = ag.min(x, dim=0, out=(values, indices))
    assert got[0] is values and values.tolist() == torch.min(torch.from_numpy(A), dim=0).values.tolist()
    with pytest.raises(RuntimeError, match="dtype"):
        ag.max(x, 1, out=(ag.empty(0), ag.empty(0)))
    with pytest.raises(TypeError, match="tuple of 2"):
        ag.max(x, 1, out=values)


def test_the_write_is_seen_by_views_and_aliases(backend: str) -> None:
    base = ag.zeros(2, 3)
    alias = base.detach()
    view = base[0]
    ag.add(ag.tensor(A), ag.tensor(B), out=base)
    np.testing.assert_allclose(alias.numpy(), A + B, rtol=1e-6)
    np.testing.assert_allclose(view.numpy(), (A + B)[0], rtol=1e-6)
    into_view = ag.zeros(4)
    ag.exp(ag.zeros(2), out=into_view[2:])
    assert into_view.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_out_may_be_an_input() -> None:
    a = ag.ones(3)
    assert ag.add(a, a, out=a) is a
    assert a.tolist() == [2.0, 2.0, 2.0] and a._version == 1


def test_resizing_warns_only_for_a_non_empty_out() -> None:
    x, y = ag.tensor(A), ag.tensor(B)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.add(x, y, out=ag.empty(0))
    out = ag.empty(3)
    with pytest.warns(UserWarning, match=r"resized since it had shape \[3\].*\[2, 3\]"):
        ag.add(x, y, out=out)
    assert tuple(out.shape) == (2, 3) and out._version == 1
    with pytest.warns(UserWarning):
        torch.add(torch.from_numpy(A), torch.from_numpy(B), out=torch.empty(3))


def test_memory_that_cannot_be_resized_raises() -> None:
    x, y = ag.tensor(A), ag.tensor(B)
    with pytest.raises(RuntimeError, match="not resizable"):
        ag.add(x, y, out=ag.from_numpy(np.ones(3, dtype=np.float32)))
    with pytest.raises(RuntimeError, match="not resizable"), pytest.warns(UserWarning, match="resized"):
        torch.add(torch.from_numpy(A), torch.from_numpy(B), out=torch.from_numpy(np.ones(3, dtype=np.float32)))
    with pytest.raises(RuntimeError, match="view"):
        ag.add(x, y, out=ag.zeros(4)[:2])


def test_autograd_is_refused_like_torch() -> None:
    w = ag.ones(2, 3, requires_grad=True)
    tw = torch.ones(2, 3, requires_grad=True)
    msg = "don't support automatic differentiation"
    for m, leaf in ((ag, w), (torch, tw)):
        with pytest.raises(RuntimeError, match=msg):
            m.add(leaf, 1.0, out=m.empty(0))
        with pytest.raises(RuntimeError, match=msg):
            m.add(m.ones(2), 1.0, out=m.empty(0, requires_grad=True))
        with pytest.raises(RuntimeError, match=msg):
            m.cat([leaf, leaf], out=m.empty(0))
        with m.no_grad():
            assert m.add(leaf, 1.0, out=m.empty(0)).tolist() == [[2.0] * 3] * 2


@pytest.mark.parametrize(
    "name, make, out_dtype, error",
    [
        ("add", lambda m: (m.ones(2), m.ones(2)), "int64", RuntimeError),
        ("exp", lambda m: (m.ones(2),), "int32", RuntimeError),
        ("cat", lambda m: ([m.ones(2), m.ones(2)],), "int64", TypeError),
        ("argmax", lambda m: (m.ones(2, 2), 1), "float32", RuntimeError),
        ("mm", lambda m: (m.ones(2, 2), m.ones(2, 2)), "float64", RuntimeError),
        ("where", lambda m: (m.ones(2) > 0, m.ones(2), m.ones(2)), "float64", RuntimeError),
        ("index_select", lambda m: (m.ones(2, 2), 0, m.zeros(1, dtype=m.int64)), "float64", RuntimeError),
    ],
)
def test_wrong_out_dtype_raises_like_torch(name: str, make, out_dtype: str, error: type) -> None:
    for m in (torch, ag):
        with pytest.raises(error):
            getattr(m, name)(*make(m), out=m.empty(0, dtype=getattr(m, out_dtype)))


def test_cast_to_a_wider_out_dtype_is_allowed() -> None:
    out = ag.empty(0, dtype=ag.float64)
    assert ag.add(ag.ones(2), ag.ones(2), out=out).dtype is ag.float64
    assert ag.add(ag.ones(2, dtype=ag.int64), 1, out=out).tolist() == [2.0, 2.0]
    assert ag.cat([ag.ones(1), ag.ones(1)], out=out).dtype is ag.float64


def test_factory_dtype_must_match_out() -> None:
    out = ag.empty(0, dtype=ag.int64)
    assert ag.zeros(2, 3, out=out).dtype is ag.int64
    with pytest.raises(RuntimeError, match="does not match dtype of out"):
        ag.zeros(2, dtype=ag.float32, out=out)
    with pytest.raises(RuntimeError, match="does not match dtype of out"):
        torch.zeros(2, dtype=torch.float32, out=torch.empty(0, dtype=torch.int64))
    assert ag.arange(5, out=ag.empty(0)).tolist() == torch.arange(5, out=torch.empty(0)).tolist()


def test_out_must_be_a_tensor() -> None:
    with pytest.raises(TypeError, match="must be Tensor"):
        ag.add(ag.ones(2), 1, out=[1.0, 2.0])


def test_without_out_the_public_functions_are_the_ops() -> None:
    x, y = ag.tensor(A), ag.tensor(B)
    assert ag.add(x, y, alpha=2).tolist() == ops.add(x, y, alpha=2).tolist()
    assert ag.add.__wrapped__ is ops.add
    assert ag.add.__name__ == "add" and ag.divide.__name__ == "divide"
