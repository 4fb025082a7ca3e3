"""Decompositions of the LSTM cell rows ``lstm_cell_forward`` and ``lstm_cell_backward``
and the GRU cell rows ``gru_cell_forward`` and ``gru_cell_backward`` into primitives
(docs/design.md §2.1), which every device runs where it has no fused kernel (trueno-gpu has
one each: ``trueno_gpu._rnn_cell``, ``trueno_gpu._gru_cell``).

PyTorch's fused cell (``_thnn_fused_lstm_cell`` and its backward, without the biases): the
gates ``gates_x + gates_h`` (N, 4H) in the order i, f, g, o; ``c = sigmoid(f) c_prev +
sigmoid(i) tanh(g)``, ``h = sigmoid(o) tanh(c)``; the workspace (N, 4H) keeps the four
activations for the backward, which recomputes ``tanh(c)``. float16/bfloat16 compute in
float32 and round once. A result whose ``*_out`` tensor is given is copied into it
(``copy_``) and is that tensor. The GRU cell is PyTorch's ``_thnn_fused_gru_cell`` (gate
order r, z, n; the hidden bias inside n's reset product).
"""

from __future__ import annotations

from . import _dtypes as D
from ._decompositions import _add, _mul, _sub, _tanh_real, astype, finish
from ._decompositions_nn import _sigmoid

__all__ = ["lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward", "gru_cell_backward"]


def _compute(t):
    dt = t._dtype
    return D.float32 if dt in (D.float16, D.bfloat16) else dt


def _quarters(a, hid: int):
    """The four (N, H) column blocks of an (N, 4H) tensor (views)."""
    return tuple(a[:, k * hid:(k + 1) * hid] for k in range(4))


def _into(out, value):
    if out is None:
        return value
    out[...] = value  # copy_
    return out


def lstm_cell_forward(gates_x, gates_h, c_prev, h_out=None, c_out=None, workspace_out=None):
    """``(h, c, workspace)`` for the gate pre-activations ``gates_x + gates_h`` (N, 4H) and
    ``c_prev`` (N, H); workspace = [sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)]."""
    dt = gates_x._dtype
    bt = _compute(gates_x)
    hid = c_prev.shape[-1]
    gates = _add(astype(gates_x, bt), astype(gates_h, bt))
    ws = _sigmoid(gates)  # a new tensor: g's block is overwritten with its tanh (copy_)
    ws[:, 2 * hid:3 * hid] = _tanh_real(gates[:, 2 * hid:3 * hid])
    i, f, g, o = _quarters(ws, hid)
    c = _add(_mul(f, astype(c_prev, bt)), _mul(i, g))
    h = _mul(o, _tanh_real(c))
    return (_into(h_out, finish(h, dt)), _into(c_out, finish(c, dt)),
            _into(workspace_out, finish(ws, dt)))


def lstm_cell_backward(dh, dh_out, dc, c_prev, c, workspace, d_gates_out=None,
                       dc_prev_out=None):
    """``(d_gates (N, 4H), dc_prev (N, H))`` for h's gradient ``dh + dh_out`` and c's
    gradient ``dc``: with ``tc = tanh(c)`` and ``dc' = dc + dh o (1 - tc^2)``, the gates'
    gradients are ``dc' g i (1 - i)``, ``dc' c_prev f (1 - f)``, ``dc' i (1 - g^2)``,
    ``dh tc o (1 - o)``, and ``dc_prev = dc' f``."""
    from ._creation import zeros

    dt = dh._dtype
    bt = _compute(dh)
    n, hid = c.shape
    i, f, g, o = _quarters(astype(workspace, bt), hid)
    dhv = _add(astype(dh, bt), astype(dh_out, bt))
    tc = _tanh_real(astype(c, bt))
    dcv = _add(astype(dc, bt), _mul(_mul(dhv, o), _sub(1.0, _mul(tc, tc))))
    d_gates = zeros((n, 4 * hid), dtype=bt, device=dh._device, cls=dh.__class__)
    parts = (_mul(_mul(dcv, g), _mul(i, _sub(1.0, i))),
             _mul(_mul(dcv, astype(c_prev, bt)), _mul(f, _sub(1.0, f))),
             _mul(_mul(dcv, i), _sub(1.0, _mul(g, g))),
             _mul(_mul(dhv, tc), _mul(o, _sub(1.0, o))))
    for k, part in enumerate(parts):
        d_gates[:, k * hid:(k + 1) * hid] = part  # copy_
    return (_into(d_gates_out, finish(d_gates, dt)),
            _into(dc_prev_out, finish(_mul(dcv, f), dt)))


def _blocks(n: int, hid: int, parts, like, bt):
    """An (N, k H) tensor of the (N, H) ``parts`` side by side (``copy_`` into zeros)."""
    from ._creation import zeros

    out = zeros((n, len(parts) * hid), dtype=bt, device=like._device, cls=like.__class__)
    for k, part in enumerate(parts):
        out[:, k * hid:(k + 1) * hid] = part
    return out


def gru_cell_forward(gates_x, gates_h, h_prev, bias_h=None, h_out=None, workspace_out=None):
    """``(h, workspace)`` of the GRU cell: ``r = sigmoid(x_r + h_r)``, ``z = sigmoid(x_z +
    h_z)``, ``n = tanh(x_n + r h_n)`` with ``h_* = gates_h + bias_h``, ``h = (1 - z) n + z
    h_prev``; workspace = r, z, n, h_n (N, 4H)."""
    dt = gates_x._dtype
    bt = _compute(gates_x)
    n_rows, hid = h_prev.shape
    gx = astype(gates_x, bt)
    gh = astype(gates_h, bt)
    if bias_h is not None:
        gh = _add(gh, astype(bias_h, bt))
    r = _sigmoid(_add(gx[:, :hid], gh[:, :hid]))
    z = _sigmoid(_add(gx[:, hid:2 * hid], gh[:, hid:2 * hid]))
    hn = gh[:, 2 * hid:]
    n = _tanh_real(_add(gx[:, 2 * hid:], _mul(r, hn)))
    h = _add(_mul(_sub(1.0, z), n), _mul(z, astype(h_prev, bt)))
    ws = _blocks(n_rows, hid, (r, z, n, hn), gates_x, bt)
    return _into(h_out, finish(h, dt)), _into(workspace_out, finish(ws, dt))


def gru_cell_backward(dh, dh_out, h_prev, workspace, dh_prev_add=None, d_gates_x_out=None,
                      d_gates_h_out=None, dh_prev_out=None):
    """``(d_gates_x, d_gates_h, dh_prev)`` for h's gradient ``d = dh + dh_out``: with ``dn' =
    d (1 - z) (1 - n^2)``, ``dr' = dn' h_n r (1 - r)``, ``dz' = d (h_prev - n) z (1 - z)``,
    d_gates_x = [dr', dz', dn'], d_gates_h = [dr', dz', dn' r], dh_prev = d z (its direct
    part) + ``dh_prev_add``."""
    dt = dh._dtype
    bt = _compute(dh)
    n_rows, hid = h_prev.shape
    r, z, n, hn = _quarters(astype(workspace, bt), hid)
    d = _add(astype(dh, bt), astype(dh_out, bt))
    dn = _mul(_mul(d, _sub(1.0, z)), _sub(1.0, _mul(n, n)))
    dr = _mul(_mul(dn, hn), _mul(r, _sub(1.0, r)))
    dz = _mul(_mul(d, _sub(astype(h_prev, bt), n)), _mul(z, _sub(1.0, z)))
    dgx = _blocks(n_rows, hid, (dr, dz, dn), dh, bt)
    dgh = _blocks(n_rows, hid, (dr, dz, _mul(dn, r)), dh, bt)
    dhp = _mul(d, z)
    if dh_prev_add is not None:
        dhp = _add(dhp, astype(dh_prev_add, bt))
    return (_into(d_gates_x_out, finish(dgx, dt)), _into(d_gates_h_out, finish(dgh, dt)),
            _into(dh_prev_out, finish(dhp, dt)))
