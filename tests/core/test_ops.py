"""Differentiable elementwise ops, reductions and matmul against PyTorch; dtype promotion;
numerical stability; mixed-backend errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import BACKENDS, NOT_JAX, assert_close, backend_cases, compare_with_torch, lib_of

# op formulas are written once in core; the spec tables sample jax (see backend_cases), and the
# tests where jax's own behaviour matters (promotion, stability) are marked with every backend
pytestmark = pytest.mark.backends(*NOT_JAX)

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
ROW = RNG.standard_normal(4)
COL = RNG.standard_normal((3, 1))
POS = RNG.uniform(0.5, 2.0, (3, 4))

# ---------------------------------------------------------------------- elementwise

UNARY = {
    "neg": (lambda x: -x, A),
    "abs": (lambda x: x.abs(), A),
    "exp": (lambda x: x.exp(), A),
    "expm1": (lambda x: x.expm1(), A),
    "log": (lambda x: x.log(), POS),
    "log1p": (lambda x: x.log1p(), POS),
    "log2": (lambda x: x.log2(), POS),
    "log10": (lambda x: x.log10(), POS),
    "sqrt": (lambda x: x.sqrt(), POS),
    "rsqrt": (lambda x: x.rsqrt(), POS),
    "reciprocal": (lambda x: x.reciprocal(), POS),
    "square": (lambda x: x.square(), A),
    "sin": (lambda x: x.sin(), A),
    "cos": (lambda x: x.cos(), A),
    "tan": (lambda x: x.tan(), A * 0.5),
    "tanh": (lambda x: x.tanh(), A),
    "sigmoid": (lambda x: x.sigmoid(), A * 10),
    "relu": (lambda x: x.relu(), A),
    "sign": (lambda x: x.sign(), A),
    "floor": (lambda x: x.floor(), A * 3),
    "ceil": (lambda x: x.ceil(), A * 3),
    "round": (lambda x: x.round(), A * 3),
    "round_half_even": (lambda x: x.round(), np.array([0.5, 1.5, 2.5, -0.5, -1.5])),
    "round_decimals": (lambda x: x.round(decimals=2), A),
    "trunc": (lambda x: x.trunc(), A * 3),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), A),
    "clamp_min": (lambda x: x.clamp(min=0.1), A),
    "clamp_max": (lambda x: x.clamp(max=0.1), A),
    "clamp_at_bounds": (lambda x: x.clamp(-1.0, 1.0), np.array([-1.0, 1.0, 0.0, 2.0])),
    "clamp_tensor_bounds": (lambda x: x.clamp(lib_of(x).tensor(-0.5, dtype=x.dtype), None), A),
    "relu_at_zero": (lambda x: x.relu(), np.array([0.0, -1.0, 1.0])),
    "abs_at_zero": (lambda x: x.abs(), np.array([0.0, -1.0, 1.0])),
    "pow_scalar": (lambda x: x**2.5, POS),
    "pow_int": (lambda x: x**3, A),
    "pow_zero": (lambda x: x**0, A),
    "pow_negative": (lambda x: x**-2, POS),
    "rpow": (lambda x: 2.0**x, A),
    "rsub": (lambda x: 1.0 - x, A),
    "rdiv": (lambda x: 2.0 / x, POS),
    "scalar_ops": (lambda x: (x + 1) * 3 - 2 / 4, A),
    "softmax": (lambda x: x.softmax(1), A),
    "softmax_dim0": (lambda x: x.softmax(0), A),
    "log_softmax": (lambda x: x.log_softmax(-1), A),
}


@pytest.mark.parametrize(("backend", "name"), backend_cases(UNARY), indirect=["backend"])
def test_unary_against_torch(backend, name) -> None:
    pytest.importorskip("torch")
    fn, data = UNARY[name]
    compare_with_torch(fn, [data], rtol=1e-10, atol=1e-12)


BINARY = {
    "add": (lambda x, y: x + y, (A, B)),
    "add_alpha": (lambda x, y: x.add(y, alpha=2.5), (A, B)),
    "sub": (lambda x, y: x - y, (A, ROW)),
    "sub_alpha": (lambda x, y: x.sub(y, alpha=-3), (A, COL)),
    "mul_broadcast_row": (lambda x, y: x * y, (A, ROW)),
    "mul_broadcast_col": (lambda x, y: x * y, (A, COL)),
    "mul_outer_broadcast": (lambda x, y: x * y, (COL, ROW)),
    "div": (lambda x, y: x / y, (A, POS)),
    "div_broadcast": (lambda x, y: x / y, (ROW, POS)),
    "pow_tensor": (lambda x, y: x**y, (POS, B)),
    "maximum": (lambda x, y: lib_of(x).maximum(x, y), (A, B)),
    "minimum_broadcast": (lambda x, y: lib_of(x).minimum(x, y), (A, ROW)),
    "maximum_ties": (lambda x, y: lib_of(x).maximum(x, y), (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]))),
    "max_elementwise": (lambda x, y: lib_of(x).max(x, y), (A, B)),
    "where": (lambda x, y: lib_of(x).where(x > y, x, y * 2), (A, B)),
    "where_broadcast": (lambda x, y: lib_of(x).where(x > 0, x, y), (A, ROW)),
    "where_scalar": (lambda x, y: lib_of(x).where(x > 0, x * y, 0.0), (A, B)),
    "remainder": (lambda x, y: x % y, (A * 3, POS)),
    "remainder_negative": (lambda x, y: x.remainder(-y), (A * 3, POS)),
    "fmod": (lambda x, y: x.fmod(y), (A * 3, POS)),
    "fmod_negative_divisor": (lambda x, y: x.fmod(-y), (A * 3, POS)),
    "matmul_chain": (lambda x, y: (x @ y.T).tanh() @ x, (A, B)),
}


@pytest.mark.parametrize(("backend", "name"), backend_cases(BINARY), indirect=["backend"])
def test_binary_against_torch(backend, name) -> None:
    pytest.importorskip("torch")
    fn, data = BINARY[name]
    compare_with_torch(fn, list(data), rtol=1e-10, atol=1e-12)


TOP_LEVEL_ALIASES = [
    "fmod", "subtract", "multiply", "divide", "true_divide", "negative", "absolute", "greater",
    "greater_equal", "less", "less_equal", "not_equal", "detach", "is_floating_point",
]  # fmt: skip


@pytest.mark.parametrize("name", TOP_LEVEL_ALIASES)
def test_top_level_aliases_exist(name) -> None:
    x = ag.tensor([3.0, -2.0])
    args = (x,) if name in ("negative", "absolute", "detach", "is_floating_point") else (x, ag.tensor([2.0, 2.0]))
    result = getattr(ag, name)(*args)
    expected = getattr(ag.Tensor, name)(*args)
    assert result == expected if isinstance(expected, bool) else ag.equal(result, expected)


def test_same_tensor_on_both_sides(backend) -> None:
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    (x * x + x / x - x).sum().backward()
    assert x.grad.tolist() == [1.0, -5.0]


def test_floor_divide_and_integer_ops(backend) -> None:
    assert (ag.tensor([7, -7]) // 2).tolist() == [3, -4]
    assert (ag.tensor([-7, 7]) % 3).tolist() == [2, 1]
    assert (ag.tensor([7.5]) // 2).tolist() == [3.0]
    assert (2 ** ag.tensor([3])).tolist() == [8]
    assert (ag.tensor([6, 3]) & ag.tensor([3, 1])).tolist() == [2, 1]
    assert (~ag.tensor([True, False])).tolist() == [False, True]
    assert ag.tensor([7, -7]).div(2, rounding_mode="trunc").tolist() == [3, -3]
    assert ag.tensor([7, -7]).div(2, rounding_mode="floor").tolist() == [3, -4]


# ---------------------------------------------------------------------- dtype promotion


@pytest.mark.backends(*BACKENDS)
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: ag.tensor([1, 2]) + ag.tensor([0.5]), "float32"),
        (lambda: ag.tensor([1, 2]) / 2, "float32"),
        (lambda: ag.tensor([1, 2]) / ag.tensor([2]), "float32"),
        (lambda: ag.tensor([1, 2]) * 2, "int64"),
        (lambda: ag.tensor([1], dtype=ag.int32) * 2.5, "float32"),
        (lambda: ag.tensor([1], dtype=ag.int32) * 2, "int32"),
        (lambda: ag.tensor([True]) + ag.tensor([1]), "int64"),
        (lambda: ag.tensor([1], dtype=ag.int32) + ag.tensor([1], dtype=ag.int64), "int64"),
        (lambda: ag.tensor([1], dtype=ag.uint8) + ag.tensor([1], dtype=ag.int8), "int16"),
        (lambda: ag.tensor([1.0], dtype=ag.float64) + ag.tensor([1.0]), "float64"),
        (lambda: ag.tensor([1.0]) + ag.tensor([1], dtype=ag.int64), "float32"),
        (lambda: ag.tensor([1, 2]).sum(), "int64"),
        (lambda: ag.tensor([True, True]).sum(), "int64"),
        (lambda: ag.tensor([1], dtype=ag.int32).exp(), "float32"),
        (lambda: ag.tensor([1.0]) > 0, "bool"),
        (lambda: ag.tensor([1.0]).mean(dtype=ag.float64), "float64"),
    ],
)
def test_dtype_promotion_like_pytorch(backend, make, expected) -> None:
    assert make().dtype.name == expected


@pytest.mark.backends(*BACKENDS)
def test_zero_dim_tensor_does_not_widen_a_dimensioned_tensor(backend) -> None:
    # PyTorch: a 0-d tensor of the same category does not decide the result dtype
    assert (ag.tensor([1.0]) * ag.tensor(2.0, dtype=ag.float64)).dtype is ag.float32
    assert (ag.tensor([1], dtype=ag.int32) + ag.tensor(5)).dtype is ag.int32


def test_gradient_keeps_the_input_dtype_across_promotion(backend) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)  # float32
    w = ag.tensor([3.0, 4.0], dtype=ag.float64, requires_grad=True)
    y = x * w
    assert y.dtype is ag.float64
    y.sum().backward()
    assert x.grad.dtype is ag.float32 and w.grad.dtype is ag.float64
    assert x.grad.tolist() == [3.0, 4.0]


def test_mean_of_integers_is_an_error(backend) -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2]).mean()


# ---------------------------------------------------------------------- comparisons


def test_comparisons(backend) -> None:
    x = ag.tensor([1.0, 2.0, 3.0])
    y = ag.tensor([3.0, 2.0, 1.0])
    assert (x == y).tolist() == [False, True, False]
    assert (x != y).tolist() == [True, False, True]
    assert (x < y).tolist() == [True, False, False]
    assert (x <= 2).tolist() == [True, True, False]
    assert (x > y).dtype is ag.bool
    assert (x >= ag.tensor([2])).tolist() == [False, True, True]
    assert ag.equal(x, x.clone()) and not ag.equal(x, y) and not ag.equal(x, x[:2])
    assert ag.allclose(x, x + 1e-9) and not ag.allclose(x, x + 1e-3)
    assert ag.isclose(ag.tensor([math.nan]), ag.tensor([math.nan]), equal_nan=True).tolist() == [True]
    assert ag.isnan(ag.tensor([math.nan, 1.0])).tolist() == [True, False]
    assert ag.isinf(ag.tensor([math.inf, 1.0])).tolist() == [True, False]
    assert ag.logical_and(x > 1, x < 3).tolist() == [False, True, False]
    assert x.requires_grad_().gt(1).requires_grad is False


# ---------------------------------------------------------------------- reductions


X3 = RNG.standard_normal((2, 3, 4))

REDUCTIONS = {
    "sum": lambda x: x.sum(),
    "sum_dim": lambda x: x.sum(1),
    "sum_dims_keepdim": lambda x: x.sum((0, 2), keepdim=True),
    "sum_negative_dim": lambda x: x.sum(-1),
    "mean": lambda x: x.mean(),
    "mean_dims": lambda x: x.mean((-1, 0)),
    "mean_keepdim": lambda x: x.mean(1, keepdim=True),
    "var": lambda x: x.var(),
    "var_dim": lambda x: x.var(1),
    "var_correction0": lambda x: x.var(2, correction=0),
    "var_correction2": lambda x: x.var((0, 2), correction=2, keepdim=True),
    "var_unbiased_false": lambda x: x.var(0, unbiased=False),
    "std": lambda x: x.std(),
    "std_dim_correction0": lambda x: x.std(-1, correction=0),
    "prod": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(1),
    "prod_keepdim": lambda x: x.prod(-1, keepdim=True),
    "amax": lambda x: x.amax(),
    "amax_dims": lambda x: x.amax((0, 2)),
    "amin_keepdim": lambda x: x.amin(1, keepdim=True),
    "max_all": lambda x: x.max(),
    "min_all": lambda x: x.min(),
    "max_dim": lambda x: tuple(x.max(1)),
    "min_dim_keepdim": lambda x: tuple(x.min(-1, keepdim=True)),
    "argmax": lambda x: x.argmax(),
    "argmax_dim": lambda x: x.argmax(1),
    "argmin_keepdim": lambda x: x.argmin(2, keepdim=True),
    "logsumexp": lambda x: x.logsumexp(1),
    "logsumexp_dims": lambda x: x.logsumexp((0, 2), keepdim=True),
    "cumsum": lambda x: x.cumsum(1),
    "cumsum_last": lambda x: x.cumsum(-1),
    "norm": lambda x: x.norm(),
    "norm_dim": lambda x: x.norm(dim=1),
    "norm_p1": lambda x: x.norm(p=1, dim=-1),
    "norm_p3": lambda x: x.norm(p=3),
    "norm_inf": lambda x: x.norm(p=math.inf, dim=0),
}


@pytest.mark.parametrize(("backend", "name"), backend_cases(REDUCTIONS), indirect=["backend"])
def test_reduction_against_torch(backend, name) -> None:
    pytest.importorskip("torch")
    compare_with_torch(REDUCTIONS[name], [X3], rtol=1e-10, atol=1e-12)


@pytest.mark.backends(*BACKENDS)
def test_max_with_dim_returns_values_and_indices(backend) -> None:
    x = ag.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    result = x.max(1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [5.0, 6.0] and indices.tolist() == [1, 2]
    assert indices.dtype is ag.int64 and not indices.requires_grad
    assert x.min(dim=0).indices.tolist() == [0, 1, 0]
    assert ag.max(x, 1, keepdim=True).values.shape == (2, 1)
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_max_with_ties_matches_torch(backend) -> None:
    pytest.importorskip("torch")
    ties = np.array([[2.0, 2.0, 1.0], [0.0, 3.0, 3.0]])
    compare_with_torch(lambda x: x.amax(1), [ties])  # ties share the gradient
    compare_with_torch(lambda x: x.max(), [ties])
    compare_with_torch(lambda x: x.max(1).indices, [ties])  # first index wins


def test_prod_with_zeros_against_torch(backend) -> None:
    pytest.importorskip("torch")
    data = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    compare_with_torch(lambda x: x.prod(1), [data])
    compare_with_torch(lambda x: x.prod(), [data[:1]])


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
def test_var_with_too_few_elements_is_nan_like_torch(backend) -> None:
    torch = pytest.importorskip("torch")
    assert math.isnan(torch.tensor([1.0]).var().item())
    assert math.isnan(ag.tensor([1.0]).var().item())
    assert ag.tensor([1.0]).var(correction=0).item() == 0.0


def test_reduction_values(backend) -> None:
    x = ag.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5.0 / 3.0)
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.std(unbiased=False).item() == pytest.approx(math.sqrt(1.25))
    assert ag.tensor([[1, 2], [3, 4]]).sum(0).tolist() == [4, 6]
    assert ag.tensor([True, False, True]).sum().item() == 2
    assert ag.count_nonzero(ag.tensor([0, 1, 2])).item() == 2
    assert ag.tensor([[True, False]]).any().item() is True
    assert ag.tensor([[True, False]]).all(1).tolist() == [False]


def test_reduction_dim_errors(backend) -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="numel"):
        ag.zeros(0).max()


# ---------------------------------------------------------------------- numerical stability


@pytest.mark.backends(*BACKENDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_and_log_softmax_are_finite_for_large_inputs(backend, dtype) -> None:
    torch = pytest.importorskip("torch")
    data = [[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -1001.0]]
    x = ag.tensor(data, dtype=dtype, requires_grad=True)
    tx = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
    w = [[1.0, 2.0, 3.0]] * 3
    for f in (lambda t: t.softmax(1), lambda t: t.log_softmax(1)):
        out, tout = f(x), f(tx)
        assert np.all(np.isfinite(out.detach().numpy()))
        assert_close(out, tout, rtol=1e-4, atol=1e-6)
        x.grad, tx.grad = None, None
        (out * ag.tensor(w, dtype=dtype)).sum().backward()
        (tout * torch.tensor(w, dtype=getattr(torch, dtype))).sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))
        assert_close(x.grad, tx.grad, rtol=1e-4, atol=1e-5)


def test_softmax_float32_precision_for_large_logits(backend) -> None:
    torch = pytest.importorskip("torch")
    data = [[1e5, 1e5], [1000.0, 999.0]]
    assert_close(ag.tensor(data).softmax(1), torch.tensor(data).softmax(1), rtol=1e-6, atol=0)
    assert_close(ag.tensor(data).log_softmax(1), torch.tensor(data).log_softmax(1), rtol=1e-6, atol=0)


@pytest.mark.backends(*BACKENDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp_is_stable(backend, dtype) -> None:
    x = ag.tensor([[1000.0, 1000.0], [-1000.0, -1000.0], [89.0, 0.0]], dtype=dtype, requires_grad=True)
    out = x.logsumexp(1)
    expected = [1000.0 + math.log(2.0), -1000.0 + math.log(2.0), 89.0 + math.log1p(math.exp(-89.0))]
    assert out.tolist() == pytest.approx(expected, rel=1e-6)
    out.sum().backward()
    assert_close(x.grad.numpy(), np.array([[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]]), rtol=0, atol=1e-6)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_logsumexp_of_all_minus_inf(backend) -> None:
    out = ag.tensor([[-math.inf, -math.inf], [0.0, -math.inf]]).logsumexp(1)
    assert out.tolist() == [-math.inf, 0.0]


@pytest.mark.backends(*BACKENDS)
def test_sigmoid_is_stable_on_both_tails(backend) -> None:
    x = ag.tensor([-1000.0, 1000.0, 0.0], requires_grad=True)
    y = x.sigmoid()
    assert y.tolist() == [0.0, 1.0, 0.5]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


# ---------------------------------------------------------------------- matmul

MATMUL = {
    "2d@2d": ((3, 4), (4, 5)),
    "1d@2d": ((4,), (4, 5)),
    "2d@1d": ((3, 4), (4,)),
    "1d@1d": ((4,), (4,)),
    "batched@2d": ((2, 3, 4), (4, 5)),
    "2d@batched": ((3, 4), (2, 4, 5)),
    "batch_broadcast": ((2, 1, 3, 4), (5, 4, 2)),
    "1d@batched": ((4,), (2, 4, 3)),
    "batched@1d": ((2, 3, 4), (4,)),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(MATMUL, jax_every=4), indirect=["backend"])
def test_matmul_against_torch(backend, case) -> None:
    pytest.importorskip("torch")
    sa, sb = MATMUL[case]
    compare_with_torch(lambda a, b: a @ b, [RNG.standard_normal(sa), RNG.standard_normal(sb)], rtol=1e-10)


def test_named_matmul_variants_against_torch(backend) -> None:
    pytest.importorskip("torch")
    m, v, b3 = RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal((2, 4, 3))
    compare_with_torch(lambda x, y: x.mm(y.T), [m, m], rtol=1e-10)
    compare_with_torch(lambda x, y: x.mv(y), [m, v], rtol=1e-10)
    compare_with_torch(lambda x, y: x.dot(y), [v, v * 2], rtol=1e-10)
    compare_with_torch(lambda x, y: lib_of(x).outer(x, y), [v, v[:3]], rtol=1e-10)
    compare_with_torch(lambda x, y: lib_of(x).inner(x, y), [m, b3.transpose(0, 2, 1)], rtol=1e-10)
    compare_with_torch(lambda x, y: x.bmm(y), [b3, b3.transpose(0, 2, 1)], rtol=1e-10)


def test_matmul_errors(backend) -> None:
    with pytest.raises(RuntimeError, match=r"\(3, 4\) and \(3, 4\) cannot be multiplied \(4 != 3\)"):
        ag.zeros(3, 4) @ ag.zeros(3, 4)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        ag.zeros(3) @ ag.tensor(2.0)
    with pytest.raises(RuntimeError, match="2-D"):
        ag.zeros(3).mm(ag.zeros(3, 3))
    with pytest.raises(RuntimeError, match="batch sizes"):
        ag.zeros(2, 3, 4).bmm(ag.zeros(3, 4, 5))


def test_matmul_promotes_integers_to_the_common_dtype(backend) -> None:
    out = ag.tensor([[1, 2]]) @ ag.tensor([[3], [4]])
    assert out.dtype is ag.int64 and out.tolist() == [[11]]


# ---------------------------------------------------------------------- mixing backends


@pytest.mark.backends(*BACKENDS)
@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: a @ b,
        lambda a, b: ag.maximum(a, b),
        lambda a, b: ag.where(a > 0, a, b),
        lambda a, b: a == b,
    ],
)
def test_mixing_backends_names_both(backend, op) -> None:
    other = "numpy" if backend != "numpy" else "jax"
    a = ag.ones(2)
    b = ag.ones(2, backend=other)
    with pytest.raises(RuntimeError) as info:
        op(a, b)
    assert f"'{backend}'" in str(info.value) and f"'{other}'" in str(info.value)


def test_combining_with_a_raw_array_is_an_error(backend) -> None:
    with pytest.raises(TypeError, match="wrap it with arraygrad.tensor"):
        ag.ones(2) + ag.ones(2).backend.xp.ones(2)
