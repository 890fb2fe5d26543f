"""Bad arguments to core tensor ops raise like PyTorch, identically on every backend.

Each case runs the same call on real PyTorch (the oracle) and on arraygrad: PyTorch must refuse
it, arraygrad must raise the same built-in exception kind with a message naming the op, and the
error must come from arraygrad's own checks, not from deep inside numpy, jax or array-api-strict
(their wording and exception kinds differ per backend). A second group checks the results PyTorch
gives for inputs that numpy, jax and array-api-strict would treat differently.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import assert_close

torch = pytest.importorskip("torch")

#: path fragments of the array libraries: an error raised in their code leaked past arraygrad's checks
_LIBRARY_PATHS = ("/numpy/", "/jax/", "/jaxlib/", "/array_api_strict/")


def _raised(fn: Callable[[], Any]) -> BaseException | None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the exception is what is under test
        return exc
    return None


def _builtin_kind(exc: BaseException) -> type[BaseException]:
    """The most derived built-in exception class of ``exc`` (torch's errors subclass them)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls
    raise AssertionError(f"{exc!r} has no built-in exception class")


def assert_raises_like_torch(call: Callable[[Any], Any], match: str) -> None:
    """``call(torch)`` raises; ``call(arraygrad)`` raises the same built-in kind, its message
    contains ``match`` (the op's name), and its last frame is arraygrad code."""
    expected = _raised(lambda: call(torch))
    assert expected is not None, "PyTorch accepts this call: not an error case"
    ours = _raised(lambda: call(ag))
    assert ours is not None, f"arraygrad accepted a call PyTorch refuses with {expected!r}"
    kind = _builtin_kind(expected)
    assert isinstance(ours, kind), f"arraygrad raised {ours!r}, PyTorch {kind.__name__}: {expected}"
    assert match in str(ours), f"{match!r} not in {str(ours)!r}"
    last = traceback.extract_tb(ours.__traceback__)[-1].filename
    assert not any(part in last for part in _LIBRARY_PATHS), f"error raised inside {last}: {ours!r}"


def _set_grad(m: Any, make: Callable[[Any], Any]) -> None:
    t = m.zeros(2, 3, requires_grad=True)
    t.grad = make(m)


def _idx(m: Any, values: list[Any]) -> Any:
    return m.tensor(values, dtype=m.int64)


_X = np.arange(6.0, dtype=np.float32).reshape(2, 3)

#: (id, call(module), text the message must contain)
ERROR_CASES: list[tuple[str, Callable[[Any], Any], str]] = [
    # .grad assignment
    ("grad_shape", lambda m: _set_grad(m, lambda m: m.zeros(3, 2)), "size"),
    ("grad_dtype", lambda m: _set_grad(m, lambda m: m.zeros(2, 3, dtype=m.float64)), "dtype"),
    ("grad_int_dtype", lambda m: _set_grad(m, lambda m: m.zeros(2, 3, dtype=m.int64)), "dtype"),
    ("grad_not_tensor", lambda m: _set_grad(m, lambda m: [[0.0] * 3] * 2), "assigned grad"),
    ("grad_parameter_shape", lambda m: setattr(m.nn.Parameter(m.zeros(2, 3)), "grad", m.zeros(6)), "size"),
    # index bounds (negative indices do not wrap in these ops)
    ("gather_negative", lambda m: m.gather(m.tensor(_X), 1, _idx(m, [[-1], [0]])), "gather"),
    ("gather_high", lambda m: m.gather(m.tensor(_X), 1, _idx(m, [[3], [0]])), "gather"),
    ("scatter_negative", lambda m: m.tensor(_X).scatter(1, _idx(m, [[-1], [0]]), m.ones(2, 1)), "scatter"),
    ("scatter_value_negative", lambda m: m.tensor(_X).scatter(1, _idx(m, [[-1], [0]]), 1.0), "scatter"),
    ("scatter_add_negative", lambda m: m.tensor(_X).scatter_add(1, _idx(m, [[-1], [0]]), m.ones(2, 1)),
     "scatter_add"),
    ("scatter_add_high", lambda m: m.tensor(_X).scatter_add(0, _idx(m, [[2]]), m.ones(1, 1)), "scatter_add"),
    ("index_select_negative", lambda m: m.index_select(m.tensor(_X), 1, _idx(m, [-1])), "index_select"),
    ("index_select_high", lambda m: m.index_select(m.tensor(_X), 0, _idx(m, [2])), "index_select"),
    ("index_select_high_dim1", lambda m: m.index_select(m.tensor(_X), 1, _idx(m, [3])), "index_select"),
    ("index_add_negative", lambda m: m.tensor(_X).index_add(1, _idx(m, [-1]), m.ones(2, 1)), "index_add"),
    ("index_add_high", lambda m: m.tensor(_X).index_add(1, _idx(m, [3]), m.ones(2, 1)), "index_add"),
    ("embedding_negative", lambda m: m.nn.functional.embedding(_idx(m, [-1]), m.tensor(_X)), "embedding"),
    ("embedding_high", lambda m: m.nn.functional.embedding(_idx(m, [2]), m.tensor(_X)), "embedding"),
    ("take_low", lambda m: m.take(m.tensor(_X), _idx(m, [-7])), "out of"),
    ("getitem_low", lambda m: m.tensor(_X)[_idx(m, [-3])], "out of bounds"),
    # integer division by zero
    ("floor_divide_zero", lambda m: m.floor_divide(_idx(m, [1, 2]), _idx(m, [0, 1])), "ZeroDivisionError"),
    ("floordiv_operator_zero", lambda m: _idx(m, [1, 2]) // 0, "ZeroDivisionError"),
    ("remainder_zero", lambda m: m.remainder(_idx(m, [1, 2]), _idx(m, [0, 1])), "ZeroDivisionError"),
    ("mod_operator_zero", lambda m: _idx(m, [1, 2]) % 0, "ZeroDivisionError"),
    ("fmod_zero", lambda m: m.fmod(_idx(m, [1, 2]), _idx(m, [1, 0])), "ZeroDivisionError"),
    ("div_floor_zero", lambda m: m.div(_idx(m, [1, 2]), _idx(m, [0, 1]), rounding_mode="floor"), "ZeroDivisionError"),
    ("div_trunc_zero", lambda m: m.div(_idx(m, [1, 2]), 0, rounding_mode="trunc"), "ZeroDivisionError"),
    # sizes must be integers
    ("reshape_float", lambda m: m.zeros(6).reshape(3.7, 2), "reshape"),
    ("reshape_float_tuple", lambda m: m.zeros(6).reshape((3.0, 2)), "reshape"),
    ("view_float", lambda m: m.zeros(6).view(2.9, 3), "view"),
    ("permute_float", lambda m: m.zeros(2, 3).permute(1.2, 0.1), "permute"),
    ("expand_float", lambda m: m.zeros(1, 3).expand(2.0, 3), "expand"),
    ("repeat_float", lambda m: m.zeros(3).repeat(2.0), "repeat"),
    ("zeros_float", lambda m: m.zeros(2.5), "zeros"),
    ("ones_float_tuple", lambda m: m.ones((2.0, 3)), "ones"),
    ("randn_float", lambda m: m.randn(2.5), "randn"),
    ("randperm_float", lambda m: m.randperm(2.5), "randperm"),
    ("randperm_negative", lambda m: m.randperm(-5), "randperm"),
    ("eye_negative", lambda m: m.eye(-1), "n must be greater or equal to 0"),
    ("eye_negative_m", lambda m: m.eye(2, -1), "m must be greater or equal to 0"),
    ("eye_float", lambda m: m.eye(2.5), "eye"),
    # mixed dtypes PyTorch does not promote
    ("matmul_int_float", lambda m: m.ones(2, 2, dtype=m.int64) @ m.ones(2, 2), "matmul"),
    ("matmul_float32_float64", lambda m: m.ones(2, 2) @ m.ones(2, 2, dtype=m.float64), "matmul"),
    ("matmul_vectors", lambda m: m.matmul(m.ones(2), m.ones(2, dtype=m.float64)), "matmul"),
    ("mm_mixed", lambda m: m.mm(m.ones(2, 2), m.ones(2, 2, dtype=m.float64)), "mm"),
    ("bmm_mixed", lambda m: m.bmm(m.ones(1, 2, 2), m.ones(1, 2, 2, dtype=m.float64)), "bmm"),
    ("mv_mixed", lambda m: m.mv(m.ones(2, 2), m.ones(2, dtype=m.float64)), "mv"),
    ("dot_mixed", lambda m: m.dot(m.ones(2), m.ones(2, dtype=m.float64)), "dot"),
    ("addmm_mixed", lambda m: m.addmm(m.ones(2, 2), m.ones(2, 2), m.ones(2, 2, dtype=m.float64)), "addmm"),
    ("where_float_condition", lambda m: m.where(m.ones(2), m.ones(2), m.zeros(2)), "where"),
    ("where_int_condition", lambda m: m.where(m.ones(2, dtype=m.int64), m.ones(2), m.zeros(2)), "where"),
    ("bitwise_and_float", lambda m: m.bitwise_and(m.ones(2), m.ones(2)), "bitwise_and"),
    ("bitwise_or_float", lambda m: m.bitwise_or(m.ones(2), m.ones(2)), "bitwise_or"),
    ("bitwise_xor_float", lambda m: m.bitwise_xor(m.ones(2), m.ones(2)), "bitwise_xor"),
    ("bitwise_not_float", lambda m: m.bitwise_not(m.ones(2)), "bitwise_not"),
    ("and_operator_float", lambda m: m.ones(2) & m.ones(2), "bitwise_and"),
    # reductions over nothing
    ("max_empty_dim", lambda m: m.zeros(0, 3).max(0), "max"),
    ("min_empty_dim", lambda m: m.zeros(0, 3).min(0), "min"),
    ("argmax_empty_dim", lambda m: m.zeros(0, 3).argmax(0), "argmax"),
    ("argmin_empty_dim", lambda m: m.zeros(0, 3).argmin(0), "argmin"),
    ("argmax_empty_all", lambda m: m.zeros(0).argmax(), "argmax"),
    ("amax_empty_dim", lambda m: m.zeros(0, 3).amax(0), "amax"),
    ("amin_empty_dims", lambda m: m.zeros(0, 3).amin((0, 1)), "amin"),
    ("max_empty_all", lambda m: m.zeros(0).max(), "max"),
    ("median_empty_dim", lambda m: m.zeros(0, 3).median(0), "median"),
    ("kthvalue_empty_dim", lambda m: m.zeros(0, 3).kthvalue(1, 0), "kthvalue"),
    ("topk_empty_dim", lambda m: m.zeros(0, 3).topk(1, 0), "k out of range"),
    # shapes and arguments
    ("tril_1d", lambda m: m.tril(m.ones(3)), "tril"),
    ("triu_1d", lambda m: m.triu(m.ones(3)), "triu"),
    ("cat_list_element", lambda m: m.cat([m.ones(2), [1.0, 2.0]]), "cat"),
    ("cat_number_element", lambda m: m.cat([m.ones(2), 3.0]), "cat"),
    ("cat_tensor_argument", lambda m: m.cat(m.ones(2, 2)), "cat"),
    ("stack_list_element", lambda m: m.stack([m.ones(2), [1.0, 2.0]]), "stack"),
    ("cat_sizes", lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]), "Sizes of tensors must match"),
    ("cat_ranks", lambda m: m.cat([m.ones(2, 3), m.ones(3)]), "same number of dimensions"),
    ("stack_sizes", lambda m: m.stack([m.ones(2, 3), m.ones(2, 4)]), "stack"),
    ("add_broadcast", lambda m: m.ones(2, 3) + m.ones(2, 4), "The size of tensor a (3) must match the size of tensor b (4)"),
    ("mul_broadcast", lambda m: m.mul(m.ones(2, 3), m.ones(4)), "at non-singleton dimension 1"),
    ("sub_broadcast_3d", lambda m: m.ones(5, 2, 3) - m.ones(4, 1, 3), "The size of tensor a (5)"),
    ("where_broadcast", lambda m: m.where(m.ones(2, 3, dtype=m.bool), m.ones(2, 4), 0.0), "where"),
    ("masked_fill_broadcast", lambda m: m.ones(2, 3).masked_fill(m.ones(2, 4, dtype=m.bool), 0.0), "masked_fill"),
    ("cat_empty", lambda m: m.cat([]), "cat"),
    ("stack_empty", lambda m: m.stack([]), "stack"),
    ("flip_duplicate_dims", lambda m: m.ones(2, 3).flip((-1, 1)), "appears multiple times"),
    ("sum_float_dim", lambda m: m.ones(2, 3).sum(1.0), "sum"),
    ("cumsum_float_dim", lambda m: m.ones(2, 3).cumsum(1.5), "cumsum"),
    ("gather_dim_before_rank", lambda m: m.gather(m.ones(3), 1, _idx(m, [[0]])), "Dimension out of range"),
    ("scatter_src_dtype", lambda m: m.ones(2, 3).scatter(1, _idx(m, [[0], [1]]), m.ones(2, 1, dtype=m.float64)),
     "scatter"),
    ("index_add_source_dtype", lambda m: m.ones(2, 3).index_add(1, _idx(m, [0]), m.ones(2, 1, dtype=m.float64)),
     "index_add"),
    ("isclose_dtypes", lambda m: m.isclose(m.ones(3), m.ones(3, dtype=m.int64)), "isclose"),
    ("isclose_broadcast", lambda m: m.isclose(m.ones(3), m.ones(4)), "The size of tensor a (3)"),
    ("logical_and_broadcast", lambda m: m.logical_and(m.ones(2, 3), m.ones(2, 4)), "logical_and"),
    ("bitwise_or_broadcast", lambda m: m.bitwise_or(_idx(m, [1, 2]), _idx(m, [1, 2, 3])), "bitwise_or"),
    ("sum_duplicate_dims", lambda m: m.ones(2, 3).sum((0, 0)), "appears multiple times"),
    ("sum_dim_range", lambda m: m.ones(2, 3).sum(5), "Dimension out of range"),
    ("max_dim_range", lambda m: m.ones(2, 3).max(2), "Dimension out of range"),
    ("transpose_dim_range", lambda m: m.ones(2, 3).transpose(0, 5), "Dimension out of range"),
    ("squeeze_dim_range", lambda m: m.ones(2, 3).squeeze(-3), "Dimension out of range"),
    ("unsqueeze_dim_range", lambda m: m.ones(2, 3).unsqueeze(3), "Dimension out of range"),
]

#: cases where jax has code paths of its own (index kernels, integer division, immutable arrays,
#: dtype checks ahead of XLA); the others run jax only through backend-independent checks
_JAX_CASES = {
    "grad_shape", "gather_negative", "scatter_add_negative", "index_select_negative", "index_add_high",
    "embedding_negative", "getitem_low", "floor_divide_zero", "remainder_zero", "div_trunc_zero",
    "randperm_negative", "eye_negative", "matmul_float32_float64", "where_float_condition",
    "bitwise_and_float", "argmax_empty_dim", "amax_empty_dim", "add_broadcast", "masked_fill_broadcast",
    "sum_duplicate_dims", "logical_and_broadcast", "isclose_broadcast",
}


def _error_params() -> list[Any]:
    params = []
    for name, call, match in ERROR_CASES:
        for backend in ("numpy", "strict", "jax"):
            if backend == "jax" and name not in _JAX_CASES:
                continue
            params.append(pytest.param(call, match, backend, id=f"{name}-{backend}"))
    return params


@pytest.mark.parametrize("call, match, backend", _error_params(), indirect=["backend"])
def test_error_matches_torch(call: Callable[[Any], Any], match: str, backend: str) -> None:
    assert_raises_like_torch(call, match)


# ---------------------------------------------------------------------- results PyTorch defines


def test_grad_assignment_accepts_matching_tensors_and_none(backend) -> None:
    p = ag.nn.Parameter(ag.zeros(2, 3))
    p.grad = ag.ones(2, 3)
    opt = ag.optim.SGD([p], lr=0.5)
    opt.step()
    assert tuple(p.shape) == (2, 3)
    assert_close(p, np.full((2, 3), -0.5, dtype=np.float32))
    p.grad = None
    assert p.grad is None
    (p * 2).sum().backward()
    assert_close(p.grad, np.full((2, 3), 2.0, dtype=np.float32))


def test_refused_grad_leaves_the_old_one(backend) -> None:
    t = ag.zeros(3, requires_grad=True)
    t.grad = ag.ones(3)
    with pytest.raises(RuntimeError):
        t.grad = ag.ones(4)
    assert_close(t.grad, np.ones(3, dtype=np.float32))


@pytest.mark.parametrize(
    "low, high, values",
    [(3.0, 1.0, [0.0, 1.0, 2.0, 5.0]), (3, 1, [0, 1, 2, 5]), (2.0, 2.0, [0.0, 3.0])],
)
def test_clamp_min_above_max_gives_max(backend, low: Any, high: Any, values: list[Any]) -> None:
    ours = ag.clamp(ag.tensor(values), min=low, max=high)
    theirs = torch.clamp(torch.tensor(values), min=low, max=high)
    assert_close(ours, theirs)


def test_clamp_min_above_max_gradient_is_zero(backend) -> None:
    x = ag.tensor([0.0, 2.0, 5.0], requires_grad=True)
    tx = torch.tensor([0.0, 2.0, 5.0], requires_grad=True)
    ag.clamp(x, 3.0, 1.0).sum().backward()
    torch.clamp(tx, 3.0, 1.0).sum().backward()
    assert_close(x.grad, tx.grad)


def test_clamp_with_tensor_bounds_crossing(backend) -> None:
    x, lo, hi = [0.0, 1.0, 2.0, 5.0], [3.0, 3.0, 0.0, 0.0], [1.0, 4.0, 1.0, 1.0]
    ours = ag.clamp(ag.tensor(x), min=ag.tensor(lo), max=ag.tensor(hi))
    assert_close(ours, torch.clamp(torch.tensor(x), min=torch.tensor(lo), max=torch.tensor(hi)))


@pytest.mark.parametrize("a, b", [([7, -7, 7, -7, 6], [2, 2, -2, -2, 3]), ([2**62 + 1, -(2**62) - 3], [3, 7])])
def test_integer_trunc_division_is_exact(backend, a: list[int], b: list[int]) -> None:
    ours = ag.div(ag.tensor(a), ag.tensor(b), rounding_mode="trunc")
    theirs = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode="trunc")
    assert ours.dtype == ag.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_float_division_by_zero_still_gives_inf(backend) -> None:
    ours = ag.floor_divide(ag.tensor([1.0, -1.0]), ag.tensor([0.0, 0.0]))
    assert_close(ours, torch.floor_divide(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0])))


def test_take_along_dim_wraps_negative_indices(backend) -> None:
    x = np.arange(6.0).reshape(2, 3)
    idx = np.array([[-1], [0]])
    ours = ag.take_along_dim(ag.tensor(x), ag.tensor(idx), 1)
    assert_close(ours, torch.take_along_dim(torch.tensor(x), torch.tensor(idx), 1))
    # PyTorch reads out of bounds here unchecked; where it checks (flattened), it raises RuntimeError
    with pytest.raises(RuntimeError, match="take_along_dim"):
        ag.take_along_dim(ag.tensor(x), ag.tensor([[3], [0]]), 1)


def test_in_range_indices_still_work(backend) -> None:
    x = np.arange(6.0).reshape(2, 3)
    idx = np.array([[2], [0]])
    assert_close(ag.gather(ag.tensor(x), 1, ag.tensor(idx)), torch.gather(torch.tensor(x), 1, torch.tensor(idx)))
    assert_close(
        ag.index_select(ag.tensor(x), 1, ag.tensor([2, 0])), torch.index_select(torch.tensor(x), 1, torch.tensor([2, 0]))
    )
    assert_close(
        ag.tensor(x).index_add(0, ag.tensor([1, 1]), ag.ones(2, 3, dtype=ag.float64)),
        torch.tensor(x).index_add(0, torch.tensor([1, 1]), torch.ones(2, 3, dtype=torch.float64)),
    )
    assert_close(ag.gather(ag.tensor(x), 1, ag.zeros(2, 0, dtype=ag.int64)), np.zeros((2, 0)))


def test_where_accepts_uint8_condition(backend) -> None:
    out = ag.where(ag.tensor([1, 0], dtype=ag.uint8), 1.0, 0.0)
    assert_close(out, np.array([1.0, 0.0], dtype=np.float32))


def test_sizes_accept_integer_like_values(backend) -> None:
    assert tuple(ag.zeros(6).reshape(np.int64(2), 3).shape) == (2, 3)
    assert tuple(ag.zeros(6).view(ag.tensor(3), 2).shape) == (3, 2)
    assert tuple(ag.randperm(0).shape) == (0,)
    assert tuple(ag.eye(0).shape) == (0, 0)


# ---------------------------------------------------------------------- shape, indexing, matrix, sorting arguments

_I2 = [[0, 1, 0], [1, 0, 1]]

#: (id, call(module), text the message must contain): bad arguments to shape, indexing and sorting ops
SHAPE_INDEX_ERROR_CASES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("chunk_float", lambda m: m.chunk(m.zeros(2, 3), 2.5), "chunk"),
    ("chunk_0d", lambda m: m.chunk(m.tensor(1.0), 1), "chunk"),
    ("split_0d", lambda m: m.split(m.tensor(1.0), 1), "split"),
    ("tensor_split_0d", lambda m: m.tensor_split(m.tensor(1.0), 2), "tensor_split"),
    ("tensor_split_zero_sections", lambda m: m.tensor_split(m.zeros(2, 3), 0), "sections"),
    ("unbind_0d", lambda m: m.unbind(m.tensor(1.0)), "unbind"),
    ("narrow_0d", lambda m: m.narrow(m.tensor(1.0), 0, 0, 1), "narrow"),
    ("narrow_float_start", lambda m: m.narrow(m.zeros(2, 3), 1, 2.5, 2), "narrow"),
    ("select_float_index", lambda m: m.select(m.zeros(2, 3), 1, 2.5), "select"),
    ("diagonal_float_offset", lambda m: m.diagonal(m.zeros(2, 3), 2.5), "diagonal"),
    ("tril_float_diagonal", lambda m: m.tril(m.zeros(2, 3), 2.5), "tril"),
    ("triu_float_diagonal", lambda m: m.triu(m.zeros(2, 3), 2.5), "triu"),
    ("flatten_0d_dim", lambda m: m.flatten(m.tensor(1.0), 1), "flatten"),
    ("unflatten_float_size", lambda m: m.unflatten(m.zeros(2, 3), 1, (2.5, 1)), "unflatten"),
    ("permute_too_few_dims", lambda m: m.permute(m.zeros(3), (0, 1)), "permute"),
    ("fliplr_1d", lambda m: m.fliplr(m.zeros(3)), "fliplr"),
    ("flipud_0d", lambda m: m.flipud(m.tensor(1.0)), "flipud"),
    ("roll_0d", lambda m: m.roll(m.tensor(1.0), 1, 0), "roll"),
    ("hstack_empty", lambda m: m.hstack([]), "hstack"),
    ("vstack_empty", lambda m: m.vstack([]), "vstack"),
    ("broadcast_shapes_negative", lambda m: m.broadcast_shapes((-1, 3), (3,)), "negative"),
    ("broadcast_shapes_float", lambda m: m.broadcast_shapes((2.5, 3), (3,)), "int"),
    ("broadcast_shapes_mismatch", lambda m: m.broadcast_shapes((2, 3), (4,)), "broadcast"),
    ("repeat_negative", lambda m: m.zeros(2, 3).repeat(-1, 1), "negative dimension"),
    ("repeat_interleave_negative", lambda m: m.repeat_interleave(m.zeros(2, 3), -1), "non-negative"),
    ("repeat_interleave_length", lambda m: m.repeat_interleave(m.zeros(2, 3), _idx(m, [1, 2, 3]), dim=0),
     "repeat_interleave"),
    ("pad_odd_length", lambda m: m.nn.functional.pad(m.zeros(2, 3), (1,)), "divisible by 2"),
    ("pad_too_long", lambda m: m.nn.functional.pad(m.zeros(2, 3), (1,) * 6), "Padding length"),
    ("pad_0d", lambda m: m.nn.functional.pad(m.tensor(1.0), (1, 1)), "Padding length"),
    ("pad_float_amount", lambda m: m.nn.functional.pad(m.zeros(2, 3), (2.5, 1)), "pad"),
    ("pad_bad_mode", lambda m: m.nn.functional.pad(m.zeros(2, 3), (1, 1), mode="bad"), "mode"),
    ("pad_reflect_too_wide", lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (3, 3), mode="reflect"), "pad"),
    ("pad_removes_dim", lambda m: m.nn.functional.pad(m.zeros(2, 3), (-2, -2)), "pad"),
    ("pad_circular_wraps_twice", lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (4, 0), mode="circular"), "pad"),
    ("index_add_source_rank", lambda m: m.index_add(m.zeros(2, 3, 2), 1, _idx(m, [0, 2]), m.zeros(2, 2)),
     "index_add"),
    ("index_add_source_0d", lambda m: m.index_add(m.zeros(2, 3), 1, _idx(m, [0, 2]), m.tensor(1.0)), "index_add"),
    ("index_put_values_list", lambda m: m.index_put(m.zeros(2, 3), (_idx(m, [0, 1]),), [[1.0] * 3] * 2),
     "index_put"),
    ("index_put_values_dtype", lambda m: m.index_put(m.zeros(2, 3), (_idx(m, [0, 1]),), m.zeros(2, 3, dtype=m.float64)),
     "index_put"),
    ("scatter_src_list", lambda m: m.scatter(m.zeros(2, 3), 1, _idx(m, _I2), [[1.0] * 3] * 2), "scatter"),
    ("scatter_src_0d", lambda m: m.scatter(m.zeros(2, 3), 1, _idx(m, _I2), m.tensor(1.0)), "scatter"),
    ("scatter_src_1d", lambda m: m.scatter(m.zeros(2, 3), 1, _idx(m, _I2), m.zeros(3)), "scatter"),
    ("scatter_src_smaller", lambda m: m.scatter(m.zeros(2, 3), 1, _idx(m, _I2), m.zeros(2, 2)), "scatter"),
    ("scatter_add_src_number", lambda m: m.scatter_add(m.zeros(2, 3), 1, _idx(m, _I2), 0.5), "scatter_add"),
    ("take_index_list", lambda m: m.take(m.zeros(2, 3), [[0, 1]]), "take"),
    ("take_index_float", lambda m: m.take(m.zeros(2, 3), m.zeros(2, 3)), "take"),
    ("take_index_bool", lambda m: m.take(m.zeros(2, 3), m.ones(2, 3, dtype=m.bool)), "take"),
    ("take_along_dim_0d", lambda m: m.take_along_dim(m.tensor(1), _idx(m, _I2)), "out of bounds"),
    ("masked_select_float_mask", lambda m: m.masked_select(m.zeros(2, 3), m.zeros(2, 3)), "masked_select"),
    ("masked_fill_list_mask", lambda m: m.zeros(2, 3).masked_fill([[True] * 3] * 2, 0.5), "masked_fill"),
    ("one_hot_float_classes", lambda m: m.nn.functional.one_hot(_idx(m, _I2), 2.5), "one_hot"),
    ("setitem_nested_bool_list", lambda m: m.zeros(2, 3).__setitem__((
        [True, False, True], [False, True, False]), 0.5), "mask"),
    ("diag_float_offset", lambda m: m.diag(m.zeros(2, 3), 2.5), "diag"),
    ("diag_embed_float_offset", lambda m: m.diag_embed(m.zeros(2, 3), 2.5), "diag_embed"),
    ("diag_embed_0d", lambda m: m.diag_embed(m.tensor(1.0)), "diag_embed"),
    ("diagflat_float_offset", lambda m: m.diagflat(m.zeros(2, 3), 2.5), "diagflat"),
    ("tril_indices_float_row", lambda m: m.tril_indices(2.5, 3), "tril_indices"),
    ("triu_indices_float_offset", lambda m: m.triu_indices(3, 3, 2.5), "triu_indices"),
    ("topk_float_k", lambda m: m.topk(m.zeros(2, 3), 2.5), "topk"),
    ("topk_bool", lambda m: m.topk(m.ones(2, 3, dtype=m.bool), 1), "topk"),
    ("kthvalue_float_k", lambda m: m.kthvalue(m.zeros(2, 3), 2.5), "kthvalue"),
    ("kthvalue_bool", lambda m: m.kthvalue(m.ones(2, 3, dtype=m.bool), 1), "kthvalue"),
    ("median_bool", lambda m: m.median(m.ones(2, 3, dtype=m.bool)), "median"),
    ("nanmedian_bool_dim", lambda m: m.nanmedian(m.ones(2, 3, dtype=m.bool), 0), "median"),
    ("searchsorted_list_values", lambda m: m.searchsorted(m.zeros(4), [[0.5]]), "searchsorted"),
    ("searchsorted_bool_sequence", lambda m: m.searchsorted(m.ones(2, dtype=m.bool), m.ones(2, dtype=m.bool)),
     "searchsorted"),
]

_SHAPE_INDEX_JAX_CASES = {"chunk_float", "pad_removes_dim", "index_add_source_rank", "scatter_src_1d", "topk_bool"}


def _shape_index_error_params() -> list[Any]:
    params = []
    for name, call, match in SHAPE_INDEX_ERROR_CASES:
        for backend in ("numpy", "strict", "jax"):
            if backend == "jax" and name not in _SHAPE_INDEX_JAX_CASES:
                continue
            params.append(pytest.param(call, match, backend, id=f"{name}-{backend}"))
    return params


@pytest.mark.parametrize("call, match, backend", _shape_index_error_params(), indirect=["backend"])
def test_shape_index_error_matches_torch(call: Callable[[Any], Any], match: str, backend: str) -> None:
    assert_raises_like_torch(call, match)


def test_shape_index_valid_calls_match_torch(backend) -> None:
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    ours, theirs = ag.tensor(x), torch.tensor(x)
    # a list holding sequences indexes per dimension, as a tuple would (deprecated, with PyTorch's warning)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        picked = ours[[[0, 1], [1, 0]]]
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        assert_close(picked, theirs[[[0, 1], [1, 0]]])
    assert_close(ag.repeat_interleave(ours, ag.tensor([1, 0, 2]), dim=1),
                 torch.repeat_interleave(theirs, torch.tensor([1, 0, 2]), dim=1))
    assert_close(ag.nn.functional.pad(ours, (-1, -2)), torch.nn.functional.pad(theirs, (-1, -2)))
    assert_close(ag.nn.functional.pad(ours, (-2, 0), mode="circular"),
                 torch.nn.functional.pad(theirs, (-2, 0), mode="circular"))
    assert ag.broadcast_shapes(2, (3, 1)) == tuple(torch.broadcast_shapes(2, (3, 1)))
    assert_close(ag.scatter(ours, 1, ag.tensor(_I2), 0.5), torch.scatter(theirs, 1, torch.tensor(_I2), 0.5))
    assert_close(ag.index_add(ag.zeros(3), 0, ag.tensor([0, 2]), ag.ones(2)),
                 torch.index_add(torch.zeros(3), 0, torch.tensor([0, 2]), torch.ones(2)))


_F23 = [[0.125, 0.25, 0.375], [0.5, 0.625, 0.75]]

#: elementwise, reduction, random and creation ops given arguments PyTorch refuses
OP_ARGUMENT_ERROR_CASES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("abs_bool", lambda m: m.abs(m.ones(2, 3, dtype=m.bool)), "abs"),
    ("floor_bool", lambda m: m.floor(m.ones(2, 3, dtype=m.bool)), "floor"),
    ("round_bool_inplace", lambda m: m.ones(2, 3, dtype=m.bool).round_(), "round"),
    ("neg_bool", lambda m: m.neg(m.ones(2, 3, dtype=m.bool)), "neg"),
    ("relu_bool", lambda m: m.relu(m.ones(2, 3, dtype=m.bool)), "relu"),
    ("argmax_bool", lambda m: m.argmax(m.ones(2, 3, dtype=m.bool)), "argmax"),
    ("softmax_int", lambda m: m.softmax(m.ones(2, 3, dtype=m.int64), 1), "softmax"),
    ("log_softmax_0d_dim1", lambda m: m.log_softmax(m.tensor(1.0), 1), "log_softmax"),
    ("softplus_int", lambda m: m.nn.functional.softplus(m.ones(2, 3, dtype=m.int64)), "softplus"),
    ("norm_int", lambda m: m.norm(m.ones(2, 3, dtype=m.int64), 1, 0), "norm"),
    ("max_dim_none", lambda m: m.max(m.ones(2, 3), None), "max"),
    ("clamp_list", lambda m: m.clamp(m.ones(2, 3), _F23), "clamp"),
    ("clamp_no_bounds", lambda m: m.clamp(m.ones(2, 3)), "clamp"),
    ("where_list", lambda m: m.where(m.ones(2, 3, dtype=m.bool), _F23, 0.5), "where"),
    ("where_none", lambda m: m.where(m.ones(2, 3, dtype=m.bool), None, 0.5), "where"),
    ("mv_0d", lambda m: m.mv(m.tensor(1.0), m.ones(3)), "mv"),
    ("div_bad_rounding", lambda m: m.div(m.ones(2), m.ones(2), rounding_mode="bad"), "div"),
    ("pow_int_negative", lambda m: m.pow(m.ones(2, 3, dtype=m.int64), -1), "pow"),
    ("addmm_list", lambda m: m.addmm(m.ones(2, 2), _F23, m.ones(3, 2)), "addmm"),
    ("lerp_other_dtype", lambda m: m.ones(2, 3).lerp_(m.ones(2, 3, dtype=m.float64), 0.5), "lerp_"),
    ("linspace_float_steps", lambda m: m.linspace(0.0, 1.0, 2.5), "linspace"),
    ("logspace_float_steps", lambda m: m.logspace(0.0, 1.0, 2.5), "logspace"),
    ("rand_like_int", lambda m: m.rand_like(m.ones(2, 3, dtype=m.int64)), "random"),
    ("randint_float_high", lambda m: m.randint(0, 2.5, (2, 3)), "randint"),
    ("randint_like_float", lambda m: m.randint_like(m.ones(2, 3), 2.5), "randint"),
    ("multinomial_float_samples", lambda m: m.multinomial(m.ones(3), 2.5), "multinomial"),
    ("normal_negative_std", lambda m: m.ones(2, 3).normal_(0.0, -1.0), "normal_"),
    ("uniform_reversed", lambda m: m.ones(2, 3).uniform_(1.5, 1.0), "uniform_"),
    ("expand_negative", lambda m: m.ones(1, 3).expand(-7, 3), "negative dimension"),
    ("repeat_negative", lambda m: m.ones(2, 3).repeat(1, -7), "negative dimension"),
]

_OP_ARGUMENT_JAX_CASES = {"abs_bool", "softmax_int", "where_list", "pow_int_negative", "expand_negative",
                          "uniform_reversed"}


def _op_argument_error_params() -> list[Any]:
    params = []
    for name, call, match in OP_ARGUMENT_ERROR_CASES:
        for backend in ("numpy", "strict", "jax"):
            if backend == "jax" and name not in _OP_ARGUMENT_JAX_CASES:
                continue
            params.append(pytest.param(call, match, backend, id=f"{name}-{backend}"))
    return params


@pytest.mark.parametrize("call, match, backend", _op_argument_error_params(), indirect=["backend"])
def test_op_argument_error_matches_torch(call: Callable[[Any], Any], match: str, backend: str) -> None:
    assert_raises_like_torch(call, match)


def test_op_argument_valid_calls_match_torch(backend) -> None:
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    ours, theirs = ag.tensor(x), torch.tensor(x)
    assert_close(ag.softmax(ag.tensor(x.astype(np.int64)), 1, dtype=ag.float32),
                 torch.softmax(torch.tensor(x.astype(np.int64)), 1, dtype=torch.float32))
    assert_close(ag.softmax(ag.tensor(2.0), 0), torch.softmax(torch.tensor(2.0), 0))
    assert_close(ag.clamp(ours, 1.5), torch.clamp(theirs, 1.5))
    assert_close(ag.where(ours > 2, 1.0, 0.5), torch.where(theirs > 2, 1.0, 0.5))
    assert_close(ag.max(ours), torch.max(theirs))
    assert_close(ag.max(ours, 1).values, torch.max(theirs, 1).values)
    assert_close(ag.sign(ag.tensor([True, False])), torch.sign(torch.tensor([True, False])))
    assert_close(ours.clone().lerp_(ag.ones(2, 3), 0.5), theirs.clone().lerp_(torch.ones(2, 3), 0.5))
    assert tuple(ag.randint(3, (2, 4)).shape) == (2, 4)
