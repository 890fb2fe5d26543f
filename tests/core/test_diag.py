"""Diagonal matrices and triangle indices against PyTorch: values, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.helpers import NOT_JAX, compare_with_torch, to_np

pytestmark = pytest.mark.backends(*NOT_JAX)


def _x(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).standard_normal(shape)


@pytest.mark.parametrize("shape,k", [((3,), 0), ((3,), 2), ((4,), -1), ((3, 3), 0), ((3, 4), 1), ((4, 3), -2),
                                     ((2, 3), 5)])
def test_diag_matches_torch_with_gradient(backend, shape, k) -> None:
    compare_with_torch(lambda x: ag.diag(x, k), [_x(*shape)], lambda x: torch.diag(x, k))


def test_diag_of_a_matrix_is_a_copy(backend) -> None:
    m = ag.zeros(3, 3)
    d = ag.diag(m)
    d += 1.0
    assert float(m.abs().sum().item()) == 0.0


def test_diag_rejects_other_ranks(backend) -> None:
    with pytest.raises(RuntimeError, match="diag\\(\\): Supports 1D or 2D tensors. Got 3D"):
        ag.diag(ag.zeros(2, 2, 2))


@pytest.mark.parametrize("shape,offset,dim1,dim2", [((3,), 0, -2, -1), ((2, 3), 1, -2, -1), ((2, 3), -1, 0, 2),
                                                    ((2, 3), 0, 2, 0), ((2, 2, 3), 2, 1, 3)])
def test_diag_embed_matches_torch_with_gradient(backend, shape, offset, dim1, dim2) -> None:
    compare_with_torch(lambda x: ag.diag_embed(x, offset, dim1, dim2), [_x(*shape)],
                       lambda x: torch.diag_embed(x, offset, dim1, dim2))


def test_diag_embed_inverts_diagonal_and_checks_dims(backend) -> None:
    x = ag.tensor(_x(2, 3))
    np.testing.assert_array_equal(to_np(ag.diagonal(ag.diag_embed(x, 1, 0, 2), 1, 0, 2)), to_np(x))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        ag.diag_embed(x, 0, 1, 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ag.diag_embed(x, 0, 0, 3)


@pytest.mark.parametrize("shape,offset", [((2, 2), 0), ((3,), 1), ((2, 1, 2), -2)])
def test_diagflat_matches_torch_with_gradient(backend, shape, offset) -> None:
    compare_with_torch(lambda x: ag.diagflat(x, offset), [_x(*shape)], lambda x: torch.diagflat(x, offset))


def test_diag_methods_are_bound(backend) -> None:
    x = ag.tensor(_x(3))
    np.testing.assert_array_equal(to_np(x.diag(1)), to_np(torch.tensor(_x(3)).diag(1)))
    np.testing.assert_array_equal(to_np(x.diag_embed()), to_np(torch.tensor(_x(3)).diag_embed()))
    np.testing.assert_array_equal(to_np(x.diagflat()), to_np(torch.tensor(_x(3)).diagflat()))


@pytest.mark.parametrize("fn", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("row,col,offset", [(3, 3, 0), (3, 4, 1), (4, 3, -1), (3, 5, -4), (2, 2, 5), (0, 3, 0)])
def test_triangle_indices_match_torch(backend, fn, row, col, offset) -> None:
    ours = getattr(ag, fn)(row, col, offset)
    theirs = getattr(torch, fn)(row, col, offset)
    np.testing.assert_array_equal(to_np(ours), to_np(theirs))
    assert ours.dtype is ag.int64 and ours.backend.name == backend


def test_triangle_indices_dtype_and_errors(backend) -> None:
    assert ag.tril_indices(3, 3, dtype=ag.int32).dtype is ag.int32
    with pytest.raises(RuntimeError, match="row must be non-negative"):
        ag.triu_indices(-1, 3)
    with pytest.raises(RuntimeError, match="dtype must be int32 or int64"):
        ag.tril_indices(2, 2, dtype=ag.float32)


def test_triangle_indices_select_the_triangle(backend) -> None:
    m = ag.arange(12).reshape(3, 4)
    rows, cols = ag.tril_indices(3, 4)
    np.testing.assert_array_equal(to_np(m[rows, cols]), to_np(m.tril())[np.tril(np.ones((3, 4), bool))])


@pytest.mark.backends("jax")
def test_diag_embed_and_indices_on_jax(backend) -> None:
    compare_with_torch(lambda x: ag.diag_embed(x, 1), [_x(2, 3)], lambda x: torch.diag_embed(x, 1))
    np.testing.assert_array_equal(to_np(ag.triu_indices(3, 4, 1)), to_np(torch.triu_indices(3, 4, 1)))
