"""Reference (NumPy) kernels of the LSTM cell rows (``lstm_cell_forward``,
``lstm_cell_backward``; decompositions in ``_decompositions_rnn``): PyTorch's fused cell
without the biases, gate order i, f, g, o. float16/bfloat16 compute in float32 and round
once. A result whose ``*_out`` array is given is written into it (and is that array)."""

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
