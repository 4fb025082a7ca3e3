"""One LSTM layer-direction over a whole sequence as one autograd node (PyTorch's fused LSTM):
the forward runs the time loop without recording a graph, the backward runs
backpropagation through time in one loop and computes the recurrent weight's gradient as one
product over all steps.

On the CPU (float32/float64) the node computes on the tensors' NumPy arrays: per step one
product into a preallocated buffer, the CPU backend's sigmoid over all four gates ``(N,
4H)`` and tanh over g's and the cell state, and a few in-place NumPy products; outputs and
the backward's saved activations go into arrays made once per sequence. On other devices
each step is ``h_prev @ W_hh^T`` and the fused cell row ``lstm_cell_forward`` (PyTorch's
``_thnn_fused_lstm_cell``: trueno-gpu's one kernel, the row's decomposition on a device
without one) writing into the sequence's arrays, the backward per step
``lstm_cell_backward`` and ``d_gates @ W_hh``: two launches a step each way where the
trueno-op recurrence took ~22 forward and ~13 backward.
Double backward differentiates that recurrence, recorded op by op (``_steps``)."""

from __future__ import annotations

import numpy as np

from trueno.backend import CPU, TruenoError, dtype_of, get_op, kernel, run, wrap
import trueno.torch as torch

__all__ = ["lstm_sequence"]

_HOST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SIGMOID, _TANH = get_op("sigmoid"), get_op("tanh")
_CELL, _CELL_BACKWARD = get_op("lstm_cell_forward"), get_op("lstm_cell_backward")
_MATMUL = get_op("matmul")


def _steps(xw, h, c, w_hh_t, reverse):
    """The recurrence recorded as trueno ops (double backward differentiates it)."""
    hidden = h.shape[-1]
    steps = xw.shape[0]
    out = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gates = xw[t] + torch.matmul(h, w_hh_t)
        s = torch.sigmoid(gates)
        i, f, o = s[..., :hidden], s[..., hidden:2 * hidden], s[..., 3 * hidden:]
        g = torch.tanh(gates[..., 2 * hidden:3 * hidden])
        c = f * c + i * g
        h = o * torch.tanh(c)
        out[t] = h
    return out, h, c


def _row(op, tensors):
    """Row ``op`` on ``tensors`` (one device and dtype; None for an output to make): its
    kernel (trueno-gpu's one fused launch) or, on a device without one, its
    decomposition."""
    t0 = tensors[0]
    return run(op, tensors, [None if t is None else t._data for t in tensors], {},
               t0.__class__, t0._device, t0._dtype)


def _kernels(t):
    """The device's kernels of ``lstm_cell_forward``, ``lstm_cell_backward`` and ``matmul``
    for ``t``'s device and dtype, or None where one is missing (the loops then run the rows
    through the dispatcher: their decompositions)."""
    try:
        return tuple(kernel(op, t._device, t._dtype) for op in (_CELL, _CELL_BACKWARD, _MATMUL))
    except TruenoError:
        return None


def _at(a, t: int):
    """Step ``t`` of device array ``a`` (T, ...): a view made on its metadata (no Tensor,
    no indexing frames: the loops take two of these per kernel)."""
    if a.__class__ is np.ndarray:
        return a[t]
    return a.view(a.offset + t * a.strides[0], a.shape[1:], a.strides[1:])


def _cell_steps(xw, h0, c0, w_hh, reverse):
    """The recurrence on any device with two launches a step: ``h_prev @ W_hh^T`` and the
    ``lstm_cell_forward`` row (the gates' sum, activations, c and h in one kernel on the
    GPU), which writes each step's h, c and gate activations into its slice of the
    sequence's arrays ``hs``, ``cs`` (T, N, H) and ``ws`` (T, N, 4H): nothing to stack, and
    the kernel binds the same buffers every step. Where the device has the kernels, the loop
    calls them on the device arrays. Returns ``(hs, cs, ws)``."""
    steps, n, four_h = xw.shape
    hs = torch.empty((steps, n, four_h // 4), dtype=xw.dtype, device=xw.device)
    cs = torch.empty((steps, n, four_h // 4), dtype=xw.dtype, device=xw.device)
    ws = torch.empty((steps, n, four_h), dtype=xw.dtype, device=xw.device)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    ks = _kernels(xw)
    if ks is None:
        w_t, h, c = w_hh.t(), h0, c0
        for t in order:
            h_t, c_t = hs[t], cs[t]
            _row(_CELL, (xw[t], torch.matmul(h, w_t), c, h_t, c_t, ws[t]))
            h, c = h_t, c_t
        return hs, cs, ws
    cell, _, matmul = ks
    x_a, hs_a, cs_a, ws_a = xw._data, hs._data, cs._data, ws._data
    w_t, h, c = w_hh.t()._data, h0._data, c0._data
    for t in order:
        h_t, c_t = _at(hs_a, t), _at(cs_a, t)
        cell(_at(x_a, t), matmul(h, w_t), c, h_t, c_t, _at(ws_a, t))
        h, c = h_t, c_t
    return hs, cs, ws


def _host_arrays(*tensors):
    """The NumPy arrays of ``tensors`` when all are CPU arrays of one dtype, float32 or
    float64 (the host path), else None."""
    arrays = tuple(t._data for t in tensors)
    dt = arrays[0].dtype if isinstance(arrays[0], np.ndarray) else None
    if dt not in _HOST_DTYPES:
        return None
    for a in arrays:
        if not isinstance(a, np.ndarray) or a.dtype != dt:
            return None
    return arrays


def _host_steps(xw, h0, c0, w_hh, reverse, keep):
    """The recurrence on NumPy arrays: ``xw`` (T, N, 4H), ``h0``/``c0`` (N, H), ``w_hh``
    (4H, H). Returns ``out`` (T, N, H), ``h_T``, ``c_T`` and, with ``keep``, the gate
    activations ``acts`` (T, N, 4H: sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)), the cell
    states ``cs`` and their ``tanh`` (T, N, H), indexed by time step."""
    steps, n, four_h = xw.shape
    hid = four_h // 4
    dt = xw.dtype
    w_t = w_hh.T
    kept = steps if keep else min(steps, 1)  # without keep, one buffer reused by every step
    out = np.empty((steps, n, hid), dt)
    acts = np.empty((kept, n, four_h), dt)
    cs = np.empty((kept, n, hid), dt)
    tcs = np.empty((kept, n, hid), dt)
    pre = np.empty((n, four_h), dt)
    tmp = np.empty((n, hid), dt)
    h, c = h0, c0
    # the CPU backend's sigmoid and tanh kernels (trueno-simd's: 2-4x NumPy's exp/tanh on
    # these sizes), looked up per step (a cached dict hit): the first call of a kernel in a
    # process goes through the dispatcher's one-time result check
    kdt = dtype_of(dt)
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        k = t if keep else 0
        a, c_new, tc = acts[k], cs[k], tcs[k]
        np.matmul(h, w_t, out=pre)
        pre += xw[t]
        a[...] = kernel(_SIGMOID, CPU, kdt)(pre)  # all four gates, then tanh over g's
        g = a[:, 2 * hid:3 * hid]
        tanh = kernel(_TANH, CPU, kdt)
        g[...] = tanh(pre[:, 2 * hid:3 * hid])
        np.multiply(a[:, hid:2 * hid], c, out=c_new)
        np.multiply(a[:, :hid], g, out=tmp)
        c_new += tmp
        tc[...] = tanh(c_new)
        h = np.multiply(a[:, 3 * hid:], tc, out=out[t])
        c = c_new
    return out, h.copy(), c.copy(), acts, cs, tcs


def _shifted(seq, first, reverse):
    """The previous step's value for every step: ``seq`` moved one step along time, with
    ``first`` at the step that starts the recurrence."""
    if not len(seq):
        return seq
    if reverse:
        return np.concatenate([seq[1:], first[None]], 0)
    return np.concatenate([first[None], seq[:-1]], 0)


def _host_backward(saved, reverse, dout, dh_last, dc_last, need_w):
    """Backpropagation through time on NumPy arrays (see ``_host_steps``): the gradients of
    ``xw``, ``h0``, ``c0`` and (``need_w``) ``w_hh``."""
    h0, c0, w_hh, out, acts, cs, tcs = saved
    steps, n, four_h = acts.shape
    hid = four_h // 4
    i, f, g, o = (acts[..., k * hid:(k + 1) * hid] for k in range(4))
    # each gate's pre-activation gradient is dc (dh for o) times a factor known from the
    # forward: [g, c_prev, i, tanh(c)] * the activation's derivative; all steps at once
    fac = acts * acts
    np.subtract(acts, fac, out=fac)
    np.multiply(g, g, out=fac[..., 2 * hid:3 * hid])
    np.subtract(1, fac[..., 2 * hid:3 * hid], out=fac[..., 2 * hid:3 * hid])
    fac[..., :hid] *= g
    fac[..., hid:2 * hid] *= _shifted(cs, c0, reverse)
    fac[..., 2 * hid:3 * hid] *= i
    fac[..., 3 * hid:] *= tcs
    q = tcs * tcs  # dc/dh = o (1 - tanh(c)^2)
    np.subtract(1, q, out=q)
    q *= o
    d = np.empty_like(acts)
    d4, fac4 = d.reshape(steps, n, 4, hid), fac.reshape(steps, n, 4, hid)
    dh = np.array(dh_last, dtype=acts.dtype)
    dc = np.array(dc_last, dtype=acts.dtype)
    tmp = np.empty_like(dc)
    for t in (range(steps) if reverse else range(steps - 1, -1, -1)):
        dh += dout[t]
        np.multiply(dh, q[t], out=tmp)
        dc += tmp
        np.multiply(dc[:, None, :], fac4[t, :, :3], out=d4[t, :, :3])
        np.multiply(dh, fac4[t, :, 3], out=d4[t, :, 3])
        np.matmul(d[t], w_hh, out=dh)
        dc *= f[t]
    dw = None
    if need_w:
        h_prev = _shifted(out, h0, reverse)
        dw = np.matmul(d.reshape(-1, four_h).T, h_prev.reshape(-1, hid))
    return d, dh, dc, dw


def _differentiable(xw, h0, c0, w_hh, reverse):
    """The same recurrence recorded op by op (for double backward)."""
    out, h, c = _steps(xw, h0, c0, w_hh.t(), reverse)
    return torch.stack(out, 0), h, c


def _tensor(a):
    return None if a is None else torch.from_numpy(a)


class _LSTMSequence(torch.autograd.Function):
    """``out, h_T, c_T`` of one LSTM layer-direction from ``xw = x W_ih^T + b`` (T, N, 4H),
    the initial states and ``W_hh`` (4H, H)."""

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, reverse):
        ctx.reverse = reverse
        ctx.save_for_backward(xw, h0, c0, w_hh)
        host = _host_arrays(xw, h0, c0, w_hh)
        if host is not None:
            out, h, c, acts, cs, tcs = _host_steps(*host, reverse, True)
            ctx.host = (host[1], host[2], host[3], out, acts, cs, tcs)
            # a copy: the backward reads ``out`` (each step's h_prev), and the caller may
            # write into the result
            return torch.from_numpy(out.copy()), torch.from_numpy(h), torch.from_numpy(c)
        ctx.host = None
        hs, cs, ws = _cell_steps(xw, h0, c0, w_hh, reverse)
        ctx.seq = (hs, cs, ws)
        last = 0 if reverse else xw.shape[0] - 1
        # a copy of the outputs: the backward reads ``hs`` (each step's h_prev), and the
        # caller may write into the result
        return hs.clone(), hs[last], cs[last]

    @staticmethod
    def backward(ctx, dout, dh_last, dc_last):
        xw, h0, c0, w_hh = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: differentiate the recorded recurrence
            ins = (xw, h0, c0, w_hh)
            with torch.enable_grad():
                # a clone per input: autograd.grad gives each one's partial derivative even
                # where one input is computed from another, still differentiable in it
                al = [t.clone() if t.requires_grad else t for t in ins]
                wanted = [a for a, t in zip(al, ins) if t.requires_grad]
                outs = _differentiable(*al, ctx.reverse)
                grads = iter(torch.autograd.grad(outs, wanted, (dout, dh_last, dc_last),
                                                 create_graph=True, allow_unused=True))
            return (*(next(grads) if t.requires_grad else None for t in ins), None)
        if ctx.host is not None:
            dt = ctx.host[0].dtype
            grads = (np.asarray(g._data, dtype=dt) for g in (dout, dh_last, dc_last))
            d = _host_backward(ctx.host, ctx.reverse, *grads, ctx.needs_input_grad[3])
            return (*(_tensor(a) for a in d), None)
        return (*_cell_backward(ctx.seq, h0, c0, w_hh, ctx.reverse, dout, dh_last, dc_last,
                                ctx.needs_input_grad[3]), None)


def _cell_backward(seq, h0, c0, w_hh, reverse, dout, dh_last, dc_last, need_w=True):
    """Backpropagation through time on any device from ``_cell_steps``'s arrays, two launches
    a step (the ``lstm_cell_backward`` row, which adds h's two gradients and writes the
    gates' gradient into its step of ``dxw``, and ``d_gates @ W_hh``; the kernels on the
    device arrays where the device has them): the gradients of ``xw``, ``h0``, ``c0`` and
    ``w_hh``, the last as the product of ``dxw`` with the outputs shifted by a step (each
    step's h_prev) plus the first step's with ``h0`` (None unless ``need_w``)."""
    hs, cs, ws = seq
    steps = hs.shape[0]
    first = steps - 1 if reverse else 0
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    dxw = torch.empty(ws.shape, dtype=ws.dtype, device=ws.device)
    ks = _kernels(ws)
    if ks is None:
        dh, dc = dh_last, dc_last
        for t in order:
            c_prev = c0 if t == first else cs[t + 1 if reverse else t - 1]
            dg = dxw[t]
            dc = _row(_CELL_BACKWARD, (dh, dout[t], dc, c_prev, cs[t], ws[t], dg, None))[1]
            dh = torch.matmul(dg, w_hh)
    else:
        _, cell_backward, matmul = ks
        d_a, do_a, cs_a, ws_a, w = dxw._data, dout._data, cs._data, ws._data, w_hh._data
        dh, dc, c0_a = dh_last._data, dc_last._data, c0._data
        for t in order:
            c_prev = c0_a if t == first else _at(cs_a, t + 1 if reverse else t - 1)
            dg = _at(d_a, t)
            dc = cell_backward(dh, _at(do_a, t), dc, c_prev, _at(cs_a, t), _at(ws_a, t), dg,
                               None)[1]
            dh = matmul(dg, w)
        cls, dev, dt = ws.__class__, ws._device, ws._dtype
        dh, dc = wrap(cls, dh, dev, None, dt), wrap(cls, dc, dev, None, dt)
    if not need_w:
        return dxw, dh, dc, None
    dw_hh = torch.matmul(dxw[first].t(), h0)
    if steps > 1:
        four_h, hid = ws.shape[-1], hs.shape[-1]
        g, h_prev = (dxw[:-1], hs[1:]) if reverse else (dxw[1:], hs[:-1])
        dw_hh = dw_hh + torch.matmul(g.reshape(-1, four_h).t(), h_prev.reshape(-1, hid))
    return dxw, dh, dc, dw_hh


def lstm_sequence(xw, h0, c0, w_hh, reverse: bool = False):
    """``(out (T, N, H), h_T, c_T)`` of an LSTM layer-direction; see ``_LSTMSequence``.
    Without gradients to compute, the loop runs alone (nothing kept for a backward)."""
    if not (torch.is_grad_enabled() and any(t.requires_grad for t in (xw, h0, c0, w_hh))):
        host = _host_arrays(xw, h0, c0, w_hh)
        if host is not None:
            out, h, c = _host_steps(*host, reverse, False)[:3]
            return torch.from_numpy(out), torch.from_numpy(h), torch.from_numpy(c)
        hs, cs, _ = _cell_steps(xw, h0, c0, w_hh, reverse)
        last = 0 if reverse else xw.shape[0] - 1
        return hs, hs[last], cs[last]
    return _LSTMSequence.apply(xw, h0, c0, w_hh, reverse)
