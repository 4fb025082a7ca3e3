"""datetime64/timedelta64 arithmetic with integers, floats and the other time kind (issue 14):
NumPy's results and errors (DTypeError, a TypeError, where NumPy raises UFuncTypeError)."""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest

import trueno as tn
from trueno import _dtypes as D
from trueno._errors import DTypeError
from trueno._host_dtypes import kernel_for, promote
from trueno._optable import OPS

_D = np.array(["2020-01-01", "2020-01-03", "NaT"], dtype="M8[D]")
_T = np.array([1, 2, "NaT"], dtype="m8[h]")
_I = np.array([1, 2, 3])
_F = np.array([1.5, np.nan, -2.25])
_F32 = _F.astype(np.float32)
_B = np.array([True, False, True])
_OPERANDS = {"d": _D, "t": _T, "i": _I, "f": _F, "f32": _F32, "b": _B,
             "t_s": _T.astype("m8[s]"), "d_m": _D.astype("M8[m]")}
# (left, right) pairs with a datetime64/timedelta64 on one side and another kind on the other
_PAIRS = [("d", "t"), ("t", "d"), ("d", "i"), ("i", "d"), ("t", "i"), ("i", "t"), ("t", "f"),
          ("f", "t"), ("d", "f"), ("f", "d"), ("t", "f32"), ("f32", "t"), ("t", "b"),
          ("d", "t_s"), ("t_s", "d"), ("d_m", "t"), ("t", "d_m")]
_UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
           "divide": np.true_divide, "floor_divide": np.floor_divide}


def _numpy(fn, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return fn(x, y)
        except TypeError:  # NumPy's UFuncTypeError: no loop for these operands
            return None


@pytest.mark.parametrize("name", list(_UFUNCS))
@pytest.mark.parametrize("left,right", _PAIRS)
def test_pair_kernel_computes_on_the_operands_in_order(name, left, right):
    """The kernel of a datetime/timedelta pair, given the operands as they are (uncast), is
    NumPy's loop in operand order: ``timedelta - datetime`` raises, ``timedelta * floats`` is
    NumPy's (NaN gives NaT)."""
    x, y = _OPERANDS[left], _OPERANDS[right]
    dt = promote(D.as_dtype(x.dtype), D.as_dtype(y.dtype))
    assert getattr(dt, "raw", False)
    k = kernel_for(OPS[name], dt)
    want = _numpy(_UFUNCS[name], x, y)
    if want is None:
        with pytest.raises(DTypeError):
            k(x, y)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = k(x, y)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


_OPS = {"/": operator.truediv, "//": operator.floordiv}


@pytest.mark.parametrize("op", list(_OPS))
@pytest.mark.parametrize("left,right", [("d", "i"), ("i", "d"), ("d", "t"), ("t", "d"),
                                        ("d", "f"), ("f", "d")])
def test_datetime_division_refused_as_numpy(op, left, right):
    """NumPy has no loop dividing a datetime64 (nor an int by a timedelta64); trueno computed
    them in float64 (``datetime_array / int_array`` gave day counts)."""
    x, y = _OPERANDS[left], _OPERANDS[right]
    assert _numpy(_OPS[op], x, y) is None
    with pytest.raises(DTypeError):
        _OPS[op](tn.asarray(x), tn.asarray(y))


def test_timedelta_division_by_numbers_and_timedeltas():
    """What NumPy computes stays NumPy's: ``timedelta / int`` and ``timedelta // int`` are
    timedeltas, ``timedelta / timedelta`` of two units a float ratio."""
    t, ts = tn.asarray(_T), tn.asarray(_OPERANDS["t_s"])
    for got, want in ((t / tn.asarray(_I), _T / _I), (t // tn.asarray(_I), _T // _I),
                      (t / ts, _T / _OPERANDS["t_s"]), (t * tn.asarray(_I), _T * _I)):
        h = got.numpy()
        assert h.dtype == want.dtype
        np.testing.assert_array_equal(h, want)


_BINOPS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
           "divide": operator.truediv, "floor_divide": operator.floordiv}


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            r = fn()
        except TypeError as e:  # NumPy's UFuncTypeError; trueno's DTypeError
            assert not isinstance(e, tn.TruenoError) or isinstance(e, DTypeError)
            return "refused"
    h = r.numpy() if isinstance(r, tn.ndarray) else np.asarray(r)
    return h.dtype, h.tolist()


@pytest.mark.parametrize("name", list(_BINOPS))
@pytest.mark.parametrize("left,right", _PAIRS + [("t", "t"), ("d", "d")])
def test_datetime_operators_in_every_operand_order(name, left, right):
    """NumPy's result or refusal for every operand order and spelling: both trueno arrays,
    a NumPy scalar or array on either side (trueno's reflected operators), the functions."""
    x, y = _OPERANDS[left], _OPERANDS[right]
    op, ufunc, fn = _BINOPS[name], _UFUNCS[name], getattr(tn, name)
    x0, y0 = x[0], y[0]  # numpy.datetime64 / timedelta64 / number scalars
    forms = [(lambda: op(x, y), lambda: op(tn.asarray(x), tn.asarray(y))),
             (lambda: op(x, y), lambda: op(x, tn.asarray(y))),
             (lambda: op(x, y0), lambda: op(tn.asarray(x), y0)),
             (lambda: op(x0, y), lambda: op(x0, tn.asarray(y))),
             (lambda: ufunc(x, y), lambda: fn(tn.asarray(x), tn.asarray(y))),
             (lambda: ufunc(x0, y), lambda: fn(x0, tn.asarray(y))),
             (lambda: ufunc(x, y0), lambda: fn(tn.asarray(x), y0))]
    for want, got in forms:
        assert str(_outcome(got)) == str(_outcome(want))


_TD2 = np.array([[1, 2, 7], [4, 5, "NaT"]], dtype="m8[h]")
_MEANS = {
    "mean": lambda m, a: m.mean(a[0]),
    "mean_axis0": lambda m, a: m.mean(a[0], axis=0),
    "mean_axis1_keepdims": lambda m, a: m.mean(a[0], axis=1, keepdims=True),
    "mean_nat": lambda m, a: m.mean(a[1]),
    "method_axis_neg": lambda m, a: a[0].mean(axis=-1),
    "mean_where": lambda m, a: m.mean(a[1], where=np.array([True, False, True])),
    "mean_empty": lambda m, a: m.mean(a[0][:0]),
    "median": lambda m, a: m.median(a[0], axis=0),
    "nanmean": lambda m, a: m.nanmean(a[1], axis=1),
    "std": lambda m, a: m.std(a[0]),
    "var_axis": lambda m, a: m.var(a[0], axis=0),
    "datetime_mean": lambda m, a: m.mean(a[2]),
    "object_mean": lambda m, a: m.mean(a[3]),
    "object_mean_axis": lambda m, a: m.mean(a[3].reshape(2, 2), axis=0),
}


@pytest.mark.parametrize("case", list(_MEANS))
def test_timedelta_mean_and_spread_as_numpy(case):
    """``mean`` of a timedelta64 array is a timedelta64 (NaT propagates; empty: NaT with
    NumPy's warnings), as ``mean(axis=, keepdims=, where=)``; an object array's is NumPy's;
    ``std``/``var`` of timedeltas and ``mean`` of datetimes raise (DTypeError, NumPy's
    TypeError)."""
    from fractions import Fraction
    obj = np.array([Fraction(1, 3), Fraction(1, 2), Fraction(2), Fraction(5, 7)], dtype=object)
    arrs = (_TD2[:, :2].copy(), _TD2, _D[:2], obj)

    def outcome(m, a):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                r = _MEANS[case](m, a)
            except TypeError as e:
                assert m is np or isinstance(e, DTypeError)
                return "refused", []
        h = r.numpy() if isinstance(r, tn.ndarray) else r
        return (type(h).__name__, np.asarray(h).dtype, np.asarray(h).tolist()), \
            sorted(x.category.__name__ for x in w)
    assert outcome(tn, tuple(tn.asarray(a) for a in arrs)) == outcome(np, arrs)
