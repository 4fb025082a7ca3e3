"""``_index_arrays`` (split out of ``_gather_scatter``): its docstring examples run, its names
stay reachable where they were, and its functions give NumPy's results."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import trueno as tn
from trueno import _gather_scatter, _index_arrays


def test_docstring_examples_run():
    result = doctest.testmod(_index_arrays,
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", _index_arrays.__all__)
def test_names_are_re_exported(name):
    assert getattr(_gather_scatter, name) is getattr(_index_arrays, name)
    assert name in _gather_scatter.__all__


def test_values_as_numpy():
    h = np.array([[0, 3, 0], [5, 0, 1]])
    a = tn.asarray(h)
    np.testing.assert_array_equal(tn.argwhere(a), np.argwhere(h))
    np.testing.assert_array_equal(tn.flatnonzero(a), np.flatnonzero(h))
    np.testing.assert_array_equal(tn.compress([True, False, True], a, axis=1),
                                  np.compress([True, False, True], h, axis=1))
    np.testing.assert_array_equal(tn.extract(a > 0, a), np.extract(h > 0, h))
    c = np.array([[0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(tn.choose(tn.asarray(c), [a, a * 10]),
                                  np.choose(c, [h, h * 10]))
    np.testing.assert_array_equal(tn.choose(tn.asarray(c + 3), [a, a * 10], mode="wrap"),
                                  np.choose(c + 3, [h, h * 10], mode="wrap"))
    for got, want in zip(tn.unravel_index(tn.asarray([5, 1]), (2, 3)),
                         np.unravel_index([5, 1], (2, 3)), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tn.tri(3, 4, 1), np.tri(3, 4, 1))
    np.testing.assert_array_equal(tn.vander(tn.asarray([1, 2, 3]), 3), np.vander([1, 2, 3], 3))
    np.testing.assert_array_equal(tn.diag(a, 1), np.diag(h, 1))
    with pytest.raises(ValueError):
        tn.unravel_index(tn.asarray([7]), (2, 3))
