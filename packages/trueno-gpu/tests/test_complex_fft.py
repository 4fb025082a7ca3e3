"""complex64/complex128 storage, the complex kernels and the FFT kernels against NumPy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import trueno as tn
from conftest import API, CDTYPES, KERNELS, down, layouts, up, view_of

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


# -- FFT kernels -------------------------------------------------------------------------------
LENGTHS = [1, 2, 3, 5, 8, 16, 17, 100, 128, 1000, 4096]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype", CDTYPES)
def test_fft_lengths(dtype, n):
    x = cplx(np.random.default_rng(n), (2, n), dtype)
    dx = up(x)
    for norm in NORMS:
        close(down(KERNELS["fft_fftn"][dtype](dx, None, (1,), norm)), np.fft.fft(x, norm=norm),
              dtype)
        close(down(KERNELS["fft_ifftn"][dtype](dx, None, (1,), norm)),
              np.fft.ifft(x, norm=norm), dtype)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_fftn_axes_and_s(dtype):
    rng = np.random.default_rng(3)
    x = cplx(rng, (6, 5, 8), dtype)
    dx = up(x)
    for s, axes in ((None, (0, 1, 2)), (None, (0, 2)), ((4, 9), (2, 0)), ((7,), (1,)),
                    ((3, 80), (0, 2)), (None, (1, 1))):
        for op, f in (("fft_fftn", np.fft.fftn), ("fft_ifftn", np.fft.ifftn)):
            close(down(KERNELS[op][dtype](dx, s, axes, "ortho")), f(x, s=s, axes=axes,
                                                                     norm="ortho"), dtype)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_fft_strided_inputs(dtype):
    x = cplx(np.random.default_rng(4), (12, 17), dtype)
    for _name, v, dv in layouts(x):
        for ax in (0, 1):
            close(down(KERNELS["fft_fftn"][dtype](dv, None, (ax,), "backward")),
                  np.fft.fft(v, axis=ax), dtype)
    r = x.real.astype(real_of(dtype))
    for _name, v, dv in layouts(r):
        close(down(KERNELS["fft_rfftn"][real_of(dtype)](dv, None, (0, 1), "forward")),
              np.fft.rfftn(v, norm="forward"), dtype)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_real_input_dtypes(dtype):
    r = np.random.default_rng(5).standard_normal((3, 24)).astype(real_of(dtype))
    got = down(KERNELS["fft_fftn"][real_of(dtype)](up(r), None, (1,), "backward"))
    close(got, np.fft.fft(r), dtype)
    got = down(KERNELS["fft_ifftn"][real_of(dtype)](up(r), (30,), (0,), "backward"))
    close(got, np.fft.ifft(r, n=30, axis=0), dtype)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 17, 100, 129])
@pytest.mark.parametrize("dtype", CDTYPES)
def test_rfft_irfft(dtype, n):
    rd = real_of(dtype)
    rng = np.random.default_rng(n)
    r = rng.standard_normal((2, n)).astype(rd)
    for norm in NORMS:
        spec = KERNELS["fft_rfftn"][rd](up(r), None, (1,), norm)
        close(down(spec), np.fft.rfft(r, norm=norm), dtype)
        back = down(KERNELS["fft_irfftn"][dtype](spec, (n,), (1,), norm))
        close(back, r, rd)  # round trip, odd n included
    c = cplx(rng, (2, n // 2 + 1), dtype)
    for s in (None, (n,), (n + 3,), (max(n - 3, 1),)):
        if s is None and n // 2 + 1 == 1:
            continue  # irfft of one term with the default length 0 is an error
        close(down(KERNELS["fft_irfftn"][dtype](up(c), s, (1,), "backward")),
              np.fft.irfft(c, n=None if s is None else s[0]), rd)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_rfftn_irfftn_nd(dtype):
    rd = real_of(dtype)
    r = np.random.default_rng(6).standard_normal((5, 6, 9)).astype(rd)
    for s, axes in ((None, (0, 1, 2)), ((4, 12), (0, 2)), ((8, 3), (2, 1))):
        spec = KERNELS["fft_rfftn"][rd](up(r), s, axes, "backward")
        close(down(spec), np.fft.rfftn(r, s=s, axes=axes), dtype)
        sp = np.fft.rfftn(r, s=s, axes=axes)
        close(down(KERNELS["fft_irfftn"][dtype](up(sp), s, axes, "ortho")),
              np.fft.irfftn(sp, s=s, axes=axes, norm="ortho"), rd)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_hfft_ihfft(dtype):
    rd = real_of(dtype)
    rng = np.random.default_rng(7)
    c = cplx(rng, (4, 9), dtype)
    r = rng.standard_normal((4, 9)).astype(rd)
    for norm in NORMS:
        for n in (None, 16, 5, 101):
            close(down(KERNELS["fft_hfft"][dtype](up(c), n, 1, norm)),
                  np.fft.hfft(c, n=n, axis=1, norm=norm), rd)
            close(down(KERNELS["fft_hfft"][rd](up(r), n, 0, norm)),
                  np.fft.hfft(r, n=n, axis=0, norm=norm), rd)
        for n in (None, 4, 12, 70):
            close(down(KERNELS["fft_ihfft"][rd](up(r), n, 1, norm)),
                  np.fft.ihfft(r, n=n, axis=1, norm=norm), dtype)


# -- through the public API --------------------------------------------------------------------
def test_public_api():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 12)).astype(np.float32)
    t = tn.asarray(x, device="gpu")
    y = tn.fft.fft(t)
    assert y.device == t.device and y.dtype == tn.complex64
    close(y.numpy(), tn.fft.fft(tn.asarray(x)).numpy(), "complex64")
    back = tn.fft.ifft(y)
    assert back.device == t.device
    close(back.numpy(), x.astype(np.complex64), "complex64")
    close(tn.fft.irfft2(tn.fft.rfft2(t), s=x.shape).numpy(), x, "float32")
    c = tn.asarray(x + 2j * x, device="gpu")
    assert c.dtype == tn.complex64 and c.numpy().dtype == np.complex64
    np.testing.assert_allclose((c * c.conj()).real.numpy(), 5 * x * x, rtol=1e-6)
    assert "complex64" in repr(c[:1, :2]) and "gpu" in repr(c[:1, :2])
    assert "j" in repr(c[:1, :2])
    cx = x + 2j * x
    np.testing.assert_array_equal(tn.fft.fftshift(c).numpy(), np.fft.fftshift(cx))
    np.testing.assert_array_equal(tn.fft.ifftshift(c, axes=1).numpy(),
                                  np.fft.ifftshift(cx, axes=1))
    c[1, 2] = 5j
    cx[1, 2] = 5j
    np.testing.assert_array_equal(c.numpy(), cx.astype(np.complex64))
    h = tn.fft.fftn(tn.asarray(x.astype(np.float16), device="gpu"), axes=(0,))
    assert h.dtype == tn.complex64
    close(h.numpy(), np.fft.fftn(x.astype(np.float16), axes=(0,)), "complex64")
