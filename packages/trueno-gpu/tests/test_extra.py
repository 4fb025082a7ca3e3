"""Surface ops built on the templates: addcmul, real/imag, nextafter, isclose, around,
count_nonzero, vector_norm, concat, topk."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, assert_close, down, layouts, np_dtype, up

RNG = np.random.default_rng(6)
NUMERIC = [d for d in DTYPES if d != "bool"]


def sample(dtype, shape):
    dt = np_dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(0, 9, shape).astype(dt)
    return RNG.uniform(-3, 3, shape).astype(np.float32).astype(dt)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_elementwise_surface(dtype):
    x, a, b = sample(dtype, (3, 4)), sample(dtype, (4,)), sample(dtype, (3, 1))
    dt = np_dtype(dtype)
    v = np.asarray(2, dt)[()]
    got = down(KERNELS["addcmul"][dtype](up(x), up(a), up(b), v))
    want = (x.astype(np.float64) + 2 * a.astype(np.float64) * b.astype(np.float64))
    assert_close(got, want.astype(dt) if dt.kind in "iu" else want, dtype)
    assert_close(down(KERNELS["real"][dtype](up(x))), x, dtype)
    assert_close(down(KERNELS["imag"][dtype](up(x))), np.zeros_like(x), dtype)
    y = x.copy()
    y[0, 0] = y[0, 1] + (1 if dt.kind in "iu" else 1e-9)
    got = down(KERNELS["isclose"][dtype](up(x), up(y)))
    np.testing.assert_array_equal(got, np.isclose(x.astype(np.float64), y.astype(np.float64)))
    for d in ((0, 1, -1) if dt.kind != "u" else (0, -1)):
        xr = (x.astype(np.float32) * 1000).astype(dt) if dt.kind in "iu" and d < 0 else x
        got = down(KERNELS["around"][dtype](up(xr), d))
        want = np.round(xr.astype(np.float32) if dtype == "bfloat16" else xr, d)
        assert_close(got, want.astype(dt) if dtype == "bfloat16" else want, dtype)


def test_nextafter_float32():
    x = np.array([0.0, 1.0, 1.0, -2.5, np.nan, 3.0], np.float32)
    y = np.array([1.0, 2.0, 0.0, -np.inf, 1.0, 3.0], np.float32)
    np.testing.assert_array_equal(down(KERNELS["nextafter"]["float32"](up(x), up(y))),
                                  np.nextafter(x, y))


@pytest.mark.parametrize("dtype", DTYPES)
def test_count_nonzero_concat_topk(dtype):
    x = sample(dtype, (4, 6))
    for _, xv, dx in layouts(x):
        for axis in (None, (0,), (1,)):
            got = down(KERNELS["count_nonzero"][dtype](dx, axis, False))
            np.testing.assert_array_equal(got, np.count_nonzero(xv, axis=axis))
        y = sample(dtype, (2, 6))
        got = down(KERNELS["concat"][dtype](dx, up(y), up(y[:0]), axis=0))
        assert_close(got, np.concatenate([xv, y, y[:0]], axis=0), dtype)
        got = down(KERNELS["concat"][dtype](dx, dx, axis=1))
        assert_close(got, np.concatenate([xv, xv], axis=1), dtype)
    if dtype == "bool":
        return
    x = RNG.permutation(24).reshape(4, 6).astype(np_dtype(dtype))
    for largest in (True, False):
        v, i = KERNELS["topk"][dtype](up(x), 3, 1, largest)
        order = np.argsort(-x.astype(np.float64) if largest else x, axis=1, kind="stable")
        np.testing.assert_array_equal(down(i), order[:, :3])
        assert_close(down(v), np.take_along_axis(x, order[:, :3], 1), dtype)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in ("float32", "float16")])
def test_vector_norm(dtype):
    x = sample(dtype, (5, 7))
    x64 = x.astype(np.float64)
    for ord_ in (2, 1, np.inf, -np.inf, 0, 3):
        for axis in ((1,), (0, 1)):
            got = down(KERNELS["vector_norm"][dtype](up(x), axis, False, ord=float(ord_)))
            a = np.abs(x64)
            if ord_ == 0:
                want = np.sum(a != 0, axis=axis)
            elif np.isinf(ord_):
                want = (np.max if ord_ > 0 else np.min)(a, axis=axis)
            else:
                want = np.sum(a ** ord_, axis=axis) ** (1 / ord_)
            r = 1e-5 if dtype == "float32" else 2e-3
            assert_close(got, want, dtype, rtol=r, atol=r)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_searchsorted(dtype):
    dt = np_dtype(dtype)
    a = np.sort(sample(dtype, (50,)))
    if dt.kind == "f":
        a[-3:] = np.nan  # NaN sorts last
    v = sample(dtype, (3, 4))
    idx = np.int64 if "int64" in DTYPES else np.int32
    for side in ("left", "right"):
        got = down(KERNELS["searchsorted"][dtype](up(a), up(v), side))
        a64, v64 = (a.astype(np.float64), v.astype(np.float64)) if dtype == "bfloat16" \
            else (a, v)
        np.testing.assert_array_equal(got, np.searchsorted(a64, v64, side=side))
        assert got.dtype == idx
        got = down(KERNELS["searchsorted"][dtype](up(a), up(v.T), side))  # strided v
        np.testing.assert_array_equal(got, np.searchsorted(a64, v64.T, side=side))
    perm = RNG.permutation(50)
    shuffled = a[perm]
    sorter = np.argsort(shuffled, kind="stable")
    got = down(KERNELS["searchsorted"][dtype](up(shuffled), up(v), "left", sorter))
    np.testing.assert_array_equal(got, np.searchsorted(shuffled.astype(np.float64) if
                                                       dtype == "bfloat16" else shuffled,
                                                       v64, "left", sorter=sorter))


@pytest.mark.parametrize("dtype", NUMERIC)
def test_isin_pad(dtype):
    x = sample(dtype, (3, 5))
    t = sample(dtype, (4,))
    for invert in (False, True):
        got = down(KERNELS["isin"][dtype](up(x), up(t), invert))
        np.testing.assert_array_equal(got, np.isin(x, t, invert=invert))
    got = down(KERNELS["isin"][dtype](up(x), up(t[:0])))
    np.testing.assert_array_equal(got, np.zeros(x.shape, bool))
    for _, xv, dx in layouts(x):
        for pw, kw in [(1, {}), (((0, 2), (1, 0)), {"constant_values": 3}),
                       (((1, 1), (2, 0)), {"constant_values": ((1, 2), (3, 4))})]:
            got = down(KERNELS["pad"][dtype](dx, np.asarray(pw), "constant", **kw))
            assert_close(got, np.pad(xv, pw, mode="constant", **kw), dtype)


@pytest.mark.parametrize("mode", ["edge", "wrap", "reflect", "symmetric"])
@pytest.mark.parametrize("dtype", NUMERIC)
def test_pad_gather_modes(dtype, mode):
    """The modes that gather ``x`` (NumPy's index map per axis), on views too; padding wider
    than the axis repeats the pattern as NumPy's."""
    x = sample(dtype, (3, 4))
    for _, xv, dx in layouts(x):
        for pw in [1, ((0, 2), (3, 0)), ((7, 5), (1, 9)), ((0, 0), (0, 0))]:
            got = down(KERNELS["pad"][dtype](dx, np.asarray(pw), mode))
            want = np.pad(xv, pw, mode=mode)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", ["maximum", "minimum", "mean", "median", "linear_ramp"])
@pytest.mark.parametrize("dtype", [d for d in NUMERIC if d in ("float64", "float32", "int64",
                                                              "int32", "uint8")])
def test_pad_margin_modes(dtype, mode):
    """Statistics (with stat_length) and linear ramps (with end_values), axis by axis as
    NumPy pads; integer means/medians rounded half to even as NumPy's."""
    dt = np_dtype(dtype)
    x = (RNG.normal(size=(3, 4)) * 10).astype(dt) if dt.kind == "f" else \
        RNG.integers(0, 100, (3, 4)).astype(dt)
    extra = [{}, {"end_values": (5, -3)}, {"end_values": ((1, 2), (3, 4))}] \
        if mode == "linear_ramp" else [{}, {"stat_length": 2}, {"stat_length": ((1, 3), (2, 1))}]
    for _, xv, dx in layouts(x):
        for pw in [1, ((2, 3), (0, 1)), ((7, 1), (2, 2))]:
            for kw in extra:
                got = down(KERNELS["pad"][dtype](dx, np.asarray(pw), mode, **kw))
                want = np.pad(xv, pw, mode=mode, **kw)
                assert got.dtype == want.dtype
                np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == "float32" else 1e-12)
    with pytest.raises(ValueError, match="stat_length of 0"):
        KERNELS["pad"][dtype](up(x), np.asarray(1), "maximum", stat_length=0)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_average_interp(dtype):
    dt = np_dtype(dtype)
    x = sample(dtype, (4, 6))
    w = sample(dtype, (4, 6)).astype(np.float32) + 1
    w1 = np.arange(1, 7, dtype=np.float32)
    r = {"float16": 3e-3, "bfloat16": 3e-2}.get(dtype, 1e-5)
    x64 = x.astype(np.float64)
    for axis in (None, 1, (0, 1)):
        avg, scl = KERNELS["average"][dtype](up(x), axis, False)
        wa, ws = np.average(x64, axis=axis, returned=True)
        assert_close(down(avg), wa, dtype, rtol=r, atol=r)
        assert_close(down(scl), ws, dtype, rtol=r, atol=r)
        avg, scl = KERNELS["average"][dtype](up(x), axis, True, up(w))
        wa, ws = np.average(x64, axis=axis, weights=w, returned=True, keepdims=True)
        assert_close(down(avg), wa, dtype, rtol=r * 10, atol=r * 10)
        assert_close(down(scl), ws, dtype, rtol=r, atol=r)
    avg, scl = KERNELS["average"][dtype](up(x), 1, False, up(w1))
    wa, ws = np.average(x64, axis=1, weights=w1, returned=True)
    assert_close(down(avg), wa, dtype, rtol=r * 10, atol=r * 10)
    if dt.kind != "f" and dtype != "bfloat16":
        return
    xp = np.sort(RNG.uniform(-2, 2, 9)).astype(np.float32).astype(dt)
    fp = RNG.uniform(-2, 2, 9).astype(np.float32).astype(dt)
    xs = np.concatenate([RNG.uniform(-3, 3, 20), [np.nan], xp[:2].astype(np.float64)])
    xs = xs.astype(np.float32).astype(dt)
    for left, right in ((None, None), (-10.0, 10.0)):
        got = down(KERNELS["interp"][dtype](up(xs), up(xp), up(fp), left, right))
        want = np.interp(xs.astype(np.float64), xp.astype(np.float64), fp.astype(np.float64),
                         left=left, right=right)
        assert_close(got, want, dtype, rtol=r * 10, atol=r * 10)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_convolve_correlate(dtype):
    r = {"float16": 1e-2, "bfloat16": 1e-1}.get(dtype, 1e-5)
    for n, m in ((9, 3), (8, 4), (3, 7), (5, 5), (1, 1)):
        a, v = sample(dtype, (n,)), sample(dtype, (m,))
        a64, v64 = a.astype(np.float64), v.astype(np.float64)
        for mode in ("full", "same", "valid"):
            got = down(KERNELS["convolve"][dtype](up(a), up(v), mode))
            assert_close(got, np.convolve(a64, v64, mode), dtype, rtol=r, atol=r)
            got = down(KERNELS["correlate"][dtype](up(a), up(v), mode))
            assert_close(got, np.correlate(a64, v64, mode), dtype, rtol=r, atol=r)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_cov_corrcoef(dtype):
    x = sample(dtype, (3, 10))
    y = sample(dtype, (10,))
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    r = {"float16": 1e-2, "bfloat16": 5e-2}.get(dtype, 1e-5)
    for _, xv, dx in layouts(x)[:2]:
        xv64 = xv.astype(np.float64)
        fw, aw = np.arange(10) % 3, np.linspace(0.5, 2.0, 10)
        for kw in ({}, {"bias": True}, {"ddof": 2}, {"fweights": fw}, {"aweights": aw},
                   {"fweights": fw, "aweights": aw}, {"aweights": aw, "bias": True},
                   {"fweights": fw, "aweights": aw, "ddof": 3}):
            assert_close(down(KERNELS["cov"][dtype](dx, **kw)), np.cov(xv64, **kw), dtype,
                         rtol=r, atol=r)
        assert_close(down(KERNELS["cov"][dtype](dx, up(y))), np.cov(xv64, y64), dtype,
                     rtol=r, atol=r)
        assert_close(down(KERNELS["corrcoef"][dtype](dx)), np.corrcoef(xv64), dtype,
                     rtol=r, atol=r)
    got = down(KERNELS["cov"][dtype](up(x), rowvar=False))
    assert_close(got, np.cov(x64, rowvar=False), dtype, rtol=r, atol=r)
    assert_close(down(KERNELS["cov"][dtype](up(y))), np.cov(y64), dtype, rtol=r, atol=r)
    assert_close(down(KERNELS["corrcoef"][dtype](up(y))), np.corrcoef(y64), dtype, rtol=r,
                 atol=r)


def test_cov_refuses_the_weights_numpy_refuses():
    x = up(np.ones((2, 4), np.float32))
    with pytest.raises(TypeError, match="fweights must be integer"):
        KERNELS["cov"]["float32"](x, fweights=[1.5, 1, 1, 1])
    with pytest.raises(ValueError, match="cannot be negative"):
        KERNELS["cov"]["float32"](x, aweights=[-1.0, 1, 1, 1])
    with pytest.raises(RuntimeError, match="incompatible numbers"):
        KERNELS["cov"]["float32"](x, aweights=[1.0, 1.0])


@pytest.mark.parametrize("dtype", NUMERIC)
def test_digitize(dtype):
    x = sample(dtype, (3, 4))
    bins = np.unique(sample(dtype, (6,)))
    for b in (bins, bins[::-1].copy(), bins[:1], bins[:3], bins[:3][::-1].copy()):
        for right in (False, True):
            got = down(KERNELS["digitize"][dtype](up(x), up(b), right))
            np.testing.assert_array_equal(got, np.digitize(x, b, right=right))


@pytest.mark.parametrize("dtype", NUMERIC)
def test_gradient(dtype):
    x = sample(dtype, (5, 7))
    x64 = x.astype(np.float64)
    r = {"float16": 1e-2, "bfloat16": 5e-2}.get(dtype, 1e-5)
    for _, xv, dx in layouts(x):
        xv64 = xv.astype(np.float64)
        for spacing, axis, order in (((), None, 1), ((2.0,), 1, 2), ((0.5, 3.0), None, 2)):
            got = KERNELS["gradient"][dtype](dx, spacing, axis, order)
            want = np.gradient(xv64, *spacing, axis=axis, edge_order=order)
            want = want if isinstance(want, (list, tuple)) else [want]
            assert len(got) == len(want)
            for g, w in zip(got, want):
                assert_close(down(g), w, dtype, rtol=r, atol=r)
    g = KERNELS["gradient"][dtype](up(x[:, :2]), (), 1, 1)
    assert_close(down(g[0]), np.gradient(x64[:, :2], axis=1), dtype, rtol=r, atol=r)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if np_dtype(d).kind in "fV"])
@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 5, -1, -2])
def test_around_is_bit_exact(dtype, decimals):
    """NumPy's around, bit for bit: float16/bfloat16 round every step to their own dtype
    (float16(1.05) * 10 is 10.5 in float16, which rounds to 10), the scale too."""
    dt = np_dtype(dtype)
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(4000) * 3).astype(dt)
    x[:8] = np.array([1.05, 2.25, 3.451, 1234, 1250, -0.0, 2.05, -5.15]).astype(dt)
    if dt.itemsize >= 4:
        x[8:10] = np.array([65504.0, 1e30]).astype(dt)
    with np.errstate(all="ignore"):
        got = down(KERNELS["around"][dtype](up(x), decimals=decimals))
        want = np.around(x, decimals)
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))
