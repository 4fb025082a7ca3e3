"""The plugin's Python-level kernels: which GEMM matmul uses, relu."""

import numpy as np
import trueno_simd
from trueno_simd import plugin as P


def test_matmul_stays_on_own_gemm_without_avx512(monkeypatch):
    # OpenBLAS's threads fight this package's pool for the cores: without AVX-512 every
    # product runs on trueno-simd's GEMM (with AVX-512, products above 192 per side go to
    # OpenBLAS, measured faster there)
    calls = []
    real = np.matmul
    monkeypatch.setattr(P.np, "matmul", lambda a, b: calls.append(a.shape) or real(a, b))
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (300, 257)).astype(np.float32)
    b = rng.uniform(-1, 1, (257, 200)).astype(np.float32)
    got = P.matmul(a, b.T.copy().T)
    np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=0, atol=1e-4)
    avx512 = trueno_simd.cpu_features()["isa"] == "avx512"
    assert calls == ([(300, 257)] if avx512 else [])
    small = P.matmul(a[:50, :60], b[:60, :70])
    np.testing.assert_allclose(small, a[:50, :60].astype(np.float64) @ b[:60, :70], rtol=0,
                               atol=1e-4)
    assert len(calls) == (1 if avx512 else 0)


def test_relu_matches_maximum_with_zero():
    x = np.array([[-2.0, -0.0, 0.0, 3.5], [np.nan, np.inf, -np.inf, 1e-30]], np.float32)
    for v in (x, x.T, x[:, ::-1]):
        got = P.relu(v)
        assert got.dtype == v.dtype
        np.testing.assert_array_equal(got, np.maximum(v, np.float32(0)))
    i = np.arange(-5, 5, dtype=np.int16).reshape(2, 5)
    np.testing.assert_array_equal(P.relu(i[:, ::2]), np.maximum(i[:, ::2], 0))
