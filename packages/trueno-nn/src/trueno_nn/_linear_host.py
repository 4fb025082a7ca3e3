"""``F.linear`` of CPU float32/float64 tensors as one autograd node (PyTorch's addmm).

The generic path records three nodes per layer (the weight's transpose, the matmul and the
bias add) and walks them back through the dispatcher; this node calls the same CPU kernels
on the same operand layouts (so every value is bit for bit the generic path's): forward
``x @ W.T`` then ``+ b``; backward ``g @ W``, ``g.T @ x`` (W's own layout) and ``g.sum(0)``.
A backward that builds a graph (``create_graph=True``) differentiates trueno ops instead.
"""

from __future__ import annotations

import numpy as np

from trueno import sum as _sum
import trueno.torch as torch
from trueno.backend import CPU, get_op, kernel, wrap

__all__ = ["host_linear"]

_MATMUL = get_op("matmul")
_ADD = get_op("add")
_HOST_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_ndarray = np.ndarray


def host_linear(x, weight, bias):
    """``x @ weight.T + bias`` as one node when ``x`` (2-d), ``weight`` (2-d) and ``bias``
    (1-d or None) are non-empty CPU NumPy arrays of one float dtype; None otherwise (the
    caller runs the generic ops)."""
    xd, wd = x._data, weight._data
    if xd.__class__ is not _ndarray or wd.__class__ is not _ndarray or \
            x._device is not CPU or weight._device is not CPU or xd.dtype not in _HOST_FLOATS \
            or wd.dtype is not xd.dtype and wd.dtype != xd.dtype or xd.ndim != 2 or \
            wd.ndim != 2 or not xd.size or not wd.size:
        return None
    if bias is not None:
        bd = bias._data
        if bd.__class__ is not _ndarray or bias._device is not CPU or bd.ndim != 1 or \
                bd.dtype != xd.dtype:
            return None
    return Addmm.apply(x, weight, bias)


class Addmm(torch.autograd.Function):
    """The node of ``host_linear`` (named ``AddmmBackward`` as PyTorch's ``linear``)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        dt = x._dtype
        out = kernel(_MATMUL, CPU, dt)(x._data, weight._data.T)
        if bias is not None:
            out = kernel(_ADD, CPU, dt)(out, bias._data)
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        return wrap(x.__class__, np.asarray(out), CPU, None, dt)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        if torch.is_grad_enabled():  # create_graph: trueno ops, recorded
            gx = g @ weight if nx else None
            gw = g.mT @ x if nw else None
        else:
            dt = x._dtype
            mm = kernel(_MATMUL, CPU, dt)
            gd = g._data
            if gd.__class__ is not _ndarray or gd.dtype != x._data.dtype:
                gd = np.asarray(g.to(x.dtype)._data)
            cls = x.__class__
            gx = wrap(cls, np.asarray(mm(gd, weight._data)), CPU, None, dt) if nx else None
            gw = wrap(cls, np.asarray(mm(gd.T, x._data)), CPU, None, dt) if nw else None
        gb = _sum(g, 0) if ctx.has_bias and nb else None
        return gx, gw, gb
