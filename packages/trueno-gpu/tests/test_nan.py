"""NaN-ignoring reductions and scans, medians and quantiles on GPU arrays vs NumPy's. None
of them has a GPU kernel: their decompositions run on the GPU (issue 13). Called through
trueno's public functions, on views too."""

from __future__ import annotations

import numpy as np
import pytest
import trueno as tn
from conftest import DTYPES, assert_close, layouts, np_dtype, up
from trueno.backend import wrap

RNG = np.random.default_rng(8)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on all-NaN slices
_GPU = tn.asarray(0.0, device="gpu")


def T(dx):
    """A GPU array of trueno's NumPy face over the device array ``dx`` (any layout)."""
    return wrap(_GPU.__class__, dx, _GPU._device)


def host(r):
    return np.asarray(r.to_device("cpu")) if hasattr(r, "to_device") else np.asarray(r)


def sample(dtype, shape):
    dt = np_dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(1, 4, shape).astype(dt)
    x = RNG.uniform(0.5, 1.5, shape).astype(np.float32)
    x[RNG.random(shape) < 0.3] = np.nan
    if x.ndim == 2:
        x[0] = np.nan  # an all-NaN row
    return x.astype(dt)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
def test_nan_reductions(dtype):
    x = sample(dtype, (4, 7))
    f64 = np.float64 if np_dtype(dtype).kind == "f" or dtype == "bfloat16" else None
    r = {"float16": 3e-3, "bfloat16": 3e-2}.get(dtype, 1e-5)
    for _, xv, dx in layouts(x):
        x64 = xv.astype(f64) if f64 else xv
        for axis in (None, (1,), (0, 1)):
            for keep in (False, True):
                for op in ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax",
                           "nanmin"):
                    got = host(getattr(tn, op)(T(dx), axis=axis, keepdims=keep))
                    want = getattr(np, op)(x64, axis=axis, keepdims=keep)
                    if dtype != "bfloat16":  # NumPy's result dtype
                        assert got.dtype == getattr(np, op)(xv, axis=axis).dtype, op
                    if got.dtype.kind in "iu":
                        np.testing.assert_array_equal(got, want)
                    else:
                        assert_close(got, want, dtype, rtol=r, atol=r)
        for op in ("nancumsum", "nancumprod"):
            for axis in (None, 0, 1):
                got = host(getattr(tn, op)(T(dx), axis=axis))
                assert_close(got, getattr(np, op)(x64, axis=axis), dtype, rtol=r, atol=r)
    y = sample(dtype, (3, 5))
    if np_dtype(dtype).kind == "f" or dtype == "bfloat16":
        y[0] = 1.0  # nanargmax raises on all-NaN slices (core checks before the kernel)
    for op in ("nanargmax", "nanargmin"):
        for axis in (None, 1):
            got = host(getattr(tn, op)(T(up(y)), axis=axis))
            assert got.dtype == np.int64
            y64 = y.astype(np.float64) if f64 else y
            np.testing.assert_array_equal(got, getattr(np, op)(y64, axis=axis))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
def test_median_quantile(dtype):
    x = (RNG.permutation(42) % 9).reshape(6, 7).astype(np.float32).astype(np_dtype(dtype))
    if np_dtype(dtype).kind == "f":
        x[2, 3] = np.nan
    r = {"float16": 3e-3, "bfloat16": 3e-2}.get(dtype, 1e-6)
    for _, xv, dx in layouts(x):
        x64 = xv.astype(np.float64)
        for axis in (None, 0, (1,), (0, 1)):
            for keep in (False, True):
                got = host(tn.median(T(dx), axis=axis, keepdims=keep))
                assert_close(got, np.median(x64, axis=axis, keepdims=keep), dtype, rtol=r,
                             atol=r)
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            for q in (0.3, [0.0, 0.25, 1.0]):
                got = host(tn.quantile(T(dx), q, axis=1, method=method))
                want = np.quantile(x64, q, axis=1, method=method)
                assert_close(got, want, dtype, rtol=r, atol=r)
    got = host(tn.percentile(T(up(x)), 40.0))
    assert_close(got, np.percentile(x.astype(np.float64), 40.0), dtype, rtol=r, atol=r)


METHODS = ["inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
           "weibull", "median_unbiased", "normal_unbiased", "linear", "lower", "higher",
           "midpoint", "nearest"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [d for d in ("int64", "int32", "float64", "float32")
                                   if d in DTYPES])
def test_quantile_methods_and_dtypes(dtype, method):
    """Every NumPy method but averaged_inverted_cdf, with NumPy's result dtype: discrete
    methods keep integers, a list of q gives float64 for float32 input, a Python float
    keeps float32; infinities picked by a discrete method stay infinite."""
    dt = np_dtype(dtype)
    x = (RNG.normal(size=(5, 9)) * 10).astype(dt)
    if dt.kind == "f":
        x[1, 2], x[1, 5], x[3, 0] = np.inf, -np.inf, np.nan
    tol = 1e-5 if dtype == "float32" else 1e-12
    for q in ([0.0, 0.1, 0.25, 0.5, 0.73, 1.0], 0.4, 1.0):
        with np.errstate(all="ignore"):
            want = np.quantile(x, q, axis=1, method=method)
        got = host(tn.quantile(T(up(x)), q, axis=1, method=method))
        assert got.dtype == want.dtype, (q, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=tol, atol=0, equal_nan=True)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
def test_nanmedian_nanquantile(dtype):
    x = (RNG.permutation(42) % 9).reshape(6, 7).astype(np.float32).astype(np_dtype(dtype))
    if np_dtype(dtype).kind == "f":
        x[2, 3] = x[4, 0] = x[4, 5] = np.nan
        x[5] = np.nan  # an all-NaN row gives NaN
    r = {"float16": 3e-3, "bfloat16": 3e-2}.get(dtype, 1e-6)
    for _, xv, dx in layouts(x):
        x64 = xv.astype(np.float64)
        for axis in (None, 1, (0, 1)):
            for keep in (False, True):
                got = host(tn.nanmedian(T(dx), axis=axis, keepdims=keep))
                assert_close(got, np.nanmedian(x64, axis=axis, keepdims=keep), dtype,
                             rtol=r, atol=r)
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            for q in (0.3, [0.0, 0.5, 1.0]):
                got = host(tn.nanquantile(T(dx), q, axis=1, method=method))
                want = np.nanquantile(x64, q, axis=1, method=method)
                assert_close(got, want, dtype, rtol=r, atol=r)
