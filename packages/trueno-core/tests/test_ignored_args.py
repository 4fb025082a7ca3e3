"""No argument of the NumPy face is silently ignored (issue 14): ``order`` of ravel, flatten,
reshape and copy, ``out=`` of the reductions, and the other arguments the audit found, each
compared with NumPy (values, dtypes, strides, the returned object) or raising."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

BASE = np.arange(24.0).reshape(2, 3, 4) + 0.5
VIEWS = {
    "c": lambda a: a,
    "T": lambda a: a.T,
    "neg": lambda a: a[:, ::-1],
    "mixed": lambda a: a.transpose(1, 0, 2)[::-1, :, ::2],
    "fortran": lambda a: a.T.copy().T,
    "size1": lambda a: a[:, :1, ::-1],
}


def _eq(got, want):
    assert isinstance(got, tn.ndarray)
    assert got.shape == want.shape and got.dtype.name == want.dtype.name
    np.testing.assert_array_equal(np.asarray(got), want)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("order", ["C", "F", "A", "K", "f", "k"])
def test_ravel_flatten_copy_order(view, order):
    n = VIEWS[view](BASE)
    t = VIEWS[view](tn.asarray(BASE))
    _eq(t.ravel(order), n.ravel(order))
    _eq(tn.ravel(t, order), np.ravel(n, order))
    _eq(t.flatten(order), n.flatten(order))
    for got, want in [(t.copy(order=order), n.copy(order=order)),
                      (tn.copy(t, order=order), np.copy(n, order=order))]:
        _eq(got, want)
        assert got.strides == want.strides
    f = t.flatten(order)
    f[0] = -1.0  # flatten copies
    assert t.ravel(order)[0] != -1.0


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("order", ["C", "F", "A"])
def test_reshape_order(view, order):
    n = VIEWS[view](BASE)
    t = VIEWS[view](tn.asarray(BASE))
    _eq(t.reshape(n.size, order=order), n.reshape(n.size, order=order))
    _eq(t.reshape((2, -1), order=order), n.reshape((2, -1), order=order))
    _eq(tn.reshape(t, (n.shape[-1], -1), order=order),
        np.reshape(n, (n.shape[-1], -1), order=order))


@pytest.mark.parametrize("view", VIEWS)
def test_order_f_reshape_is_a_view_when_numpys_is(view):
    n = VIEWS[view](BASE.copy())
    t = VIEWS[view](tn.asarray(BASE.copy()))
    for order in ("C", "F", "A"):
        rn, rt = n.reshape((-1, 2), order=order), t.reshape((-1, 2), order=order)
        assert tn.shares_memory(rt, t) == np.shares_memory(rn, n), order
        rn.flat[0], rt.flat[0] = 100.0, 100.0
        _eq(t, n)


def test_bad_order_raises():
    t = tn.asarray(BASE)
    with pytest.raises(ValueError, match="order must be one of"):
        t.ravel("X")
    with pytest.raises(ValueError, match="order must be one of"):
        t.flatten("X")
    with pytest.raises(ValueError, match="not permitted"):
        t.reshape(24, order="K")
    with pytest.raises(ValueError):
        tn.copy(t, order="Z")


A = np.arange(6.0).reshape(2, 3) + 0.5
I = np.arange(6).reshape(2, 3) - 2

OUT_CASES = [
    ("sum", A, {"axis": 0}, "float64"), ("sum", A, {"axis": 0}, "float32"),
    ("sum", A, {"axis": 0}, "int64"), ("sum", I, {"axis": 1}, "int8"),
    ("sum", A, {}, "float64"), ("sum", A, {"axis": 0, "keepdims": True}, "float64"),
    ("prod", I, {"axis": 0}, "float32"), ("mean", A, {"axis": 1}, "float32"),
    ("mean", I, {"axis": 0}, "int64"), ("var", A, {"axis": 0}, "float64"),
    ("std", A, {"axis": 0}, "float32"), ("max", A, {"axis": 0}, "int64"),
    ("min", I, {"axis": 1}, "float64"), ("argmax", A, {"axis": 0}, "int64"),
    ("argmin", A, {"axis": 1}, "int32"), ("any", A, {"axis": 0}, "int64"),
    ("all", I, {"axis": 1}, "float64"), ("cumsum", A, {"axis": 0}, "int64"),
    ("cumsum", A, {}, "float64"), ("cumprod", I, {"axis": 1}, "float32"),
    ("nansum", A, {"axis": 0}, "float32"), ("nanmean", A, {}, "float64"),
    ("nanmax", A, {"axis": 1}, "float64"), ("nanargmax", A, {"axis": 0}, "int32"),
    ("nancumsum", A, {"axis": 1}, "float64"), ("median", A, {"axis": 0}, "int64"),
    ("ptp", A, {"axis": 0}, "float32"), ("around", A, {}, "float32"),
    ("round", A, {"decimals": 1}, "float64"), ("trace", A, {}, "int64"),
]


@pytest.mark.parametrize("name,x,kw,odt", OUT_CASES)
def test_out_is_written_and_returned(name, x, kw, odt):
    want_o = np.full(getattr(np, name)(x, **kw).shape, 7, dtype=odt)
    want = getattr(np, name)(x, out=want_o, **kw)
    assert want is want_o
    o = tn.full(want_o.shape, 7, dtype=getattr(tn, odt))
    got = getattr(tn, name)(tn.asarray(x), out=o, **kw)
    assert got is o
    np.testing.assert_allclose(np.asarray(o), want_o, rtol=1e-6)
    assert o.dtype.name == want_o.dtype.name
    method = getattr(tn.asarray(x), name if name != "around" else "round", None)
    if method is not None and name not in ("nansum", "nanmean", "nanmax", "nanargmax",
                                           "nancumsum", "median"):
        o2 = tn.full(want_o.shape, 7, dtype=getattr(tn, odt))
        assert method(out=o2, **kw) is o2
        np.testing.assert_allclose(np.asarray(o2), want_o, rtol=1e-6)


def test_out_positional_and_0d():
    o = tn.zeros(())
    assert tn.sum(tn.asarray(A), None, None, o) is o and float(o) == A.sum()
    o = tn.zeros(3)
    assert tn.max(tn.asarray(A), 0, o) is o
    np.testing.assert_array_equal(np.asarray(o), A.max(0))


@pytest.mark.parametrize("name,x,kw,odt,err", [
    ("std", A, {"axis": 0}, "int64", TypeError),  # same_kind, as NumPy's sqrt
    ("ptp", A, {"axis": 0}, "int64", TypeError),
    ("around", A, {}, "int64", TypeError),
    ("argmax", A, {"axis": 0}, "float64", TypeError),  # an index array
    ("sum", A, {"axis": 0}, "float64:2", ValueError),  # wrong shape
    ("sum", A, {}, "float64:1", ValueError),
    ("cumsum", A, {}, "float64:2x3", ValueError),
])
def test_bad_out_raises_as_numpy(name, x, kw, odt, err):
    dt, _, shape = odt.partition(":")
    shape = tuple(int(s) for s in shape.split("x")) if shape else \
        getattr(np, name)(x, **kw).shape
    with pytest.raises(err):
        getattr(np, name)(x, out=np.zeros(shape, dt), **kw)
    with pytest.raises(err):
        getattr(tn, name)(tn.asarray(x), out=tn.zeros(shape, dtype=getattr(tn, dt)), **kw)


def test_out_must_be_a_trueno_array():
    with pytest.raises(TypeError, match="out must be a trueno array"):
        tn.sum(tn.asarray(A), axis=0, out=np.zeros(3))


def test_method_out_of_take_compress_choose():
    t = tn.asarray(A)
    o = tn.zeros(2, dtype=tn.int64)
    assert t.take([0, 4], out=o) is o
    np.testing.assert_array_equal(np.asarray(o), A.take([0, 4], out=np.zeros(2, np.int64)))
    o = tn.zeros((1, 3))
    assert t.compress([True, False], axis=0, out=o) is o
    np.testing.assert_array_equal(np.asarray(o), A[:1])
    c = tn.asarray([0, 1])
    o = tn.zeros(2, dtype=tn.int64)
    assert c.choose([tn.asarray([1.5, 2.0]), tn.asarray([3.0, 4.0])], out=o) is o
    np.testing.assert_array_equal(np.asarray(o), [1, 4])


def test_sort_kind_and_order_checked():
    t = tn.asarray([3.0, 1.0, 2.0])
    for kind in (None, "quicksort", "stable", "mergesort", "heapsort"):
        s = t.copy()
        s.sort(kind=kind)
        np.testing.assert_array_equal(np.asarray(s), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(np.asarray(t.argsort(kind=kind)), [1, 2, 0])
    with pytest.raises(ValueError, match="kind"):
        t.sort(kind="bogus")
    with pytest.raises(ValueError, match="kind"):
        t.argsort(kind="bogus")
    with pytest.raises(ValueError, match="order"):
        t.sort(order="x")
    with pytest.raises(ValueError, match="kind"):
        t.argpartition(1, kind="bogus")
    with pytest.raises(ValueError, match="order"):
        t.copy().partition(1, order="f")


def test_stack_casting():
    a, b = np.ones((2, 2)), np.zeros((2, 1), np.int64)
    with pytest.raises(TypeError):
        np.hstack([a, b], dtype=np.int64)
    with pytest.raises(TypeError, match="same_kind"):
        tn.hstack([tn.asarray(a), tn.asarray(b)], dtype=tn.int64)
    _eq(tn.hstack([tn.asarray(a), tn.asarray(b)], dtype=tn.int64, casting="unsafe"),
        np.hstack([a, b], dtype=np.int64, casting="unsafe"))
    f = tn.asarray(a, dtype=tn.float32)
    with pytest.raises(TypeError, match="'no'"):
        tn.vstack([f], dtype=tn.float64, casting="no")
    with pytest.raises(ValueError):
        tn.vstack([f], casting="bogus")


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_meshgrid_copy_false_is_views(indexing, sparse, n):
    xs = [np.arange(2.0), np.arange(3.0) + 10, np.arange(4.0) + 20][:n]
    ts = [tn.asarray(x) for x in xs]
    for copy in (True, False):
        want = np.meshgrid(*xs, indexing=indexing, sparse=sparse, copy=copy)
        got = tn.meshgrid(*ts, indexing=indexing, sparse=sparse, copy=copy)
        for g, w in zip(got, want):
            _eq(g, w)
        assert tn.shares_memory(got[0], ts[0]) == np.shares_memory(want[0], xs[0])


@pytest.mark.parametrize("req", ["C", "F", "A", "W", "O", "E", "CW", ["F", "O"],
                                 ["C_CONTIGUOUS"], ["FORTRAN", "W"]])
@pytest.mark.parametrize("view", ["c", "T"])
def test_require(req, view):
    n = VIEWS[view](A)
    t = VIEWS[view](tn.asarray(A))
    got, want = tn.require(t, requirements=req), np.require(n, requirements=req)
    _eq(got, want)
    assert got.strides == want.strides
    assert tn.shares_memory(got, t) == np.shares_memory(want, n)


@pytest.mark.parametrize("order", [None, "C", "F", "A", "K"])
def test_conversion_orders(order):
    for view in ("c", "T"):
        n, t = VIEWS[view](A), VIEWS[view](tn.asarray(A))
        assert tn.asanyarray(t, order=order).strides == np.asanyarray(n, order=order).strides
        assert tn.asarray_chkfinite(t, order=order).strides == \
            np.asarray_chkfinite(n, order=order).strides
    assert tn.asfortranarray(tn.asarray(A)).strides == np.asfortranarray(A).strides
    with pytest.raises(ValueError):
        tn.asanyarray(tn.asarray(A), order="Q")


def test_like():
    t = tn.asarray(A)
    _eq(tn.fromiter(range(3), int, like=t), np.fromiter(range(3), int))
    _eq(tn.fromfunction(lambda i, j: i + j, (2, 2), like=t),
        np.fromfunction(lambda i, j: i + j, (2, 2)))
    with pytest.raises(TypeError, match="like must be None or a trueno array"):
        tn.fromiter(range(3), int, like=A)
    with pytest.raises(TypeError, match="like must be"):
        tn.ascontiguousarray(A, like=[1])


def test_shares_memory_max_work():
    t = tn.arange(10.0)
    assert tn.shares_memory(t[:5], t[3:], max_work=None)
    with pytest.raises(np.exceptions.TooHardError):
        tn.shares_memory(t[::2], t[1::2], max_work=0)
    assert tn.may_share_memory(t[::2], t[1::2], max_work=-1) == \
        np.may_share_memory(np.arange(10.0)[::2], np.arange(10.0)[1::2], max_work=-1)


def test_var_std_dtype_of_nan_reductions():
    x = np.asarray([1.0, np.nan, 3.0, 4.5])
    for name in ("nanvar", "nanstd"):
        got = getattr(tn, name)(tn.asarray(x), dtype=tn.float32)
        want = getattr(np, name)(x, dtype=np.float32)
        assert type(got) is type(want)
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("view", ["c", "T", "neg", "mixed"])
def test_flat_reads_and_writes_the_array(view):
    n = VIEWS[view](BASE.copy())
    t = VIEWS[view](tn.asarray(BASE.copy()))
    for key in (0, -1, np.int64(3), slice(1, 5), [0, 2], slice(None, None, -3)):
        got, want = t.flat[key], n.flat[key]
        if isinstance(want, np.ndarray):
            _eq(got, want)
        else:
            assert type(got) is type(want) and got == want
    n.flat[1] = 100.0
    t.flat[1] = 100.0
    n.flat[[2, 3]] = [7.0, 8.0]
    t.flat[[2, 3]] = [7.0, 8.0]
    n.flat[5:7] = -1.0
    t.flat[5:7] = -1.0
    _eq(t, n)
    assert len(t.flat) == n.size
    assert [type(x) for x in t.flat] == [type(x) for x in n.flat]
    assert list(t.flat) == list(n.flat)


def test_array_protocol_copy_false():
    t = tn.asarray([1.0, 2.0])
    v = np.array(t, dtype=np.float64, copy=False)  # no copy needed: a view
    assert np.shares_memory(v, t.numpy())
    with pytest.raises(ValueError):
        np.array(np.asarray([1.0, 2.0]), dtype=np.float32, copy=False)
    with pytest.raises(ValueError, match="without a copy"):
        np.array(t, dtype=np.float32, copy=False)
    c = np.array(t, dtype=np.float32)
    assert c.dtype == np.float32 and c.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("src,odt", [("f8", "i8"), ("i8", "i4"), ("f8", "f4"), ("i8", "f8"),
                                     ("f4", "f8")])
def test_function_out_of_take_compress_choose(src, odt):
    n = np.asarray([1.5, 2.0, 3.0]).astype(src)
    t = tn.asarray(n)
    cases = [(lambda m, a, o: m.take(a, [0, 2], out=o)),
             (lambda m, a, o: m.take(a, [0, 2], None, o)),  # out positional
             (lambda m, a, o: m.compress([True, False, True], a, out=o)),
             (lambda m, a, o: m.choose([0, 1], [a[:2], a[1:]], out=o))]
    for f in cases:
        o_n = np.zeros(2, odt)
        o_t = tn.zeros(2, dtype=odt)
        try:
            want = f(np, n, o_n)
        except TypeError:  # NumPy: take/compress need out's dtype to cast safely to a's
            with pytest.raises(TypeError, match="out"):
                f(tn, t, o_t)
            continue
        assert want is o_n and f(tn, t, o_t) is o_t
        _eq(o_t, o_n)


def test_function_sort_kind_and_partition_checked():
    n = np.asarray([3.0, 1.0, 2.0])
    t = tn.asarray(n)
    for kind in (None, "quicksort", "stable", "mergesort", "heapsort", "Q", "s"):
        _eq(tn.sort(t, kind=kind), np.sort(n, kind=kind))
        _eq(tn.argsort(t, kind=kind), np.argsort(n, kind=kind))
    for f in (tn.sort, tn.argsort):
        with pytest.raises(ValueError, match="kind") as e:
            f(t, kind="bogus")
        assert isinstance(e.value, tn.TruenoError)
        with pytest.raises(TypeError, match="kind"):
            f(t, kind=1)
    for f, nf in ((tn.partition, np.partition), (tn.argpartition, np.argpartition)):
        _eq(f(t, 1, kind="introselect"), nf(n, 1, kind="introselect"))
        with pytest.raises(ValueError, match="kind"):
            f(t, 1, kind="bogus")
        with pytest.raises(ValueError, match="order"):
            f(t, 1, order="f")
    # sorted=False lets NumPy return any order; trueno's (and NumPy 2.4's) is sorted
    _eq(tn.unique(tn.asarray([3, 1, 3]), sorted=False),
        np.sort(np.unique(np.asarray([3, 1, 3]), sorted=False)))


@pytest.mark.parametrize("name,x,kw,odt", [
    ("fft", np.arange(4.0), {}, "complex128"), ("fft", np.arange(4.0), {}, "complex64"),
    ("ifft", np.arange(4.0), {}, "complex128"), ("rfft", np.arange(4.0), {}, "complex128"),
    ("irfft", np.arange(3.0), {}, "float64"), ("irfft", np.arange(3.0), {}, "float32"),
    ("hfft", np.arange(3.0), {}, "float64"), ("ihfft", np.arange(4.0), {}, "complex128"),
    ("fftn", np.arange(6.0).reshape(2, 3), {}, "complex128"),
    ("ifftn", np.arange(6.0).reshape(2, 3), {}, "complex128"),
    ("rfftn", np.arange(6.0).reshape(2, 3), {}, "complex128"),
    ("irfftn", np.arange(6.0).reshape(2, 3), {}, "float64"),
    ("fft2", np.arange(6.0).reshape(2, 3), {}, "complex128"),
    ("ifft2", np.arange(6.0).reshape(2, 3), {}, "complex128"),
    ("rfft2", np.arange(6.0).reshape(2, 3), {}, "complex128"),
    ("irfft2", np.arange(6.0).reshape(2, 3), {}, "float64"),
])
def test_fft_out(name, x, kw, odt):
    want = getattr(np.fft, name)(x, **kw)
    o_n = np.zeros(want.shape, odt)
    r = getattr(np.fft, name)(x, out=o_n, **kw)
    if name in ("hfft", "ifftn", "ifft2", "irfftn", "irfft2"):  # NumPy 2.4 ignores out (bug)
        o_n[...] = r
    assert r is o_n or name in ("hfft", "ifftn", "ifft2", "irfftn", "irfft2")
    o_t = tn.zeros(want.shape, dtype=odt)
    assert getattr(tn.fft, name)(tn.asarray(x), out=o_t, **kw) is o_t
    assert o_t.dtype.name == odt
    np.testing.assert_allclose(np.asarray(o_t), o_n, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError):  # wrong shape
        getattr(tn.fft, name)(tn.asarray(x), out=tn.zeros((7,), dtype=odt), **kw)


def test_fft_out_refuses_complex_into_float():
    with pytest.raises(TypeError):
        np.fft.fft(np.arange(4.0), out=np.zeros(4))
    with pytest.raises(TypeError, match="out"):
        tn.fft.fft(tn.arange(4.0), out=tn.zeros(4))


def test_multi_dot_and_einsum_out():
    ms = [np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4),
          np.arange(8.0).reshape(4, 2)]
    for k in (2, 3):
        o_n = np.zeros((2, 4) if k == 2 else (2, 2))
        want = np.linalg.multi_dot(ms[:k], out=o_n)
        o_t = tn.zeros(o_n.shape)
        assert tn.linalg.multi_dot([tn.asarray(m) for m in ms[:k]], out=o_t) is o_t
        _eq(o_t, want)
        with pytest.raises(ValueError, match="out"):
            np.linalg.multi_dot(ms[:k], out=np.zeros(o_n.shape, np.float32))
        with pytest.raises(ValueError, match="out"):
            tn.linalg.multi_dot([tn.asarray(m) for m in ms[:k]],
                                out=tn.zeros(o_n.shape, dtype=tn.float32))
    a = np.arange(6.0).reshape(2, 3)
    o_n, o_t = np.zeros((2, 2)), tn.zeros((2, 2))
    assert np.einsum("ij,kj->ik", a, a, out=o_n) is o_n
    assert tn.einsum("ij,kj->ik", tn.asarray(a), tn.asarray(a), out=o_t) is o_t
    _eq(o_t, o_n)
    o_t = tn.zeros((), dtype=tn.float32)
    with pytest.raises(TypeError):
        tn.einsum("i,i", tn.asarray(a[0]), tn.asarray(a[0]), out=o_t)
    r = tn.einsum("i,i", tn.asarray(a[0]), tn.asarray(a[0]), out=o_t, casting="same_kind")
    assert r is o_t and float(o_t) == 5.0
