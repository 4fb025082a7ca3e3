"""The cast-on-load kernels (``_core.cast_on_load``): operands of mixed dtypes converted as
they are loaded must give, bit for bit, what casting them with ``astype`` and running the
same-dtype kernel gives (and what NumPy gives on the cast operands, for the exact ops), for
every op, compute dtype and pair of operand dtypes the kernels declare, in every layout."""

# ruff: noqa: B023  (every lambda here is called at once, inside its loop iteration)
import warnings

import ml_dtypes  # a test requirement (and trueno-core's)
import numpy as np
import pytest
from conftest import views

import trueno
from trueno_simd import KernelArgumentError
from trueno_simd import _core as k
from trueno_simd.plugin import BINARY_ALL, BINARY_FLOAT, COMPARE, FLOATS, HALVES, INTS

NUMPY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
         "divide": np.divide, "maximum": np.maximum, "minimum": np.minimum, "pow": np.power,
         "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
         "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal}
BF16 = np.dtype(ml_dtypes.bfloat16)


def np_dtype(name):
    return BF16 if name == "bfloat16" else np.dtype(name)


def compute_dtypes(op):
    """The compute dtypes with a same-dtype kernel (the plugin's table), bool aside."""
    if op in BINARY_FLOAT:
        return FLOATS + HALVES
    return FLOATS + HALVES + INTS


CASES = [(op, ct) for op in BINARY_ALL + BINARY_FLOAT + COMPARE for ct in compute_dtypes(op)]


def edge_values(name):
    """Values where a conversion can go wrong: extremes, rounding ties, NaN, inf, -0.0."""
    if name == "bool":
        return [True, False]
    dt = np_dtype(name)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        vals = [0, 1, info.max, info.min, info.max - 1, 100, 127]
        if dt.kind == "i":
            vals += [-1, -128, info.min + 1]
        if dt.itemsize >= 4:
            vals += [2**24 + 1, 2**24 + 3, 2**31 - 1]
        if dt.itemsize == 8:
            vals += [2**53 + 1, 2**53 + 3, 2**62 + 2**38 + 1, 2**63 - 1]
            vals += [2**63 + 1, 2**64 - 1, 2**63 + 2**39 + 1] if dt.kind == "u" else \
                [-(2**53) - 1, -(2**63) + 1]
        return [v for v in vals if info.min <= v <= info.max]
    big = float(ml_dtypes.finfo(dt).max)
    tiny = float(ml_dtypes.finfo(dt).smallest_subnormal)
    return [np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -2.5, big, -big, tiny, -tiny, 0.1]


def values(name, n, seed=0):
    """``n`` values of dtype ``name``: the edge values first, then random ones."""
    rng = np.random.default_rng(seed)
    dt = np_dtype(name)
    if name == "bool":
        out = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        out = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
        out[n // 2:] //= 1 << (8 * dt.itemsize - 7)  # small values too (int pow, exact floats)
    else:
        out = rng.uniform(-4, 4, n).astype(dt)
    edges = np.array(edge_values(name), dtype=np.float64 if dt.kind == "V" else dt)
    m = min(n, len(edges))
    out[:m] = np.roll(edges, -seed)[:m]  # (another seed, another edge value against each)
    return out.astype(dt)


def bits(a):
    a = np.ascontiguousarray(a)
    return a.dtype, a.shape, a.view(np.uint8).tobytes()


def cast_then_op(op, ct, a, b):
    """The reference: both operands cast with astype, then the same-dtype kernel."""
    dt = np_dtype(ct)
    return getattr(k, op)(a.astype(dt), b.astype(dt))


def numpy_equal(got, want, signed_zeros=True):
    """Same dtype and shape, equal values (NaN where NaN), zeros of the same sign unless
    ``signed_zeros`` is False (NumPy leaves maximum(-0.0, 0.0)'s sign to the loop)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
        return
    g, w = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_array_equal(g, w)
    if signed_zeros:
        np.testing.assert_array_equal(np.signbit(g), np.signbit(w))


def test_loads():
    """Each compute dtype reads itself, bool, and what astype converts exactly or rounds as
    a C conversion: widening integers, any integer or narrower float into float32/float64,
    8-bit integers into the halves; never wider integers into a half, nor a downcast."""
    every = ("bool",) + INTS + ("float16", "bfloat16", "float32", "float64")
    assert tuple(k.cast_loads("float64")) == every
    assert tuple(k.cast_loads("float32")) == every[:-1]
    assert set(k.cast_loads("float16")) == {"bool", "int8", "uint8", "float16"}
    assert set(k.cast_loads("bfloat16")) == {"bool", "int8", "uint8", "bfloat16"}
    assert set(k.cast_loads("int32")) == {"bool", "int8", "int16", "int32", "uint8", "uint16"}
    assert set(k.cast_loads("int64")) == {"bool", "int8", "int16", "int32", "int64", "uint8",
                                          "uint16", "uint32"}
    assert set(k.cast_loads("uint16")) == {"bool", "uint8", "uint16"}
    assert set(k.cast_loads("uint64")) == {"bool", "uint8", "uint16", "uint32", "uint64"}
    assert tuple(k.cast_loads("int8")) == ("bool", "int8")
    assert tuple(k.cast_loads("bool")) == ("bool",)


@pytest.mark.parametrize("ct", FLOATS + HALVES + INTS)
def test_each_load_is_astype(ct):
    """x * 1 in dtype ct is x.astype(ct) bit for bit (-0.0, NaN, inf, int64 and uint64
    rounding to float32/float64 included), for every operand dtype ct's kernels read."""
    mul = k.cast_on_load("multiply", ct)
    dt = np_dtype(ct)
    for src in k.cast_loads(ct):
        x = values(src, 300)
        one = np.ones(300, dt)
        assert bits(mul(x, one)) == bits(x.astype(dt)), src
        assert bits(mul(one, x)) == bits(x.astype(dt)), src


@pytest.mark.parametrize(("op", "ct"), CASES)
def test_every_pair_matches_cast_then_op(op, ct):
    """Every pair of declared operand dtypes, both orders, sizes around the vector widths
    and the 256-element block: the cast-then-op result bit for bit, and NumPy's on the cast
    operands (for pow within float tolerance: libm's pow is the same-dtype kernel's)."""
    kern = k.cast_on_load(op, ct)
    dt = np_dtype(ct)
    loads = k.cast_loads(ct)
    checked = 0
    with np.errstate(all="ignore"):
        for da in loads:
            for db in loads:
                if da == db == ct:
                    continue
                for n in (0, 1, 7, 37, 300):
                    a, b = values(da, n, 1), values(db, n, 2)
                    if op == "pow":  # moderate exponents too
                        b[n // 2:] = (np.arange(n - n // 2) % 4).astype(b.dtype)
                    got = kern(a, b)
                    assert bits(got) == bits(cast_then_op(op, ct, a, b)), (da, db, n)
                    assert bits(kern(b, a)) == bits(cast_then_op(op, ct, b, a)), (db, da, n)
                    if dt.kind != "V" and op != "pow":
                        numpy_equal(got, NUMPY[op](a.astype(dt), b.astype(dt)),
                                    op not in ("maximum", "minimum"))
                    checked += 1
    assert checked >= 5 * (len(loads) ** 2 - 1)


PAIRS = [("int32", "float32", "float64"), ("float32", "float64", "float64"),
         ("int8", "uint8", "int16"), ("uint8", "float16", "float16"),
         ("int8", "bfloat16", "bfloat16"), ("bool", "int64", "int64"),
         ("int64", "float32", "float32"), ("uint64", "int32", "float64")]


@pytest.mark.parametrize(("da", "db", "ct"), PAIRS)
@pytest.mark.parametrize("op", ["add", "subtract", "maximum", "less", "divide"])
def test_layouts_broadcasting_0d_and_empty(op, da, db, ct):
    if op == "divide" and ct not in FLOATS + HALVES:
        ct = "float64"
    kern = k.cast_on_load(op, ct)
    with np.errstate(all="ignore"):
        a, b = values(da, 5 * 33, 1).reshape(5, 33), values(db, 5 * 33, 2).reshape(5, 33)
        for _, va in views(a):
            for _, vb in views(b):
                assert bits(kern(va, vb)) == bits(cast_then_op(op, ct, a, b))
        shapes = [((3, 1, 5), (4, 1)), ((1,), (7, 3)), ((), (4, 5)), ((2, 3), ()),
                  ((6, 1), (1, 6)), ((0, 3), (1, 3)), ((2, 1, 3), (2, 4, 1)), ((), ()),
                  ((0,), ()), ((300, 1), (1, 3))]
        for sa, sb in shapes:
            x = values(da, int(np.prod(sa)), 4).reshape(sa)
            y = values(db, int(np.prod(sb)), 5).reshape(sb)
            for p, q in ((x, y), (y, x)):
                got = kern(p, q)
                want = cast_then_op(op, ct, p, q)
                assert bits(got) == bits(want), (sa, sb)
                assert got.shape == np.broadcast_shapes(p.shape, q.shape)
        # numpy scalars are operands too (a 0-d array)
        s = np_dtype(db).type(3)
        assert bits(kern(a, s)) == bits(cast_then_op(op, ct, a, np.asarray(s)))


def test_threaded_sizes():
    """Above the one-thread size (2**17 elements) the work is split across the pool."""
    n = 3 * 2**17 + 5
    with np.errstate(all="ignore"):
        for op, da, db, ct in [("add", "int32", "float32", "float64"),
                               ("multiply", "uint8", "float16", "float16"),
                               ("less", "int64", "float32", "float32")]:
            a, b = values(da, n, 1), values(db, n, 2)
            kern = k.cast_on_load(op, ct)
            assert bits(kern(a, b)) == bits(cast_then_op(op, ct, a, b))
            bb = np.broadcast_to(b[:1000], (n // 1000, 1000))  # a zero stride
            aa = a[: (n // 1000) * 1000].reshape(-1, 1000)
            assert bits(kern(aa, bb)) == bits(cast_then_op(op, ct, aa, bb))


def _warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return sorted(str(w.message) for w in caught)


def test_floating_point_errors_are_numpys():
    """The op's flags reach NumPy's errstate as the ufunc's (the loads raise none)."""
    big64 = np.array([1e308, 1.0, 0.0])  # * 3e38 overflows
    f32 = np.array([3e38, 2.0, 0.0], np.float32)
    i8 = np.array([100, 1, 0], np.int8)
    f16 = np.array([1000, 1, 0], np.float16)
    for kern, a, b, ct in [(k.cast_on_load("multiply", "float64"), big64, f32, np.float64),
                           (k.cast_on_load("multiply", "float16"), i8, f16, np.float16),
                           (k.cast_on_load("divide", "float64"), np.arange(3), f32,
                            np.float64)]:
        ref = NUMPY[kern.__name__]
        assert _warnings(lambda: kern(a, b)) == \
            _warnings(lambda: ref(a.astype(ct), b.astype(ct)))
        assert _warnings(lambda: kern(a, b))  # something to compare
        with np.errstate(all="raise"), pytest.raises(FloatingPointError):
            kern(a, b)
    with np.errstate(all="raise"):  # int64 -> float32 rounds; that is no error
        k.cast_on_load("add", "float32")(np.array([2**62 + 1]), np.float32([1.0]))
    nan16 = np.array([np.nan, 1.0, np.inf], np.float16)
    with np.errstate(all="raise"):  # as NumPy: a float16 NaN times 1 raises nothing
        np.multiply(nan16, np.float16(1))
        k.multiply(nan16, np.ones(3, np.float16))
        k.cast_on_load("multiply", "float16")(nan16, np.ones(3, np.int8))


wide = np.broadcast_to(np.int8(1), (2,) * 33)


@pytest.mark.parametrize(("ct", "a", "b", "exc", "match"), [
    ("float64", np.ones(3, np.complex64), np.ones(3), trueno.DTypeError,
     "cannot load operands of dtypes complex64 and float64"),
    ("float32", np.ones(3, np.float64), np.ones(3, np.int32), trueno.DTypeError,
     "cannot load operands of dtypes float64 and int32"),
    ("float16", np.ones(3, np.int16), np.ones(3, np.float16), trueno.DTypeError,
     "cannot load operands of dtypes int16 and float16"),
    ("int32", np.ones(3, np.uint32), np.ones(3, np.int32), trueno.DTypeError,
     r"cannot load .* \(cast_loads\('int32'\) lists the dtypes it reads\)"),
    ("float64", np.ones(3, ">f8"), np.ones(3), trueno.DTypeError, "dtypes >f8 and float64"),
    ("float64", np.array([1, None], object), np.ones(2), trueno.DTypeError, "dtypes object"),
    ("float64", "abc", np.ones(3), trueno.DTypeError, "dtypes <U3"),
    ("float64", np.ones((2, 3), np.int32), np.ones(4, np.float32), trueno.ShapeError,
     r"\(2, 3\) \(4,\) do not broadcast"),
    ("int8", wide, wide, KernelArgumentError, "at most 32 dimensions"),
])
def test_bad_operands_raise(ct, a, b, exc, match):
    kern = k.cast_on_load("add", ct)
    with pytest.raises(exc, match=match) as info:
        kern(a, b)
    assert "trueno_simd.add" in str(info.value)
