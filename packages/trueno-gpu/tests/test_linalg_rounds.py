"""The linalg kernels at sizes where one dispatch per matrix would pass lavapipe's limit of
65,535 loop iterations per invocation (Mesa's loop limiter stops loops silently), and the
rounds they run in instead: tiny rounds must give bit-identical results.

Sizes are the smallest that keep this: eigh at n=100 plans ~645k iterations, eig at n=130
~207k (Hessenberg) and ~75k (vectors), SVD at 130 x 130 / 140 x 70 ~2.7M / ~715k, each
past 65,535 and split into rounds; 130 and 140 also cross two 64-thread waves."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import WIDE
from test_linalg import gpu, host, k

from trueno_gpu import _linalg_base

FLOATS = ["float32"] + [d for d in WIDE if d == "float64"]
F64 = [d for d in WIDE if d == "float64"]
TOL = {"float32": 2e-3, "float64": 1e-9}


def close(got, want, dtype, scale=1.0):
    tol = TOL[dtype] * scale
    assert np.shape(got) == np.shape(want)
    if np.size(want) == 0:
        return
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(np.abs(want).max(), 1.0))


@pytest.mark.parametrize("dtype", FLOATS)
def test_lu_family_and_cholesky(dtype):
    rng = np.random.default_rng(0)
    n = 160
    a = (rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n)).astype(dtype)
    b = rng.standard_normal((n, 5)).astype(dtype)
    close(host(k("linalg_solve", dtype)(gpu(a), gpu(b))), np.linalg.solve(a, b), dtype)
    close(host(k("linalg_inv", dtype)(gpu(a))), np.linalg.inv(a), dtype)
    sign, logdet = (host(t) for t in k("linalg_slogdet", dtype)(gpu(a)))
    s2, l2 = np.linalg.slogdet(a.astype(np.float64))
    assert sign == s2
    close(logdet, l2, dtype)
    if dtype == "float64":
        close(host(k("linalg_det", dtype)(gpu(a))), np.linalg.det(a), dtype)
    for m in (n, 300 if dtype == "float64" else n):
        c = rng.standard_normal((m, m))
        spd = (c @ c.T / m + np.eye(m)).astype(dtype)
        close(host(k("linalg_cholesky", dtype)(gpu(spd))), np.linalg.cholesky(spd), dtype)
        close(host(k("linalg_cholesky", dtype)(gpu(spd), True)),
              np.linalg.cholesky(spd, upper=True), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(160, 160), (200, 130), (130, 200)])
def test_qr(dtype, shape):
    a = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    for mode in ("reduced", "complete"):
        q, r = (host(t) for t in k("linalg_qr", dtype)(gpu(a), mode))
        q2, r2 = np.linalg.qr(a.astype(np.float64), mode=mode)
        close(r, r2, dtype, 10)
        close(q, q2, dtype, 10)
    h, tau = (host(t) for t in k("linalg_qr", dtype)(gpu(a), "raw"))
    h2, tau2 = np.linalg.qr(a.astype(np.float64), mode="raw")
    close(h, h2, dtype, 10)
    close(tau, tau2, dtype, 10)


@pytest.mark.parametrize("dtype", F64)
def test_eigh(dtype):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((100, 100))
    s = (a + a.T).astype(dtype)
    w, v = (host(t) for t in k("linalg_eigh", dtype)(gpu(s), "U"))
    close(w, np.linalg.eigvalsh(s), dtype)
    close(s @ v, v * w, dtype)
    close(v.T @ v, np.eye(100), dtype)


@pytest.mark.parametrize("dtype", F64)
@pytest.mark.parametrize("shape", [(130, 130), (140, 70), (70, 140)])
def test_svd_family(dtype, shape):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape).astype(dtype)
    m, n = shape
    u, s, vh = (host(t) for t in k("linalg_svd", dtype)(gpu(a), True))
    close(s, np.linalg.svd(a, compute_uv=False), dtype)
    p = min(m, n)
    close((u[:, :p] * s) @ vh[:p], a, dtype)
    close(u.T @ u, np.eye(m), dtype)
    close(vh @ vh.T, np.eye(n), dtype)
    close(host(k("linalg_pinv", dtype)(gpu(a))), np.linalg.pinv(a), dtype)
    low = (rng.standard_normal((m, 40)) @ rng.standard_normal((40, n))).astype(dtype)
    assert int(host(k("linalg_matrix_rank", dtype)(gpu(low)))) == 40
    u, s, vh = (host(t) for t in k("linalg_svd", dtype)(gpu(low), True))  # completes U
    close(u.T @ u, np.eye(m), dtype)
    close((u[:, :p] * s) @ vh[:p], low, dtype)
    b = rng.standard_normal((m, 3)).astype(dtype)
    x, res, rank, sv = (host(t) for t in k("linalg_lstsq", dtype)(gpu(a), gpu(b)))
    x2, res2, rank2, sv2 = np.linalg.lstsq(a, b)
    close(x, x2, dtype)
    close(res, res2, dtype)
    assert int(rank) == rank2


@pytest.mark.parametrize("dtype", F64)
def test_eig(dtype):
    a = np.random.default_rng(4).standard_normal((130, 130)).astype(dtype)
    w, v = (host(t) for t in k("linalg_eig", dtype)(gpu(a)))
    close(a @ v, v * w, dtype, 10)
    close(np.sort_complex(w), np.sort_complex(np.linalg.eigvals(a)), dtype, 10)


def _all_ops(dtype):
    """Every linalg op on 40 x 40 (and 50 x 30) inputs, as host arrays."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 40, 40)).astype(dtype)
    s = a + np.swapaxes(a, -1, -2)
    spd = a @ np.swapaxes(a, -1, -2) + 40 * np.eye(40, dtype=dtype)
    t = rng.standard_normal((50, 30)).astype(dtype)
    low = (rng.standard_normal((50, 8)) @ rng.standard_normal((8, 30))).astype(dtype)
    b = rng.standard_normal((50, 2)).astype(dtype)
    out = [k("linalg_solve", dtype)(gpu(a), gpu(a[:, :, :3])), k("linalg_inv", dtype)(gpu(a)),
           k("linalg_det", dtype)(gpu(a)), *k("linalg_slogdet", dtype)(gpu(a)),
           k("linalg_cholesky", dtype)(gpu(spd)), *k("linalg_qr", dtype)(gpu(t), "complete"),
           *k("linalg_qr", dtype)(gpu(t.T), "raw"), *k("linalg_eigh", dtype)(gpu(s), "L"),
           *k("linalg_svd", dtype)(gpu(t), True), *k("linalg_svd", dtype)(gpu(low.T), True),
           k("linalg_pinv", dtype)(gpu(t)), k("linalg_matrix_rank", dtype)(gpu(low)),
           *k("linalg_lstsq", dtype)(gpu(t), gpu(b)), *k("linalg_eig", dtype)(gpu(a))]
    return [host(x) for x in out]


@pytest.mark.parametrize("dtype", FLOATS)
def test_tiny_rounds_are_bit_identical(dtype, monkeypatch):
    """Forcing many small rounds changes nothing: the split keeps the order of operations."""
    want = _all_ops(dtype)
    monkeypatch.setattr(_linalg_base, "MAX_LOOP_STEPS", 500)
    got = _all_ops(dtype)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_plan_bounds_rounds():
    """Each range packs whole blocks within the bound; small work stays one dispatch."""
    blocks = [(1, 300)] * 10 + _linalg_base.waves(1000, 7)
    ranges = _linalg_base.plan(blocks, 5)
    assert ranges[0][0] == 0 and ranges[-1][1] == 10 + 1000
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert _linalg_base.plan([(1, 10)] * 50) == [(0, 50)]
    assert _linalg_base.plan([]) == [(0, 0)]
    ranges = _linalg_base.plan([(1, 9000)] * 7, 100)
    assert [hi - lo for lo, hi in ranges] == [3, 3, 1]
