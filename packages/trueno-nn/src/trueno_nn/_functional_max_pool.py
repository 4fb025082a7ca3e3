"""``max_pool2d`` on the CPU as one autograd node that computes on the input's NumPy array.

The forward scans the window taps (strided views of the, if need be ``-inf``-padded, input)
once, in PyTorch's order, keeping per output the running maximum and the number of the tap
that holds it: a tap replaces the maximum when it is greater or NaN (PyTorch's CPU kernel:
the first maximum wins on ties, the last NaN wins, a window of ``-inf`` keeps its first
in-bounds position). The backward writes the output gradient into each tap's view of a zero
input gradient where that tap won, one pass per tap, instead of a gather and a scatter-add.

The selection runs on the CPU backend's ``where`` (trueno-simd's when installed: NumPy's
``where`` with a random mask is several times slower), each tap copied to a contiguous buffer
first. Off the CPU, a floating tensor is one autograd node over the rows
``max_pool2d_forward`` / ``max_pool2d_backward`` (``device_max_pool2d``: one GPU dispatch each
way, no upload). Other dtypes keep pooling.py's trueno-op path; double backward (a gradient
computed with ``create_graph``) differentiates that path."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from trueno.backend import CPU, dtype_of, get_op, kernel, run
import trueno.torch as torch

__all__ = ["Geometry", "host_max_pool2d", "is_host_input", "window_starts",
           "device_max_pool2d", "is_device_input", "RowPlan", "row_plan"]

_HOST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_WHERE = get_op("where")
_FORWARD = get_op("max_pool2d_forward")
_BACKWARD = get_op("max_pool2d_backward")
_NEG_INF = float("-inf")


class Geometry(NamedTuple):
    """A 2-D max pooling's kernel, stride, padding, dilation (each ``(rows, cols)``), and
    output size."""

    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    out: tuple


def is_host_input(x) -> bool:
    """Whether ``x`` is a CPU float32/float64 tensor with at least two dims (the host path)."""
    data = x._data
    return isinstance(data, np.ndarray) and data.dtype in _HOST_DTYPES and data.ndim >= 2


def window_starts(out: int, stride: int, padding: int, dilation: int) -> np.ndarray:
    """The first in-bounds tap of each window along one axis: the tap number ``i`` of
    ``o * stride - padding + i * dilation``, PyTorch's start (``while (i0 < 0) i0 +=
    dilation``), the position its kernel reports for a window of ``-inf``."""
    first = np.arange(out) * stride - padding
    return np.where(first < 0, -(first // dilation), 0)


def _padded_extent(size: int, k: int, s: int, p: int, d: int, out: int) -> int:
    """The rows (or columns) of the padded input the windows read."""
    return max((out - 1) * s + d * (k - 1) + 1, p + size)


def _padded(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """``x`` with ``-inf`` before (padding) and after (padding and ceil_mode's last window)
    its last two dims, as far as the windows read; ``x`` itself when they read no padding."""
    h, w = x.shape[-2:]
    hp, wp = (_padded_extent(n, k, s, p, d, o) for n, k, s, p, d, o in
              zip((h, w), geom.kernel, geom.stride, geom.padding, geom.dilation, geom.out))
    (p0, p1) = geom.padding
    if (hp, wp) == (h, w):
        return x
    xp = np.full(x.shape[:-2] + (hp, wp), _NEG_INF, x.dtype)
    xp[..., p0:p0 + h, p1:p1 + w] = x
    return xp


def _tap_view(a: np.ndarray, t: int, geom: Geometry) -> np.ndarray:
    """Tap ``t`` (row-major over the kernel) of every window: a strided view of ``a``."""
    k1, (s0, s1), (d0, d1), (oh, ow) = geom.kernel[1], geom.stride, geom.dilation, geom.out
    i, j = divmod(t, k1)
    return a[..., i * d0:i * d0 + s0 * (oh - 1) + 1:s0, j * d1:j * d1 + s1 * (ow - 1) + 1:s1]


def _scan(xp: np.ndarray, geom: Geometry, with_taps: bool):
    """The maximum of each window and (``with_taps``) the number of the tap that holds it,
    in PyTorch's scan order: a tap wins when it is greater than the maximum so far or NaN."""
    count = geom.kernel[0] * geom.kernel[1]
    m = np.array(_tap_view(xp, 0, geom))  # a contiguous copy
    which = None
    if with_taps:
        which = np.zeros(m.shape, np.uint8 if count < 256 else np.int32)
        step = np.empty_like(which)
    if count == 1:
        return m, which
    where = kernel(_WHERE, CPU, dtype_of(m.dtype))
    tap = np.empty_like(m)
    wins = np.empty(m.shape, bool)
    nan = np.empty(m.shape, bool)
    for t in range(1, count):
        np.copyto(tap, _tap_view(xp, t, geom))
        np.greater(tap, m, out=wins)
        wins |= np.isnan(tap, out=nan)
        m = where(wins, tap, m)
        if with_taps:  # which += wins * (t - which): which <= t - 1 here, no wrap-around
            np.subtract(which.dtype.type(t), which, out=step)
            step *= wins
            which += step
    return m, which


def _fix_padding_taps(m: np.ndarray, which: np.ndarray, geom: Geometry) -> None:
    """A window whose maximum is ``-inf`` may have picked a padding tap (the first ``-inf``):
    PyTorch reports its first in-bounds position. Sets those windows' tap to it, in place."""
    neg = m == _NEG_INF
    if not neg.any():
        return
    (k1,), (oh, ow) = geom.kernel[1:], geom.out
    rows = window_starts(oh, geom.stride[0], geom.padding[0], geom.dilation[0])
    cols = window_starts(ow, geom.stride[1], geom.padding[1], geom.dilation[1])
    start = (rows[:, None] * k1 + cols[None, :]).astype(which.dtype)
    np.copyto(which, np.broadcast_to(start, which.shape), where=neg)


def _positions(which: np.ndarray, geom: Geometry, width: int) -> np.ndarray:
    """The flat input index ``row * W + col`` (int64) of each window's winning tap."""
    (k1,), (s0, s1), (p0, p1), (d0, d1), (oh, ow) = (geom.kernel[1:], geom.stride,
                                                      geom.padding, geom.dilation, geom.out)
    i, j = np.divmod(which.astype(np.int64), k1)
    rows = (np.arange(oh) * s0 - p0)[:, None] + i * d0
    cols = (np.arange(ow) * s1 - p1)[None, :] + j * d1
    return rows * width + cols


def _forward(x: np.ndarray, geom: Geometry, with_taps: bool):
    """``(values, taps)`` of the pooling of ``x``; ``taps`` is None without ``with_taps``."""
    xp = _padded(x, geom)
    m, which = _scan(xp, geom, with_taps)
    if with_taps and xp is not x:
        _fix_padding_taps(m, which, geom)
    return m, which


def _disjoint(geom: Geometry) -> bool:
    """Whether no two windows share an input element (each input gets at most one
    gradient)."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(geom.kernel, geom.stride,
                                                       geom.dilation))


def _backward(dout: np.ndarray, which: np.ndarray, geom: Geometry, shape: tuple) -> np.ndarray:
    """The input gradient: ``dout`` of each window sent to its winning tap (summed where
    windows overlap), one pass per tap over a zero gradient of the padded input."""
    h, w = shape[-2:]
    hp, wp = (_padded_extent(n, k, s, p, d, o) for n, k, s, p, d, o in
              zip((h, w), geom.kernel, geom.stride, geom.padding, geom.dilation, geom.out))
    gin = np.zeros(shape[:-2] + (hp, wp), dout.dtype)
    finite = bool(np.isfinite(dout).all())  # else 0 * inf would put NaN at the losers
    disjoint = _disjoint(geom)
    won = np.empty(which.shape, bool)
    part = np.empty(dout.shape, dout.dtype)
    for t in range(geom.kernel[0] * geom.kernel[1]):
        np.equal(which, t, out=won)
        view = _tap_view(gin, t, geom)
        if finite and disjoint:
            np.multiply(dout, won, out=view)
            continue
        if finite:
            np.multiply(dout, won, out=part)
        else:
            np.copyto(part, np.where(won, dout, 0))
        view += part
    (p0, p1) = geom.padding
    if (hp, wp) == (h, w):
        return gin
    return np.ascontiguousarray(gin[..., p0:p0 + h, p1:p1 + w])


class _MaxPool2d(torch.autograd.Function):
    """``max_pool2d`` of a CPU float tensor (``is_host_input``), with its indices if asked;
    ``generic`` (input -> values) is the trueno-op form a double backward differentiates."""

    @staticmethod
    def forward(ctx, x, geom, return_indices, generic):
        arr = x._data
        m, which = _forward(arr, geom, True)
        ctx.save_for_backward(x)
        ctx.which, ctx.geom, ctx.generic = which, geom, generic
        out = torch.from_numpy(m)
        if not return_indices:
            return out
        idx = torch.from_numpy(_positions(which, geom, arr.shape[-1]))
        ctx.mark_non_differentiable(idx)
        return out, idx

    @staticmethod
    def backward(ctx, dout, *_):  # the indices carry no gradient
        (x,) = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: differentiate the trueno-op form
            with torch.enable_grad():
                (dx,) = torch.autograd.grad(ctx.generic(x), [x], dout, create_graph=True)
            return dx, None, None, None
        arr = x._data
        g = np.asarray(dout._data, dtype=arr.dtype)
        return torch.from_numpy(_backward(g, ctx.which, ctx.geom, arr.shape)), None, None, None


def host_max_pool2d(x, geom: Geometry, return_indices: bool,
                    generic: Callable):
    """``max_pool2d`` of ``x`` (``is_host_input``) on its NumPy array: the values, and with
    ``return_indices`` the flat input index of each maximum, as PyTorch's CPU kernel; one
    autograd node when ``x`` requires grad (``generic`` is used for double backward)."""
    if torch.is_grad_enabled() and x.requires_grad:
        return _MaxPool2d.apply(x, geom, return_indices, generic)
    m, which = _forward(x._data, geom, return_indices)
    out = torch.from_numpy(m)
    if not return_indices:
        return out
    return out, torch.from_numpy(_positions(which, geom, x.shape[-1]))


def is_device_input(x) -> bool:
    """Whether ``x`` is a floating tensor off the CPU (the rows' path)."""
    return x._device.type != "cpu" and x._dtype.kind == "f"


class RowPlan(NamedTuple):
    """A device max pooling's row parameters (forward, and backward with the input plane's
    size) and its trueno-op form (for double backward), made once per geometry and shape."""

    forward: dict
    backward: dict
    generic: Callable


def row_plan(geom: Geometry, ceil_mode: bool, size: tuple, generic: Callable) -> RowPlan:
    """The ``RowPlan`` of ``geom`` for an input plane of ``size`` (H, W)."""
    p = {"kernel_size": geom.kernel, "stride": geom.stride, "padding": geom.padding,
         "dilation": geom.dilation}
    return RowPlan({**p, "ceil_mode": bool(ceil_mode)}, {**p, "input_size": tuple(size)},
                   generic)


class _MaxPool2dRows(torch.autograd.Function):
    """``max_pool2d`` of a floating (N, C, H, W) tensor off the CPU: the forward row's values
    and indices; the backward row sends the gradient to the indices."""

    @staticmethod
    def forward(ctx, x, plan, return_indices):
        out, idx = run(_FORWARD, (x,), (x._data,), plan.forward, x.__class__, x._device,
                       x._dtype)
        ctx.save_for_backward(x)
        ctx.idx, ctx.plan = idx, plan
        if not return_indices:
            return out
        ctx.mark_non_differentiable(idx)
        return out, idx

    @staticmethod
    def backward(ctx, dout, *_):  # the indices carry no gradient
        (x,) = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: differentiate the trueno-op form
            with torch.enable_grad():
                (dx,) = torch.autograd.grad(ctx.plan.generic(x), [x], dout,
                                            create_graph=True)
            return dx, None, None
        idx = ctx.idx
        dx = run(_BACKWARD, (dout, idx), (dout._data, idx._data), ctx.plan.backward,
                 x.__class__, x._device, x._dtype)
        return dx, None, None


def device_max_pool2d(x, plan: RowPlan, return_indices: bool):
    """``max_pool2d`` of ``x`` (``is_device_input``, (N, C, H, W) or (C, H, W)) through the
    rows, one autograd node when ``x`` requires grad (``plan.generic``, on the 4-d input, is
    differentiated for double backward)."""
    x4 = x if x.ndim == 4 else x.unsqueeze(0)
    if x4.requires_grad and torch.is_grad_enabled():
        r = _MaxPool2dRows.apply(x4, plan, return_indices)
    else:
        r = run(_FORWARD, (x4,), (x4._data,), plan.forward, x4.__class__, x4._device,
                x4._dtype)
        r = r if return_indices else r[0]
    if x.ndim == 4:
        return r
    return tuple(t.squeeze(0) for t in r) if return_indices else r.squeeze(0)
