"""Reductions and scans vs NumPy: every dtype, any axes, views, and sizes that need the
multi-workgroup (two-pass) path."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, IDX, KERNELS, UIDX, assert_close, down, layouts, np_dtype
from trueno._optable import OPS

RNG = np.random.default_rng(1)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on empty slices
CASES = [((), ()), ((0,), (0,)), ((7,), (0,)), ((5, 6), (0,)), ((5, 6), (1,)),
         ((5, 6), (0, 1)), ((3, 4, 5), (0, 2)), ((2, 3, 17), (1,)), ((100_003,), (0,)),
         ((3, 20001), (1,)), ((20001, 3), (0,)), ((4, 0, 3), (1,)),
         ((600, 70), (0,)), ((40, 3000), (0,)), ((7, 5, 40), (0, 1))]


def sample(dtype, shape):
    """Data for reductions of up to 100K elements: integers 0..4 and floats in (-2, 2), so
    sums and products stay in range (the rows' sample domains are sized for elementwise
    cases)."""
    dt = np_dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(0, 5, shape).astype(dt)
    return RNG.uniform(-2, 2, shape).astype(np.float32).astype(dt)


# The reduction rows tested here, read from the op table: every row of shape "reduce" with a
# GPU kernel and a NumPy twin that reduces over any axes (argmax/argmin, one axis, below)
ROWS = [r for r in OPS.values() if r.shape == "reduce" and r.numpy_name and r.name in KERNELS
        and r.result in ("sum", "float", "promote", "input_bool")]


def np_ref(row, x, axis, keepdims):
    """The row's NumPy twin (floats in float64; the boolean rows on x as bool)."""
    xf = x.astype(np.float64) if x.dtype.kind == "f" or x.dtype.name == "bfloat16" else x
    if row.result == "input_bool":
        xf = x.astype(bool)
    return getattr(np, row.numpy_name)(xf, axis=axis, keepdims=keepdims)


def gpu_dtype(row, dtype):
    """The GPU's result dtype by the row's result rule: integer sums and products widen to
    the adapter's 64-bit integers (else 32-bit), a float result of integers is float32."""
    dt = np_dtype(dtype)
    floating = dt.kind == "f" or dtype == "bfloat16"
    if row.result == "input_bool":
        return np.dtype(bool)
    if row.result == "float":
        return dt if floating else np.dtype(np.float32)
    if row.result == "sum" and dt.kind in "bi":
        return IDX
    if row.result == "sum" and dt.kind == "u":
        return UIDX
    return dt


@pytest.mark.parametrize("row,dtype", [(r, dt) for r in ROWS for dt in DTYPES
                                       if dt in KERNELS[r.name]], ids=str)
def test_reduce(row, dtype):
    op = row.name
    results = []
    for shape, axis in CASES:
        if row.result == "promote" and 0 in shape:
            continue  # max/min: NumPy raises; core checks before the kernel
        x = sample(dtype, shape)
        if op == "prod" and x.size > 1000:
            x = (x != 0).astype(x.dtype) if x.dtype.kind != "f" else \
                (1 + (x.astype(np.float32) - 0.0) * 1e-4).astype(x.dtype)
        for keep in (False, True):
            for _, xv, dx in layouts(x)[: 1 if x.size > 1000 else 3]:
                results.append((xv, axis, keep, KERNELS[op][dtype](dx, axis, keep)))
    for xv, axis, keep, got in results:
        want = np_ref(row, xv, axis if xv.ndim else None, keep)
        g = down(got)
        assert g.dtype == gpu_dtype(row, dtype), (g.dtype, gpu_dtype(row, dtype))
        n = max(1, xv.size)
        rtol = 1e-3 if dtype in ("float16", "bfloat16") else 1e-5 * max(1, np.log2(n))
        if dtype == "bfloat16":
            rtol = 2e-2
        assert_close(g, np.asarray(want).astype(g.dtype) if g.dtype.kind != "f" else want,
                     dtype, rtol=rtol, atol=rtol * 4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_argmax_argmin(dtype):
    results = []
    for shape, axis in [((7,), None), ((5, 6), 0), ((5, 6), 1), ((3, 4, 5), 2), ((300, 50), 0),
                        ((100_003,), 0), ((100_003,), None), ((3, 20001), 1), ((4, 3), None)]:
        x = sample(dtype, shape)
        if np_dtype(dtype).kind == "f" and x.size > 10:
            x.reshape(-1)[x.size // 3] = np.nan
        for _, xv, dx in layouts(x)[: 1 if x.size > 1000 else 3]:
            for op in ("argmax", "argmin"):
                for keep in (False, True):
                    results.append((op, xv, axis, keep, KERNELS[op][dtype](dx, axis, keep)))
    for op, xv, axis, keep, got in results:
        want = getattr(np, op)(xv, axis=axis, keepdims=keep)
        g = down(got)
        assert g.dtype == IDX
        np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if np_dtype(d).kind == "f"
                                   or d == "bfloat16"])
def test_var_std_logsumexp(dtype):
    for shape, axis in [((5, 6), (1,)), ((3, 4, 5), (0, 2)), ((100_003,), (0,)), ((), ())]:
        x = sample(dtype, shape)
        for _, xv, dx in layouts(x)[:2]:
            x64 = xv.astype(np.float64)
            ax = axis if xv.ndim else None
            r = 2e-3 if dtype != "float32" else 1e-4
            if dtype == "bfloat16":
                r = 2e-2
            for corr in (0.0, 1.0):
                if xv.size <= 1 and corr:
                    continue
                assert_close(down(KERNELS["var"][dtype](dx, axis, False, correction=corr)),
                             np.var(x64, axis=ax, ddof=corr), dtype, rtol=r, atol=r)
                assert_close(down(KERNELS["std"][dtype](dx, axis, True, correction=corr)),
                             np.std(x64, axis=ax, ddof=corr, keepdims=True), dtype, rtol=r,
                             atol=r)
            if dtype not in KERNELS["logsumexp"]:
                continue  # float64: no exp kernel (see _dtypes)
            m = np.max(x64, axis=ax, keepdims=True)
            lse = np.log(np.sum(np.exp(x64 - m), axis=ax, keepdims=True)) + m
            assert_close(down(KERNELS["logsumexp"][dtype](dx, axis, True)), lse, dtype,
                         rtol=r, atol=r)
            assert_close(down(KERNELS["logsumexp"][dtype](dx, axis, False)),
                         lse.reshape(np.sum(x64, axis=ax).shape), dtype, rtol=r, atol=r)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_scan(op, dtype):
    results = []
    for shape, axis in [((), 0), ((0,), 0), ((7,), 0), ((5, 6), 0), ((5, 6), 1),
                        ((3, 4, 5), 1), ((1000,), 0), ((2, 700), 1)]:
        x = sample(dtype, shape)
        if op == "cumprod" and np_dtype(dtype).kind in "fV" or dtype == "bfloat16":
            x = (1 + x.astype(np.float32) * 1e-3).astype(x.dtype)
        elif op == "cumprod":
            x = np.minimum(x, 1).astype(x.dtype)
        for _, xv, dx in layouts(x):
            results.append((xv, axis, KERNELS[op][dtype](dx, axis)))
    for xv, axis, got in results:
        want = getattr(np, op)(xv.astype(np.float64) if xv.dtype.kind == "f"
                               or dtype == "bfloat16" else xv, axis=axis if xv.ndim else None)
        g = down(got)
        r = {"float16": 5e-3, "bfloat16": 3e-2}.get(dtype, 1e-4)
        assert_close(g, want.astype(g.dtype) if g.dtype.kind != "f" else want, dtype,
                     rtol=r, atol=r * 10)


def test_sum_without_subgroups(monkeypatch):
    """The workgroup-tree fallback for adapters without the subgroup feature."""
    import trueno_gpu

    rt = trueno_gpu.get_runtime(0)
    monkeypatch.setattr(rt, "has_subgroup", False)
    x = RNG.uniform(-1, 1, (3, 5000)).astype(np.float32)
    from conftest import up

    got = down(KERNELS["sum"]["float32"](up(x), (1,), False))
    assert_close(got, x.astype(np.float64).sum(1), "float32", rtol=1e-4, atol=1e-4)
    got = down(KERNELS["mean"]["float32"](up(x), (0, 1), False))
    assert_close(got, x.astype(np.float64).mean(), "float32", rtol=1e-4, atol=1e-5)
