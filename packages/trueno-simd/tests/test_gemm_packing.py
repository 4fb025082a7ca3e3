"""The GEMM's operand packings vs float64 NumPy: an operand whose reduction dimension is the
contiguous one (a row-major A; a transposed B such as a weight gradient's ``g @ cols.mT``)
is packed by in-register tile transposes, and a last partial sliver of A rows runs a
micro-kernel of that many rows. Shapes cross every edge: K not a multiple of the vector width
or of the K block, N not a multiple of the sliver width, M with every remainder of the
micro-kernel's rows; lines with gaps, reversed lines, unaligned data, 1 and 2 threads."""

import numpy as np
import pytest
import trueno_simd

from conftest import FLOATS, rand


def tol(dtype, k):
    eps = 1.2e-7 if dtype == "float32" else 2.3e-16
    return dict(rtol=0, atol=8 * eps * max(k, 1) * 4)  # |x|, |y| <= 2 in these tests


def transposed(m, dtype, rng):
    """An (r, c) matrix as the transpose of a C-contiguous (c, r) one: rows are strided,
    each column one contiguous run."""
    return np.ascontiguousarray(rand((m[1], m[0]), dtype, rng, -2, 2)).T


def unaligned(a):
    """A C-contiguous copy of ``a`` one byte off the dtype's alignment."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    u = buf[1:].view(a.dtype).reshape(a.shape)
    u[...] = a
    return u


MS = (1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 17, 25, 32)
KS = (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 255, 256, 257, 300, 600)
NS = (1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 144)


@pytest.mark.parametrize("dtype", FLOATS)
def test_row_major_a_every_row_remainder(k, dtype):
    """A row-major (its K contiguous): every M remainder of the micro-kernel's 4/6/12 rows."""
    rng = np.random.default_rng(70)
    for m in MS:
        for kk in (1, 7, 9, 17, 300):
            for n in (1, 16, 17, 33):
                a = rand((m, kk), dtype, rng, -2, 2)
                b = rand((kk, n), dtype, rng, -2, 2)
                np.testing.assert_allclose(k.matmul(a, b), a.astype(np.float64) @ b,
                                           **tol(dtype, kk), err_msg=f"{m}x{kk}x{n}")


@pytest.mark.parametrize("dtype", FLOATS)
def test_transposed_b_odd_widths(k, dtype):
    """B a transposed view (its K contiguous), N and K at every sliver and tile edge."""
    rng = np.random.default_rng(71)
    for kk in KS:
        for n in NS:
            m = int(rng.integers(1, 14))
            a = rand((m, kk), dtype, rng, -2, 2)
            b = transposed((kk, n), dtype, rng)
            assert b.strides[0] == b.itemsize
            got = k.matmul(a, b)
            np.testing.assert_allclose(got, a.astype(np.float64) @ b, **tol(dtype, kk),
                                       err_msg=f"{m}x{kk}x{n}")


@pytest.mark.parametrize("dtype", FLOATS)
def test_k_contiguous_layouts(k, dtype):
    """K-contiguous operands with gaps between lines, reversed line order, unaligned data,
    lines of a larger array, both operands transposed at once."""
    rng = np.random.default_rng(72)
    m, kk, n = 29, 261, 37
    a = rand((m, kk), dtype, rng, -2, 2)
    b = rand((kk, n), dtype, rng, -2, 2)
    want = a.astype(np.float64) @ b
    bigb = np.zeros((2 * n, kk + 5), dtype)
    bigb[::2, 3:3 + kk] = b.T
    bigb[1::2] = np.nan  # the lines between must not be read
    layouts_b = [b.T.copy().T, bigb[::2, 3:3 + kk].T, np.ascontiguousarray(b.T[::-1])[::-1].T,
                 unaligned(np.ascontiguousarray(b.T)).T]
    biga = np.zeros((m + 1, 2 * kk), dtype)
    biga[:m, :kk] = a
    biga[:, kk:] = np.nan  # past the end of each line
    layouts_a = [a, biga[:m, :kk], np.ascontiguousarray(a[::-1])[::-1], unaligned(a),
                 np.asfortranarray(a)]
    for va in layouts_a:
        for vb in layouts_b:
            np.testing.assert_allclose(k.matmul(va, vb), want, **tol(dtype, kk))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", FLOATS)
def test_weight_gradient_shape(k, dtype, threads):
    """A conv weight gradient's product, g(O, N*L) @ cols(C*kh*kw, N*L).mT: a long K over
    several K blocks, batched over groups, as the autograd rule calls it."""
    rng = np.random.default_rng(73)
    g = rand((2, 13, 3001), dtype, rng, -2, 2)
    cols = rand((2, 45, 3001), dtype, rng, -2, 2)
    before = trueno_simd.get_num_threads()
    trueno_simd.set_num_threads(threads)
    try:
        got = k.matmul(g, np.swapaxes(cols, -1, -2))
    finally:
        trueno_simd.set_num_threads(before)
    want = np.matmul(g.astype(np.float64), np.swapaxes(cols, -1, -2))
    np.testing.assert_allclose(got, want, **tol(dtype, 3001))


def test_k_contiguous_matches_torch(k):
    """The benchmark layer's weight-gradient product against torch's matmul."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(74)
    g = rand((32, 4096), "float32", rng, -1, 1)
    cols = rand((144, 4096), "float32", rng, -1, 1)
    want = (torch.from_numpy(g) @ torch.from_numpy(cols).T).numpy()
    np.testing.assert_allclose(k.matmul(g, cols.T), want, rtol=0, atol=2e-5 * 4096 / 16)


def test_special_values_stay_in_their_rows_and_columns(k):
    """inf and NaN in one row of A / one column of B reach only that row / column of C (the
    zero padding of partial slivers multiplies nothing it should not)."""
    rng = np.random.default_rng(75)
    for m, kk, n in [(7, 19, 17), (13, 33, 9), (5, 8, 40)]:
        a = rand((m, kk), "float32", rng, -2, 2)
        bt = rand((n, kk), "float32", rng, -2, 2)
        a[m - 1, kk - 1] = np.inf
        bt[n - 1, 0] = np.nan
        with np.errstate(invalid="ignore"):
            want = a.astype(np.float64) @ bt.T.astype(np.float64)
            got = k.matmul(a, bt.T)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
        fin = np.isfinite(want)
        np.testing.assert_allclose(got[fin], want[fin], **tol("float32", kk))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", FLOATS)
def test_both_k_contiguous_wide_b(k, dtype, threads):
    """A row-major and B a transposed view with n well above m (x @ W.T of a small batch, a
    weight gradient g @ cols.mT): the product is computed as (B^T A^T)^T and transposed into
    C. Every remainder of the in-register transpose's tiles (m, n not multiples of 4/8/16),
    several K blocks, gapped, reversed and unaligned operands, batched, into out=."""
    rng = np.random.default_rng(76)
    before = trueno_simd.get_num_threads()
    trueno_simd.set_num_threads(threads)
    try:
        for m, kk, n in [(1, 40, 9), (3, 300, 64), (7, 257, 33), (9, 600, 145), (13, 31, 100),
                         (17, 520, 257), (32, 2000, 144)]:
            a = rand((m, kk), dtype, rng, -2, 2)
            bt = rand((n, kk), dtype, rng, -2, 2)
            want = a.astype(np.float64) @ bt.T.astype(np.float64)
            bigb = np.full((2 * n, kk + 3), np.nan, dtype)
            bigb[::2, 2:2 + kk] = bt
            layouts = [(a, bt.T), (np.ascontiguousarray(a[::-1])[::-1], bigb[::2, 2:2 + kk].T),
                       (unaligned(a), unaligned(bt).T),
                       (a, np.ascontiguousarray(bt[::-1])[::-1].T)]
            for va, vb in layouts:
                np.testing.assert_allclose(k.matmul(va, vb), want, **tol(dtype, kk),
                                           err_msg=f"{m}x{kk}x{n}")
            out = np.full((2, m, n), np.nan, dtype)
            a2 = np.stack([a, a[::-1]])
            got = k.matmul(a2, np.swapaxes(np.stack([bt, bt]), -1, -2), out=out)
            assert got is out
            np.testing.assert_allclose(out[0], want, **tol(dtype, kk))
            np.testing.assert_allclose(out[1], want[::-1], **tol(dtype, kk))
    finally:
        trueno_simd.set_num_threads(before)
