"""layer_norm_backward: the fused kernel of layer_norm's gradients (gx, gw, gb) vs NumPy in
float64, for every layout of x, g and the weight, and the same bits for any thread count."""

import numpy as np
import pytest

import trueno
import trueno_simd
from trueno_simd import _core as k

from conftest import FLOATS, rand, views


def np_layer_norm_backward(x, g, w, nd, eps):
    """(gx, gw, gb) in float64: gx = rstd * (h - mean(h) - xhat * mean(h * xhat)), h = g*w."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    axes = tuple(range(x.ndim - nd, x.ndim))
    lead = tuple(range(x.ndim - nd))
    mu = x.mean(axes, keepdims=True)
    rstd = 1 / np.sqrt(((x - mu) ** 2).mean(axes, keepdims=True) + eps)
    xhat = (x - mu) * rstd
    h = g * w if w is not None else g
    gx = rstd * (h - h.mean(axes, keepdims=True) - xhat * (h * xhat).mean(axes, keepdims=True))
    return gx, (g * xhat).sum(lead), g.sum(lead)


def tol(dtype):
    return {"rtol": 2e-4, "atol": 2e-4} if dtype == "float32" else {"rtol": 1e-10,
                                                                      "atol": 1e-10}


def check(x, g, w, nd, eps=1e-5):
    got = k.layer_norm_backward(x, g, w, nd, eps)
    want = np_layer_norm_backward(x, g, w, nd, eps)
    assert len(got) == 3
    for name, a, b in zip(("gx", "gw", "gb"), got, want):
        assert a.dtype == x.dtype and a.shape == b.shape and a.flags.c_contiguous, name
        np.testing.assert_allclose(a, b, err_msg=name, **tol(x.dtype.name))


@pytest.mark.parametrize("dtype", FLOATS)
def test_layer_norm_backward(dtype):
    rng = np.random.default_rng(40)
    # row lengths around the 2x8 / 2x4 lanes of the vector loop and its tails
    for shape, nd in [((4, 7), 1), ((3, 5, 33), 1), ((3, 5, 33), 2), ((2, 3, 4), 3),
                      ((9, 1), 1), ((6, 130), 1), ((3, 16), 1), ((2, 17), 1), ((31,), 1),
                      ((5, 2, 3), 0)]:
        x = rand(shape, dtype, rng, -3, 3)
        g = rand(shape, dtype, rng, -2, 2)
        w = rand(shape[len(shape) - nd:], dtype, rng, -2, 2)
        for ww in (None, w):
            for _, v in views(x):
                check(v, g, ww, nd)
            for _, gv in views(g):
                check(x, gv, ww, nd)
        for _, wv in views(w):
            check(x, g, wv, nd, eps=1e-3)


@pytest.mark.parametrize("dtype", FLOATS)
def test_broadcast_gradient(dtype):
    """g broadcast over every dim (out.sum().backward()), over the leading dims only, and
    over the normalised dims only: stride-0 rows and rows repeated."""
    rng = np.random.default_rng(41)
    x = rand((6, 5, 40), dtype, rng)
    w = rand((40,), dtype, rng)
    for g in (np.broadcast_to(np.asarray(1.5, dtype), x.shape),
              np.broadcast_to(rand((40,), dtype, rng), x.shape),
              np.broadcast_to(rand((6, 5, 1), dtype, rng), x.shape)):
        check(x, g, w, 1)
        check(x, g, None, 2)


def test_empty_and_one_element_rows():
    x = np.ones((0, 8), np.float32)
    gx, gw, gb = k.layer_norm_backward(x, x, None, 1)
    assert gx.shape == (0, 8) and gw.shape == gb.shape == (8,)
    np.testing.assert_array_equal(gw, 0)
    np.testing.assert_array_equal(gb, 0)
    x = np.ones((4, 0), np.float64)
    assert [a.shape for a in k.layer_norm_backward(x, x, None, 1)] == [(4, 0), (0,), (0,)]
    # one element per row: xhat = 0, so gx = 0 and gw = 0; gb sums g
    x = np.arange(5.0).reshape(5, 1)
    gx, gw, gb = k.layer_norm_backward(x, x + 1, None, 1)
    np.testing.assert_array_equal(gx, 0)
    np.testing.assert_array_equal(gw, [0.0])
    np.testing.assert_array_equal(gb, [15.0])


@pytest.mark.parametrize("dtype", FLOATS)
def test_threads_give_the_same_bits(dtype):
    """Rows split over the pool (above the threading threshold): each block of rows sums its
    own gw/gb, added in block order, so the thread count does not change a bit."""
    rng = np.random.default_rng(42)
    x = rand((700, 256), dtype, rng)
    g = rand((700, 256), dtype, rng)
    w = rand((256,), dtype, rng)
    n = trueno_simd.get_num_threads()
    try:
        trueno_simd.set_num_threads(1)
        one = k.layer_norm_backward(x, g, w, 1)
        trueno_simd.set_num_threads(3)
        three = k.layer_norm_backward(x, g, w, 1)
    finally:
        trueno_simd.set_num_threads(n)
    for a, b in zip(one, three):
        np.testing.assert_array_equal(a, b)
    check(x, g, w, 1)


@pytest.mark.parametrize("args, exc, match", [
    ((np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)), trueno.ShapeError,
     r"g has shape \(2, 4\), expected x's shape \(2, 3\)"),
    ((np.ones((2, 3), np.float32), np.ones((2, 3), np.float64)), trueno.DTypeError,
     "g has dtype float64, expected x's dtype float32"),
    ((np.ones((2, 3), np.int32), np.ones((2, 3), np.int32)), trueno.DTypeError,
     "x has dtype int32, expected float32 or float64"),
    ((np.ones((2, 3)), np.ones((2, 3)), np.ones(2)), trueno.ShapeError,
     r"weight has shape \(2,\), expected \(3,\)"),
    ((np.ones((2, 3)), np.ones((2, 3)), None, 3), trueno_simd.KernelArgumentError,
     r"normalized_ndim must be in \[0, 2\]"),
    ((np.ones((2, 3)), np.ones((2, 3)), None, 1, -1.0), trueno_simd.KernelArgumentError,
     "eps must be"),
])
def test_bad_arguments(args, exc, match):
    with pytest.raises(exc, match=match) as info:
        k.layer_norm_backward(*args)
    assert "trueno_simd.layer_norm_backward" in str(info.value)
