"""eig / eigvals on the GPU against NumPy: sorted eigenvalues, residuals ||A v - w v||, unit
vectors, the real-or-complex result rule, batches, empty stacks, views, errors, the public API.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import API, KERNELS, WIDE

from trueno_gpu import _linalg_base, _linalg_eig

FLOATS = ["float32"] + [d for d in WIDE if d == "float64"]
TOL = {"float32": 1e-4, "float64": 1e-10}
CPLX = {"float32": np.complex64, "float64": np.complex128}


def real_result(dtype):
    """The dtype of eig on a matrix with only real eigenvalues: the input's, or complex from
    NumPy 2.5 on (the kernels follow the installed NumPy)."""
    from trueno_gpu._linalg_eig import ALWAYS_COMPLEX

    return np.dtype(CPLX[dtype]) if ALWAYS_COMPLEX else np.dtype(dtype)


def gpu(a):
    return API.from_numpy(np.ascontiguousarray(a))


def host(x):
    return API.to_numpy(x)


def tview(a):
    """A transposed (non-contiguous) GPU view holding ``a``."""
    t = gpu(np.swapaxes(a, -1, -2))
    return t.view(t.offset, a.shape, t.strides[:-2] + t.strides[-2:][::-1])


def eig(a, dtype):
    w, v = KERNELS["linalg_eig"][dtype](a if not isinstance(a, np.ndarray) else gpu(a))
    return host(w), host(v)


def srt(w):
    """Eigenvalues sorted by (real, imag) along the last axis."""
    return np.take_along_axis(w, np.lexsort((w.imag, w.real), axis=-1), -1)


def similar(rng, blocks, n, dtype):
    """S B S^-1 for the block-diagonal B of ``blocks`` and a well-conditioned S."""
    b = np.zeros((n, n))
    i = 0
    for blk in blocks:
        k = len(blk)
        b[i:i + k, i:i + k] = blk
        i += k
    s = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
    return (s @ b @ np.linalg.inv(s)).astype(dtype)


def real_spectrum(rng, n, dtype):
    return similar(rng, [[[v]] for v in 1.0 + np.arange(n) + 0.3 * rng.random(n)], n, dtype)


def complex_spectrum(rng, n, dtype):
    blocks = [[[a, b], [-b, a]] for a, b in zip(np.arange(n // 2) - 2.0, 1.0 + np.arange(n // 2))]
    return similar(rng, blocks + [[[7.5]]] * (n % 2), n, dtype)


def check(a, w, v, dtype):
    """Eigenvalues as NumPy's (sorted), residuals, unit columns, NumPy's result dtype."""
    a64 = a.astype(np.float64)
    wn = np.linalg.eigvals(a64)
    assert w.dtype == np.linalg.eigvals(a).dtype and v.dtype == w.dtype
    scale = max(np.abs(wn).max(), 1.0)
    np.testing.assert_allclose(srt(w.astype(np.complex128)), srt(wn), rtol=0,
                               atol=TOL[dtype] * scale)
    if a.shape[-1]:
        res = np.linalg.norm(a64 @ v - v * w[..., None, :], axis=-2)
        assert res.max() <= TOL[dtype] * max(np.linalg.norm(a64, axis=(-2, -1)).max(), 1.0)
        np.testing.assert_allclose(np.linalg.norm(v.astype(np.complex128), axis=-2), 1.0,
                                   atol=TOL[dtype])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 32])
def test_random(dtype, n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((3, n, n)).astype(dtype)
    w, v = eig(a, dtype)
    check(a, w, v, dtype)
    wv = host(KERNELS["linalg_eigvals"][dtype](gpu(a)))
    assert wv.dtype == w.dtype
    np.testing.assert_allclose(srt(wv), srt(w), rtol=0, atol=TOL[dtype] * np.abs(w).max())


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 16])
def test_real_spectrum_is_real(dtype, n):
    rng = np.random.default_rng(10 + n)
    a = np.stack([real_spectrum(rng, n, dtype) for _ in range(2)])
    w, v = eig(a, dtype)
    assert w.dtype == real_result(dtype) and v.dtype == real_result(dtype)
    assert not np.imag(w).any() and not np.imag(v).any()  # exactly real eigenpairs
    check(a, w, v, dtype)
    w, v = w.real, v.real
    # distinct real eigenvalues: the unit vectors are NumPy's up to sign
    wn, vn = np.linalg.eig(a.astype(np.float64))
    order, ordn = np.argsort(w, axis=-1), np.argsort(wn, axis=-1)
    vs = np.take_along_axis(v, order[:, None, :], -1)
    vns = np.take_along_axis(vn, ordn[:, None, :], -1)
    sign = np.sign(np.sum(vs * vns, axis=-2, keepdims=True))
    np.testing.assert_allclose(vs * sign, vns, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [2, 3, 7, 16])
def test_complex_spectrum(dtype, n):
    rng = np.random.default_rng(20 + n)
    a = np.stack([complex_spectrum(rng, n, dtype), real_spectrum(rng, n, dtype)])
    w, v = eig(a, dtype)
    assert w.dtype == CPLX[dtype]  # one complex pair anywhere in the stack: all complex
    check(a, w, v, dtype)
    wc = w[0]
    pos = wc[wc.imag > 0]  # conjugate pairs: positive imaginary part first, equal real parts
    for z in pos:
        i = int(np.flatnonzero(wc == z)[0])
        assert wc[i + 1] == np.conj(z)
        np.testing.assert_array_equal(v[0][:, i + 1], np.conj(v[0][:, i]))
    # the largest component of each complex vector is real, as LAPACK's
    big = np.argmax(np.abs(v[0]), axis=0)
    assert np.all(v[0][big, np.arange(n)].imag == 0)
    np.testing.assert_array_equal(w[1].imag, 0)


@pytest.mark.parametrize("dtype", FLOATS)
def test_empty_and_tiny(dtype):
    for shape in [(0, 3, 3), (2, 0, 0), (0, 0)]:
        a = np.zeros(shape, dtype)
        w, v = eig(a, dtype)
        wn, vn = np.linalg.eig(a)
        assert w.shape == wn.shape and v.shape == vn.shape and w.dtype == wn.dtype
    a = np.array([[[2.5]], [[-1.0]]], dtype)
    w, v = eig(a, dtype)
    np.testing.assert_array_equal(w, [[2.5], [-1.0]])
    np.testing.assert_array_equal(v, np.ones((2, 1, 1)))
    w, v = eig(np.zeros((3, 3), dtype), dtype)  # the zero matrix: identity vectors
    np.testing.assert_array_equal(w, 0)
    np.testing.assert_array_equal(v, np.eye(3))


@pytest.mark.parametrize("dtype", FLOATS)
def test_transposed_view_and_triangular(dtype):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 7, 7)).astype(dtype)
    w, v = eig(tview(a), dtype)
    check(a, w, v, dtype)
    t = np.triu(rng.standard_normal((5, 5))).astype(dtype) + np.diag(np.arange(5.0)).astype(dtype)
    w, v = eig(t, dtype)
    check(t, w, v, dtype)
    assert w.dtype == real_result(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_rounds_resume_exactly(dtype, monkeypatch):
    """QR sweeps, the reduction and the eigenvectors split over many small rounds give
    bit-identical results."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 12, 12)).astype(dtype)
    w1, v1 = eig(a, dtype)
    monkeypatch.setattr(_linalg_eig, "_BUDGET", 50)
    monkeypatch.setattr(_linalg_base, "MAX_LOOP_STEPS", 1)
    w2, v2 = eig(a, dtype)
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(v1, v2)


@pytest.mark.parametrize("dtype", FLOATS)
def test_errors(dtype, monkeypatch):
    rng = np.random.default_rng(6)
    a = rng.standard_normal((2, 4, 4)).astype(dtype)
    bad = a.copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(np.linalg.LinAlgError, match="infs or NaNs"):
        eig(bad, dtype)
    bad[1, 2, 3] = np.inf
    with pytest.raises(np.linalg.LinAlgError, match="infs or NaNs"):
        KERNELS["linalg_eigvals"][dtype](gpu(bad))
    monkeypatch.setattr(_linalg_eig, "_MAX_ITS", 0)
    with pytest.raises(np.linalg.LinAlgError, match="did not converge"):
        eig(a, dtype)


def test_public_api_stays_on_gpu():
    import trueno as tn

    rng = np.random.default_rng(7)
    a = rng.standard_normal((2, 5, 5)).astype(np.float32)
    x = tn.asarray(a).to_device("gpu")
    w, v = tn.linalg.eig(x)
    assert w.device == x.device and v.device == x.device
    assert w.dtype == tn.complex64
    wh, vh = w.cpu().numpy(), v.cpu().numpy()
    check(a, wh, vh, "float32")
    wv = tn.linalg.eigvals(x)
    assert wv.device == x.device
    np.testing.assert_allclose(srt(wv.cpu().numpy()), srt(wh), atol=1e-4 * np.abs(wh).max())
    r = rng.standard_normal((4, 4))
    s = tn.asarray(r @ r.T).to_device("gpu")
    ws = tn.linalg.eigvals(s)
    assert np.dtype(ws.dtype.name) == real_result("float64") and ws.device == s.device
    np.testing.assert_allclose(np.sort(ws.cpu().numpy()), np.linalg.eigvalsh(r @ r.T),
                               rtol=1e-10)
    with pytest.raises(tn.LinAlgError):
        tn.linalg.eig(tn.asarray(np.full((3, 3), np.nan, np.float32)).to_device("gpu"))
