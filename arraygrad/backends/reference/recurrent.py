"""Recurrent kernels of the reference backend: the LSTM and GRU recurrences over a whole sequence and
their gradients, one graph node per layer and direction (see ``nn/_fused_rnn.py``)."""

from __future__ import annotations

from types import ModuleType

from arraygrad.backends.reference._types import Array

__all__ = ["RecurrentKernels"]


class RecurrentKernels:
    """The LSTM and GRU kernels of ``Backend`` (``lstm_forward``, ``gru_forward`` and their backward)."""

    xp: ModuleType

    # -- LSTM over a whole sequence (one graph node per layer and direction; see nn/_fused_rnn.py)
    def lstm_forward(self, xw: Array, h0: Array, c0: Array, w_hh: Array, reverse: bool) -> tuple[Array, Array, Array]:
        """The LSTM recurrence over time-major input projections ``xw`` (T, N, 4H) (``x W_ih^T`` plus
        both biases), from ``h0``, ``c0`` (N, H) with ``w_hh`` (4H, H), gates in PyTorch's order i, f,
        g, o; ``reverse`` runs from the last step to the first. Returns ``(hs, cs, gates)``: the
        hidden and cell state after each step (T, N, H), at the step's own position, and the
        activated gates (T, N, 4H), which the backward kernel needs."""
        xp = self.xp
        n_steps, n_hidden = xw.shape[0], h0.shape[-1]
        w_t = xp.matrix_transpose(w_hh)
        h, c = h0, c0
        hs: list[Array] = [h0] * n_steps
        cs: list[Array] = [c0] * n_steps
        gates: list[Array] = [xw[0, ...]] * n_steps
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            z = xp.add(xw[t, ...], xp.matmul(h, w_t))
            i = _sigmoid(xp, z[:, :n_hidden])
            f = _sigmoid(xp, z[:, n_hidden: 2 * n_hidden])
            g = xp.tanh(z[:, 2 * n_hidden: 3 * n_hidden])
            o = _sigmoid(xp, z[:, 3 * n_hidden:])
            c = xp.add(xp.multiply(f, c), xp.multiply(i, g))
            h = xp.multiply(o, xp.tanh(c))
            hs[t], cs[t], gates[t] = h, c, xp.concat([i, f, g, o], axis=-1)
        return xp.stack(hs, axis=0), xp.stack(cs, axis=0), xp.stack(gates, axis=0)

    def lstm_backward(self, dhs: Array, dc_n: Array, hs: Array, cs: Array, gates: Array, h0: Array, c0: Array,
                      w_hh: Array, reverse: bool) -> tuple[Array, Array, Array, Array]:
        """Gradients of ``lstm_forward`` for upstream ``dhs`` (T, N, H) (the hidden states; the last
        one's gradient included) and ``dc_n`` (N, H) (the final cell state): ``(dxw, dh0, dc0,
        dw_hh)``. The recurrence runs backwards once; the weight gradient is one matrix product over
        all steps."""
        xp = self.xp
        n_steps, n_hidden = hs.shape[0], h0.shape[-1]
        order = list(range(n_steps - 1, -1, -1) if reverse else range(n_steps))
        dh_carry, dc = xp.zeros_like(h0), dc_n
        dz: list[Array] = [gates[0, ...]] * n_steps
        for k in range(n_steps - 1, -1, -1):
            t = order[k]
            c_prev = c0 if k == 0 else cs[order[k - 1], ...]
            gt = gates[t, ...]
            i, f = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden]
            g, o = gt[:, 2 * n_hidden: 3 * n_hidden], gt[:, 3 * n_hidden:]
            dh = xp.add(dhs[t, ...], dh_carry)
            tc = xp.tanh(cs[t, ...])
            dc = xp.add(dc, xp.multiply(xp.multiply(dh, o), xp.subtract(1.0, xp.multiply(tc, tc))))
            dzt = xp.concat([
                xp.multiply(xp.multiply(dc, g), xp.multiply(i, xp.subtract(1.0, i))),
                xp.multiply(xp.multiply(dc, c_prev), xp.multiply(f, xp.subtract(1.0, f))),
                xp.multiply(xp.multiply(dc, i), xp.subtract(1.0, xp.multiply(g, g))),
                xp.multiply(xp.multiply(dh, tc), xp.multiply(o, xp.subtract(1.0, o))),
            ], axis=-1)
            dc = xp.multiply(dc, f)
            dh_carry = xp.matmul(dzt, w_hh)
            dz[t] = dzt
        dxw = xp.stack(dz, axis=0)
        # h_{t-1} of every step, in step order: the weight gradient is one product over all of them
        h_prev = xp.stack([h0 if k == 0 else hs[order[k - 1], ...] for k in range(n_steps)], axis=0)
        dz_steps = xp.stack([dz[t] for t in order], axis=0)
        rows = n_steps * h0.shape[0]
        dw = xp.matmul(xp.matrix_transpose(xp.reshape(dz_steps, (rows, 4 * n_hidden))),
                       xp.reshape(h_prev, (rows, n_hidden)))
        return dxw, dh_carry, dc, dw

    # -- GRU over a whole sequence (one graph node per layer and direction; see nn/_fused_rnn.py)
    def gru_forward(self, xw: Array, h0: Array, w_hh: Array, b_hh: Array | None,
                    reverse: bool) -> tuple[Array, Array, Array]:
        """The GRU recurrence over time-major input projections ``xw`` (T, N, 3H) (``x W_ih^T + b_ih``),
        from ``h0`` (N, H) with ``w_hh`` (3H, H) and ``b_hh`` (3H,) or None, gates in PyTorch's order
        r, z, n (``n = tanh(x_n + r * (h W_hn^T + b_hn))``); ``reverse`` runs from the last step to the
        first. Returns ``(hs, gates, h_n_proj)``: the hidden state after each step (T, N, H) at the
        step's own position, the activated gates r, z, n (T, N, 3H) and ``h W_hn^T + b_hn`` of each
        step (T, N, H), which the backward kernel needs."""
        xp = self.xp
        n_steps, n_hidden = xw.shape[0], h0.shape[-1]
        w_t = xp.matrix_transpose(w_hh)
        h = h0
        hs: list[Array] = [h0] * n_steps
        gates: list[Array] = [xw[0, ...]] * n_steps
        hns: list[Array] = [h0] * n_steps
        for t in (range(n_steps - 1, -1, -1) if reverse else range(n_steps)):
            hw = xp.matmul(h, w_t)
            if b_hh is not None:
                hw = xp.add(hw, b_hh)
            x_t = xw[t, ...]
            r = _sigmoid(xp, xp.add(x_t[:, :n_hidden], hw[:, :n_hidden]))
            z = _sigmoid(xp, xp.add(x_t[:, n_hidden: 2 * n_hidden], hw[:, n_hidden: 2 * n_hidden]))
            h_n = hw[:, 2 * n_hidden:]
            n = xp.tanh(xp.add(x_t[:, 2 * n_hidden:], xp.multiply(r, h_n)))
            h = xp.add(n, xp.multiply(z, xp.subtract(h, n)))
            hs[t], gates[t], hns[t] = h, xp.concat([r, z, n], axis=-1), h_n
        return xp.stack(hs, axis=0), xp.stack(gates, axis=0), xp.stack(hns, axis=0)

    def gru_backward(self, dhs: Array, hs: Array, gates: Array, h_n_proj: Array, h0: Array, w_hh: Array,
                     reverse: bool) -> tuple[Array, Array, Array, Array]:
        """Gradients of ``gru_forward`` for upstream ``dhs`` (T, N, H) (every hidden state's, the last
        one's included): ``(dxw, dh0, dw_hh, db_hh)``. The recurrence runs backwards once; the weight
        gradient is one matrix product over all steps."""
        xp = self.xp
        n_steps, n_hidden = hs.shape[0], h0.shape[-1]
        order = list(range(n_steps - 1, -1, -1) if reverse else range(n_steps))
        dh_carry = xp.zeros_like(h0)
        dxw: list[Array] = [gates[0, ...]] * n_steps
        dhw: list[Array] = [gates[0, ...]] * n_steps
        for k in range(n_steps - 1, -1, -1):
            t = order[k]
            h_prev = h0 if k == 0 else hs[order[k - 1], ...]
            gt = gates[t, ...]
            r, z, n = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden], gt[:, 2 * n_hidden:]
            dh = xp.add(dhs[t, ...], dh_carry)
            dn = xp.multiply(xp.multiply(dh, xp.subtract(1.0, z)), xp.subtract(1.0, xp.multiply(n, n)))
            dz = xp.multiply(xp.multiply(dh, xp.subtract(h_prev, n)), xp.multiply(z, xp.subtract(1.0, z)))
            dr = xp.multiply(xp.multiply(dn, h_n_proj[t, ...]), xp.multiply(r, xp.subtract(1.0, r)))
            dxw[t] = xp.concat([dr, dz, dn], axis=-1)
            dhw[t] = xp.concat([dr, dz, xp.multiply(dn, r)], axis=-1)
            dh_carry = xp.add(xp.multiply(dh, z), xp.matmul(dhw[t], w_hh))
        # h_{t-1} of every step, in step order: the weight gradient is one product over all of them
        h_prev_all = xp.stack([h0 if k == 0 else hs[order[k - 1], ...] for k in range(n_steps)], axis=0)
        dhw_steps = xp.stack([dhw[t] for t in order], axis=0)
        rows = n_steps * h0.shape[0]
        flat = xp.reshape(dhw_steps, (rows, 3 * n_hidden))
        dw = xp.matmul(xp.matrix_transpose(flat), xp.reshape(h_prev_all, (rows, n_hidden)))
        return xp.stack(dxw, axis=0), dh_carry, dw, xp.sum(flat, axis=0)


def _sigmoid(xp: ModuleType, x: Array) -> Array:
    """``1 / (1 + exp(-x))`` without overflow (``ops.sigmoid``'s formula)."""
    e = xp.exp(xp.negative(xp.abs(x)))
    return xp.where(x >= 0, xp.divide(1.0, xp.add(e, 1.0)), xp.divide(e, xp.add(e, 1.0)))
