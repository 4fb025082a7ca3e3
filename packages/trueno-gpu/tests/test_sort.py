"""sort / argsort vs NumPy's stable sort: ties, NaN, descending, views, odd lengths."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, IDX, KERNELS, assert_close, down, layouts, np_dtype

RNG = np.random.default_rng(5)


def sample(dtype, shape):
    dt = np_dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(0, 6, shape).astype(dt)  # many ties
    x = (RNG.integers(-8, 8, shape) / 4).astype(np.float32)
    if x.size > 4:
        x.reshape(-1)[[1, x.size // 2]] = np.nan
    return x.astype(dt)


def np_argsort(x, axis, descending):
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    rev = np.flip(x, axis=axis)
    return np.flip(n - 1 - np.argsort(rev, axis=axis, kind="stable"), axis=axis)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_argsort(dtype):
    results = []
    for shape, axis in [((), 0), ((0,), 0), ((1,), 0), ((7,), 0), ((5, 6), 0), ((5, 6), 1),
                        ((3, 4, 5), 1), ((2, 1000), -1), ((3000,), 0)]:
        x = sample(dtype, shape)
        for _, xv, dx in layouts(x)[: 1 if x.size > 1000 else 3]:
            for desc in (False, True):
                results.append((xv, axis, desc, KERNELS["sort"][dtype](dx, axis, desc),
                                KERNELS["argsort"][dtype](dx, axis, desc)))
    for xv, axis, desc, s, a in results:
        if xv.ndim == 0:
            assert down(a) == 0 and down(s) == xv
            continue
        # NOTE: ml_dtypes' bfloat16 sorts NaN like any value; compare through float32.
        want_i = np_argsort(xv.astype(np.float32) if dtype == "bfloat16" else xv, axis, desc)
        got_i = down(a)
        assert got_i.dtype == IDX
        np.testing.assert_array_equal(got_i, want_i)
        assert_close(down(s), np.take_along_axis(xv, want_i, axis=axis), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_partition(dtype):
    """partition / argpartition have no GPU kernel: their decompositions (a stable sort /
    argsort, issue 13) run on the GPU."""
    import trueno as tn

    x = sample(dtype, (4, 9))
    for kth in (0, 4, (1, 7)):
        for axis in (0, 1):
            t = tn.asarray(x, device="gpu")
            if max(np.atleast_1d(kth)) >= x.shape[axis]:  # NumPy's ValueError
                with pytest.raises(ValueError, match="out of bounds"):
                    tn.partition(t, kth, axis=axis)
                continue
            got = np.asarray(tn.partition(t, kth, axis=axis).to_device("cpu"))
            idx = np.asarray(tn.argpartition(t, kth, axis=axis).to_device("cpu"))
            assert got.dtype == x.dtype and idx.dtype == np.int64
            key = x.astype(np.float32) if dtype == "bfloat16" else x
            for k in np.atleast_1d(kth):
                k = min(int(k), x.shape[axis] - 1)
                want = np.take(np.sort(key, axis=axis), k, axis=axis)
                g = np.take(got, k, axis=axis)
                assert_close(g.astype(np.float32) if dtype == "bfloat16" else g, want,
                             dtype if dtype != "bfloat16" else "float32")
                gi = np.take_along_axis(key, idx, axis=axis)
                assert_close(np.take(gi, k, axis=axis), want, dtype if dtype != "bfloat16"
                             else "float32")
