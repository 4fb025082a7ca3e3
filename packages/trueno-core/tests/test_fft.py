"""trueno.fft against numpy.fft: every transform x dtype x norm x n/s/axis, the helpers, and
NumPy 2's result dtypes (float32 -> complex64, complex64 stays complex64)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, builtin_base

import trueno as tn

DTYPES = ["float32", "float64", "complex64", "complex128", "int32", "bool", "float16"]
NORMS = [None, "backward", "ortho", "forward"]
REAL_ONLY = ("rfft", "rfft2", "rfftn", "ihfft")


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-3, 3, shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.uniform(-3, 3, shape)
    if dtype == "bool":
        return a > 0
    return a.astype(dtype)


def _tol(dtype):
    if dtype == "float16":
        return (3e-3, 3e-3)
    return (1e-4, 1e-3) if dtype in ("float32", "complex64") else (1e-10, 1e-10)


def _check(tn_fn, np_fn, dtype):
    try:
        want = np_fn()
    except Exception as e:  # noqa: BLE001
        with pytest.raises(builtin_base(type(e))):
            tn_fn()
        return
    got = tn_fn()
    rtol, atol = _tol(dtype)
    assert_close(got, want, rtol=rtol, atol=atol)


# name: list of keyword sets to try (beyond the defaults)
ONE_D = {"fft": [{}, {"n": 5}, {"n": 12}, {"axis": 0}],
         "ifft": [{}, {"n": 7}, {"axis": 0}],
         "rfft": [{}, {"n": 5}, {"axis": 0}],
         "irfft": [{}, {"n": 9}, {"n": 10, "axis": 0}],
         "hfft": [{}, {"n": 7}],
         "ihfft": [{}, {"n": 6}, {"axis": 0}]}
N_D = {"fft2": [{}, {"s": (3, 5)}, {"axes": (0, 1)}],
       "ifft2": [{}, {"s": (4, 4)}],
       "rfft2": [{}, {"s": (3, 6)}],
       "irfft2": [{}, {"s": (3, 9)}],
       "fftn": [{}, {"axes": (0, 2)}, {"s": (2, 3), "axes": (1, 2)}, {"axes": (1,)}],
       "ifftn": [{}, {"axes": (-1, 0)}, {"s": (5,), "axes": (0,)}],
       "rfftn": [{}, {"axes": (0, 1)}, {"s": (3, 4, 5), "axes": (0, 1, 2)}],
       "irfftn": [{}, {"axes": (1, 2)}, {"s": (3, 4, 7), "axes": (0, 1, 2)}]}


def _cases(table):
    for name, kws in table.items():
        for i, kw in enumerate(kws):
            yield pytest.param(name, kw, id=f"{name}-{i}")


@pytest.mark.parametrize("name,kw", list(_cases(ONE_D)))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm", NORMS)
def test_one_dimensional_transforms_match_numpy(name, kw, dtype, norm):
    for shape in ((8,), (3, 6)):
        x = _data(shape, dtype)
        if "axis" in kw and len(shape) == 1:
            continue
        _check(lambda x=x: getattr(tn.fft, name)(tn.asarray(x), norm=norm, **kw),
               lambda x=x: getattr(np.fft, name)(x, norm=norm, **kw), dtype)


@pytest.mark.parametrize("name,kw", list(_cases(N_D)))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm", NORMS)
def test_n_dimensional_transforms_match_numpy(name, kw, dtype, norm):
    x = _data((2, 4, 6), dtype)
    _check(lambda: getattr(tn.fft, name)(tn.asarray(x), norm=norm, **kw),
           lambda: getattr(np.fft, name)(x, norm=norm, **kw), dtype)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "fftn", "fft2"])
def test_views_and_batches(name):
    base = _data((4, 10), "float64")
    x = base[::-1, ::2]
    assert_close(getattr(tn.fft, name)(tn.asarray(base)[::-1, ::2]),
                 getattr(np.fft, name)(x), rtol=1e-10, atol=1e-10)


def test_round_trips():
    x = _data((3, 8), "float32")
    t = tn.asarray(x)
    assert_close(tn.fft.ifft(tn.fft.fft(t)).real, x, rtol=1e-4, atol=1e-5)
    assert_close(tn.fft.irfft(tn.fft.rfft(t), n=8), x, rtol=1e-4, atol=1e-5)
    assert_close(tn.fft.irfftn(tn.fft.rfftn(t), s=x.shape), x, rtol=1e-4, atol=1e-5)
    assert tn.fft.fft(t).dtype == tn.complex64
    assert tn.fft.irfft(tn.fft.rfft(t)).dtype == tn.float32


@pytest.mark.parametrize("n", [1, 2, 5, 8])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_frequencies(n, d):
    assert_close(tn.fft.fftfreq(n, d), np.fft.fftfreq(n, d))
    assert_close(tn.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    assert tn.fft.fftfreq(n, dtype=tn.float32).dtype == tn.float32


@pytest.mark.parametrize("shape", [(7,), (8,), (3, 4), (2, 5, 3), (0,), (2, 0)], ids=str)
@pytest.mark.parametrize("axes", [None, 0, -1, (0,), (0, -1)], ids=str)
def test_shifts_match_numpy(shape, axes):
    x = np.arange(int(np.prod(shape))).reshape(shape)
    _check(lambda: tn.fft.fftshift(tn.asarray(x), axes=axes),
           lambda: np.fft.fftshift(x, axes=axes), "int64")
    _check(lambda: tn.fft.ifftshift(tn.asarray(x), axes=axes),
           lambda: np.fft.ifftshift(x, axes=axes), "int64")


def test_errors():
    with pytest.raises(ValueError, match="norm"):
        tn.fft.fft(np.ones(4), norm="bogus")
    with pytest.raises(ValueError, match="FFT data points"):
        tn.fft.fft(np.ones(4), n=0)
    with pytest.raises(ValueError, match="FFT data points"):
        tn.fft.fft(np.ones((2, 0)))
    with pytest.raises(tn.DTypeError):
        tn.fft.rfft(np.ones(4, dtype=complex))
    with pytest.raises(ValueError, match="different lengths"):
        tn.fft.fftn(np.ones((2, 2)), s=(2,), axes=(0, 1))
    with pytest.raises(tn.AxisError):
        tn.fft.fft(np.ones(4), axis=1)


def test_docstring_examples_run():
    import doctest
    import importlib
    mod = importlib.import_module("trueno.fft")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
