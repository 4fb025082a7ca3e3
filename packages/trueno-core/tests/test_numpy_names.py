"""NumPy's remaining names on the NumPy face (issue 14), compared with NumPy: the constants
(``True_``, ``typecodes``, ``ScalarType``, ``sctypeDict``, ...), ``flatiter``, ``record``,
``broadcast``, the gufunc attributes of ``matmul``/``matvec``/``vecmat``/``vecdot`` and the
datetime helpers (``busday_count``, ``busday_offset``, ``is_busday``, ``busdaycalendar``,
``datetime_as_string``, ``datetime_data``)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno._numpy_datetime import DatetimeValueError

DATES = ["2011-07-01", "2011-07-02", "2011-07-03", "2011-07-04", "2011-12-25"]


# -- constants ------------------------------------------------------------------------------
def test_bool_scalars_are_numpys():
    assert tn.True_ is np.True_ and tn.False_ is np.False_
    assert isinstance(tn.True_, tn.bool_) and tn.asarray([1, 0])[0] == tn.True_


def test_little_endian_and_typecodes():
    assert tn.little_endian is np.little_endian
    assert tn.typecodes == np.typecodes and tn.typecodes is not np.typecodes
    assert tn.float64.char in tn.typecodes["Float"] and tn.int32.char in tn.typecodes["Integer"]


def test_scalar_type_gives_trueno_dtypes_for_numpys_scalar_types():
    assert len(tn.ScalarType) == len(np.ScalarType)
    for mine, theirs in zip(tn.ScalarType, np.ScalarType):
        if isinstance(mine, tn.DType):  # the trueno dtype of NumPy's name of the type
            assert getattr(tn, theirs.__name__) is mine
        else:
            assert mine is theirs
    assert tn.ScalarType[:7] == (int, float, complex, bool, bytes, str, memoryview)
    assert tn.float64 in tn.ScalarType and np.longdouble in tn.ScalarType
    for x in (1, 2.5, "a", np.float32(1), tn.arange(3)[1], tn.ones(2)[0]):
        assert isinstance(x, tn.ScalarType) == isinstance(x, np.ScalarType)
    assert not isinstance(tn.arange(3), tn.ScalarType)


def test_sctype_dict_names_trueno_dtypes():
    assert set(tn.sctypeDict) == set(np.sctypeDict) | {"bfloat16"}
    for key, t in np.sctypeDict.items():
        mine = tn.sctypeDict[key]
        if isinstance(mine, tn.DType):
            assert mine == np.dtype(t), key
        else:
            assert mine is t, key
    assert tn.sctypeDict["double"] is tn.float64 and tn.sctypeDict["int"] is tn.int64
    assert tn.sctypeDict["bool"] is tn.bool_ and tn.sctypeDict["longlong"] is tn.longlong
    assert tn.sctypeDict["float128"] is np.longdouble  # no trueno dtype: NumPy's type
    x = tn.sctypeDict["float32"](0.1)
    assert type(x) is np.float32 and x == np.float32(0.1)


def test_flatiter_and_record_are_the_element_types():
    assert tn.flatiter is type(tn.arange(4).flat)
    assert isinstance(tn.arange(6).reshape(2, 3).flat, tn.flatiter)
    r = tn.rec.fromrecords([(1, 2.0), (3, 4.0)], names="a,b")
    assert tn.record is np.record and isinstance(r[0], tn.record) and r[1].b == 4.0


# -- broadcast ------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [[(3,), (2, 1)], [(2, 3), ()], [(4, 1, 2), (3, 1)], [(5,)],
                                    [(0, 3), (3,)]])
def test_broadcast_matches_numpy(shapes):
    arrays = [np.arange(int(np.prod(s)), dtype=np.float32 if i else np.int64).reshape(s)
              for i, s in enumerate(shapes)]
    want = np.broadcast(*arrays)
    got = tn.broadcast(*[tn.asarray(a) for a in arrays])
    assert (got.shape, got.size, got.ndim, got.nd, got.numiter, got.index) == \
        (want.shape, want.size, want.ndim, want.nd, want.numiter, want.index)
    w, g = list(want), list(got)
    assert g == w and [tuple(map(type, t)) for t in g] == [tuple(map(type, t)) for t in w]
    assert got.index == want.index == want.size
    got.reset()
    assert got.index == 0 and (not g or next(got) == w[0])


def test_broadcast_of_scalars_lists_and_broadcasts():
    assert tn.broadcast().shape == () and tn.broadcast().numiter == 0
    assert list(tn.broadcast(1.5, [1, 2])) == list(np.broadcast(1.5, [1, 2]))
    b = tn.broadcast(tn.arange(3), tn.ones((2, 1)))
    assert tn.broadcast(b, 5).numiter == np.broadcast(np.broadcast(np.arange(3),
                                                                   np.ones((2, 1))), 5).numiter
    first = next(b)
    assert b.index == 1 and first == (0, 1.0) and len(b.iters) == 2


def test_broadcast_errors():
    with pytest.raises(ValueError, match="Mismatch is between arg 0 with shape \\(3,\\) and "
                                         "arg 2 with shape \\(2,\\)") as e:
        tn.broadcast(tn.arange(3), 1, tn.arange(2))
    assert isinstance(e.value, tn.ShapeError)
    with pytest.raises(ValueError, match="at most 64"):
        tn.broadcast(*[1] * 65)


# -- gufunc attributes ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["matmul", "matvec", "vecmat", "vecdot"])
def test_gufunc_attributes_are_numpys(name):
    mine, theirs = getattr(tn, name), getattr(np, name)
    for attr in ("__name__", "nin", "nout", "nargs", "identity", "signature"):
        assert getattr(mine, attr) == getattr(theirs, attr), attr
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    args = {"matmul": (a, a.T), "matvec": (a, b), "vecmat": (a[0], a.T), "vecdot": (b, b)}[name]
    np.testing.assert_allclose(np.asarray(mine(*[tn.asarray(x) for x in args])),
                               theirs(*args))


# -- datetime helpers -----------------------------------------------------------------------
def _dates():
    return np.array(DATES, dtype="M8[D]"), tn.asarray(DATES, dtype="M8[D]")


def _same(got, want):
    assert isinstance(got, tn.ndarray) and got.device.type == "cpu"
    assert str(got.dtype) == str(want.dtype) and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want, strict=True)


def test_busday_count_offset_is_busday_on_arrays():
    n, t = _dates()
    _same(tn.busday_count(t, "2012-01-01"), np.busday_count(n, "2012-01-01"))
    _same(tn.busday_count(t, t[::-1]), np.busday_count(n, n[::-1]))
    _same(tn.is_busday(t, holidays=["2011-07-04"]), np.is_busday(n, holidays=["2011-07-04"]))
    _same(tn.busday_offset(t, tn.arange(5), roll="following"),
          np.busday_offset(n, np.arange(5), roll="following"))
    _same(tn.busday_offset(t, 2, roll="modifiedpreceding", weekmask="1111110"),
          np.busday_offset(n, 2, roll="modifiedpreceding", weekmask="1111110"))


def test_scalar_dates_give_numpy_scalars():
    for got, want in [(tn.busday_count("2011-01", "2011-02"), np.busday_count("2011-01",
                                                                              "2011-02")),
                      (tn.is_busday("2011-07-02"), np.is_busday("2011-07-02")),
                      (tn.busday_offset("2011-10", 1, roll="forward"),
                       np.busday_offset("2011-10", 1, roll="forward"))]:
        assert type(got) is type(want) and got == want


def test_busdaycalendar():
    cal = tn.busdaycalendar(weekmask="Mon Tue Wed Thu", holidays=tn.asarray(
        ["2011-07-05", "2011-07-04", "2011-07-09"], dtype="M8[D]"))
    ncal = np.busdaycalendar(weekmask="Mon Tue Wed Thu",
                             holidays=["2011-07-05", "2011-07-04", "2011-07-09"])
    _same(cal.weekmask, ncal.weekmask)
    _same(cal.holidays, ncal.holidays)
    n, t = _dates()
    _same(tn.busday_count(t, "2011-09-01", busdaycal=cal),
          np.busday_count(n, "2011-09-01", busdaycal=ncal))
    _same(tn.is_busday(t, busdaycal=ncal), np.is_busday(n, busdaycal=ncal))
    assert isinstance(ncal, tn.busdaycalendar) and isinstance(cal, tn.busdaycalendar)
    assert "weekmask='1111000'" in repr(cal)


def test_out_is_written_and_returned():
    n, t = _dates()
    out = tn.zeros(5)
    assert tn.busday_count(t, "2012-01-01", out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.busday_count(n, "2012-01-01").astype(float))
    view = tn.zeros((2, 5), dtype=tn.bool_)[1]
    tn.is_busday(t, out=view)
    np.testing.assert_array_equal(view.numpy(), np.is_busday(n))
    nout = np.empty(5, dtype="M8[D]")
    assert tn.busday_offset(t, 1, roll="forward", out=nout) is nout
    np.testing.assert_array_equal(nout, np.busday_offset(n, 1, roll="forward"))
    with pytest.raises(ValueError):  # NumPy's shape check of out
        tn.is_busday(t, out=tn.zeros(3, dtype=tn.bool_))


def test_datetime_as_string_and_datetime_data():
    n = np.array(["2011-07-01T12:30", "NaT", "2011-12-25T00:00"], dtype="M8[m]")
    t = tn.asarray(n)
    _same(tn.datetime_as_string(t), np.datetime_as_string(n))
    _same(tn.datetime_as_string(t, unit="h", timezone="UTC"),
          np.datetime_as_string(n, unit="h", timezone="UTC"))
    s = tn.datetime_as_string(np.datetime64("2011-07-01T12:30"), unit="D")
    assert type(s) is np.str_ and s == "2011-07-01"
    assert tn.datetime_data(t.dtype) == np.datetime_data(n.dtype) == ("m", 1)
    assert tn.datetime_data("m8[5s]") == ("s", 5)


def test_errors_are_truenos_with_numpys_classes():
    with pytest.raises(DatetimeValueError, match="roll=") as e:
        tn.busday_offset("2011-07-02", 1)
    assert isinstance(e.value, ValueError) and isinstance(e.value, tn.TruenoError)
    with pytest.raises(ValueError, match="Cannot supply both"):
        tn.is_busday("2011-07-01", weekmask="1111100", busdaycal=tn.busdaycalendar())
    with pytest.raises(DatetimeValueError, match="weekmask"):
        tn.busdaycalendar(weekmask="11")
    with pytest.raises(tn.DTypeError, match="datetime_data: .*non-datetime.*\n  hint:"):
        tn.datetime_data(tn.float64)
    with pytest.raises(TypeError):
        tn.datetime_as_string(tn.arange(3.0))


@pytest.mark.parametrize("name", ["trueno._numpy_constants", "trueno._numpy_datetime"])
def test_docstring_examples(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", ["ranf", "sample", "random_sample"])
def test_legacy_random_aliases_draw_as_numpy(name):
    tn.random.seed(7)
    np.random.seed(7)
    got, want = getattr(tn.random, name)((2, 3)), getattr(np.random, name)((2, 3))
    assert isinstance(got, tn.ndarray) and got.dtype == tn.float64
    np.testing.assert_array_equal(np.asarray(got), want)
