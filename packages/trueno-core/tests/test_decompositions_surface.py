"""Decompositions of the NumPy-surface rows (docs/design.md §2.1) in primitives-only mode
against the reference kernel: integer functions, convolutions, covariance, gradient, frexp,
interp, pad, quantiles, selections and nan-statistics."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

from decomposition_checks import _compare, _host, _prims_only_result, spy_kernels
from trueno_core_helpers import NP_DTYPES, sample


@pytest.fixture
def kernels_used(monkeypatch):
    """The rows that resolve to a kernel while a test runs."""
    return spy_kernels(monkeypatch)


def test_integer_function_edges(kernels_used):
    """fmod (signs, zero divisors, infinities), gcd/lcm (Euclid over many steps, zeros,
    negatives, the minimum), bitwise_count (the minimum of each signed dtype)."""
    i = tn.asarray(np.array([7, -7, 7, -7, 0, 5, 144, -233, 0], dtype=np.int32))
    j = tn.asarray(np.array([3, 3, -3, -3, 4, 0, 89, 377, 0], dtype=np.int32))
    f = tn.asarray(np.array([5.5, -5.5, 5.5, -5.5, 1.0, np.inf, -2.0, 0.0, np.nan]))
    g = tn.asarray(np.array([2.0, 2.0, -2.0, -2.0, np.inf, 2.0, np.inf, 3.0, 1.0]))
    for name, args, dt in (("fmod", [i, j], np.int32), ("fmod", [f, g], np.float64),
                           ("fmod", [f, -2.0], np.float64), ("fmod", [i, 3], np.int32),
                           ("fmod", [i, 0], np.int32), ("gcd", [i, j], np.int32),
                           ("lcm", [i, j], np.int32), ("gcd", [i, 12], np.int32)):
        _compare(name, getattr(tn, name), args, np.dtype(dt), kernels_used)
    for dt in (np.int8, np.int64, np.uint16, np.bool_):
        info = np.iinfo(dt) if dt is not np.bool_ else None
        vals = [0, 1, 3] + ([info.min, info.max, -1] if info is not None and info.min else
                            [info.max] if info is not None else [])
        x = tn.asarray(np.array(vals).astype(dt))
        _compare("bitwise_count", tn.bitwise_count, [x], np.dtype(np.uint8), kernels_used)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("dtype", ["bool", "int32", "float32", "float64", "complex128"])
def test_convolutions_decomposition_matches_kernels(name, dtype, kernels_used):
    """Every mode, the longer input first or second, length-1 inputs."""
    rng = np.random.default_rng(6)
    for n, m in ((6, 3), (3, 5), (4, 4), (1, 3), (5, 1)):
        a, v = (tn.asarray(sample(dtype, (k,), "real", rng)) for k in (n, m))
        for mode in ("full", "same", "valid"):
            _compare(name, lambda x, y, mode=mode: getattr(tn, name)(x, y, mode), [a, v],
                     NP_DTYPES[dtype], kernels_used)


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_covariance_decomposition_matches_kernels(dtype, kernels_used):
    """cov (rowvar, bias, ddof, frequency and analytic weights, a second variable set, a
    1-D input, one observation) and corrcoef, vs the reference kernel."""
    rng = np.random.default_rng(9)
    m = tn.asarray(sample(dtype, (3, 5), "real", rng))
    y = tn.asarray(sample(dtype, (2, 5), "real", rng))
    fw, aw = np.array([1, 2, 1, 3, 1]), rng.uniform(0.5, 2.0, 5)
    for kw in ({}, {"rowvar": False}, {"bias": True}, {"ddof": 2}, {"fweights": fw},
               {"aweights": aw}, {"fweights": fw, "aweights": aw, "ddof": 1}):
        _compare("cov", lambda t, kw=kw: tn.cov(t, **kw), [m], NP_DTYPES[dtype], kernels_used)
    _compare("cov", lambda t, u: tn.cov(t, u), [m, y], NP_DTYPES[dtype], kernels_used)
    _compare("cov", lambda t: tn.cov(t), [m[0]], NP_DTYPES[dtype], kernels_used)
    for args in ([m], [m[:, :1]], [m, y]):
        _compare("corrcoef", lambda *t: tn.corrcoef(*t), args, NP_DTYPES[dtype], kernels_used)


@pytest.mark.parametrize("dtype", ["int32", "float16", "float32", "float64", "complex128"])
def test_gradient_decomposition_matches_kernels(dtype, kernels_used):
    """gradient: default, scalar and coordinate spacing (uniform and not), one axis or
    several, edge_order 1 and 2, a 1-D input."""
    rng = np.random.default_rng(10)
    f = tn.asarray(sample(dtype, (4, 5), "real", rng))
    coords = np.cumsum(rng.uniform(0.5, 2.0, 5))
    for args, kw in (((), {}), ((0.5,), {}), ((), {"axis": 1}), ((coords,), {"axis": 1}),
                     ((2.0, coords), {}), ((), {"edge_order": 2}),
                     ((coords,), {"axis": 1, "edge_order": 2}), ((), {"axis": (1, 0)})):
        _compare("gradient", lambda t, a=args, k=kw: tuple(tn.gradient(t, *a, **k))
                 if isinstance(tn.gradient(t, *a, **k), (list, tuple))
                 else tn.gradient(t, *a, **k), [f], NP_DTYPES[dtype], kernels_used)
    _compare("gradient", lambda t: tn.gradient(t), [f[0]], NP_DTYPES[dtype], kernels_used)


def test_i0_edges(kernels_used):
    """i0 on both sides of |x| = 8, tiny, large, inf and nan, per float dtype (NumPy's
    Chebyshev series in the input's own precision)."""
    vals = [0.0, 1e-8, -0.5, 3.0, -8.0, 8.0001, 20.0, -50.0, 700.0, np.inf, np.nan]
    for dt in (np.float64, np.float32, np.float16):
        with np.errstate(over="ignore"):
            x = tn.asarray(np.array(vals).astype(dt))
        _compare("i0", tn.i0, [x], np.dtype(dt), kernels_used)


def test_frexp_and_interp_edges(kernels_used):
    """frexp exactly (powers of two, subnormals, the largest float, 0, inf, nan) per float
    dtype; interp inside, outside (left/right), at the knots, on repeated knots, with a
    period, complex values, a 0-d x and a single knot."""
    vals = [0.0, -0.0, 1.0, 8.0, -8.0, 0.75, 3.0, 1e-300, 5e-324, 2.2250738585072014e-308,
            1.7976931348623157e308, np.inf, -np.inf, np.nan, -1e-5, 0.1]
    for dt in (np.float64, np.float32, np.float16):
        with np.errstate(over="ignore", under="ignore"):  # 1.8e308 is inf in float32
            x = tn.asarray(np.array(vals).astype(dt))
        _compare("frexp", lambda t: tuple(tn.frexp(t)), [x], np.dtype(dt), kernels_used)
    rng = np.random.default_rng(12)
    xp = np.sort(rng.uniform(-3, 3, 6))
    fp = rng.normal(size=6)
    x = tn.asarray(np.concatenate([rng.uniform(-4, 4, 20), xp, [np.nan, np.inf, -np.inf]]))
    txp, tfp = tn.asarray(xp), tn.asarray(fp)
    f64 = np.dtype(np.float64)
    for args, kw in (([x, txp, tfp], {}), ([x, txp, tfp], {"left": -9.0, "right": 9.0}),
                     ([x, txp, tfp], {"period": 2.5}), ([x, txp[:1], tfp[:1]], {}),
                     ([x, tn.asarray([0.0, 1.0, 1.0, 2.0]), tn.asarray([0.0, 1.0, 3.0, 4.0])],
                      {}),
                     ([x[0], txp, tfp], {}),
                     ([x, txp, tn.asarray(fp + 1j * rng.normal(size=6))], {"left": 1 + 2j})):
        _compare("interp", lambda *t, kw=kw: tn.interp(*t, **kw), args, f64, kernels_used)


PAD_CASES = [((1, 2), "constant", {}),
             (((1, 0), (2, 3)), "constant", {"constant_values": ((1, 2), (3, 4))}),
             ((1, 2), "constant", {"constant_values": 2.7}), (2, "edge", {}),
             ((3, 2), "reflect", {}), ((5, 6), "reflect", {}),
             ((3, 2), "reflect", {"reflect_type": "odd"}), ((3, 2), "symmetric", {}),
             ((6, 5), "symmetric", {"reflect_type": "odd"}), ((3, 7), "wrap", {}),
             ((2, 3), "linear_ramp", {"end_values": (5, -2)}), ((4, 3), "linear_ramp", {}),
             ((2, 1), "maximum", {}), ((2, 1), "minimum", {"stat_length": 2}),
             ((2, 1), "mean", {"stat_length": ((1, 2), (3, 1))}), ((2, 1), "median", {})]


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_pad_decomposition_matches_kernels(dtype, kernels_used):
    """pad: every mode NumPy has (multi-period and odd reflections, ramps floored for
    integers, statistics over stat_length), a NaN in the data."""
    x = sample(dtype, (3, 4), "real", np.random.default_rng(13))
    if dtype[0] in "fc":
        x[1, 2] = np.nan
    for pw, mode, kw in PAD_CASES:
        if dtype == "complex128" and mode in ("maximum", "minimum", "median"):
            continue  # NumPy orders complex values; trueno's max/min rows take real ones
        _compare("pad", lambda t, pw=pw, mode=mode, kw=kw: tn.pad(t, pw, mode=mode, **kw),
                 [tn.asarray(x)], NP_DTYPES[dtype], kernels_used)


METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("dtype", ["int32", "float16", "float32", "float64"])
def test_quantile_decomposition_matches_kernels(dtype, kernels_used):
    """quantile and nanquantile for every method, q scalar or n-d, axis None/int/tuple,
    keepdims; NaN slices; weighted inverted_cdf; percentile."""
    rng = np.random.default_rng(14)
    x = sample(dtype, (3, 7), "real", rng)
    xn = x.astype(np.float64) if dtype[0] != "f" else x.copy()
    xn[1, 2] = xn[2, :] = np.nan
    t, tnan = tn.asarray(x), tn.asarray(xn)
    dt = NP_DTYPES[dtype]
    for method in METHODS:
        for q, kw in ((0.3, {}), (np.array([0.1, 0.5, 0.9]), {"axis": 1}),
                      (np.array([[0.0, 1.0], [0.25, 0.75]]), {"axis": 0, "keepdims": True}),
                      (0.5, {"axis": (0, 1)})):
            _compare("quantile", lambda a, q=q, m=method, kw=kw: tn.quantile(a, q, method=m,
                                                                            **kw),
                     [t], dt, kernels_used)
        _compare("nanquantile", lambda a, m=method: tn.nanquantile(a, [0.1, 0.9], axis=1,
                                                                    method=m),
                 [tnan], dt if dtype[0] == "f" else np.dtype(np.float64), kernels_used)
    w = rng.uniform(0.5, 2.0, 7)
    _compare("quantile", lambda a: tn.quantile(a, [0.0, 0.3, 1.0], axis=1,
                                               method="inverted_cdf", weights=w), [t], dt,
             kernels_used)
    _compare("quantile", lambda a: tn.percentile(a, 50, axis=1), [t], dt, kernels_used)


def _surface_cases(dtype, rng):
    x = tn.asarray(sample(dtype, (4, 6), "real", rng))
    nan = sample(dtype, (4, 6), "real", rng)
    if nan.dtype.kind in "fc":
        nan[1, 2] = nan[3, 0] = np.nan
    ties = tn.asarray(np.array([[3, 1, 3, 2, 1, 3]] * 2).astype(NP_DTYPES[dtype]))
    out = {
        "nancumsum": [(lambda t: tn.nancumsum(t, axis=1), [tn.asarray(nan)]),
                      (lambda t: tn.nancumsum(t), [tn.asarray(nan)])],
        "nancumprod": [(lambda t: tn.nancumprod(t, axis=0), [tn.asarray(nan)])],
        "around": [(lambda t: tn.around(t, 1), [x]), (lambda t: tn.around(t), [x]),
                   (lambda t: tn.around(t, -1), [x * 7 if dtype != "bool" else x])],
    }
    out["nanvar"] = [(lambda t: tn.nanvar(t, axis=1), [tn.asarray(nan)]),
                     (lambda t: tn.nanvar(t, ddof=1, keepdims=True), [tn.asarray(nan)])]
    out["nanstd"] = [(lambda t: tn.nanstd(t, axis=0, ddof=3), [tn.asarray(nan)]),
                     (lambda t: tn.nanstd(t), [tn.asarray(nan)])]
    wts = tn.asarray(rng.uniform(0.5, 2.0, (6,)))
    out["average"] = [(lambda t: tn.average(t, axis=1, returned=True), [x]),
                      (lambda t: tn.average(t, returned=True), [x]),
                      (lambda t, w: tn.average(t, axis=1, weights=w, returned=True), [x, wts]),
                      (lambda t, w: tn.average(t, axis=(0, 1), weights=w, returned=True,
                                               keepdims=True), [x, tn.broadcast_to(wts, (4, 6))])]
    for n in ("median", "nanmedian"):
        t = tn.asarray(nan) if n == "nanmedian" else x
        out[n] = [(lambda t, n=n: getattr(tn, n)(t, axis=1), [t]),
                  (lambda t, n=n: getattr(tn, n)(t), [t]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=(0, 1), keepdims=True), [t]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=0), [t[:, :3]]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=0), [tn.asarray(nan)])]
    for n in ("nanargmax", "nanargmin"):
        out[n] = [(lambda t, n=n: getattr(tn, n)(t, axis=1), [tn.asarray(nan)]),
                  (lambda t, n=n: getattr(tn, n)(t), [tn.asarray(nan)]),
                  (lambda t, n=n: getattr(tn, n)(t, axis=0, keepdims=True), [ties])]
    tests = tn.asarray(sample(dtype, (5,), "real", rng))
    out["isin"] = [(lambda e, t: tn.isin(e, t), [x, tests]),
                   (lambda e, t: tn.isin(e, t, invert=True), [x, tests]),
                   (lambda e, t: tn.isin(e, t), [x, x[:2]]),
                   (lambda e, t: tn.isin(e, t), [x[0, 0], x[:0]])]
    if dtype[0] not in "bc":
        out["topk"] = [(lambda t: tuple(tn.topk(t, 3, axis=1)), [x]),
                       (lambda t: tuple(tn.topk(t, 2, axis=0, largest=False)), [x]),
                       (lambda t: tuple(tn.topk(t, 4)), [ties])]
    return out


SURFACE = [(n, d) for n in ("nancumsum", "nancumprod", "around", "topk", "nanvar", "nanstd",
                            "average", "isin", "median", "nanmedian", "nanargmax",
                            "nanargmin")
           for d in ("bool", "int8", "int64", "uint16", "float16", "bfloat16", "float32",
                     "float64", "complex128")]


@pytest.mark.parametrize("name,dtype", SURFACE, ids=[f"{n}-{d}" for n, d in SURFACE])
def test_surface_decomposition_matches_kernels(name, dtype, kernels_used):
    """topk (ties in order), the nan-scans and around (negative decimals: ties to even on
    integers) from sort/argsort, cumsum/cumprod, round and arithmetic."""
    cases = _surface_cases(dtype, np.random.default_rng(8)).get(name, [])
    for fn, args in cases:
        _compare(name, fn, args, NP_DTYPES[dtype], kernels_used)


def test_around_integer_ties_to_even(kernels_used):
    x = tn.asarray(np.array([-25, -15, -5, 5, 15, 25, 35, 44, 46, 0], dtype=np.int64))
    _compare("around", lambda t: tn.around(t, -1), [x], np.dtype(np.int64), kernels_used)


@pytest.mark.parametrize("name", ["partition", "argpartition"])
def test_partition_decomposition_is_a_partition(name, kernels_used):
    """A sorted order is a valid partition for every kth (NumPy leaves the sides' order
    unspecified, so this is compared by property)."""
    x = sample("float64", (3, 7), "real", np.random.default_rng(4))
    got = _host(_prims_only_result(lambda t: getattr(tn, name)(t, 2, axis=-1),
                                   [tn.asarray(x)], kernels_used))
    vals = np.take_along_axis(x, got, -1) if name == "argpartition" else got
    np.testing.assert_array_equal(vals, np.sort(x, axis=-1))
