"""The linalg kernels against NumPy: batches, odd sizes, empty stacks, views, reconstructions,
orthogonality, data-dependent errors, float64 at tight tolerance, and the public API."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import API, KERNELS, WIDE

FLOATS = ["float32"] + [d for d in WIDE if d == "float64"]
TOL = {"float32": 2e-4, "float64": 1e-11}
SIZES = [1, 2, 7, 33, 64]


def gpu(a):
    return API.from_numpy(np.ascontiguousarray(a))


def host(x):
    return API.to_numpy(x)


def k(op, dtype):
    return KERNELS[op][dtype]


def well(rng, shape, dtype):
    n = shape[-1]
    return (rng.standard_normal(shape) + 4 * np.sqrt(n) * np.eye(n)).astype(dtype)


def ortho_err(q):
    """max |Q^T Q - I| over the stack."""
    return np.abs(np.swapaxes(q, -1, -2) @ q - np.eye(q.shape[-1])).max()


def tview(a):
    """A transposed (non-contiguous) GPU view of the stack ``a``'s transpose: holds ``a``."""
    t = gpu(np.swapaxes(a, -1, -2))
    return t.view(t.offset, a.shape, t.strides[:-2] + t.strides[-2:][::-1])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", SIZES)
def test_lu_family(dtype, n):
    rng = np.random.default_rng(n)
    tol = TOL[dtype]
    a = well(rng, (2, n, n), dtype)
    b = rng.standard_normal((2, n, 3)).astype(dtype)
    x = host(k("linalg_solve", dtype)(gpu(a), gpu(b)))
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=tol, atol=tol)
    np.testing.assert_allclose(host(k("linalg_inv", dtype)(tview(a))), np.linalg.inv(a),
                               rtol=tol, atol=tol)
    if n <= 7:  # larger ones overflow float32 (slogdet covers them)
        np.testing.assert_allclose(host(k("linalg_det", dtype)(gpu(a))), np.linalg.det(a),
                                   rtol=tol * n)
    sign, logdet = (host(t) for t in k("linalg_slogdet", dtype)(gpu(a)))
    s2, l2 = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign, s2)
    np.testing.assert_allclose(logdet, l2, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", FLOATS)
def test_solve_broadcasts_batches_and_pivots(dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 1, 5, 5)).astype(dtype)  # needs row exchanges
    a[..., 0, 0] = 0
    b = rng.standard_normal((4, 5, 2)).astype(dtype)
    x = host(k("linalg_solve", dtype)(gpu(a), gpu(b)))
    assert x.shape == (3, 4, 5, 2)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=50 * TOL[dtype],
                               atol=50 * TOL[dtype])
    sign, _ = k("linalg_slogdet", dtype)(gpu(a))
    np.testing.assert_array_equal(host(sign), np.linalg.slogdet(a)[0])


@pytest.mark.parametrize("dtype", FLOATS)
def test_empty_stacks(dtype):
    for op in ("linalg_inv", "linalg_det", "linalg_cholesky", "linalg_eigh"):
        out = k(op, dtype)(gpu(np.zeros((0, 3, 3), dtype)))
        for o in out if isinstance(out, tuple) else (out,):
            assert host(o).size == 0
    assert host(k("linalg_det", dtype)(gpu(np.zeros((2, 0, 0), dtype)))).tolist() == [1, 1]
    sign, logdet = k("linalg_slogdet", dtype)(gpu(np.zeros((2, 0, 0), dtype)))
    assert host(sign).tolist() == [1, 1] and host(logdet).tolist() == [0, 0]
    q, r = k("linalg_qr", dtype)(gpu(np.zeros((3, 0), dtype)), "complete")
    np.testing.assert_array_equal(host(q), np.eye(3))
    assert host(r).shape == (3, 0)
    u, s, vh = k("linalg_svd", dtype)(gpu(np.zeros((2, 0), dtype)), True)
    assert host(u).shape == (2, 2) and host(s).shape == (0,) and host(vh).shape == (0, 0)
    assert host(k("linalg_pinv", dtype)(gpu(np.zeros((0, 4), dtype)))).shape == (4, 0)
    assert host(k("linalg_matrix_rank", dtype)(gpu(np.zeros((2, 3, 0), dtype)))).tolist() == \
        [0, 0]


@pytest.mark.parametrize("dtype", FLOATS)
def test_singular_and_not_positive_definite_raise(dtype):
    sing = np.array([[[1, 2], [2, 4]], [[1, 0], [0, 1]]], dtype)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        k("linalg_solve", dtype)(gpu(sing), gpu(np.ones((2, 2, 1), dtype)))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        k("linalg_inv", dtype)(gpu(sing))
    assert host(k("linalg_det", dtype)(gpu(sing))).tolist() == [0, 1]
    sign, logdet = (host(t) for t in k("linalg_slogdet", dtype)(gpu(sing)))
    assert sign.tolist() == [0, 1] and logdet[0] == -np.inf and logdet[1] == 0
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        k("linalg_cholesky", dtype)(gpu(np.array([[1, 2], [2, 1]], dtype)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", SIZES)
def test_cholesky(dtype, n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((2, n, n))
    a = (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)
    noisy = a + np.triu(np.ones((n, n), dtype), 1)  # the other triangle must not be read
    L = host(k("linalg_cholesky", dtype)(gpu(noisy)))
    np.testing.assert_allclose(L, np.linalg.cholesky(a), rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(L @ np.swapaxes(L, -1, -2), a, rtol=TOL[dtype],
                               atol=TOL[dtype] * n)
    U = host(k("linalg_cholesky", dtype)(gpu(np.swapaxes(noisy, -1, -2)), True))
    np.testing.assert_allclose(U, np.linalg.cholesky(a, upper=True), rtol=TOL[dtype],
                               atol=TOL[dtype])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (7, 7), (33, 33), (64, 64), (9, 4),
                                   (4, 9), (2, 5, 3)])
def test_qr_matches_lapack_signs(dtype, shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape).astype(dtype)
    tol = TOL[dtype] * 10
    for mode in ("reduced", "complete"):
        q, r = (host(t) for t in k("linalg_qr", dtype)(gpu(a), mode))
        qn, rn = np.linalg.qr(a, mode)
        np.testing.assert_allclose(q, qn, rtol=tol, atol=tol)
        np.testing.assert_allclose(r, rn, rtol=tol, atol=tol)
        np.testing.assert_allclose(q @ r, a, rtol=tol, atol=tol)
        assert ortho_err(q) < tol
    np.testing.assert_allclose(host(k("linalg_qr", dtype)(tview(a), "r")),
                               np.linalg.qr(a, "r"), rtol=tol, atol=tol)
    if a.ndim == 2:
        h, tau = (host(t) for t in k("linalg_qr", dtype)(gpu(a), "raw"))
        hn, taun = np.linalg.qr(a, "raw")
        np.testing.assert_allclose(h, hn, rtol=tol, atol=tol)
        np.testing.assert_allclose(tau, taun, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", SIZES)
def test_eigh(dtype, n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((2, n, n)).astype(dtype)
    tol = TOL[dtype] * 10
    for uplo in ("L", "U"):
        w, v = (host(t) for t in k("linalg_eigh", dtype)(gpu(a), uplo))
        wn, _ = np.linalg.eigh(a, uplo)
        np.testing.assert_allclose(w, wn, rtol=tol, atol=tol * np.abs(wn).max())
        assert (np.diff(w, axis=-1) >= 0).all()
        tri = np.tril(a) if uplo == "L" else np.triu(a)
        sym = tri + np.swapaxes(tri, -1, -2) - a * np.eye(n)
        np.testing.assert_allclose((v * w[..., None, :]) @ np.swapaxes(v, -1, -2), sym,
                                   rtol=tol, atol=tol * np.abs(wn).max())
        assert ortho_err(v) < tol


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (7, 7), (33, 33), (64, 64), (9, 4),
                                   (4, 9), (2, 6, 3), (2, 3, 6)])
def test_svd(dtype, shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape).astype(dtype)
    tol = TOL[dtype] * 10
    for full in (False, True):
        u, s, vh = (host(t) for t in k("linalg_svd", dtype)(tview(a), full))
        un, sn, vhn = np.linalg.svd(a, full)
        assert u.shape == un.shape and s.shape == sn.shape and vh.shape == vhn.shape
        np.testing.assert_allclose(s, sn, rtol=tol, atol=tol * sn.max())
        kk = s.shape[-1]
        rec = (u[..., :, :kk] * s[..., None, :]) @ vh[..., :kk, :]
        np.testing.assert_allclose(rec, a, rtol=tol, atol=tol * sn.max())
        assert ortho_err(u) < tol and ortho_err(np.swapaxes(vh, -1, -2)) < tol


@pytest.mark.parametrize("dtype", FLOATS)
def test_svd_of_rank_deficient_matrix_completes_the_basis(dtype):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((7, 2)) @ rng.standard_normal((2, 5))).astype(dtype)
    u, s, vh = (host(t) for t in k("linalg_svd", dtype)(gpu(a), True))
    tol = TOL[dtype] * 10
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=tol,
                               atol=tol * s.max())
    np.testing.assert_allclose((u[:, :5] * s) @ vh, a, rtol=tol, atol=tol * s.max())
    assert ortho_err(u) < tol and ortho_err(vh.T) < tol


@pytest.mark.parametrize("dtype", FLOATS)
def test_pinv_matrix_rank_lstsq(dtype):
    rng = np.random.default_rng(5)
    tol = TOL[dtype] * 10
    low = (rng.standard_normal((3, 6, 2)) @ rng.standard_normal((3, 2, 5))).astype(dtype)
    full = rng.standard_normal((3, 6, 5)).astype(dtype)
    for x in (low, full, np.swapaxes(full, -1, -2)):
        np.testing.assert_allclose(host(k("linalg_pinv", dtype)(gpu(x), None, 1e-4)),
                                   np.linalg.pinv(x, rtol=1e-4), rtol=tol, atol=tol)
        np.testing.assert_array_equal(host(k("linalg_matrix_rank", dtype)(gpu(x))),
                                      np.linalg.matrix_rank(x))
    ranks = k("linalg_matrix_rank", dtype)(gpu(full), np.array([0.5, 1e9, 0.5]))
    np.testing.assert_array_equal(host(ranks), np.linalg.matrix_rank(full, [0.5, 1e9, 0.5]))
    with pytest.raises(ValueError):
        k("linalg_matrix_rank", dtype)(gpu(full), 0.5, False, 0.1)
    # (the rank-2 matrix needs an rcond above float32's noise in its zero singular values)
    for a, b, rcond in ((full[0], rng.standard_normal((6, 2)), None),
                        (full[0], rng.standard_normal(6), None),
                        (low[0], rng.standard_normal((6, 3)), 1e-4),
                        (full[0].T, rng.standard_normal(5), None)):
        b = b.astype(dtype)
        got = k("linalg_lstsq", dtype)(gpu(a), gpu(b), rcond)
        want = np.linalg.lstsq(a, b, rcond)
        for g, w in zip(got, want):
            g = host(g)
            assert g.shape == np.shape(w)
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# -- through trueno's public API ---------------------------------------------------------------
tn = pytest.importorskip("trueno")


@pytest.fixture(scope="module")
def _gpu_registered():
    from trueno._registry import load_plugins

    reg = load_plugins()
    if "gpu" not in reg.devices:
        from trueno_gpu import plugin

        plugin.trueno_register_backends(reg)


def test_public_solve_stays_on_the_gpu_and_errors_as_on_the_cpu(_gpu_registered):
    rng = np.random.default_rng(0)
    a = well(rng, (2, 4, 4), "float32")
    b = rng.standard_normal((4, 3)).astype(np.float32)
    x = tn.linalg.solve(tn.asarray(a, device="gpu"), tn.asarray(b, device="gpu"))
    assert str(x.device) == "gpu:0"
    np.testing.assert_allclose(x.cpu()._host(), tn.linalg.solve(a, b)._host(), rtol=1e-5,
                               atol=1e-6)
    sing = tn.asarray(np.ones((3, 3), np.float32), device="gpu")
    with pytest.raises(tn.LinAlgError, match="Singular matrix") as e:
        tn.linalg.inv(sing)
    assert "hint" in str(e.value)
    assert float(tn.linalg.det(sing).cpu()._host()) == 0
    w = tn.linalg.eigvalsh(tn.asarray(a + np.swapaxes(a, -1, -2), device="gpu"))
    assert str(w.device) == "gpu:0"


@pytest.mark.parametrize("op", ["det", "inv"])
def test_gradients_on_the_gpu_match_the_cpu(_gpu_registered, op):
    pytest.importorskip("trueno_autograd")
    rng = np.random.default_rng(2)
    a = well(rng, (2, 3, 3), "float32")

    def grad(device):
        x = tn.asarray(a.copy(), device=device).requires_grad_()
        y = getattr(tn.linalg, op)(x)
        (y * y).sum().backward()
        return x.grad
    g = grad("gpu")
    assert str(g.device) == "gpu:0"
    np.testing.assert_allclose(g.cpu()._host(), grad("cpu")._host(), rtol=1e-4, atol=1e-6)
