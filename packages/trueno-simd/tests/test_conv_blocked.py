"""conv2d's blocked path (im2col packed straight into the GEMM's layout, weight packed once,
tasks over image x group x block of output pixels) vs a float64 NumPy reference, on shapes
that cross its block edges: several K blocks, output-pixel blocks that split output rows and
slivers, groups whose channel count is not a multiple of the micro-kernel's rows, 1x1 kernels,
padding beyond the kernel's reach, strided and dilated taps, strided input views, 1 and 2
threads."""

import numpy as np
import pytest
import trueno_simd

from conftest import FLOATS, rand


def conv_ref(x, w, b, stride, padding, dilation, groups):
    """Direct float64 convolution: one einsum per group and kernel tap."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, g * og:(g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, i, j])
    if b is not None:
        out += b.astype(np.float64).reshape(1, -1, 1, 1)
    return out


# (x shape, weight shape, stride, padding, dilation, groups)
CASES = [
    ((2, 40, 9, 11), (7, 40, 3, 3), (1, 1), (1, 1), (1, 1), 1),  # K = 360: two K blocks
    ((1, 2, 50, 45), (3, 2, 3, 3), (1, 1), (2, 2), (2, 2), 1),  # P = 2250: pixel blocks
    ((2, 300, 12, 12), (5, 300, 1, 1), (1, 1), (0, 0), (1, 1), 1),  # 1x1, two K blocks
    ((2, 12, 8, 8), (15, 4, 3, 3), (1, 1), (1, 1), (1, 1), 3),  # groups of 5 channels
    ((1, 3, 7, 8), (4, 3, 2, 3), (3, 2), (3, 4), (1, 3), 1),  # padding past the taps
    ((1, 64, 6, 6), (130, 64, 3, 3), (1, 1), (1, 1), (1, 1), 1),  # K = 576, 130 channels
    ((3, 8, 13, 17), (8, 1, 3, 5), (2, 1), (1, 2), (1, 1), 8),  # depthwise, rectangular
    ((1, 5, 33, 31), (9, 5, 1, 1), (2, 3), (1, 1), (1, 1), 1),  # 1x1 strided with padding
    # unit W stride (rows built whole, then cut into slivers): runs longer than a sliver,
    # padding past the dilated taps, a stride along H; rows narrower than a sliver
    ((1, 3, 7, 20), (4, 3, 2, 3), (2, 1), (3, 4), (2, 3), 1),
    ((2, 3, 5, 3), (2, 3, 3, 3), (1, 1), (2, 2), (1, 1), 1),
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", CASES, ids=[str(c[0]) + str(c[1]) for c in CASES])
def test_conv2d_blocked(k, case, dtype, threads):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(46)
    x = rand(xs, dtype, rng, -1, 1)
    w = rand(ws, dtype, rng, -1, 1)
    b = rand((ws[0],), dtype, rng, -1, 1)
    eps = 1.2e-7 if dtype == "float32" else 2.3e-16
    tol = dict(rtol=0, atol=16 * eps * ws[1] * ws[2] * ws[3])
    before = trueno_simd.get_num_threads()
    trueno_simd.set_num_threads(threads)
    try:
        # the packed blocks' zero padding must not raise floating-point flags
        with np.errstate(all="raise"):
            got = k.conv2d(x, w, b, stride, padding, dilation, groups)
            got_nobias = k.conv2d(x, w, None, stride, padding, dilation, groups)
            # channels-last input and a reversed-tap weight view: strided reads
            xv = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
            wv = np.ascontiguousarray(w[..., ::-1])[..., ::-1]
            got_views = k.conv2d(xv, wv, b, stride, padding, dilation, groups)
    finally:
        trueno_simd.set_num_threads(before)
    want = conv_ref(x, w, b, stride, padding, dilation, groups)
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    np.testing.assert_allclose(got, want, **tol)
    np.testing.assert_allclose(got_nobias, conv_ref(x, w, None, stride, padding, dilation,
                                                    groups), **tol)
    np.testing.assert_allclose(got_views, want, **tol)


def test_conv2d_blocked_matches_torch(k):
    """The benchmark's layer shape (Conv2d(16, 32, 3, padding=1) on (16, 16, 32, 32)) and a
    wide one, against torch's own conv2d in float32 and float64."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(47)
    for xs, ws, pad in [((16, 16, 32, 32), (32, 16, 3, 3), 1), ((2, 96, 10, 10),
                                                                 (64, 96, 3, 3), 0)]:
        for dtype, atol in (("float32", 2e-5), ("float64", 1e-12)):
            x = rand(xs, dtype, rng, -1, 1)
            w = rand(ws, dtype, rng, -1, 1)
            b = rand((ws[0],), dtype, rng, -1, 1)
            want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                              torch.from_numpy(b), padding=pad).numpy()
            np.testing.assert_allclose(k.conv2d(x, w, b, 1, pad, 1, 1), want, rtol=0,
                                       atol=atol * ws[1] * 9 / 16)
