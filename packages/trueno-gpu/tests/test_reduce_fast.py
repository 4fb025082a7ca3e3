"""The fast row / column reductions (``_fast_reduce``) against NumPy: odd sizes around the
vec4, per-thread and chunk boundaries (1, 3, 4095, 4097, 1M + 3), rows and columns of every
length class, batched columns, views (transposed, sliced, offset, negative strides, which the
generic kernel takes), keepdims, NaN and infinities for max/min, the workgroup-tree path
next to the subgroup one, same bits in every run; plus every other dtype the reduction
kernels take, through the generic kernel."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, IDX, KERNELS, UIDX, assert_close, down, np_dtype, up, view_of

from trueno_gpu import _fast_reduce, get_runtime

RNG = np.random.default_rng(18)
FLOATS = [d for d in ("float32", "float16", "bfloat16") if d in DTYPES]
OPS = ("sum", "mean", "max", "min")
# (shape, axis): full reductions, rows (short, medium, a workgroup per row, split rows) and
# columns (vec4 and scalar, few and many, batched)
CASES = [((1,), (0,)), ((3,), (0,)), ((4,), (0,)), ((4095,), (0,)), ((4097,), (0,)),
         (((1 << 20) + 3,), (0,)), ((1 << 20,), (0,)), ((5, 6), (0, 1)),
         ((7, 3), (1,)), ((33, 4), (1,)), ((9, 68), (1,)), ((300, 130), (1,)), ((4, 4096), (1,)),
         ((2, 70001), (1,)), ((3, 4097), (1,)),
         ((7, 3), (0,)), ((4096, 4), (0,)), ((130, 300), (0,)), ((1000, 1024), (0,)),
         ((20001, 3), (0,)), ((3, 257, 12), (1,)), ((6, 37, 5), (1,)), ((3, 40, 8), (0, 1)),
         # rows over two axes, then columns: batch norm's (N, C, H, W) over (0, 2, 3)
         ((8, 6, 5, 7), (0, 2, 3)), ((4, 8, 16, 16), (0, 2, 3)), ((3, 4, 12), (0, 2)),
         ((64, 3, 1024), (0, 2))]


def _fast_used(rt) -> set:
    return {k[0] for k in rt._kernels if isinstance(k, tuple) and k and k[0].startswith("fast")}


def _host(dtype, shape):
    # off-centre, so sums grow (float16 stays centred: a sum of 1M would pass its 65504)
    x = RNG.uniform(-2, 2, shape).astype(np.float32) + (0.0 if dtype == "float16" else 0.25)
    return x.astype(np_dtype(dtype))


def _check(op, dtype, xv, axis, keep, got):
    """``got`` vs NumPy in float64: float32 sums within 2e-6 of the sum of |x| (the order of
    the additions differs), float16/bfloat16 within one rounding of the result."""
    x64 = xv.astype(np.float64)
    want = getattr(np, op)(x64, axis=axis, keepdims=keep)
    scale = np.sum(np.abs(x64), axis=axis, keepdims=keep)
    if op == "mean":
        scale = scale / max(1, int(np.prod([xv.shape[a] for a in axis])))
    g = np.asarray(down(got))
    assert g.dtype == xv.dtype, (g.dtype, xv.dtype)
    assert g.shape == want.shape, (g.shape, want.shape)
    err = np.abs(g.astype(np.float64) - want)
    rel = {"float16": 1e-3, "bfloat16": 8e-3}.get(dtype, 0.0)
    bound = 2e-6 * scale + rel * np.abs(want) + (0 if op in ("max", "min") else 1e-30)
    if op in ("max", "min") and dtype == "float32":
        np.testing.assert_array_equal(g, want.astype(np.float32))
    assert np.all(err <= bound), (op, dtype, xv.shape, axis, float(np.max(err - bound)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", OPS)
def test_fast_reduce_cases(op, dtype):
    rt = get_runtime(0)
    for shape, axis in CASES:
        x = _host(dtype, shape)
        for keep in (False, True):
            got = KERNELS[op][dtype](up(x), axis, keep)
            _check(op, dtype, x, axis, keep, got)
    assert {"fastrow", "fastcol"} <= _fast_used(rt)


@pytest.mark.parametrize("op", OPS)
def test_fast_reduce_tree_path(op, monkeypatch):
    """Without subgroups (the workgroup tree), and the same results in every run."""
    monkeypatch.setattr(get_runtime(0), "has_subgroup", False)
    for shape, axis in [((4097,), (0,)), (((1 << 20) + 3,), (0,)), ((300, 1030), (1,)),
                        ((5, 4096), (1,)), ((1000, 1024), (0,))]:
        x = _host("float32", shape)
        d = up(x)
        first = down(KERNELS[op]["float32"](d, axis, False))
        _check(op, "float32", x, axis, False, up(first))
        for _ in range(2):
            np.testing.assert_array_equal(down(KERNELS[op]["float32"](d, axis, False)), first)


@pytest.mark.parametrize("op", OPS)
def test_fast_reduce_views(op):
    """Sliced, offset, transposed and negative-stride views; row strides larger than the
    row; misaligned offsets (the scalar-load variants)."""
    base = _host("float32", (70, 520))
    d = up(base)
    views = [base[3:, 8:], base[1:, 1:517], base[:, 4:260], base[2:67:3, :], base[:, :12],
             base.T, base[5:, 12:].T, base[:, ::-1], base[::-1, :],
             base[:60, 4:260], base[5:65, 8:264]]  # one layout at two offsets (one plan)
    for v in views:
        dv = view_of(d, base, v)
        for axis in ((0,), (1,), (0, 1)):
            _check(op, "float32", v, axis, False, KERNELS[op]["float32"](dv, axis, False))


@pytest.mark.parametrize("op", ("max", "min"))
def test_fast_reduce_nan_inf(op):
    """NaN anywhere in a row / column / the whole array wins (NumPy's rule); +-inf stay."""
    x = _host("float32", (64, 4100))
    x[3, 4097] = np.nan  # a row's tail (scalar remainder of the vec4 loop)
    x[10, 7] = np.nan
    x[20, 100] = np.inf
    x[21, 200] = -np.inf
    for axis in ((0,), (1,), (0, 1)):
        got = down(KERNELS[op]["float32"](up(x), axis, False))
        np.testing.assert_array_equal(got, getattr(np, op)(x, axis=axis))
    y = _host("float32", ((1 << 20) + 3,))
    y[(1 << 20) + 1] = np.nan
    assert np.isnan(down(KERNELS[op]["float32"](up(y), (0,), False)))


def test_fast_reduce_switch():
    """The fast kernels and the generic ones agree (the switch benchmarks use)."""
    x = _host("float32", (300, 516))
    for axis in ((0,), (1,), (0, 1)):
        fast = down(KERNELS["sum"]["float32"](up(x), axis, False))
        _fast_reduce.ENABLED["on"] = False
        try:
            slow = down(KERNELS["sum"]["float32"](up(x), axis, False))
        finally:
            _fast_reduce.ENABLED["on"] = True
        np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-4)


INTS = [d for d in DTYPES if d not in FLOATS and d != "bool"]


@pytest.mark.parametrize("dtype", INTS + [d for d in DTYPES if d == "float64"] + ["bool"])
def test_reduce_other_dtypes(dtype):
    """Every other dtype through the same calls (the generic kernel): odd sizes, keepdims."""
    dt = np_dtype(dtype)
    for shape, axis in [((1,), (0,)), ((3,), (0,)), ((4097,), (0,)), ((33, 5), (1,)),
                        ((33, 5), (0,)), ((3, 257, 12), (1,))]:
        x = RNG.integers(0, 5, shape).astype(dt) if dt.kind != "f" else _host(dtype, shape)
        for op in OPS:
            if op not in KERNELS or dtype not in KERNELS[op]:
                continue
            for keep in (False, True):
                got = down(KERNELS[op][dtype](up(x), axis, keep))
                want = getattr(np, op)(x.astype(np.float64) if dt.kind == "f" else x,
                                       axis=axis, keepdims=keep)
                if op == "sum" and dt.kind in "biu":
                    want = want.astype(UIDX if dt.kind == "u" else IDX)
                elif op in ("max", "min"):
                    want = want.astype(dt)
                assert_close(got, np.asarray(want).astype(got.dtype) if got.dtype.kind != "f"
                             else want, dtype, rtol=1e-5, atol=1e-5)
