"""Unary float kernels: ulp error vs a higher-precision reference, special values, layouts.

Bounds asserted here are the ones stated in README.md.
"""

import math

import numpy as np
import pytest
from conftest import FLOATS, SIZES, rand, views

# max error in ulps of the correctly rounded result, (float32, float64)
ULP_BOUND = {
    "exp": (1.5, 1.5),
    "log": (1.5, 1.5),
    "tanh": (3.0, 3.0),
    "sigmoid": (3.0, 3.0),
    "erf": (1.0, 4.0),
    "sin": (1.0, 1.0),
    "cos": (1.0, 1.0),
    "sqrt": (0.5, 0.5),
}
RANGE = {
    "exp": (-100.0, 88.0),
    "log": (1e-30, 1e30),
    "tanh": (-20.0, 20.0),
    "sigmoid": (-80.0, 80.0),
    "erf": (-6.0, 6.0),
    "sin": (-100.0, 100.0),
    "cos": (-100.0, 100.0),
    "sqrt": (0.0, 1e10),
}
LD = np.longdouble


def reference(name, x):
    """Reference in long double (80-bit on x86) so float64 results can be graded in ulps."""
    xl = x.astype(LD)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-xl))
    if name == "erf":
        return np.array([math.erf(float(v)) for v in x.ravel()], dtype=LD).reshape(x.shape)
    return getattr(np, name)(xl)


def samples(name, dtype, n=40000):
    rng = np.random.default_rng(11)
    lo, hi = RANGE[name]
    if dtype == "float64" and name == "exp":
        lo, hi = -700.0, 700.0
    mag = max(abs(lo), abs(hi))
    x = np.concatenate([rng.uniform(lo, hi, n),
                        np.exp(rng.uniform(-20, math.log(mag), n)) * rng.choice([-1, 1], n)])
    x = x[(x >= lo) & (x <= hi)]
    return x.astype(dtype)


def ulps(got, ref, dtype):
    refd = ref.astype(dtype)
    spacing = np.maximum(np.spacing(np.abs(refd)), np.finfo(dtype).smallest_subnormal)
    with np.errstate(invalid="ignore"):
        return np.abs((got.astype(LD) - ref) / spacing.astype(LD)).astype(np.float64)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", list(ULP_BOUND))
def test_ulp_bound(k, name, dtype):
    x = samples(name, dtype)
    if name == "erf" and dtype == "float64":
        x = x[:4000]  # math.erf per element
    got = getattr(k, name)(x)
    err = ulps(got, reference(name, x), dtype)
    bound = ULP_BOUND[name][dtype == "float64"]
    assert err.max() <= bound, (name, dtype, float(err.max()), x[np.argmax(err)])


SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 5e-324, 1e-300, 1e300,
                    -1e300, 88.7, 88.8, -87.5, -103.5, -104.0, -745.2, 709.7, 710.0, 1.0, -1.0,
                    0.5, 1e-8, -1e-8, 20.0, -20.0, 9.5, -9.5])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "erf", "sin", "cos", "sqrt"])
def test_special_values(k, name, dtype):
    with np.errstate(all="ignore"):
        x = SPECIAL.astype(dtype)
        got = getattr(k, name)(x)
        ref = reference(name, x).astype(dtype) if name != "erf" else np.array(
            [math.erf(v) if np.isfinite(v) else (np.sign(v) if not np.isnan(v) else v)
             for v in x.astype(float)], dtype=dtype)
    err = ulps(got, ref.astype(LD), dtype)
    bound = ULP_BOUND[name][dtype == "float64"]
    same = (got == ref) | (np.isnan(got) & np.isnan(ref)) | (err <= bound)
    assert same.all(), list(zip(x[~same], got[~same], ref[~same], strict=True))
    # signed zeros survive where the function is odd
    if name in ("tanh", "sin", "erf", "sqrt"):
        assert np.signbit(got[1])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "erf", "sin", "cos", "sqrt",
                                  "silu"])
def test_sizes_and_layouts(k, name, dtype):
    rng = np.random.default_rng(12)
    fn = getattr(k, name)
    ref = {"silu": lambda v: v / (1 + np.exp(-v.astype(np.float64)))}.get(name)
    rtol = 1e-5 if dtype == "float32" else 1e-13
    for n in SIZES:
        x = rand(n, dtype, rng, 0.01 if name in ("log", "sqrt") else -5, 5)
        want = ref(x) if ref else reference(name, x).astype(np.float64)
        np.testing.assert_allclose(fn(x), want, rtol=rtol, atol=1e-30)
    x = rand((7, 21), dtype, rng, 0.01, 5)
    want = ref(x) if ref else reference(name, x).astype(np.float64)
    for _, v in views(x):
        got = fn(v)
        assert got.flags.c_contiguous and got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gelu(k, dtype):
    x = rand((9, 37), dtype, np.random.default_rng(13), -6, 6)
    xd = x.astype(np.float64)
    erf = np.array([math.erf(v / math.sqrt(2)) for v in xd.ravel()]).reshape(x.shape)
    exact = 0.5 * xd * (1 + erf)
    tanh = 0.5 * xd * (1 + np.tanh(math.sqrt(2 / math.pi) * (xd + 0.044715 * xd**3)))
    tol = dict(rtol=3e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(k.gelu(x), exact, **tol)
    np.testing.assert_allclose(k.gelu(x, "tanh"), tanh, **tol)
    np.testing.assert_allclose(k.gelu(x.T, approximate="tanh"), tanh.T, **tol)
    with pytest.raises(ValueError):
        k.gelu(x, "fast")


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_storage(k, half):
    import ml_dtypes  # a test requirement (and trueno-core's)

    dt = np.dtype(ml_dtypes.bfloat16) if half == "bfloat16" else np.dtype(half)
    rng = np.random.default_rng(14)
    a = rng.uniform(-3, 3, (5, 67)).astype(dt)
    b = rng.uniform(0.5, 3, (5, 67)).astype(dt)
    f = a.astype(np.float32), b.astype(np.float32)
    for op, ref in [("add", np.add), ("multiply", np.multiply), ("divide", np.divide),
                    ("maximum", np.maximum)]:
        got = getattr(k, op)(a, b)
        assert got.dtype == dt
        np.testing.assert_array_equal(got, ref(*f).astype(dt))
    np.testing.assert_array_equal(k.less(a, b), f[0] < f[1])
    np.testing.assert_array_equal(k.exp(a[:, ::-2]), np.exp(f[0][:, ::-2]).astype(dt))
    np.testing.assert_array_equal(k.tanh(a.T), np.tanh(f[0].T).astype(dt))
    np.testing.assert_array_equal(k.add(a, dt.type(1.5)), (f[0] + np.float32(1.5)).astype(dt))
