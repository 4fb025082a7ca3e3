"""Reductions vs NumPy: axes, keepdims, layouts, empty and 0-d inputs, NaN, accuracy."""

import math

import numpy as np
import pytest
from conftest import ALL, FLOATS, INTS, rand, views

AXES = [None, (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
SHAPES = [(3, 4, 5), (1, 7, 1), (2, 33, 17), (5, 1, 130)]


def tol(dtype):
    return dict(rtol=2e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)


def check(got, want, dtype):
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, equal_nan=True, **tol(dtype))
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("op", ["sum", "max", "min", "mean"])
def test_basic_reductions(k, op, dtype):
    rng = np.random.default_rng(20)
    for shape in SHAPES:
        x = rand(shape, dtype, rng, -100 if dtype in FLOATS else None,
                 100 if dtype in FLOATS else None)
        for _, v in views(x):
            for axis in AXES:
                for keepdims in (False, True):
                    got = getattr(k, op)(v, axis, keepdims)
                    want = getattr(np, op)(v, axis=axis, keepdims=keepdims)
                    check(got, want, dtype)


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_reductions(k, op, dtype):
    rng = np.random.default_rng(21)
    for shape in SHAPES:
        x = rand(shape, dtype, rng, 0, 5)  # many ties: first occurrence must win
        for _, v in views(x):
            for axis in (None, 0, 1, 2):
                for keepdims in (False, True):
                    got = getattr(k, op)(v, axis, keepdims)
                    want = getattr(np, op)(v, axis=axis, keepdims=keepdims)
                    check(got, want, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_nan_handling(k, dtype):
    x = rand((4, 300), dtype)
    x[1, 7] = np.nan
    x[2, 250] = np.nan
    x[2, 280] = np.nan
    for op in ("max", "min", "argmax", "argmin", "sum", "mean"):
        check(getattr(k, op)(x, (1,) if op[:3] != "arg" else 1), getattr(np, op)(x, axis=1), dtype)
        check(getattr(k, op)(x), getattr(np, op)(x), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_var_norm_logsumexp(k, dtype):
    rng = np.random.default_rng(22)
    from scipy.special import logsumexp
    for shape in SHAPES:
        x = rand(shape, dtype, rng)
        for _, v in views(x):
            for axis in AXES:
                for keepdims in (False, True):
                    for corr in (0.0, 1.0):
                        with np.errstate(all="ignore"):
                            want = np.var(v, axis=axis, keepdims=keepdims, ddof=corr)
                        check(k.var(v, axis, keepdims, corr), want, dtype)
                    vd = v.astype(np.float64)
                    for ord_ in (2.0, 1.0, math.inf):
                        want = _norm(vd, axis, keepdims, ord_)
                        check(k.vector_norm(v, axis, keepdims, ord_), want.astype(dtype), dtype)
                    check(k.logsumexp(v, axis, keepdims),
                          logsumexp(vd, axis=axis, keepdims=keepdims).astype(dtype), dtype)


def _norm(x, axis, keepdims, ord_):
    a = np.abs(x)
    if ord_ == 2.0:
        return np.sqrt((a * a).sum(axis=axis, keepdims=keepdims))
    if ord_ == 1.0:
        return a.sum(axis=axis, keepdims=keepdims)
    return a.max(axis=axis, keepdims=keepdims)


def test_logsumexp_infinities(k):
    x = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0], [1000.0, 1000.0]])
    from scipy.special import logsumexp
    with np.errstate(all="ignore"):
        check(k.logsumexp(x, (1,)), logsumexp(x, axis=1), "float64")


@pytest.mark.parametrize("dtype", INTS + ("bool",))
def test_int_sum_promotes(k, dtype):
    x = rand((3, 50), dtype)
    check(k.sum(x), np.sum(x), dtype)
    check(k.sum(x, (1,)), np.sum(x, axis=1), dtype)
    check(k.mean(x, (0,)), np.mean(x, axis=0), "float64")
    check(k.sum(x, (1,), False, "int32"), np.sum(x, axis=1, dtype="int32"), dtype)


def test_sum_dtype_argument(k):
    x = rand((10, 7), "float32")
    check(k.sum(x, (0,), False, "float64"), np.sum(x, axis=0, dtype="float64"), "float64")
    check(k.mean(x, None, True, np.float64), np.mean(x, keepdims=True, dtype="float64"), "float64")


def test_sum_dtype_outside_backend(k):
    x = rand((3, 4), "float64")
    for op in ("sum", "mean"):
        for keepdims in (False, True):
            got = getattr(k, op)(x, (1,), keepdims, "complex128")
            want = getattr(np, op)(x, axis=1, keepdims=keepdims, dtype="complex128")
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want)


def test_empty_and_0d(k):
    z = np.zeros((0, 3), np.float32)
    check(k.sum(z, (0,)), np.sum(z, axis=0), "float32")
    check(k.sum(z), np.sum(z), "float32")
    with np.errstate(all="ignore"):
        check(k.mean(z, (0,)), np.mean(z, axis=0), "float32")
        check(k.mean(z), np.mean(z), "float32")
    assert k.max(z, (1,)).shape == (0,)
    with pytest.raises(ValueError):
        k.max(z, (0,))
    with pytest.raises(ValueError):
        k.argmax(z)
    s = np.array(3.5)
    for op in ("sum", "max", "min", "mean"):
        check(getattr(k, op)(s, ()), getattr(np, op)(s), "float64")
        check(getattr(k, op)(s), getattr(np, op)(s), "float64")
    check(k.argmax(s), np.argmax(s), "float64")
    check(k.vector_norm(np.zeros((0,))), np.array(0.0), "float64")


def test_pairwise_accuracy_10m(k):
    """10M float32 values: at least as accurate as numpy's pairwise sum vs math.fsum."""
    rng = np.random.default_rng(23)
    x = rng.uniform(0, 1, 10_000_000).astype(np.float32)
    exact = math.fsum(x.astype(np.float64))
    ours = abs(float(k.sum(x)) - exact)
    theirs = abs(float(np.sum(x)) - exact)
    # a float32 result cannot be better than half an ulp of the exact sum
    half_ulp = float(np.spacing(np.float32(exact))) / 2
    assert ours <= max(theirs, half_ulp), (ours, theirs)
    exact_mean = exact / x.size
    assert abs(float(k.mean(x)) - exact_mean) <= float(np.spacing(np.float32(exact_mean)))


def test_large_reductions_threaded(k):
    rng = np.random.default_rng(24)
    for n in (2**19 - 1, 2**19 + 1, 3 * 2**19 + 5):  # around the 2**19 threshold
        x = rng.standard_normal(n)
        np.testing.assert_allclose(k.sum(x), np.sum(x), rtol=1e-12)
        assert k.max(x) == x.max() and k.argmin(x) == x.argmin()
        np.testing.assert_allclose(k.var(x), x.var(), rtol=1e-12)
        y = x.reshape(-1, 1)[::-1]
        assert k.argmax(y) == np.argmax(y)
        m = rng.standard_normal((3, n // 3))
        np.testing.assert_allclose(k.sum(m, (1,)), m.sum(1), rtol=1e-12)
        np.testing.assert_allclose(k.sum(m, (0,)), m.sum(0), rtol=1e-12)
    x = np.full(2**18, 7, np.int16)
    x[200_000] = 9
    x[-3] = 9
    assert k.argmax(x) == 200_000


def test_out_argument(k):
    x = rand((4, 6), "float64")
    out = np.empty(4)
    assert k.sum(x, (1,), out=out) is out
    np.testing.assert_allclose(out, x.sum(1))


@pytest.mark.parametrize("shape,axis", [((4096, 256), (0,)), ((7, 5, 33), (0, 1)),
                                        ((300, 3), (0,)), ((2, 1000), (0,)), ((9, 4, 6), (0,))])
def test_leading_axis_sums_add_rows_in_numpys_order(k, shape, axis):
    """Sums over leading dims (the column path: whole rows added in row order) give NumPy's
    float64 bits and float32 at least NumPy's accuracy; views and other axes still agree."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    np.testing.assert_array_equal(k.sum(x, axis), x.sum(axis=axis))
    np.testing.assert_array_equal(k.mean(x, axis), x.mean(axis=axis))
    f = x.astype(np.float32)
    exact = x.astype(np.float32).astype(np.float64).sum(axis=axis)
    assert np.abs(k.sum(f, axis) - exact).max() <= np.abs(f.sum(axis=axis) - exact).max() + \
        np.abs(exact).max() * 2 ** -24
    t = np.asfortranarray(x)  # not the column layout: the per-output path
    np.testing.assert_allclose(k.sum(t, axis), x.sum(axis=axis), rtol=1e-12, atol=1e-12)
    special = np.array([[1.0, np.inf, np.nan], [2.0, -np.inf, 1.0]])
    np.testing.assert_array_equal(k.sum(special, (0,)), special.sum(axis=0))
