"""The fast layer_norm's plans (``_fast_layer_norm.plan``: T threads per row, several rows a
workgroup) against NumPy: row lengths at every threads-per-row and vec4-per-thread step, row
counts that leave a workgroup part empty, large offsets and values (the two-pass variance),
NaN and inf rows staying in their row, float16, each plan's kernel used, and the same bits in
every run."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, up, view_of

from trueno_gpu import _fast_layer_norm, get_runtime
from trueno_gpu._codegen import WG

RNG = np.random.default_rng(1024)
# L -> (T, vec4 per thread): 1 / 2 / 4 threads, a partly filled last vec4 step, 32 threads
# of 1 .. 8 vec4, 64 / 128 / 256 threads
PLANS = {4: (1, 1), 8: (2, 1), 12: (4, 1), 124: (32, 1), 128: (32, 1), 132: (32, 2),
         1020: (32, 8), 1024: (32, 8), 1028: (64, 5), 2048: (64, 8), 4096: (128, 8),
         4100: (256, 5), 8192: (256, 8)}


def _want(x, w, b, eps=1e-5):
    x64 = x.astype(np.float64)
    with np.errstate(invalid="ignore"):  # the NaN / inf rows
        mu = x64.mean(-1, keepdims=True)
        y = (x64 - mu) / np.sqrt(((x64 - mu) ** 2).mean(-1, keepdims=True) + eps)
    return y * w.astype(np.float64) + b.astype(np.float64)


def test_plans():
    assert {L: _fast_layer_norm.plan(L) for L in PLANS} == PLANS
    for L in range(4, 8193, 4):
        T, nv = _fast_layer_norm.plan(L)
        assert T & (T - 1) == 0 and T <= WG and nv <= _fast_layer_norm._MAX_V4
        assert (nv - 1) * T < L // 4 <= nv * T, L


@pytest.mark.parametrize("dtype", [d for d in ("float32", "float16") if d in DTYPES])
def test_every_plan(dtype):
    """Each plan with a row count that leaves part of the last workgroup empty."""
    rt = get_runtime(0)
    tol = 2e-5 if dtype == "float32" else 4e-3
    for L, (T, nv) in PLANS.items():
        rows = WG // T + 1 if WG // T > 1 else 3
        x = (RNG.standard_normal((rows, L)) * 3 + 1.5).astype(dtype)
        w = RNG.uniform(0.5, 1.5, L).astype(dtype)
        b = RNG.standard_normal(L).astype(dtype)
        got = KERNELS["layer_norm"][dtype](up(x), 1, up(w), up(b), 1e-5)
        np.testing.assert_allclose(np.asarray(down(got)).astype(np.float64), _want(x, w, b),
                                   rtol=tol, atol=tol, err_msg=str((L, T, nv)))
        assert ("layer_norm_v4", dtype, T, nv, True, True) in rt._kernels, (L, T, nv)


def test_offset_values_nan_rows_and_bits():
    """Rows of large mean and small spread (a one-pass variance would lose them), NaN / inf
    in one row only, a view at an offset, and two runs with the same bits."""
    L = 1024
    x = (RNG.standard_normal((19, L)) * 0.1 + 100.0).astype(np.float32)
    x[4, 17] = np.nan
    x[9, 1023] = np.inf
    w = RNG.uniform(0.5, 1.5, L).astype(np.float32)
    b = RNG.standard_normal(L).astype(np.float32)
    d, dw, db = up(x), up(w), up(b)
    runs = [np.asarray(down(KERNELS["layer_norm"]["float32"](d, 1, dw, db, 1e-5)))
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    want = _want(x, w, b)
    assert np.isnan(runs[0][4]).all() and np.isnan(runs[0][9]).all()
    keep = [r for r in range(19) if r not in (4, 9)]
    np.testing.assert_allclose(runs[0][keep], want[keep], rtol=1e-3, atol=1e-3)
    v = x[3:]
    got = down(KERNELS["layer_norm"]["float32"](view_of(d, x, v), 1, dw, db, 1e-5))
    np.testing.assert_array_equal(np.asarray(got), runs[0][3:])
