"""Elementwise kernels vs NumPy: every dtype, sizes around vector widths, strided views."""

import numpy as np
import pytest
from conftest import ALL, FLOATS, INTS, SIZES, rand, views

BINARY = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "pow": np.power,
    "equal": np.equal,
    "not_equal": np.not_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
}
FLOAT_ONLY = {"divide", "pow"}
COMPARE = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}


def dtypes_for(op):
    if op in FLOAT_ONLY:
        return FLOATS
    return ALL


CASES = [(op, dt) for op in BINARY for dt in dtypes_for(op)]


def check(got, want, atol=0.0):
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    assert got.flags.c_contiguous
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=2e-7 if want.dtype == np.float64 else 2e-6,
                                   atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("op", "dtype"), CASES)
def test_binary_sizes(k, op, dtype):
    rng = np.random.default_rng(1)
    with np.errstate(all="ignore"):
        for n in SIZES:
            a, b = rand(n, dtype, rng), rand(n, dtype, rng)
            if op == "pow":
                a = np.abs(a)
            if n > 3 and dtype in FLOATS:
                a[1], b[2] = np.nan, np.inf  # NaN propagation, infinities
            if n > 5:
                b[4] = a[4]  # equal elements for the comparisons
            check(getattr(k, op)(a, b), BINARY[op](a, b))


@pytest.mark.parametrize(("op", "dtype"), CASES)
def test_binary_layouts(k, op, dtype):
    rng = np.random.default_rng(2)
    a, b = rand((5, 33), dtype, rng), rand((5, 33), dtype, rng)
    if op == "pow":
        a = np.abs(a)
    with np.errstate(all="ignore"):
        want = BINARY[op](a, b)
        for _, va in views(a):
            for _, vb in views(b):
                check(getattr(k, op)(va, vb), want)


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_broadcast(k, op):
    rng = np.random.default_rng(3)
    dtype = "float32"
    shapes = [((3, 1, 5), (4, 1)), ((1,), (7, 3)), ((), (4, 5)), ((2, 3), ()), ((6, 1), (1, 6)),
              ((0, 3), (1, 3)), ((2, 1, 3), (2, 4, 1)), ((), ())]
    with np.errstate(all="ignore"):
        for sa, sb in shapes:
            a, b = rand(sa, dtype, rng, 0.5, 3), rand(sb, dtype, rng, 0.5, 3)
            check(getattr(k, op)(a, b), BINARY[op](a, b))
            # zero-stride operands made by broadcast_to
            full = np.broadcast_shapes(sa, sb)
            check(getattr(k, op)(np.broadcast_to(a, full), b), BINARY[op](a, b))


@pytest.mark.parametrize("dtype", ALL)
def test_numpy_scalar_operand(k, dtype):
    a = rand((4, 9), dtype)
    s = np.dtype(dtype).type(3)
    check(k.add(a, s), np.add(a, s))
    check(k.multiply(s, a), np.multiply(s, a))
    check(k.greater(a, s), np.greater(a, s))
    check(k.add(s, s), np.add(np.asarray(s), np.asarray(s)))


def test_out_argument(k):
    a, b = rand((3, 4), "float64"), rand((3, 4), "float64")
    out = np.empty((3, 4))
    r = k.add(a, b, out=out)
    assert r is out
    np.testing.assert_array_equal(out, a + b)
    with pytest.raises(ValueError):
        k.add(a, b, out=np.empty((4, 3)))
    with pytest.raises(TypeError):
        k.add(a, b, out=np.empty((3, 4), np.float32))


def test_thread_threshold_sizes(k):
    rng = np.random.default_rng(4)
    # thresholds: 2**17 (add, multiply, exp), 2**12 (sin)
    for n in (2**12 + 1, 2**17 - 1, 2**17, 2**17 + 5, 3 * 2**17 + 7):
        a, b = rand(n, "float32", rng), rand(n, "float32", rng)
        check(k.add(a, b), a + b)
        check(k.exp(a), np.exp(a))
        np.testing.assert_allclose(k.sin(a), np.sin(a), rtol=1e-6, atol=1e-7)
        # non-contiguous 2-D spanning the threshold
        m = rand((n // 64 + 1, 128), "float64", rng)[:, ::2]
        check(k.multiply(m, m), m * m)


def test_nan_propagation_max_min(k):
    a = np.array([np.nan, 1.0, 2.0, np.nan, -np.inf])
    b = np.array([1.0, np.nan, 3.0, np.nan, np.inf])
    check(k.maximum(a, b), np.maximum(a, b))
    check(k.minimum(a, b), np.minimum(a, b))


def test_bool_comparisons(k):
    a, b = rand(37, "bool"), rand(37, "bool")
    for op in COMPARE | {"maximum", "minimum"}:
        check(getattr(k, op)(a, b), BINARY[op](a, b))


def test_mismatched_dtypes_rejected(k):
    with pytest.raises(TypeError):
        k.add(np.ones(3, np.float32), np.ones(3, np.float64))


def test_where(k):
    rng = np.random.default_rng(5)
    for dtype in (*ALL, "bool"):
        for n in (0, 1, 7, 33, 1000):
            c = rand(n, "bool", rng)
            x, y = rand(n, dtype, rng), rand(n, dtype, rng)
            check(k.where(c, x, y), np.where(c, x, y))
    c = rand((3, 1, 5), "bool", rng)
    x, y = rand((4, 1), "float32", rng), rand((1, 4, 5), "float32", rng)
    check(k.where(c, x, y), np.where(c, x, y))
    for _, vc in views(rand((6, 17), "bool", rng)):
        for _, vx in views(rand((6, 17), "int16", rng)):
            check(k.where(vc, vx, np.int16(7)), np.where(vc, vx, np.int16(7)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_addcmul(k, dtype):
    # the kernel may fuse the multiply-add (one rounding less), so allow an absolute slack
    tol = 1e-5 if dtype == "float32" else 1e-13

    def check(got, want):
        _check(got, want, atol=tol)

    rng = np.random.default_rng(6)
    for n in SIZES:
        x, a, b = rand(n, dtype, rng), rand(n, dtype, rng), rand(n, dtype, rng)
        check(k.addcmul(x, a, b, -0.5), x + dtype_scalar(dtype, -0.5) * a * b)
    x, a, b = rand((3, 4, 5), dtype, rng), rand((4, 1), dtype, rng), rand((5,), dtype, rng)
    check(k.addcmul(x, a, b, 2.0), x + dtype_scalar(dtype, 2.0) * a * b)
    for _, vx in views(x):
        check(k.addcmul(vx, a, b), vx + a * b)


_check = check


def dtype_scalar(dtype, v):
    return np.dtype(dtype).type(v)


@pytest.mark.parametrize("dtype", INTS + FLOATS)
def test_abs_negative(k, dtype):
    rng = np.random.default_rng(7)
    for n in SIZES:
        a = rand(n, dtype, rng)
        with np.errstate(all="ignore"):
            check(k.abs(a), np.abs(a))
            check(k.negative(a), np.negative(a))
    for _, v in views(rand((4, 19), dtype, rng)):
        with np.errstate(all="ignore"):
            check(k.abs(v), np.abs(v))


def test_empty_and_0d(k):
    for op in ("add", "multiply", "less"):
        z = np.zeros((0, 4), np.float32)
        assert getattr(k, op)(z, z).shape == (0, 4)
        s = np.array(2.5, np.float32)
        check(getattr(k, op)(s, s), BINARY[op](s, s))
    assert k.exp(np.zeros((3, 0))).shape == (3, 0)
    check(k.exp(np.array(1.0)), np.exp(np.array(1.0)))
    check(k.exp(np.float32(1.0)), np.exp(np.array(1.0, np.float32)))
