"""Decompositions of the max-pooling rows into primitives: ``max_pool2d_forward`` (the
maximum of each window and its flat input index) and ``max_pool2d_backward`` (the output
gradient sent to those indices), and the window geometry their kernels share.

Semantics are PyTorch's kernels' (CPU and CUDA alike): a window scans its in-bounds taps in
row-major order from ``-inf`` and the first in-bounds position; a tap replaces the maximum
when it is greater or NaN (ties keep the first maximum, the last NaN wins, a window of
``-inf`` reports its first in-bounds position). The backward sums, per input element, the
gradients of the windows whose index points at it, in row-major window order (PyTorch's
order: the same bits).
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._decompositions import astype, binary, finish, unary, where

__all__ = ["out_size", "window_positions", "max_pool2d_forward", "max_pool2d_backward"]


def out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length along one axis (``ceil_mode``'s last window must
    start inside the input or its left padding)."""
    num = size + 2 * p - d * (k - 1) - 1
    out = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _axis(size: int, k: int, s: int, p: int, d: int, out: int):
    """Per window along one axis: each tap's input coordinate ``(out, k)`` and whether it is
    in bounds, and the window's first in-bounds coordinate."""
    coord = (np.arange(out) * s - p)[:, None] + np.arange(k)[None, :] * d
    inside = (coord >= 0) & (coord < size)
    first = np.where(inside.any(1), coord[np.arange(out), inside.argmax(1)], 0)
    return coord, inside, first


def window_positions(size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
                     dilation: tuple, out: tuple):
    """``(positions, start)``: the flat input index ``row * W + col`` each tap of each window
    reads, ``(kh * kw, oh, ow)`` int64 (-1 for a tap in the padding), and each window's first
    in-bounds index ``(oh, ow)`` (where PyTorch's scan starts)."""
    (h, w), (oh, ow) = size, out
    rows, rin, r0 = _axis(h, kernel_size[0], stride[0], padding[0], dilation[0], oh)
    cols, cin, c0 = _axis(w, kernel_size[1], stride[1], padding[1], dilation[1], ow)
    pos = rows.T[:, None, :, None] * w + cols.T[None, :, None, :]  # (kh, kw, oh, ow)
    inside = rin.T[:, None, :, None] & cin.T[None, :, None, :]
    pos = np.where(inside, pos, -1).reshape(-1, oh, ow).astype(np.int64)
    return pos, (r0[:, None] * w + c0[None, :]).astype(np.int64)


def _geometry(shape, kernel_size, stride, padding, dilation, ceil_mode):
    h, w = shape[-2:]
    return tuple(out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                 zip((h, w), kernel_size, stride, padding, dilation))


def _padded_extent(size, k, s, p, d, out):
    return max((out - 1) * s + d * (k - 1) + 1, p + size)


def _tap(a, i, j, stride, dilation, out):
    """Tap ``(i, j)`` of every window: a strided view of the padded array ``a``."""
    (s0, s1), (d0, d1), (oh, ow) = stride, dilation, out
    return a[:, :, i * d0:i * d0 + s0 * (oh - 1) + 1:s0, j * d1:j * d1 + s1 * (ow - 1) + 1:s1]


def _full(x, shape, value, dtype):
    """A new array of ``shape`` filled with ``value`` on ``x``'s device and face."""
    from ._creation import full
    return full(shape, value, dtype=dtype, device=x._device, cls=x.__class__)


def max_pool2d_forward(x, *, kernel_size, stride, padding, dilation, ceil_mode=False):
    """``(values, indices)`` of 2-D max pooling of ``x`` (N, C, H, W): each window's
    maximum and the flat index ``row * W + col`` of it in the input plane (int64)."""
    from ._creation import asarray

    n, c, h, w = x.shape
    out = _geometry(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    if 0 in (n, c) or 0 in out:
        return (_full(x, (n, c) + out, 0, x._dtype),
                _full(x, (n, c) + out, 0, D.int64))
    (p0, p1) = padding
    ext = tuple(_padded_extent(m, k, s, p, d, o) for m, k, s, p, d, o in
                zip((h, w), kernel_size, stride, padding, dilation, out))
    xp = x
    if ext != (h, w):
        xp = _full(x, (n, c) + ext, float("-inf"), x._dtype)
        xp[:, :, p0:p0 + h, p1:p1 + w] = x  # copy_
    pos, start = window_positions((h, w), kernel_size, stride, padding, dilation, out)
    dev = dict(device=x._device, cls=x.__class__)
    m = _full(x, (n, c) + out, float("-inf"), x._dtype)
    idx = asarray(start, **dev)
    for t in range(pos.shape[0]):
        if (pos[t] < 0).all():  # wholly in the padding: -inf never wins
            continue
        i, j = divmod(t, kernel_size[1])
        tap = _tap(xp, i, j, stride, dilation, out)
        wins = binary("bitwise_or", binary("less", m, tap), unary("isnan", tap))
        m = where(wins, tap, m)
        idx = where(wins, asarray(pos[t], **dev), idx)
    if idx.shape != m.shape:  # no tap won anywhere (every value -inf): the start positions
        from ._manipulation import broadcast_to
        idx = broadcast_to(idx, m.shape)
    return m, astype(idx, D.int64)


def max_pool2d_backward(g, indices, *, input_size, kernel_size, stride, padding, dilation):
    """The input gradient (N, C, H, W) of max pooling for the output gradient ``g``
    (N, C, OH, OW): ``g`` of each window added at its ``indices``, windows in row-major
    order per input element (PyTorch's sums). float16/bfloat16 sum in float32."""
    dt = g._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    from ._creation import asarray

    n, c, oh, ow = g.shape
    h, w = input_size
    out = (oh, ow)
    ext = tuple(_padded_extent(m, k, s, p, d, o) for m, k, s, p, d, o in
                zip((h, w), kernel_size, stride, padding, dilation, out))
    gp = _full(g, (n, c) + ext, 0.0, bt)
    if 0 in (n, c, oh, ow):
        return finish(gp[:, :, :h, :w], dt)
    gc = astype(g, bt)
    pos, _ = window_positions((h, w), kernel_size, stride, padding, dilation, out)
    dev = dict(device=g._device, cls=g.__class__)
    # taps in reverse row-major order reach an input element from its windows in row-major
    # order (tap row i down is window row up), as PyTorch's sequential scatter adds them
    for t in reversed(range(pos.shape[0])):
        if (pos[t] < 0).all():
            continue
        i, j = divmod(t, kernel_size[1])
        hit = binary("equal", indices, asarray(pos[t], **dev))
        part = _tap(gp, i, j, stride, dilation, out)
        gp[:, :, i * dilation[0]:i * dilation[0] + stride[0] * (oh - 1) + 1:stride[0],
           j * dilation[1]:j * dilation[1] + stride[1] * (ow - 1) + 1:stride[1]] = \
            binary("add", part, where(hit, gc, 0.0))
    (p0, p1) = padding
    gx = gp if ext == (h, w) and (p0, p1) == (0, 0) else gp[:, :, p0:p0 + h, p1:p1 + w]
    return finish(unary("contiguous", gx) if gx is not gp else gx, dt)

