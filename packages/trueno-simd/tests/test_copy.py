"""copy_, contiguous and concat vs NumPy: every registered dtype, every layout (transposed,
negative strides, unaligned, strided), broadcasting, overlapping views, threaded sizes."""

import numpy as np
import pytest
import trueno
from conftest import ALL, rand, views

DTYPES = ALL + ("float16", "bool")


def _data(shape, dtype, seed=0):
    return rand(shape, dtype, np.random.default_rng(seed))


@pytest.mark.parametrize("dtype", DTYPES)
def test_contiguous_every_layout(k, dtype):
    for shape in [(), (0,), (7,), (3, 5), (2, 3, 33), (300, 700)]:
        for name, v in views(_data(shape, dtype)):
            got = k.contiguous(v)
            assert got.flags.c_contiguous and got.dtype == v.dtype, name
            np.testing.assert_array_equal(got, v, err_msg=name)
            if v.size:
                assert not np.shares_memory(got, v)


@pytest.mark.parametrize("dtype", DTYPES)
def test_copy_into_views_with_broadcast(k, dtype):
    for dshape, sshape in [((4, 5), (4, 5)), ((4, 5), (5,)), ((4, 5), (4, 1)), ((4, 5), ()),
                           ((3, 400, 300), (400, 1)), ((0, 3), (3,))]:
        src = _data(sshape, dtype, 1)
        for dname, dview in views(np.zeros(dshape, dtype)):
            for sname, sv in views(src):
                want = np.array(dview)
                want[...] = sv
                got = k.copy_(dview, sv)
                assert got is dview
                np.testing.assert_array_equal(dview, want, err_msg=f"{dname} <- {sname}")


def test_copy_into_a_slice_of_a_larger_array(k):
    x = _data((6, 8), "float32")
    want = x.copy()
    want[1:5:2, ::-3] = 7.5
    k.copy_(x[1:5:2, ::-3], np.float32(7.5))
    np.testing.assert_array_equal(x, want)


@pytest.mark.parametrize("shift", [1, -1, 3])
def test_copy_between_overlapping_views_reads_first(k, shift):
    # x[1:] = x[:-1] and the like: NumPy's result (the source as it was before the copy)
    for n in (10, 200_003):
        x = np.arange(n, dtype=np.float64)
        want = x.copy()
        if shift > 0:
            want[shift:] = want[:-shift].copy()
            k.copy_(x[shift:], x[:-shift])
        else:
            want[:shift] = want[-shift:].copy()
            k.copy_(x[:shift], x[-shift:])
        np.testing.assert_array_equal(x, want)
    m = np.arange(36.0).reshape(6, 6)
    want = m.T.copy()
    k.copy_(m, m.T)
    np.testing.assert_array_equal(m, want)
    same = np.arange(5.0)
    k.copy_(same, same)
    np.testing.assert_array_equal(same, np.arange(5.0))


def test_copy_other_dtype_casts_as_numpy(k):
    d = np.zeros(4, np.float32)
    k.copy_(d, np.array([1.5, 2.5, -3.0, 4.0]))
    np.testing.assert_array_equal(d, [1.5, 2.5, -3.0, 4.0])
    i = np.zeros(3, np.int32)
    k.copy_(i, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(i, [1, 2, 3])


def test_copy_errors(k):
    with pytest.raises(trueno.ShapeError, match="do not broadcast"):
        k.copy_(np.zeros((4, 5)), np.zeros(3))
    with pytest.raises(trueno.ShapeError, match="could not broadcast src of shape"):
        k.copy_(np.zeros((1, 5)), np.zeros((4, 5)))
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        k.copy_(ro, np.ones(3))
    with pytest.raises(TypeError, match="dst must be a numpy array"):
        k.copy_([1.0, 2.0], np.ones(2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_concat_any_axis_any_layout(k, dtype):
    rng = np.random.default_rng(2)
    for shape, axis in [((3, 5), 0), ((3, 5), 1), ((3, 5), -1), ((2, 3, 4), 1), ((7,), 0),
                        ((64, 16, 14, 14), 1), ((300, 400), 0)]:
        parts = []
        for n in (1, 3, 0, 2):
            s = list(shape)
            s[axis] = n
            parts.append(rand(tuple(s), dtype, rng))
        layouts = [dict(views(p)) for p in parts]
        for name in ("contig", "unaligned", "negstride", "strided", "transposed"):
            vs = [lay.get(name, p) for lay, p in zip(layouts, parts)]
            got = k.concat(*vs, axis=axis)
            assert got.flags.c_contiguous and got.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(got, np.concatenate(vs, axis=axis), err_msg=name)


def test_concat_stack_pattern_and_broadcast_inputs(k):
    # trueno's stack: concat of expanded views along a new axis (max_pool2d's taps)
    x = _data((8, 4, 10, 10), "float32")
    taps = [x[:, :, i::2, j::2][..., None] for i in range(2) for j in range(2)]
    np.testing.assert_array_equal(k.concat(*taps, axis=-1), np.stack([t[..., 0] for t in taps],
                                                                      -1))
    b = np.broadcast_to(np.float32(3.0), (2, 3))
    np.testing.assert_array_equal(k.concat(b, np.ones((2, 1), np.float32), axis=1),
                                  [[3, 3, 3, 1]] * 2)


def test_concat_mixed_dtypes_and_errors(k):
    got = k.concat(np.ones(2, np.float32), np.arange(2.0), axis=0)
    np.testing.assert_array_equal(got, np.concatenate([np.ones(2, np.float32), np.arange(2.0)]))
    with pytest.raises(trueno.ShapeError, match="along dimension 1"):
        k.concat(np.zeros((2, 3)), np.zeros((2, 4)), axis=0)
    with pytest.raises(trueno.ShapeError, match="same number of dimensions"):
        k.concat(np.zeros((2, 3)), np.zeros(3), axis=0)
    with pytest.raises(trueno.ShapeError, match="out of bounds"):
        k.concat(np.zeros((2, 3)), axis=2)
    with pytest.raises(trueno.ShapeError, match="zero-dimensional"):
        k.concat(np.float32(1), axis=0)
    with pytest.raises(ValueError, match="at least one"):
        k.concat(axis=0)


def test_registered_for_trueno_stack_cat_and_setitem():
    import trueno as tn
    from trueno._registry import load_plugins
    kernels = load_plugins().backends["simd"].kernels
    for name in ("copy_", "contiguous", "concat"):
        assert set(kernels[name]) >= {"float32", "float64", "int64", "bool", "float16"}
    x = _data((3, 4), "float32")
    a = tn.asarray(x)
    np.testing.assert_array_equal(np.asarray(tn.stack([a, a.T.T], axis=1)),
                                  np.stack([x, x], axis=1))
    np.testing.assert_array_equal(np.asarray(tn.concat([a, a[:, ::-1]], axis=0)),
                                  np.concatenate([x, x[:, ::-1]], axis=0))
    b = tn.zeros((3, 4), dtype=tn.float32)
    b[:, 1:3] = a[:, :2]
    want = np.zeros((3, 4), np.float32)
    want[:, 1:3] = x[:, :2]
    np.testing.assert_array_equal(np.asarray(b), want)
    np.testing.assert_array_equal(np.asarray(a.T.copy()), x.T)


def test_contiguous_of_a_numpy_scalar(k):
    got = k.contiguous(np.float32(2.5))
    assert isinstance(got, np.ndarray) and got.shape == () and got.dtype == np.float32
    assert got == np.float32(2.5)
