"""An LSTM or GRU layer's whole sequence (one direction) as ONE graph node.

Written step by step with Tensor ops, an LSTM over T steps records about 20 nodes per step, and a
compiled program (``ag.compile``) unrolls all of them. Here the recurrence is two backend kernels,
``lstm_forward`` and ``lstm_backward`` (``backends/reference/recurrent.py`` has the loop in array-API code;
jax runs one ``lax.scan`` each way), and autograd sees one node whose backward runs the recurrence
backwards once and gets the recurrent weight's gradient as one matrix product over all steps.

Higher-order gradients (``create_graph=True``) go through the step-by-step Tensor-op version:
the node's backward then recomputes the forward with it and differentiates that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad.core.autograd import GRAD_MODE, Node
from arraygrad.core.tensor import Tensor

_wrap = Tensor._wrap

StepwiseLSTM = Callable[[Tensor, Tensor, Tensor, Tensor, bool], tuple[Tensor, Tensor]]


class LstmSequenceBackward(Node):
    """Gradients of ``(hs, c_n)`` with respect to ``(xw, h0, c0, w_hh)``."""

    __slots__ = ("cs", "gates", "reverse", "stepwise")
    n_outputs = 2

    def backward(self, grads: list[Any]) -> tuple[Any, ...]:
        g_hs, g_cn = grads
        xw, h0, c0, w_hh, hs_out = self.saved_tensors  # (hs_out: its version says it was not changed)
        if GRAD_MODE.enabled:  # create_graph: differentiate the step-by-step version (differentiable again)
            from arraygrad.core import autograd

            hs, c_n = self.stepwise(xw, h0, c0, w_hh, self.reverse)
            pairs = [(t, g) for t, g in ((hs, g_hs), (c_n, g_cn)) if g is not None]
            inputs = (xw, h0, c0, w_hh)
            wanted = [k for k in range(4) if self.needs(k)]
            found = autograd.grad([t for t, _ in pairs], [inputs[k] for k in wanted], [g for _, g in pairs],
                                  create_graph=True, allow_unused=True)
            result: list[Any] = [None] * 4
            for k, g in zip(wanted, found):
                result[k] = g
            return tuple(result)
        backend = xw._backend
        xp = backend.xp
        hs = hs_out._storage.array
        dhs = xp.zeros_like(hs) if g_hs is None else g_hs._storage.array
        dc_n = xp.zeros_like(c0._storage.array) if g_cn is None else g_cn._storage.array
        out = backend.lstm_backward(dhs, dc_n, hs, self.cs, self.gates, h0._storage.array,
                                    c0._storage.array, w_hh._storage.array, self.reverse)
        return tuple(_wrap(a, backend) if self.needs(k) else None for k, a in enumerate(out))


def lstm_sequence(xw: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, reverse: bool,
                  stepwise: StepwiseLSTM) -> tuple[Tensor, Tensor]:
    """The hidden states ``hs`` (T, N, H) and the final cell state ``c_n`` (N, H) of one LSTM layer
    direction over time-major input projections ``xw`` (T, N, 4H) (``x W_ih^T`` plus both biases).
    ``stepwise`` computes the same with Tensor ops (used for higher-order gradients)."""
    backend = xw._backend
    hs, cs, gates = backend.lstm_forward(xw._storage.array, h0._storage.array, c0._storage.array,
                                         w_hh._storage.array, reverse)
    # its own memory: the returned cell state must not alias the states saved for backward
    c_n = backend.xp.asarray(cs[0, ...] if reverse else cs[-1, ...], copy=True)
    if not (GRAD_MODE.enabled and (xw._rg or h0._rg or c0._rg or w_hh._rg)):
        return _wrap(hs, backend), _wrap(c_n, backend)
    node = LstmSequenceBackward((xw, h0, c0, w_hh))
    hs_out = _wrap(hs, backend, node, 0)
    node.save(xw, h0, c0, w_hh, hs_out)  # an in-place change of the output is caught, as for any saved tensor
    node.cs, node.gates, node.reverse, node.stepwise = cs, gates, reverse, stepwise
    return hs_out, _wrap(c_n, backend, node, 1)


StepwiseGRU = Callable[[Tensor, Tensor, Tensor, "Tensor | None", bool], Tensor]


class GruSequenceBackward(Node):
    """Gradients of ``hs`` with respect to ``(xw, h0, w_hh[, b_hh])``."""

    __slots__ = ("gates", "h_n_proj", "reverse", "stepwise")

    def backward(self, g_hs: Any) -> tuple[Any, ...]:
        xw, h0, w_hh, *rest = self.saved_tensors[:-1]
        hs_out = self.saved_tensors[-1]  # (its version says it was not changed)
        b_hh = rest[0] if rest else None
        inputs = (xw, h0, w_hh) if b_hh is None else (xw, h0, w_hh, b_hh)
        if GRAD_MODE.enabled:  # create_graph: differentiate the step-by-step version (differentiable again)
            from arraygrad.core import autograd

            hs = self.stepwise(xw, h0, w_hh, b_hh, self.reverse)
            wanted = [k for k in range(len(inputs)) if self.needs(k)]
            found = autograd.grad([hs], [inputs[k] for k in wanted], [g_hs], create_graph=True, allow_unused=True)
            result: list[Any] = [None] * len(inputs)
            for k, g in zip(wanted, found):
                result[k] = g
            return tuple(result)
        backend = xw._backend
        out = backend.gru_backward(g_hs._storage.array, hs_out._storage.array, self.gates, self.h_n_proj,
                                   h0._storage.array, w_hh._storage.array, self.reverse)
        return tuple(_wrap(a, backend) if self.needs(k) else None for k, a in enumerate(out[:len(inputs)]))


def gru_sequence(xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None, reverse: bool,
                 stepwise: StepwiseGRU) -> Tensor:
    """The hidden states ``hs`` (T, N, H) of one GRU layer direction over time-major input projections
    ``xw`` (T, N, 3H) (``x W_ih^T + b_ih``), with the hidden bias ``b_hh`` kept apart (PyTorch's GRU
    multiplies ``h W_hn^T + b_hn`` by the reset gate). ``stepwise`` computes the same with Tensor ops
    (used for higher-order gradients)."""
    backend = xw._backend
    hs, gates, h_n_proj = backend.gru_forward(xw._storage.array, h0._storage.array, w_hh._storage.array,
                                              None if b_hh is None else b_hh._storage.array, reverse)
    inputs = (xw, h0, w_hh) if b_hh is None else (xw, h0, w_hh, b_hh)
    if not (GRAD_MODE.enabled and any(t._rg for t in inputs)):
        return _wrap(hs, backend)
    node = GruSequenceBackward(inputs)
    hs_out = _wrap(hs, backend, node, 0)
    node.save(*inputs, hs_out)  # an in-place change of the output is caught, as for any saved tensor
    node.gates, node.h_n_proj, node.reverse, node.stepwise = gates, h_n_proj, reverse, stepwise
    return hs_out
