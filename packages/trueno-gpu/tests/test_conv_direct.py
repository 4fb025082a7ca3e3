"""conv2d's direct kernel (``_conv_direct``, reductions of at most ``DIRECT_MAX_K``) vs core's
reference kernel in float64: stride, padding, dilation, groups, bias, an input view
(transposed, sliced) and the flipped, channel-swapped weight view of the input gradient read
in place; one launch. Just past the threshold the im2col path runs (vs the reference too)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, assert_close, down, np_dtype, up, view_of

from trueno_gpu import _conv_direct, _runtime

RNG = np.random.default_rng(43)


def reference(*args, **kw):
    from trueno._reference._linalg import conv2d

    return conv2d(*args, **kw)


def _tol(dtype, k):
    return {"float16": 4e-3, "bfloat16": 4e-2}.get(dtype, 1e-5) * k ** 0.5


def _check(x, w, b, stride, pad, dil, groups, dtype, dx=None, dw=None, launches=None):
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    got = KERNELS["conv2d"][dtype](up(x) if dx is None else dx, up(w) if dw is None else dw,
                                   None if b is None else up(b), stride, pad, dil, groups)
    if launches is not None:
        assert rt.dispatches - d0 == launches
    want = reference(*(None if a is None else np.asarray(a, np.float64) for a in (x, w, b)),
                     stride, pad, dil, groups)
    k = w.shape[1] * w.shape[2] * w.shape[3]
    assert_close(down(got), want, dtype, rtol=_tol(dtype, k), atol=_tol(dtype, k))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in KERNELS["conv2d"]])
@pytest.mark.parametrize("case", [
    ((2, 1, 28, 28), (16, 1, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((2, 16, 14, 14), (32, 16, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((2, 64, 6, 5), (8, 64, 3, 3), (1, 1), (1, 1), (1, 1), 1),  # K = 576, the threshold
    ((2, 4, 10, 11), (6, 2, 3, 2), (2, 1), (2, 1), (1, 2), 2),
    ((1, 3, 9, 9), (5, 3, 1, 1), (3, 2), (0, 0), (1, 1), 1)], ids=str)
def test_direct_conv_matches_reference(case, dtype):
    xs, ws, stride, pad, dil, groups = case
    dt = np_dtype(dtype)
    x = RNG.standard_normal(xs).astype(np.float32).astype(dt)
    w = RNG.standard_normal(ws).astype(np.float32).astype(dt)
    b = RNG.standard_normal(ws[0]).astype(np.float32).astype(dt)
    for bias in (None, b):
        _check(x, w, bias, stride, pad, dil, groups, dtype, launches=1)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in ("float32", "float64")])
def test_direct_conv_reads_views(dtype):
    """x as a channel-sliced transposed view; the weight as the input gradient's flipped,
    channel-swapped view (negative strides): no copy, one launch."""
    xb = RNG.standard_normal((2, 9, 7, 6)).astype(dtype)  # (N, W, H, C+1) memory
    xv = xb.transpose(0, 3, 2, 1)[:, 1:]  # (2, 5, 7, 9)
    wb = RNG.standard_normal((5, 4, 3, 3)).astype(dtype)  # a forward weight (O=5, C=4)
    wv = wb.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]  # (4, 5, 3, 3)
    dx, dw = view_of(up(xb), xb, xv), view_of(up(wb), wb, wv)
    _check(np.ascontiguousarray(xv), np.ascontiguousarray(wv), None, (1, 1), (2, 2), (1, 1), 1,
           dtype, dx=dx, dw=dw, launches=1)


def test_past_the_threshold_takes_im2col():
    x = RNG.standard_normal((2, 65, 6, 5)).astype(np.float32)
    w = RNG.standard_normal((8, 65, 3, 3)).astype(np.float32)  # K = 585
    assert 65 * 9 > _conv_direct.DIRECT_MAX_K
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    _check(x, w, RNG.standard_normal(8).astype(np.float32), (1, 1), (1, 1), (1, 1), 1,
           "float32")
    assert rt.dispatches - d0 >= 2  # im2col, then the product
