"""``clip``: which path it takes (the row's kernel or maximum/minimum) and NumPy's results."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno._registry import clear_kernel_cache, load_plugins


@pytest.fixture
def clip_calls(monkeypatch):
    """Calls of the reference backend's clip kernel (the CPU's only clip kernel)."""
    calls = []
    kernels = load_plugins().backends["reference"].kernels
    real = kernels["clip"]

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setitem(kernels, "clip", spy)
    clear_kernel_cache()
    yield calls
    monkeypatch.undo()
    clear_kernel_cache()


@pytest.mark.parametrize("dtype, lo, hi", [
    ("float32", -1, 0.5), ("float64", None, 0.25), ("int32", 1, 3), ("int8", 1, 300),
    ("uint8", 2, None), ("float16", -0.5, 0.5)])
def test_scalar_bounds_use_the_clip_kernel(clip_calls, dtype, lo, hi):
    x = np.linspace(-4, 4, 17).astype(dtype) if dtype != "uint8" else np.arange(17, dtype=dtype)
    got = tn.clip(tn.asarray(x), lo, hi)
    want = np.clip(x, lo, min(hi, 127) if dtype == "int8" else hi)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), want)
    assert len(clip_calls) == 1


@pytest.mark.parametrize("x, lo, hi", [
    (np.arange(6, dtype=np.int8), 0.5, None),      # a float bound promotes an int array
    (np.arange(6.0), np.array([1.0, 2, 3, 4, 5, 6]), 4.5),   # an array bound
    (np.array([True, False]), False, True),         # bool: maximum/minimum
])
def test_promoting_bounds_decompose(clip_calls, x, lo, hi):
    got = tn.clip(tn.asarray(x), lo if np.isscalar(lo) else tn.asarray(lo), hi)
    want = np.clip(x, lo, hi)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), want)
    assert clip_calls == []


def test_clip_row_decomposes_where_there_is_no_kernel(monkeypatch):
    """A device without a clip kernel runs the row's decomposition (maximum then minimum)."""
    kernels = load_plugins().backends["reference"].kernels
    monkeypatch.delitem(kernels, "clip")
    clear_kernel_cache()
    try:
        x = np.array([-3.0, np.nan, 0.2, 7.0])
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(np.asarray(tn.clip(tn.asarray(x), -1, 1)),
                                          np.clip(x, -1, 1))
    finally:
        monkeypatch.undo()
        clear_kernel_cache()


@pytest.mark.parametrize("lo, hi", [(0, 1), (None, 0.5), (2, None)])
def test_zero_d(clip_calls, lo, hi):
    """0-d input (np.maximum of a 0-d array is a scalar, which the kernel must take)."""
    got = tn.clip(tn.asarray(1.0), lo, hi)
    np.testing.assert_array_equal(np.asarray(got), np.clip(np.asarray(1.0), lo, hi))
    assert len(clip_calls) == 1
