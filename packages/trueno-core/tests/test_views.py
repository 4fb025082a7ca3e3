"""Property tests (hypothesis) of broadcasting and zero-copy views, vs NumPy.

Views are checked twice: on CPU tensors (values, shapes, byte strides, contiguity, memory
sharing, writes through the view) and on ``trueno.StridedArray`` metadata over a fake storage
(what non-CPU devices use), where offsets/shapes/strides must address the same elements as
NumPy's view of the same base.
"""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import trueno as tn
from trueno import _views as V
from trueno._strided import StridedArray, contiguous_strides, is_contiguous, reshape_strides

settings.register_profile("trueno-core", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("trueno-core")

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)


def _base(shape, dtype=np.float64):
    return np.arange(math.prod(shape), dtype=dtype).reshape(shape)


def strides_of(a):
    """Byte strides that matter: None for an empty array and for axes of length 1 (NumPy
    itself is free to put anything there)."""
    if a.size == 0:
        return None
    return tuple(s if n > 1 else None for n, s in zip(a.shape, a.strides))


# --- broadcasting ----------------------------------------------------------------------------

@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=4))
def test_broadcast_shapes_matches_numpy(bs):
    assert tn.broadcast_shapes(*bs.input_shapes) == np.broadcast_shapes(*bs.input_shapes) \
        == bs.result_shape


@given(st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
                min_size=1, max_size=3))
def test_broadcast_shapes_errors_match_numpy(shape_list):
    try:
        want = np.broadcast_shapes(*shape_list)
    except ValueError:
        with pytest.raises(ValueError, match="broadcast") as info:
            tn.broadcast_shapes(*shape_list)
        assert isinstance(info.value, tn.ShapeError)
        return
    assert tn.broadcast_shapes(*shape_list) == want


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4))
def test_broadcast_to_and_arrays(bs):
    a, b = (_base(s) for s in bs.input_shapes)
    ta, tb = tn.asarray(a), tn.asarray(b)
    out = tn.broadcast_arrays(ta, tb)
    want = np.broadcast_arrays(a, b)
    for o, w in zip(out, want):
        np.testing.assert_array_equal(o.numpy(), w)
        assert strides_of(o) == strides_of(w)
    v = tn.broadcast_to(ta, bs.result_shape)
    assert v.shape == bs.result_shape
    if v.numel():
        assert np.shares_memory(v.numpy(), a)


def test_broadcast_to_incompatible_raises():
    with pytest.raises(ValueError):
        np.broadcast_to(np.ones((3, 2)), (3, 3))
    with pytest.raises(ValueError) as info:
        tn.broadcast_to(tn.ones((3, 2)), (3, 3))
    assert isinstance(info.value, tn.ShapeError)


# --- a random chain of views, applied to NumPy, to trueno tensors and to StridedArray --------

@st.composite
def view_chain(draw, max_ops=4):
    """A base shape and a list of view ops valid for the shapes they meet."""
    shape = draw(shapes)
    ops = []
    cur = np.empty(shape)  # only its shape is used, to track the chain
    for _ in range(draw(st.integers(0, max_ops))):
        kinds = ["index", "permute", "reshape", "expand_dims", "squeeze"]
        if cur.ndim >= 2:
            kinds += ["diagonal", "swapaxes"]
        kind = draw(st.sampled_from(kinds))
        if kind == "index":
            arg = draw(hnp.basic_indices(cur.shape, allow_newaxis=True, allow_ellipsis=True))
            cur = cur[arg]
        elif kind == "permute":
            arg = tuple(draw(st.permutations(range(cur.ndim))))
            cur = cur.transpose(arg)
        elif kind == "swapaxes":
            arg = (draw(st.integers(-cur.ndim, cur.ndim - 1)),
                   draw(st.integers(-cur.ndim, cur.ndim - 1)))
            cur = cur.swapaxes(*arg)
        elif kind == "reshape":
            n = cur.size
            cands = [(n,), (1, n), (n, 1), cur.shape + (1,)]
            if cur.ndim >= 2:
                cands.append((cur.shape[0] * cur.shape[1],) + cur.shape[2:])
            if n and n % 2 == 0:
                cands.append((2, -1))
            arg = draw(st.sampled_from(cands))
            cur = cur.reshape(arg)
        elif kind == "expand_dims":
            arg = draw(st.integers(-cur.ndim - 1, cur.ndim))
            cur = np.expand_dims(cur, arg)
        elif kind == "squeeze":
            ones = [i for i, n in enumerate(cur.shape) if n == 1]
            arg = draw(st.sampled_from([None] + ones)) if ones else None
            cur = cur.squeeze(arg)
        else:  # diagonal
            arg = (draw(st.integers(-3, 3)),) + tuple(
                draw(st.permutations(range(cur.ndim)))[:2])
            cur = cur.diagonal(*arg)
        ops.append((kind, arg))
    return shape, ops


def apply_numpy(a, ops):
    for kind, arg in ops:
        if kind == "index":
            r = a[arg]
            # NumPy gives a scalar copy for an all-integer index, and so does trueno (checked
            # in apply_trueno); the chain goes on with the 0-d view a[i, j, ...].
            a = r if isinstance(r, np.ndarray) else a[(arg if isinstance(arg, tuple)
                                                       else (arg,)) + (Ellipsis,)]
        elif kind == "permute":
            a = a.transpose(arg)
        elif kind == "swapaxes":
            a = a.swapaxes(*arg)
        elif kind == "reshape":
            a = a.reshape(arg)
        elif kind == "expand_dims":
            a = np.expand_dims(a, arg)
        elif kind == "squeeze":
            a = a.squeeze(arg)
        else:
            a = a.diagonal(*arg)
    return a


def apply_trueno(t, ops):
    for kind, arg in ops:
        if kind == "index":
            r = t[arg]
            if not isinstance(r, tn.ndarray):  # a scalar copy, as NumPy's (apply_numpy)
                assert isinstance(r, np.generic) and r.dtype == t.dtype.numpy
                r = t[(arg if isinstance(arg, tuple) else (arg,)) + (Ellipsis,)]
            t = r
        elif kind == "permute":
            t = tn.permute_dims(t, arg)
        elif kind == "swapaxes":
            t = tn.swapaxes(t, *arg)
        elif kind == "reshape":
            t = tn.reshape(t, arg)
        elif kind == "expand_dims":
            t = tn.expand_dims(t, axis=arg)
        elif kind == "squeeze":
            t = tn.squeeze(t, axis=arg)
        else:
            t = tn.diagonal(t, *arg)
    return t


@given(view_chain())
def test_view_chain_on_tensors_matches_numpy(chain):
    shape, ops = chain
    base = _base(shape)
    nbase = base.copy()
    t_base = tn.asarray(base)
    assert np.shares_memory(t_base.numpy(), base) or base.size == 0
    want = apply_numpy(nbase, ops)
    got = apply_trueno(t_base, ops)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)
    assert strides_of(got) == strides_of(want), ops
    assert got.is_contiguous() == want.flags.c_contiguous
    assert got.dtype == want.dtype
    # A view shares memory exactly when NumPy's does (reshape of scattered data copies).
    if want.size:
        assert np.shares_memory(got.numpy(), base) == np.shares_memory(want, nbase), ops
    # Writing through the view reaches the base, as in NumPy.
    if want.size and np.shares_memory(want, nbase) and want.flags.writeable:
        got[...] = 7
        want[...] = 7
        np.testing.assert_array_equal(t_base.numpy(), nbase)


@given(view_chain())
def test_inplace_add_on_a_view_writes_through(chain):
    shape, ops = chain
    base = _base(shape)
    nbase = base.copy()
    want = apply_numpy(nbase, ops)
    assume(want.size and want.flags.writeable and np.shares_memory(want, nbase))
    t_base = tn.asarray(base)
    v = apply_trueno(t_base, ops)
    v += 1.5
    want += 1.5
    np.testing.assert_array_equal(t_base.numpy(), nbase)
    assert t_base._version_count >= 1


def _sa_view(sa, kind, arg):
    """The same view on StridedArray metadata with core's _views functions (None: a copy)."""
    if kind == "index":
        return V.basic_index(sa, arg)
    if kind in ("permute", "swapaxes"):
        if kind == "swapaxes":
            axes = list(range(sa.ndim))
            i, j = (V.normalize_axis(a, sa.ndim) for a in arg)
            axes[i], axes[j] = axes[j], axes[i]
            arg = tuple(axes)
        return V.permute(sa, arg)
    if kind == "diagonal":
        return V.diagonal(sa, *arg)
    if kind == "reshape":
        shape = V.infer_shape(arg, sa.size)
    elif kind == "expand_dims":
        ax = V.normalize_axis(arg, sa.ndim + 1)
        shape = sa.shape[:ax] + (1,) + sa.shape[ax:]
    else:  # squeeze
        axes = [i for i, n in enumerate(sa.shape) if n == 1] if arg is None else \
            [V.normalize_axis(arg, sa.ndim)]
        shape = tuple(n for i, n in enumerate(sa.shape) if i not in axes)
    return V.reshape_view(sa, shape)


def _addresses(offset, shape, strides):
    return [offset + sum(i * s for i, s in zip(idx, strides)) for idx in np.ndindex(*shape)]


def _numpy_meta(view, base):
    item = base.itemsize
    off = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
    return off, view.shape, tuple(s // item for s in view.strides)


@given(view_chain())
def test_view_chain_on_strided_array_metadata(chain):
    """Core's view algebra on a StridedArray addresses the elements NumPy's view does."""
    shape, ops = chain
    base = _base(shape, np.float32)
    sa = StridedArray(storage=object(), offset=0, shape=shape,
                      strides=contiguous_strides(shape), dtype=np.float32)
    a = base
    for kind, arg in ops:
        nxt = apply_numpy(a, [(kind, arg)])
        sa_next = _sa_view(sa, kind, arg)
        if sa_next is None:
            # Core says the layout needs a copy: NumPy must agree (it copied).
            assert not np.shares_memory(nxt, base) or nxt.size <= 1, (kind, arg)
            return
        a, sa = nxt, sa_next
        assert sa.shape == a.shape, (kind, arg)
        if a.size:
            off, _, strides = _numpy_meta(a, base)
            assert np.shares_memory(a, base), (kind, arg)
            assert _addresses(sa.offset, sa.shape, sa.strides) == \
                _addresses(off, a.shape, strides), (kind, arg)
            assert sa.is_contiguous() == a.flags.c_contiguous or a.size <= 1
            # the values a device would read through the metadata
            flat = base.reshape(-1)
            got = flat[np.array(_addresses(sa.offset, sa.shape, sa.strides), dtype=np.intp)]
            np.testing.assert_array_equal(got.reshape(a.shape), a)


@given(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4), st.data())
def test_reshape_strides_agrees_with_numpy_nocopy(shape, data):
    """reshape_strides finds a view exactly when NumPy's reshape(copy=False) does."""
    base = _base(shape)
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=False))
    a = base[key]
    n = a.size
    new = data.draw(st.sampled_from([(n,), (1, n), (n, 1), a.shape[::-1], (-1,)]))
    new = V.infer_shape(new, n)
    strides_el = tuple(s // a.itemsize for s in a.strides)
    got = reshape_strides(a.shape, strides_el, new)
    try:
        want = a.reshape(new, copy=False)
    except ValueError:
        assert got is None or n <= 1, (a.shape, a.strides, new)
        return
    assert got is not None, (a.shape, a.strides, new)
    if n > 1:
        assert _addresses(0, new, got) == _addresses(0, new, tuple(
            s // a.itemsize for s in want.strides))


@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
def test_contiguous_strides_and_is_contiguous(shape):
    a = _base(shape)
    el = tuple(s // a.itemsize for s in a.strides)
    if a.size:
        assert contiguous_strides(shape) == el
    assert is_contiguous(shape, contiguous_strides(shape))
    if a.ndim >= 2 and a.shape[0] > 1 and a.shape[1] > 1:
        t = a.T
        assert is_contiguous(t.shape, tuple(s // 8 for s in t.strides)) == t.flags.c_contiguous
    if a.size == 0 and a.ndim >= 2:  # any strides: an empty array is contiguous
        assert is_contiguous(a.T.shape, tuple(s // 8 for s in a.T.strides))


# --- specific algebra ------------------------------------------------------------------------

@given(nonempty_shapes)
def test_transpose_of_transpose_is_identity(shape):
    t = tn.asarray(_base(shape))
    tt = t.T.T
    assert tt.shape == t.shape and strides_of(tt) == strides_of(t)
    assert np.shares_memory(tt.numpy(), t.numpy())
    perm = tuple(reversed(range(t.ndim)))
    np.testing.assert_array_equal(tn.permute_dims(tn.permute_dims(t, perm), perm).numpy(),
                                  t.numpy())
    np.testing.assert_array_equal(t.T.numpy(), _base(shape).T)
    assert strides_of(t.T) == strides_of(_base(shape).T)


@given(shapes, st.data())
def test_reshape_round_trip(shape, data):
    a = _base(shape)
    t = tn.asarray(a)
    n = a.size
    new = data.draw(st.sampled_from([(n,), (-1,), (1, n), (n, 1, 1)]))
    r = tn.reshape(t, new)
    np.testing.assert_array_equal(r.numpy(), a.reshape(new))
    back = tn.reshape(r, shape)
    np.testing.assert_array_equal(back.numpy(), a)
    if n:
        assert np.shares_memory(back.numpy(), a)  # contiguous data: views all the way


def test_reshape_of_noncontiguous_copies():
    a = _base((3, 4))
    t = tn.asarray(a)
    r = tn.reshape(t.T, (12,))
    np.testing.assert_array_equal(r.numpy(), a.T.reshape(12))
    assert not np.shares_memory(r.numpy(), a)
    with pytest.raises(ValueError):
        a.T.reshape((12,), copy=False)
    with pytest.raises(ValueError) as info:
        tn.reshape(t.T, (12,), copy=False)
    assert isinstance(info.value, tn.ShapeError)
    # a view when the strides allow it, even for non-contiguous data
    v = tn.reshape(t[:, ::2], (3, 2, 1))
    assert np.shares_memory(v.numpy(), a)


@pytest.mark.parametrize("shape,bad", [((3, 4), (5,)), ((3, 4), (-1, -1)), ((0, 3), (-1, 0)),
                                       ((3, 4), (5, -1))], ids=str)
def test_reshape_errors(shape, bad):
    a = _base(shape)
    with pytest.raises(ValueError):
        a.reshape(bad)
    with pytest.raises(ValueError):
        tn.reshape(tn.asarray(a), bad)


def test_flatten_copies_ravel_views():
    a = _base((3, 4))
    t = tn.asarray(a)
    f = t.flatten()
    np.testing.assert_array_equal(f.numpy(), a.flatten())
    assert not np.shares_memory(f.numpy(), a)
    r = t.ravel()
    assert np.shares_memory(r.numpy(), a)
    np.testing.assert_array_equal(tn.ravel(t.T).numpy(), np.ravel(a.T))
    assert not np.shares_memory(tn.ravel(t.T).numpy(), a)
    np.testing.assert_array_equal(tn.flatten(t[:, ::-1]).numpy(), a[:, ::-1].flatten())


@given(nonempty_shapes, st.data())
def test_moveaxis_swapaxes_squeeze_expand_dims(shape, data):
    a = _base(shape)
    t = tn.asarray(a)
    nd = a.ndim
    src = data.draw(st.integers(-nd, nd - 1))
    dst = data.draw(st.integers(-nd, nd - 1))
    for got, want in [(tn.moveaxis(t, src, dst), np.moveaxis(a, src, dst)),
                      (tn.swapaxes(t, src, dst), np.swapaxes(a, src, dst)),
                      (tn.expand_dims(t, axis=dst), np.expand_dims(a, dst)),
                      (tn.squeeze(tn.expand_dims(t, axis=0), axis=0), a),
                      (tn.squeeze(t), np.squeeze(a)),
                      (tn.matrix_transpose(t) if nd >= 2 else t,
                       np.matrix_transpose(a) if nd >= 2 else a)]:
        assert got.shape == want.shape
        assert strides_of(got) == strides_of(want)
        np.testing.assert_array_equal(got.numpy(), want)
        assert np.shares_memory(got.numpy(), a)


@given(nonempty_shapes, st.data())
def test_axis_errors_match_numpy(shape, data):
    nd = len(shape)
    bad = data.draw(st.sampled_from([nd, -nd - 1, nd + 3]))
    a = _base(shape)
    t = tn.asarray(a)
    for tn_call, np_call in [(lambda: tn.moveaxis(t, bad, 0), lambda: np.moveaxis(a, bad, 0)),
                             (lambda: tn.swapaxes(t, 0, bad), lambda: np.swapaxes(a, 0, bad)),
                             (lambda: tn.expand_dims(t, axis=bad + (1 if bad > 0 else -1)),
                              lambda: np.expand_dims(a, bad + (1 if bad > 0 else -1))),
                             (lambda: tn.squeeze(t, axis=bad), lambda: np.squeeze(a, bad))]:
        with pytest.raises(np.exceptions.AxisError):
            np_call()
        with pytest.raises(tn.AxisError):
            tn_call()


def test_squeeze_of_a_non_unit_axis_raises():
    with pytest.raises(ValueError):
        np.squeeze(np.ones((2, 3)), axis=0)
    with pytest.raises(ValueError):
        tn.squeeze(tn.ones((2, 3)), axis=0)


@given(hnp.array_shapes(min_dims=2, max_dims=4, min_side=0, max_side=5), st.data())
def test_diagonal_matches_numpy(shape, data):
    a = _base(shape)
    t = tn.asarray(a)
    offset = data.draw(st.integers(-4, 4))
    a1, a2 = data.draw(st.permutations(range(a.ndim)))[:2]
    got = tn.diagonal(t, offset, a1, a2)
    want = np.diagonal(a, offset, a1, a2)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)
    if want.size:
        assert np.shares_memory(got.numpy(), a)


@given(st.data())
def test_basic_index_errors_match_numpy(data):
    shape = data.draw(nonempty_shapes)
    a = _base(shape)
    t = tn.asarray(a)
    dim = data.draw(st.integers(0, a.ndim - 1))
    n = shape[dim]
    i = data.draw(st.sampled_from([n, -n - 1, n + 5]))
    key = (slice(None),) * dim + (i,)
    with pytest.raises(IndexError):
        a[key]
    with pytest.raises(IndexError) as info:
        t[key]
    assert isinstance(info.value, tn.TruenoError)
    too_many = (0,) * (a.ndim + 1)
    with pytest.raises(IndexError):
        t[too_many]
    with pytest.raises(IndexError):
        t[..., ..., 0]


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.floats(-5, 5)), st.data())
def test_setitem_basic_index_matches_numpy(a, data):
    key = data.draw(hnp.basic_indices(a.shape, allow_newaxis=True, allow_ellipsis=True))
    t = tn.asarray(a.copy())
    want = a.copy()
    target_shape = want[key].shape
    val = np.arange(math.prod(target_shape[-1:]) or 0, dtype=np.float64).reshape(
        target_shape[-1:]) if target_shape else 3.0
    want[key] = val
    t[key] = tn.asarray(val) if isinstance(val, np.ndarray) else val
    np.testing.assert_array_equal(t.numpy(), want)


def test_setitem_bad_broadcast_raises_value_error():
    t = tn.zeros((3, 4))
    with pytest.raises(ValueError):
        np.zeros((3, 4))[:, :2] = np.ones(3)
    with pytest.raises(ValueError):
        t[:, :2] = tn.ones(3)


def test_views_of_views_share_storage_and_version():
    t = tn.asarray(_base((4, 6)))
    v = t[1:, ::2].T[::-1]
    assert v.storage is t.storage
    before = t._version_count
    v[0, 0] = -1.0
    assert t._version_count == before + 1
    assert t.numpy()[1 + 0, 2 * 2] == -1.0  # v[0,0] is t[1, 4]
    assert t.offset == 0
    assert v.offset == 1 * 6 + 4
    assert v.stride_elements() == (-2, 6)


def test_strides_are_bytes_on_the_numpy_face():
    for dt in ("int8", "float32", "complex128"):
        a = np.zeros((3, 4, 5), dtype=dt)
        t = tn.asarray(a)
        for key in [(slice(None), slice(None, None, -2)), (Ellipsis, slice(1, 4, 2)),
                    (None, 1)]:
            assert t[key].strides == a[key].strides
        assert t.T.strides == a.T.strides
        assert t.itemsize == a.itemsize and t.nbytes == a.nbytes


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
       st.sampled_from(["add", "multiply", "maximum", "less", "divide"]), st.data())
def test_elementwise_on_random_views_and_broadcasts(bs, name, data):
    """Binary ops on operands that are random trueno views of larger arrays, broadcast."""
    outs = []
    for shape in bs.input_shapes:
        big = tuple(2 * n for n in shape)
        base = np.random.default_rng(len(big)).uniform(-3, 3, big).round(2)
        key = tuple(slice(None, None, 2) if data.draw(st.booleans()) else slice(1, None, 2)
                    for _ in shape)
        if shape and data.draw(st.booleans()):  # a reversed axis on top
            key = key[:-1] + (slice(None, None, -2),)
        outs.append((tn.asarray(base)[key], base[key]))
    (ta, a), (tb, b) = outs
    got = getattr(tn, name)(ta, tb)
    want = getattr(np, name)(a, b)
    assert isinstance(got, np.generic) == isinstance(want, np.generic)  # 0-d: NumPy scalars
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), want)
