"""Indexing (get and set), gathers and scatters: trueno vs NumPy.

Hypothesis draws random index expressions (ints, slices with any step, None, Ellipsis,
boolean masks over one or more axes, integer arrays that broadcast, lists) over random shapes
and views, and compares ``t[key]``, ``t[key] = v`` and ``t[key] += v`` with NumPy. A table of
calls compares the index functions (take, put, choose, ...) over dtypes and layouts.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, builtin_base, sample
from trueno_core_helpers import SURFACE_LAYOUTS as LAYOUTS, compare
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trueno as tn

# --- random index expressions ------------------------------------------------------------------


@st.composite
def index_keys(draw, shape):
    """A key for an array of ``shape`` and whether its arrays should be trueno arrays."""
    key = []
    i = 0
    nd = len(shape)
    adv_shape = draw(st.sampled_from([(), (2,), (3,), (2, 1), (1, 3)]))
    used_ellipsis = False
    while i < nd:
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "bool",
                                     "intarr", "list", "stop"]))
        n = shape[i]
        if kind == "stop":
            break
        if kind == "int" and n:
            key.append(draw(st.integers(-n, n - 1)))
            i += 1
        elif kind == "slice":
            bound = st.none() | st.integers(-n - 2, n + 2)
            step = draw(st.none() | st.sampled_from([1, 2, 3, -1, -2, -3]))
            key.append(slice(draw(bound), draw(bound), step))
            i += 1
        elif kind == "none":
            key.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            key.append(Ellipsis)
            i = draw(st.integers(i, nd))
        elif kind == "bool":
            m = draw(st.integers(1, nd - i))
            key.append(draw(hnp.arrays(np.bool_, tuple(shape[i:i + m]))))
            i += m
        elif kind in ("intarr", "list") and n:
            arr = draw(hnp.arrays(np.int64, adv_shape, elements=st.integers(-n, n - 1)))
            key.append(arr.tolist() if kind == "list" and arr.ndim == 1 else arr)
            i += 1
    if draw(st.booleans()) and i < nd and shape[i]:  # sometimes an out-of-range int
        key.append(shape[i] + draw(st.integers(0, 2)))
    as_tensor = draw(st.booleans())
    return (tuple(key) if len(key) != 1 or draw(st.booleans()) else key[0]), as_tensor


def tn_key(key, as_tensor):
    def conv(k):
        if isinstance(k, np.ndarray) and as_tensor:
            return tn.asarray(k)
        return k
    return tuple(conv(k) for k in key) if isinstance(key, tuple) else conv(key)


VIEWS = {"plain": lambda a: a, "T": lambda a: a.T, "rev": lambda a: a[::-1]}


@st.composite
def cases(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    view = draw(st.sampled_from(list(VIEWS))) if shape else "plain"
    dtype = draw(st.sampled_from([np.int32, np.float64, np.bool_]))
    base = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    a = VIEWS[view](base)
    key, as_tensor = draw(index_keys(a.shape))
    return base, view, key, as_tensor


def _np_get(a, key):
    try:
        return a[key], None
    except Exception as exc:  # noqa: BLE001
        return None, exc


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases())
def test_getitem_matches_numpy(case):
    base, view, key, as_tensor = case
    a = VIEWS[view](base)
    t = VIEWS[view](tn.asarray(base.copy()))
    want, exc = _np_get(a, key)
    if exc is not None:
        with pytest.raises(builtin_base(type(exc))):
            t[tn_key(key, as_tensor)]
        return
    assert_close(t[tn_key(key, as_tensor)], want, msg=f"key={key!r}")


@SETTINGS
@given(cases(), st.sampled_from(["scalar", "array", "row"]))
def test_setitem_matches_numpy(case, value_kind):
    base, view, key, as_tensor = case
    nbase = base.copy()
    a = VIEWS[view](nbase)
    tbase = tn.asarray(base.copy())
    t = VIEWS[view](tbase)
    sel, exc = _np_get(a, key)
    if exc is not None:
        with pytest.raises(builtin_base(type(exc))):
            t[tn_key(key, as_tensor)] = 1
        return
    if value_kind == "scalar" or sel.ndim == 0:
        v = np.asarray(7).astype(base.dtype)[()]
    elif value_kind == "row":
        v = (np.arange(sel.shape[-1]) + 100).astype(base.dtype)
    else:
        v = (np.arange(sel.size).reshape(sel.shape) + 50).astype(base.dtype)
    a[key] = v
    t[tn_key(key, as_tensor)] = tn.asarray(v) if isinstance(v, np.ndarray) else v.item()
    assert_close(t, a, msg=f"key={key!r}")
    assert_close(tbase, nbase, msg=f"storage after key={key!r}")


@SETTINGS
@given(cases())
def test_inplace_add_through_index_matches_numpy(case):
    """``t[key] += 1`` is get, add, set: repeated indices add once, as in NumPy."""
    base, view, key, as_tensor = case
    if base.dtype == np.bool_:
        base = base.astype(np.int32)
    nbase = base.copy()
    a = VIEWS[view](nbase)
    t = VIEWS[view](tn.asarray(base.copy()))
    _, exc = _np_get(a, key)
    if exc is not None:
        return
    a[key] += 1
    tk = tn_key(key, as_tensor)
    t[tk] += 1
    assert_close(t, a, msg=f"key={key!r}")


def test_repeated_index_add_once_and_accumulate():
    a = np.zeros(4)
    t = tn.zeros(4)
    a[[0, 0, 2]] += 1
    t[[0, 0, 2]] += 1
    assert_close(t, a)
    assert_close(tn.scatter_add(tn.zeros(4), 0, tn.asarray([0, 0, 2]), tn.ones(3)),
                 np.array([2.0, 0.0, 1.0, 0.0]))


def test_mask_set_and_errors():
    a = np.arange(12.0).reshape(3, 4)
    t = tn.asarray(a.copy())
    a[a > 5] = -1
    t[t > 5] = -1
    assert_close(t, a)
    with pytest.raises(IndexError):
        t[3]
    with pytest.raises(IndexError):
        t[tn.asarray([True, False])]
    with pytest.raises(IndexError):
        t[:, [0, 9]]
    with pytest.raises(IndexError):
        t[tn.asarray([0.5])]
    with pytest.raises(ValueError):
        t[[0, 1]] = tn.zeros((3, 4))
    with pytest.raises(IndexError):
        t[0, 0, 0]


# --- index functions: a table over dtypes x layouts ---------------------------------------------

DTYPES = ["bool", "int32", "float64"]


def one(xp, a):
    return (a,)


def _idx(xp, a, *vals):
    return xp.asarray(list(vals), dtype=xp.int64)


CASES = [
    ("take", lambda xp, a: (a, _idx(xp, a, 0, -1, 1)), {}),
    ("take", lambda xp, a: (a, _idx(xp, a, 2, 0)), {"axis": 0}),
    ("take", lambda xp, a: (a, xp.asarray([[0, 1], [1, 0]])), {"axis": -1}),
    ("take", lambda xp, a: (a, 1), {"axis": 0}),
    ("take", lambda xp, a: (a, _idx(xp, a, 5, -9)), {"mode": "wrap"}),
    ("take", lambda xp, a: (a, _idx(xp, a, 50)), {"mode": "clip"}),
    ("take", lambda xp, a: (a, _idx(xp, a, 50)), {}),
    ("take_along_axis", lambda xp, a: (a, xp.argsort(a, axis=0) if a.ndim else a), {"axis": 0}),
    ("take_along_axis", lambda xp, a: (a, xp.zeros(a.shape[:-1] + (2,), dtype=xp.int64)
                                       if a.ndim else a), {"axis": -1}),
    ("compress", lambda xp, a: ([True, False, True], a), {"axis": 0}),
    ("compress", lambda xp, a: ([False, True], a), {}),
    ("extract", lambda xp, a: (a > 0 if a.dtype != xp.bool_ else a, a), {}),
    ("argwhere", one, {}), ("flatnonzero", one, {}), ("nonzero", one, {}),
    ("where", one, {}),
    ("diag", one, {}), ("diag", lambda xp, a: (a, 1), {}), ("diag", lambda xp, a: (a, -2), {}),
    ("diagflat", one, {}), ("diagflat", lambda xp, a: (a, -1), {}),
    ("vander", one, {}), ("vander", lambda xp, a: (a, 3), {"increasing": True}),
    ("tril_indices_from", one, {}), ("triu_indices_from", lambda xp, a: (a, 1), {}),
    ("diag_indices_from", one, {}),
    ("unravel_index", lambda xp, a: (xp.asarray([0, 5, 11]), (3, 4)), {}),
    ("unravel_index", lambda xp, a: (7, (2, 5)), {"order": "F"}),
    ("unravel_index", lambda xp, a: (xp.asarray([40]), (3, 4)), {}),
    ("ravel_multi_index", lambda xp, a: ((xp.asarray([0, 2]), xp.asarray([1, 3])), (3, 4)),
     {}),
    ("ravel_multi_index", lambda xp, a: ((xp.asarray([0, 5]), xp.asarray([1, 3])), (3, 4)),
     {"mode": "clip"}),
    ("ravel_multi_index", lambda xp, a: ((xp.asarray([7]), xp.asarray([1])), (3, 4)), {}),
    ("choose", lambda xp, a: (xp.asarray([0, 1, 2, 1]),
                              [xp.asarray([1, 2, 3, 4]), xp.asarray([10, 20, 30, 40]),
                               xp.asarray([100, 200, 300, 400])]), {}),
    ("choose", lambda xp, a: (xp.asarray([[0], [3]]), [xp.asarray([1, 2]),
                                                      xp.asarray([5, 6])]), {"mode": "wrap"}),
    ("choose", lambda xp, a: (xp.asarray([3]), [xp.asarray([1, 2])]), {}),
    ("select", lambda xp, a: ([a > 1, a < 1] if a.dtype != xp.bool_ else [a, ~a],
                              [a, a * 2 if a.dtype != xp.bool_ else a]), {"default": 0}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_index_functions_match_numpy(layout, dtype):
    shape, view = LAYOUTS[layout]
    base = sample(dtype, shape, rng=np.random.default_rng(11))
    for fname, build, kw in CASES:
        a_np, a_tn = view(base), view(tn.asarray(base.copy()))
        msg = f"{fname}{kw} on {layout} {dtype}"
        try:
            want = getattr(np, fname)(*build(np, a_np), **kw)
        except Exception as exc:
            with pytest.raises(builtin_base(type(exc))):
                getattr(tn, fname)(*build(tn, a_tn), **kw)
            continue
        compare(getattr(tn, fname)(*build(tn, a_tn), **kw), want, msg)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_inplace_index_functions_match_numpy(layout, dtype):
    shape, view = LAYOUTS[layout]
    base = sample(dtype, shape, rng=np.random.default_rng(12))
    calls = [
        ("put", lambda xp, a: (a, [0, -1], [9, 8]), {}),
        ("put", lambda xp, a: (a, [0, 1, 2], 5), {"mode": "wrap"}),
        ("put", lambda xp, a: (a, [99], 1), {}),
        ("put_along_axis", lambda xp, a: (a, xp.zeros((1,) * a.ndim, dtype=xp.int64), 3, 0),
         {}),
        ("putmask", lambda xp, a: (a, a > 0 if a.dtype != xp.bool_ else a, [1, 0]), {}),
        ("place", lambda xp, a: (a, a > 0 if a.dtype != xp.bool_ else ~a, [7, 0, 3]), {}),
    ]
    for fname, build, kw in calls:
        nb = base.copy()
        a_np = view(nb)
        tb = tn.asarray(base.copy())
        a_tn = view(tb)
        try:
            getattr(np, fname)(*build(np, a_np), **kw)
        except Exception as exc:
            with pytest.raises(builtin_base(type(exc))):
                getattr(tn, fname)(*build(tn, a_tn), **kw)
            continue
        assert getattr(tn, fname)(*build(tn, a_tn), **kw) is None
        assert_close(tb, nb, msg=f"{fname} on {layout} {dtype}")


def test_creation_helpers():
    for fname, args in [("indices", ((2, 3),)), ("tri", (3, 4, 1)), ("tril_indices", (4,)),
                        ("triu_indices", (4, 1, 5)), ("diag_indices", (3,))]:
        compare(getattr(tn, fname)(*args), getattr(np, fname)(*args), fname)
    compare(tn.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True))
    compare(tn.ix_([0, 1], [2, 4]), np.ix_([0, 1], [2, 4]))
    compare(tn.ix_(tn.asarray([True, False, True])), np.ix_([True, False, True]))
    compare(tn.tri(3, dtype=tn.int32), np.tri(3, dtype=np.int32))


# --- PyTorch names: index_select, gather, scatter, scatter_add ------------------------------------

def _np_gather(x, dim, index):
    dim %= x.ndim
    x = x[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))]
    return np.take_along_axis(x, index, axis=dim)


def _np_scatter_add(x, dim, index, src):
    dim %= x.ndim
    out = x.copy()
    grids = np.indices(index.shape, sparse=True)
    key = tuple(index if d == dim else g for d, g in enumerate(grids))
    np.add.at(out, key, src[tuple(slice(0, n) for n in index.shape)])
    return out


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_torch_gather_scatter(dtype, dim):
    rng = np.random.default_rng(4)
    x = sample(dtype, (3, 5), rng=rng)
    n = x.shape[dim]
    index = rng.integers(0, n, (2, 4))
    src = sample(dtype, (3, 5), rng=rng)
    tx, ti, ts = tn.asarray(x), tn.asarray(index), tn.asarray(src)
    assert_close(tn.gather(tx, dim, ti), _np_gather(x, dim, index))
    assert_close(tn.gather(tx.T.T, dim, ti), _np_gather(x, dim, index))
    assert_close(tn.scatter_add(tx, dim, ti, ts), _np_scatter_add(x, dim, index, src))
    # scatter with distinct indices along dim (so the result does not depend on write order)
    perm = np.argsort(rng.random((3, 5)), axis=dim % 2)
    uidx = perm[:2, :4] if dim == 0 else perm[:2, :4] % n
    if dim != 0:
        uidx = np.argsort(rng.random((2, 5)), axis=1)[:, :4]
    want = x.copy()
    grids = np.indices(uidx.shape, sparse=True)
    d = dim % 2
    want[tuple(uidx if k == d else g for k, g in enumerate(grids))] = src[:2, :4]
    assert_close(tn.scatter(tx, dim, tn.asarray(uidx), ts), want)
    assert_close(tn.index_select(tx, dim, tn.asarray([0, n - 1, 0])),
                 np.take(x, [0, n - 1, 0], axis=dim))
    assert_close(tn.scatter(tx, dim, ti, value=2), _scatter_value(x, dim, index, 2))
    assert_close(tx, x)  # out of place: the input is unchanged


def _scatter_value(x, dim, index, v):
    dim %= x.ndim
    out = x.copy()
    grids = np.indices(index.shape, sparse=True)
    out[tuple(index if d == dim else g for d, g in enumerate(grids))] = v
    return out


def test_gather_scatter_errors():
    x = tn.zeros((3, 4))
    with pytest.raises(IndexError):
        tn.gather(x, 0, tn.asarray([[5]]))
    with pytest.raises(ValueError):
        tn.gather(x, 0, tn.asarray([0]))
    with pytest.raises(ValueError):
        tn.scatter_add(x, 1, tn.zeros((4, 1), dtype=tn.int64), tn.ones((4, 1)))
    with pytest.raises(IndexError):
        tn.take(x, [12])
    with pytest.raises(IndexError):
        tn.take(x, [0.5])


def test_kernels_have_the_promised_names():
    from trueno._reference import _surface as ref
    x = np.arange(6.0).reshape(2, 3)
    idx = np.array([[0, 2]])
    np.testing.assert_array_equal(ref.take(x, np.array([1]), 1), x[:, [1]])
    np.testing.assert_array_equal(ref.gather(x, 1, idx), [[0.0, 2.0]])
    np.testing.assert_array_equal(ref.scatter_add(x, 1, idx, np.ones((1, 2))),
                                  [[1.0, 1.0, 3.0], [3.0, 4.0, 5.0]])
    for name in ("take", "gather", "scatter_add"):
        assert name in tn.OPS


def test_ndarray_index_methods():
    a = np.arange(12).reshape(3, 4)
    t = tn.asarray(a.copy())
    assert_close(t.take([1, 5]), a.take([1, 5]))
    assert_close(t.take([0, 2], axis=1), a.take([0, 2], axis=1))
    t.put([0, 1], [-5, -6])
    a.put([0, 1], [-5, -6])
    assert_close(t, a)
    assert_close(tn.asarray([0, 1, 1]).choose([[1, 2, 3], [4, 5, 6]]),
                 np.array([0, 1, 1]).choose([[1, 2, 3], [4, 5, 6]]))


# --- decompositions: advanced indexing gives the same results (autograd and other devices) ------

def test_decompositions_match_kernels():
    from trueno import _gather_scatter as ix
    rng = np.random.default_rng(9)
    x = tn.asarray(rng.standard_normal((3, 5)))
    idx = tn.asarray(rng.integers(-3, 3, (3, 2)))
    for axis, mode in ((0, "raise"), (1, "raise"), (None, "raise"), (1, "wrap"), (0, "clip")):
        i = tn.asarray([[0, 4], [7, -1]]) if mode != "raise" else tn.asarray([[0, 2], [1, -1]])
        assert_close(ix._take_decomposition(x, i, axis, mode),
                     np.take(x.numpy(), i.numpy(), axis=axis, mode=mode))
    assert_close(ix._take_along_axis_decomposition(x, idx, 1),
                 np.take_along_axis(x.numpy(), idx.numpy(), axis=1))
    gi = tn.asarray(rng.integers(0, 3, (2, 4)))
    assert_close(ix._gather_decomposition(x, 0, gi), tn.gather(x, 0, gi).numpy())
    src = tn.asarray(rng.standard_normal((3, 5)))
    assert_close(ix._scatter_decomposition(x, 0, gi, src, "add"),
                 tn.scatter_add(x, 0, gi, src).numpy())
    uniq = tn.asarray(np.argsort(rng.random((2, 5)), axis=1)[:, :3])
    assert_close(ix._scatter_decomposition(x, 1, uniq, src), tn.scatter(x, 1, uniq, src).numpy())


def test_gathers_are_differentiable_through_their_decompositions():
    from trueno import _dispatch as X
    from trueno._registry import load_plugins
    load_plugins()
    if X.STATE.autograd is None:
        pytest.skip("the autograd extra is not installed")
    w = np.arange(15.0).reshape(3, 5)
    idx = np.array([[0, 2, 2], [1, 0, 4]])
    x = tn.asarray(w).requires_grad_()
    tn.gather(x, 1, tn.asarray(idx[:, :2])).sum().backward()
    want = np.zeros_like(w)
    np.add.at(want, (np.arange(2)[:, None], idx[:, :2]), 1.0)
    assert_close(x.grad, want)
    x = tn.asarray(w).requires_grad_()
    (tn.take(x, tn.asarray([4, 4, 0]), axis=1) * 2.0).sum().backward()
    want = np.zeros_like(w)
    want[:, 4] = 4.0
    want[:, 0] = 2.0
    assert_close(x.grad, want)
    x = tn.asarray(w).requires_grad_()
    src = tn.ones((2, 3)).requires_grad_()
    (tn.scatter_add(x, 1, tn.asarray(idx), src) * 3.0).sum().backward()
    assert_close(x.grad, np.full_like(w, 3.0))
    assert_close(src.grad, np.full((2, 3), 3.0))
