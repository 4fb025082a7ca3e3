"""A float32 signalling NaN cast to float64 by a mixed-dtype binary op reports what NumPy 2
reports: "invalid value encountered in cast" for an input NumPy casts before its loop (0-d, or
1-d of at most getbufsize() elements, in operand order until one it cannot), else the op's own
flag (none for maximum and comparisons). Checked on the first call (host casts in the
dispatcher) and on later ones (the cached entry), with whichever backend runs the tests."""
import warnings

import numpy as np
import pytest

import trueno as tn
from trueno._optable import OPS

ROW = {"power": "pow", "arctan2": "atan2"}  # trueno's row names
SNAN = np.array([0x7FA00000], np.uint32).view(np.float32)[0]


def f32(shape, at=0):
    x = np.ones(shape, np.float32)
    x.reshape(-1)[at] = SNAN
    return x


def report(mod, fn):
    """(the RuntimeWarning messages in order, the FloatingPointError message or None)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with mod.errstate(all="warn"):
            fn()
    msgs = [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)]
    with mod.errstate(all="raise"):
        try:
            fn()
            err = None
        except FloatingPointError as e:
            err = str(e)
    return msgs, err


CASES = {
    "1d": (f32(4), np.ones(4)),
    "0d-second": (np.ones((2, 3)), np.asarray(SNAN)),
    "2d": (f32((2, 3), 5), np.ones((2, 3))),
    "2d-vs-1d": (f32((2, 3)), np.ones(3)),
    "int-2d-first": (np.ones((2, 3), np.int32), f32(3)),
    "1d-then-int-2d": (f32(3), np.ones((2, 3), np.int32)),
    "inf-inf-2d": (np.array([[SNAN, np.inf]], np.float32), np.array([[1.0, np.inf]])),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("op", ["add", "power", "maximum", "less", "arctan2"])
def test_cast_errors_named_as_numpy(op, case):
    x1, x2 = CASES[case]
    want = report(np, lambda: getattr(np, op)(x1, x2))
    a, b = tn.asarray(x1), tn.asarray(x2)
    fn = getattr(tn, op)
    OPS[ROW.get(op, op)].fast.clear()  # (internal) so that the first call below is uncached
    for _ in range(3):  # the first call, the call that stores the entry, the entry
        assert report(tn, lambda: fn(a, b)) == want
    if op == "add" and case in ("1d", "2d", "inf-inf-2d"):
        assert want[0]  # the inputs do flag: the comparisons above are not vacuous
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(np.asarray(fn(a, b)), getattr(np, op)(x1, x2))


def test_operator_and_reflected_order():
    """``b - a`` is subtract(b, a): NumPy's operand order decides which input comes first."""
    x1, x2 = np.ones((2, 3), np.int32), f32(3)
    a, b = tn.asarray(x1), tn.asarray(x2)
    for _ in range(3):
        assert report(tn, lambda: b - a) == report(np, lambda: x2 - x1)
        assert report(tn, lambda: a - b) == report(np, lambda: x1 - x2)
