"""The decompositions of ``isin`` (sort + searchsorted, in the inputs' common dtype) and
``cov``'s weight checks, run alone in primitives-only mode (as on a device with no kernel for
them: the GPU since issue 13), against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import trueno as tn
from trueno._registry import primitives_only

CASES = [
    (np.array([[1, 2, 3], [4, 5, 6]], np.int32), np.array([2.0, 5.5, 6.0])),
    (np.array([1.0, np.nan, -0.0, 3.0, np.inf], np.float32), np.array([0.0, np.nan, np.inf])),
    (np.array([True, False]), np.array([True])),
    (np.array(3, np.int64), np.array([1, 3])),
    (np.arange(10, dtype=np.uint8), np.array([300, 5], np.int64)),
    (np.array([1.5, 2.0], np.float16), np.array([2, 7], np.int8)),
    (np.array([1 + 1j, 2], np.complex64), np.array([1 + 1j])),
    (np.array([1, 2]), np.zeros(0)),
    (np.array([[5, 1], [2, 2]], np.int16), np.array([[2, 9], [9, 5]], np.int16)),
]


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_isin_decomposition_matches_numpy(case, invert):
    e, t = CASES[case]
    want = np.isin(e, t, invert=invert)
    with primitives_only():
        got = tn.isin(tn.asarray(e), tn.asarray(t), invert=invert)
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kw, error, match", [
    ({"fweights": [1.5, 1, 1, 1]}, TypeError, "fweights must be integer"),
    ({"fweights": [1, -1, 1, 1]}, ValueError, "cannot be negative"),
    ({"aweights": [-1.0, 1, 1, 1]}, ValueError, "cannot be negative"),
    ({"aweights": [1.0, 1.0]}, RuntimeError, "incompatible numbers"),
])
def test_cov_decomposition_refuses_the_weights_numpy_refuses(kw, error, match):
    x = np.ones((2, 4), np.float32)
    with pytest.raises(error, match=match):
        np.cov(x, **kw)
    with primitives_only(), pytest.raises(error, match=match):
        tn.cov(tn.asarray(x), **kw)
