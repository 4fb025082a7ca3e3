"""``F.linear`` of 2-d float tensors off the CPU (the GPU) as one autograd node, as
``_linear_host`` does on the CPU (PyTorch's addmm).

The generic path records three nodes per layer (the weight's transpose, the matmul and the
bias add) and walks them back through the dispatcher, each with its own recording, rule and
gradient fitting; this node calls the device's kernels on the same operand layouts, so every
value is bit for bit the generic path's: forward ``x @ W.T`` (W's transposed view) then
``+ b``; backward ``g @ W``, ``g.T @ x`` (W's own layout, contiguous: no copy) and
``g.sum(0)`` (the sum row's kernel). A backward that builds a graph (``create_graph=True``)
differentiates trueno ops instead. The kernels are looked up per call
(``trueno.backend.kernel``), so a device without a matmul or add kernel for the dtype takes
the generic path.
"""

from __future__ import annotations

from trueno import TruenoError
from trueno import sum as _sum
from trueno.backend import CPU, get_op, kernel, wrap
import trueno.torch as torch

__all__ = ["device_linear"]

_MATMUL = get_op("matmul")
_ADD = get_op("add")
_SUM = get_op("sum")


def _t(a):
    """The transposed view of 2-d device array ``a`` (metadata only)."""
    return a.view(a.offset, a.shape[::-1], a.strides[::-1])


def device_linear(x, weight, bias):
    """``x @ weight.T + bias`` as one node when ``x`` (2-d), ``weight`` (2-d) and ``bias``
    (1-d or None) are non-empty float tensors of one dtype on one device other than the CPU,
    whose matmul and add kernels exist; None otherwise (the caller runs the generic ops)."""
    dev, dt = x._device, x._dtype
    if dev is CPU or dt.kind != "f" or weight._device is not dev or weight._dtype is not dt:
        return None
    xd, wd = x._data, weight._data
    if xd.ndim != 2 or wd.ndim != 2 or not xd.size or not wd.size:
        return None
    if bias is not None:
        if bias._device is not dev or bias._dtype is not dt or bias._data.ndim != 1:
            return None
    try:
        kernel(_MATMUL, dev, dt)
        if bias is not None:
            kernel(_ADD, dev, dt)
    except TruenoError:
        return None
    return Addmm.apply(x, weight, bias)


class Addmm(torch.autograd.Function):
    """The node of ``device_linear`` (named ``AddmmBackward`` as PyTorch's ``linear``)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        dev, dt = x._device, x._dtype
        out = kernel(_MATMUL, dev, dt)(x._data, _t(weight._data))
        if bias is not None:
            out = kernel(_ADD, dev, dt)(out, bias._data)
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        return wrap(x.__class__, out, dev, None, dt)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        if torch.is_grad_enabled() or g._dtype is not x._dtype or g._device is not x._device:
            # create_graph (or a gradient of another dtype): trueno ops, recorded
            gx = g @ weight if nx else None
            gw = g.mT @ x if nw else None
            gb = _sum(g, 0) if ctx.has_bias and nb else None
            return gx, gw, gb
        dev, dt, cls = x._device, x._dtype, x.__class__
        mm = kernel(_MATMUL, dev, dt)
        gd = g._data
        gx = wrap(cls, mm(gd, weight._data), dev, None, dt) if nx else None
        gw = wrap(cls, mm(_t(gd), x._data), dev, None, dt) if nw else None
        gb = None
        if ctx.has_bias and nb:
            try:  # the sum row's kernel on the device array (the NumPy face's sum: ~25 us)
                gb = wrap(cls, kernel(_SUM, dev, dt)(gd, axis=(0,), keepdims=False,
                                                     dtype=dt.numpy), dev, None, dt)
            except TruenoError:
                gb = _sum(g, 0)
        return gx, gw, gb
