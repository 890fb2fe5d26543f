"""Recurrent layers: ``RNN`` (tanh or relu), ``LSTM``, ``GRU`` and their single-step cells.

Parameter names, shapes, gate order (LSTM: i, f, g, o; GRU: r, z, n with ``b_hn`` inside
``r * (...)``), initialisation and state-dict keys are PyTorch's, so a PyTorch state dict loads
as is. Each layer and direction projects the whole input sequence with one matmul; an LSTM
without ``proj_size`` then runs its recurrence as one graph node over backend kernels
(``nn/_fused_rnn.py``: a loop of array ops on numpy, one ``lax.scan`` each way on jax); the other
layers run the step loop below (the hidden-state matmul and the gate math per step), stacking the
outputs once at the end.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad.core import creation, ops, shape
from arraygrad.core.tensor import Tensor
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn._fused_rnn import gru_sequence, lstm_sequence
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---------------------------------------------------------------------- one time step
# ``xw`` is the input projection of the step, ``x @ W_ih^T + b_ih`` (plus ``b_hh`` for RNN and
# LSTM, whose hidden bias can be folded into it; GRU keeps ``b_hh`` for ``r * (W_hn h + b_hn)``).


def _rnn_tanh_step(xw: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    return ops.tanh(ops.add(xw, ops.matmul(h, w_hh_t)))


def _rnn_relu_step(xw: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    return ops.relu(ops.add(xw, ops.matmul(h, w_hh_t)))


def _lstm_step(
    xw: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, w_hr_t: Tensor | None
) -> tuple[Tensor, Tensor]:
    i, f, g, o = shape.split(ops.add(xw, ops.matmul(h, w_hh_t)), c.shape[-1], -1)
    c = ops.add(ops.mul(ops.sigmoid(f), c), ops.mul(ops.sigmoid(i), ops.tanh(g)))
    h = ops.mul(ops.sigmoid(o), ops.tanh(c))
    return (h if w_hr_t is None else ops.matmul(h, w_hr_t)), c


def _lstm_stepwise(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, reverse: bool) -> tuple[Tensor, Tensor]:
    """``lstm_sequence`` step by step with Tensor ops: ``(hs, c_n)`` for projections ``xw`` (T, N, 4H)."""
    w_hh_t = shape.transpose(w_hh, 0, 1)
    n_steps = xw.shape[0]
    hs: list[Tensor] = [h] * n_steps
    for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
        h, c = _lstm_step(xw[t], h, c, w_hh_t, None)
        hs[t] = h
    return shape.stack(hs, 0), c


def _gru_step(xw: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    hw = ops.matmul(h, w_hh_t)
    if b_hh is not None:
        hw = ops.add(hw, b_hh)
    n_hidden = h.shape[-1]
    x_r, x_z, x_n = shape.split(xw, n_hidden, -1)
    h_r, h_z, h_n = shape.split(hw, n_hidden, -1)
    r = ops.sigmoid(ops.add(x_r, h_r))
    z = ops.sigmoid(ops.add(x_z, h_z))
    n = ops.tanh(ops.add(x_n, ops.mul(r, h_n)))
    return ops.add(n, ops.mul(z, ops.sub(h, n)))  # (1 - z) * n + z * h


def _gru_stepwise(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, reverse: bool) -> Tensor:
    """``gru_sequence`` step by step with Tensor ops: ``hs`` for projections ``xw`` (T, N, 3H)."""
    w_hh_t = shape.transpose(w_hh, 0, 1)
    n_steps = xw.shape[0]
    hs: list[Tensor] = [h] * n_steps
    for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
        h = _gru_step(xw[t], h, w_hh_t, b_hh)
        hs[t] = h
    return shape.stack(hs, 0)


_STEPS: dict[str, Callable[[Tensor, Tensor, Tensor, Tensor | None], Tensor]] = {
    "RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "GRU": _gru_step,
}


def _input_projection(x: Tensor, w_ih: Tensor, bias: Tensor | None) -> Tensor:
    """``x @ w_ih^T + bias`` for 2-d ``x`` (rows = samples, or time steps times samples)."""
    out = ops.matmul(x, shape.transpose(w_ih, 0, 1))
    return out if bias is None else ops.add(out, bias)


# ---------------------------------------------------------------------- multi-layer modules


class RNNBase(Module):
    """Base of ``RNN``, ``LSTM`` and ``GRU``: the parameters and the multi-layer loop.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked recurrent layers (each feeds the next).
        bias: learn the biases ``b_ih`` and ``b_hh``.
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)`` (the states
            stay ``(layers * directions, N, *)``).
        dropout: dropout probability on the outputs of every layer but the last (training only).
        bidirectional: also run each layer backwards in time and concatenate both outputs.
        proj_size: LSTM only: project ``h`` to this size with ``weight_hr_l{k}`` (0 = off).
        device: where to create the parameters.
        dtype: the dtype of the parameters.

    Attributes:
        weight_ih_l{k}, weight_hh_l{k}: ``(gates * hidden_size, in)`` and
            ``(gates * hidden_size, hidden_size)`` (``gates`` = 1, 4, 3 for RNN, LSTM, GRU);
            ``_reverse`` suffix for the backward direction.
        bias_ih_l{k}, bias_hh_l{k}: ``(gates * hidden_size,)``. All drawn from
            ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` in registration order.

    Raises:
        ValueError: an invalid size, dropout outside [0, 1], an unknown mode, or ``proj_size``
            not below ``hidden_size``.
        TypeError: a non-bool ``bias``/``batch_first`` or a non-int size.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        if proj_size > 0 and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, layer_input_size)), ("weight_hh", (gate_size, real_hidden_size))
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, size in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(creation.empty(size, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op (PyTorch packs the weights for cuDNN here); kept so ported code runs."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list[Parameter]:
        return [getattr(self, name) for name in self._flat_weights_names]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ forward
    def _check_state(self, state: Tensor, expected: tuple[int, ...], msg: str) -> None:
        if tuple(state.shape) != expected:
            raise RuntimeError(msg.format(expected, list(state.shape)))

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002
        """Run the layers over the sequence.

        Args:
            input: ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``), or
                unbatched ``(L, input_size)``.
            hx: initial hidden state ``(num_layers * num_directions, N, H_out)`` (no ``N``
                unbatched), zeros when None; for LSTM a pair ``(h_0, c_0)``, ``c_0`` having
                ``hidden_size`` features. ``H_out`` is ``proj_size`` if set, else ``hidden_size``.

        Returns:
            ``(output, h_n)`` (``(output, (h_n, c_n))`` for LSTM): ``output`` has the input's
            layout with ``num_directions * H_out`` features (the last layer's ``h`` at every
            step); ``h_n``/``c_n`` are the final states, shaped like ``hx``.

        Raises:
            ValueError: the input is not 2-d or 3-d, or its dtype differs from the weights'.
            RuntimeError: wrong input features, or initial states of the wrong shape.
        """
        is_lstm = self.mode == "LSTM"
        name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__} (PackedSequence is not supported)")
        if input.ndim not in (2, 3):
            tail = "D instead" if self.mode in ("LSTM", "GRU") else "D tensor instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}{tail}")
        is_batched = input.ndim == 3
        w0 = getattr(self, self._flat_weights_names[0])
        if input.dtype is not w0.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({w0.dtype}). Convert input: "
                f"input.to({w0.dtype}), or convert model: model.to({input.dtype})"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        # time-major (L, N, H_in) from here on
        if not is_batched:
            x = shape.unsqueeze(input, 1)
        else:
            x = shape.transpose(input, 0, 1) if self.batch_first else input
        n_batch = x.shape[1]
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h_shape = (self.num_layers * num_directions, n_batch, real_hidden)
        c_shape = (self.num_layers * num_directions, n_batch, self.hidden_size)

        h0 = c0 = None
        if hx is not None:
            states = tuple(hx) if is_lstm else (hx,)
            want = 3 if is_batched else 2
            if any(s.ndim != want for s in states):
                if is_lstm:
                    dims = ", ".join(f"{s.ndim}-D" for s in states)
                    raise RuntimeError(
                        f"For {'batched 3-D' if is_batched else 'unbatched 2-D'} input, hx and cx should also be "
                        f"{want}-D but got ({dims}) tensors"
                    )
                raise RuntimeError(
                    f"For {'batched 3-D' if is_batched else 'unbatched 2-D'} input, hx should also be {want}-D but "
                    f"got {hx.ndim}-D tensor"
                )
            if not is_batched:
                states = tuple(shape.unsqueeze(s, 1) for s in states)
            if is_lstm:
                self._check_state(states[0], h_shape, "Expected hidden[0] size {}, got {}")
                self._check_state(states[1], c_shape, "Expected hidden[1] size {}, got {}")
                h0, c0 = shape.unbind(states[0], 0), shape.unbind(states[1], 0)
            else:
                self._check_state(states[0], h_shape, "Expected hidden size {}, got {}")
                h0 = shape.unbind(states[0], 0)

        layer_input = x
        h_final: list[Tensor] = []
        c_final: list[Tensor] = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                layer_input = F.dropout(layer_input, self.dropout, True)
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                names = self._all_weights[k]
                w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
                b_ih = getattr(self, names[2]) if self.bias else None
                b_hh = getattr(self, names[3]) if self.bias else None
                w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
                h = h0[k] if h0 is not None else creation.zeros(
                    (n_batch, real_hidden), dtype=x.dtype, backend=x.backend)
                c = None
                if is_lstm:
                    c = c0[k] if c0 is not None else creation.zeros(
                        (n_batch, self.hidden_size), dtype=x.dtype, backend=x.backend)
                out, h, c = self._run_direction(layer_input, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, direction == 1)
                outputs.append(out)
                h_final.append(h)
                if c is not None:
                    c_final.append(c)
            layer_input = outputs[0] if num_directions == 1 else shape.cat(outputs, 2)

        output = layer_input
        h_n = shape.stack(h_final, 0)
        c_n = shape.stack(c_final, 0) if is_lstm else None
        if not is_batched:
            output = shape.squeeze(output, 1)
            h_n = shape.squeeze(h_n, 1)
            c_n = shape.squeeze(c_n, 1) if c_n is not None else None
        elif self.batch_first:
            output = shape.transpose(output, 0, 1)
        return output, ((h_n, c_n) if is_lstm else h_n)

    def _run_direction(
        self, x: Tensor, h: Tensor, c: Tensor | None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
        b_hh: Tensor | None, w_hr: Tensor | None, reverse: bool,
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One layer in one direction over the whole (time-major) sequence: ``(output, h, c)``."""
        n_steps, n_batch = x.shape[0], x.shape[1]
        rows = shape.reshape(x, (n_steps * n_batch, x.shape[2]))
        if self.mode == "GRU":
            xw = _input_projection(rows, w_ih, b_ih)
            step_bias = b_hh
        else:
            xw = _input_projection(rows, w_ih, None if b_ih is None else ops.add(b_ih, b_hh))
            step_bias = None
        # the (L * N, G) projection split into L blocks of N rows: no per-step reshape or squeeze
        steps = shape.split(xw, n_batch, 0)
        order = range(n_steps - 1, -1, -1) if reverse else range(n_steps)
        if c is not None and w_hr is None and n_steps > 0:
            # the whole recurrence as one node (nn/_fused_rnn.py); the step loop below stays the
            # definition, used for projections and for higher-order gradients
            xw_steps = shape.reshape(xw, (n_steps, n_batch, xw.shape[-1]))
            out, c = lstm_sequence(xw_steps, h, c, w_hh, reverse, _lstm_stepwise)
            return out, out[0] if reverse else out[n_steps - 1], c
        if self.mode == "GRU" and n_steps > 0:  # one node too (b_hh stays apart: r * (W_hn h + b_hn))
            xw_steps = shape.reshape(xw, (n_steps, n_batch, xw.shape[-1]))
            out = gru_sequence(xw_steps, h, w_hh, b_hh, reverse, _gru_stepwise)
            return out, out[0] if reverse else out[n_steps - 1], None
        w_hh_t = shape.transpose(w_hh, 0, 1)
        hs: list[Tensor] = []
        if c is not None:
            w_hr_t = shape.transpose(w_hr, 0, 1) if w_hr is not None else None
            for t in order:
                h, c = _lstm_step(steps[t], h, c, w_hh_t, w_hr_t)
                hs.append(h)
        else:
            step = _STEPS[self.mode]
            for t in order:
                h = step(steps[t], h, w_hh_t, step_bias)
                hs.append(h)
        if reverse:
            hs.reverse()
        return shape.stack(hs, 0), h, c


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` per layer, with
    ``act`` tanh or relu.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked recurrent layers, each feeding the next (default 1).
        bias: learn the biases ``b_ih`` and ``b_hh`` (default True).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)``; the states stay
            ``(num_layers * num_directions, N, *)`` (default False).
        dropout: dropout probability on the outputs of every layer but the last, in training (default 0).
        bidirectional: also run each layer backwards in time and concatenate both outputs (default False).
        device: where to create the parameters.
        dtype: the dtype of the parameters.
        nonlinearity: ``"tanh"`` or ``"relu"``.

    Inputs and outputs: ``forward(input, h_0=None) -> (output, h_n)``, see ``RNNBase.forward``.

    Raises:
        ValueError: unknown ``nonlinearity`` (and see ``RNNBase``).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, per layer and step::

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     f = sigmoid(W_if x + b_if + W_hf h + b_hf)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)        o = sigmoid(W_io x + b_io + W_ho h + b_ho)
        c' = f * c + i * g                             h' = o * tanh(c')   (then h' W_hr^T with proj_size)

    The gates are stacked in the order i, f, g, o in ``weight_ih_l{k}`` and ``weight_hh_l{k}``.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked recurrent layers, each feeding the next (default 1).
        bias: learn the biases ``b_ih`` and ``b_hh`` (default True).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)``; the states stay
            ``(num_layers * num_directions, N, *)`` (default False).
        dropout: dropout probability on the outputs of every layer but the last, in training (default 0).
        bidirectional: also run each layer backwards in time and concatenate both outputs (default False).
        proj_size: project ``h`` to this size with ``weight_hr_l{k}`` (default 0: no projection).
        device: where to create the parameters.
        dtype: the dtype of the parameters.

    Inputs and outputs: ``forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``, see
    ``RNNBase.forward``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, per layer and step::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  h' = (1 - z) * n + z * h

    The gates are stacked in the order r, z, n.

    Args:
        input_size: features of the input ``x``.
        hidden_size: features of the hidden state ``h``.
        num_layers: stacked recurrent layers, each feeding the next (default 1).
        bias: learn the biases ``b_ih`` and ``b_hh`` (default True).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)``; the states stay
            ``(num_layers * num_directions, N, *)`` (default False).
        dropout: dropout probability on the outputs of every layer but the last, in training (default 0).
        bidirectional: also run each layer backwards in time and concatenate both outputs (default False).
        device: where to create the parameters.
        dtype: the dtype of the parameters.

    Inputs and outputs: ``forward(input, h_0=None) -> (output, h_n)``, see ``RNNBase.forward``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


# ---------------------------------------------------------------------- cells


class RNNCellBase(Module):
    """Hold the parameters shared by ``RNNCell``, ``LSTMCell`` and ``GRUCell``, as ``torch.nn.RNNCellBase``.

    The parameters are ``weight_ih`` of shape ``(num_chunks * hidden_size, input_size)``,
    ``weight_hh`` of shape ``(num_chunks * hidden_size, hidden_size)`` and, with ``bias``,
    ``bias_ih`` and ``bias_hh`` of shape ``(num_chunks * hidden_size,)``, all drawn from
    ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``. The base class has no ``forward``.

    Args:
        input_size: the number of features of the input ``x``.
        hidden_size: the number of features of the hidden state ``h``.
        bias: learn ``bias_ih`` and ``bias_hh``; when False they are None.
        num_chunks: how many gate blocks the weights stack (1 for ``RNNCell``, 4 for
            ``LSTMCell``, 3 for ``GRUCell``).
        device: where to create the parameters (default None: the default device).
        dtype: the dtype of the parameters (default None: the default dtype).
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, name: str, input: Tensor, states: tuple[Tensor | None, ...]) -> tuple[bool, Tensor, list[Tensor]]:  # noqa: A002
        """Check dims; return (is_batched, 2-d input, 2-d states with zeros for missing ones)."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        is_batched = input.ndim == 2
        x = input if is_batched else shape.unsqueeze(input, 0)
        out = []
        for s in states:
            if s is None:
                s = creation.zeros((x.shape[0], self.hidden_size), dtype=x.dtype, backend=x.backend)
            elif not is_batched:
                s = shape.unsqueeze(s, 0)
            if tuple(s.shape) != (x.shape[0], self.hidden_size):
                raise RuntimeError(
                    f"{name}: expected hidden state of shape {(x.shape[0], self.hidden_size)}, got {tuple(s.shape)}"
                )
            out.append(s)
        return is_batched, x, out

    def _check_state_dims(self, name: str, label: str, state: Tensor | None) -> None:
        if state is not None and state.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {state.ndim}D instead")


class RNNCell(RNNCellBase):
    """Compute one step of an Elman RNN, ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``, as ``torch.nn.RNNCell``.

    Args:
        input_size: the number of features of the input ``x``.
        hidden_size: the number of features of the hidden state ``h``.
        bias: learn ``bias_ih`` and ``bias_hh`` of shape ``(hidden_size,)`` (default True).
        nonlinearity: the activation ``act``, ``"tanh"`` or ``"relu"``; another value fails in
            ``forward`` (default ``"tanh"``).
        device: where to create the parameters (default None: the default device).
        dtype: the dtype of the parameters (default None: the default dtype).

    Shape:
        - Input: ``(N, input_size)`` or unbatched ``(input_size,)``.
        - Hidden state and output: ``(N, hidden_size)`` or unbatched ``(hidden_size,)``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """Advance the hidden state by one step of input.

        Args:
            input: the input ``x``, ``(N, input_size)`` or unbatched ``(input_size,)``.
            hx: the hidden state ``h``, ``(N, hidden_size)``, or ``(hidden_size,)`` with an unbatched
                input; None for zeros (default None).

        Returns:
            The next hidden state ``h'``, ``(N, hidden_size)``, or ``(hidden_size,)`` for an unbatched
            input.

        Raises:
            ValueError: ``input`` or ``hx`` is not 1-d or 2-d.
            RuntimeError: an unknown ``nonlinearity``, an input whose last dim is not ``input_size``,
                or an ``hx`` of another shape than the batch and ``hidden_size`` ask for.
        """
        self._check_state_dims("RNNCell", "hidden", hx)
        is_batched, x, (h,) = self._prepare("RNNCell", input, (hx,))
        if self.nonlinearity == "tanh":
            step = _rnn_tanh_step
        elif self.nonlinearity == "relu":
            step = _rnn_relu_step
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        xw = _input_projection(x, self.weight_ih, None if self.bias_ih is None else ops.add(self.bias_ih, self.bias_hh))
        h = step(xw, h, shape.transpose(self.weight_hh, 0, 1), None)
        return h if is_batched else shape.squeeze(h, 0)


class LSTMCell(RNNCellBase):
    """Compute one step of a long short-term memory, as ``torch.nn.LSTMCell``.

    The gates i, f, g, o are computed and stacked as in ``LSTM`` (without projection):
    ``c' = f * c + i * g`` and ``h' = o * tanh(c')``.

    Args:
        input_size: the number of features of the input ``x``.
        hidden_size: the number of features of the hidden state ``h`` and the cell state ``c``.
        bias: learn ``bias_ih`` and ``bias_hh`` of shape ``(4 * hidden_size,)`` (default True).
        device: where to create the parameters (default None: the default device).
        dtype: the dtype of the parameters (default None: the default dtype).

    Shape:
        - Input: ``(N, input_size)`` or unbatched ``(input_size,)``.
        - States ``h`` and ``c``, in and out: ``(N, hidden_size)`` or unbatched ``(hidden_size,)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """Advance the hidden and cell states by one step of input.

        Args:
            input: the input ``x``, ``(N, input_size)`` or unbatched ``(input_size,)``.
            hx: the pair ``(h, c)`` of states, each ``(N, hidden_size)``, or ``(hidden_size,)`` with
                an unbatched input; None for zeros (default None).

        Returns:
            The pair ``(h', c')`` of next states, each ``(N, hidden_size)``, or ``(hidden_size,)`` for
            an unbatched input.

        Raises:
            ValueError: ``input``, ``h`` or ``c`` is not 1-d or 2-d.
            RuntimeError: an input whose last dim is not ``input_size``, or a state of another shape
                than the batch and ``hidden_size`` ask for.
        """
        if hx is not None:
            for idx, value in enumerate(hx):
                self._check_state_dims("LSTMCell", f"hx[{idx}]", value)
        is_batched, x, (h, c) = self._prepare("LSTMCell", input, tuple(hx) if hx is not None else (None, None))
        xw = _input_projection(x, self.weight_ih, None if self.bias_ih is None else ops.add(self.bias_ih, self.bias_hh))
        h, c = _lstm_step(xw, h, c, shape.transpose(self.weight_hh, 0, 1), None)
        return (h, c) if is_batched else (shape.squeeze(h, 0), shape.squeeze(c, 0))


class GRUCell(RNNCellBase):
    """Compute one step of a gated recurrent unit, as ``torch.nn.GRUCell``.

    The gates r, z, n are computed and stacked as in ``GRU``: ``h' = (1 - z) * n + z * h``.

    Args:
        input_size: the number of features of the input ``x``.
        hidden_size: the number of features of the hidden state ``h``.
        bias: learn ``bias_ih`` and ``bias_hh`` of shape ``(3 * hidden_size,)`` (default True).
        device: where to create the parameters (default None: the default device).
        dtype: the dtype of the parameters (default None: the default dtype).

    Shape:
        - Input: ``(N, input_size)`` or unbatched ``(input_size,)``.
        - Hidden state and output: ``(N, hidden_size)`` or unbatched ``(hidden_size,)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """Advance the hidden state by one step of input.

        Args:
            input: the input ``x``, ``(N, input_size)`` or unbatched ``(input_size,)``.
            hx: the hidden state ``h``, ``(N, hidden_size)``, or ``(hidden_size,)`` with an unbatched
                input; None for zeros (default None).

        Returns:
            The next hidden state ``h'``, ``(N, hidden_size)``, or ``(hidden_size,)`` for an unbatched
            input.

        Raises:
            ValueError: ``input`` or ``hx`` is not 1-d or 2-d.
            RuntimeError: an input whose last dim is not ``input_size``, or an ``hx`` of another shape
                than the batch and ``hidden_size`` ask for.
        """
        self._check_state_dims("GRUCell", "hidden", hx)
        is_batched, x, (h,) = self._prepare("GRUCell", input, (hx,))
        xw = _input_projection(x, self.weight_ih, self.bias_ih)
        h = _gru_step(xw, h, shape.transpose(self.weight_hh, 0, 1), self.bias_hh)
        return h if is_batched else shape.squeeze(h, 0)
