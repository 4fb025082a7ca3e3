"""trueno's ufuncs against NumPy's: attributes, keyword arguments (out=, where=, dtype=,
casting=, order=) and the methods reduce, accumulate, outer, at, reduceat (issue 14)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno as tn
from trueno._optable import OPS

NP_UFUNCS = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)
                   and getattr(np, n).signature is None)
# Every two-input, one-output ufunc of the table, one name per row (its aliases are the same
# function): a new row's reduce/accumulate are compared with NumPy's with no edit here.
BINARY = sorted(r.name for r in OPS.values() if r.numpy_face == "ufunc" and r.nin == 2
                and isinstance(getattr(tn, r.name, None), tn.ufunc)
                and getattr(tn, r.name).nout == 1)
# trueno's own functions differ from NumPy here (docs/compat.md): pow, floor_divide and
# remainder refuse bool arrays (NumPy computes them in int8), so their reduce/accumulate do too
KNOWN = {("pow", "bool"), ("floor_divide", "bool"), ("remainder", "bool")}
DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float32", "float64", "complex128"]


def same(got, want, exact=True):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w, exact)
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, tn.ndarray), (type(got), want)
        assert got.shape == want.shape and got.dtype.name == want.dtype.name, (got, want)
        g = np.asarray(got)
    else:
        assert type(got) is type(want), (type(got), type(want))
        g = got
    if exact:
        np.testing.assert_array_equal(g, want)
    else:
        rtol = {2: 2e-3, 4: 1e-5}.get(np.asarray(want).dtype.itemsize, 1e-12)
        np.testing.assert_allclose(g, want, rtol=rtol)


def run(fn):
    """``fn()`` or the exception it raised (NumPy's TypeError/ValueError are compared by
    class), with NumPy's floating-point warnings silenced on both sides."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn()
        except (TypeError, ValueError) as exc:
            return exc


def check(tfn, nfn, exact=True):
    want = run(nfn)
    got = run(tfn)
    if isinstance(want, Exception):
        assert isinstance(got, Exception), (got, want)
        # NumPy's UFuncTypeError is a TypeError; its no-identity errors are ValueErrors
        assert isinstance(got, TypeError) == isinstance(want, TypeError), (got, want)
        # trueno's own error class (DESIGN.md §5), never NumPy's raw UFuncTypeError
        assert not isinstance(want, TypeError) or isinstance(got, tn.DTypeError), (got, want)
        return
    assert not isinstance(got, Exception), (got, want)
    same(got, want, exact)


def _data(dtype, shape=(3, 4), seed=0):
    r = np.random.default_rng(seed)
    n = (r.integers(1, 6, size=shape)).astype(dtype)
    return tn.asarray(n), n


def test_every_numpy_ufunc_in_trueno_is_a_ufunc_with_numpys_attributes():
    have = [n for n in NP_UFUNCS if hasattr(tn, n)]
    assert len(have) >= 95, sorted(set(NP_UFUNCS) - set(have))
    for n in have:
        t, u = getattr(tn, n), getattr(np, n)
        assert isinstance(t, tn.ufunc), n
        assert (t.nin, t.nout, t.nargs, t.identity, t.ntypes, t.types, t.signature,
                t.__name__) == (u.nin, u.nout, u.nargs, u.identity, u.ntypes, u.types,
                                u.signature, u.__name__), n
    assert not isinstance(tn.sum, tn.ufunc) and not isinstance(np.add, tn.ufunc)
    with pytest.raises(TypeError):
        tn.ufunc()


def _refused(name, dtype) -> bool:
    """Whether trueno refuses ``name`` on ``dtype`` (a ``KNOWN`` pair): the ufunc itself raises
    DTypeError (checked here), so its methods have nothing to compare."""
    if (name, dtype) not in KNOWN:
        return False
    with pytest.raises(tn.DTypeError):
        getattr(tn, name)(tn.asarray([True]), tn.asarray([True]))
    return True


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY)
def test_reduce_matches_numpy(name, dtype):
    if _refused(name, dtype):
        return
    t, n = _data(dtype)
    tu, nu = getattr(tn, name), getattr(np, name)
    exact = dtype not in ("bool", "float32", "float64", "complex128") or name in (
        "maximum", "minimum", "fmax", "fmin", "equal", "less", "logical_and", "logical_or",
        "logical_xor", "copysign")
    for kw in [{}, {"axis": 1}, {"axis": -1, "keepdims": True}, {"axis": None},
               {"axis": (0, 1)}, {"axis": 0, "initial": 2}, {"axis": ()}]:
        check(lambda kw=kw: tu.reduce(t, **kw), lambda kw=kw: nu.reduce(n, **kw), exact)
    one = t[0]
    check(lambda: tu.reduce(one), lambda: nu.reduce(n[0]), exact)  # a NumPy scalar


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY)
def test_accumulate_matches_numpy(name, dtype):
    if _refused(name, dtype):
        return
    t, n = _data(dtype)
    tu, nu = getattr(tn, name), getattr(np, name)
    exact = dtype not in ("float32", "float64", "complex128") or name in (
        "maximum", "minimum", "fmax", "fmin")
    for kw in [{}, {"axis": 1}, {"axis": -1}]:
        check(lambda kw=kw: tu.accumulate(t, **kw), lambda kw=kw: nu.accumulate(n, **kw),
              exact)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "maximum", "minimum",
                                  "bitwise_or", "logical_and", "fmax", "power"])
def test_reduceat_matches_numpy(name):
    t, n = _data("int64", (8, 3))
    tu, nu = getattr(tn, name), getattr(np, name)
    for idx, axis in [([0, 4, 1, 5], 0), ([0, 2, 2, 7], 0), ([1], 0), ([0, 2], 1),
                      ([2, 1, 0], 1)]:
        check(lambda idx=idx, axis=axis: tu.reduceat(t, idx, axis=axis),
              lambda idx=idx, axis=axis: nu.reduceat(n, idx, axis=axis))
    t8, n8 = _data("int8", (6,))
    check(lambda: tu.reduceat(t8, [0, 3]), lambda: nu.reduceat(n8, [0, 3]))


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "maximum", "equal",
                                  "power", "arctan2", "logical_xor"])
def test_outer_matches_numpy(name):
    t, n = _data("int32", (2, 3))
    v, nv = _data("float64", (4,), seed=1)
    tu, nu = getattr(tn, name), getattr(np, name)
    check(lambda: tu.outer(t, v), lambda: nu.outer(n, nv), exact=False)
    check(lambda: tu.outer([1, 2], [3, 4, 5]), lambda: nu.outer([1, 2], [3, 4, 5]))
    check(lambda: tn.sqrt.outer(t, v), lambda: np.sqrt.outer(n, nv))  # unary: ValueError


AT_CASES = [
    ("add", [0, 1, 0, 3, 0], 1.5), ("add", [0, 1, 0, 3, 0], [1.0, 2.0, 3.0, 4.0, 5.0]),
    ("subtract", [2, 2, 1], [1.0, 2.0, 4.0]), ("multiply", [1, 1, 1, 2], 2.0),
    ("maximum", [0, 0, 4], [7.0, 9.0, -1.0]), ("minimum", [3, 3], [-1.0, -5.0]),
    ("divide", [4, 4], 2.0), ("negative", [0, 0, 1], None), ("add", slice(1, 4), 10.0),
]


@pytest.mark.parametrize("case", range(len(AT_CASES)))
def test_at_matches_numpy_with_repeated_indices(case):
    name, idx, b = AT_CASES[case]
    n = np.arange(5.0)
    t = tn.asarray(n.copy())  # a copy: NumPy's at below must not write trueno's memory
    args = () if b is None else (b,)
    getattr(np, name).at(n, idx, *args)
    assert getattr(tn, name).at(t, idx, *args) is None
    same(t, n)
    # a 2-d array with a tuple index, ints
    n2 = np.arange(12).reshape(3, 4)
    t2 = tn.asarray(n2.copy())
    if name in ("add", "subtract", "multiply", "maximum", "minimum"):
        getattr(np, name).at(n2, ([0, 0, 2], [1, 1, 3]), 5)
        getattr(tn, name).at(t2, ([0, 0, 2], [1, 1, 3]), 5)
        same(t2, n2)


def test_at_group_by_idiom_and_errors():
    labels = tn.asarray([0, 2, 2, 1, 2, 0])
    counts = tn.zeros(3, dtype=tn.int64)
    tn.add.at(counts, labels, 1)
    np.testing.assert_array_equal(np.asarray(counts), [2, 1, 3])
    sums = tn.zeros(3)
    tn.add.at(sums, labels, tn.asarray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    np.testing.assert_array_equal(np.asarray(sums), [7.0, 4.0, 10.0])
    with pytest.raises(TypeError):
        tn.add.at(np.zeros(3), [0], 1)  # not a trueno array
    with pytest.raises(ValueError):
        tn.add.at(tn.zeros(3), [0])  # a binary ufunc needs its second operand
    with pytest.raises(ValueError):
        tn.negative.at(tn.zeros(3), [0], 1.0)
    n, t = np.zeros(3, dtype=np.int64), tn.zeros(3, dtype=tn.int64)
    np.add.at(n, [0, 0], 1.5)  # NumPy's ufunc.at casts the result unsafely
    tn.add.at(t, [0, 0], 1.5)
    same(t, n)


def test_at_through_autograd_follows_the_engine_path():
    pytest.importorskip("trueno_autograd")
    x = tn.asarray([1.0, 2.0, 3.0]).requires_grad_(True)
    y = x * 1.0
    tn.add.at(y, [0, 0, 2], tn.asarray([1.0, 2.0, 3.0]))
    tn.maximum.at(y, [1, 1], 2.5)
    np.testing.assert_array_equal(np.asarray(y.detach()), [4.0, 2.5, 6.0])
    (y * tn.asarray([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 0.0, 100.0])


# -- keyword arguments of calls -----------------------------------------------------------------
def test_out_where_idioms():
    b = tn.asarray([0.0, 1.0, 2.0, 4.0])
    z = tn.zeros(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the masked-out 0/0 warns in neither library
        r = tn.divide(1.0, b, out=z, where=b != 0)
        assert r is z
        np.testing.assert_array_equal(np.asarray(z), [0.0, 1.0, 0.5, 0.25])
        nb = np.asarray(b)
        same(tn.divide(b, b, out=tn.full(4, -1.0), where=b != 0),
             np.divide(nb, nb, out=np.full(4, -1.0), where=nb != 0))
    a = tn.asarray([1.0, 4.0, 9.0])
    assert tn.sqrt(a, out=a) is a
    np.testing.assert_array_equal(np.asarray(a), [1.0, 2.0, 3.0])
    o = tn.zeros(3)
    assert tn.add(a, 1, o) is o  # out given positionally
    np.testing.assert_array_equal(np.asarray(o), [2.0, 3.0, 4.0])


def test_out_casting_broadcast_and_errors_as_numpy():
    n = np.arange(3)
    t = tn.asarray(n)
    for kw in [{"out": np.zeros((2, 3))}, {"out": np.zeros(3, dtype=np.int8)},
               {"out": np.zeros(3, dtype=np.int8), "casting": "unsafe"},
               {"out": np.zeros(3), "dtype": np.float32}, {"dtype": np.float32},
               {"dtype": np.int8}, {"dtype": np.int8, "casting": "unsafe"},
               {"out": np.zeros(3, dtype=np.int64), "casting": "no"},
               {"out": np.zeros((2,))}, {"where": np.array([True, False, True]),
                                           "out": np.ones(3)}]:
        tkw = {k: (tn.asarray(v.copy()) if isinstance(v, np.ndarray) else v)
               for k, v in kw.items()}  # copies: trueno's out must not be NumPy's memory
        val = 2 if "dtype" in kw else 0.5
        check(lambda kw=kw, tkw=tkw, val=val: tn.add(t, val, **tkw),
              lambda kw=kw, val=val: np.add(n, val, **kw))
        if "out" in kw:
            same(tkw["out"], kw["out"])  # written as NumPy wrote it (or left, as NumPy left it)
    check(lambda: tn.add(t, t, dtype=tn.float32), lambda: np.add(n, n, dtype=np.float32))
    check(lambda: tn.add(2, 3, dtype=tn.float32), lambda: np.add(2, 3, dtype=np.float32))
    f = tn.multiply(tn.ones((2, 3)), 2.0, order="F")
    assert f.strides == np.multiply(np.ones((2, 3)), 2.0, order="F").strides
    with pytest.raises(ValueError):
        tn.add(t, t, order="X")
    with pytest.raises(ValueError):
        tn.add(t, t, casting="bogus")
    with pytest.raises(TypeError):
        tn.add(t, t, signature="ll->l")
    with pytest.raises(TypeError):
        tn.add(t, t, axis=0)  # NumPy: not a keyword of an elementwise ufunc
    with pytest.raises(tn.DTypeError):
        tn.add(t, t, where=t)  # where must be boolean


def test_two_output_ufuncs_take_a_tuple_out():
    n = np.asarray([5, 7, -3])
    t = tn.asarray(n)
    same(tn.divmod(t, 3), np.divmod(n, 3))
    o = (tn.zeros(3, dtype=tn.int64), tn.zeros(3, dtype=tn.int64))
    r = tn.divmod(t, 3, out=o)
    assert r[0] is o[0] and r[1] is o[1]
    same(o, np.divmod(n, 3))
    with pytest.raises(ValueError):
        tn.divmod(t, 3, out=(o[0],))
    assert tn.divmod.nout == 2
    with pytest.raises(ValueError):
        tn.divmod.reduce(t)


def test_scalar_results_keep_numpy_types():
    same(tn.add(tn.asarray(1.0), 2.0, where=True), np.add(np.asarray(1.0), 2.0, where=True))
    same(tn.add.reduce(tn.asarray([1, 2])), np.add.reduce(np.asarray([1, 2])))
    same(tn.maximum.reduce(tn.asarray([1.0, np.nan])), np.maximum.reduce([1.0, np.nan]))
    same(tn.fmax.reduce(tn.asarray([1.0, np.nan])), np.fmax.reduce([1.0, np.nan]))
    check(lambda: tn.maximum.reduce(tn.zeros(0)), lambda: np.maximum.reduce(np.zeros(0)))
    same(tn.add.reduce(tn.zeros((0, 2)), axis=0), np.add.reduce(np.zeros((0, 2)), axis=0))
    same(tn.multiply.reduce(tn.zeros(0)), np.multiply.reduce(np.zeros(0)))
    w = np.asarray([[True, False, True], [False, False, True]])
    n = np.arange(6.0).reshape(2, 3)
    same(tn.add.reduce(tn.asarray(n), axis=1, where=tn.asarray(w)),
         np.add.reduce(n, axis=1, where=w))
    same(tn.maximum.reduce(tn.asarray(n), axis=0, where=tn.asarray(w), initial=-1.0),
         np.maximum.reduce(n, axis=0, where=w, initial=-1.0))
    check(lambda: tn.maximum.reduce(tn.asarray(n), where=tn.asarray(w)),
          lambda: np.maximum.reduce(n, where=w))
    o = tn.zeros(3)
    assert tn.add.reduce(tn.asarray(n), axis=0, out=o) is o
    same(o, np.add.reduce(n, axis=0))


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_of_floats_raise_truenos_type_error(name):
    """NumPy has integer loops only (its raw UFuncTypeError): trueno raises DTypeError, a
    TypeError, from the function and its methods; an int array with a bool or int scalar
    computes as NumPy (NEP 50)."""
    f = np.ones((2, 2), np.float32)
    for call in (lambda m, x: getattr(m, name)(x, x), lambda m, x: getattr(m, name).reduce(x),
                 lambda m, x: getattr(m, name)(x.astype(bool), x.astype(bool)),
                 lambda m, x: getattr(m, name)(x.astype(np.int32), 2.5)):
        with pytest.raises(TypeError):
            call(np, f)
        with pytest.raises(tn.DTypeError, match=f"{name}"):
            call(tn, tn.asarray(f))
    i = np.array([4, 6, 9], np.int16)
    for other in (True, 6, np.array([True, False, True])):
        same(getattr(tn, name)(tn.asarray(i), tn.asarray(other) if isinstance(
            other, np.ndarray) else other), getattr(np, name)(i, other))


def test_reduce_loops_follow_numpys_resolution():
    """reduce/accumulate run in NumPy's loop dtypes: ldexp of ints accumulates float16/float64
    with int32 exponents (its accumulate has no such loop: NumPy's TypeError), shifts of bools
    in int8, nextafter of ints in a float, logaddexp2 of several axes in NumPy's order."""
    for dt in ("int8", "int32", "uint8"):
        t, n = _data(dt, (3, 4), seed=1)
        same(tn.ldexp.reduce(t), np.ldexp.reduce(n))
        with pytest.raises(TypeError):
            np.ldexp.accumulate(n)
        with pytest.raises(tn.DTypeError, match="not compatible"):
            tn.ldexp.accumulate(t)
        same(tn.nextafter.accumulate(t, axis=1), np.nextafter.accumulate(n, axis=1))
        same(tn.logaddexp2.reduce(t, axis=None), np.logaddexp2.reduce(n, axis=None))
    t3, n3 = _data("int8", (3, 4, 5), seed=3)
    for axis in [(1, 0), (0, 2), (2, 0), (1, 2), (2, 1, 0)]:  # NumPy's order: C order
        same(tn.logaddexp2.reduce(t3, axis=axis), np.logaddexp2.reduce(n3, axis=axis))
    b = np.array([[True, False, True], [True, True, False]])
    for name in ("left_shift", "right_shift"):
        same(getattr(tn, name).reduce(tn.asarray(b)), getattr(np, name).reduce(b))
        same(getattr(tn, name).accumulate(tn.asarray(b), axis=1),
             getattr(np, name).accumulate(b, axis=1))
