"""RNN, LSTM, GRU and their cells against PyTorch (torch's weights loaded into ours): outputs,
final states and the gradients of the input, the initial states and every parameter, in
float64; plus PyTorch's parameter layout, seeded init and train-mode dropout that is identical
on every backend."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell
from tests.helpers import backend_cases, to_np
from tests.nn._layer_checks import check_layer, state_dict_keys_match

L, N, H_IN, H = 4, 3, 5, 6  # short sequences: jax compiles every op of the unrolled loop


def load_from_torch(module: ag.nn.Module, torch_module: Any) -> None:
    """Same state-dict keys (in order) and shapes; then torch's values, via numpy, into ours."""
    state_dict_keys_match(module, torch_module)
    module.load_state_dict({k: v.detach().numpy() for k, v in torch_module.state_dict().items()})


def _flat(result: Any) -> tuple[Any, ...]:
    """``(output, h_n)`` or ``(output, (h_n, c_n))`` as a flat tuple."""
    out, state = result
    return (out, *state) if isinstance(state, tuple) else (out, state)


# name: (class name, constructor kwargs, input shape, initial-state shapes or None)
RNN_CASES: dict[str, tuple[str, dict[str, Any], tuple[int, ...], Any]] = {
    "lstm_2layers_bidirectional": ("LSTM", {"num_layers": 2, "bidirectional": True}, (L, N, H_IN), None),
    "rnn_tanh": ("RNN", {}, (L, N, H_IN), None),
    "gru_2layers_bidirectional_h0": ("GRU", {"num_layers": 2, "bidirectional": True}, (L, N, H_IN), [(4, N, H)]),
    "rnn_relu_2layers_h0": ("RNN", {"num_layers": 2, "nonlinearity": "relu"}, (L, N, H_IN), [(2, N, H)]),
    "lstm_batch_first_states": ("LSTM", {"batch_first": True}, (N, L, H_IN), [(1, N, H), (1, N, H)]),
    "lstm_unbatched_states": ("LSTM", {"num_layers": 2}, (L, H_IN), [(2, H), (2, H)]),
    "lstm_no_bias": ("LSTM", {"bias": False, "bidirectional": True}, (L, N, H_IN), None),
    "lstm_proj_size": ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}, (L, N, H_IN),
                       [(4, N, 2), (4, N, H)]),
    "gru_batch_first_bidirectional": ("GRU", {"batch_first": True, "bidirectional": True}, (N, L, H_IN), None),
    "gru_unbatched_h0": ("GRU", {}, (L, H_IN), [(1, H)]),
    "rnn_relu_bidirectional_batch_first": ("RNN", {"nonlinearity": "relu", "bidirectional": True,
                                                   "batch_first": True}, (N, L, H_IN), [(2, N, H)]),
    "gru_no_bias": ("GRU", {"bias": False}, (L, N, H_IN), None),
}
OURS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


@pytest.mark.parametrize(
    ("backend", "case"),
    backend_cases(RNN_CASES, jax_every=len(RNN_CASES), jax_always=["gru_batch_first_bidirectional"]),
    indirect=["backend"],
)
def test_recurrent_layer_matches_torch(backend, case, torch):
    name, kwargs, x_shape, state_shapes = RNN_CASES[case]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(H_IN, H, **kwargs).double().eval()
    ours = OURS[name](H_IN, H, dtype=ag.float64, **kwargs).eval()
    assert ours.weight_ih_l0.backend.name == backend
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(x_shape)] + [rng.standard_normal(s) for s in state_shapes or []]

    def call(module: Any, xs: list[Any]) -> tuple[Any, ...]:
        if not state_shapes:
            return _flat(module(xs[0]))
        states = tuple(xs[1:]) if name == "LSTM" else xs[1]
        return _flat(module(xs[0], states))

    check_layer(ours, theirs, inputs, call=call, copy=False)


CELL_CASES: dict[str, tuple[str, dict[str, Any], tuple[int, ...], Any]] = {
    "rnn_cell_tanh": ("RNNCell", {}, (N, H_IN), [(N, H)]),
    "rnn_cell_relu_no_state": ("RNNCell", {"nonlinearity": "relu"}, (N, H_IN), None),
    "lstm_cell": ("LSTMCell", {}, (N, H_IN), [(N, H), (N, H)]),
    "lstm_cell_unbatched_no_bias": ("LSTMCell", {"bias": False}, (H_IN,), [(H,), (H,)]),
    "gru_cell": ("GRUCell", {}, (N, H_IN), [(N, H)]),
    "gru_cell_unbatched_no_state": ("GRUCell", {}, (H_IN,), None),
}
OUR_CELLS = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}


@pytest.mark.parametrize(("backend", "case"), backend_cases(CELL_CASES, jax_every=3), indirect=["backend"])
def test_cell_matches_torch(backend, case, torch):
    name, kwargs, x_shape, state_shapes = CELL_CASES[case]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(H_IN, H, **kwargs).double()
    ours = OUR_CELLS[name](H_IN, H, dtype=ag.float64, **kwargs)
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(2)
    inputs = [rng.standard_normal(x_shape)] + [rng.standard_normal(s) for s in state_shapes or []]

    def call(module: Any, xs: list[Any]) -> Any:
        if not state_shapes:
            return module(xs[0])
        return module(xs[0], tuple(xs[1:]) if name == "LSTMCell" else xs[1])

    check_layer(ours, theirs, inputs, call=call, copy=False)


def test_second_order_gradient_through_gru_matches_torch(torch):
    """The loop's custom split Function has a differentiable backward: a Hessian-vector product."""
    torch.manual_seed(0)
    theirs = torch.nn.GRU(H_IN, H, bidirectional=True).double()
    ours = GRU(H_IN, H, bidirectional=True, dtype=ag.float64)
    load_from_torch(ours, theirs)
    xn = np.random.default_rng(3).standard_normal((L, N, H_IN))
    x, tx = ag.tensor(xn, requires_grad=True), torch.tensor(xn, requires_grad=True)
    (g,) = ag.autograd.grad((ours(x)[0] ** 2).sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad((theirs(tx)[0] ** 2).sum(), [tx], create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(to_np(ours.weight_hh_l0_reverse.grad), theirs.weight_hh_l0_reverse.grad.numpy(),
                               rtol=1e-6, atol=1e-9)


def test_second_order_gradient_through_the_fused_lstm_matches_torch(torch):
    """The LSTM's one-node recurrence differentiates its step-by-step version under create_graph."""
    torch.manual_seed(1)
    theirs = torch.nn.LSTM(H_IN, H, num_layers=2, bidirectional=True).double()
    ours = LSTM(H_IN, H, num_layers=2, bidirectional=True, dtype=ag.float64)
    load_from_torch(ours, theirs)
    xn = np.random.default_rng(4).standard_normal((L, N, H_IN))
    x, tx = ag.tensor(xn, requires_grad=True), torch.tensor(xn, requires_grad=True)
    out, (_, c_n) = ours(x)
    tout, (_, tc_n) = theirs(tx)
    (g,) = ag.autograd.grad((out ** 2).sum() + c_n.sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad((tout ** 2).sum() + tc_n.sum(), [tx], create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-9)
    for name in ("weight_hh_l0", "weight_hh_l1_reverse", "bias_ih_l1"):
        np.testing.assert_allclose(to_np(getattr(ours, name).grad), getattr(theirs, name).grad.numpy(),
                                   rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("backend", ["numpy", "strict", "jax"], indirect=True)
def test_fused_lstm_equals_its_step_by_step_definition(backend):
    """One node per layer and direction (backend kernels) against the Tensor-op loop it replaces."""
    from arraygrad.nn._fused_rnn import lstm_sequence
    from arraygrad.nn.modules.rnn import _lstm_stepwise

    rng = np.random.default_rng(5)
    for reverse in (False, True):
        arrays = [rng.standard_normal(s) for s in ((L, N, 4 * H), (N, H), (N, H), (4 * H, H))]
        fused = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
        loop = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
        hs, c_n = lstm_sequence(*fused, reverse, _lstm_stepwise)
        hs2, c_n2 = _lstm_stepwise(*loop, reverse)
        weights = ag.tensor(rng.standard_normal((L, N, H)), dtype=ag.float64)
        ((hs * weights).sum() + (c_n * c_n).sum()).backward()
        ((hs2 * weights).sum() + (c_n2 * c_n2).sum()).backward()
        np.testing.assert_allclose(to_np(hs), to_np(hs2), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(to_np(c_n), to_np(c_n2), rtol=1e-12, atol=1e-14)
        for a, b in zip(fused, loop):
            np.testing.assert_allclose(to_np(a.grad), to_np(b.grad), rtol=1e-10, atol=1e-12)


def test_changing_the_fused_lstm_output_in_place_before_backward_raises():
    lstm = LSTM(H_IN, H)
    out, _ = lstm(ag.randn(L, N, H_IN))
    loss = (out ** 2).sum()
    with ag.no_grad():
        out.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# ---------------------------------------------------------------------- layout, init, repr


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("RNN", {"num_layers": 2, "nonlinearity": "relu", "dropout": 0.5}), ("LSTM", {"bidirectional": True, "proj_size": 3}),
     ("GRU", {"num_layers": 3, "bias": False, "batch_first": True}), ("RNNCell", {"nonlinearity": "relu"}),
     ("LSTMCell", {"bias": False}), ("GRUCell", {})],
)
def test_parameter_layout_and_repr_match_torch(name, kwargs, torch):
    ours = {**OURS, **OUR_CELLS}[name](H_IN, H, **kwargs)
    theirs = getattr(torch.nn, name)(H_IN, H, **kwargs)
    state_dict_keys_match(ours, theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    if not name.endswith("Cell"):
        assert [[tuple(p.shape) for p in group] for group in ours.all_weights] == [
            [tuple(p.shape) for p in group] for group in theirs.all_weights
        ]


def test_init_is_seeded_bounded_and_identical_on_every_backend():
    inits = {}
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(7)
            lstm = LSTM(H_IN, 40, num_layers=2, dtype=ag.float64)
            inits[name] = {k: to_np(v) for k, v in lstm.state_dict().items()}
    bound = 1 / math.sqrt(40)
    for key, ref in inits["numpy"].items():
        assert np.abs(ref).max() <= bound and np.abs(ref).max() > 0.9 * bound, key
        for name in ("strict", "jax"):
            np.testing.assert_array_equal(inits[name][key], ref, err_msg=f"{name} {key}")
    # parameters are drawn in registration order, each from its own stretch of the stream
    assert not np.array_equal(inits["numpy"]["bias_ih_l0"], inits["numpy"]["bias_hh_l0"])


def test_train_mode_dropout_between_layers_is_identical_on_every_backend():
    results = {}
    xn = np.random.default_rng(4).standard_normal((L, N, H_IN))
    for name in ("numpy", "strict", "jax"):
        with ag.use_backend(name):
            ag.manual_seed(11)
            lstm = LSTM(H_IN, H, num_layers=2, dropout=0.5, dtype=ag.float64)
            out, (h_n, _) = lstm(ag.tensor(xn))
            lstm.eval()
            out_eval, _ = lstm(ag.tensor(xn))
            results[name] = (to_np(out), to_np(h_n), to_np(out_eval))
    ref = results["numpy"]
    assert not np.allclose(ref[0], ref[2])  # dropout acted in training mode only
    for name in ("strict", "jax"):
        for ours, theirs in zip(results[name], ref):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, err_msg=name)


def test_dropout_is_off_in_eval_and_on_single_layer_warns(torch):
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        GRU(H_IN, H, dropout=0.3)
    torch.manual_seed(0)
    theirs = torch.nn.GRU(H_IN, H, num_layers=2, dropout=0.9).double().eval()
    ours = GRU(H_IN, H, num_layers=2, dropout=0.9, dtype=ag.float64).eval()
    load_from_torch(ours, theirs)
    xn = np.random.default_rng(5).standard_normal((L, N, H_IN))
    np.testing.assert_allclose(to_np(ours(ag.tensor(xn))[0]), theirs(torch.tensor(xn))[0].detach().numpy(), rtol=1e-9)


# ---------------------------------------------------------------------- errors


def test_constructor_errors():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        GRU(3, 0)
    with pytest.raises(TypeError, match="bias should be of type bool"):
        GRU(3, 4, bias=1)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        RNNBase("GRU", 3, 4, proj_size=2)


def test_forward_errors():
    lstm = LSTM(H_IN, H, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        lstm(ag.zeros(1, L, N, H_IN))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 5, got 4"):
        lstm(ag.zeros(L, N, 4))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        lstm(ag.zeros(L, N, H_IN, dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 3, 6\), got \[1, 3, 6\]"):
        lstm(ag.zeros(L, N, H_IN), (ag.zeros(1, N, H), ag.zeros(2, N, H)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx and cx should also be 3-D"):
        lstm(ag.zeros(L, N, H_IN), (ag.zeros(2, H), ag.zeros(2, H)))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        GRU(H_IN, H)(ag.zeros(L, H_IN), ag.zeros(1, 1, H))
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D instead"):
        GRUCell(H_IN, H)(ag.zeros(1, N, H_IN))
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: gelu"):
        RNNCell(H_IN, H, nonlinearity="gelu")(ag.zeros(N, H_IN))
