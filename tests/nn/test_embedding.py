"""Embedding and EmbeddingBag against PyTorch: lookups and weight gradients (repeated indices
accumulate), padding_idx, scale_grad_by_freq, max_norm renormalisation, from_pretrained, bags
with offsets and per-sample weights, seeded init, ``repr`` and errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests.helpers import assert_close, backend_cases, to_np
from tests.nn._layer_checks import check_layer, state_dict_keys_match


@pytest.fixture(autouse=True)
def _float64():
    ag.set_default_dtype(ag.float64)  # restored by the global cleanup fixture


IDX = np.array([[1, 3, 3, 0], [2, 9, 1, 1], [0, 0, 5, 3]], dtype=np.int64)

EMBEDDING_CASES = {
    "padding": {"padding_idx": 1},
    "plain": {},
    "negative-padding": {"padding_idx": -1},
    "freq": {"scale_grad_by_freq": True},
    "freq-padding": {"scale_grad_by_freq": True, "padding_idx": 0},
    "max-norm": {"max_norm": 1.5},
    "max-norm-p1": {"max_norm": 2.0, "norm_type": 1.0},
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(EMBEDDING_CASES), jax_every=100),
                         indirect=["backend"])
def test_embedding_matches_torch(backend, case, torch):
    kwargs = EMBEDDING_CASES[case]
    ag.manual_seed(0)
    emb = nn.Embedding(10, 4, **kwargs)
    temb = torch.nn.Embedding(10, 4, **kwargs).double()
    if "padding_idx" in kwargs:
        pad = kwargs["padding_idx"] % 10
        assert emb.padding_idx == temb.padding_idx == pad
        np.testing.assert_array_equal(to_np(emb.weight)[pad], np.zeros(4))  # the padding row starts at zero
    check_layer(emb, temb, [IDX])
    assert emb.weight.backend.name == backend
    if "max_norm" in kwargs:  # the looked-up rows were renormalised in place, as in torch
        assert_close(emb.weight, temb.weight, rtol=1e-10)
    state_dict_keys_match(emb, temb)
    assert repr(emb) == repr(temb)


def test_embedding_from_pretrained(torch):
    table = np.random.default_rng(0).standard_normal((5, 3))
    emb = nn.Embedding.from_pretrained(ag.tensor(table))
    assert not emb.weight.requires_grad and emb.num_embeddings == 5 and emb.embedding_dim == 3
    out = emb(ag.tensor([4, 0, 4]))
    np.testing.assert_array_equal(to_np(out), table[[4, 0, 4]])
    assert not out.requires_grad
    trainable = nn.Embedding.from_pretrained(ag.tensor(table), freeze=False, padding_idx=2)
    temb = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, padding_idx=2)
    check_layer(trainable, temb, [np.array([2, 1, 2, 4])])
    with pytest.raises(AssertionError, match="expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(ag.zeros(3))


def test_same_seed_same_embedding_on_every_backend():
    tables = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(11)
            tables[name] = to_np(nn.Embedding(6, 3, padding_idx=2).weight)
    np.testing.assert_array_equal(tables["strict"], tables["numpy"])
    np.testing.assert_array_equal(tables["jax"], tables["numpy"])
    w = tables["numpy"]
    assert abs(w[[0, 1, 3, 4, 5]].std() - 1) < 0.5 and not w[2].any()  # N(0, 1), padding row zero


def test_embedding_errors():
    emb = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="out of bounds"):
        emb(ag.tensor([1, 5]))
    with pytest.raises(RuntimeError, match="embedding: expected indices of dtype int64 or int32"):
        emb(ag.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        nn.functional.embedding(ag.tensor([0]), ag.zeros(3, 2), padding_idx=-4)


# name -> (constructor kwargs, forward inputs)
BAG_CASES = {
    "mean-2d": ({"mode": "mean"}, [IDX]),
    "sum-2d": ({"mode": "sum"}, [IDX]),
    "max-2d": ({"mode": "max"}, [IDX]),
    "sum-offsets": ({"mode": "sum"}, [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 2, 2, 5])]),
    "mean-offsets-last": ({"mode": "mean", "include_last_offset": True},
                          [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 8])]),
    "max-offsets": ({"mode": "max"}, [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 1, 4])]),
    "mean-padding": ({"mode": "mean", "padding_idx": 3}, [IDX]),
    "max-padding-offsets": ({"mode": "max", "padding_idx": 0},
                            [np.array([0, 0, 4, 5, 0, 3]), np.array([0, 2, 4])]),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(list(BAG_CASES), jax_every=100), indirect=["backend"])
def test_embedding_bag_matches_torch(backend, case, torch):
    kwargs, inputs = BAG_CASES[case]
    ag.manual_seed(0)
    bag = nn.EmbeddingBag(10, 3, **kwargs)
    tbag = torch.nn.EmbeddingBag(10, 3, **kwargs).double()
    check_layer(bag, tbag, inputs)
    assert repr(bag) == repr(tbag)
    state_dict_keys_match(bag, tbag)


@pytest.mark.backends("numpy", "strict")
def test_embedding_bag_per_sample_weights(backend, torch):
    ag.manual_seed(0)
    bag, tbag = nn.EmbeddingBag(10, 3, mode="sum"), torch.nn.EmbeddingBag(10, 3, mode="sum").double()
    idx, offsets = np.array([1, 2, 4, 5, 4, 3]), np.array([0, 2])
    weights = np.random.default_rng(0).standard_normal(6)
    check_layer(bag, tbag, [idx, offsets, weights])
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        nn.EmbeddingBag(10, 3)(ag.tensor(idx), ag.tensor(offsets), ag.tensor(weights))
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(ag.tensor(IDX), ag.tensor([0]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(10, 3, mode="median")
