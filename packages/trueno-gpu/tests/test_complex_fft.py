"""complex64/complex128 storage and the complex kernels against NumPy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import API, KERNELS, down, layouts, up, view_of


def _cdtypes():
    try:
        have = API.dtypes(0)
    except Exception:  # no adapter: conftest skips every test
        return ["complex64"]
    return [d for d in ("complex64", "complex128") if d in have]


CDTYPES = _cdtypes()
TOL = {"complex64": 1e-5, "complex128": 1e-12, "float32": 1e-5, "float64": 1e-12}
NORMS = ("backward", "ortho", "forward")


def cplx(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def real_of(dtype):
    return "float32" if dtype == "complex64" else "float64"


def close(got, want, dtype):
    """Max error relative to max|want| within the dtype's FFT tolerance; dtypes must match."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    scale = max(float(np.max(np.abs(want), initial=0.0)), 1e-30)
    err = float(np.max(np.abs(got - want), initial=0.0)) / scale
    assert err < TOL[dtype], err


# -- storage and elementwise kernels -----------------------------------------------------------
@pytest.mark.parametrize("dtype", CDTYPES)
def test_roundtrip_and_views(dtype):
    x = cplx(np.random.default_rng(0), (3, 5), dtype)
    for name, v, dv in layouts(x):
        np.testing.assert_array_equal(down(dv), v, err_msg=name)
    assert down(API.empty((0, 2), dtype, 0)).shape == (0, 2)
    np.testing.assert_array_equal(down(API.full((2, 3), 1 - 2j, dtype, 0)),
                                  np.full((2, 3), 1 - 2j, dtype))


@pytest.mark.parametrize("dtype", CDTYPES)
def test_elementwise(dtype):
    rng = np.random.default_rng(1)
    a, b = cplx(rng, (3, 4), dtype), cplx(rng, (4,), dtype)
    s = np.dtype(dtype).type(0.5 - 2j)
    rtol = 1e-6 if dtype == "complex64" else 1e-14
    for name, av, da in layouts(a):
        for op in ("add", "subtract", "multiply", "divide", "equal", "not_equal"):
            f = getattr(np, op)
            for args, dargs in (((av, b), (da, up(b))), ((av, s), (da, s)), ((s, av), (s, da))):
                got = down(KERNELS[op][dtype](*dargs))
                want = f(*args)
                assert got.dtype == want.dtype, (op, got.dtype)
                np.testing.assert_allclose(got, want, rtol=rtol, err_msg=f"{op} {name}")
        for op in ("negative", "positive", "conj", "square", "reciprocal", "real", "imag",
                   "abs", "isnan", "isinf", "isfinite"):
            got, want = down(KERNELS[op][dtype](da)), getattr(np, op)(av)
            assert got.dtype == want.dtype, (op, got.dtype)
            np.testing.assert_allclose(got, want, rtol=rtol, err_msg=f"{op} {name}")
    special = np.array([complex(np.nan, 1), complex(1, np.inf), 0j, 1 + 1j], dtype)
    for op in ("isnan", "isinf", "isfinite", "abs"):
        np.testing.assert_array_equal(down(KERNELS[op][dtype](up(special))),
                                      getattr(np, op)(special), err_msg=op)
    z = np.array([1 + 1j, 0j, -2 + 0j], dtype)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(down(KERNELS["divide"][dtype](up(z), up(np.zeros(3, dtype)))),
                                      z / np.zeros(3, dtype))


@pytest.mark.parametrize("dtype", CDTYPES)
def test_astype_copy_where_reductions(dtype):
    rng = np.random.default_rng(2)
    x = cplx(rng, (4, 6), dtype)
    base = np.ascontiguousarray(x.T)
    v = base.T[:, ::-1]
    dv = view_of(up(base), base, v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        for tgt in ("complex64", "complex128", "float32", "float64", "int32", "bool", "float16"):
            if tgt in API.dtypes(0):
                got = down(KERNELS["astype"][dtype](dv, np.dtype(tgt)))
                np.testing.assert_allclose(got, v.astype(tgt), rtol=1e-3, err_msg=tgt)
    for src in ("float32", "int32", "bool", "uint8"):
        r = rng.integers(-3, 4, (5,)).astype(src)
        np.testing.assert_array_equal(down(KERNELS["astype"][src](up(r), np.dtype(dtype))),
                                      r.astype(dtype))
    d = up(x.copy())
    view = view_of(d, x, x[1:3, ::2])
    KERNELS["copy_"][dtype](view, np.dtype(dtype).type(7 + 1j))
    want = x.copy()
    want[1:3, ::2] = 7 + 1j
    np.testing.assert_array_equal(down(d), want)
    KERNELS["copy_"][dtype](view, up(x[0, ::2]))
    want[1:3, ::2] = x[0, ::2]
    np.testing.assert_array_equal(down(d), want)
    cond = rng.random((4, 6)) > 0.5
    np.testing.assert_array_equal(down(KERNELS["where"][dtype](up(cond), up(x), np.dtype(
        dtype).type(2j))), np.where(cond, x, np.dtype(dtype).type(2j)))
    rtol = 1e-5 if dtype == "complex64" else 1e-13
    for axes, keep in (((0,), False), ((0, 1), True), ((1,), True)):
        np.testing.assert_allclose(down(KERNELS["sum"][dtype](dv, axes, keep)),
                                   v.sum(axis=axes, keepdims=keep), rtol=rtol)
        np.testing.assert_allclose(down(KERNELS["mean"][dtype](dv, axes, keep)),
                                   v.mean(axis=axes, keepdims=keep), rtol=rtol)
