"""``trueno.emath`` against ``numpy.emath`` (issue 14): type, dtype and values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno as tn

INPUTS = [-4.0, 4.0, 0.25, [-1.0, 4.0], [0.5, 2.0, -3.0], np.asarray([-1, 4], np.int64),
          np.asarray([-1, 4], np.int8), np.asarray([-1.0, 0.5], np.float32),
          np.asarray([1 + 1j, -2j]), np.asarray([0.5, 0.25])]


def _same(got, want):
    if isinstance(want, np.ndarray):
        assert isinstance(got, tn.ndarray) and got.dtype.name == want.dtype.name, (got, want)
        got = np.asarray(got)
    else:
        assert type(got) is type(want), (type(got), type(want))
    rtol = 1e-5 if np.asarray(want).dtype in (np.complex64, np.float32) else 1e-12
    np.testing.assert_allclose(got, want, rtol=rtol)


@pytest.mark.parametrize("name", ["sqrt", "log", "log2", "log10", "arccos", "arcsin",
                                  "arctanh"])
@pytest.mark.parametrize("case", range(len(INPUTS)))
def test_unary_emath_matches_numpy(name, case):
    x = INPUTS[case]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = getattr(np.emath, name)(x)
        got = getattr(tn.emath, name)(tn.asarray(x) if isinstance(x, np.ndarray) else x)
    _same(got, want)


@pytest.mark.parametrize("x, p", [(-8.0, 1 / 3), ([-1.0, 4.0], 0.5), ([2, 4], -1),
                                  ([2, -4], 2), (4.0, [-2, 2])])
def test_power_and_logn_match_numpy(x, p):
    _same(tn.emath.power(x, p), np.emath.power(x, p))
    with np.errstate(all="ignore"):
        _same(tn.emath.logn(2, x), np.emath.logn(2, x))
