"""Elementwise kernels vs NumPy on every dtype, shape and layout (views built by hand)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import (
    API,
    DTYPES,
    FLOATS,
    KERNELS,
    assert_close,
    down,
    layouts,
    np_dtype,
    up,
    view_of,
)

from trueno_gpu._elementwise import BINARY, UNARY

RNG = np.random.default_rng(0)
NP_NAME = {"bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
           "bitwise_right_shift": "right_shift", "pow": "power"}
SPECIAL = {
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "erf": lambda x: np.vectorize(__import__("math").erf, otypes=[np.float64])(x).astype(x.dtype),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, x.dtype.type(0)),
}
DOMAIN = {"log": (0.01, 5), "log2": (0.01, 5), "log10": (0.01, 5), "sqrt": (0, 5),
          "acosh": (1, 5), "asin": (-0.99, 0.99), "acos": (-0.99, 0.99),
          "atanh": (-0.95, 0.95), "reciprocal": (0.5, 3), "tan": (-1.4, 1.4)}
SHAPES = [(), (0,), (5,), (3, 7), (2, 3, 5)]


def ref(name, *xs):
    fn = SPECIAL.get(name) or getattr(np, NP_NAME.get(name, name))
    with np.errstate(all="ignore"):
        return fn(*xs)


def sample(name, dtype, shape, second=False):
    dt = np_dtype(dtype)
    if dt.kind == "f" or dtype == "bfloat16":
        lo, hi = DOMAIN.get(name, (-3, 3))
        if name == "pow":
            lo, hi = (0.2, 3) if not second else (-3, 3)
        x = RNG.uniform(lo, hi, shape).astype(np.float32)
        if name in ("floor", "ceil", "round", "trunc"):
            x = np.round(x * 4) / 4  # exact halves: round-half-even cases
        return x.astype(dt)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    info = np.iinfo(dt)
    if name in ("bitwise_left_shift", "bitwise_right_shift") and second:
        return RNG.integers(0, min(info.bits, 12), shape).astype(dt)
    if name == "pow":
        return RNG.integers(0, 5 if second else 4, shape).astype(dt)
    lo = max(info.min, -100)
    return RNG.integers(lo, min(info.max, 100), shape, endpoint=True).astype(dt)


def compute_ref(name, dtype, *xs):
    """NumPy's answer in ``dtype`` (float16/bfloat16 computed in float32, as the GPU does)."""
    dt = np_dtype(dtype)
    if dtype in ("float16", "bfloat16"):
        r = ref(name, *(x.astype(np.float32) for x in xs))
        return r.astype(dt) if r.dtype != bool else r
    return ref(name, *xs)


UNARY_CASES = [(op, d) for op in UNARY for d in DTYPES if d in KERNELS[op]]


@pytest.mark.parametrize("op,dtype", UNARY_CASES, ids=lambda v: str(v))
def test_unary(op, dtype):
    results = []
    for shape in SHAPES:
        x = sample(op, dtype, shape)
        for _, xv, dx in layouts(x):
            results.append((xv, KERNELS[op][dtype](dx)))
    for xv, got in results:
        want = compute_ref(op, dtype, xv)
        rtol = 2e-4 if op in ("tan", "log10", "cosh", "sinh", "atanh", "acosh") else None
        assert got.dtype == want.dtype, (op, dtype, got.dtype, want.dtype)
        assert_close(down(got), want, dtype, rtol=rtol)


BINARY_CASES = [(op, d) for op in BINARY for d in DTYPES if d in KERNELS[op]]


@pytest.mark.parametrize("op,dtype", BINARY_CASES, ids=lambda v: str(v))
def test_binary(op, dtype):
    pairs = [((), ()), ((0,), (1,)), ((7,), (7,)), ((3, 7), (7,)), ((3, 1), (1, 5)),
             ((2, 3, 5), (3, 1))]
    results = []
    for sa, sb in pairs:
        a = sample(op, dtype, sa)
        b = sample(op, dtype, sb, second=True)
        for (_, av, da), (_, bv, db) in zip(layouts(a), layouts(b)[::-1]):
            results.append((av, bv, KERNELS[op][dtype](da, db)))
        # a scalar operand, on either side
        s = b.reshape(-1)[0] if b.size else np.asarray(1, b.dtype)[()]
        s = np.asarray(s, dtype=b.dtype)[()]
        results.append((a, s, KERNELS[op][dtype](up(a), s)))
        results.append((s, a if op not in ("pow",) else a, KERNELS[op][dtype](s, up(a))))
    for av, bv, got in results:
        want = compute_ref(op, dtype, np.asarray(av), np.asarray(bv))
        rtol = 1e-4 if op in ("pow", "hypot", "logaddexp") else None
        if op in ("floor_divide", "remainder") and np_dtype(dtype).kind == "f":
            rtol = 1e-3
        assert_close(down(got), np.asarray(want), dtype, rtol=rtol)


def test_special_values_float32():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, 88.0, -100.0], np.float32)
    dx = up(x)
    for op in ("isnan", "isinf", "isfinite", "exp", "tanh", "sigmoid", "abs", "sign", "expm1"):
        assert_close(down(KERNELS[op]["float32"](dx)), compute_ref(op, "float32", x), "float32")
    y = np.array([1.0, np.nan, 2.0, -np.inf, 3.0, 0.0, 1.0, np.nan], np.float32)
    for op in ("maximum", "minimum", "hypot", "logaddexp", "copysign"):
        got = down(KERNELS[op]["float32"](dx, up(y)))
        assert_close(got, compute_ref(op, "float32", x, y), "float32")


def test_large_multi_workgroup_and_chain():
    n = 100_003
    x = RNG.standard_normal(n).astype(np.float32)
    d = up(x)
    for _ in range(50):
        d = KERNELS["add"]["float32"](d, np.float32(0.5))
    assert_close(down(d), x + np.float32(25.0), "float32", rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_clip_copy_astype(dtype):
    dt = np_dtype(dtype)
    x = sample("add", dtype, (4, 5))
    y = sample("add", dtype, (5,))
    c = RNG.integers(0, 2, (4, 1)).astype(bool)
    got = down(KERNELS["where"][dtype](up(c), up(x), up(y)))
    assert_close(got, np.where(c, x, y), dtype)
    got = down(KERNELS["where"][dtype](up(c), up(x), np.asarray(y[0])[()]))
    assert_close(got, np.where(c, x, y[0]), dtype)
    if dtype != "bool":
        lo = np.asarray(1 if dt.kind == "u" else -1, dt)[()]
        hi = np.asarray(2, dt)[()]
        got = down(KERNELS["clip"][dtype](up(x), lo, hi))
        assert_close(got, np.clip(x, lo, hi), dtype)
        got = down(KERNELS["clip"][dtype](up(x), None, up(y)))
        assert_close(got, np.minimum(x, y), dtype)
    # copy_ into a strided view (t[1:3, ::2] = v), broadcast source and scalar source
    base = sample("add", dtype, (4, 5))
    dbase = up(base)
    view = base[1:3, ::2]
    dview = view_of(dbase, base, view)
    src = sample("add", dtype, (3,))
    KERNELS["copy_"][dtype](dview, up(src))
    want = base.copy()
    want[1:3, ::2] = src
    assert_close(down(dbase), want, dtype)
    KERNELS["copy_"][dtype](view_of(dbase, base, base[:, -1]), np.asarray(1, dt)[()])
    want[:, -1] = 1
    assert_close(down(dbase), want, dtype)
    # overlapping copy: t[1:] = t[:-1]
    KERNELS["copy_"][dtype](view_of(dbase, base, base[1:]), view_of(dbase, base, base[:-1]))
    want[1:] = want[:-1].copy()
    assert_close(down(dbase), want, dtype)
    # contiguous of a transposed view, astype to every dtype
    tv = view_of(dbase, base, base.T)
    assert_close(down(KERNELS["contiguous"][dtype](tv)), want.T, dtype)
    for other in DTYPES:
        got = down(KERNELS["astype"][dtype](tv, np_dtype(other)))
        assert got.dtype == np_dtype(other)
        with np.errstate(all="ignore"):
            expect = want.T.astype(np_dtype(other))
        # NOTE: NumPy leaves float -> int casts of values the target cannot hold (NaN, inf,
        # negatives into unsigned types) implementation-defined, and ml_dtypes 0.7 changed
        # bfloat16's: only defined casts are compared (test_astype_special_floats has the rest)
        keep = defined_cast(want.T, np_dtype(other))
        assert_close(got[keep], expect[keep], other if other != "bool" else "bool")


def defined_cast(x: np.ndarray, to: np.dtype) -> np.ndarray:
    """Where casting ``x`` to ``to`` is defined by C / NumPy: everywhere unless a float goes to
    an integer type, then where the truncated value fits the type."""
    if x.dtype.kind not in "fV" or np.dtype(to).kind not in "iu":
        return np.ones(x.shape, bool)
    info = np.iinfo(to)
    with np.errstate(invalid="ignore"):
        t = np.trunc(x.astype(np.float64))
        return np.isfinite(t) & (t >= info.min) & (t <= info.max)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
def test_clip_kernel(dtype):
    """The GPU clip kernel itself: scalar, array and missing bounds, lo > hi, NaN."""
    dt = np_dtype(dtype)
    x = sample("add", dtype, (4, 5))
    if dt.kind in "fV":
        x[0, :2] = np.array([np.nan, -np.nan], np.float32).astype(dt)
    lo = np.asarray(1 if dt.kind == "u" else -1, dt)[()]
    hi = np.asarray(2, dt)[()]
    clip = KERNELS["clip"][dtype]
    with np.errstate(invalid="ignore"):
        assert_close(down(clip(up(x), lo, hi)), np.clip(x, lo, hi), dtype)
        assert_close(down(clip(up(x), hi, lo)), np.clip(x, hi, lo), dtype)  # lo > hi: hi
        assert_close(down(clip(up(x), lo, None)), np.maximum(x, lo), dtype)
        lo_a, hi_a = sample("add", dtype, (5,)), sample("add", dtype, (4, 1))
        assert_close(down(clip(up(x), up(lo_a), up(hi_a))), np.clip(x, lo_a, hi_a), dtype)


def test_tn_clip_reaches_the_gpu_kernel(monkeypatch):
    """``tn.clip`` with scalar bounds runs the GPU clip kernel (one pass), not max/min."""
    import trueno as tn
    from trueno._registry import clear_kernel_cache, load_plugins

    calls = []
    kernels = load_plugins().backends["gpu"].kernels
    real = kernels["clip"]["float32"]

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setitem(kernels, "clip", {**kernels["clip"], "float32": spy})
    clear_kernel_cache()
    try:
        x = np.linspace(-2, 2, 33, dtype=np.float32)
        got = tn.clip(tn.asarray(x, device="gpu"), -1, 0.5)
        np.testing.assert_array_equal(got.to_device("cpu"), np.clip(x, -1, 0.5))
        assert calls == [{"min": -1, "max": 0.5}]
    finally:
        monkeypatch.undo()
        clear_kernel_cache()


SPECIAL_CASTS = [np.nan, np.inf, -np.inf, 1e30, -1e30, 1e19, -1e19, 3e9, -3e9, 2147483648.0,
                 -2147483649.0, 70000.5, -70000.5, 300.5, -300.5, 128.0, -129.0, 2.5, -2.5, 0.0]


@pytest.mark.parametrize("src", [d for d in DTYPES if np_dtype(d).kind in "fV"])
def test_astype_special_floats(src):
    """NaN, infinities and out-of-range floats cast to signed ints as trueno's CPU (NumPy on
    this host) casts them; unsigned targets only in range (NumPy leaves the rest undefined)."""
    import trueno as tn

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = np.array(SPECIAL_CASTS * 4, np_dtype(src))
        for dst in (d for d in DTYPES if np_dtype(d).kind in "iu"):
            got = down(KERNELS["astype"][src](up(x), np_dtype(dst)))
            want = np.asarray(tn.asarray(x).astype(dst))
            keep = (np.ones(x.shape, bool) if np_dtype(dst).kind == "i"
                    else defined_cast(x, np_dtype(dst)))
            np.testing.assert_array_equal(got[keep], want[keep], err_msg=f"{src} -> {dst}")


def test_full_empty_roundtrip():
    for dtype in DTYPES:
        dt = np_dtype(dtype)
        a = API.full((3, 4), 1 if dtype != "bool" else True, dt, 0)
        assert_close(down(a), np.full((3, 4), 1, dt), dtype)
        e = API.empty((0, 3), dt, 0)
        assert down(e).shape == (0, 3)
        x = sample("add", dtype, (2, 3))
        r = down(up(x))
        assert r.dtype == dt and r.flags.c_contiguous
        np.testing.assert_array_equal(r, x)


def test_unsupported_dtype_error():
    from trueno_gpu import GpuDtypeError

    with pytest.raises(GpuDtypeError, match=r"(?s)timedelta64.*supported dtypes.*astype"):
        up(np.zeros(3, "m8[s]"))
    assert FLOATS


def test_copy_between_dtypes():
    dst = up(np.zeros((2, 3), np.float32))
    KERNELS["copy_"]["float32"](dst, up(np.arange(3, dtype=np.int32)))
    np.testing.assert_array_equal(down(dst), np.tile(np.arange(3, dtype=np.float32), (2, 1)))
