"""Fused composites vs their NumPy decompositions."""

import numpy as np
import pytest
from conftest import FLOATS, rand, views


def tol(dtype):
    return dict(rtol=2e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-13, atol=1e-15)


def np_softmax(x, axis):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def np_log_softmax(x, axis):
    x = x.astype(np.float64)
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax(k, dtype):
    rng = np.random.default_rng(30)
    for shape in [(1,), (7,), (67,), (3, 5), (4, 33, 17), (2, 1, 129), (0, 4)]:
        x = rand(shape, dtype, rng, -20, 20)
        for _, v in views(x):
            for axis in range(-len(shape), len(shape)):
                got = k.softmax(v, axis)
                assert got.dtype == np.dtype(dtype) and got.flags.c_contiguous
                if v.size == 0:
                    assert got.shape == v.shape and k.log_softmax(v, axis).shape == v.shape
                    continue
                np.testing.assert_allclose(got, np_softmax(v, axis), **tol(dtype))
                # x - max - log(sum) cancels near 0: the error is relative to |x|, not the result
                np.testing.assert_allclose(k.log_softmax(v, axis), np_log_softmax(v, axis),
                                           rtol=tol(dtype)["rtol"],
                                           atol=4e-5 if dtype == "float32" else 1e-13)
    s = np.array(2.0, dtype)
    np.testing.assert_allclose(k.softmax(s, 0), 1.0)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_large_rows(k, dtype):
    rng = np.random.default_rng(31)
    for shape, axis in [((300_000,), 0), ((2, 200_001), 1), ((200_001, 2), 0), ((64, 1000), 1)]:
        x = rand(shape, dtype, rng, -30, 30)
        # relative tolerance on tiny probabilities: compare with an absolute floor
        np.testing.assert_allclose(k.softmax(x, axis), np_softmax(x, axis), rtol=1e-5 if dtype ==
                                   "float32" else 1e-12, atol=1e-12)
        np.testing.assert_allclose(k.log_softmax(x, axis), np_log_softmax(x, axis),
                                   rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-4)


def test_softmax_special(k):
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0],
                  [1e30, 1e30, -1e30]])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(k.softmax(x, 1), np_softmax(x, 1), rtol=1e-14)
        np.testing.assert_allclose(k.log_softmax(x, 1), np_log_softmax(x, 1), rtol=1e-14)


def np_layer_norm(x, nd, w, b, eps):
    x = x.astype(np.float64)
    axes = tuple(range(x.ndim - nd, x.ndim))
    mu = x.mean(axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


@pytest.mark.parametrize("dtype", FLOATS)
def test_layer_norm(k, dtype):
    rng = np.random.default_rng(32)
    for shape, nd in [((4, 7), 1), ((3, 5, 33), 1), ((3, 5, 33), 2), ((2, 3, 4), 3), ((9, 1), 1),
                      ((0, 8), 1), ((6, 130), 1)]:
        x = rand(shape, dtype, rng, -3, 3)
        tshape = shape[len(shape) - nd:]
        w, b = rand(tshape, dtype, rng), rand(tshape, dtype, rng)
        for _, v in views(x):
            for ww, bb in [(None, None), (w, None), (None, b), (w, b)]:
                got = k.layer_norm(v, nd, ww, bb, 1e-5)
                assert got.dtype == np.dtype(dtype) and got.flags.c_contiguous
                np.testing.assert_allclose(got, np_layer_norm(v, nd, ww, bb, 1e-5),
                                           rtol=5e-5 if dtype == "float32" else 1e-11,
                                           atol=5e-5 if dtype == "float32" else 1e-11)
        for _, vw in views(w):
            np.testing.assert_allclose(k.layer_norm(x, nd, vw, b[..., ::-1], 1e-3),
                                       np_layer_norm(x, nd, w, b[..., ::-1], 1e-3),
                                       rtol=5e-5 if dtype == "float32" else 1e-11, atol=5e-5)


@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_addcmul_decomposition(k, dtype):
    rng = np.random.default_rng(33)
    x = rand((5, 67), dtype, rng, -30, 30)
    xd = x.astype(np.float64)
    np.testing.assert_allclose(k.silu(x), xd / (1 + np.exp(-xd)), **tol(dtype))
    t1, t2 = rand((67,), dtype, rng), rand((5, 1), dtype, rng)
    want = xd + 0.25 * t1.astype(np.float64) * t2.astype(np.float64)
    np.testing.assert_allclose(k.addcmul(x, t1, t2, value=0.25), want, rtol=1e-5, atol=1e-5)
