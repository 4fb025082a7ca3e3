"""RNN, LSTM, GRU (layers, bidirectional, batch_first, inter-layer dropout, unbatched input)
and RNNCell, LSTMCell, GRUCell, with PyTorch's parameter names, gate order and init
(every weight U(-1/sqrt(hidden), 1/sqrt(hidden)) in registration order). Time steps run as a
Python loop of trueno ops, so autograd differentiates through them on every device; an LSTM
layer-direction (every device) and a GRU one (off the CPU) run as one autograd node over
fused cell rows (``_lstm_sequence``, ``_gru_sequence``)."""

from __future__ import annotations

import math

from trueno.backend import get_op, run
import trueno.torch as torch

from . import _functional_act as FA
from . import init
from ._errors import ModuleValueError
from ._gru_sequence import gru_sequence
from ._lstm_sequence import lstm_sequence
from .module import Module
from .parameter import Parameter

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


def _hh(h, w_hh_t, b_hh):
    """``h W_hh^T + b_hh`` with the transposed weight made once per sequence (not one
    transpose node per step)."""
    out = torch.matmul(h, w_hh_t)
    return out if b_hh is None else out + b_hh


def _rnn_tanh(xw, h, w_hh_t, b_hh):
    """One Elman step from the input's projection ``xw = x W_ih^T + b_ih``."""
    return torch.tanh(xw + _hh(h, w_hh_t, b_hh))


def _rnn_relu(xw, h, w_hh_t, b_hh):
    return torch.relu(xw + _hh(h, w_hh_t, b_hh))


def _lstm_step(xw, state, w_hh_t, b_hh):
    """Gates ``i, f, g, o`` (PyTorch's order) from ``xw + h W_hh^T + b_hh``, where
    ``xw = x W_ih^T + b_ih``."""
    h, c = state
    return _LSTMPointwise.apply(xw, _hh(h, w_hh_t, b_hh), c)


def _lstm_pointwise(gates, c):
    """``h, c, (the gate activations)`` from the gates and the previous cell state."""
    i, f, g, o = gates.chunk(4, -1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    tc = torch.tanh(c)
    return o * tc, c, (i, f, g, o, tc)


def _rows_apply(*tensors) -> bool:
    """Whether a cell runs its fused rows: batched (2-d) operands off the CPU."""
    t = tensors[0]
    return t._device.type != "cpu" and all(a.ndim == 2 for a in tensors)


def _run_row(name, tensors):
    t0 = tensors[0]
    return run(get_op(name), tensors, [None if t is None else t._data for t in tensors], {},
               t0.__class__, t0._device, t0._dtype)


class _LSTMPointwise(torch.autograd.Function):
    """The LSTM's gate nonlinearities and state update as one node (PyTorch's fused cell):
    ``c' = sigmoid(f) c + sigmoid(i) tanh(g)``, ``h' = sigmoid(o) tanh(c')`` for the gates
    ``xw + hh``. Off the CPU the rows ``lstm_cell_forward`` / ``lstm_cell_backward`` (one
    launch each on the GPU, the gates' sum inside); on the CPU trueno ops and the forward's
    activations. When the backward is itself recorded (``create_graph``) it recomputes the
    activations from the saved inputs with trueno ops, so that double backward reaches the
    gates and the cell state."""

    @staticmethod
    def forward(ctx, xw, hh, c):
        ctx.save_for_backward(xw, hh, c)
        if _rows_apply(xw, hh, c):
            h, c_new, ws = _run_row("lstm_cell_forward", (xw, hh, c, None, None, None))
            ctx.row, ctx.acts = (c_new, ws), None
            return h, c_new
        ctx.row = None
        h, c, ctx.acts = _lstm_pointwise(xw + hh, c)
        return h, c

    @staticmethod
    def backward(ctx, dh, dc):
        xw, hh, c = ctx.saved_tensors
        if torch.is_grad_enabled():
            _, _, (i, f, g, o, tc) = _lstm_pointwise(xw + hh, c)
        elif ctx.row is not None:
            c_new, ws = ctx.row
            dgates, dc_prev = _run_row("lstm_cell_backward",
                                       (dh, torch.zeros_like(dh), dc, c, c_new, ws, None, None))
            return dgates, dgates, dc_prev
        else:
            i, f, g, o, tc = ctx.acts
        do = dh * tc
        dc = dc + dh * o * (1 - tc * tc)
        di, df, dg = dc * g, dc * c, dc * i
        dgates = torch.cat([di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g),
                            do * o * (1 - o)], -1)
        return dgates, dgates, dc * f


def _gru_gates(xw, gh, h):
    """``h'`` of the GRU from the gate products ``xw`` and ``gh`` (hidden bias included)."""
    xr, xz, xn = xw.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r = torch.sigmoid(xr + hr)
    z = torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def _gru_step(xw, h, w_hh_t, b_hh):
    """Gates ``r, z, n``: ``n = tanh(x W_in + b_in + r (h W_hn + b_hn))``; off the CPU one
    node over the fused rows (``_GRUPointwise``)."""
    if _rows_apply(xw, h):
        return _GRUPointwise.apply(xw, torch.matmul(h, w_hh_t), h, b_hh)
    return _gru_gates(xw, _hh(h, w_hh_t, b_hh), h)


class _GRUPointwise(torch.autograd.Function):
    """The GRU cell's pointwise part as one node over the rows ``gru_cell_forward`` /
    ``gru_cell_backward`` (one launch each on the GPU; the hidden bias ``b_hh`` added inside,
    its gradient the sum of the hidden gates'). With ``create_graph`` the backward
    differentiates the recorded trueno ops instead."""

    @staticmethod
    def forward(ctx, xw, hh, h, b_hh):
        ctx.save_for_backward(xw, hh, h, b_hh)
        h_new, ctx.ws = _run_row("gru_cell_forward", (xw, hh, h, b_hh, None, None))
        return h_new

    @staticmethod
    def backward(ctx, dh):
        ins = ctx.saved_tensors
        xw, hh, h, b_hh = ins
        if torch.is_grad_enabled():
            # each input's partial derivative: a clone per input stops autograd.grad there
            # (hh and xw may depend on h), and keeps the result differentiable in the input
            with torch.enable_grad():
                xw, hh, h, b_hh = al = [t.clone() if t is not None and t.requires_grad else t
                                        for t in ins]
                out = _gru_gates(xw, hh if b_hh is None else hh + b_hh, h)
                wanted = [a for a, t in zip(al, ins) if t is not None and t.requires_grad]
                grads = iter(torch.autograd.grad(out, wanted, dh, create_graph=True,
                                                 allow_unused=True))
            return tuple(next(grads) if t is not None and t.requires_grad else None
                         for t in ins)
        dgx, dgh, dh_prev = _run_row("gru_cell_backward", (dh, torch.zeros_like(dh), h,
                                                           ctx.ws, None, None, None, None))
        return dgx, dgh, dh_prev, None if b_hh is None else dgh.sum(0)


def _cell(step):
    """The cell of ``step`` on the input itself: ``(x, h, w_ih, w_hh, b_ih, b_hh)``."""
    def cell(x, h, w_ih, w_hh, b_ih, b_hh):
        return step(FA.linear(x, w_ih, b_ih), h, w_hh.t(), b_hh)
    return cell


_lstm_cell, _gru_cell = _cell(_lstm_step), _cell(_gru_step)


class _Unbind(torch.autograd.Function):
    """The slices ``x[0], x[1], ...`` as one node whose backward stacks their gradients (the
    sequence's input projection, computed for all steps at once: slicing it step by step
    would add one full-size zero tensor per step to the backward)."""

    @staticmethod
    def forward(ctx, x):
        return tuple(x[t] for t in range(x.shape[0]))

    @staticmethod
    def backward(ctx, *grads):
        return torch.stack(grads, 0)



class _RNNBase(Module):
    _gates = 1
    _fold_bias = True  # b_hh adds to the gates outside any product (not GRU's n gate)
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if proj_size:
            raise NotImplementedError("LSTM proj_size is not supported yet")
        if not 0 <= dropout <= 1:
            raise ModuleValueError("dropout should be a number in range [0, 1] representing "
                                   "the probability of an element being zeroed")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, \
            num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        dirs = 2 if bidirectional else 1
        gh = self._gates * hidden_size
        dt = dtype or torch.float32
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                in_size = input_size if layer == 0 else hidden_size * dirs
                shapes = [("weight_ih", (gh, in_size)), ("weight_hh", (gh, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gh,)), ("bias_hh", (gh,))]
                for name, shape in shapes:
                    setattr(self, name + sfx, Parameter(torch.empty(shape, dtype=dt,
                                                                    device=device)))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _weights(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        get = self._parameters.get
        return (get("weight_ih" + sfx), get("weight_hh" + sfx), get("bias_ih" + sfx),
                get("bias_hh" + sfx))

    def _zeros(self, x, n):
        dirs = 2 if self.bidirectional else 1
        return torch.zeros((self.num_layers * dirs, n, self.hidden_size), dtype=x.dtype,
                           device=x.device)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
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

    def _run(self, x, hx):
        """``x``: (T, N, in); ``hx``: per (layer, direction) states. Returns the last layer's
        outputs (T, N, dirs*H) and the final states in PyTorch's order."""
        dirs = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                h = hx[layer * dirs + d]
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, d)
                if self._fold_bias and b_hh is not None:
                    # both biases are added once, to the input's projection
                    b_ih, b_hh = b_ih + b_hh, None
                # the input's projection for all steps in one product, as PyTorch does
                seq, h = self._direction(FA.linear(x, w_ih, b_ih), h, w_hh, b_hh, d)
                outs.append(seq)
                finals.append(h)
            x = outs[0] if dirs == 1 else torch.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = FA.dropout(x, self.dropout, True)
        return x, finals

    def _direction(self, proj, h, w_hh, b_hh, reverse):
        """One layer-direction: the outputs (T, N, H) and the final state, a Python loop of
        ``_step`` over the time steps of the input's projection ``proj``."""
        steps = proj.shape[0]
        xw = _Unbind.apply(proj)
        w_hh_t = w_hh.t()
        seq = [None] * steps
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            h = self._step(xw[t], h, w_hh_t, b_hh)
            seq[t] = h[0] if isinstance(h, tuple) else h
        return torch.stack(seq, 0), h

    def forward(self, input, hx=None):  # noqa: A002
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first
                                                   else input)
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ModuleValueError(f"{type(self).__name__}: expected input of shape "
                                   f"(L, N, {self.input_size}) (or batch first / unbatched), "
                                   f"got {tuple(input.shape)}")
        states = self._initial(x, hx, unbatched)
        out, finals = self._run(x, states)
        out = out.squeeze(1) if unbatched else (out.transpose(0, 1) if self.batch_first
                                                 else out)
        return out, self._final(finals, unbatched)

    def _initial(self, x, hx, unbatched):
        h0 = self._zeros(x, x.shape[1]) if hx is None else \
            (hx.unsqueeze(1) if unbatched else hx)
        return [h0[i] for i in range(h0.shape[0])]

    def _final(self, finals, unbatched):
        h = torch.stack(finals, 0)
        return h.squeeze(1) if unbatched else h


class RNN(_RNNBase):
    """Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, *args, nonlinearity: str = "tanh", **kwargs) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ModuleValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from "
                                   f"'tanh' or 'relu'.")
        super().__init__(*args, **kwargs)
        self.nonlinearity = nonlinearity
        self._step = _rnn_tanh if nonlinearity == "tanh" else _rnn_relu


class GRU(_RNNBase):
    """Gated recurrent unit (gates r, z, n)."""

    _gates = 3
    _fold_bias = False
    _step = staticmethod(_gru_step)

    def _direction(self, proj, h, w_hh, b_hh, reverse):
        """Off the CPU the whole sequence as one autograd node over the fused cell rows
        (``_gru_sequence``); on the CPU the recorded per-step loop."""
        if proj.device.type == "cpu":
            return super()._direction(proj, h, w_hh, b_hh, reverse)
        return gru_sequence(proj, h, w_hh, b_hh, bool(reverse))


class LSTM(_RNNBase):
    """Long short-term memory (gates i, f, g, o); returns ``output, (h_n, c_n)``."""

    _gates = 4
    _step = staticmethod(_lstm_step)

    def _direction(self, proj, h, w_hh, b_hh, reverse):
        """The whole sequence as one autograd node (``_lstm_sequence``); both biases are
        folded into ``proj``."""
        out, h_last, c_last = lstm_sequence(proj, h[0], h[1], w_hh, bool(reverse))
        return out, (h_last, c_last)

    def _initial(self, x, hx, unbatched):
        if hx is None:
            z = self._zeros(x, x.shape[1])
            h0, c0 = z, z
        else:
            h0, c0 = hx
            if unbatched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
        return [(h0[i], c0[i]) for i in range(h0.shape[0])]

    def _final(self, finals, unbatched):
        h = torch.stack([f[0] for f in finals], 0)
        c = torch.stack([f[1] for f in finals], 0)
        return (h.squeeze(1), c.squeeze(1)) if unbatched else (h, c)


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gh = self._gates * hidden_size
        dt = dtype or torch.float32
        self.weight_ih = Parameter(torch.empty((gh, input_size), dtype=dt, device=device))
        self.weight_hh = Parameter(torch.empty((gh, hidden_size), dtype=dt, device=device))
        if bias:
            self.bias_ih = Parameter(torch.empty(gh, dtype=dt, device=device))
            self.bias_hh = Parameter(torch.empty(gh, dtype=dt, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = _RNNBase.reset_parameters

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        return s

    def _zeros(self, x):
        shape = (x.shape[0], self.hidden_size) if x.ndim == 2 else (self.hidden_size,)
        return torch.zeros(shape, dtype=x.dtype, device=x.device)

    def _w(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(_CellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        hx = self._zeros(input) if hx is None else hx
        step = _rnn_tanh if self.nonlinearity == "tanh" else _rnn_relu
        return _cell(step)(input, hx, *self._w())


class GRUCell(_CellBase):
    _gates = 3

    def forward(self, input, hx=None):  # noqa: A002
        return _gru_cell(input, self._zeros(input) if hx is None else hx, *self._w())


class LSTMCell(_CellBase):
    _gates = 4

    def forward(self, input, hx=None):  # noqa: A002
        if hx is None:
            z = self._zeros(input)
            hx = (z, z)
        return _lstm_cell(input, hx, *self._w())
