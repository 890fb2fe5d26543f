"""Sorting and selection against PyTorch: values, indices (ties included where PyTorch's
order is the stable one), gradients, return types and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.helpers import NOT_JAX, assert_close, compare_with_torch, to_np

pytestmark = pytest.mark.backends(*NOT_JAX)


def _distinct(*shape: int, seed: int = 0) -> np.ndarray:
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(np.arange(n) * 0.5 - n / 4).reshape(shape)


def _ties() -> np.ndarray:
    return np.array([[3.0, 1.0, 2.0, 1.0, 3.0], [0.0, 0.0, -1.0, 5.0, 0.0]])


def _pair_equal(ours, theirs) -> None:
    assert_close(ours[0], theirs[0])
    np.testing.assert_array_equal(to_np(ours[1]), to_np(theirs[1]))


@pytest.mark.parametrize("dim,descending", [(-1, False), (0, True), (1, True)])
def test_sort_matches_torch_with_gradient(backend, dim, descending) -> None:
    compare_with_torch(lambda x: ag.sort(x, dim, descending), [_distinct(3, 4)],
                       lambda x: torch.sort(x, dim, descending))


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_on_ties_like_torch(backend, descending) -> None:
    x = _ties()
    ours = ag.sort(ag.tensor(x), descending=descending)
    _pair_equal(ours, torch.sort(torch.tensor(x), descending=descending, stable=True))
    assert ours.indices.dtype is ag.int64
    assert ours.values is ours[0] and ours.indices is ours[1]


def test_sort_puts_nan_last_ascending_and_first_descending(backend) -> None:
    x = np.array([1.0, np.nan, -2.0, np.inf, 0.5])
    for descending in (False, True):
        _pair_equal(ag.sort(ag.tensor(x), descending=descending), torch.sort(torch.tensor(x), descending=descending))


def test_sort_of_bool_and_int_and_scalar(backend) -> None:
    b = np.array([True, False, True, False])
    _pair_equal(ag.sort(ag.tensor(b)), torch.sort(torch.tensor(b), stable=True))
    i = np.array([[5, -1, 3], [2, 2, 0]])
    _pair_equal(ag.tensor(i).sort(0, True), torch.sort(torch.tensor(i), 0, True))
    values, indices = ag.sort(ag.tensor(2.5))
    assert values.shape == () and indices.item() == 0 and values.item() == 2.5


def test_argsort_and_msort(backend) -> None:
    x = _ties()
    np.testing.assert_array_equal(to_np(ag.argsort(ag.tensor(x), dim=1, descending=True)),
                                  to_np(torch.argsort(torch.tensor(x), dim=1, descending=True, stable=True)))
    np.testing.assert_array_equal(to_np(ag.tensor(x).argsort()), to_np(torch.tensor(x).argsort(stable=True)))
    assert_close(ag.msort(ag.tensor(x)), torch.msort(torch.tensor(x)))
    assert ag.argsort(ag.tensor(3.0)).shape == ()


@pytest.mark.parametrize("k,dim,largest", [(2, -1, True), (3, 0, False), (1, 1, True), (4, -1, False)])
def test_topk_matches_torch_with_gradient(backend, k, dim, largest) -> None:
    compare_with_torch(lambda x: ag.topk(x, k, dim, largest), [_distinct(4, 5, seed=k)],
                       lambda x: torch.topk(x, k, dim, largest))


def test_topk_result_type_ties_and_zero_k(backend) -> None:
    x = ag.tensor([1.0, 3.0, 3.0, 2.0])
    out = x.topk(2)
    assert type(out).__name__ == "TopkResult" and "topk" in repr(out)
    np.testing.assert_array_equal(to_np(out.indices), [1, 2])  # equal values: the earlier first
    empty = ag.topk(x, 0)
    assert tuple(empty.values.shape) == (0,) and tuple(empty.indices.shape) == (0,)
    scalar = ag.topk(ag.tensor(4.0), 1)
    assert scalar.values.shape == () and scalar.indices.item() == 0


@pytest.mark.parametrize("k", [5, -1])
def test_topk_k_out_of_range_raises_like_torch(backend, k) -> None:
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        torch.topk(torch.zeros(4), k)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ag.topk(ag.zeros(4), k)


def test_sort_dim_out_of_range_raises(backend) -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.sort(ag.zeros(2, 3), dim=2)
    with pytest.raises(RuntimeError, match="Sort does not support complex dtypes"):
        ag.topk(ag.tensor([1 + 2j, 3j]), 1)


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 0, True), (2, 1, False)])
def test_kthvalue_matches_torch_with_gradient(backend, k, dim, keepdim) -> None:
    compare_with_torch(lambda x: ag.kthvalue(x, k, dim, keepdim), [_distinct(3, 4, seed=k)],
                       lambda x: torch.kthvalue(x, k, dim, keepdim))


def test_kthvalue_errors_like_torch(backend) -> None:
    for k in (0, 5):
        with pytest.raises(RuntimeError, match="kthvalue\\(\\): selected number k out of range for dimension 0"):
            ag.kthvalue(ag.zeros(4), k)
    out = ag.tensor([[3.0, 1.0, 2.0]]).kthvalue(2, 1, True)
    assert type(out).__name__ == "KthvalueResult" and tuple(out.values.shape) == (1, 1)


@pytest.mark.parametrize("shape", [(7,), (3, 4)])
def test_median_without_dim_is_the_lower_median(backend, shape) -> None:
    compare_with_torch(lambda x: ag.median(x), [_distinct(*shape)], lambda x: torch.median(x))


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_median_with_dim_matches_torch(backend, dim, keepdim) -> None:
    compare_with_torch(lambda x: ag.median(x, dim, keepdim), [_distinct(4, 5, seed=3)],
                       lambda x: torch.median(x, dim, keepdim))


def test_median_propagates_nan_and_nanmedian_ignores_it(backend) -> None:
    x = np.array([[1.0, np.nan, 3.0, 2.0], [4.0, 2.0, 1.0, 0.5], [np.nan] * 4])
    _pair_equal(ag.median(ag.tensor(x), 1), torch.median(torch.tensor(x), 1))
    assert np.isnan(ag.median(ag.tensor(x)).item())
    theirs = torch.nanmedian(torch.tensor(x), 1)
    ours = ag.nanmedian(ag.tensor(x), 1)
    assert_close(ours.values, theirs.values)
    # PyTorch documents no index for an all-NaN row (any position holds a NaN)
    np.testing.assert_array_equal(to_np(ours.indices)[:2], to_np(theirs.indices)[:2])
    assert ag.nanmedian(ag.tensor(x)).item() == torch.nanmedian(torch.tensor(x)).item()


def test_median_of_empty_and_integer_tensors(backend) -> None:
    assert np.isnan(ag.median(ag.zeros(0)).item())
    with pytest.raises(IndexError, match="non-zero size"):
        ag.median(ag.zeros(0, 3), 0)
    assert ag.tensor([4, 1, 3, 2]).median().item() == torch.tensor([4, 1, 3, 2]).median().item()


@pytest.mark.parametrize("fn", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1])
def test_cummax_cummin_match_torch_with_gradient(backend, fn, dim) -> None:
    compare_with_torch(lambda x: getattr(ag, fn)(x, dim), [_distinct(5, 6, seed=dim)],
                       lambda x: getattr(torch, fn)(x, dim))


@pytest.mark.parametrize("fn", ["cummax", "cummin"])
def test_cummax_cummin_ties_and_nan_pick_the_latest_index_like_torch(backend, fn) -> None:
    x = np.array([[1.0, 3.0, 3.0, 0.0, 3.0, -1.0, -1.0], [2.0, np.nan, 5.0, np.nan, 1.0, 0.0, 9.0]])
    _pair_equal(getattr(ag.tensor(x), fn)(1), getattr(torch.tensor(x), fn)(1))
    ints = np.array([2, 2, 1, 1, 3, 3, 0])
    _pair_equal(getattr(ag, fn)(ag.tensor(ints), 0), getattr(torch, fn)(torch.tensor(ints), 0))


def _check_unique(ours, theirs) -> None:
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(to_np(o), to_np(t))
        assert o.dtype.name == str(t.dtype).removeprefix("torch.")


@pytest.mark.parametrize("inverse,counts", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_flattened_matches_torch(backend, inverse, counts) -> None:
    x = np.array([[3, 1, 2], [1, 3, 7]])
    _check_unique(ag.unique(ag.tensor(x), return_inverse=inverse, return_counts=counts),
                  torch.unique(torch.tensor(x), return_inverse=inverse, return_counts=counts))
    f = np.array([0.5, -1.0, 0.5, 2.0])
    _check_unique(ag.tensor(f).unique(return_counts=counts), torch.tensor(f).unique(return_counts=counts))


@pytest.mark.parametrize("dim", [0, 1])
def test_unique_along_dim_matches_torch(backend, dim) -> None:
    x = np.array([[1, 2, 1, 0], [1, 2, 1, 5], [0, 5, 0, 5], [1, 2, 1, 0]])
    _check_unique(ag.unique(ag.tensor(x), dim=dim, return_inverse=True, return_counts=True),
                  torch.unique(torch.tensor(x), dim=dim, return_inverse=True, return_counts=True))


def test_unique_of_empty_and_consecutive(backend) -> None:
    _check_unique(ag.unique(ag.zeros(0, dtype=ag.int64), return_inverse=True, return_counts=True),
                  torch.unique(torch.zeros(0, dtype=torch.int64), return_inverse=True, return_counts=True))
    x = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    _check_unique(ag.unique_consecutive(ag.tensor(x), return_inverse=True, return_counts=True),
                  torch.unique_consecutive(torch.tensor(x), return_inverse=True, return_counts=True))
    rows = np.array([[1, 2], [1, 2], [0, 1], [1, 2]])
    _check_unique(ag.tensor(rows).unique_consecutive(dim=0), torch.tensor(rows).unique_consecutive(dim=0))


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_matches_torch(backend, right) -> None:
    seq = np.array([1.0, 2.0, 2.0, 4.0, 7.0])
    values = np.array([[0.0, 2.0, 5.0], [7.0, 8.0, 4.0]])
    want = torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right)
    np.testing.assert_array_equal(to_np(ag.searchsorted(ag.tensor(seq), ag.tensor(values), right=right)), to_np(want))
    side = "right" if right else "left"
    rows = np.array([[1, 3, 5, 7], [2, 2, 6, 8]])
    vals = np.array([[3, 8], [2, 0]])
    np.testing.assert_array_equal(to_np(ag.searchsorted(ag.tensor(rows), ag.tensor(vals), side=side)),
                                  to_np(torch.searchsorted(torch.tensor(rows), torch.tensor(vals), side=side)))
    scalar = ag.searchsorted(ag.tensor(seq), 2.0, right=right)
    assert scalar.shape == () and scalar.item() == torch.searchsorted(torch.tensor(seq), 2.0, right=right).item()


def test_searchsorted_sorter_out_int32_and_errors(backend) -> None:
    seq = np.array([5.0, 1.0, 3.0])
    sorter = np.argsort(seq)
    out = ag.searchsorted(ag.tensor(seq), ag.tensor([2.0, 4.0, 6.0]), sorter=ag.tensor(sorter), out_int32=True)
    np.testing.assert_array_equal(to_np(out), [1, 2, 3])
    assert out.dtype is ag.int32
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ag.searchsorted(ag.tensor(seq), ag.tensor([1.0]), right=True, side="left")
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ag.searchsorted(ag.zeros(2, 3), ag.zeros(3, 1))


def test_bucketize_matches_torch(backend) -> None:
    bounds = np.array([1.0, 3.0, 5.0])
    x = np.array([[0.0, 3.0], [5.0, 9.0]])
    for right in (False, True):
        np.testing.assert_array_equal(
            to_np(ag.bucketize(ag.tensor(x), ag.tensor(bounds), right=right)),
            to_np(torch.bucketize(torch.tensor(x), torch.tensor(bounds), right=right)))


def test_bincount_matches_torch(backend) -> None:
    x = np.array([0, 3, 3, 1, 3])
    np.testing.assert_array_equal(to_np(ag.bincount(ag.tensor(x))), to_np(torch.bincount(torch.tensor(x))))
    np.testing.assert_array_equal(to_np(ag.tensor(x).bincount(minlength=7)), to_np(torch.tensor(x).bincount(minlength=7)))
    w = np.array([0.5, 1.0, 2.0, -1.0, 4.0])
    ours = ag.bincount(ag.tensor(x), ag.tensor(w, dtype=ag.float32))
    theirs = torch.bincount(torch.tensor(x), torch.tensor(w, dtype=torch.float32))
    assert_close(ours, theirs)
    assert ours.dtype is ag.float32
    assert ag.bincount(ag.tensor(x), ag.tensor([1, 2, 3, 4, 5])).dtype is ag.float64
    assert tuple(ag.bincount(ag.zeros(0, dtype=ag.int64), minlength=3).tolist()) == (0, 0, 0)


def test_bincount_weights_get_gradients(backend) -> None:
    w = ag.tensor([0.5, 1.0, 2.0], requires_grad=True)
    (ag.bincount(ag.tensor([2, 0, 2]), w) * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_allclose(to_np(w.grad), [100.0, 1.0, 100.0])


@pytest.mark.parametrize("bad", [np.array([-1, 2]), np.array([[1, 2]]), np.array([1.0, 2.0])])
def test_bincount_rejects_what_torch_rejects(backend, bad) -> None:
    with pytest.raises(RuntimeError, match="1-d non-negative integral"):
        ag.bincount(ag.tensor(bad))


def test_sorted_values_gradient_scatters_back_through_the_indices(backend) -> None:
    x = ag.tensor([[2.0, -1.0, 0.5]], requires_grad=True)
    values, _ = x.sort(descending=True)
    (values * ag.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [[1.0, 3.0, 2.0]])  # 2.0 was first, -1.0 last


@pytest.mark.backends("jax")
def test_sort_and_topk_on_jax(backend) -> None:
    # a sample only: jax compiles every new primitive; the conformance suite runs every op there
    compare_with_torch(lambda x: (*ag.sort(x, 0, True), *ag.topk(x, 2)), [_distinct(3, 4)],
                       lambda x: (*torch.sort(x, 0, True), *torch.topk(x, 2)))
    x = _ties()
    _pair_equal(ag.sort(ag.tensor(x), descending=True), torch.sort(torch.tensor(x), descending=True, stable=True))
