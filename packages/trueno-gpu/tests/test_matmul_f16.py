"""float16 matmul against NumPy's product computed in float32 and rounded to float16: every
tile shape of the fast kernel, row-major and transposed operands, batches, with f32
accumulation (the default) and with the opt-in f16 partial sums per k step
(``_matmul._FAST["half"]``); the same tiling in float32 runs on every adapter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import API, KERNELS, down, up, view_of

from trueno_gpu import _matmul
from trueno_gpu._matmul_tiled import CONFIGS

RNG = np.random.default_rng(16)
HAS_F16 = "float16" in API.dtypes(0) and "float16" in KERNELS["matmul"]
needs_f16 = pytest.mark.skipif(not HAS_F16, reason="the adapter lacks the shader-f16 feature "
                               "(float16 storage and arithmetic in WGSL)")
EPS16 = float(np.finfo(np.float16).eps)
SHAPES = [(1, 4, 4), (5, 8, 12), (64, 64, 64), (100, 36, 132), (130, 260, 68), (129, 20, 132)]


def _want(a, b, dtype):
    return (a.astype(np.float32) @ b.astype(np.float32)).astype(dtype)


def _check(got, a, b, dtype, half):
    """Within one rounding of the result plus, for f16 partial sums, 4 eps16 sqrt(K) times
    the root of the sum of the squared products (a rounding per addition, random in sign);
    the f32 accumulation's own error is far below one float16 ulp."""
    want = _want(a, b, dtype).astype(np.float64)
    k = a.shape[-1]
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    rms = np.sqrt((a64 * a64) @ (b64 * b64))
    ulp = EPS16 if dtype == "float16" else float(np.finfo(np.float32).eps)
    atol = (4 * EPS16 if half else 1e-6) * np.sqrt(k) * rms + 1e-7
    err = np.abs(np.asarray(got).astype(np.float64) - want)
    assert np.all(err <= ulp * np.abs(want) + atol), float(np.max(err - ulp * np.abs(want)))


def _run(dtype, cfg, half):
    _matmul._FAST.update(on=True, cfg=CONFIGS[cfg], half=half)
    try:
        for m, k, n in SHAPES:
            a = RNG.uniform(-1, 1, (m, k)).astype(dtype)
            b = RNG.uniform(-1, 1, (k, n)).astype(dtype)
            _check(down(KERNELS["matmul"][dtype](up(a), up(b))), a, b, dtype, half)
            if m % 4 == 0 and k % 4 == 0 and n % 4 == 0:  # transposed operands
                at, bt = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)
                got = KERNELS["matmul"][dtype](view_of(up(at), at, at.T), view_of(up(bt), bt, bt.T))
                _check(down(got), a, b, dtype, half)
        a = RNG.uniform(-1, 1, (3, 1, 36, 20)).astype(dtype)
        b = RNG.uniform(-1, 1, (4, 20, 44)).astype(dtype)
        _check(down(KERNELS["matmul"][dtype](up(a), up(b))), a, b, dtype, half)
    finally:
        _matmul._FAST.update(on=True, cfg=None, half=False)


@needs_f16
@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize("cfg", sorted(CONFIGS))
def test_matmul_f16_tiles(cfg, half):
    _run("float16", cfg, half)


@pytest.mark.parametrize("cfg", sorted(CONFIGS))
def test_matmul_f32_same_tiling(cfg):
    """The f32-accumulating tiling on float32 operands (every adapter has these)."""
    _run("float32", cfg, False)


@needs_f16
def test_matmul_f16_default_accumulates_in_f32():
    """Products past float16's range whose sum is in range: exact with f32 accumulation
    (the default); the f16 partial sums would overflow here, which is why they are opt-in."""
    a = np.full((4, 8), 300, np.float16)
    b = np.tile(np.array([[300], [-300]], np.float16), (4, 8))  # (8, 8): +-300 rows
    got = down(KERNELS["matmul"]["float16"](up(a), up(b)))
    np.testing.assert_array_equal(got, np.zeros((4, 8), np.float16))
    assert 300.0 * 300.0 > float(np.finfo(np.float16).max)
    _matmul._FAST.update(half=True)  # the opt-in really sums in float16
    try:
        got = down(KERNELS["matmul"]["float16"](up(a), up(b)))
    finally:
        _matmul._FAST.update(half=False)
    assert not np.isfinite(got).any()
