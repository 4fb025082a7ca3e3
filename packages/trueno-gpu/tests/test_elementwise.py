"""Elementwise kernels vs NumPy on every dtype, shape and layout (views built by hand),
generated from the op table: every broadcasting row with a GPU kernel, its samples drawn from
the row's domain and compared with the row's NumPy reference (``gpu_rows``), so a new row is
tested here with no edit."""

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
from gpu_rows import OPS, elementwise_rows, reference, sample

RNG = np.random.default_rng(0)
SHAPES = [(), (0,), (5,), (3, 7), (2, 3, 5)]
ADD = OPS["add"]  # data of the plain kernels' tests: the "real" domain


@pytest.mark.parametrize("row,dtype", elementwise_rows(1, KERNELS, DTYPES), ids=str)
def test_unary(row, dtype):
    results = []
    for shape in SHAPES:
        x = sample(row, dtype, shape, RNG)
        for _, xv, dx in layouts(x):
            results.append((xv, KERNELS[row.name][dtype](dx)))
    for xv, got in results:
        want = reference(row, xv)
        assert got.dtype == want.dtype, (row, dtype, got.dtype, want.dtype)
        assert_close(down(got), want, dtype)


@pytest.mark.parametrize("row,dtype", elementwise_rows(2, KERNELS, DTYPES), ids=str)
def test_binary(row, dtype):
    pairs = [((), ()), ((0,), (1,)), ((7,), (7,)), ((3, 7), (7,)), ((3, 1), (1, 5)),
             ((2, 3, 5), (3, 1))]
    fn = KERNELS[row.name][dtype]
    results = []
    for sa, sb in pairs:
        a = sample(row, dtype, sa, RNG)
        b = sample(row, dtype, sb, RNG, 1)
        for (_, av, da), (_, bv, db) in zip(layouts(a), layouts(b)[::-1]):
            results.append((av, bv, fn(da, db)))
        # a scalar operand, on either side (each drawn from its input's domain)
        s1 = sample(row, dtype, (), RNG, 1)[()]
        s0 = sample(row, dtype, (), RNG)[()]
        results.append((a, s1, fn(up(a), s1)))
        results.append((s0, b, fn(s0, up(b))))
    for av, bv, got in results:
        want = reference(row, np.asarray(av), np.asarray(bv))
        assert got.dtype == want.dtype, (row, dtype, got.dtype, want.dtype)
        assert_close(down(got), want, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_rounding_ties(dtype):
    """floor / ceil / round / trunc on exact quarters: the halves are round-half-even ties."""
    x = (np.arange(-24, 25) / 4).astype(np_dtype(dtype))
    for name in ("floor", "ceil", "round", "trunc"):
        assert_close(down(KERNELS[name][dtype](up(x))), reference(OPS[name], x), dtype)


def test_special_values_float32():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, 88.0, -100.0], np.float32)
    dx = up(x)
    for op in ("isnan", "isinf", "isfinite", "exp", "tanh", "sigmoid", "abs", "sign", "expm1"):
        assert_close(down(KERNELS[op]["float32"](dx)), reference(OPS[op], x), "float32")
    y = np.array([1.0, np.nan, 2.0, -np.inf, 3.0, 0.0, 1.0, np.nan], np.float32)
    for op in ("maximum", "minimum", "hypot", "logaddexp", "copysign"):
        got = down(KERNELS[op]["float32"](dx, up(y)))
        assert_close(got, reference(OPS[op], x, y), "float32")


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
    x = sample(ADD, dtype, (4, 5), RNG)
    y = sample(ADD, dtype, (5,), RNG)
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
    base = sample(ADD, dtype, (4, 5), RNG)
    dbase = up(base)
    view = base[1:3, ::2]
    dview = view_of(dbase, base, view)
    src = sample(ADD, dtype, (3,), RNG)
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
    x = sample(ADD, dtype, (4, 5), RNG)
    if dt.kind in "fV":
        x[0, :2] = np.array([np.nan, -np.nan], np.float32).astype(dt)
    lo = np.asarray(1 if dt.kind == "u" else -1, dt)[()]
    hi = np.asarray(2, dt)[()]
    clip = KERNELS["clip"][dtype]
    with np.errstate(invalid="ignore"):
        assert_close(down(clip(up(x), lo, hi)), np.clip(x, lo, hi), dtype)
        assert_close(down(clip(up(x), hi, lo)), np.clip(x, hi, lo), dtype)  # lo > hi: hi
        assert_close(down(clip(up(x), lo, None)), np.maximum(x, lo), dtype)
        lo_a, hi_a = sample(ADD, dtype, (5,), RNG), sample(ADD, dtype, (4, 1), RNG)
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
        x = sample(ADD, dtype, (2, 3), RNG)
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
