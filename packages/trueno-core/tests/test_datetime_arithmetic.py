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
