"""Surface ops on the GPU: the kernels built on the templates (addcmul, real/imag, nextafter,
vector_norm, concat, searchsorted, pad, convolve/correlate, digitize) called directly, and the
composite rows that have no GPU kernel (isclose, around, count_nonzero, topk, isin, average,
interp, cov, corrcoef, gradient: their decompositions run on the GPU, issue 13) through
trueno's public functions on GPU arrays, views included."""

from __future__ import annotations

import numpy as np
import pytest
import trueno as tn
from conftest import DTYPES, KERNELS, assert_close, down, layouts, np_dtype, up
from trueno.backend import wrap

RNG = np.random.default_rng(6)
NUMERIC = [d for d in DTYPES if d != "bool"]
_GPU = tn.asarray(0.0, device="gpu")


def T(dx):
    """A GPU array of trueno's NumPy face over the device array ``dx`` (any layout)."""
    return wrap(_GPU.__class__, dx, _GPU._device)


def host(r):
    """A result (or tuple of results) of a public function, read back to NumPy."""
    if isinstance(r, (tuple, list)):
        return tuple(host(x) for x in r)
    return np.asarray(r.to_device("cpu")) if hasattr(r, "to_device") else np.asarray(r)


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
    got = host(tn.isclose(T(up(x)), T(up(y))))
    np.testing.assert_array_equal(got, np.isclose(x.astype(np.float64), y.astype(np.float64)))
    for d in ((0, 1, -1) if dt.kind != "u" else (0, -1)):
        xr = (x.astype(np.float32) * 1000).astype(dt) if dt.kind in "iu" and d < 0 else x
        got = host(tn.around(T(up(xr)), d))
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
            got = host(tn.count_nonzero(T(dx), axis=axis))
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
        v, i = host(tn.topk(T(up(x)), 3, 1, largest))
        assert i.dtype == np.int64
        order = np.argsort(-x.astype(np.float64) if largest else x, axis=1, kind="stable")
        np.testing.assert_array_equal(i, order[:, :3])
        assert_close(v, np.take_along_axis(x, order[:, :3], 1), dtype)


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
        got = host(tn.isin(T(up(x)), T(up(t)), invert=invert))
        np.testing.assert_array_equal(got, np.isin(x, t, invert=invert))
    got = host(tn.isin(T(up(x)), T(up(t[:0]))))
    np.testing.assert_array_equal(got, np.zeros(x.shape, bool))
    for _, xv, dx in layouts(x):
        for pw, kw in [(1, {}), (((0, 2), (1, 0)), {"constant_values": 3}),
                       (((1, 1), (2, 0)), {"constant_values": ((1, 2), (3, 4))})]:
            got = down(KERNELS["pad"][dtype](dx, np.asarray(pw), "constant", **kw))
            assert_close(got, np.pad(xv, pw, mode="constant", **kw), dtype)
        # "empty": NumPy leaves the margins undefined, so only the interior is compared
        got = down(KERNELS["pad"][dtype](dx, np.asarray(((1, 2), (0, 3))), "empty"))
        assert got.shape == (6, 8)
        assert_close(got[1:4, 0:5], xv, dtype)


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


def numpy_dtype(dtype, fn, *args, **kw):
    """The dtype NumPy's ``fn`` gives for these arguments (None for bfloat16, whose NumPy
    results are ml_dtypes' own promotions)."""
    if dtype == "bfloat16":
        return None
    with np.errstate(all="ignore"):
        r = fn(*args, **kw)
    return np.asarray(r[0] if isinstance(r, (tuple, list)) else r).dtype


@pytest.mark.parametrize("dtype", NUMERIC)
def test_average_interp(dtype):
    dt = np_dtype(dtype)
    x = sample(dtype, (4, 6))
    w = sample(dtype, (4, 6)).astype(np.float32) + 1
    w1 = np.arange(1, 7, dtype=np.float32)
    r = {"float16": 3e-3, "bfloat16": 3e-2}.get(dtype, 1e-5)
    x64 = x.astype(np.float64)
    for axis in (None, 1, (0, 1)):
        avg, scl = host(tn.average(T(up(x)), axis=axis, returned=True))
        wa, ws = np.average(x64, axis=axis, returned=True)
        assert_close(avg, wa, dtype, rtol=r, atol=r)
        assert_close(scl, ws, dtype, rtol=r, atol=r)
        assert avg.dtype == (numpy_dtype(dtype, np.average, x, axis=axis) or avg.dtype)
        avg, scl = host(tn.average(T(up(x)), axis=axis, weights=T(up(w)), returned=True,
                                   keepdims=True))
        wa, ws = np.average(x64, axis=axis, weights=w, returned=True, keepdims=True)
        assert_close(avg, wa, dtype, rtol=r * 10, atol=r * 10)
        assert_close(scl, ws, dtype, rtol=r, atol=r)
    avg, scl = host(tn.average(T(up(x)), axis=1, weights=T(up(w1)), returned=True))
    wa, ws = np.average(x64, axis=1, weights=w1, returned=True)
    assert_close(avg, wa, dtype, rtol=r * 10, atol=r * 10)
    if dt.kind != "f" and dtype != "bfloat16":
        return
    xp = np.sort(RNG.uniform(-2, 2, 9)).astype(np.float32).astype(dt)
    fp = RNG.uniform(-2, 2, 9).astype(np.float32).astype(dt)
    xs = np.concatenate([RNG.uniform(-3, 3, 20), [np.nan], xp[:2].astype(np.float64)])
    xs = xs.astype(np.float32).astype(dt)
    for left, right in ((None, None), (-10.0, 10.0)):
        got = host(tn.interp(T(up(xs)), T(up(xp)), T(up(fp)), left, right))
        want = np.interp(xs.astype(np.float64), xp.astype(np.float64), fp.astype(np.float64),
                         left=left, right=right)
        assert got.dtype == np.float64  # NumPy's interp computes in float64
        assert_close(got, want, dtype, rtol=r * 10, atol=r * 10)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_convolve_correlate(dtype):
    """The float kernels (one conv2d launch) and, for integers, the decomposition in
    NumPy's integer dtype."""
    r = {"float16": 1e-2, "bfloat16": 1e-1}.get(dtype, 1e-5)
    assert ("convolve" in KERNELS and dtype in KERNELS["convolve"]) == \
        (np_dtype(dtype).kind == "f" or dtype == "bfloat16")
    for n, m in ((9, 3), (8, 4), (3, 7), (5, 5), (1, 1)):
        a, v = sample(dtype, (n,)), sample(dtype, (m,))
        a64, v64 = a.astype(np.float64), v.astype(np.float64)
        for mode in ("full", "same", "valid"):
            got = host(tn.convolve(T(up(a)), T(up(v)), mode))
            assert_close(got, np.convolve(a64, v64, mode), dtype, rtol=r, atol=r)
            assert got.dtype == (numpy_dtype(dtype, np.convolve, a, v, mode) or got.dtype)
            got = host(tn.correlate(T(up(a)), T(up(v)), mode))
            assert_close(got, np.correlate(a64, v64, mode), dtype, rtol=r, atol=r)
            assert got.dtype == (numpy_dtype(dtype, np.correlate, a, v, mode) or got.dtype)


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
            got = host(tn.cov(T(dx), **kw))
            assert_close(got, np.cov(xv64, **kw), dtype, rtol=r, atol=r)
            assert got.dtype == (numpy_dtype(dtype, np.cov, xv, **kw) or got.dtype)
        assert_close(host(tn.cov(T(dx), T(up(y)))), np.cov(xv64, y64), dtype, rtol=r, atol=r)
        assert_close(host(tn.corrcoef(T(dx))), np.corrcoef(xv64), dtype, rtol=r, atol=r)
    got = host(tn.cov(T(up(x)), rowvar=False))
    assert_close(got, np.cov(x64, rowvar=False), dtype, rtol=r, atol=r)
    assert_close(host(tn.cov(T(up(y)))), np.cov(y64), dtype, rtol=r, atol=r)
    assert_close(host(tn.corrcoef(T(up(y)))), np.corrcoef(y64), dtype, rtol=r, atol=r)


def test_cov_refuses_the_weights_numpy_refuses():
    x = T(up(np.ones((2, 4), np.float32)))
    with pytest.raises(TypeError, match="fweights must be integer"):
        tn.cov(x, fweights=[1.5, 1, 1, 1])
    with pytest.raises(ValueError, match="cannot be negative"):
        tn.cov(x, aweights=[-1.0, 1, 1, 1])
    with pytest.raises(RuntimeError, match="incompatible numbers"):
        tn.cov(x, aweights=[1.0, 1.0])


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
            got = tn.gradient(T(dx), *spacing, axis=axis, edge_order=order)
            got = host(got if isinstance(got, (list, tuple)) else [got])
            want = np.gradient(xv64, *spacing, axis=axis, edge_order=order)
            want = want if isinstance(want, (list, tuple)) else [want]
            assert len(got) == len(want)
            wdt = numpy_dtype(dtype, np.gradient, xv, *spacing, axis=axis, edge_order=order)
            for g, w in zip(got, want):
                assert_close(g, w, dtype, rtol=r, atol=r)
                assert g.dtype == (wdt or g.dtype)
    g = host(tn.gradient(T(up(x[:, :2])), axis=1))
    assert_close(g, np.gradient(x64[:, :2], axis=1), dtype, rtol=r, atol=r)


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
        got = host(tn.around(T(up(x)), decimals))
        want = np.around(x, decimals)
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))


@pytest.mark.parametrize("dtype", [d for d in ("int32", "uint8", "float16", "float32",
                                               "float64") if d in DTYPES])
def test_isin_compares_in_the_common_dtype(dtype):
    """``isin`` runs its decomposition (sort, searchsorted, take, equal) in the dtype common
    to both inputs: 2 is not in [2.5], 300 is not a uint8 value, NaN is never found, -0.0
    finds 0.0; a 0-d element stays 0-d."""
    x = np.array([[0, 1, 2], [3, 4, 5]], np_dtype(dtype))
    tests = [np.array([2.5, 4.0, 300.0]), np.array([300, 3], np.int64), np.array([1], np.int8)]
    if np_dtype(dtype).kind == "f":
        x[0, 0] = np.nan
        tests += [np.array([np.nan, -0.0, np.inf], np.float32)]
    for t in tests:
        for invert in (False, True):
            got = host(tn.isin(T(up(x)), tn.asarray(t, device="gpu"), invert=invert))
            want = np.isin(x, t, invert=invert)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    got = host(tn.isin(tn.asarray(x[1, 0], device="gpu"), tn.asarray(tests[1], device="gpu")))
    assert got.shape == () and bool(got)


def test_pad_median_of_a_slice_with_nan():
    """pad's median margins (sorted on the GPU, the middle pair's mean): NaN where the
    slice holds a NaN, as NumPy's median."""
    x = np.array([[1.0, np.nan, 3.0, 2.0], [4.0, 5.0, 7.0, 6.0]], np.float32)
    for pw in (1, ((0, 0), (2, 1))):
        for kw in ({}, {"stat_length": 2}, {"stat_length": 3}):
            got = down(KERNELS["pad"]["float32"](up(x), np.asarray(pw), "median", **kw))
            np.testing.assert_array_equal(got, np.pad(x, pw, mode="median", **kw))


def test_searchsorted_digitize_compare_in_the_common_dtype():
    """The kernels compare in NumPy's common dtype: 1.5 is not cast to an int32 1, 300 and -1
    are not wrapped into uint8, a Python float searches an int array as float64."""
    cases = [(np.array([1, 2, 3], np.int32), np.array([1.5, 2.0, -0.5, 3.5])),
             (np.array([1, 100, 200], np.uint8), np.array([300, -1, 150])),
             (np.array([0.5, 1.5, 2.5], np.float32), np.array([0, 1, 2, 3], np.int16))]
    for a, v in cases:
        for side in ("left", "right"):
            got = host(tn.searchsorted(T(up(a)), T(up(v)), side=side))
            np.testing.assert_array_equal(got, np.searchsorted(a, v, side=side))
        for right in (False, True):
            np.testing.assert_array_equal(host(tn.digitize(T(up(v)), T(up(a)), right=right)),
                                          np.digitize(v, a, right=right))
            np.testing.assert_array_equal(
                host(tn.digitize(T(up(v)), T(up(a[::-1].copy())), right=right)),
                np.digitize(v, a[::-1], right=right))
    a = np.array([1, 2, 3], np.int32)
    assert int(host(tn.searchsorted(T(up(a)), 1.5))) == np.searchsorted(a, 1.5) == 1
