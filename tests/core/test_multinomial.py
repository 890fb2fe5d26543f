"""``multinomial``: the same draws on every backend for one seed, the right distribution
(checked with fixed seeds, so the tests are deterministic), and PyTorch's errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.helpers import NOT_JAX, to_np

pytestmark = pytest.mark.backends(*NOT_JAX)

WEIGHTS = [1.0, 2.0, 0.0, 3.0, 4.0]  # unnormalised, with a zero
# chi-square with 4 degrees of freedom exceeds 30 with probability ~5e-6: a failure means a
# wrong distribution, not bad luck (and the seeds are fixed, so the result never changes)
CHI2_LIMIT = 30.0


def _chi2(counts: np.ndarray, probs: np.ndarray) -> float:
    expected = probs * counts.sum()
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a category of probability 0 was drawn"
    return float((((counts - expected) ** 2)[keep] / expected[keep]).sum())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_with_replacement_follows_the_weights(backend, dtype) -> None:
    ag.manual_seed(0)
    draws = ag.multinomial(ag.tensor(WEIGHTS, dtype=getattr(ag, dtype)), 20000, replacement=True)
    assert draws.dtype is ag.int64 and tuple(draws.shape) == (20000,)
    counts = np.bincount(to_np(draws), minlength=5)
    assert _chi2(counts, np.array(WEIGHTS) / sum(WEIGHTS)) < CHI2_LIMIT


def test_with_replacement_two_dimensional_rows_are_independent_distributions(backend) -> None:
    ag.manual_seed(1)
    w = ag.tensor([[0.0, 0.0, 5.0], [1.0, 1.0, 2.0]])
    draws = to_np(w.multinomial(8000, True))
    assert draws.shape == (2, 8000)
    assert (draws[0] == 2).all()
    assert _chi2(np.bincount(draws[1], minlength=3), np.array([0.25, 0.25, 0.5])) < CHI2_LIMIT


def test_without_replacement_draws_distinct_categories_in_the_right_order(backend) -> None:
    w = np.array([1.0, 2.0, 3.0, 4.0])
    rows = 6000
    ag.manual_seed(2)
    draws = to_np(ag.multinomial(ag.tensor(np.tile(w, (rows, 1))), 2))
    assert draws.shape == (rows, 2) and (draws[:, 0] != draws[:, 1]).all()
    # P(i then j) = w_i / W * w_j / (W - w_i): successive draws proportional to what is left
    total = w.sum()
    pairs = list(itertools.permutations(range(4), 2))
    probs = np.array([w[i] / total * w[j] / (total - w[i]) for i, j in pairs])
    counts = np.array([np.sum((draws[:, 0] == i) & (draws[:, 1] == j)) for i, j in pairs])
    # 11 degrees of freedom: 45 is exceeded with probability ~4e-6
    assert _chi2(counts, probs) < 45.0


def test_without_replacement_all_categories_is_a_permutation_with_zero_weights_last(backend) -> None:
    ag.manual_seed(3)
    draws = to_np(ag.multinomial(ag.tensor([[0.0, 1.0, 0.0, 2.0, 3.0]] * 50), 5))
    for row in draws:
        assert sorted(row.tolist()) == [0, 1, 2, 3, 4]
        assert set(row[:3].tolist()) == {1, 3, 4}


def test_the_same_seed_gives_the_same_draws_and_the_stream_advances(backend) -> None:
    w = ag.tensor([[1.0, 3.0, 0.5], [2.0, 2.0, 2.0]])
    ag.manual_seed(7)
    a, b = ag.multinomial(w, 3), ag.multinomial(w, 4, True)
    ag.manual_seed(7)
    np.testing.assert_array_equal(to_np(ag.multinomial(w, 3)), to_np(a))
    np.testing.assert_array_equal(to_np(ag.multinomial(w, 4, True)), to_np(b))
    gen = ag.Generator().manual_seed(11)
    first = to_np(ag.multinomial(ag.ones(100), 50, generator=gen))
    second = to_np(ag.multinomial(ag.ones(100), 50, generator=gen))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(to_np(ag.multinomial(ag.ones(100), 50, generator=ag.Generator().manual_seed(11))),
                                  first)


@pytest.mark.backends("numpy")
@pytest.mark.parametrize("replacement", [False, True])
def test_draws_are_identical_on_every_backend(backend, replacement) -> None:
    w = np.array([[0.5, 1.0, 0.0, 2.5, 1.0], [3.0, 0.25, 1.0, 1.0, 0.0]])
    results = []
    for name in ("numpy", "strict", "jax"):
        ag.manual_seed(21)
        with ag.use_backend(name):
            results.append(to_np(ag.multinomial(ag.tensor(w), 3, replacement)))
    for other in results[1:]:
        np.testing.assert_array_equal(other, results[0])


@pytest.mark.parametrize("weights,num_samples,replacement,message", [
    ([1.0, -1.0], 1, True, "probability tensor contains either `inf`, `nan` or element < 0"),
    ([1.0, float("inf")], 1, True, "probability tensor contains either `inf`, `nan` or element < 0"),
    ([1.0, float("nan")], 1, False, "probability tensor contains either `inf`, `nan` or element < 0"),
    ([[1.0, 1.0], [0.0, 0.0]], 1, True, "invalid multinomial distribution \\(sum of probabilities <= 0\\)"),
    ([1.0, 1.0], 3, False, "cannot sample n_sample > prob_dist.size\\(-1\\) samples without replacement"),
    ([1.0, 1.0], 0, True, "cannot sample n_sample <= 0 samples"),
    ([[[1.0, 1.0]]], 1, True, "prob_dist must be 1 or 2 dim"),
])
def test_errors_match_torch(backend, weights, num_samples, replacement, message) -> None:
    with pytest.raises(RuntimeError, match=message):
        torch.multinomial(torch.tensor(weights), num_samples, replacement)
    with pytest.raises(RuntimeError, match=message):
        ag.multinomial(ag.tensor(weights), num_samples, replacement)


def test_integer_weights_are_refused_like_torch(backend) -> None:
    with pytest.raises(RuntimeError, match="multinomial only supports floating-point dtypes"):
        ag.multinomial(ag.tensor([1, 2]), 1)
