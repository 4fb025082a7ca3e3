"""``trueno.testing``: NumPy's assertions accept trueno arrays and decide as NumPy's do."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn


def _outcome(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except AssertionError:
        return "fail"
    return "pass"


CASES = [
    ("assert_allclose", ([1.0, 2.0], [1.0, 2.0 + 1e-9]), {}),
    ("assert_allclose", ([1.0, 2.0], [1.0, 2.1]), {}),
    ("assert_allclose", ([1.0, 2.0], [1.0, 2.1]), {"rtol": 0.1}),
    ("assert_array_equal", ([1, 2, 3], [1, 2, 3]), {}),
    ("assert_array_equal", ([1, 2, 3], [1, 2, 4]), {}),
    ("assert_array_equal", ([1, 2], [1, 2]), {"strict": True}),
    ("assert_array_equal", ([[1, 2]], [1, 2]), {"strict": True}),
    ("assert_equal", ([1, 2], [1, 2]), {}),
    ("assert_equal", ([1.0, np.nan], [1.0, np.nan]), {}),
    ("assert_equal", ([1, 2], [1, 3]), {}),
    ("assert_almost_equal", ([1.0, 2.0], [1.0, 2.0000001]), {}),
    ("assert_almost_equal", ([1.0, 2.0], [1.0, 2.01]), {}),
    ("assert_array_almost_equal", ([1.0, 2.0], [1.0, 2.0000001]), {"decimal": 6}),
    ("assert_array_less", ([1.0, 2.0], [2.0, 3.0]), {}),
    ("assert_array_less", ([1.0, 3.0], [2.0, 3.0]), {}),
    ("assert_array_almost_equal_nulp", ([1.0, 2.0], [1.0, 2.0]), {}),
    ("assert_array_max_ulp", ([1.0, 2.0], [1.0, 2.0]), {}),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_assertions_decide_as_numpy_with_trueno_arrays(case):
    name, (x, y), kw = CASES[case]
    want = _outcome(getattr(np.testing, name), np.asarray(x), np.asarray(y), **kw)
    assert _outcome(getattr(tn.testing, name), tn.asarray(x), tn.asarray(y), **kw) == want
    assert _outcome(getattr(tn.testing, name), tn.asarray(x), np.asarray(y), **kw) == want


def test_nested_values_and_passthrough_helpers():
    a = tn.asarray([1.0, 2.0])
    tn.testing.assert_equal({"w": a, "b": [a, 3]}, {"w": np.asarray([1.0, 2.0]),
                                                    "b": [np.asarray([1.0, 2.0]), 3]})
    with pytest.raises(AssertionError):
        tn.testing.assert_equal((a, 1), (a + 1, 1))
    with tn.testing.assert_raises(ZeroDivisionError):
        1 / 0  # noqa: B018
    tn.testing.assert_(True)
    assert tn.testing.assert_raises is np.testing.assert_raises
    with pytest.raises(AttributeError):
        tn.testing.no_such_helper  # noqa: B018
    assert "assert_allclose" in dir(tn.testing)
