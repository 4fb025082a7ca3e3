"""The less common elementwise kernels (``_elementwise_numpy``) and the decompositions of the
composite functions, against NumPy on edge values: NaN, infinities, signed zeros, ties,
subnormals, negative integers, huge exponents."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import trueno as tn
from conftest import DTYPES, FLOATS, INTS, KERNELS, assert_close, down, np_dtype, up

INF, NAN = np.inf, np.nan
EXACT_FLOATS = [d for d in DTYPES if d in ("float32", "float16", "bfloat16", "float64")]


def ref(name, *xs, **kw):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(np, name)(*xs, **kw)


def gpu(name, *xs, **kw):
    """``name`` on the GPU: its kernel, or (a row without one, issue 13) trueno's public
    function on GPU arrays, which runs the decomposition there."""
    x0 = next(x for x in xs if isinstance(x, np.ndarray))
    if name not in KERNELS:
        args = [tn.asarray(x, device="gpu") if isinstance(x, np.ndarray) else x for x in xs]
        out = getattr(tn, name)(*args, **kw)
        return tuple(_host(o) for o in out) if isinstance(out, tuple) else _host(out)
    args = [up(x) if isinstance(x, np.ndarray) else x for x in xs]
    out = KERNELS[name][x0.dtype.name](*args, **kw)
    return tuple(down(o) for o in out) if isinstance(out, tuple) else down(out)


def same(got, want):
    """Bit-for-bit agreement: values, NaNs, the signs of zeros and the dtype."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "V":  # bfloat16: NumPy's comparisons do not see its NaNs
        got, want = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_array_equal(got, want)
    if want.dtype.kind in "fV":
        g, w = got.astype(np.float64), want.astype(np.float64)
        assert (np.signbit(g) == np.signbit(w))[~np.isnan(w)].all(), (got, want)


def floats(dtype, *values):
    return np.array(values, dtype=np.float64).astype(np_dtype(dtype))


def _flushes_f32_subnormals() -> bool:
    """True on adapters whose f32 arithmetic flushes subnormals to zero (NVIDIA's Vulkan
    driver does; lavapipe does not)."""
    x = np.array([1.5e-38], np.float32)
    return bool(down(KERNELS["multiply"]["float32"](up(x), up(np.float32([0.25]))))[0] == 0)


FTZ32 = _flushes_f32_subnormals()


def normal_only(dtype, x):
    """``x`` without its subnormal values where the adapter flushes f32 subnormals (float32
    and bfloat16 compute in f32). Note: differs from NumPy there: a subnormal reads as zero."""
    if not FTZ32 or dtype not in ("float32", "bfloat16"):
        return x
    ax = np.abs(x.astype(np.float64))
    return x[~((ax > 0) & (ax < np.finfo(np.float32).tiny))]


SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-3, 100.0, INF, -INF, NAN)


@pytest.mark.parametrize("dtype", EXACT_FLOATS)
@pytest.mark.parametrize("name", ["fmax", "fmin", "fmod", "heaviside", "divmod"])
def test_binary_float_edges(name, dtype):
    a = floats(dtype, *SPECIAL)
    b = floats(dtype, *SPECIAL[::-1])
    a, b = np.repeat(a, len(b)), np.tile(b, len(a))
    if name in ("fmax", "fmin"):  # NumPy's SIMD and scalar loops disagree on the zero's sign
        keep = ~((a == 0) & (b == 0))
        a, b = a[keep], b[keep]
    got, want = gpu(name, a, b), ref(name, a, b)
    for g, w in zip(got if name == "divmod" else (got,), want if name == "divmod" else (want,)):
        same(g, w)


@pytest.mark.parametrize("dtype", [d for d in EXACT_FLOATS if d in ("float32", "float64")])
def test_fmod_is_exact_for_large_quotients(dtype):
    rng = np.random.default_rng(1)
    a = (rng.uniform(-1, 1, 200) * 10.0 ** rng.integers(-30, 30, 200)).astype(dtype)
    b = (rng.uniform(-1, 1, 200) * 10.0 ** rng.integers(-30, 30, 200)).astype(dtype)
    same(gpu("fmod", a, b), ref("fmod", a, b))


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["fmod", "gcd", "lcm", "divmod", "fmax", "fmin"])
def test_integer_ops_with_negatives_and_zero(name, dtype):
    info = np.iinfo(dtype)
    vals = np.array([v for v in (0, 1, -1, 6, -6, 9, -15, 12, 35, info.min, info.max)
                     if info.min <= v <= info.max]).astype(dtype)
    a, b = np.repeat(vals, len(vals)), np.tile(vals, len(vals))
    got, want = gpu(name, a, b), ref(name, a, b)
    if name == "lcm":  # NumPy wraps |a / gcd * b| as C ints do; compare the exact range only
        exact = [math.lcm(int(x), int(y)) for x, y in zip(a, b)]
        keep = np.abs(want.astype(np.float64)) == np.array(exact, np.float64)
        got, want = got[keep], want[keep]
    for g, w in zip(got if name == "divmod" else (got,), want if name == "divmod" else (want,)):
        same(g, w)


@pytest.mark.parametrize("dtype", EXACT_FLOATS)
def test_rint_ties_to_even(dtype):
    x = floats(dtype, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 4.5, -0.0, 0.49, INF, NAN)
    same(gpu("rint", x), ref("rint", x))
    same(gpu("fix", x), ref("fix", x))


@pytest.mark.parametrize("dtype", [d for d in EXACT_FLOATS if d in ("float32", "float64")])
def test_rounding_is_bit_exact(dtype):
    """rint / round / floor / ceil / trunc / fix / modf by bit manipulation (_fround): lavapipe
    on an AVX2-only CPU lowered WGSL's f64 round(1.5) to 1 and trunc(123456789.49) to itself."""
    dt = np.dtype(dtype)
    m = np.finfo(dt).nmant
    edge = [2.0 ** m - 0.5, 2.0 ** (m - 1) + 0.5, 2.0 ** m, 2.0 ** m + 1, 123456789.49,
            123456789.5, -123456790.5, 1e15 + 0.5, 4503599627370495.5, 2147483647.5,
            0.49999999999999994, 0.5000000000000001, 5e-324, 1e-40, 1e300, 3.4e38]
    edge = [v for v in edge if v <= np.finfo(dt).max]
    rng = np.random.default_rng(3)
    halves = rng.integers(-2 ** (m - 1), 2 ** (m - 1), 300) + 0.5
    x = np.concatenate([floats(dtype, *SPECIAL), np.array(edge + [-v for v in edge], dt),
                        halves.astype(dt), np.nextafter(halves.astype(dt), dt.type(INF)),
                        (10.0 ** rng.uniform(-3, 18, 500)).astype(dt)])
    x = normal_only(dtype, x)
    for name in ("rint", "fix", "modf"):
        got, want = gpu(name, x), ref(name, x)
        for g, w in zip(*((got, want) if name == "modf" else ((got,), (want,)))):
            same(g, w)
    for name in ("round", "floor", "ceil", "trunc"):
        same(down(KERNELS[name][dtype](up(x))), getattr(np, name)(x))


@pytest.mark.parametrize("dtype", [d for d in EXACT_FLOATS if d in ("float32", "float64")])
def test_divmod_quotients_are_correctly_rounded(dtype):
    """floor_divide / remainder divide with a correctly rounded quotient (_fround's tn_div):
    WGSL's f32 division is only good to 2.5 ulp and the NVIDIA driver's is not exact."""
    rng = np.random.default_rng(4)
    lo, hi = (-30, 30) if dtype == "float32" else (-300, 300)
    a = (rng.uniform(-1, 1, 3000) * 10.0 ** rng.integers(lo, hi, 3000)).astype(dtype)
    b = (rng.uniform(-1, 1, 3000) * 10.0 ** rng.integers(lo, hi, 3000)).astype(dtype)
    a = np.concatenate([a, np.array([1e30, -1e30, 7.0, 1.0, 0.3], dtype)])
    b = np.concatenate([b, np.array([0.001, 0.001, 0.1, 0.1, 0.1], dtype)])
    a, b = normal_only(dtype, a), normal_only(dtype, b)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    q, r = gpu("divmod", a, b)
    wq, wr = ref("divmod", a, b)
    same(q, wq)
    same(r, wr)


@pytest.mark.parametrize("dtype", EXACT_FLOATS)
def test_spacing(dtype):
    dt = np_dtype(dtype)
    big = float(np.finfo(dt).max) if dtype != "bfloat16" else 3.3895313892515355e38
    tiny = {"float32": 1e-45, "float64": 5e-324, "float16": 6e-8, "bfloat16": 1e-40}[dtype]
    x = floats(dtype, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -0.75, 1e-3, big, -big, tiny,
               -tiny, 1000.0, INF, -INF, NAN)
    x = normal_only(dtype, x)
    same(gpu("spacing", x), ref("spacing", x))


@pytest.mark.parametrize("dtype", EXACT_FLOATS)
def test_frexp_ldexp_modf(dtype):
    tiny = {"float32": 3e-42, "float64": 3e-320, "float16": 3e-7, "bfloat16": 3e-40}[dtype]
    x = floats(dtype, 0.0, -0.0, 1.0, -3.0, 0.3, 1e4, tiny, -tiny, INF, -INF, NAN, -0.5, 2.0)
    x = normal_only(dtype, x)
    for g, w in zip(gpu("frexp", x), ref("frexp", x)):
        same(g, w)
    for g, w in zip(gpu("modf", x), ref("modf", x)):
        same(g, w)
    m, e = ref("frexp", x)
    same(gpu("ldexp", m, e), x)
    exps = np.array([0, 1, -1, 20, -20, 140, -140, -160, 1100, -1100, 5000, -5000, 3],
                    np.int32)[:len(x)]
    same(gpu("ldexp", x, exps), ref("ldexp", x, exps))
    same(gpu("ldexp", x, exps.astype(np.int64)), ref("ldexp", x, exps.astype(np.int64)))
    same(gpu("ldexp", x, -7), ref("ldexp", x, -7))


@pytest.mark.parametrize("dtype", EXACT_FLOATS)
def test_nan_to_num_and_predicates(dtype):
    x = floats(dtype, 1.5, NAN, INF, -INF, -0.0, -2.0)
    same(gpu("nan_to_num", x), ref("nan_to_num", x))
    kw = {"nan": 7.0, "posinf": 1e6, "neginf": -3.0}
    same(gpu("nan_to_num", x, **kw), ref("nan_to_num", x, **kw))
    for name in ("isposinf", "isneginf", "isreal", "iscomplex", "angle"):
        same(gpu(name, x), ref(name, x))
    for name in ("degrees", "radians", "rad2deg", "deg2rad"):
        same(gpu(name, x), ref(name, x))


@pytest.mark.parametrize("dtype", INTS + ["bool"])
def test_integer_inputs(dtype):
    if dtype == "bool":
        x = np.array([True, False, True])
    else:
        info = np.iinfo(dtype)
        x = np.array([0, 1, 3, 7, 100, info.max] + ([-1, -7, info.min] if info.min else []))
        x = x.astype(dtype)
    for name in ("bitwise_count", "isposinf", "isneginf", "isreal", "nan_to_num", "fix"):
        same(gpu(name, x), ref(name, x))
    for name in ("rint", "degrees", "radians", "angle", "exp2", "frexp", "modf"):
        if name not in KERNELS or dtype in KERNELS[name]:
            out, want = gpu(name, x), ref(name, x)
            for g, w in zip(out if isinstance(out, tuple) else (out,),
                            want if isinstance(want, tuple) else (want,)):
                same(g, w)


@pytest.mark.parametrize("dtype", FLOATS)
def test_transcendentals(dtype):
    x = floats(dtype, 0.0, -0.0, 1.0, -1.0, 0.25, -2.5, 3.0, 7.9, 8.1, -20.0, 60.0, 1e-3,
               INF, -INF, NAN)
    for name in ("exp2", "cbrt", "sinc", "i0"):
        if dtype not in KERNELS[name]:
            continue
        got, want = gpu(name, x), ref(name, x)
        assert got.dtype == want.dtype, name
        assert_close(got, want, dtype, rtol=1e-5 if dtype == "float32" else None)
    assert gpu("sinc", floats(dtype, 0.0, -0.0))[0] == 1
    assert gpu("exp2", floats(dtype, 3.0, -3.0)).tolist() == [8, 0.125]
    a = floats(dtype, 0.0, 1.0, -INF, INF, INF, NAN, 5.0, -3.0)
    b = floats(dtype, 0.0, -1.0, -INF, INF, -INF, 1.0, 5.0, 40.0)
    got = gpu("logaddexp2", a, b)
    assert got.dtype == ref("logaddexp2", a, b).dtype
    assert_close(got, ref("logaddexp2", a, b), dtype)


def test_result_dtypes_follow_numpy_promotion():
    a = np.array([5, -7, 9], np.int16)
    b = np.array([2.5, 2.0, -4.0], np.float32)
    same(gpu("fmod", a, b), ref("fmod", a, b))  # int16 with float32 -> float32
    same(gpu("fmax", a, np.array([1, 2, 3], np.int8)), ref("fmax", a, np.int8([1, 2, 3])))
    same(gpu("heaviside", b, 0.5), ref("heaviside", b, 0.5))
    same(gpu("gcd", a, 6), ref("gcd", a, 6))
    # float64 math (_f64math) computes exp2 of integers exactly; cbrt stays float-input only
    assert "float64" in KERNELS["exp2"] and "int32" not in KERNELS["cbrt"]


# -- decompositions, run on the "gpu" device through trueno -----------------------------------
def _dev(x):
    return tn.asarray(x).to_device("gpu")


def _host(t):
    return np.asarray(t.to_device("cpu"))


@pytest.mark.parametrize("bins", [10, 1, "sqrt", "sturges", "rice", "scott", "fd", "auto",
                                  "doane"])
def test_histogram_bin_edges_on_gpu(bins):
    x = np.random.default_rng(3).normal(size=60).astype(np.float32)
    got = _host(tn.histogram_bin_edges(_dev(x), bins))
    want = np.histogram_bin_edges(x, bins)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)
    xi = np.array([3, 3, 3], np.int32)  # equal extremes widen by 0.5; ints give float64
    same(_host(tn.histogram_bin_edges(_dev(xi), 4)), np.histogram_bin_edges(xi, 4))
    same(_host(tn.histogram_bin_edges(_dev(x), 5, range=(-1, 2))),
         np.histogram_bin_edges(x, 5, range=(-1, 2)))
    with pytest.raises(ValueError, match="not finite"):
        tn.histogram_bin_edges(_dev(np.array([1.0, np.inf], np.float32)), 3)


@pytest.mark.parametrize("trim", ["fb", "f", "b"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_trim_zeros_on_gpu(trim, axis):
    z = np.zeros((5, 6), np.float32)
    z[1, 2], z[3, 4] = 1.0, -2.0
    same(_host(tn.trim_zeros(_dev(z), trim, axis=axis)), np.trim_zeros(z, trim, axis=axis))
    v = np.array([0, 0, 4, 0, 5, 0], np.int32)
    same(_host(tn.trim_zeros(_dev(v), trim)), np.trim_zeros(v, trim))
    assert _host(tn.trim_zeros(_dev(np.zeros(4, np.float32)), trim)).shape == (0,)


@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"period": 4.0, "discont": 1.0},
                                {"discont": 4.0}])
def test_unwrap_on_gpu(kw):
    p = np.cumsum(np.random.default_rng(4).uniform(-3.5, 3.5, (3, 25)), axis=1)
    p = p.astype(np.float32)
    got = _host(tn.unwrap(_dev(p), **kw))
    want = np.unwrap(p, **kw)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_real_if_close_and_float_power_on_gpu():
    x = _dev(np.array([1.0, -2.0], np.float32))
    assert tn.real_if_close(x) is x  # a real array comes back as NumPy returns it
    # float_power computes in float64 through pow (float64 pow from _f64math)
    got = np.asarray(tn.float_power(x, 2.5).to_device("cpu"))
    same(got, np.float_power(np.array([1.0, -2.0], np.float32), 2.5))
    from trueno._decompositions_numpy import float_power

    c = tn.asarray(np.array([1.5, 2.0, 3.0], np.float32))
    got = float_power(c, tn.asarray(np.array([2, -1, 0.5])))
    same(got.numpy() if hasattr(got, "numpy") else np.asarray(got),
         np.float_power(np.float32([1.5, 2, 3]), np.array([2, -1, 0.5])))


@pytest.mark.parametrize("dtype", EXACT_FLOATS)
def test_degrees_radians_bit_exact(dtype):
    """degrees / radians / rad2deg / deg2rad (their decompositions on the GPU) multiply by
    NumPy's constant for the compute dtype: 180.0f / NPY_PIf in float32, one ulp off the
    float32 rounding of 180 / pi, so every float32 result is NumPy's bit for bit."""
    x = np.random.default_rng(5).uniform(-1000, 1000, 4000).astype(np_dtype(dtype))
    x = normal_only(dtype, np.concatenate([x, floats(dtype, 0.0, -0.0, INF, -INF, NAN)]))
    for name in ("degrees", "radians", "rad2deg", "deg2rad"):
        same(gpu(name, x), ref(name, x))
