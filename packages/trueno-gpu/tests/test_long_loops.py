"""Kernels on inputs long enough that one invocation looping over them would pass lavapipe's
limit of 65,535 loop iterations per invocation (Mesa's loop limiter stops the loops silently).

Each test runs a size past the old limit against NumPy, plus normal sizes through the same
code path, so real GPUs and lavapipe compute the same thing.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, assert_close, down, layouts, np_dtype, up


def _scan_want(op, xv, axis):
    return getattr(np, op)(xv.astype(np.float64) if xv.dtype.kind in "fV" else xv, axis=axis)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scan_long_line_exact(op):
    """2M elements on one line (one workgroup used to stop after ~1.8M)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, 2_000_000).astype(np.int32)
    if op == "cumprod":
        x = np.where(rng.random(x.size) < 0.5, -1, 1).astype(np.int32)
    got = down(KERNELS[op]["int32"](up(x), 0))
    np.testing.assert_array_equal(got, getattr(np, op)(x).astype(got.dtype))


def test_scan_long_float_and_complex():
    """float32 and complex64 partial sums along 2M elements stay float32-accurate."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1.5, 2_000_000).astype(np.float32)
    got = down(KERNELS["cumsum"]["float32"](up(x), 0))
    want = np.cumsum(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    z = (x[:1_000_000] + 1j * x[1_000_000:]).astype(np.complex64)
    got = down(KERNELS["cumsum"]["complex64"](up(z), 0))
    want = np.cumsum(z.astype(np.complex128))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_scan_long_strided_axis():
    """A long axis with a stride (axis 0 of a (300001, 3) array, and its reverse)."""
    x = np.random.default_rng(2).integers(-5, 6, (300_001, 3)).astype(np.int32)
    for name, xv, dx in layouts(x):
        got = down(KERNELS["cumsum"]["int32"](dx, 0))
        np.testing.assert_array_equal(got, np.cumsum(xv, axis=0).astype(got.dtype), name)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", DTYPES + ["complex64"])
def test_scan_chunked_dtypes(op, dtype):
    """The multi-workgroup path (few lines of 20,000+) for every dtype and layout."""
    rng = np.random.default_rng(3)
    shape = (2, 20_011)
    if dtype == "complex64":
        x = (np.exp(1j * rng.uniform(-3, 3, shape)) * (1.00005 if op == "cumprod" else 1))
        x = x.astype(np.complex64)
    elif op == "cumprod" and (np_dtype(dtype).kind == "f" or dtype == "bfloat16"):
        x = (1 + rng.uniform(-1, 1, shape) * 1e-4).astype(np_dtype(dtype))
    elif op == "cumprod":
        x = np.minimum(rng.integers(0, 2, shape), 1).astype(np_dtype(dtype))
        x[:, 5] = 1
    elif dtype == "bool":
        x = rng.integers(0, 2, shape).astype(bool)
    else:
        x = rng.integers(0, 4, shape).astype(np_dtype(dtype))
    for axis in (1, -1):
        for name, xv, dx in layouts(x):
            g = down(KERNELS[op][dtype](dx, axis))
            want = _scan_want(op, xv, axis)
            r = {"float16": 5e-3, "bfloat16": 3e-2}.get(dtype, 1e-4)
            if dtype == "complex64":
                np.testing.assert_allclose(g, want, rtol=r, atol=r * 10, err_msg=name)
            else:
                assert_close(g, want.astype(g.dtype) if g.dtype.kind != "f" else want, dtype,
                             rtol=r, atol=r * 10 * max(1, np.abs(want).max() / 1000))


def test_complex_prod_long():
    """complex64 prod of the largest array one binding holds (16M elements: one workgroup
    used to stop after 65,535 * 256), and of few long rows of a strided view."""
    n = 16_777_216
    z = np.ones(n, np.complex64)
    z[n // 2], z[-1] = -1, 1j
    np.testing.assert_array_equal(down(KERNELS["prod"]["complex64"](up(z), None, False)), -1j)
    rng = np.random.default_rng(4)
    x = rng.choice(np.array([1, -1, 1j, -1j], np.complex64), (3, 30_001))
    for name, xv, dx in layouts(x):
        for axis, keep in ((1, False), (1, True), (None, False)):
            got = down(KERNELS["prod"]["complex64"](dx, axis, keep))
            np.testing.assert_array_equal(got, np.prod(xv, axis=axis, keepdims=keep), name)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_scatter_add_contended(dtype):
    """4M adds into one slot: the float compare-exchange loop retries under contention, yet
    every add lands (no retry loop runs into lavapipe's iteration limit)."""
    n = 4_000_000
    got = down(KERNELS["scatter_add"][dtype](up(np.zeros(3, dtype)), 0,
                                             up(np.zeros(n, np.int32)), up(np.ones(n, dtype))))
    np.testing.assert_array_equal(got, np.array([n, 0, 0], dtype))
