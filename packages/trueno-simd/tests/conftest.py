"""Shared helpers: strided views of test data (transposed, negative-stride, unaligned, ...)."""

import numpy as np
import pytest

from trueno_simd import _core

FLOATS = ("float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
ALL = FLOATS + INTS
# sizes around the vector widths (4/8/16 lanes) and the kernels' block sizes
SIZES = (*range(0, 35), 47, 63, 64, 65, 66, 67, 127, 129, 255, 257, 1000, 1031)


@pytest.fixture(scope="session")
def k():
    return _core


def rand(shape, dtype, rng=None, low=None, high=None):
    """Random values covering the dtype (ints: full range, floats: a moderate range)."""
    rng = rng or np.random.default_rng(0)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        lo = -5.0 if low is None else low
        hi = 5.0 if high is None else high
        return rng.uniform(lo, hi, size=shape).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    info = np.iinfo(dt)
    lo = info.min if low is None else low
    hi = info.max if high is None else high
    return rng.integers(lo, hi, size=shape, dtype=dt, endpoint=True)


def unaligned(a):
    """Copy of `a` whose data starts one byte past an aligned address."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    v = buf[1 : 1 + a.nbytes].view(a.dtype).reshape(a.shape)
    v[...] = a
    return v


def views(a):
    """(name, array) pairs: the same values laid out in different memory orders."""
    out = [("contig", a), ("unaligned", unaligned(a))]
    if a.ndim >= 1 and a.size:
        rev = np.ascontiguousarray(a[..., ::-1])[..., ::-1]
        out.append(("negstride", rev))
        big = np.zeros(a.shape[:-1] + (a.shape[-1] * 2,), a.dtype)
        big[..., ::2] = a
        out.append(("strided", big[..., ::2]))
    if a.ndim >= 2:
        out.append(("transposed", np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)))
    return out
