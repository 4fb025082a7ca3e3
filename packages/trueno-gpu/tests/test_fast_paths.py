"""The fast kernels against NumPy: every matmul tile shape of ``_matmul_tiled`` (hardware GPUs
pick the big ones, so pin them here), vec4 elementwise at 1, 2 and 4 vec4s per thread with
offsets and odd sizes, the vec4 row sum (one pass and split into chunks) and the
register-resident softmax; plus the batching contract (a chain of ops is one submission)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import API, KERNELS, assert_close, down, up

from trueno_gpu import _elementwise, _fast_elementwise, _matmul, get_runtime
from trueno_gpu._matmul_tiled import CONFIGS

RNG = np.random.default_rng(7)
FLOAT_MM = [d for d in ("float32", "float16") if d in KERNELS["matmul"] and d in API.dtypes(0)]


@pytest.mark.parametrize("cfg", sorted(CONFIGS))
@pytest.mark.parametrize("dtype", FLOAT_MM)
def test_matmul_tiles(cfg, dtype):
    _matmul._FAST.update(on=True, cfg=CONFIGS[cfg])
    try:
        for (m, k, n) in [(1, 4, 4), (5, 8, 12), (64, 64, 64), (100, 36, 132), (130, 260, 68),
                          (129, 20, 132)]:
            a = RNG.uniform(-1, 1, (m, k)).astype(dtype)
            b = RNG.uniform(-1, 1, (k, n)).astype(dtype)
            got = down(KERNELS["matmul"][dtype](up(a), up(b)))
            assert_close(got, (a.astype(np.float32) @ b.astype(np.float32)).astype(dtype),
                         dtype, atol=2e-2 if dtype == "float16" else 1e-4)
        a = RNG.uniform(-1, 1, (3, 1, 36, 20)).astype(dtype)
        b = RNG.uniform(-1, 1, (4, 20, 44)).astype(dtype)
        got = down(KERNELS["matmul"][dtype](up(a), up(b)))
        want = (a.astype(np.float32) @ b.astype(np.float32)).astype(dtype)
        assert_close(got, want, dtype, atol=2e-2 if dtype == "float16" else 1e-4)
    finally:
        _matmul._FAST.update(on=True, cfg=None)


@pytest.mark.parametrize("per", [1, 2, 4])
def test_vec4_elementwise(per):
    old = dict(_fast_elementwise.ENABLED)
    _fast_elementwise.ENABLED.update(on=True, per=per)
    _elementwise._PLANS.clear()
    try:
        for n in (4, 8, 1024, 4096 * 3 + 8, 70000):
            h = RNG.standard_normal(n + 8).astype(np.float32)
            g = RNG.standard_normal(n + 8).astype(np.float32)
            a, b = up(h), up(g)
            av, bv = a.view(4, (n,), (1,)), b.view(8, (n,), (1,))  # 16-byte aligned offsets
            np.testing.assert_array_equal(down(KERNELS["add"]["float32"](av, bv)),
                                          h[4:4 + n] + g[8:8 + n])
            np.testing.assert_array_equal(down(KERNELS["multiply"]["float32"](
                av, np.float32(3.5))), h[4:4 + n] * np.float32(3.5))
            np.testing.assert_array_equal(down(KERNELS["maximum"]["float32"](av, bv)),
                                          np.maximum(h[4:4 + n], g[8:8 + n]))
            hi = RNG.integers(-50, 50, n).astype(np.int32)
            got = down(KERNELS["subtract"]["int32"](up(hi), up(hi[::-1].copy())))
            np.testing.assert_array_equal(got, hi - hi[::-1])
    finally:
        _fast_elementwise.ENABLED.update(old)
        _elementwise._PLANS.clear()


@pytest.mark.parametrize("shape,axis", [((64,), (0,)), ((1 << 18,), (0,)), ((3, 4096), (1,)),
                                        ((300, 128), (1,)), ((4, 5, 64), (1, 2)),
                                        ((5, 1 << 15), (1,))])
def test_row_sum(shape, axis):
    h = RNG.standard_normal(shape).astype(np.float32)
    for op in ("sum", "mean"):
        got = down(KERNELS[op]["float32"](up(h), axis, False))
        want = getattr(h.astype(np.float64), op)(axis=axis)
        assert_close(got, want.astype(np.float32), "float32", rtol=1e-4,
                     atol=1e-4 * np.sqrt(h.size))


@pytest.mark.parametrize("L", [4, 12, 1024, 1028, 4096, 8192])
def test_softmax_rows(L):
    h = (RNG.standard_normal((3, L)) * 4).astype(np.float32)
    x = h.astype(np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    for kind, want in (("softmax", e / e.sum(-1, keepdims=True)),
                       ("log_softmax", np.log(e / e.sum(-1, keepdims=True)))):
        assert_close(down(KERNELS[kind]["float32"](up(h), -1)), want.astype(np.float32),
                     "float32", rtol=1e-5, atol=1e-6)


def test_chain_is_one_submission():
    rt = get_runtime(0)
    x = up(RNG.standard_normal(1000).astype(np.float32))
    rt.synchronize()
    saved, rt.submit_every = rt.submit_every, 0  # early submission off (the default on a GPU)
    try:
        before = rt.submissions
        y = x
        for i in range(300):
            y = KERNELS["multiply" if i % 2 else "add"]["float32"](y, np.float32(1.0001))
        assert rt.submissions == before
        got = down(y)
        assert rt.submissions == before + 1
    finally:
        rt.submit_every = saved
    want = down(x).astype(np.float32)
    for i in range(300):
        want = want * np.float32(1.0001) if i % 2 else want + np.float32(1.0001)
    assert_close(got, want, "float32", rtol=1e-5)
