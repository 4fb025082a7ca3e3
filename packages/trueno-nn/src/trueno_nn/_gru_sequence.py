"""One GRU layer-direction over a whole sequence as one autograd node, off the CPU (the CPU keeps
``recurrent``'s recorded per-step loop): the forward runs the time loop without recording a
graph, the backward runs backpropagation through time in one loop and computes the recurrent
weight's and bias's gradients as one product and one sum over all steps.

Each step is ``h_prev @ W_hh^T`` and the fused cell row ``gru_cell_forward`` (PyTorch's
``_thnn_fused_gru_cell``, the hidden bias added inside: trueno-gpu's one kernel, the row's
decomposition on a device without one) writing into the sequence's arrays; the backward per
step ``gru_cell_backward`` (writing both gate products' gradients into their steps; h_prev's
direct part comes out with the previous step's output gradient added) and ``d_gh @ W_hh``:
two launches a step each way, where the recorded per-step trueno ops took ~15 forward and
~38 backward. The
device loops call the kernels on the device arrays where the device has them (as the LSTM
node, ``_lstm_sequence``). Double backward differentiates the recurrence recorded op by op
(``_steps``)."""

from __future__ import annotations

from trueno.backend import TruenoError, get_op, kernel, wrap
import trueno.torch as torch

from ._lstm_sequence import _at, _row

__all__ = ["gru_sequence"]

_CELL, _CELL_BACKWARD = get_op("gru_cell_forward"), get_op("gru_cell_backward")
_MATMUL, _ADD = get_op("matmul"), get_op("add")


def _kernels(t):
    """The device's kernels of the two cell rows, ``matmul`` and ``add`` for ``t``'s device
    and dtype, or None where one is missing (the loops then go through the dispatcher)."""
    try:
        return tuple(kernel(op, t._device, t._dtype)
                     for op in (_CELL, _CELL_BACKWARD, _MATMUL, _ADD))
    except TruenoError:
        return None


def _steps(xw, h, w_hh, b_hh, reverse):
    """The recurrence recorded as trueno ops (double backward differentiates it)."""
    hid = h.shape[-1]
    w_t = w_hh.t()
    steps = xw.shape[0]
    out = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gh = torch.matmul(h, w_t)
        if b_hh is not None:
            gh = gh + b_hh
        x = xw[t]
        r = torch.sigmoid(x[..., :hid] + gh[..., :hid])
        z = torch.sigmoid(x[..., hid:2 * hid] + gh[..., hid:2 * hid])
        n = torch.tanh(x[..., 2 * hid:] + r * gh[..., 2 * hid:])
        h = (1 - z) * n + z * h
        out[t] = h
    return torch.stack(out, 0), h


def _cell_steps(xw, h0, w_hh, b_hh, reverse):
    """The recurrence with two launches a step, each step's h and workspace (r, z, n, h_n)
    written into the sequence's arrays ``hs`` (T, N, H) and ``ws`` (T, N, 4H)."""
    steps, n, three_h = xw.shape
    hs = torch.empty((steps, n, three_h // 3), dtype=xw.dtype, device=xw.device)
    ws = torch.empty((steps, n, 4 * (three_h // 3)), dtype=xw.dtype, device=xw.device)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    ks = _kernels(xw)
    if ks is None:
        w_t, h = w_hh.t(), h0
        for t in order:
            h_t = hs[t]
            _row(_CELL, (xw[t], torch.matmul(h, w_t), h, b_hh, h_t, ws[t]))
            h = h_t
        return hs, ws
    cell, _, matmul, _ = ks
    x_a, hs_a, ws_a = xw._data, hs._data, ws._data
    w_t, h, b = w_hh.t()._data, h0._data, None if b_hh is None else b_hh._data
    for t in order:
        h_t = _at(hs_a, t)
        cell(_at(x_a, t), matmul(h, w_t), h, b, h_t, _at(ws_a, t))
        h = h_t
    return hs, ws


def _cell_backward(seq, h0, w_hh, b_hh, reverse, dout, dh_last, need_w=True, need_b=True):
    """Backpropagation through time from ``_cell_steps``'s arrays: the gradients of ``xw``,
    ``h0``, ``w_hh`` (None unless ``need_w``) and ``b_hh`` (None without one or unless
    ``need_b``)."""
    hs, ws = seq
    steps = hs.shape[0]
    first = steps - 1 if reverse else 0
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    dxw = torch.empty((*hs.shape[:2], 3 * hs.shape[2]), dtype=hs.dtype, device=hs.device)
    dgh = torch.empty(dxw.shape, dtype=hs.dtype, device=hs.device)
    ks = _kernels(hs)
    # step t's h gradient is dh (its successor's d_gh @ W_hh) + carry (the successor's direct
    # part plus dout[t], which the successor's cell adds in: ``dh_prev_add``)
    if ks is None:
        dh, carry = dh_last, dout[order[0]]
        for t in order:
            nxt = t + 1 if reverse else t - 1  # the step processed next (h_prev's)
            h_prev = h0 if t == first else hs[nxt]
            g = dgh[t]
            carry = _row(_CELL_BACKWARD, (dh, carry, h_prev, ws[t],
                                          None if t == first else dout[nxt], dxw[t], g,
                                          None))[2]
            dh = torch.matmul(g, w_hh)
        dh = dh + carry
    else:
        _, cell_backward, matmul, add = ks
        x_a, g_a, do_a, hs_a, ws_a = dxw._data, dgh._data, dout._data, hs._data, ws._data
        dh, h0_a, w = dh_last._data, h0._data, w_hh._data
        carry = _at(do_a, order[0])
        for t in order:
            nxt = t + 1 if reverse else t - 1
            h_prev, more = (h0_a, None) if t == first else (_at(hs_a, nxt), _at(do_a, nxt))
            g = _at(g_a, t)
            carry = cell_backward(dh, carry, h_prev, _at(ws_a, t), more, _at(x_a, t), g,
                                  None)[2]
            dh = matmul(g, w)
        dh = wrap(hs.__class__, add(dh, carry), hs._device, None, hs._dtype)
    three_h, hid = dgh.shape[-1], hs.shape[-1]
    dw_hh = None
    if need_w:
        dw_hh = torch.matmul(dgh[first].t(), h0)
        if steps > 1:
            g, h_prev = (dgh[:-1], hs[1:]) if reverse else (dgh[1:], hs[:-1])
            dw_hh = dw_hh + torch.matmul(g.reshape(-1, three_h).t(), h_prev.reshape(-1, hid))
    db_hh = None if b_hh is None or not need_b else dgh.reshape(-1, three_h).sum(0)
    return dxw, dh, dw_hh, db_hh


class _GRUSequence(torch.autograd.Function):
    """``out, h_T`` of one GRU layer-direction from ``xw = x W_ih^T + b_ih`` (T, N, 3H), the
    initial state, ``W_hh`` (3H, H) and ``b_hh`` ((3H,) or None)."""

    @staticmethod
    def forward(ctx, xw, h0, w_hh, b_hh, reverse):
        ctx.reverse = reverse
        ctx.save_for_backward(xw, h0, w_hh, b_hh)
        hs, ws = _cell_steps(xw, h0, w_hh, b_hh, reverse)
        ctx.seq = (hs, ws)
        # a copy of the outputs: the backward reads ``hs`` (each step's h_prev), and the
        # caller may write into the result
        return hs.clone(), hs[0 if reverse else xw.shape[0] - 1]

    @staticmethod
    def backward(ctx, dout, dh_last):
        xw, h0, w_hh, b_hh = ctx.saved_tensors
        ins = (xw, h0, w_hh, b_hh)
        if torch.is_grad_enabled():  # create_graph: differentiate the recorded recurrence
            with torch.enable_grad():
                # a clone per input: autograd.grad gives each one's partial derivative even
                # where one input is computed from another, still differentiable in it
                al = [t.clone() if t is not None and t.requires_grad else t for t in ins]
                wanted = [a for a, t in zip(al, ins) if t is not None and t.requires_grad]
                outs = _steps(*al, ctx.reverse)
                grads = iter(torch.autograd.grad(outs, wanted, (dout, dh_last),
                                                 create_graph=True, allow_unused=True))
            return (*(next(grads) if t is not None and t.requires_grad else None
                      for t in ins), None)
        return (*_cell_backward(ctx.seq, h0, w_hh, b_hh, ctx.reverse, dout, dh_last,
                                ctx.needs_input_grad[2], ctx.needs_input_grad[3]), None)


def gru_sequence(xw, h0, w_hh, b_hh=None, reverse: bool = False):
    """``(out (T, N, H), h_T)`` of a GRU layer-direction; see ``_GRUSequence``. Without
    gradients to compute, the loop runs alone (nothing kept for a backward)."""
    ins = (xw, h0, w_hh) + (() if b_hh is None else (b_hh,))
    if not (torch.is_grad_enabled() and any(t.requires_grad for t in ins)):
        hs, _ = _cell_steps(xw, h0, w_hh, b_hh, reverse)
        return hs, hs[0 if reverse else xw.shape[0] - 1]
    return _GRUSequence.apply(xw, h0, w_hh, b_hh, reverse)
