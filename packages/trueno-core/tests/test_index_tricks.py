"""NumPy's index and iteration helpers and ``a.flags`` on the NumPy face, against NumPy
(issue 14): r_, c_, s_, index_exp, mgrid, ogrid, ix_, ndindex, ndenumerate, nditer, flags."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import assert_numpy_result as same


R_KEYS = [
    lambda m, a: m.r_[a, 0, a],
    lambda m, a: m.r_[1:5],
    lambda m, a: m.r_[0:1:5j, 7],
    lambda m, a: m.r_[-1:1:6j, [0] * 3, 5, 6],
    lambda m, a: m.r_[a, 2.5],
    lambda m, a: m.r_["0,2", [1, 2], [3, 4]],
    lambda m, a: m.r_["1,2,0", [1, 2, 3], [4, 5, 6]],
    lambda m, a: m.r_["-1", a.reshape(3, 1) if hasattr(a, "reshape") else a, a[:, None]],
    lambda m, a: m.c_[a, a],
    lambda m, a: m.c_[a, 10 * a, [7, 8, 9]],
    lambda m, a: m.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])],
    lambda m, a: m.r_[np.array([1, 2], np.int8), np.array([3], np.int16)],
    lambda m, a: m.mgrid[0:3, 0:2],
    lambda m, a: m.mgrid[-1:1:5j],
    lambda m, a: m.mgrid[0:1:0.25, 0:2],
    lambda m, a: m.ogrid[0:3, 0:4],
    lambda m, a: m.ogrid[0:1:3j],
]


@pytest.mark.parametrize("case", range(len(R_KEYS)))
def test_concatenators_and_grids_match_numpy(case):
    n = np.asarray([1, 2, 3])
    same(R_KEYS[case](tn, tn.asarray(n)), R_KEYS[case](np, n))


def test_concatenator_keeps_the_device_and_refuses_matrices():
    a = tn.asarray([1.0, 2.0])
    assert tn.r_[a, a].device == a.device
    with pytest.raises(TypeError):
        tn.r_["r", [1, 2], [3, 4]]  # NumPy makes a numpy.matrix


def test_s_index_exp_ndindex_ix_are_numpys():
    assert tn.s_[1:2, ::3, ...] == np.s_[1:2, ::3, ...]
    assert tn.index_exp[2:5] == np.index_exp[2:5]
    assert list(tn.ndindex(2, 3)) == list(np.ndindex(2, 3))
    assert list(tn.ndindex((2, 1))) == list(np.ndindex((2, 1)))
    n = np.arange(12).reshape(3, 4)
    t = tn.asarray(n)
    same(t[tn.ix_([0, 2], [1, 3])], n[np.ix_([0, 2], [1, 3])])
    same(t[tn.s_[::2, 1]], n[np.s_[::2, 1]])


@pytest.mark.parametrize("dtype", ["int32", "float64", "bool", "complex64"])
def test_ndenumerate_matches_numpy(dtype):
    n = (np.arange(6).reshape(2, 3) % 4).astype(dtype)
    got = list(tn.ndenumerate(tn.asarray(n)))
    want = list(np.ndenumerate(n))
    assert len(got) == len(want)
    for (gi, gv), (wi, wv) in zip(got, want):
        assert gi == wi and type(gv) is type(wv) and gv == wv
    assert list(tn.ndenumerate([[1, 2]])) == list(np.ndenumerate([[1, 2]]))


def test_nditer_read_readwrite_multi_index_and_allocated_output():
    n = np.arange(6.0).reshape(2, 3)
    t = tn.asarray(n.copy())
    assert [float(x) for x in tn.nditer(t)] == [float(x) for x in np.nditer(n)]
    assert [float(x) for x in tn.nditer(t.T)] == [float(x) for x in np.nditer(n.T)]
    assert [float(x) for x in tn.nditer(t.T, order="C")] == \
        [float(x) for x in np.nditer(n.T, order="C")]
    with tn.nditer(t, op_flags=["readwrite"]) as it:
        for x in it:
            x[...] = 2 * x
    with np.nditer(n, op_flags=["readwrite"]) as it:
        for x in it:
            x[...] = 2 * x
    same(t, n)
    it, nit = tn.nditer(t, flags=["multi_index"]), np.nditer(n, flags=["multi_index"])
    got, want = [], []
    while not it.finished:
        got.append((it.multi_index, float(it[0])))
        it.iternext()
    while not nit.finished:
        want.append((nit.multi_index, float(nit[0])))
        nit.iternext()
    assert got == want
    a = tn.asarray([1, 2, 3])
    with tn.nditer([a, None]) as it:
        for x, y in it:
            y[...] = x * x
        out = it.operands[1]
    same(out, np.asarray([1, 4, 9]))
    b = tn.asarray([1, 2])
    with tn.nditer([b, tn.asarray([[10], [20]]), None]) as it:
        for x, y, z in it:
            z[...] = x + y
        same(it.operands[2], np.asarray([[11, 12], [21, 22]]))
    with pytest.raises(ValueError):
        for x in tn.nditer(t):
            x[...] = 0  # read-only by default, as NumPy


def test_nditer_readwrite_of_a_recorded_array_raises():
    pytest.importorskip("trueno_autograd")
    x = tn.asarray([1.0, 2.0]).requires_grad_(True)
    with pytest.raises(tn.DeviceError):
        tn.nditer(x * 2, op_flags=["readwrite"])


FLAG_CASES = ["M.arange(6)", "M.arange(6).reshape(2, 3)", "M.ones((2, 3))",
              "M.ones((2, 3))[0]", "M.ones((2, 3)).T", "M.ones((2, 3)).copy()",
              "M.asarray([1, 2])", "M.ones((2, 3)) + 1", "M.zeros((2, 3))[:, 1]",
              "M.ones(4)[::2]", "M.ones((2, 3))[[0]]", "M.eye(3)", "M.ones(())",
              "M.ones((3, 1))", "M.ones((2, 3)).T.copy()", "M.zeros((4, 4)).diagonal()",
              "M.broadcast_to(M.ones(3), (2, 3))"]


@pytest.mark.parametrize("case", FLAG_CASES)
def test_flags_match_numpy(case):
    t = eval(case.replace("M.", "tn."))
    n = eval(case.replace("M.", "np."))
    for k in ("C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE", "ALIGNED",
              "WRITEBACKIFCOPY", "FNC", "FORC", "BEHAVED", "CARRAY", "FARRAY", "C", "F", "W"):
        assert t.flags[k] == n.flags[k], (case, k)
    assert t.flags.c_contiguous == n.flags.c_contiguous
    assert t.flags.writeable == n.flags.writeable
    assert repr(t.flags) == repr(n.flags)
    with pytest.raises(KeyError):
        t.flags["NOPE"]


def test_writeable_false_is_honoured_by_every_write():
    a = tn.ones((2, 3))
    a.flags.writeable = False
    assert not a.flags.writeable and not a[0].flags.writeable  # later views: read-only too
    writes = [lambda: a.__setitem__(0, 5.0), lambda: a.__setitem__((1, 2), 5.0),
              lambda: a.__setitem__([0], 3.0), lambda: a.__setitem__(a > 0, 3.0),
              lambda: a.__iadd__(1), lambda: a.fill(2.0), lambda: tn.add(a, 1, out=a),
              lambda: a.sort(), lambda: tn.copyto(a, 1.0), lambda: tn.add.at(a, [0], 1.0)]
    for w in writes:
        with pytest.raises(ValueError, match="read-only"):
            w()
    np.testing.assert_array_equal(np.asarray(a), np.ones((2, 3)))
    a.flags.writeable = True
    a[0, 0] = 7.0
    assert a[0, 0] == 7.0
    for mk in ("M.zeros((3, 3)).diagonal()", "M.broadcast_to(M.ones(3), (2, 3))"):
        t, n = eval(mk.replace("M.", "tn.")), eval(mk.replace("M.", "np."))
        assert t.flags.writeable == n.flags.writeable is False
        try:
            n.flags.writeable = True
        except ValueError:
            with pytest.raises(ValueError):
                t.flags.writeable = True
        else:
            t.flags.writeable = True
            assert t.flags.writeable
    with pytest.raises(ValueError):
        a.flags.writebackifcopy = True
    a.flags["W"] = False
    assert not a.flags["WRITEABLE"]


def test_base_follows_numpys_rule():
    def chain(m):
        a0 = m.arange(12.0)
        a1 = a0.reshape(3, 4)
        a2 = a1[1:]
        a3 = a2.T
        a4 = a3[0]
        return [a0, a1, a2, a3, a4, a1.copy(), a1 + 1, a1[[0, 2]], a1[1], a2[:, ::2]]
    ts, ns = chain(tn), chain(np)
    for t, n in zip(ts, ns):
        if n.base is None:
            assert t.base is None
        else:
            k = next(i for i, x in enumerate(ns) if x is n.base)
            assert t.base is ts[k]
        assert (t.base is None) == t.flags.owndata


def test_setflags_and_contains_match_numpy():
    a = tn.arange(6).reshape(2, 3)
    a.setflags(write=False)
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 1
    a.setflags(write=True)
    a[0, 0] = 0
    with pytest.raises(ValueError):
        a.setflags(uic=True)
    n = np.arange(6).reshape(2, 3)
    for v in [4, 7, 2.0, [0, 1, 2], [9, 1, 2], [9, 9, 9], [[0], [3]], True]:
        assert (v in a) == (v in n), v
    assert 3 in tn.asarray(3) and 1.5 not in tn.ones(4)
