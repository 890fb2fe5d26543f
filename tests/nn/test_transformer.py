"""Transformer layers, stacks and the full model against PyTorch (torch's weights loaded into
ours): outputs and the gradients of the inputs and every parameter, with masks, pre/post-norm,
relu/gelu/callable activations, batch-first and unbatched inputs, in float64 (eval mode); plus
train-mode dropout that is identical on every backend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn import (
    GELU,
    LayerNorm,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from tests.helpers import backend_cases, lib_of, to_np
from tests.nn._layer_checks import check_layer, state_dict_keys_match

D, HEADS, FF, S, T, N = 8, 2, 12, 4, 3, 2

# PyTorch warns that its nested-tensor fast path is off for these configurations
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")


def load_from_torch(module: ag.nn.Module, torch_module: Any) -> None:
    """Same state-dict keys (in order) and shapes; then torch's values, via numpy, into ours."""
    state_dict_keys_match(module, torch_module)
    module.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})


def as_mask(like: Any, array: np.ndarray | None) -> Any:
    return None if array is None else lib_of(like).tensor(array)


def _causal(n: int) -> np.ndarray:
    return np.triu(np.full((n, n), -np.inf), 1)


_PAD_S = np.array([[False] * (S - 1) + [True], [False] * S])
_PAD_T = np.array([[False] * T, [False] * (T - 1) + [True]])
_PAD_S_FLOAT, _PAD_T_FLOAT = np.where(_PAD_S, -np.inf, 0.0), np.where(_PAD_T, -np.inf, 0.0)


def _shape(batch_first: bool, length: int, unbatched: bool = False) -> tuple[int, ...]:
    if unbatched:
        return (length, D)
    return (N, length, D) if batch_first else (length, N, D)


def _activation(name: str, lib: Any) -> Any:
    if name == "module_gelu":  # a module: becomes a submodule, as in PyTorch
        return GELU() if lib is ag else lib.nn.GELU()
    return name


# name: (layer kwargs, forward masks, unbatched)
ENCODER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], bool]] = {
    "post_norm_relu": ({}, {}, False),
    "pre_norm_gelu_masks": ({"norm_first": True, "activation": "gelu"},
                            {"src_mask": _causal(S), "src_key_padding_mask": _PAD_S_FLOAT}, False),
    "batch_first_bool_mask": ({"batch_first": True}, {"src_mask": np.triu(np.ones((S, S), bool), 1)}, False),
    "pre_norm_unbatched_no_bias": ({"norm_first": True, "bias": False}, {"src_mask": _causal(S)}, True),
    "callable_activation_causal": ({"activation": "module_gelu"}, {"src_mask": _causal(S), "is_causal": True}, False),
}


# jax runs encoder and decoder layers in test_transformer_matches_torch only: it compiles every new op
@pytest.mark.parametrize(("backend", "case"), [p for p in backend_cases(ENCODER_CASES) if p.values[0] != "jax"],
                         indirect=["backend"])
def test_encoder_layer_matches_torch(backend, case, torch):
    kwargs, masks, unbatched = ENCODER_CASES[case]
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, **dict(kwargs, activation=_activation(
        kwargs.get("activation", "relu"), torch))).double().eval()
    ours = TransformerEncoderLayer(D, HEADS, FF, dtype=ag.float64, **dict(kwargs, activation=_activation(
        kwargs.get("activation", "relu"), ag))).eval()
    load_from_torch(ours, theirs)
    inputs = [np.random.default_rng(0).standard_normal(_shape(kwargs.get("batch_first", False), S, unbatched))]

    def call(module: Any, xs: list[Any]) -> Any:
        kw = {k: as_mask(xs[0], v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        return module(xs[0], **kw)

    check_layer(ours, theirs, inputs, call=call, copy=False)


DECODER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "post_norm_causal_padding": ({}, {"tgt_mask": _causal(T), "tgt_key_padding_mask": _PAD_T_FLOAT,
                                      "memory_key_padding_mask": _PAD_S}),
    "pre_norm_gelu_memory_mask": ({"norm_first": True, "activation": "gelu"},
                                  {"tgt_mask": _causal(T), "tgt_is_causal": True,
                                   "memory_mask": np.random.default_rng(1).standard_normal((T, S))}),
    "batch_first_bool_masks": ({"batch_first": True}, {"tgt_mask": np.triu(np.ones((T, T), bool), 1),
                                                        "memory_key_padding_mask": _PAD_S}),
}


# (jax: see test_encoder_layer_matches_torch)
@pytest.mark.parametrize(("backend", "case"), [p for p in backend_cases(DECODER_CASES) if p.values[0] != "jax"],
                         indirect=["backend"])
def test_decoder_layer_matches_torch(backend, case, torch):
    kwargs, masks = DECODER_CASES[case]
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, **kwargs).double().eval()
    ours = TransformerDecoderLayer(D, HEADS, FF, dtype=ag.float64, **kwargs).eval()
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(2)
    bf = kwargs.get("batch_first", False)
    inputs = [rng.standard_normal(_shape(bf, T)), rng.standard_normal(_shape(bf, S))]

    def call(module: Any, xs: list[Any]) -> Any:
        kw = {k: as_mask(xs[0], v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        return module(xs[0], xs[1], **kw)

    check_layer(ours, theirs, inputs, call=call, copy=False)


@pytest.mark.parametrize("backend", ["numpy", "strict"], indirect=True)
def test_stacks_copy_the_layer_and_match_torch(backend, torch):
    torch.manual_seed(0)
    t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, HEADS, FF), 2, torch.nn.LayerNorm(D))
    t_dec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, HEADS, FF, norm_first=True), 2)
    t_enc, t_dec = t_enc.double().eval(), t_dec.double().eval()
    enc = TransformerEncoder(TransformerEncoderLayer(D, HEADS, FF, dtype=ag.float64), 2, LayerNorm(D, dtype=ag.float64))
    dec = TransformerDecoder(TransformerDecoderLayer(D, HEADS, FF, norm_first=True, dtype=ag.float64), 2)
    enc.eval(), dec.eval()
    # deep copies: the layers start equal but own their parameters
    before = to_np(enc.layers[1].linear1.weight)
    np.testing.assert_array_equal(to_np(enc.layers[0].linear1.weight), before)
    with ag.no_grad():
        enc.layers[0].linear1.weight.add_(1.0)
    np.testing.assert_array_equal(to_np(enc.layers[1].linear1.weight), before)
    assert len(list(enc.parameters())) == 2 * len(list(enc.layers[0].parameters())) + 2
    load_from_torch(enc, t_enc)
    load_from_torch(dec, t_dec)
    rng = np.random.default_rng(3)
    check_layer(enc, t_enc, [rng.standard_normal((S, N, D))], copy=False, call=lambda m, xs: m(
        xs[0], mask=as_mask(xs[0], _causal(S)), src_key_padding_mask=as_mask(xs[0], _PAD_S_FLOAT)))
    check_layer(dec, t_dec, [rng.standard_normal((T, N, D)), rng.standard_normal((S, N, D))], copy=False,
                call=lambda m, xs: m(xs[0], xs[1], tgt_mask=as_mask(xs[0], _causal(T))))


@pytest.mark.parametrize(
    ("backend", "batch_first"), [("numpy", False), ("strict", True), ("jax", True)], indirect=["backend"]
)
def test_transformer_matches_torch(backend, batch_first, torch):
    torch.manual_seed(0)
    kwargs = {"num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": FF, "batch_first": batch_first}
    theirs = torch.nn.Transformer(D, HEADS, **kwargs).double().eval()
    ours = Transformer(D, HEADS, dtype=ag.float64, **kwargs).eval()
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(4)
    inputs = [rng.standard_normal(_shape(batch_first, S)), rng.standard_normal(_shape(batch_first, T))]

    def call(module: Any, xs: list[Any]) -> Any:
        lib = lib_of(xs[0])
        tgt_mask = (Transformer if lib is ag else lib.nn.Transformer).generate_square_subsequent_mask(T, dtype=lib.float64)
        return module(xs[0], xs[1], tgt_mask=tgt_mask, src_key_padding_mask=as_mask(xs[0], _PAD_S),
                      memory_key_padding_mask=as_mask(xs[0], _PAD_S))

    check_layer(ours, theirs, inputs, call=call, copy=False)


def test_transformer_layout_init_repr_and_mask(torch):
    ag.manual_seed(0)
    ours = Transformer(D, HEADS, 2, 2, FF, activation="gelu")
    theirs = torch.nn.Transformer(D, HEADS, 2, 2, FF, activation="gelu")
    state_dict_keys_match(ours, theirs)
    assert repr(ours) == repr(theirs)
    w = to_np(ours.encoder.layers[1].linear1.weight)  # re-drawn xavier-uniform on (FF, D)
    bound = np.sqrt(6.0 / (D + FF))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    mask = Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype is ag.float32
    np.testing.assert_array_equal(to_np(mask), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_train_mode_dropout_is_identical_on_every_backend():
    x = np.random.default_rng(5).standard_normal((S, N, D))
    results = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(9)
            layer = TransformerEncoderLayer(D, HEADS, FF, dropout=0.3, dtype=ag.float64)
            out = layer(ag.tensor(x))
            layer.eval()
            results[name] = (to_np(out), to_np(layer(ag.tensor(x))))
    ref = results["numpy"]
    assert not np.allclose(ref[0], ref[1])
    for name in ("strict", "jax"):
        for ours, theirs in zip(results[name], ref):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, err_msg=name)


def test_errors():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(D, HEADS, FF, activation="tanh")
    model = Transformer(D, HEADS, 1, 1, FF)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ag.zeros(S, N, D), ag.zeros(T, N + 1, D))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(ag.zeros(S, N, D), ag.zeros(T, N, D + 1))
