"""Floating-point errors of the cast-on-load kernels where a conversion raises one: a float32
signalling NaN loaded as float64. NumPy names it "cast" when it casts the input before the loop
(a 0-d input, or 1-d of at most getbufsize() elements, in operand order until one it cannot),
else the ufunc's own name (nothing for maximum, minimum and comparisons). The kernels must
give the same warnings, in the same order, and the same exception, as the NumPy ufunc."""
import warnings

import numpy as np
import pytest

SNAN32 = np.array([0x7FA00000], np.uint32).view(np.float32)[0]
SNAN16 = np.array([0x7D00], np.uint16).view(np.float16)[0]
UFUNC = {"pow": "power"}


def messages(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            fn()
    return [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)]


def raised(fn):
    with np.errstate(all="raise"):
        try:
            fn()
        except FloatingPointError as e:
            return str(e)
    return None


def f32(shape, snan_at=0):
    x = np.ones(shape, np.float32)
    x.reshape(-1)[snan_at] = SNAN32
    return x


CASES = {  # name: (x1, x2), x1 holding the signalling NaN unless said
    "1d": (f32(5), np.ones(5)),
    "1d-second": (np.ones(5), f32(5, 3)),
    "0d": (np.asarray(SNAN32), np.ones(4)),
    "0d-second": (np.ones((2, 3)), np.asarray(SNAN32)),
    "1d-broadcast": (f32(1), np.ones(4)),
    "2d": (f32((2, 3), 4), np.ones((2, 3))),
    "2d-first-f64": (np.ones((2, 3)), f32((2, 3))),
    "2d-vs-1d": (f32((2, 3)), np.ones(3)),
    "1d-vs-2d": (f32(3), np.ones((2, 3))),
    "int-2d-first": (np.ones((2, 3), np.int32), f32(3)),
    "1d-then-int-2d": (f32(3), np.ones((2, 3), np.int32)),
    "bufsize": (f32(8192, 8191), np.ones(8192)),
    "over-bufsize": (f32(8193, 8192), np.ones(8193)),
    "threads": (f32(300_000, 299_999), np.ones(300_000)),
    "with-inf-minus-inf": (np.array([SNAN32, np.inf, 1], np.float32),
                           np.array([1.0, np.inf, 0.0])),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "pow", "maximum",
                                "less"])
def test_snan_cast_flags_match_numpy(k, op, case):
    x1, x2 = CASES[case]
    kern = k.cast_on_load(op, "float64")
    uf = getattr(np, UFUNC.get(op, op))
    want = messages(lambda: uf(x1, x2))
    assert messages(lambda: kern(x1, x2)) == want
    assert raised(lambda: kern(x1, x2)) == raised(lambda: uf(x1, x2))
    if (op, case) in {("add", "1d"), ("add", "2d"), ("less", "1d")}:
        assert want  # the inputs do flag (else every comparison above would be vacuous)


def test_bufsize_is_numpy_current(k):
    x1, x2 = f32(5000, 10), np.ones(5000)
    kern = k.cast_on_load("add", "float64")
    old = np.getbufsize()
    try:
        np.setbufsize(4096)
        assert messages(lambda: kern(x1, x2)) == messages(lambda: np.add(x1, x2)) == \
            ["invalid value encountered in add"]
    finally:
        np.setbufsize(old)
    assert messages(lambda: kern(x1, x2)) == ["invalid value encountered in cast"]


@pytest.mark.parametrize("op", ["add", "maximum", "less"])
def test_half_snan_is_the_ops_own(k, op):
    """NumPy keeps a float16 signalling NaN through its cast: only the op itself may flag."""
    x1, x2 = np.array([SNAN16, 1], np.float16), np.ones(2, np.float32)
    kern = k.cast_on_load(op, "float32")
    uf = getattr(np, op)
    assert messages(lambda: kern(x1, x2)) == messages(lambda: uf(x1, x2))


def test_results_unchanged(k):
    x1, x2 = CASES["with-inf-minus-inf"]
    with np.errstate(all="ignore"):
        got = k.cast_on_load("subtract", "float64")(x1, x2)
        np.testing.assert_array_equal(got, np.subtract(x1, x2))


def test_dispatcher_fast_path_names_the_cast():
    """trueno's NumPy face after its cached mixed-dtype entry exists (the cast-on-load kernel)."""
    import trueno as tn

    a = tn.asarray(np.ones(2, np.float32))
    b = tn.asarray(np.ones(2))
    for _ in range(3):
        a + b
        tn.maximum(a, b)
    s = tn.asarray(f32(2))
    for fn in (lambda: s + b, lambda: b * s, lambda: tn.maximum(s, b)):
        with tn.errstate(invalid="raise"):
            with pytest.raises(FloatingPointError, match="invalid value encountered in cast"):
                fn()
