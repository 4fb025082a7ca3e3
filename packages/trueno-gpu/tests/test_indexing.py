"""take / gather / scatter_add / index / index_put vs NumPy on views and every dtype."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, WIDE, assert_close, down, layouts, np_dtype, up, view_of

RNG = np.random.default_rng(4)


def sample(dtype, shape):
    dt = np_dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(0, 20, shape).astype(dt)
    return RNG.uniform(-2, 2, shape).astype(np.float32).astype(dt)


@pytest.mark.parametrize("dtype", DTYPES)
def test_take_gather(dtype):
    x = sample(dtype, (4, 5, 6))
    results = []
    for _, xv, dx in layouts(x):
        for axis in (0, 1, 2, -1, None):
            n = xv.size if axis is None else xv.shape[axis]
            ind = RNG.integers(-n, n, (3, 2)).astype(np.int32)
            results.append((np.take(xv, ind, axis=axis),
                            KERNELS["take"][dtype](dx, up(ind), axis)))
            results.append((np.take(xv, ind[0], axis=axis),
                            KERNELS["take"][dtype](dx, ind[0].astype(np.int64), axis)))
        for axis in (0, 1, 2):
            shape = list(xv.shape)
            shape[axis] = 3
            ind = RNG.integers(0, xv.shape[axis], shape).astype(np.int32)
            results.append((np.take_along_axis(xv, ind, axis=axis),
                            KERNELS["gather"][dtype](dx, axis, up(ind))))
    for want, got in results:
        assert_close(down(got), want, dtype)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in KERNELS["scatter_add"]])
def test_scatter_add(dtype):
    x = sample(dtype, (4, 5))
    results = []
    for _, xv, dx in layouts(x):
        for axis in (0, 1):
            idx = RNG.integers(0, xv.shape[axis], (6, 5) if axis == 0 else (4, 7))
            src = sample(dtype, idx.shape)
            want = xv.astype(np.float64 if xv.dtype.kind == "f" or dtype == "bfloat16"
                             else xv.dtype).copy()
            ii = np.indices(idx.shape)
            key = list(ii)
            key[axis] = idx
            np.add.at(want, tuple(key), src.astype(want.dtype))
            got = KERNELS["scatter_add"][dtype](dx, axis, up(idx.astype(np.int32)), up(src))
            results.append((want, got))
    for want, got in results:
        g = down(got)
        r = {"float16": 1e-2, "bfloat16": 5e-2}.get(dtype, 1e-5)
        assert_close(g, want.astype(g.dtype) if g.dtype.kind in "iu" else want, dtype,
                     rtol=r, atol=r)


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_and_index_put(dtype):
    x = sample(dtype, (5, 6))
    keys = [(np.array([0, 2, -1]),), (slice(1, 4), np.array([[0, 5], [1, 1]])),
            (x.astype(np.float32) > 0.5 if x.dtype.kind == "f" else x.astype(bool),),
            (np.array([1, 3]), slice(None, None, -2)), (Ellipsis, 2)]
    for _, xv, dx in layouts(x):
        for key in keys:
            if key[0] is not Ellipsis and isinstance(key[0], np.ndarray) and \
                    key[0].dtype == bool and key[0].shape != xv.shape:
                continue
            assert_close(down(KERNELS["index"][dtype](dx, key)), xv[key], dtype)
    for accumulate in (False, True):
        base = sample(dtype, (5, 6))
        dbase = up(base)
        want = base.copy()
        key = (np.array([0, 2, 4]), slice(None, None, 2))
        val = sample(dtype, (3, 3))
        KERNELS["index_put"][dtype](view_of(dbase, base, base), key, up(val), accumulate)
        if accumulate:
            np.add.at(want, key, val)
        else:
            want[key] = val
        r = {"float16": 1e-2, "bfloat16": 5e-2}.get(dtype, 1e-5)
        assert_close(down(dbase), want, dtype, rtol=r, atol=r)
    # a transposed destination view, and a scalar value
    base = sample(dtype, (5, 6))
    dbase = up(base)
    want = base.copy()
    tv = view_of(dbase, base, base.T)
    one = np.asarray(1, np_dtype(dtype))[()]
    KERNELS["index_put"][dtype](tv, (np.array([1, 5]),), one, False)
    want.T[np.array([1, 5])] = one
    assert_close(down(dbase), want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_take_modes_take_along_axis_scatter(dtype):
    x = sample(dtype, (4, 5))
    ind = np.array([-7, -1, 0, 3, 9], np.int32)
    for mode in ("wrap", "clip"):
        got = KERNELS["take"][dtype](up(x), up(ind), 1, mode=mode)
        assert_close(down(got), np.take(x, ind, axis=1, mode=mode), dtype)
    for _, xv, dx in layouts(x):
        idx = RNG.integers(0, 4, (2, 1)).astype(np.int32)  # broadcasts along axis 1
        got = KERNELS["take_along_axis"][dtype](dx, up(idx), 0)
        assert_close(down(got), np.take_along_axis(xv, idx, axis=0), dtype)
    for reduce in (None, "add", "multiply") if dtype not in WIDE else (None,):
        idx = np.array([[0, 1, 2, 3, 0], [1, 1, 3, 2, 2]], np.int32)
        src = sample(dtype, (2, 5))
        if np_dtype(dtype).kind == "f" or dtype == "bfloat16":
            src = (1 + np.abs(src.astype(np.float32)) * 0.1).astype(src.dtype)
        want = x.astype(np.float64 if dtype in ("float16", "bfloat16") else x.dtype).copy()
        key = (idx, np.arange(5)[None, :])
        if reduce is None:
            want[key] = src
        elif reduce == "add":
            np.add.at(want, key, src.astype(want.dtype))
        else:
            np.multiply.at(want, key, src.astype(want.dtype))
        got = down(KERNELS["scatter"][dtype](up(x), 0, up(idx), up(src), reduce))
        r = {"float16": 1e-2, "bfloat16": 5e-2}.get(dtype, 1e-5)
        if reduce is None:  # column 1 writes row 1 twice: either value may win there
            cols = [0, 2, 3, 4]
            assert_close(got[:, cols], want[:, cols].astype(got.dtype), dtype)
        else:
            assert_close(got, want.astype(got.dtype) if got.dtype.kind in "biu" else want,
                         dtype, rtol=r, atol=r)
    got = down(KERNELS["scatter"][dtype](up(x), 1, up(np.array([[4], [0]], np.int32)),
                                         np.asarray(1, np_dtype(dtype))[()]))
    want = x.copy()
    want[0, 4] = 1
    want[1, 0] = 1
    assert_close(got, want, dtype)


@pytest.mark.parametrize("dtype", WIDE)
def test_accumulating_index_put_of_64_bit_dtypes(dtype):
    """No 64-bit atomics: the targets are sorted on the host and each distinct one adds its
    values in NumPy's order (float64 sums equal NumPy's bit for bit), on views too."""
    dt = np_dtype(dtype)
    vals = RNG.uniform(-1e3, 1e3, 200) if dt.kind == "f" else RNG.integers(0, 2**40, 200)
    base = sample(dtype, (7, 8))
    for _, xv, dx in layouts(base):
        want = xv.copy()
        rows = RNG.integers(-7, 7, 200)
        cols = RNG.integers(0, 4, 200)
        v = vals.astype(dt)
        KERNELS["index_put"][dtype](dx, (rows, cols), up(v), True)
        np.add.at(want, (rows, cols), v)
        np.testing.assert_array_equal(down(dx), want)
    # a broadcast scalar value, the group-by count idiom
    counts = up(np.zeros(5, dt))
    idx = np.array([0, 3, 3, 1, 3, 0])
    KERNELS["index_put"][dtype](counts, (idx,), np.asarray(1, dt)[()], True)
    np.testing.assert_array_equal(down(counts), np.bincount(idx, minlength=5).astype(dt))


@pytest.mark.parametrize("dtype", WIDE)
def test_no_64_bit_atomics(dtype):
    from trueno_gpu import GpuDtypeError

    x = up(np.zeros(4, np_dtype(dtype)))
    with pytest.raises(GpuDtypeError, match="64-bit atomics"):
        KERNELS["scatter"][dtype](x, 0, up(np.array([1, 1], np.int32)),
                                  up(np.ones(2, np_dtype(dtype))), "add")
    assert dtype not in KERNELS["scatter_add"]


def test_full_key_of_0d_device_indices_is_0d():
    """x[i, j, k] with 0-d device index arrays is one element of shape (), as NumPy's and
    PyTorch's (np.ascontiguousarray made the offsets 1-d: shape (1,))."""
    import trueno as tn
    import trueno.torch as tt

    h = np.arange(24.0).reshape(2, 3, 4)
    x = tn.asarray(h, device="gpu")
    i, j = tn.asarray(1, device="gpu"), tn.asarray(2, device="gpu")
    for key, want in (((i, j, i), h[1, 2, 1]), ((i, 1, j), h[1, 1, 2]), ((i, j), h[1, 2])):
        got = x[key]
        assert got.shape == np.shape(want)
        np.testing.assert_array_equal(np.asarray(got.to_device("cpu")), want)
    t = tt.arange(12.0).reshape(3, 4).to("cuda")
    r = t[tt.tensor(1).to("cuda"), tt.tensor(2).to("cuda")]
    assert tuple(r.shape) == () and r.item() == 6.0


def test_float_indices_never_reach_the_kernels():
    """The gather/scatter kernels take their device index arrays as they come (no dtype
    re-check): core refuses a float index tensor on the GPU before any kernel runs."""
    import trueno as tn
    import trueno.torch as torch

    x = tn.asarray(np.arange(12.0, dtype=np.float32).reshape(3, 4), device="gpu")
    fi = tn.asarray(np.array([[0.0, 1.0]], np.float32), device="gpu")
    with pytest.raises(tn.TruenoIndexError, match="indices must be integers, not float32"):
        tn.take(x, fi, axis=1)
    with pytest.raises(tn.TruenoIndexError, match="indices must be integers, not float32"):
        tn.take_along_axis(x, fi, axis=1)
    tx = torch.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), device="gpu")
    ti = torch.tensor(np.array([[0.0, 1.0]], np.float32), device="gpu")
    with pytest.raises(tn.TruenoIndexError, match="gather: indices must be integers"):
        torch.gather(tx, 1, ti)
    for fn in (torch.scatter, torch.scatter_add):
        with pytest.raises(TypeError, match="Expected dtype int64 for index, got float32"):
            fn(tx, 1, ti, tx[:1, :2])
    with pytest.raises(IndexError, match="must be of integer"):
        tx[:, ti[0]]
