"""Reference (NumPy) kernels of the max-pooling rows: ``max_pool2d_forward`` (values and flat
input indices) and ``max_pool2d_backward`` (the gradient added at the indices, in window
order); decompositions and the shared window geometry in ``_decompositions_pool``."""

from __future__ import annotations

import numpy as np

from .._decompositions_pool import out_size, window_positions


def max_pool2d_forward(x, kernel_size, stride, padding, dilation, ceil_mode=False):
    """``(values, indices)`` of 2-D max pooling of ``x`` (N, C, H, W), PyTorch's scan: from
    ``-inf`` at the first in-bounds position, a tap wins when greater or NaN."""
    n, c, h, w = x.shape
    out = tuple(out_size(m, k, s, p, d, ceil_mode) for m, k, s, p, d in
                zip((h, w), kernel_size, stride, padding, dilation))
    pos, start = window_positions((h, w), kernel_size, stride, padding, dilation, out)
    flat = x.reshape(n, c, h * w)
    m = np.full((n, c) + out, -np.inf, x.dtype)
    idx = np.broadcast_to(start, (n, c) + out).copy()
    for t in range(pos.shape[0]):
        inside = pos[t] >= 0
        if not inside.any():
            continue
        tap = np.where(inside, flat[:, :, np.where(inside, pos[t], 0)], -np.inf)
        wins = (tap > m) | np.isnan(tap)
        m = np.where(wins, tap, m).astype(x.dtype, copy=False)
        idx = np.where(wins, pos[t], idx)
    return m, idx.astype(np.int64, copy=False)


def max_pool2d_backward(g, indices, input_size, kernel_size, stride, padding, dilation):
    """The input gradient (N, C, H, W): each window's ``g`` added at its index, windows in
    row-major order (``np.add.at`` is sequential); float16/bfloat16 sum in float32."""
    n, c = g.shape[:2]
    h, w = input_size
    ct = np.dtype(np.float32) if g.dtype.name in ("float16", "bfloat16") else g.dtype
    gx = np.zeros((n * c, h * w), ct)
    rows = np.repeat(np.arange(n * c), g.shape[2] * g.shape[3])
    np.add.at(gx, (rows, np.asarray(indices).reshape(-1)), g.astype(ct).reshape(-1))
    return gx.reshape(n, c, h, w).astype(g.dtype, copy=False)


KERNELS = {"max_pool2d_forward": max_pool2d_forward, "max_pool2d_backward": max_pool2d_backward}
