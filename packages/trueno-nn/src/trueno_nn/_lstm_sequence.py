"""One LSTM layer-direction over a whole sequence as one autograd node (PyTorch's fused LSTM):
the forward runs the time loop without recording a graph, the backward runs
backpropagation through time in one loop and computes the recurrent weight's gradient as one
product over all steps. Every op is a trueno op, so it runs on every device."""

from __future__ import annotations

import trueno.torch as torch

__all__ = ["lstm_sequence"]


def _steps(xw, h, c, w_hh_t, reverse, keep):
    """Run the recurrence. ``keep`` (or None) collects, per step, what the backward needs in
    the fewest tensors: ``P`` (N, 4H) = ``[g, c_prev, i, tanh(c)]`` (the factors of each
    gate's gradient), ``dact`` (N, 4H), each gate activation's derivative, ``q = o (1 -
    tanh(c)^2)`` (dc/dh), ``f`` and ``h_prev``."""
    hidden = h.shape[-1]
    steps = xw.shape[0]
    out = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gates = xw[t] + torch.matmul(h, w_hh_t)
        s = torch.sigmoid(gates)
        i, f, o = s[..., :hidden], s[..., hidden:2 * hidden], s[..., 3 * hidden:]
        g = torch.tanh(gates[..., 2 * hidden:3 * hidden])
        c_prev, h_prev = c, h
        c = f * c + i * g
        tc = torch.tanh(c)
        h = o * tc
        out[t] = h
        if keep is not None:
            dact = s - s * s
            dact[..., 2 * hidden:3 * hidden] = 1 - g * g
            keep[t] = (torch.cat([g, c_prev, i, tc], -1), dact, o - o * tc * tc, f,
                       h_prev)
    return out, h, c


def _differentiable(xw, h0, c0, w_hh, reverse):
    """The same recurrence recorded op by op (for double backward)."""
    out, h, c = _steps(xw, h0, c0, w_hh.t(), reverse, None)
    return torch.stack(out, 0), h, c


class _LSTMSequence(torch.autograd.Function):
    """``out, h_T, c_T`` of one LSTM layer-direction from ``xw = x W_ih^T + b`` (T, N, 4H),
    the initial states and ``W_hh`` (4H, H)."""

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, reverse):
        keep = [None] * xw.shape[0]
        out, h, c = _steps(xw, h0, c0, w_hh.t(), reverse, keep)
        ctx.keep, ctx.reverse = keep, reverse
        ctx.save_for_backward(xw, h0, c0, w_hh)
        return torch.stack(out, 0), h, c

    @staticmethod
    def backward(ctx, dout, dh_last, dc_last):
        xw, h0, c0, w_hh = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: differentiate the recorded recurrence
            ins = (xw, h0, c0, w_hh)
            wanted = [t for t in ins if t.requires_grad]
            with torch.enable_grad():
                outs = _differentiable(*ins, ctx.reverse)
                grads = iter(torch.autograd.grad(outs, wanted, (dout, dh_last, dc_last),
                                                 create_graph=True, allow_unused=True))
            return (*(next(grads) if t.requires_grad else None for t in ins), None)
        keep, steps = ctx.keep, xw.shape[0]
        dgates = [None] * steps
        dh, dc = dh_last, dc_last
        for t in (range(steps) if ctx.reverse else range(steps - 1, -1, -1)):
            factors, dact, q, f, _ = keep[t]
            dh = dh + dout[t]
            dc = dc + dh * q
            # [dc g, dc c_prev, dc i, dh tanh(c)] * each activation's derivative
            dgate = torch.cat([dc, dc, dc, dh], -1) * factors * dact
            dgates[t] = dgate
            dh = torch.matmul(dgate, w_hh)
            dc = dc * f
        dxw = torch.stack(dgates, 0)
        h_prev = torch.stack([k[4] for k in keep], 0)
        four_h = dxw.shape[-1]
        dw_hh = torch.matmul(dxw.reshape(-1, four_h).t(), h_prev.reshape(-1, h_prev.shape[-1]))
        return dxw, dh, dc, dw_hh, None


def lstm_sequence(xw, h0, c0, w_hh, reverse: bool = False):
    """``(out (T, N, H), h_T, c_T)`` of an LSTM layer-direction; see ``_LSTMSequence``.
    Without gradients to compute, the loop runs alone (nothing kept for a backward)."""
    if not (torch.is_grad_enabled() and any(t.requires_grad for t in (xw, h0, c0, w_hh))):
        out, h, c = _steps(xw, h0, c0, w_hh.t(), reverse, None)
        return torch.stack(out, 0), h, c
    return _LSTMSequence.apply(xw, h0, c0, w_hh, reverse)
