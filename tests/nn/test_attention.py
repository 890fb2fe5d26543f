"""scaled_dot_product_attention and MultiheadAttention against PyTorch (torch's weights loaded
into ours): outputs, attention weights and the gradients of query, key, value and every
parameter, with bool and float masks, in float64; plus train-mode dropout that is identical on
every backend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn import MultiheadAttention
from arraygrad.nn.functional import multi_head_attention_forward, scaled_dot_product_attention
from tests.helpers import backend_cases, lib_of, to_np
from tests.nn._layer_checks import check_layer, state_dict_keys_match

E, HEADS, L, S, N = 6, 2, 3, 4, 2


def load_from_torch(module: ag.nn.Module, torch_module: Any) -> None:
    """Same state-dict keys (in order) and shapes; then torch's values, via numpy, into ours."""
    state_dict_keys_match(module, torch_module)
    module.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})


def as_mask(like: Any, array: np.ndarray | None) -> Any:
    """``array`` as a tensor of the library of ``like`` (masks get no gradient)."""
    return None if array is None else lib_of(like).tensor(array)


def _causal_bool(n_query: int, n_key: int) -> np.ndarray:
    """True above the diagonal (MultiheadAttention's "masked out")."""
    return np.triu(np.ones((n_query, n_key), dtype=bool), 1)


_RNG = np.random.default_rng(10)
_FLOAT_MASK = np.where(_RNG.random((L, S)) < 0.3, -np.inf, _RNG.standard_normal((L, S)))
_FLOAT_MASK[:, 0] = 0.0  # every query keeps a key
_DEAD_ROW = np.ones((L, S), dtype=bool)
_DEAD_ROW[1] = False  # (sdpa convention) query 1 may attend nothing

# ---------------------------------------------------------------------- scaled_dot_product_attention

# name: (q shape, k shape, kwargs of the call; "attn_mask" given as a numpy array)
SDPA_CASES: dict[str, tuple[tuple[int, ...], tuple[int, ...], dict[str, Any]]] = {
    "plain": ((N, HEADS, L, 4), (N, HEADS, S, 4), {}),
    "bool_mask": ((N, HEADS, L, 4), (N, HEADS, S, 4), {"attn_mask": ~_causal_bool(L, S)}),
    "float_mask_scale": ((N, HEADS, L, 4), (N, HEADS, S, 4), {"attn_mask": _FLOAT_MASK, "scale": 0.3}),
    "causal_3d": ((N, L, 4), (N, S, 4), {"is_causal": True}),
    "fully_masked_row": ((N, HEADS, L, 4), (N, HEADS, S, 4), {"attn_mask": _DEAD_ROW}),
    "grouped_query": ((N, 4, L, 4), (N, 2, S, 4), {"enable_gqa": True}),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(SDPA_CASES, jax_every=3), indirect=["backend"])
def test_scaled_dot_product_attention_matches_torch(backend, case, torch):
    q_shape, k_shape, kwargs = SDPA_CASES[case]
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(q_shape), rng.standard_normal(k_shape), rng.standard_normal(k_shape)]

    def call(fn: Any, xs: list[Any]) -> Any:
        extra = dict(kwargs, attn_mask=as_mask(xs[0], kwargs.get("attn_mask")))
        return fn(*xs, **extra)

    sdpa = torch.nn.functional.scaled_dot_product_attention
    out, _ = check_layer(scaled_dot_product_attention, sdpa, inputs, call=call, copy=False)
    if case == "fully_masked_row":
        assert not np.any(to_np(out)[:, :, 1])  # zeros, as PyTorch's safe softmax


# ---------------------------------------------------------------------- MultiheadAttention

# name: (constructor kwargs, forward kwargs with numpy masks, query/key/value shapes)
MHA_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], tuple[tuple[int, ...], ...] | None]] = {
    "self_weights": ({}, {}, None),
    "self_bool_attn_mask_no_weights": ({}, {"attn_mask": _causal_bool(L, L), "need_weights": False}, None),
    "cross_float_mask_per_head_weights": ({}, {"attn_mask": _FLOAT_MASK, "average_attn_weights": False},
                                          ((L, N, E), (S, N, E), (S, N, E))),
    "bool_key_padding_mask": ({}, {"key_padding_mask": np.array([[False] * (S - 1) + [True], [False] * S])},
                              ((L, N, E), (S, N, E), (S, N, E))),
    "float_key_padding_mask_and_3d_mask": (
        {}, {"key_padding_mask": np.array([[0.0, -1.0, 0.5, -np.inf], [0.0] * S]),
             "attn_mask": np.random.default_rng(1).standard_normal((N * HEADS, L, S))},
        ((L, N, E), (S, N, E), (S, N, E))),
    "batch_first_kdim_vdim": ({"batch_first": True, "kdim": 4, "vdim": 5}, {}, ((N, L, E), (N, S, 4), (N, S, 5))),
    "unbatched_bias_kv_zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, {"attn_mask": _causal_bool(L, S)},
                                    ((L, E), (S, E), (S, E))),
    "no_bias_causal_hint": ({"bias": False}, {"attn_mask": _causal_bool(L, L), "is_causal": True,
                                              "need_weights": False}, None),
    "padded_out_sample_no_weights": ({}, {"key_padding_mask": np.array([[True] * S, [False] * S]),
                                          "need_weights": False}, ((L, N, E), (S, N, E), (S, N, E))),
    "batch_first_self_padding": ({"batch_first": True}, {"key_padding_mask": np.array([[False] * (L - 1) + [True],
                                                                                        [False] * L])}, None),
}


@pytest.mark.parametrize(("backend", "case"), backend_cases(MHA_CASES, jax_every=5), indirect=["backend"])
def test_multihead_attention_matches_torch(backend, case, torch):
    ctor, fwd, shapes = MHA_CASES[case]
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, HEADS, **ctor).double().eval()
    ours = MultiheadAttention(E, HEADS, dtype=ag.float64, **ctor).eval()
    if ctor.get("add_bias_kv"):
        with torch.no_grad():  # PyTorch zeroes the projection biases; make the check see them
            theirs.in_proj_bias.normal_()
            theirs.out_proj.bias.normal_()
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(2)
    self_attention = shapes is None
    shapes = shapes or ((N, L, E) if ctor.get("batch_first") else (L, N, E),)
    inputs = [rng.standard_normal(s) for s in shapes]

    def call(module: Any, xs: list[Any]) -> Any:
        kw = {k: as_mask(xs[0], v) if isinstance(v, np.ndarray) else v for k, v in fwd.items()}
        q, k, v = (xs[0], xs[0], xs[0]) if self_attention else xs
        out, weights = module(q, k, v, **kw)
        assert (weights is None) == (fwd.get("need_weights", True) is False)
        return out if weights is None else (out, weights)

    check_layer(ours, theirs, inputs, call=call, copy=False)


def test_multi_head_attention_forward_with_static_kv_matches_torch(torch):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, HEADS).double()
    ours = MultiheadAttention(E, HEADS, dtype=ag.float64)
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(3)
    q, sk, sv = rng.standard_normal((L, N, E)), rng.standard_normal((N * HEADS, S, 3)), rng.standard_normal((N * HEADS, S, 3))

    def run(lib: Any, fn: Any, m: Any) -> Any:
        t = lib.tensor(q)
        return fn(t, t, t, E, HEADS, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0, m.out_proj.weight,
                  m.out_proj.bias, training=False, static_k=lib.tensor(sk), static_v=lib.tensor(sv))

    out, w = run(ag, multi_head_attention_forward, ours)
    tout, tw = run(torch, torch.nn.functional.multi_head_attention_forward, theirs)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(to_np(w), tw.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_fully_masked_query_gives_nan_weights_like_torch(torch):
    """PyTorch's weights path (need_weights=True) has no safe softmax: an all-masked row is NaN."""
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, HEADS).double()
    ours = MultiheadAttention(E, HEADS, dtype=ag.float64)
    load_from_torch(ours, theirs)
    x = np.random.default_rng(4).standard_normal((L, N, E))
    mask = np.zeros((L, L), dtype=bool)
    mask[0] = True
    out, w = ours(ag.tensor(x), ag.tensor(x), ag.tensor(x), attn_mask=ag.tensor(mask))
    tout, tw = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=torch.tensor(mask))
    assert np.isnan(to_np(w)[:, 0]).all() and np.isnan(tw.detach().numpy()[:, 0]).all()
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-9, atol=1e-12)  # NaN == NaN here


def test_layout_init_and_repr_match_torch(torch):
    for kwargs in ({}, {"kdim": 4, "vdim": 3, "bias": False}, {"add_bias_kv": True}):
        ours, theirs = MultiheadAttention(E, HEADS, **kwargs), torch.nn.MultiheadAttention(E, HEADS, **kwargs)
        state_dict_keys_match(ours, theirs)
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        assert repr(ours) == repr(theirs)
    ag.manual_seed(0)
    mha = MultiheadAttention(E, HEADS)
    assert not np.any(to_np(mha.in_proj_bias)) and not np.any(to_np(mha.out_proj.bias))
    bound = np.sqrt(6.0 / (E + 3 * E))  # xavier_uniform_ on (3E, E)
    w = to_np(mha.in_proj_weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_train_mode_dropout_is_identical_on_every_backend():
    x = np.random.default_rng(5).standard_normal((L, N, E))
    results = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(3)
            mha = MultiheadAttention(E, HEADS, dropout=0.5, dtype=ag.float64)
            t = ag.tensor(x)
            out, w = mha(t, t, t)
            out_sdpa, _ = mha(t, t, t, need_weights=False)
            mha.eval()
            out_eval, _ = mha(t, t, t)
            results[name] = [to_np(a) for a in (out, w, out_sdpa, out_eval)]
    ref = results["numpy"]
    assert not np.allclose(ref[0], ref[3]) and not np.allclose(ref[2], ref[3])
    for name in ("strict", "jax"):
        for ours, theirs in zip(results[name], ref):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, err_msg=name)


def test_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        MultiheadAttention(0, 1)
    mha = MultiheadAttention(E, HEADS)
    x = ag.zeros(L, N, E)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(2, 3\), but should be \(3, 3\)"):
        mha(x, x, x, attn_mask=ag.zeros(2, 3))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        mha(x, x, x, attn_mask=ag.zeros(L, L, dtype=ag.int64))
    with pytest.raises(AssertionError, match="expecting key_padding_mask shape of \\(2, 3\\)"):
        mha(x, x, x, key_padding_mask=ag.zeros(N, 2, dtype=ag.bool))
    with pytest.raises(AssertionError, match="query should be unbatched 2D or batched 3D tensor"):
        mha(ag.zeros(E), ag.zeros(E), ag.zeros(E))
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        mha(x, x, x, key_padding_mask=ag.zeros(N, L, dtype=ag.bool), attn_mask=ag.zeros(L, L))
