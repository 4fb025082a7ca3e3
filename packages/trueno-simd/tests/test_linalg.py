"""matmul and conv2d vs NumPy (conv2d vs a direct NumPy loop, or torch when importable)."""

import numpy as np
import pytest
from conftest import FLOATS, rand


def tol(dtype, k):
    eps = 1.2e-7 if dtype == "float32" else 2.3e-16
    return dict(rtol=0, atol=8 * eps * max(k, 1) * 4)  # |x|, |y| <= 2 in these tests


@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_shapes(k, dtype):
    rng = np.random.default_rng(40)
    for m, kk, n in [(1, 1, 1), (2, 3, 4), (13, 7, 33), (37, 64, 65), (64, 300, 70),
                     (129, 257, 31), (1, 500, 1), (300, 2, 300), (0, 3, 4), (3, 0, 4)]:
        a = rand((m, kk), dtype, rng, -2, 2)
        b = rand((kk, n), dtype, rng, -2, 2)
        got = k.matmul(a, b)
        assert got.dtype == np.dtype(dtype) and got.flags.c_contiguous
        np.testing.assert_allclose(got, a.astype(np.float64) @ b, **tol(dtype, kk))


@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_layouts(k, dtype):
    rng = np.random.default_rng(41)
    a = rand((45, 70), dtype, rng, -2, 2)
    b = rand((70, 38), dtype, rng, -2, 2)
    want = a.astype(np.float64) @ b
    layouts_a = [a, np.asfortranarray(a), a[::-1][::-1], np.ascontiguousarray(a[:, ::-1])[:, ::-1]]
    big = np.zeros((90, 140), dtype)
    big[::2, ::2] = a
    layouts_a.append(big[::2, ::2])
    buf = np.zeros(a.nbytes + 1, np.uint8)
    ua = buf[1:].view(dtype).reshape(a.shape)
    ua[...] = a
    layouts_a.append(ua)
    layouts_b = [b, b.T.copy().T, np.asfortranarray(b)]
    for va in layouts_a:
        for vb in layouts_b:
            np.testing.assert_allclose(k.matmul(va, vb), want, **tol(dtype, 70))


@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_batched_broadcast(k, dtype):
    rng = np.random.default_rng(42)
    for sa, sb in [((3, 5, 7), (7, 4)), ((2, 1, 5, 7), (3, 7, 6)), ((4, 9, 8), (4, 8, 9)),
                   ((64, 16, 16), (64, 16, 16)), ((0, 3, 4), (4, 5))]:
        a, b = rand(sa, dtype, rng, -2, 2), rand(sb, dtype, rng, -2, 2)
        np.testing.assert_allclose(k.matmul(a, b), np.matmul(a.astype(np.float64), b),
                                   **tol(dtype, sa[-1]))
    a = rand((3, 5, 7), dtype, rng, -2, 2)
    b = np.broadcast_to(rand((7, 4), dtype, rng, -2, 2), (3, 7, 4))
    np.testing.assert_allclose(k.matmul(a, b), np.matmul(a.astype(np.float64), b), **tol(dtype, 7))


@pytest.mark.parametrize("n", [128, 255, 512])
def test_matmul_large_threaded(k, n):
    rng = np.random.default_rng(43)
    a = rand((n, n), "float32", rng, -1, 1)
    b = rand((n, n + 3), "float32", rng, -1, 1)
    np.testing.assert_allclose(k.matmul(a, b), a.astype(np.float64) @ b, rtol=0,
                               atol=2e-6 * n)
    np.testing.assert_allclose(k.matmul(a.T, b), a.T.astype(np.float64) @ b, rtol=0,
                               atol=2e-6 * n)


def conv2d_ref(x, w, b, stride, padding, dilation, groups):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        xg = xp[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xg[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch,
                                                         w[g * og:(g + 1) * og, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


@pytest.mark.parametrize("dtype", FLOATS)
def test_conv2d(k, dtype):
    rng = np.random.default_rng(44)
    cases = [((2, 3, 9, 9), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1),
             ((1, 4, 10, 7), (6, 2, 3, 2), (2, 1), (1, 2), (1, 1), 2),
             ((2, 3, 11, 11), (5, 3, 3, 3), (2, 2), (2, 1), (2, 2), 1),
             ((3, 8, 5, 6), (8, 8, 1, 1), (1, 1), (0, 0), (1, 1), 1),
             ((1, 6, 7, 7), (6, 1, 3, 3), (1, 1), (1, 1), (1, 1), 6)]
    for xs, ws, stride, padding, dilation, groups in cases:
        x = rand(xs, dtype, rng, -1, 1)
        w = rand(ws, dtype, rng, -1, 1)
        b = rand((ws[0],), dtype, rng, -1, 1)
        kk = ws[1] * ws[2] * ws[3]
        for bias in (None, b):
            want = conv2d_ref(x, w, bias, stride, padding, dilation, groups)
            got = k.conv2d(x, w, bias, stride, padding, dilation, groups)
            assert got.dtype == np.dtype(dtype) and got.flags.c_contiguous
            np.testing.assert_allclose(got, want, **tol(dtype, kk))
        # non-contiguous input and weight views
        xv = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        wv = np.ascontiguousarray(w[..., ::-1])[..., ::-1]
        want = conv2d_ref(x, w, b, stride, padding, dilation, groups)
        np.testing.assert_allclose(k.conv2d(xv, wv, b, stride, padding, dilation, groups), want,
                                   **tol(dtype, kk))


def test_conv2d_matches_torch(k):
    """Against torch when it is importable, else against the NumPy loop above."""
    rng = np.random.default_rng(45)
    x = rand((4, 3, 16, 16), "float32", rng, -1, 1)
    w = rand((8, 3, 3, 3), "float32", rng, -1, 1)
    b = rand((8,), "float32", rng, -1, 1)
    try:
        import torch
    except ImportError:
        want = conv2d_ref(x, w, b, (1, 2), (1, 0), (1, 1), 1)
    else:
        want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                          torch.from_numpy(b), (1, 2), (1, 0), (1, 1),
                                          1).numpy()
    np.testing.assert_allclose(k.conv2d(x, w, b, (1, 2), (1, 0), (1, 1), 1), want, rtol=0,
                               atol=1e-5)
