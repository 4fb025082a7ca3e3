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


_METHODS = ["inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
            "weibull", "median_unbiased", "normal_unbiased", "linear", "lower", "higher",
            "midpoint", "nearest"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", _METHODS)
@pytest.mark.parametrize("fn", ["quantile", "nanquantile", "nanpercentile"])
def test_quantile_decomposition_keeps_infinities_and_counts_on_the_device(fn, method):
    """The discrete methods (and "linear" with integer q) take the element, as NumPy: an
    infinity stays infinite instead of becoming inf - inf = NaN in a lerp; nanquantile's
    positions per slice count (NaN-free integer inputs: the plain quantile)."""
    x = np.array([[1.0, -np.inf, 2.0, np.inf, 0.5], [np.nan, 3.0, np.nan, -1.0, 2.0],
                  [np.nan] * 5, [4.0, 1.0, 2.0, 2.0, 0.0]])
    for data in (x, x.astype(np.float32), np.arange(20, dtype=np.int32).reshape(4, 5)[:, ::-1]):
        for q in ([0.0, 0.3, 0.5, 1.0], 0.75, 1, [0, 1]):
            q = np.multiply(q, 100) if "percentile" in fn else q
            want = getattr(np, fn)(data, q, axis=1, method=method)
            with primitives_only():
                got = np.asarray(getattr(tn, fn)(tn.asarray(data), q, axis=1, method=method))
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, equal_nan=True)


_ROWS = np.array([[1.0, np.nan, 3.0, 4.0, -2.0], [2.0, 5.0, 1.0, 0.0, np.inf],
                  [np.nan, np.nan, np.nan, 7.0, 1.0], [0.5, -np.inf, 2.0, 2.0, 9.0]])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fn", ["quantile", "nanquantile", "percentile", "nanpercentile"])
def test_weighted_and_averaged_quantile_decompositions(fn):
    """Weighted inverted_cdf as NumPy: leading zero weights skipped at q=0, a NaN slice is NaN
    (the nan-functions drop NaN with their weights), the normalised cdf; averaged_inverted_cdf
    lerps from the previous element with weight 1 (an infinite neighbour stays out)."""
    scale = 100.0 if "percentile" in fn else 1.0
    q = [v * scale for v in (0.0, 0.2, 0.5, 0.75, 1.0)]
    w = np.array([0.0, 1.0, 2.0, 0.5, 1.5])
    cases = [((np.arange(1.0, 6.0), q), {"weights": w}),
             ((_ROWS[1], q), {"weights": w}), ((_ROWS[0], q), {"weights": w}),
             ((_ROWS, q), {"axis": 1, "weights": np.tile(w, (4, 1))}),
             ((_ROWS, q), {"axis": 1, "method": "averaged_inverted_cdf"})]
    for (a, qq), kw in cases:
        kw = {"method": "inverted_cdf", **kw}
        want = getattr(np, fn)(a, qq, **kw)
        with primitives_only():
            got = np.asarray(getattr(tn, fn)(tn.asarray(a), qq, **kw))
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with primitives_only(), pytest.raises(ValueError, match="Only method 'inverted_cdf'"):
        getattr(tn, fn)(tn.asarray(_ROWS[0]), 0.5 * scale, weights=w, method="linear")
