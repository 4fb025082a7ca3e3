"""Reference (NumPy) kernels of the LSTM cell rows (``lstm_cell_forward``,
``lstm_cell_backward``; decompositions in ``_decompositions_rnn``): PyTorch's fused cell
without the biases, gate order i, f, g, o; and of the GRU cell rows (``gru_cell_forward``,
``gru_cell_backward``: gate order r, z, n, the hidden bias inside n's reset product).
float16/bfloat16 compute in float32 and round once. A result whose ``*_out`` array is given
is written into it (and is that array)."""

from __future__ import annotations

import numpy as np


def _ct(dt):
    return np.dtype(np.float32) if dt.name in ("float16", "bfloat16") else dt


def _sigmoid(x):
    """``1 / (1 + exp(-x))`` from ``exp(-|x|)`` (no overflow on either tail)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _into(out, value):
    if out is None:
        return value
    out[...] = value
    return out


def lstm_cell_forward(gates_x, gates_h, c_prev, h_out=None, c_out=None, workspace_out=None):
    """``(h, c, workspace)`` for the gates ``gates_x + gates_h`` (N, 4H) and ``c_prev``."""
    dt = gates_x.dtype
    ct = _ct(dt)
    hid = c_prev.shape[-1]
    gates = gates_x.astype(ct) + gates_h.astype(ct)
    ws = _sigmoid(gates)
    ws[:, 2 * hid:3 * hid] = np.tanh(gates[:, 2 * hid:3 * hid])
    i, f, g, o = (ws[:, k * hid:(k + 1) * hid] for k in range(4))
    c = f * c_prev.astype(ct) + i * g
    h = o * np.tanh(c)
    return (_into(h_out, h.astype(dt)), _into(c_out, c.astype(dt)),
            _into(workspace_out, ws.astype(dt)))


def lstm_cell_backward(dh, dh_out, dc, c_prev, c, workspace, d_gates_out=None,
                       dc_prev_out=None):
    """``(d_gates, dc_prev)`` for h's gradient ``dh + dh_out`` and c's gradient ``dc``."""
    dt = dh.dtype
    ct = _ct(dt)
    hid = c.shape[-1]
    ws = workspace.astype(ct)
    i, f, g, o = (ws[:, k * hid:(k + 1) * hid] for k in range(4))
    dhv = dh.astype(ct) + dh_out.astype(ct)
    tc = np.tanh(c.astype(ct))
    dcv = dc.astype(ct) + dhv * o * (1 - tc * tc)
    d_gates = np.concatenate([dcv * g * i * (1 - i), dcv * c_prev.astype(ct) * f * (1 - f),
                              dcv * i * (1 - g * g), dhv * tc * o * (1 - o)], axis=1)
    return _into(d_gates_out, d_gates.astype(dt)), _into(dc_prev_out, (dcv * f).astype(dt))


KERNELS = {"lstm_cell_forward": lstm_cell_forward, "lstm_cell_backward": lstm_cell_backward}


def gru_cell_forward(gates_x, gates_h, h_prev, bias_h=None, h_out=None, workspace_out=None):
    """``(h, workspace)`` of the GRU cell: gates ``gates_x`` and ``gates_h (+ bias_h)``
    (N, 3H; r, z, n), ``h_prev`` (N, H); workspace = r, z, n, h_n (N, 4H)."""
    dt = gates_x.dtype
    ct = _ct(dt)
    hid = h_prev.shape[-1]
    gx = gates_x.astype(ct)
    gh = gates_h.astype(ct) + (0 if bias_h is None else bias_h.astype(ct))
    r = _sigmoid(gx[:, :hid] + gh[:, :hid])
    z = _sigmoid(gx[:, hid:2 * hid] + gh[:, hid:2 * hid])
    hn = gh[:, 2 * hid:]
    n = np.tanh(gx[:, 2 * hid:] + r * hn)
    h = (1 - z) * n + z * h_prev.astype(ct)
    ws = np.concatenate([r, z, n, hn], axis=1)
    return _into(h_out, h.astype(dt)), _into(workspace_out, ws.astype(dt))


def gru_cell_backward(dh, dh_out, h_prev, workspace, dh_prev_add=None, d_gates_x_out=None,
                      d_gates_h_out=None, dh_prev_out=None):
    """``(d_gates_x, d_gates_h, dh_prev)`` (N, 3H), (N, 3H), (N, H) for h's gradient ``dh +
    dh_out``; ``dh_prev`` is the direct part ``(dh + dh_out) z`` plus ``dh_prev_add``."""
    dt = dh.dtype
    ct = _ct(dt)
    hid = h_prev.shape[-1]
    ws = workspace.astype(ct)
    r, z, n, hn = (ws[:, k * hid:(k + 1) * hid] for k in range(4))
    d = dh.astype(ct) + dh_out.astype(ct)
    dn = d * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    dz = d * (h_prev.astype(ct) - n) * z * (1 - z)
    dgx = np.concatenate([dr, dz, dn], axis=1)
    dgh = np.concatenate([dr, dz, dn * r], axis=1)
    return (_into(d_gates_x_out, dgx.astype(dt)), _into(d_gates_h_out, dgh.astype(dt)),
            _into(dh_prev_out, (d * z + (0 if dh_prev_add is None else
                                         dh_prev_add.astype(ct))).astype(dt)))


KERNELS.update(gru_cell_forward=gru_cell_forward, gru_cell_backward=gru_cell_backward)
